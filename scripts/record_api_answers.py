"""Record the API's answers again: tests/fixtures/recorded_answers.json, from tests/api/test_recorded_answers.py.

    .venv/bin/python scripts/record_api_answers.py [pytest arguments]

It runs that test with RECORD_API_ANSWERS=1 on a fresh test database (SQLite, or DATABASE_URL's),
which replays the scenario and writes every answer instead of comparing it. Review the diff of the
JSON file before committing it: every change there is a change of the API.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEST = "tests/api/test_recorded_answers.py"


def main() -> int:
    command = [sys.executable, "-m", "pytest", TEST, "-q", "-rs", "-p", "no:cacheprovider", *sys.argv[1:]]
    return subprocess.call(command, cwd=ROOT, env={**os.environ, "RECORD_API_ANSWERS": "1"})


if __name__ == "__main__":
    sys.exit(main())
