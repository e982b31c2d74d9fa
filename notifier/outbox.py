"""The persistent outbox: every outgoing bot message is a row first, a Bot API call later.

`enqueue` adds the row in the caller's transaction, so a message exists exactly when the
change it reports was stored; a `dedup_key` (one per recipient and notice) makes queueing
the same notice twice a no-op. `OutboxSender` sends due rows in id order within Telegram's
limits (domain/rate_limit.py) and records the outcome.

Delivery is at least once, not exactly once. Telegram has no idempotency key, so there is
an unavoidable window between Telegram accepting a message and our status write: a crash
there sends that message again after the restart. The window is kept small: statuses are
written after every batch (`batch` rows, default 100) and at least once a second, and no
database connection is held while a Telegram call is in flight. Nothing is ever lost: a row
stays pending until its outcome is stored.

Outcomes: sent; blocked (403: never retried, `on_blocked(chat_id)` is awaited, and must be
idempotent since a crash can repeat it); dropped (the chat does not exist); failed (any
other 400, or transient errors after `max_attempts` tries with exponential backoff); a 429
pauses every send until `retry_after` and leaves the row pending.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Literal

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import CopyMessage, SendDocument, SendMessage, SendPhoto, TelegramMethod
from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.clock import Clock
from domain.rate_limit import RateLimiter
from storage.models import OutboxRow
from storage.uow import UnitOfWork

logger = logging.getLogger(__name__)

Method = Literal["send_message", "send_document", "send_photo", "copy_message"]
METHODS: dict[str, type[TelegramMethod[Any]]] = {
    "send_message": SendMessage,
    "send_document": SendDocument,
    "send_photo": SendPhoto,
    "copy_message": CopyMessage,
}

PENDING = "pending"
SENT = "sent"
FAILED = "failed"
BLOCKED = "blocked"
DROPPED = "dropped"

_MAX_BACKOFF = 3600
_FLUSH_EVERY = timedelta(seconds=1)
_ERROR_LENGTH = 300


@lru_cache(maxsize=4)
def _insert(dialect: str) -> Any:
    insert_ = pg_insert if dialect == "postgresql" else sqlite_insert
    return insert_(OutboxRow).on_conflict_do_nothing(index_elements=[OutboxRow.dedup_key])


def enqueue(
    uow: UnitOfWork,
    *,
    chat_id: int,
    method: Method,
    payload: dict[str, Any],
    now: datetime,
    dedup_key: str | None = None,
    not_before: datetime | None = None,
    urgent: bool = False,
) -> None:
    """Queue one Bot API call (`payload`: its keyword arguments except chat_id), written with
    the caller's commit. A `dedup_key` already in the outbox makes this a no-op."""
    if method not in METHODS:
        raise ValueError(f"unknown outbox method {method!r}")
    if "chat_id" in payload:
        raise ValueError("chat_id goes in its own argument, not in the payload")
    statement = _insert(uow.session.bind.dialect.name)
    uow.defer(
        statement,
        {
            "dedup_key": dedup_key,
            "chat_id": chat_id,
            "method": method,
            "payload": payload,
            "urgent": urgent,
            "status": PENDING,
            "attempts": 0,
            "not_before": not_before or now,
            "last_error": "",
            "created_at": now,
            "sent_at": None,
            "telegram_message_id": None,
        },
        effect=True,
    )


_LOAD_DUE = (
    select(
        OutboxRow.id,
        OutboxRow.chat_id,
        OutboxRow.method,
        OutboxRow.payload,
        OutboxRow.attempts,
    )
    .where(
        OutboxRow.status == PENDING,
        OutboxRow.not_before <= bindparam("now"),
        OutboxRow.id > bindparam("after"),
    )
    .order_by(OutboxRow.id)
    .limit(bindparam("batch"))
)

_STORE_OUTCOME = (
    update(OutboxRow)
    .where(OutboxRow.id == bindparam("row_id"))
    .values(
        status=bindparam("new_status"),
        attempts=bindparam("new_attempts"),
        not_before=bindparam("new_not_before"),
        last_error=bindparam("new_error"),
        sent_at=bindparam("new_sent_at"),
        telegram_message_id=bindparam("new_message_id"),
    )
)


@dataclass(frozen=True, slots=True)
class _Due:
    id: int
    chat_id: int
    method: str
    payload: dict[str, Any]
    attempts: int


def _outcome(
    row: _Due,
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
        "new_error": error[:_ERROR_LENGTH],
        "new_sent_at": sent_at,
        "new_message_id": message_id,
    }


