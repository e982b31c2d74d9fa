"""Every text key used in code exists in the locale files, and no Russian text hides in code."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from bot.texts import Texts

ROOT = Path(__file__).resolve().parent.parent
CODE = ["bot", "handlers", "dialogs", "domain", "services", "storage", "notifier"]
KEY_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)+$")
# A word, not a letter: single letters (ё → е folding, regex classes) are not texts.
CYRILLIC = re.compile(r"[А-Яа-яЁё]{2,}")


def _python_files() -> list[Path]:
    return [p for folder in CODE for p in sorted((ROOT / folder).rglob("*.py"))]


def _used_keys() -> set[str]:
    """Literal first arguments of texts.get/plain, `text_key = ...`, `reason=`/keys of the
    MAIN_MENU-style tuples, and button filters."""
    keys: set[str] = set()
    for path in _python_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name in {
                    "get",
                    "plain",
                    "Button",
                    "RefusedRow",
                    "RegistryFileError",
                    "ContentProblem",
                }:
                    for arg in node.args:
                        if (
                            isinstance(arg, ast.Constant)
                            and isinstance(arg.value, str)
                            and KEY_RE.match(arg.value)
                        ):
                            keys.add(arg.value)
            if (
                isinstance(node, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == "text_key" for t in node.targets)
                and isinstance(node.value, ast.Constant)
            ):
                keys.add(str(node.value.value))
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                value = node.value
                if KEY_RE.match(value) and value.split("-")[0] in {
                    "menu",
                    "nav",
                    "import",
                    "content",
                    "consent",
                    "link",
                    "info",
                    "mydata",
                    "accounts",
                    "command",
                }:
                    keys.add(value)
    return keys


def test_every_key_used_in_code_exists(texts: Texts) -> None:
    used = _used_keys()
    assert len(used) > 50
    missing = sorted(k for k in used if not texts.has(k) and not k.endswith("-"))
    assert missing == []


def test_command_descriptions_exist(texts: Texts) -> None:
    from bot.factory import COMMANDS

    for name in COMMANDS:
        assert texts.has(f"command-{name}")


def test_no_russian_string_literals_in_code() -> None:
    offending = []
    for path in _python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = _docstrings(tree)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and CYRILLIC.search(node.value)
                and id(node) not in docstrings
            ):
                offending.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offending == []


def _docstrings(tree: ast.Module) -> set[int]:
    """Docstrings may cite Russian terms of the regulation; they are not shown to anyone."""
    return {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }


def test_every_message_formats_without_errors(texts: Texts) -> None:
    names = (
        "company version date number name address left time decision id phone email accounts "
        "detail root count where problem sections sample path done total line reason rows "
        "added updated refused revision api database text value kind subject status due min "
        "max length mb files channel vulnerable device contract pages page action answer numbers "
        "executor state days extended registered form account contact group cut rating resolved "
        "bookings ground who assignee comment signature position question user_id role department"
        " zone serial last consumption average digits start end period month year reference"
        " values"
        " hours day weekday when old minutes ranges breaks topic mark"
        " accepted amount as_of at blocked created dropped duration effective ends failed first"
        " houses lines pending people planned send_at sent settlement source starts street"
        " unreached field limit"
    )
    args = dict.fromkeys(names.split(), "1")
    for key in texts.keys():  # noqa: SIM118 - Texts.keys() is a method, not a dict view
        assert texts.plain(key, **args)
