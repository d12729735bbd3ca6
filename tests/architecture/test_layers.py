"""HOUSE_STYLE's one-way data flow, kept: the import contracts hold, and only services write.

The contracts themselves (layers; the pure modules reach no database, HTTP or admin; services and
reads know no HTTP) are import-linter's, in pyproject.toml; `make lint` and CI run them too.
"""

import subprocess
import sys
from pathlib import Path

from tests.factories import REPO_ROOT

APP = REPO_ROOT / "fallbacks"


def test_the_architecture_contracts_are_kept():
    lint_imports = Path(sys.executable).parent / "lint-imports"  # installed beside this Python by requirements-dev
    result = subprocess.run([lint_imports], cwd=REPO_ROOT, capture_output=True, text=True, check=False)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_only_services_and_migrations_write():
    """Model writes (`.save(`, `.delete(`, `.create(`, `bulk_create`, `.update(`) live in fallbacks/services/."""
    writers = []
    for path in APP.rglob("*.py"):
        relative = path.relative_to(APP).as_posix()
        if relative.startswith(("services/", "migrations/")):
            continue
        source = path.read_text()
        for marker in (".objects.create(", ".bulk_create(", ".objects.update(", ".objects.filter("):
            if marker == ".objects.filter(":
                if ").update(" in source or ").delete()" in source:
                    writers.append((relative, "filter().update/delete"))
                continue
            if marker in source:
                writers.append((relative, marker))
    assert writers == []
