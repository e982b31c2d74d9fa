"""How the satisfaction survey (SPEC §9, §19.8–19.23) reached the appellant after the answer.

An answer in the chat comes with the survey's buttons. An answer by e-mail carries the
survey in the letter (the appellant may reply, or rate in the bot). An answer by phone: the
specialist asks at the end of the call (the next contact). An answer by post to someone
without Telegram: no channel to ask, so "not surveyed" — recorded, so the satisfaction
figures say how many answers they stand for and by which channel, instead of silently
counting Telegram users only.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from domain.appeals import AnswerChannel


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
