"""The real LiteLLM routers as oracles, one per supported series (PRODUCT.md section 7).

Each pinned release lives in its own virtualenv, made by `make conformance-env` from the
requirements file of that release beside this file, so it never mixes with the app's dependencies:
LiteLLM 1.109.1 in `.venv-oracle`, LiteLLM 1.110.2 (router and proxy) in `.venv-oracle-1.110`.
Tests talk to them through small scripts in this folder run by that interpreter: JSON in on stdin,
JSON out on stdout. A test that takes the `oracle` fixture runs once per series. Without an
environment, its tests are skipped with a message saying how to get it (a failure when
REQUIRE_CONFORMANCE is set, as in CI).
"""

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from fallbacks.domain import LITELLM_SERIES

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
# Where each series' oracle lives (the Makefile's ORACLE and ORACLE_1110), and the variable that may point elsewhere.
ENVIRONMENTS = {
    "1.109": (".venv-oracle", "LITELLM_ORACLE_PYTHON"),
    "1.110": (".venv-oracle-1.110", "LITELLM_1110_ORACLE_PYTHON"),
}


# LiteLLM reads these from the environment too (the proxy would connect to this service's database): never pass them.
NOT_FOR_LITELLM = ("DATABASE_URL", "DIRECT_URL", "LITELLM_MASTER_KEY", "STORE_MODEL_IN_DB", "REDIS_URL")


def oracle_env() -> dict:
    return {
        **{name: value for name, value in os.environ.items() if name not in NOT_FOR_LITELLM},
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",  # never fetch the cost map from the network
        "LITELLM_TELEMETRY": "False",
        "LITELLM_LOG": "ERROR",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


@dataclass(frozen=True)
class Oracle:
    """One series' real LiteLLM, run offline."""

    series: str
    release: str
    python: Path

    @property
    def bin(self) -> Path:
        return self.python.parent

    def run(self, script: str, payload) -> object:
        """Run a script of this folder under this oracle's python, `payload` as JSON on stdin; its JSON output."""
        completed = subprocess.run(
            [str(self.python), str(HERE / script)],
            input=json.dumps(payload),
            capture_output=True,
            text=True,
            env=oracle_env(),
            timeout=900,
        )
        if completed.returncode != 0:
            raise AssertionError(f"oracle script {script} ({self.release}) failed:\n{completed.stderr[-4000:]}")
        return json.loads(completed.stdout)

    def problem(self) -> str | None:
        """Why this oracle cannot run, or None."""
        if not self.python.exists():
            return f"the LiteLLM {self.release} environment is absent ({self.python}): run `make conformance`"
        probe = subprocess.run(
            [str(self.python), "-c", "import importlib.metadata as m; print(m.version('litellm'))"],
            capture_output=True,
            text=True,
            env=oracle_env(),
        )
        if probe.returncode != 0:
            return f"LiteLLM cannot be imported from {self.python}: run `make conformance`"
        if probe.stdout.strip() != self.release:
            return f"{self.python} holds LiteLLM {probe.stdout.strip()}, not {self.release}: run `make conformance`"
        return None


def oracle_for(series: str) -> Oracle:
    folder, variable = ENVIRONMENTS[series]
    python = Path(os.environ.get(variable, ROOT / folder / "bin" / "python"))
    return Oracle(series=series, release=LITELLM_SERIES[series].release, python=python)


def ready(oracle: Oracle) -> Oracle:
    problem = oracle.problem()
    if problem is not None:
        if os.environ.get("REQUIRE_CONFORMANCE"):
            pytest.fail(problem)
        pytest.skip(problem)
    return oracle


@pytest.fixture(scope="session", params=LITELLM_SERIES.values())
def oracle(request) -> Oracle:
    """The real LiteLLM of each supported series in turn."""
    return ready(oracle_for(request.param))


@pytest.fixture(scope="session")
def proxy_oracle() -> Oracle:
    """The release whose environment holds the LiteLLM proxy (1.110.2)."""
    return ready(oracle_for("1.110"))
