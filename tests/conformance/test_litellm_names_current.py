"""The provider names data of each pinned release (fallbacks/litellm_names) is what that release's wheel says.

scripts/generate_litellm_names.py --check, run by each oracle's python, regenerates the data in memory
(checking it against the wheel's own provider inference on every known and a few thousand made-up names)
and compares it with the committed file.
"""

import subprocess

import pytest

from tests.conformance.conftest import ROOT, oracle_env

pytestmark = pytest.mark.conformance


def test_the_committed_names_data_is_the_release_s(oracle):
    completed = subprocess.run(
        [str(oracle.python), str(ROOT / "scripts" / "generate_litellm_names.py"), "--check"],
        capture_output=True,
        text=True,
        env=oracle_env(),
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    assert f"litellm-{oracle.release}.json is current" in completed.stdout
