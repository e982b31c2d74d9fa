"""Word lists kept in `domain/data/*.txt` (code literals carry no Cyrillic words,
tests/test_texts.py): one entry a line, `name: words separated by spaces`, a name may have
several lines, `#` starts a comment."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def read_word_file(file_name: str) -> dict[str, tuple[tuple[str, ...], ...]]:
    """Each name's lines of words, in the file's order; a ValueError names a bad line."""
    raw = resources.files("domain.data").joinpath(file_name).read_text("utf-8")
    entries: dict[str, list[tuple[str, ...]]] = {}
    for number, line in enumerate(raw.splitlines(), 1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        name, colon, words = text.partition(":")
        if not colon or not words.split():
            raise ValueError(f"{file_name}:{number}: expected `name: words`")
        entries.setdefault(name.strip(), []).append(tuple(words.split()))
    return {name: tuple(lines) for name, lines in entries.items()}