class OutboxSender:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        bot: Bot,
        clock: Clock,
        limiter: RateLimiter,
        on_blocked: Callable[[int], Awaitable[None]] | None = None,
        batch: int = 100,
        max_attempts: int = 8,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if batch < 1 or max_attempts < 1:
            raise ValueError("batch and max_attempts must be positive")
        self._sessionmaker = sessionmaker
        self._bot = bot
        self._clock = clock
        self._limiter = limiter
        self._on_blocked = on_blocked
        self._batch = batch
        self._max_attempts = max_attempts
        self._sleep = sleep

    async def _load(self, *, after: int, now: datetime) -> list[_Due]:
        uow = UnitOfWork(self._sessionmaker, clock=self._clock)
        try:
            result = await uow.session.execute(
                _LOAD_DUE, {"now": now, "after": after, "batch": self._batch}
            )
            rows = [_Due(*row) for row in result.all()]
        finally:
            await uow.rollback()  # read only; releases the connection before any send
        return rows

    async def _store(self, outcomes: list[dict[str, Any]]) -> None:
        if not outcomes:
            return
        uow = UnitOfWork(self._sessionmaker, clock=self._clock)
        try:
            await uow.session.execute(_STORE_OUTCOME, outcomes)
            uow.mark_written()
            await uow.commit()
        except BaseException:
            await uow.rollback()
            raise

    async def _wait_turn(self, chat_id: int) -> datetime:
        now = self._clock.now()
        while (moment := self._limiter.earliest(chat_id, now)) > now:
            await self._sleep((moment - now).total_seconds())
            now = self._clock.now()
        return now

    async def run_once(self) -> int:
        """Send every pending row that is due, once each, in id order; the number tried."""
        attempted = 0
        after = 0
        outcomes: list[dict[str, Any]] = []
        blocked: set[int] = set()
        flushed_at = self._clock.now()
        try:
            while rows := await self._load(after=after, now=self._clock.now()):
                for row in rows:
                    after = row.id
                    attempted += 1
                    if row.chat_id in blocked:
                        now = self._clock.now()
                        outcomes.append(
                            _outcome(
                                row,
                                status=BLOCKED,
                                attempts=row.attempts,
                                not_before=now,
                                error="blocked earlier in this run",
                            )
                        )
                    else:
                        outcomes.append(await self._send(row, blocked))
                    now = self._clock.now()
                    if len(outcomes) >= self._batch or now - flushed_at >= _FLUSH_EVERY:
                        await self._store(outcomes)
                        outcomes, flushed_at = [], now
                if len(rows) < self._batch:
                    break
        finally:
            # Whatever was sent is recorded even if the loop is cancelled or the DB failed.
            await self._store(outcomes)
        return attempted

    async def _send(self, row: _Due, blocked: set[int]) -> dict[str, Any]:
        now = await self._wait_turn(row.chat_id)
        attempts = row.attempts + 1
        try:
            method = METHODS[row.method](chat_id=row.chat_id, **row.payload)
        except Exception as exc:  # a malformed row must not stop the queue
            logger.exception("outbox row %d cannot be built", row.id)
            return _outcome(row, status=FAILED, attempts=attempts, not_before=now, error=str(exc))
        self._limiter.record(row.chat_id, now)
        try:
            result = await self._bot(method)
        except TelegramRetryAfter as exc:
            resume = self._clock.now() + timedelta(seconds=exc.retry_after)
            self._limiter.pause_until(resume)
            logger.warning("outbox: 429, pausing %d s", exc.retry_after)
            return _outcome(row, status=PENDING, attempts=row.attempts, not_before=resume)
        except TelegramForbiddenError as exc:
            blocked.add(row.chat_id)
            if self._on_blocked is not None:
                await self._on_blocked(row.chat_id)
            return _outcome(
                row, status=BLOCKED, attempts=attempts, not_before=now, error=exc.message
            )
        except TelegramBadRequest as exc:
            status = DROPPED if "chat not found" in exc.message.lower() else FAILED
            logger.warning("outbox row %d %s: %s", row.id, status, exc.message)
            return _outcome(
                row, status=status, attempts=attempts, not_before=now, error=exc.message
            )
        except (TelegramNetworkError, TelegramServerError) as exc:
            if attempts >= self._max_attempts:
                logger.warning("outbox row %d failed after %d attempts", row.id, attempts)
                return _outcome(
                    row, status=FAILED, attempts=attempts, not_before=now, error=str(exc)
                )
            retry = self._clock.now() + timedelta(seconds=min(2**attempts, _MAX_BACKOFF))
            return _outcome(
                row, status=PENDING, attempts=attempts, not_before=retry, error=str(exc)
            )
        except TelegramAPIError as exc:
            logger.warning("outbox row %d failed: %s", row.id, exc)
            return _outcome(row, status=FAILED, attempts=attempts, not_before=now, error=str(exc))
        message_id = getattr(result, "message_id", None)
        return _outcome(
            row,
            status=SENT,
            attempts=attempts,
            not_before=now,
            sent_at=self._clock.now(),
            message_id=int(message_id) if message_id is not None else None,
        )

    async def run_forever(self, stop: asyncio.Event, idle: float = 1.0) -> None:
        """Send until `stop` is set; between empty rounds wait `idle` seconds (or the stop)."""
        while not stop.is_set():
            try:
                attempted = await self.run_once()
            except Exception:
                logger.exception("outbox round failed; retrying")
                attempted = 0
            if attempted:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=idle)
