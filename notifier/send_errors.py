"""What a failed Bot API call means for its outbox row: one pure function, `classify`.

The sender (notifier/outbox.py) acts on the answer: it stores the outcome, pauses every
send for a 429, tells `on_blocked` of a 403 and retries a transient failure with backoff.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)

# Telegram's answer to an edit that changes nothing: there was nothing to do.
_NOT_MODIFIED = "message is not modified"
# Telegram's answer for a chat that does not exist (or the bot was never in).
_CHAT_NOT_FOUND = "chat not found"


class TransientError(Exception):
    """Raised by a custom handler for a failure worth retrying (a mail server that does not
    answer): the row is retried with backoff, like a Telegram network error."""


class Verdict(StrEnum):
    SENT = "sent"  # an edit answered "message is not modified"
    BLOCKED = "blocked"  # 403: never retried
    DROPPED = "dropped"  # the chat does not exist
    FAILED = "failed"  # refused for good (any other 400, any other error)
    RETRY = "retry"  # network or server error: tried again with backoff
    PAUSE = "pause"  # 429: every send waits `retry_after` seconds, the row stays pending


@dataclass(frozen=True, slots=True)
class Outcome:
    verdict: Verdict
    error: str = ""
    retry_after: int = 0  # seconds, for PAUSE


def classify(error: BaseException) -> Outcome:
    """The verdict on a call that raised `error`, and the error text to store."""
    if isinstance(error, TelegramRetryAfter):
        return Outcome(Verdict.PAUSE, retry_after=error.retry_after)
    if isinstance(error, TelegramForbiddenError):
        return Outcome(Verdict.BLOCKED, error.message)
    if isinstance(error, TelegramBadRequest):
        text = error.message.lower()
        if _NOT_MODIFIED in text:
            return Outcome(Verdict.SENT, error.message)
        if _CHAT_NOT_FOUND in text:
            return Outcome(Verdict.DROPPED, error.message)
        return Outcome(Verdict.FAILED, error.message)
    if isinstance(error, TelegramNetworkError | TelegramServerError | TransientError):
        return Outcome(Verdict.RETRY, str(error))
    return Outcome(Verdict.FAILED, str(error) or repr(error))
