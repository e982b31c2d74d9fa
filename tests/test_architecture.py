"""The layer map (docs/architecture.md), enforced for every layer by parsing imports.

    domain     <- the standard library only
    services   <- domain                          use cases and their ports (Protocols)
    core       <- domain, services                 the kernel: Texts, AppConfig, callback fields
    storage    <- domain, services                 SQL adapters of the ports
    notifier   <- domain, services, core, storage  the sender, jobs, outbox adapters
    app        <- ... notifier                     Services: the per-update wiring
    handlers,
    dialogs    <- ... app, each other              Telegram routers
    web        <- ... app                          the staff web desk (FastAPI), Telegram-free
    bot        <- everything                       the composition root

An import is every `import x`, `from x import y`, relative `from . import y` (resolved), and
every `importlib.import_module("x")` / `__import__("x")` with a constant name, wherever it
stands (inside a function or under TYPE_CHECKING too).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

LAYERS: dict[str, frozenset[str]] = {
    "domain": frozenset({"domain"}),
    "services": frozenset({"domain", "services"}),
    "core": frozenset({"domain", "services", "core"}),
    "storage": frozenset({"domain", "services", "storage"}),
    "notifier": frozenset({"domain", "services", "core", "storage", "notifier"}),
    "app": frozenset({"domain", "services", "core", "storage", "notifier", "app"}),
    "handlers": frozenset(
        {"domain", "services", "core", "storage", "notifier", "app", "handlers", "dialogs"}
    ),
    "dialogs": frozenset(
        {"domain", "services", "core", "storage", "notifier", "app", "handlers", "dialogs"}
    ),
    "web": frozenset({"domain", "services", "core", "storage", "notifier", "app", "web"}),
    "bot": frozenset(
        {
            "domain",
            "services",
            "core",
            "storage",
            "notifier",
            "app",
            "handlers",
            "dialogs",
            "web",
            "bot",
        }
    ),
}
PROJECT = frozenset(LAYERS)
# Third-party packages a layer may not use, besides the project's outer layers: the inner
# layers know nothing of Telegram, databases, schedulers or the text engine.
FRAMEWORKS = frozenset(
    {"aiogram", "sqlalchemy", "alembic", "redis", "apscheduler", "aiohttp", "fluent", "yaml"}
)
NO_FRAMEWORKS = frozenset({"services"})
NO_DATABASE = frozenset({"core"})  # the kernel: no SQL, no scheduler
# The web desk reaches Telegram only through the outbox and what the composition root hands
# it (the staff-chat membership check): it never talks to the Bot API itself.
NO_TELEGRAM = frozenset({"web"})
DATABASE = frozenset({"sqlalchemy", "alembic", "apscheduler", "redis"})
_DYNAMIC = {"import_module", "__import__"}


def imported_modules(path: Path, package: str) -> set[str]:
    """Every module `path` imports, absolute, by any of the ways in the module docstring.
    `package` is the dotted package the file is in (for relative imports)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1] if node.level > 1 else base
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            names.add(module)
        elif isinstance(node, ast.Call):
            function = node.func
            called = (
                function.attr
                if isinstance(function, ast.Attribute)
                else function.id
                if isinstance(function, ast.Name)
                else ""
            )
            if called in _DYNAMIC and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    names.add(first.value)
    return {name for name in names if name}


def violations(root: Path) -> list[str]:
    """Every import under `root` that the layer map forbids, as `file: module`."""
    found: list[str] = []
    for layer, allowed in LAYERS.items():
        for path in sorted((root / layer).rglob("*.py")):
            relative = path.relative_to(root)
            parts = list(relative.with_suffix("").parts)
            package = ".".join(parts if parts[-1] == "__init__" else parts[:-1])
            package = package.removesuffix(".__init__")
            for module in sorted(imported_modules(path, package)):
                top = module.split(".")[0]
                forbidden = (
                    (top in PROJECT and top not in allowed)
                    or (layer in NO_FRAMEWORKS and top in FRAMEWORKS)
                    or (layer in NO_DATABASE and top in DATABASE)
                    or (layer in NO_TELEGRAM and top == "aiogram")
                    or (
                        layer == "domain"
                        and top not in sys.stdlib_module_names
                        and top not in {"domain", "__future__"}
                    )
                )
                if forbidden:
                    found.append(f"{relative}: {module}")
    return found


def test_every_layer_imports_only_what_the_map_allows() -> None:
    for layer in LAYERS:
        assert any((ROOT / layer).rglob("*.py")), f"no layer {layer}/"
    assert violations(ROOT) == []


def test_no_folder_of_code_is_left_out_of_the_map() -> None:
    packages = {
        path.parent.name
        for path in ROOT.glob("*/__init__.py")
        if path.parent.name not in {"tests", "bench", "scripts", "examples"}
    }
    assert packages <= PROJECT, f"add {sorted(packages - PROJECT)} to the layer map"


# The test of the test: a generated module with each way of importing, in each layer, for
# every arrow the map forbids, must be caught.

_STYLES = {
    "import": "import {module}.x\n",
    "from": "from {module}.x import y\n",
    "in_function": "def f() -> None:\n    from {module} import x\n",
    "type_checking": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import {module}\n",
    "importlib": "import importlib\nimportlib.import_module('{module}.x')\n",
    "dunder": "__import__('{module}')\n",
}
_FORBIDDEN_ARROWS = [
    (layer, target) for layer, allowed in LAYERS.items() for target in sorted(PROJECT - allowed)
]


@pytest.mark.parametrize(("layer", "target"), _FORBIDDEN_ARROWS)
@pytest.mark.parametrize("style", sorted(_STYLES))
def test_a_forbidden_import_in_a_generated_module_is_caught(
    tmp_path: Path, layer: str, target: str, style: str
) -> None:
    module = tmp_path / layer / "generated.py"
    module.parent.mkdir(parents=True)
    module.write_text(_STYLES[style].format(module=target), encoding="utf-8")
    assert violations(tmp_path) == [f"{layer}/generated.py: " + _expected(style, target)]


def _expected(style: str, target: str) -> str:
    return target if style in {"in_function", "type_checking", "dunder"} else f"{target}.x"


def test_a_relative_import_reaching_an_outer_layer_is_caught(tmp_path: Path) -> None:
    module = tmp_path / "storage" / "inner" / "generated.py"
    module.parent.mkdir(parents=True)
    module.write_text("from ...bot import texts\n", encoding="utf-8")
    assert violations(tmp_path) == ["storage/inner/generated.py: bot"]


@pytest.mark.parametrize(
    ("layer", "package"),
    [
        ("services", "aiogram"),
        ("services", "sqlalchemy"),
        ("core", "sqlalchemy"),
        ("domain", "pydantic"),
        ("web", "aiogram"),
    ],
)
def test_a_framework_in_an_inner_layer_is_caught(tmp_path: Path, layer: str, package: str) -> None:
    module = tmp_path / layer / "generated.py"
    module.parent.mkdir(parents=True)
    module.write_text(f"import {package}\n", encoding="utf-8")
    assert violations(tmp_path) == [f"{layer}/generated.py: {package}"]


def test_allowed_imports_in_a_generated_module_pass(tmp_path: Path) -> None:
    module = tmp_path / "handlers" / "generated.py"
    module.parent.mkdir(parents=True)
    module.write_text(
        "import aiogram\nfrom domain.appeals import Appeal\nfrom app.services import Services\n"
        "from core.texts import Texts\nfrom dialogs.appeal import router\n",
        encoding="utf-8",
    )
    assert violations(tmp_path) == []
