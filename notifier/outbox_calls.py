"""The pieces of the outbox sender's work (notifier/outbox.py): a custom method's call, the
report of a message that will not be delivered, and the outcome a round stores for a row."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from aiogram.methods import (
    CopyMessage,
    EditMessageReplyMarkup,
    EditMessageText,
    SendDocument,
    SendMessage,
    SendPhoto,
    TelegramMethod,
)

from domain.clock import Clock
from storage.outbox import BLOCKED, DROPPED, FAILED, PENDING, DueRow

logger = logging.getLogger(__name__)

T = TypeVar("T")

# The built-in methods (storage/outbox.py BUILT_IN_METHODS) as aiogram builds them.
METHODS: dict[str, type[TelegramMethod[Any]]] = {
    "send_message": SendMessage,
    "send_document": SendDocument,
    "send_photo": SendPhoto,
    "copy_message": CopyMessage,
    "edit_message_text": EditMessageText,
    "edit_message_reply_markup": EditMessageReplyMarkup,
}
PAID_BROADCAST = frozenset({"send_message", "copy_message", "send_photo", "send_document"})
ERROR_LENGTH = 300  # the last_error column keeps this much
_MAX_BACKOFF = 3600


@dataclass(frozen=True, slots=True)
class Undelivered:
    """A message about an appeal that will not reach the consumer: `status` says why
    (blocked: 403; dropped: the chat does not exist; failed: refused, or still failing after
    every retry). `queued_at` is when it was queued, the same for every part of a long one."""

    row_id: int
    chat_id: int
    appeal_id: int
    purpose: str
    status: str
    queued_at: datetime


# Outcomes after which a row is never tried again without having been delivered.
UNDELIVERED = frozenset({BLOCKED, DROPPED, FAILED})


@dataclass(frozen=True, slots=True)
class OutboxCall:
    """One row of a custom method, as its handler sees it.

    `payload` is the row's (the handler's own copy: changes to it are not stored).
    `attempts` is how many times the row was tried before (0 on the first try). `send`
    makes one Bot API call within Telegram's limits: it waits for the turn of the method's
    own chat (which may differ from the row's), records the send and returns the result;
    it raises what the Bot API call raises. `transport` is what `send` delegates to (the
    sender's); a test of a handler may pass its own."""

    row_id: int
    chat_id: int
    payload: dict[str, Any]
    attempts: int
    transport: Callable[[TelegramMethod[Any]], Awaitable[Any]] = field(repr=False, compare=False)

    async def send(self, method: TelegramMethod[T]) -> T:
        result: T = await self.transport(method)
        return result


CustomHandler = Callable[[OutboxCall], Awaitable[int | None]]


def outcome(
    row: DueRow,
    *,
    status: str,
    attempts: int,
    not_before: datetime,
    error: str = "",
    sent_at: datetime | None = None,
    message_id: int | None = None,
) -> dict[str, Any]:
    return {
        "row_id": row.id,
        "new_status": status,
        "new_attempts": attempts,
        "new_not_before": not_before,
        "new_error": error[:ERROR_LENGTH],
        "new_sent_at": sent_at,
        "new_message_id": message_id,
    }


def chat_of(method: TelegramMethod[Any] | None, default: int) -> int:
    chat_id = getattr(method, "chat_id", None)
    return chat_id if isinstance(chat_id, int) else default


def message_id(result: Any) -> int | None:
    """The id of the message a call created or edited; None for a plain True."""
    message_id = getattr(result, "message_id", None)
    return int(message_id) if isinstance(message_id, int) else None


@dataclass(slots=True)
class Round:
    """What one round keeps between its rows and its sends in flight."""

    flushed_at: datetime
    outcomes: list[dict[str, Any]] = field(default_factory=list)
    blocked: set[int] = field(default_factory=set)
    skipped: set[int] = field(default_factory=set)
    skipped_urgent: set[int] = field(default_factory=set)
    # Chats with a send in flight, and rows of such chats put off to the end of the round.
    busy: set[int] = field(default_factory=set)
    deferred: list[DueRow] = field(default_factory=list)
    deferred_chats: set[int] = field(default_factory=set)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)


def blocked_in_round(row: DueRow, now: datetime) -> dict[str, Any]:
    return outcome(
        row,
        status=BLOCKED,
        attempts=row.attempts,
        not_before=now,
        error="blocked earlier in this round",
    )


class Malformed(Exception):
    """A row whose payload does not make a valid call."""


async def settled(
    row: DueRow,
    outcome_: dict[str, Any],
    *,
    on_undelivered: Callable[[Undelivered], Awaitable[None]],
    clock: Clock,
    max_attempts: int,
) -> dict[str, Any]:
    """The row's outcome, after telling `on_undelivered` if it is a message about an
    appeal that will never be delivered. If telling fails, the row stays pending and is
    tried again after a backoff (a 403 then comes again and is told again), up to
    `max_attempts` tries."""
    status = outcome_["new_status"]
    if status not in UNDELIVERED or row.appeal_id is None or row.purpose is None:
        return outcome_
    try:
        await on_undelivered(
            Undelivered(
                row_id=row.id,
                chat_id=row.chat_id,
                appeal_id=row.appeal_id,
                purpose=row.purpose,
                status=status,
                queued_at=row.created_at or clock.now(),
            )
        )
    except Exception:
        logger.exception("outbox row %d: telling that it was not delivered failed", row.id)
        attempts = row.attempts + 1  # counted even for a row blocked earlier in the round
        if attempts >= max_attempts:
            return outcome_  # given up: the outcome stays in the outbox, and in the log
        retry = clock.now() + timedelta(seconds=min(2**attempts, _MAX_BACKOFF))
        return outcome(
            row,
            status=PENDING,
            attempts=attempts,
            not_before=retry,
            error=str(outcome_["new_error"]),
        )
    return outcome_
