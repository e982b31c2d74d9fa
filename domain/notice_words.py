"""Russian words the notice parsers recognise (чёт/нечёт, корпус, улица, плановое…), kept
in `domain/data/notice_words_ru.txt` and read once: code literals carry no Cyrillic words
(tests/test_texts.py), the texts people read live in the Fluent files."""

from __future__ import annotations

import re

from domain.word_files import read_word_file

NOTICE_WORDS_FILE = "notice_words_ru.txt"


def _entries() -> dict[str, tuple[tuple[str, ...], ...]]:
    """Each name's lines of words, in the file's order."""
    return read_word_file(NOTICE_WORDS_FILE)


def word_lines(name: str) -> tuple[tuple[str, ...], ...]:
    """The lines of words under `name` (each street type's spellings, for one)."""
    return _entries()[name]


def words(name: str) -> frozenset[str]:
    """Every word under `name`."""
    return frozenset(word for line in word_lines(name) for word in line)


def word(name: str) -> str:
    """The one word under `name`."""
    [[only]] = word_lines(name)
    return only


def spellings_pattern(name: str) -> str:
    """A regular expression of the words under `name`, tried in order; a trailing "." is a
    dot the word must have, ".?" one it may have."""
    return "|".join(_spelling(spelling) for line in word_lines(name) for spelling in line)


def _spelling(spelling: str) -> str:
    if spelling.endswith(".?"):
        return re.escape(spelling[:-2]) + r"\.?"
    if spelling.endswith("."):
        return re.escape(spelling[:-1]) + r"\."
    return re.escape(spelling)


def dotted_pattern(letters: str) -> str:
    """A regular expression of `letters` written with dots between them: "р.п", "р. п"."""
    return r"(?<!\w)" + r"\.\s*".join(re.escape(letter) for letter in letters) + r"(?!\w)"


def first_letter(name: str) -> str:
    """The letter the words under `name` become (a building's к)."""
    return word_lines(name)[0][0][0]
