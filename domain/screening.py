"""Screening helps staff and never decides (SPEC §2): it flags likely repeats (§15.8) and
obscene words (§15.6) on the staff card; a person chooses whether to reject.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from domain.appeals import AppealId, Subject

OBSCENE_WORDS_FILE = "obscene_ru.txt"
REPEAT_THRESHOLD = 0.6

_WORD_RE = re.compile(r"[^\W_]+")
_LETTERS_RE = re.compile(r"[^\W\d_]+")
_CYRILLIC_RE = re.compile(r"[\u0400-\u04ff]")
# Russian words change their endings: words compare by their first letters only, as in
# domain/content.py. Words shorter than three letters (и, в, на, не) carry no meaning here.
_STEM = 5
_MIN_WORD = 3
# Latin letters and digits that look like Cyrillic ones, used to disguise a word.
_LOOKALIKES = str.maketrans(
    {
        "a": "а",
        "b": "в",
        "c": "с",
        "e": "е",
        "h": "н",
        "k": "к",
        "m": "м",
        "o": "о",
        "p": "р",
        "t": "т",
        "x": "х",
        "y": "у",
        "0": "о",
        "3": "з",
        "6": "б",
    }
)


class FlagKind(StrEnum):
    REPEAT = "repeat"
    OBSCENE = "obscene"
    # Set by staff, never by screening: the text cannot be read (59-ФЗ ст. 11 ч. 4), and the
    # appellant is told within 7 days of registration; `detail` is that term's end (ISO).
    ILLEGIBLE = "illegible"
    OUTAGE = "outage"  # filed at an address where an outage was already known (its id)


@dataclass(frozen=True, slots=True)
class ScreeningFlag:
    """A hint on the staff card. `detail`: the earlier appeal's id for a repeat, the words
    found for obscene language, the outage's id for a complaint about a known outage."""

    kind: FlagKind
    detail: str


def _normalise(text: str) -> str:
    return text.casefold().replace("ё", "е")


def _shingles(text: str) -> frozenset[str]:
    return frozenset(
        word[:_STEM] for word in _WORD_RE.findall(_normalise(text)) if len(word) >= _MIN_WORD
    )


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of the two texts' word stems (case, ё/е, word order and endings do
    not matter): 1.0 for the same words, 0.0 for nothing in common or an empty text."""
    left, right = _shingles(a), _shingles(b)
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)


def likely_repeat(
    new_text: str,
    earlier: Iterable[tuple[AppealId, Subject, str, bool]],
    *,
    subject: Subject,
    threshold: float = REPEAT_THRESHOLD,
) -> AppealId | None:
    """The earlier appeal (id, subject, text, answered) of the same person that the new one most
    likely repeats (§15.8): same subject, already answered, text at least `threshold` similar."""
    best: tuple[float, AppealId] | None = None
    for appeal_id, earlier_subject, text, answered in earlier:
        if earlier_subject != subject or not answered:
            continue
        score = similarity(new_text, text)
        if score >= threshold and (best is None or score > best[0]):
            best = (score, appeal_id)
    return best[1] if best is not None else None


def _undisguise(word: str) -> str:
    """`xуй` written with a Latin x reads as the Cyrillic word; a purely Latin word stays."""
    if _CYRILLIC_RE.search(word):
        return word.translate(_LOOKALIKES)
    return word


def find_obscene(text: str, words: frozenset[str]) -> tuple[str, ...]:
    """The words of `text` that begin with one of the stems in `words`, each once, in order.

    Stems match at the beginning of a word only: the list spells out the prefixed forms
    (a root matched anywhere would flag ordinary words that merely contain it)."""
    lengths = sorted({len(stem) for stem in words})
    found: dict[str, None] = {}
    for token in _WORD_RE.findall(_normalise(text)):
        word = _undisguise(token)
        if not _LETTERS_RE.fullmatch(word):
            continue
        if any(word[:length] in words for length in lengths if length <= len(word)):
            found.setdefault(token, None)
    return tuple(found)


@cache
def load_obscene_words() -> frozenset[str]:
    """The stems in `domain/data/obscene_ru.txt`: one a line, `#` starts a comment."""
    raw = resources.files("domain.data").joinpath(OBSCENE_WORDS_FILE).read_text("utf-8")
    stems = (_normalise(line.split("#", 1)[0].strip()) for line in raw.splitlines())
    return frozenset(stem for stem in stems if stem)


def screen(
    text: str,
    *,
    subject: Subject,
    earlier: Iterable[tuple[AppealId, Subject, str, bool]] = (),
    words: frozenset[str] | None = None,
) -> tuple[ScreeningFlag, ...]:
    """All flags for a new appeal's text; empty when nothing caught the eye."""
    flags: list[ScreeningFlag] = []
    repeat_of = likely_repeat(text, earlier, subject=subject)
    if repeat_of is not None:
        flags.append(ScreeningFlag(FlagKind.REPEAT, str(repeat_of)))
    obscene = find_obscene(text, load_obscene_words() if words is None else words)
    if obscene:
        flags.append(ScreeningFlag(FlagKind.OBSCENE, ", ".join(obscene)))
    return tuple(flags)
