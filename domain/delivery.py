"""Messages to a consumer that an appeal's handling stands on, and what happens when one
cannot be delivered in Telegram.

An answer, a clarifying question, the notice of an extension, of forwarding or of a refusal
(regulation §15.5–15.10, §17.6), or a file staff sent: the person has a right to each. If the
chat refuses it (the person blocked the bot, the chat is gone, Telegram keeps failing), the
appeal is not "answered" in fact: staff are told in the thread and get a task to reach the
person another way (post, phone, in person), shown on the card until it is done (issue 11).
"""

from __future__ import annotations

from enum import StrEnum

from domain.appeals import AppealAction


class ConsumerMessage(StrEnum):
    ANSWER = "answer"
    CLARIFICATION = "clarification"
    EXTENSION = "extension"
    FORWARD = "forward"
    REJECTION = "rejection"
    FILE = "file"


# The consumer's message for each lifecycle step that has one.
MESSAGE_OF: dict[AppealAction, ConsumerMessage] = {
    AppealAction.ANSWER: ConsumerMessage.ANSWER,
    AppealAction.REQUEST_CLARIFICATION: ConsumerMessage.CLARIFICATION,
    AppealAction.EXTEND: ConsumerMessage.EXTENSION,
    AppealAction.FORWARD: ConsumerMessage.FORWARD,
    AppealAction.REJECT: ConsumerMessage.REJECTION,
}


class Undelivery(StrEnum):
    """Why a message did not arrive."""

    BLOCKED = "blocked"  # 403: the person blocked the bot
    DROPPED = "dropped"  # the chat does not exist (any more)
    FAILED = "failed"  # refused, or still failing after every retry


# The task staff get to reach the person another way (its channel in the tasks).
UNDELIVERED_TASK = "undelivered"
