"""Dependencies point inward: domain/ and services/ know nothing of Telegram or databases."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "aiogram",
    "sqlalchemy",
    "alembic",
    "redis",
    "apscheduler",
    "yaml",
    "aiohttp",
    "bot",
    "handlers",
    "dialogs",
    "storage",
    "notifier",
    "fluent",
}
ALLOWED = {"domain": {"domain"}, "services": {"domain", "services"}}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("layer", ["domain", "services"])
def test_inner_layers_import_neither_frameworks_nor_outer_packages(layer: str) -> None:
    files = sorted((ROOT / layer).rglob("*.py"))
    assert files
    offending = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in files
        for name in _imports(path)
        if name in FORBIDDEN
    }
    assert offending == set()


def test_the_domain_imports_nothing_but_the_standard_library_and_itself() -> None:
    import sys

    for path in sorted((ROOT / "domain").rglob("*.py")):
        for name in _imports(path):
            assert name in sys.stdlib_module_names or name in {"domain", "__future__"}, (
                f"{path.name} imports {name}"
            )
