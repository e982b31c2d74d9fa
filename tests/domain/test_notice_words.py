"""The words the notice parsers recognise, read from domain/data/notice_words_ru.txt."""

from __future__ import annotations

import re

from domain import notice_words
from domain.notices import OutageKind


def test_every_entry_the_parsers_read_is_in_the_file() -> None:
    names = ["even", "odd", "house", "building", "structure", "settlement", "dotted", "street"]
    names += ["unnamed", *(kind.value for kind in OutageKind)]
    assert all(notice_words.word_lines(name) for name in names)


def test_the_words_are_lower_case_with_e_for_yo_as_the_lookups_fold_them() -> None:
    every = [
        word
        for name in ("even", "odd", "settlement", "street")
        for word in notice_words.words(name)
    ]
    assert every and all(word == word.casefold() and "ё" not in word for word in every)


def test_a_dot_after_a_spelling_is_required_and_a_dot_with_a_question_mark_optional() -> None:
    building = re.compile(rf"^(?:{notice_words.spellings_pattern('building')})$")
    spellings = ("корпус", "корп", "корп.", "к.", "к")
    assert [bool(building.match(text)) for text in spellings] == [True, True, True, True, False]


def test_a_dotted_abbreviation_matches_with_or_without_spaces_after_the_dots() -> None:
    dotted = re.compile(notice_words.dotted_pattern(notice_words.word("dotted")))
    assert dotted.search("р.п. Шиморское") and dotted.search("р. п. Шиморское")
    assert not dotted.search("пр. Мира")
