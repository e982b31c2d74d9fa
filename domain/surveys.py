"""How the satisfaction survey (SPEC §9, §19.8–19.23) reached the appellant after the answer.

An answer in the chat comes with the survey's buttons. An answer by e-mail carries the
survey in the letter (the appellant may reply, or rate in the bot). An answer by phone: the
specialist asks at the end of the call (the next contact). An answer by post to someone
without Telegram: no channel to ask, so "not surveyed" — recorded, so the satisfaction
figures say how many answers they stand for and by which channel, instead of silently
counting Telegram users only.

A rating given outside the bot (told in the call, written in a letter or an e-mail) is entered
by staff in the appeal's thread (`/rating 4 решён телефон`): recorded as the appellant's, with
the channel it came by (`rated_via`), so the figures tell ratings given in the bot from
ratings entered by staff, and both from answers not surveyed.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from domain.appeals import RATING_MAX, RATING_MIN, AnswerChannel
from domain.errors import StaffRatingInvalid
from domain.word_files import read_word_file


class SurveyMode(StrEnum):
    CHAT = "chat"  # the survey's buttons in the bot
    EMAIL = "email"  # offered in the e-mail with the answer
    NEXT_CONTACT = "next_contact"  # asked by the specialist at the next contact (a call)
    NONE = "none"  # not surveyed: no channel to ask through


def survey_mode(channel: AnswerChannel, *, has_chat: bool) -> SurveyMode:
    """Where the survey is offered for an answer sent by `channel`: a person who writes to
    the bot is asked in the chat, whatever channel the answer took."""
    if channel is AnswerChannel.CHAT or has_chat:
        return SurveyMode.CHAT
    if channel is AnswerChannel.EMAIL:
        return SurveyMode.EMAIL
    if channel is AnswerChannel.PHONE:
        return SurveyMode.NEXT_CONTACT
    return SurveyMode.NONE


@dataclass(frozen=True, slots=True)
class SurveyFigure:
    """One line of the satisfaction figures: answers whose survey went one way."""

    mode: SurveyMode
    answers: int  # answers offered the survey this way (or not surveyed)
    rated: int  # of them, how many the appellant rated
    mean_rating: float | None
    resolved: int  # "the question is resolved" answered yes
    # Of `rated`, how many staff entered (given by phone, letter or e-mail); the rest were
    # given in the bot. `answers - rated`: not rated (for mode NONE: not surveyed).
    rated_by_staff: int = 0


# The channels a rating entered by staff came by.
STAFF_RATING_CHANNELS = frozenset({AnswerChannel.PHONE, AnswerChannel.POST, AnswerChannel.EMAIL})
STAFF_RATING_WORDS_FILE = "staff_rating_ru.txt"


@cache
def _rating_words() -> dict[str, frozenset[str]]:
    """The words of `/rating` (domain/data/staff_rating_ru.txt), by name."""
    lines = read_word_file(STAFF_RATING_WORDS_FILE)
    return {
        name: frozenset(w for line in entries for w in line) for name, entries in lines.items()
    }


@dataclass(frozen=True, slots=True)
class StaffRating:
    """A rating given outside the bot: 1–5, whether the question is resolved (if said), and
    the channel it came by (None: the appeal's answer channel)."""

    rating: int
    resolved: bool | None
    via: AnswerChannel | None


def parse_staff_rating(text: str) -> StaffRating:
    """`4`, `4 решён`, `2 не решён письмо`; StaffRatingInvalid for anything else."""
    words = text.casefold().replace("ё", "е").replace(",", " ").split()
    if not words or not words[0].isdigit() or not RATING_MIN <= int(words[0]) <= RATING_MAX:
        raise StaffRatingInvalid("a rating is 1 to 5")
    known = _rating_words()
    resolved: bool | None = None
    via: AnswerChannel | None = None
    rest = iter(words[1:])
    for word in rest:
        if word in known["filler"]:
            continue
        if word in known["not"]:
            if next(rest, "") not in known["resolved"]:
                raise StaffRatingInvalid("a negation goes with a word of `resolved`")
            found: bool | None = False
        elif word in known["resolved"]:
            found = True
        elif word in known["unresolved"]:
            found = False
        else:
            channel = next((c for c in STAFF_RATING_CHANNELS if word in known[c.value]), None)
            if channel is None or via is not None:
                raise StaffRatingInvalid("an unknown word")
            via = channel
            continue
        if resolved is not None:
            raise StaffRatingInvalid("resolved said twice")
        resolved = found
    return StaffRating(int(words[0]), resolved, via)
