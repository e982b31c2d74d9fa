""".env.example lists every setting the bot reads, once, under a comment, with its default: a
setting added to bot/settings.py without a line here (or a line for a setting that is gone)
fails this test."""

from __future__ import annotations

import re
from pathlib import Path

from bot.settings import Settings, env_names

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / ".env.example"
SETTING = re.compile(r"^([A-Z][A-Z0-9_]*)=(.*)$")


def _lines() -> list[str]:
    return EXAMPLE.read_text(encoding="utf-8").splitlines()


def _settings_in_file() -> list[str]:
    return [match.group(1) for line in _lines() if (match := SETTING.match(line))]


def test_every_setting_is_in_env_example_once() -> None:
    listed = _settings_in_file()
    assert sorted(listed) == sorted({name.upper() for name in env_names()})
    assert len(listed) == len(set(listed))


def test_every_setting_has_a_comment_above_its_group() -> None:
    """A setting's line follows a comment, or another setting that does (one comment may
    describe a group of related settings); no blank line in between."""
    previous = ""
    for line in _lines():
        if SETTING.match(line):
            assert previous.startswith("#") or SETTING.match(previous), line
        previous = line
    comments = [line for line in _lines() if line.startswith("# ")]
    assert all(len(line) > 4 for line in comments)


def test_env_example_values_are_the_defaults() -> None:
    """Copied as it is, the file changes nothing: each value is the setting's default."""
    from_file = Settings(_env_file=EXAMPLE).env_values()
    defaults = Settings(_env_file=None).env_values()
    assert from_file == defaults


def test_the_settings_table_in_the_docs_names_every_setting() -> None:
    doc = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    table = doc[doc.index("## Settings") :]
    table = table[: table.index("\n## ", 1)]
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    named = {
        name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1])
    }
    assert {name.upper() for name in env_names()} <= named
