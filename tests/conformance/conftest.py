"""The real LiteLLM router as an oracle (PRODUCT.md section 7).

LiteLLM lives in its own virtualenv, `.venv-oracle` (made by `make conformance-env` from
litellm-oracle-requirements.txt beside this file), so it never mixes with the app's
dependencies. Tests talk to it through small scripts in this folder run by that
interpreter: JSON in on stdin, JSON out on stdout. Without that environment, these tests
are skipped with a message saying how to get it.
"""

import json
import os
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ORACLE_PYTHON = Path(os.environ.get("LITELLM_ORACLE_PYTHON", HERE.parent.parent / ".venv-oracle" / "bin" / "python"))
SKIP_MESSAGE = (
    f"the LiteLLM oracle environment is absent ({ORACLE_PYTHON}): "
    "run `make conformance` to build it and run these tests"
)


def _oracle_ready() -> bool:
    if not ORACLE_PYTHON.exists():
        return False
    probe = subprocess.run([str(ORACLE_PYTHON), "-c", "import litellm"], capture_output=True, env=oracle_env())
    return probe.returncode == 0


def oracle_env() -> dict:
    return {
        **os.environ,
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",  # never fetch the cost map from the network
        "LITELLM_LOG": "ERROR",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


@pytest.fixture(scope="session")
def run_oracle():
    """`run_oracle("script.py", payload)` runs a script of this folder under the oracle and returns its JSON."""
    if not _oracle_ready():
        if os.environ.get("REQUIRE_CONFORMANCE"):
            pytest.fail(SKIP_MESSAGE)
        pytest.skip(SKIP_MESSAGE)

    def run(script: str, payload) -> object:
        completed = subprocess.run(
            [str(ORACLE_PYTHON), str(HERE / script)],
            input=json.dumps(payload),
            capture_output=True,
            text=True,
            env=oracle_env(),
            timeout=900,
        )
        if completed.returncode != 0:
            raise AssertionError(f"oracle script {script} failed:\n{completed.stderr[-4000:]}")
        return json.loads(completed.stdout)

    return run
