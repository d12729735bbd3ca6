"""Finding 1: a 1 MB config anchoring a 1,000,000-character string and naming it 300 times passed the alias
guard (each alias counted as one value); a dry run peaked at 659 MB and an import at 2.7 GB.

The import runs in another process whose address space is limited, as a gunicorn worker's memory is:
it must end with the importer's own refusal, never a MemoryError (which in a worker is an OOM kill).
"""

import resource
import subprocess
import sys

import pytest

from fallbacks.config_format import reader
from tests.attack.conftest import production_environment
from tests.factories import REPO_ROOT, database_snapshot

ADDRESS_SPACE = 512 * 2**20  # a Django process importing a small file peaks under 100 MB
LONG = 1_000_000
ALIASES = 300


def alias_document() -> str:
    lines = ["model_list:", f"- model_name: g0\n  litellm_params: {{model: openai/g0, note: &long {'x' * LONG}}}"]
    lines += [
        f"- model_name: g{index}\n  litellm_params: {{model: openai/g{index}, note: *long}}"
        for index in range(1, ALIASES + 1)
    ]
    return "\n".join(lines) + "\n"


def limit_address_space() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry-run", "import"])
def test_aliases_of_a_long_string_are_refused_within_bounded_memory(served, tmp_path, dry_run):
    path = tmp_path / "aliases.yaml"
    path.write_text(alias_document())
    assert path.stat().st_size < 1.3 * 2**20
    before = database_snapshot()

    result = subprocess.run(
        [sys.executable, "manage.py", "import_config", str(path), *(["--dry-run"] if dry_run else [])],
        cwd=REPO_ROOT,
        env=production_environment(),
        preexec_fn=limit_address_space,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert "MemoryError" not in result.stderr
    assert result.returncode == 1, result.stderr[-2000:]
    expected = reader.DOCUMENT_TOO_MANY_CHARACTERS.format(where="line 23, column 45")
    assert f"file: {expected}" in result.stderr
    assert database_snapshot() == before
