"""HOUSE_STYLE's one-way data flow: the pure modules never reach the ORM, so any door can reuse them."""

import ast
from pathlib import Path

import pytest

from tests.factories import REPO_ROOT

APP = REPO_ROOT / "fallbacks"
PURE_MODULES = ["validation.py", "resolution.py", "config_format.py", "lint.py"]
FORBIDDEN = ("django.db", "fallbacks.models", "fallbacks.selectors", "fallbacks.services")


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize("module", PURE_MODULES)
def test_pure_modules_do_not_import_the_orm(module):
    reached = {name for name in imported_modules(APP / module) if name.startswith(FORBIDDEN)}
    assert reached == set()


def test_only_services_and_migrations_write():
    """Model writes (`.save(`, `.delete(`, `.create(`, `bulk_create`, `.update(`) live in services.py."""
    writers = []
    for path in APP.rglob("*.py"):
        relative = path.relative_to(APP).as_posix()
        if relative in {"services.py"} or relative.startswith("migrations/"):
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
