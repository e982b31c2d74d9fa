"""Screening flags likely repeats (§15.8) and obscene words (§15.6) for staff; it decides
nothing (SPEC §2)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.appeals import AppealId, Subject
from domain.screening import (
    FlagKind,
    ScreeningFlag,
    find_obscene,
    likely_repeat,
    load_obscene_words,
    screen,
    similarity,
)

FIRST = "Прошу проверить начисления по счётчику за октябрь, сумма завышена вдвое."
AGAIN = "ПРОШУ проверить начисления по счетчику за октябрь! Сумма завышена вдвое"
OTHER = "Когда восстановят уличное освещение на улице Ленина?"
WORDS = load_obscene_words()


def test_similarity_ignores_case_yo_punctuation_and_endings() -> None:
    assert similarity(FIRST, AGAIN) == 1.0
    assert similarity("счётчика", "счетчик") == 1.0


def test_unrelated_and_empty_texts_are_not_similar() -> None:
    assert similarity(FIRST, OTHER) == 0.0
    assert similarity("", FIRST) == 0.0
    assert similarity("", "") == 0.0


@given(st.text(max_size=200), st.text(max_size=200))
def test_similarity_is_symmetric_and_between_0_and_1(a: str, b: str) -> None:
    assert similarity(a, b) == similarity(b, a)
    assert 0.0 <= similarity(a, b) <= 1.0


def test_a_likely_repeat_is_an_answered_appeal_on_the_same_subject_with_similar_text() -> None:
    """§15.8: a question already answered on the merits."""
    earlier = [
        (AppealId(1), Subject.METERING, FIRST, True),
        (AppealId(2), Subject.OTHER, OTHER, True),
    ]
    assert likely_repeat(AGAIN, earlier, subject=Subject.METERING) == 1


def test_no_repeat_on_another_subject_or_before_an_answer() -> None:
    assert (
        likely_repeat(AGAIN, [(AppealId(1), Subject.OTHER, FIRST, True)], subject=Subject.METERING)
        is None
    )
    assert (
        likely_repeat(
            AGAIN, [(AppealId(1), Subject.METERING, FIRST, False)], subject=Subject.METERING
        )
        is None
    )


def test_no_repeat_below_the_threshold_and_the_most_similar_wins() -> None:
    half = "Прошу проверить начисления за электроэнергию по лицевому счёту"
    earlier = [
        (AppealId(1), Subject.METERING, half, True),
        (AppealId(2), Subject.METERING, FIRST, True),
    ]
    assert similarity(AGAIN, half) < 0.6
    assert likely_repeat(AGAIN, earlier, subject=Subject.METERING) == 2
    assert likely_repeat(AGAIN, earlier[:1], subject=Subject.METERING) is None
    assert likely_repeat(AGAIN, earlier[:1], subject=Subject.METERING, threshold=0.1) == 1


def test_the_obscene_list_is_loaded_as_package_data() -> None:
    assert 30 <= len(WORDS) <= 80
    assert all(word == word.casefold() and "ё" not in word and " " not in word for word in WORDS)
    assert all(len(word) >= 3 for word in WORDS)
    assert load_obscene_words() is WORDS  # read once


def test_obscene_words_are_found_in_any_form() -> None:
    """§15.6: нецензурные либо оскорбительные выражения."""
    text = "Вы там совсем охренели? Сука, ПИЗДЕЦ какой-то, опять заебали, мудаки."
    assert find_obscene(text, WORDS) == ("сука", "пиздец", "заебали", "мудаки")


def test_disguised_letters_do_not_hide_a_word() -> None:
    # A Latin x and a digit 6 in place of the Cyrillic letters.
    assert find_obscene("xуйня и 6лядство", WORDS) == ("xуйня", "6лядство")


@pytest.mark.parametrize(
    "text",
    [
        "Прошу оставить себе копию, хлебать не придётся",
        "Застрахуйте имущество, мудрое решение",
        "Употреблять, оскорблять, корабля, хулиган, страхуем",
        "Сукно, мандарин, педикюр, херсонский, гаванский",
        "Ebay and other latin words",
    ],
)
def test_ordinary_words_are_not_flagged(text: str) -> None:
    assert find_obscene(text, WORDS) == ()


def test_screen_only_returns_flags() -> None:
    earlier = [(AppealId(9), Subject.METERING, FIRST, True)]
    flags = screen(AGAIN + " Сука.", subject=Subject.METERING, earlier=earlier)
    assert flags == (
        ScreeningFlag(FlagKind.REPEAT, "9"),
        ScreeningFlag(FlagKind.OBSCENE, "сука"),
    )
    assert screen(OTHER, subject=Subject.OTHER) == ()
