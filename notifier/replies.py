"""Replies that report something stored ("your appeal is registered, № …", a reading's
receipt, a booking's number, a cancellation) go through the outbox, queued in the transaction
that stored it (issue 11): a crash after the commit delays such a reply until the restart,
never loses it, and a reply is never queued for something that was not stored. Each is
urgent, so it goes before any notice waiting for the same person, and the sender is woken
after the commit, so it goes within milliseconds. A `key` makes queueing the same reply
twice a no-op (notifier/outbox.py).

The questions of a dialog are still sent directly: losing one to a crash loses nothing
stored, and the person is offered to continue after the restart (handlers/resume.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiogram.types import InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove

from domain.clock import Clock
from storage.outbox import enqueue
from storage.uow import UnitOfWork

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


class OutboxReplies:
    def __init__(
        self, uow: UnitOfWork, *, clock: Clock, wake: Callable[[], None] | None = None
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._wake = wake

    def send(
        self, chat_id: int, text: str, *, markup: Markup | None = None, key: str | None = None
    ) -> None:
        """Queue a message to the chat, sent once the caller's transaction is stored."""
        payload: dict[str, Any] = {"text": text}
        if markup is not None:
            payload["reply_markup"] = markup.model_dump(exclude_none=True)
        enqueue(
            self._uow,
            chat_id=chat_id,
            method="send_message",
            payload=payload,
            now=self._clock.now(),
            dedup_key=key,
            urgent=True,
        )
        if self._wake is not None:
            # Setting an event: calling it once per reply costs nothing and survives the
            # commits a handler makes in between (each starts a new list of callbacks).
            self._uow.after_commit(self._wake)
