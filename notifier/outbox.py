"""The persistent outbox: every outgoing bot message is a row first, a Bot API call later.

`enqueue` adds the row in the caller's transaction, so a message exists exactly when the
change it reports was stored; a `dedup_key` (one per recipient and notice) makes queueing
the same notice twice a no-op. After the commit the caller may `wake()` the sender
(`uow.after_commit(sender.wake)`) so that the row goes at once rather than at the next poll.
Nothing queued is too long for Telegram: `enqueue` turns a text over 4096 characters into
several rows, in order, with the reply markup on the last, and a caption over 1024 into the
media without it followed by the caption as messages (`fit_to_limits`; the one rule for
cutting is domain/text_limits.py). A text refused for its length would otherwise fail for
good, after the change it reports was stored.

Sending goes in rounds. A round loads the due pending rows, at most `per_chat` (default 5)
per chat, urgent rows first and then by id, paging through until every chat with due rows
has been seen, and sends every row whose chat may take a message now under Telegram's
limits (domain/rate_limit.py). A row whose chat must still wait (a group takes one message
every 3 s, a private chat one a second) is skipped for the round, and so is every later row
of that chat, so a backlog in one chat (typically the staff group) never holds back messages
to other chats. The only waits inside a round are short ones that hold back every chat: the
global rate (25 a second) and a 429 pause. `run_forever` then sleeps until the earliest
moment a skipped chat may send (`next_due`), a `wake()`, or `idle` seconds, whichever comes
first.

Order: within a chat, rows go urgent first, then in id order (the order they were queued);
across chats there is no order. What can still reorder a chat's rows: a row retried with
backoff (network or server error) is not due until its retry time, so later rows of the
same chat go before it; and an urgent row queued while a round is under way waits for the
next round, so a non-urgent row of its chat already loaded in this round may go first.

Sends are pipelined: up to `in_flight` (default 8) calls are under way at once, never two
to the same chat, each recorded in the limiter when it starts, so a Bot API that takes
50 ms to answer still sees the full rate. A 429 pauses every send not yet started; those in
flight finish. `allow_paid_broadcast` adds Telegram's paid-broadcast flag to sends.

Delivery is at least once, not exactly once. Telegram has no idempotency key, so there is
an unavoidable window between Telegram accepting a message and our status write: a crash
there sends that message again after the restart. The window is kept small: statuses are
written every `flush_interval` (default 200 ms) and after every `batch` rows (an urgent
row's right after its send: a confirmation a person waits for), a new send
starts only while fewer than `batch` sends have no stored outcome (so one crash repeats at
most `batch` messages; tests/notifier/test_broadcast_crash.py measures it), and no
database connection is held while a Telegram call is in flight. Nothing is ever lost: a
row stays pending until its outcome is stored.

Outcomes: sent (an edit answered "message is not modified" counts as sent); blocked (403:
never retried, `on_blocked(chat_id)` is awaited, and must be idempotent since a crash, or
the chat's next rows in a later round, can repeat it); dropped (the chat does not exist);
failed (any other 400, a row that cannot be built, a method nobody handles, any other
error, or transient errors after `max_attempts` tries with exponential backoff); a 429
pauses every send until `retry_after` and leaves the row pending (not counted as a try).
A row queued with an appeal and a purpose (a consumer's answer, question, notice) that ends
blocked, dropped or failed is reported to `on_undelivered` before its outcome is stored, so
that staff learn it never arrived (issue 11); the report must be idempotent (every part of
a long message is reported, and a crash before the outcome is stored repeats it), and a
report that fails leaves the row pending, to be tried and reported again.

Methods beyond the built-in ones: a module declares the name with `register_method` (so
`enqueue` accepts it) and the process that sends passes a handler for it in `handlers`. The
handler gets an `OutboxCall` and makes its Bot API calls through `call.send`, which keeps
them within the limits; it may make several, and returns the message id to record (or
None). Whatever it raises is classified as for a built-in method; a 429 it catches itself
pauses nothing. Whether a custom row's turn has come is decided by the row's chat; each
`send` then waits for the turn of its own method's chat (a short wait, since one call is
all a chat gets per round). Like every row, a custom row may be tried again after a
failure or a crash, so its steps must tolerate repetition.
"""

from __future__ import annotations

import asyncio
import html
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Literal, TypeVar

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import (
    CopyMessage,
    EditMessageReplyMarkup,
    EditMessageText,
    SendDocument,
    SendMessage,
    SendPhoto,
    TelegramMethod,
)
from sqlalchemy import Boolean, Integer, bindparam, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.clock import Clock
from domain.rate_limit import RateLimiter
from domain.text_limits import CAPTION_MAX, MESSAGE_MAX, fits, split_html
from storage.models import OutboxRow
from storage.uow import UnitOfWork

logger = logging.getLogger(__name__)

Method = Literal[
    "send_message",
    "send_document",
    "send_photo",
    "copy_message",
    "edit_message_text",
    "edit_message_reply_markup",
]
METHODS: dict[str, type[TelegramMethod[Any]]] = {
    "send_message": SendMessage,
    "send_document": SendDocument,
    "send_photo": SendPhoto,
    "copy_message": CopyMessage,
    "edit_message_text": EditMessageText,
    "edit_message_reply_markup": EditMessageReplyMarkup,
}
# Names other modules declared with `register_method` (enqueue accepts them as well), each
# with the payload key of its text, if it has one that enqueue may split.
_REGISTERED: dict[str, str | None] = {}
_METHOD_LENGTH = 32  # the column's width
_KEY_LENGTH = 200  # the dedup_key column's width
# Media whose caption must fit Telegram's 1024; the text of the first method must fit 4096.
_CAPTIONED = frozenset({"send_photo", "send_document", "copy_message"})
# What a message that carries an over-long text or caption keeps in every part: where it
# goes and how it is parsed. The reply markup goes with the last part only.
_PLACEMENT = (
    "parse_mode",
    "message_thread_id",
    "reply_parameters",
    "reply_to_message_id",
    "disable_notification",
    "protect_content",
    "allow_paid_broadcast",
)
# drop_pending also drops the further parts of a keyed message, up to this many.
_PARTS_DROPPED = 8

PENDING = "pending"
SENT = "sent"
FAILED = "failed"
BLOCKED = "blocked"
DROPPED = "dropped"

_MAX_BACKOFF = 3600
_FLUSH_EVERY = timedelta(seconds=1)
# A wait this long (a 429 pause) first lets the sends in flight finish and stores them.
_SETTLE_BEFORE = timedelta(milliseconds=500)
_ERROR_LENGTH = 300
_NOT_MODIFIED = "message is not modified"

T = TypeVar("T")


def register_method(name: str, *, text_key: str | None = None) -> None:
    """Declare a custom outbox method, so that `enqueue` accepts rows with it. The sending
    process must pass a handler for it to `OutboxSender(handlers=...)`; without one such
    rows end as failed. With `text_key`, the payload's text under that key is a message
    text that `enqueue` splits like a `send_message`'s (the handler sends it as one).
    Registering the same name again is a no-op."""
    if name in METHODS:
        raise ValueError(f"{name!r} is a built-in outbox method")
    if not name or len(name) > _METHOD_LENGTH:
        raise ValueError(f"an outbox method name has 1 to {_METHOD_LENGTH} characters")
    _REGISTERED.setdefault(name, text_key)


def is_known_method(name: str) -> bool:
    return name in METHODS or name in _REGISTERED


@lru_cache(maxsize=8)
def _insert(dialect: str, by_notice: bool = False) -> Any:
    insert_ = pg_insert if dialect == "postgresql" else sqlite_insert
    keys = [OutboxRow.notice_id, OutboxRow.chat_id] if by_notice else [OutboxRow.dedup_key]
    return insert_(OutboxRow).on_conflict_do_nothing(index_elements=keys)


def enqueue(
    uow: UnitOfWork,
    *,
    chat_id: int,
    method: Method | str,
    payload: dict[str, Any],
    now: datetime,
    dedup_key: str | None = None,
    not_before: datetime | None = None,
    urgent: bool = False,
    notice_id: int | None = None,
    appeal_id: int | None = None,
    purpose: str | None = None,
) -> None:
    """Queue one Bot API call (`payload`: its keyword arguments except chat_id), written with
    the caller's commit. `method` is a built-in method (`METHODS`) or a name declared with
    `register_method`. A `dedup_key` already in the outbox makes this a no-op; so does a
    `notice_id` already queued to this chat (one row per notice and recipient). An `urgent`
    row goes before the non-urgent rows of its chat that are not sent yet.

    A text longer than Telegram takes (4096 characters as shown; domain/text_limits.py) is
    queued as several messages, in order, the reply markup under the last; a photo, document
    or copy whose caption is over 1024 goes without it, followed by the caption as messages.
    Each further part is a row of its own: `dedup_key#2`, `#3` …; a notice's further parts
    carry the key `notice:<id>:<chat>#2` … instead of the notice id (which stays one row per
    recipient, the one its reports count).

    A message to a consumer that must reach them (an answer, a question …) names its
    `appeal_id` and `purpose`: if it cannot be delivered, the sender's `on_undelivered` is
    told (every part carries both)."""
    if not is_known_method(method):
        raise ValueError(f"unknown outbox method {method!r}")
    if "chat_id" in payload:
        raise ValueError("chat_id goes in its own argument, not in the payload")
    if notice_id is not None and dedup_key is not None:
        raise ValueError("a notice's row is unique by (notice, chat): no dedup_key")
    if (appeal_id is None) != (purpose is None):
        raise ValueError("a message about an appeal names both the appeal and its purpose")
    dialect = uow.session.bind.dialect.name
    for index, (part_method, part_payload) in enumerate(fit_to_limits(method, payload)):
        part_notice, part_key = notice_id, dedup_key
        if index:
            part_notice = None
            base = f"notice:{notice_id}:{chat_id}" if notice_id is not None else dedup_key
            part_key = None if base is None else f"{base}#{index + 1}"
            if part_key is not None and len(part_key) > _KEY_LENGTH:
                raise ValueError(f"a dedup_key of a long message has at most {_KEY_LENGTH - 3}")
        uow.defer(
            _insert(dialect, part_notice is not None),
            {
                "notice_id": part_notice,
                "dedup_key": part_key,
                "chat_id": chat_id,
                "method": part_method,
                "payload": part_payload,
                "urgent": urgent,
                "status": PENDING,
                "attempts": 0,
                "not_before": not_before or now,
                "last_error": "",
                "created_at": now,
                "sent_at": None,
                "telegram_message_id": None,
                "appeal_id": appeal_id,
                "purpose": purpose,
            },
            effect=True,
        )


def fit_to_limits(method: str, payload: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The calls that deliver `payload` within Telegram's length limits: the call itself when
    it fits, else its text in parts, or its media without the caption and the caption as
    messages (see `enqueue`)."""
    text_key = "text" if method == "send_message" else _REGISTERED.get(method)
    if text_key is not None:
        text = payload.get(text_key)
        if not isinstance(text, str) or fits(text, MESSAGE_MAX):
            return [(method, payload)]
        return [(method, part) for part in _text_parts(payload, text_key)]
    caption = payload.get("caption")
    if method in _CAPTIONED and isinstance(caption, str) and not fits(caption, CAPTION_MAX):
        media = {key: value for key, value in payload.items() if key != "reply_markup"}
        if method == "copy_message":
            media["caption"] = ""  # a copy without a caption of its own keeps the original's
        else:
            del media["caption"]
        message = {key: payload[key] for key in _PLACEMENT if key in payload}
        message["text"] = caption
        if "reply_markup" in payload:
            message["reply_markup"] = payload["reply_markup"]
        return [(method, media)] + [
            ("send_message", part) for part in _text_parts(message, "text")
        ]
    return [(method, payload)]


def _text_parts(payload: dict[str, Any], key: str) -> list[dict[str, Any]]:
    text = str(payload[key])
    parse_mode = payload.get("parse_mode", "HTML")
    if parse_mode is None or str(parse_mode).lower() != "html":
        # Not HTML: cut the escaped text and give each part back as it was written.
        pieces = [html.unescape(piece) for piece in split_html(html.escape(text, quote=False))]
    else:
        pieces = split_html(text)
    last = len(pieces) - 1
    return [
        {
            **{k: v for k, v in payload.items() if k != "reply_markup" or index == last},
            key: piece,
        }
        for index, piece in enumerate(pieces)
    ]


_DROP_PENDING = (
    update(OutboxRow)
    .where(
        OutboxRow.dedup_key.in_(bindparam("keys", expanding=True)),
        OutboxRow.status == PENDING,
    )
    .values(status=DROPPED)
)


async def drop_pending(uow: UnitOfWork, *, dedup_keys: Sequence[str]) -> int:
    """Mark the still pending rows with these dedup keys dropped (reminders of something
    called off), with the further parts of a long one, in the caller's transaction; returns
    how many. A row the sender has already loaded may still go out: delivery is at least
    once."""
    if not dedup_keys:
        return 0
    # Further parts by their keys (an indexed IN rather than a LIKE over pending rows).
    keys = [
        *dedup_keys,
        *(f"{key}#{part}" for key in dedup_keys for part in range(2, _PARTS_DROPPED + 1)),
    ]
    result = await uow.session.execute(_DROP_PENDING, {"keys": keys})
    uow.mark_written()
    return int(getattr(result, "rowcount", 0) or 0)


# Due rows ranked within their chat: a round takes the first `per_chat` of every chat, so a
# chat with a long backlog fills no more of a page than any other. The rank is computed
# over all due rows and the cursor applied after it, so a page never starts a chat anew.
# The cursor is the (urgent, id) of the last row of the previous page, in the order
# `urgent DESC, id`: a page starts after it. (True, 0) comes before every row.
def _due_query(*where: Any) -> Any:
    ranked = (
        select(
            OutboxRow.id,
            OutboxRow.chat_id,
            OutboxRow.method,
            OutboxRow.payload,
            OutboxRow.attempts,
            OutboxRow.urgent,
            OutboxRow.appeal_id,
            OutboxRow.purpose,
            OutboxRow.created_at,
            func.row_number()
            .over(
                partition_by=OutboxRow.chat_id,
                order_by=(OutboxRow.urgent.desc(), OutboxRow.id),
            )
            .label("position"),
        )
        .where(OutboxRow.status == PENDING, OutboxRow.not_before <= bindparam("now"), *where)
        .subquery("due")
    )
    return (
        select(
            ranked.c.id,
            ranked.c.chat_id,
            ranked.c.method,
            ranked.c.payload,
            ranked.c.attempts,
            ranked.c.urgent,
            ranked.c.appeal_id,
            ranked.c.purpose,
            ranked.c.created_at,
        )
        .where(
            ranked.c.position <= bindparam("per_chat", type_=Integer),
            or_(
                ranked.c.urgent < bindparam("after_urgent", type_=Boolean),
                (ranked.c.urgent == bindparam("after_urgent", type_=Boolean))
                & (ranked.c.id > bindparam("after_id", type_=Integer)),
            ),
        )
        .order_by(ranked.c.urgent.desc(), ranked.c.id)
        .limit(bindparam("batch", type_=Integer))
    )


_LOAD_DUE = _due_query()
# A sender for one chat only (the console: its person's messages; the rest stays queued for
# the bot that runs against Telegram).
_LOAD_DUE_OF_CHAT = _due_query(OutboxRow.chat_id == bindparam("only_chat"))

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
    urgent: bool
    appeal_id: int | None = None
    purpose: str | None = None
    created_at: datetime | None = None


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
_UNDELIVERED = frozenset({BLOCKED, DROPPED, FAILED})


class TransientError(Exception):
    """Raised by a custom handler for a failure worth retrying (a mail server that does not
    answer): the row is retried with backoff, like a Telegram network error."""


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


def _chat_of(method: TelegramMethod[Any], default: int) -> int:
    chat_id = getattr(method, "chat_id", None)
    return chat_id if isinstance(chat_id, int) else default


def _message_id(result: Any) -> int | None:
    """The id of the message a call created or edited; None for a plain True."""
    message_id = getattr(result, "message_id", None)
    return int(message_id) if isinstance(message_id, int) else None


_PAID_BROADCAST = frozenset({"send_message", "copy_message", "send_photo", "send_document"})


@dataclass(slots=True)
class _Round:
    """What one round keeps between its rows and its sends in flight."""

    flushed_at: datetime
    outcomes: list[dict[str, Any]] = field(default_factory=list)
    blocked: set[int] = field(default_factory=set)
    skipped: set[int] = field(default_factory=set)
    # Chats with a send in flight, and rows of such chats put off to the end of the round.
    busy: set[int] = field(default_factory=set)
    deferred: list[_Due] = field(default_factory=list)
    deferred_chats: set[int] = field(default_factory=set)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)


class OutboxSender:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        bot: Bot,
        clock: Clock,
        limiter: RateLimiter,
        on_blocked: Callable[[int], Awaitable[None]] | None = None,
        on_undelivered: Callable[[Undelivered], Awaitable[None]] | None = None,
        batch: int = 100,
        max_attempts: int = 8,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        per_chat: int = 5,
        handlers: Mapping[str, CustomHandler] | None = None,
        in_flight: int = 8,
        flush_interval: timedelta = timedelta(milliseconds=200),
        allow_paid_broadcast: bool = False,
        only_chat: int | None = None,
    ) -> None:
        if batch < 1 or max_attempts < 1 or per_chat < 1 or in_flight < 1:
            raise ValueError("batch, max_attempts, per_chat and in_flight must be positive")
        if not timedelta(0) <= flush_interval <= _FLUSH_EVERY:
            raise ValueError("flush_interval is between 0 and 1 s")
        handlers = dict(handlers or {})
        if overridden := sorted(set(handlers) & set(METHODS)):
            raise ValueError(f"built-in outbox methods cannot have handlers: {overridden}")
        self._sessionmaker = sessionmaker
        self._bot = bot
        self._clock = clock
        self._limiter = limiter
        self._on_blocked = on_blocked
        self._on_undelivered = on_undelivered
        self._batch = batch
        self._max_attempts = max_attempts
        self._sleep = sleep
        self._per_chat = per_chat
        self._handlers = handlers
        self._in_flight = min(in_flight, batch)
        self._flush_interval = flush_interval
        self._paid = allow_paid_broadcast
        self._only_chat = only_chat
        # Chats whose rows the last round skipped: `next_due` is when the first may send.
        self._skipped: set[int] = set()
        self._wakeup: asyncio.Event | None = None

    # -- the database ---------------------------------------------------------------------
    async def _load(self, *, after: tuple[bool, int], now: datetime) -> list[_Due]:
        uow = UnitOfWork(self._sessionmaker, clock=self._clock)
        try:
            parameters = {
                "now": now,
                "after_urgent": after[0],
                "after_id": after[1],
                "per_chat": self._per_chat,
                "batch": self._batch,
            }
            if self._only_chat is None:
                result = await uow.session.execute(_LOAD_DUE, parameters)
            else:
                parameters["only_chat"] = self._only_chat
                result = await uow.session.execute(_LOAD_DUE_OF_CHAT, parameters)
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

    async def _flush(self, state: _Round) -> None:
        """Store the outcomes so far (sends still in flight add theirs to a fresh list)."""
        outcomes, state.outcomes = state.outcomes, []
        state.flushed_at = self._clock.now()
        try:
            await self._store(outcomes)
        except BaseException:
            state.outcomes[:0] = outcomes  # tried again at the end of the round
            raise

    async def _settle(self, state: _Round) -> None:
        """Wait for every send in flight and store all outcomes."""
        while state.tasks:
            done, _ = await asyncio.wait(state.tasks)
            state.tasks -= done
        await self._flush(state)

    async def _make_room(self, state: _Round) -> None:
        """Wait until one more send may start: fewer than `in_flight` in flight, and fewer
        than `batch` sends whose outcome is not stored (the most a crash can repeat). Stores
        the outcomes when `batch` are waiting or `flush_interval` has passed."""
        while True:
            if state.outcomes and (
                len(state.tasks) + len(state.outcomes) >= self._batch
                or self._clock.now() - state.flushed_at >= self._flush_interval
            ):
                await self._flush(state)
            if (
                len(state.tasks) < self._in_flight
                and len(state.tasks) + len(state.outcomes) < self._batch
            ):
                return
            done, _ = await asyncio.wait(state.tasks, return_when=asyncio.FIRST_COMPLETED)
            state.tasks -= done

    # -- one round ------------------------------------------------------------------------
    async def run_once(self) -> int:
        """One round: every due row whose chat may send now is tried once; a chat that must
        wait is skipped with all its later rows (see `next_due`). Returns the number of rows
        tried (sent, failed, blocked, dropped or put back), not counting skipped ones."""
        attempted = 0
        after = (True, 0)
        state = _Round(flushed_at=self._clock.now())
        seen: Counter[int] = Counter()
        try:
            while rows := await self._load(after=after, now=self._clock.now()):
                for row in rows:
                    after = (row.urgent, row.id)
                    seen[row.chat_id] += 1
                    now = self._clock.now()
                    if row.chat_id in state.blocked:
                        attempted += 1
                        # Settled before appending: a flush during the await swaps the list.
                        settled = await self._settled(row, _blocked_in_round(row, now))
                        state.outcomes.append(settled)
                    elif row.method not in METHODS and row.method not in self._handlers:
                        attempted += 1
                        logger.warning("outbox row %d: no handler for %r", row.id, row.method)
                        # Settled before appending: a flush during the await swaps the list.
                        settled = await self._settled(
                            row,
                            _outcome(
                                row,
                                status=FAILED,
                                attempts=row.attempts + 1,
                                not_before=now,
                                error=f"no handler for outbox method {row.method!r}",
                            ),
                        )
                        state.outcomes.append(settled)
                    elif row.chat_id in state.busy or row.chat_id in state.deferred_chats:
                        # Its chat has a send in flight: decided once that one is over (a
                        # 403 blocks it, anything else skips it), never sent alongside.
                        state.deferred.append(row)
                        state.deferred_chats.add(row.chat_id)
                    elif (
                        row.chat_id in state.skipped
                        # A later page can rank rows of a chat anew once its first rows are
                        # stored; more than `per_chat` of a chat per round could then pass
                        # one of its rows that no page has shown yet.
                        or seen[row.chat_id] > self._per_chat
                        or self._limiter.chat_earliest(row.chat_id, now) > now
                    ):
                        state.skipped.add(row.chat_id)
                    else:
                        attempted += 1
                        await self._start(row, state)
                    if len(state.outcomes) >= self._batch or (
                        state.outcomes
                        and self._clock.now() - state.flushed_at >= self._flush_interval
                    ):
                        await self._flush(state)
                if len(rows) < self._batch:
                    break
        finally:
            # Whatever was sent is recorded even if the loop is cancelled or the DB failed.
            try:
                while state.tasks:
                    done, _ = await asyncio.wait(state.tasks)
                    state.tasks -= done
                for row in state.deferred:
                    if row.chat_id in state.blocked:
                        attempted += 1
                        # Settled before appending: a flush during the await swaps the list.
                        settled = await self._settled(
                            row, _blocked_in_round(row, self._clock.now())
                        )
                        state.outcomes.append(settled)
                    else:
                        state.skipped.add(row.chat_id)
            finally:
                self._skipped = state.skipped
                await self._store(state.outcomes)
        return attempted

    async def _start(self, row: _Due, state: _Round) -> None:
        """Start the row's send once there is room for it and the limits allow it; the send
        goes on in a task while the round goes on with other chats."""
        await self._make_room(state)
        perform: Callable[[], Awaitable[int | None]]
        if row.method in METHODS:
            try:
                method = self._build(row)
            except _Malformed as exc:  # a malformed row must not stop the queue
                logger.warning("outbox row %d cannot be built: %s", row.id, exc)
                now = self._clock.now()
                # Settled before appending: a flush during the await swaps the list.
                settled = await self._settled(
                    row,
                    _outcome(
                        row,
                        status=FAILED,
                        attempts=row.attempts + 1,
                        not_before=now,
                        error=str(exc),
                    ),
                )
                state.outcomes.append(settled)
                return
            now = await self._round_turn(row.chat_id, state)
            # The send starts now: recorded before anything else can run.
            self._limiter.record(row.chat_id, now)

            async def perform() -> int | None:
                return _message_id(await self._bot(method))

        else:

            async def perform() -> int | None:
                return await self._perform(row)

        state.busy.add(row.chat_id)
        task = asyncio.create_task(self._run(row, perform, state))
        state.tasks.add(task)
        # Let the call get going (and an answer that comes at once, such as a fake's 429,
        # be seen) before the next row.
        await asyncio.sleep(0)

    async def _run(
        self, row: _Due, perform: Callable[[], Awaitable[int | None]], state: _Round
    ) -> None:
        try:
            outcome = await self._settled(
                row, await self._attempt(row, state.blocked, state.skipped, perform)
            )
            # Appended only now: `_flush` may have replaced the list during the call.
            state.outcomes.append(outcome)
        finally:
            state.busy.discard(row.chat_id)
        if row.urgent and outcome["new_status"] != PENDING:
            # A reply a person waits for (a confirmation, a staff answer): its outcome is
            # stored at once, not with the batch, so a crash right after it repeats it only
            # if it came within the few milliseconds of this write (issue 11).
            try:
                await self._flush(state)
            except Exception:
                logger.exception("outbox: storing an urgent outcome failed; kept for the batch")

    async def _settled(self, row: _Due, outcome: dict[str, Any]) -> dict[str, Any]:
        """The row's outcome, after telling `on_undelivered` if it is a message about an
        appeal that will never be delivered. If telling fails, the row stays pending and is
        tried again after a backoff (a 403 then comes again and is told again), up to
        `max_attempts` tries."""
        status = outcome["new_status"]
        if (
            self._on_undelivered is None
            or status not in _UNDELIVERED
            or row.appeal_id is None
            or row.purpose is None
        ):
            return outcome
        try:
            await self._on_undelivered(
                Undelivered(
                    row_id=row.id,
                    chat_id=row.chat_id,
                    appeal_id=row.appeal_id,
                    purpose=row.purpose,
                    status=status,
                    queued_at=row.created_at or self._clock.now(),
                )
            )
        except Exception:
            logger.exception("outbox row %d: telling that it was not delivered failed", row.id)
            attempts = row.attempts + 1  # counted even for a row blocked earlier in the round
            if attempts >= self._max_attempts:
                return outcome  # given up: the outcome stays in the outbox, and in the log
            retry = self._clock.now() + timedelta(seconds=min(2**attempts, _MAX_BACKOFF))
            return _outcome(
                row,
                status=PENDING,
                attempts=attempts,
                not_before=retry,
                error=str(outcome["new_error"]),
            )
        return outcome

    async def _round_turn(self, chat_id: int, state: _Round) -> datetime:
        """`_turn` for a row the round starts. Before a long wait (`_SETTLE_BEFORE`: a 429
        pause) every send in flight is let finish and every outcome stored, so that none
        waits through it unstored."""
        now = self._clock.now()
        settled = False
        while (moment := self._limiter.earliest(chat_id, now)) > now:
            if not settled and (state.tasks or state.outcomes) and moment - now >= _SETTLE_BEFORE:
                settled = True
                await self._settle(state)
            else:
                await self._sleep((moment - now).total_seconds())
            now = self._clock.now()
        return now

    def next_due(self, now: datetime) -> datetime | None:
        """The earliest moment a chat the last round skipped may send (`now` at the
        earliest), or None if it skipped nothing. Rows waiting for their own `not_before`
        (scheduled, or backing off) are not counted: they come up at a later poll."""
        return min(
            (self._limiter.earliest(chat_id, now) for chat_id in self._skipped), default=None
        )

    async def _turn(self, chat_id: int) -> datetime:
        now = self._clock.now()
        while (moment := self._limiter.earliest(chat_id, now)) > now:
            await self._sleep((moment - now).total_seconds())
            now = self._clock.now()
        return now

    async def _call_bot(self, method: TelegramMethod[T], default_chat: int) -> T:
        """One Bot API call in the turn of the method's chat, recorded in the limiter."""
        chat_id = _chat_of(method, default_chat)
        self._limiter.record(chat_id, await self._turn(chat_id))
        return await self._bot(method)

    async def _perform(self, row: _Due) -> int | None:
        """Make the row's call(s); the message id to record. Raises what the Bot API does."""
        handler = self._handlers.get(row.method)
        if handler is not None:

            async def transport(method: TelegramMethod[Any]) -> Any:
                return await self._call_bot(method, row.chat_id)

            call = OutboxCall(
                row_id=row.id,
                chat_id=row.chat_id,
                payload=dict(row.payload),
                attempts=row.attempts,
                transport=transport,
            )
            return await handler(call)
        return _message_id(await self._call_bot(self._build(row), row.chat_id))

    def _build(self, row: _Due) -> TelegramMethod[Any]:
        payload = row.payload
        if self._paid and row.method in _PAID_BROADCAST and "allow_paid_broadcast" not in payload:
            payload = {**payload, "allow_paid_broadcast": True}
        try:
            return METHODS[row.method](chat_id=row.chat_id, **payload)
        except Exception as exc:
            raise _Malformed(str(exc)) from exc

    async def _attempt(
        self,
        row: _Due,
        blocked: set[int],
        skipped: set[int],
        perform: Callable[[], Awaitable[int | None]],
    ) -> dict[str, Any]:
        attempts = row.attempts + 1
        try:
            message_id = await perform()
        except _Malformed as exc:  # a malformed row must not stop the queue
            logger.warning("outbox row %d cannot be built: %s", row.id, exc)
            now = self._clock.now()
            return _outcome(row, status=FAILED, attempts=attempts, not_before=now, error=str(exc))
        except TelegramRetryAfter as exc:
            resume = self._clock.now() + timedelta(seconds=exc.retry_after)
            self._limiter.pause_until(resume)
            skipped.add(row.chat_id)  # its later rows must not overtake this one
            logger.warning("outbox: 429, pausing %d s", exc.retry_after)
            return _outcome(row, status=PENDING, attempts=row.attempts, not_before=resume)
        except TelegramForbiddenError as exc:
            # The chat that refused: a custom row's call may go to another chat than its own.
            chat_id = _chat_of(exc.method, row.chat_id)
            blocked.add(chat_id)
            if self._on_blocked is not None:
                await self._on_blocked(chat_id)
            now = self._clock.now()
            return _outcome(
                row, status=BLOCKED, attempts=attempts, not_before=now, error=exc.message
            )
        except TelegramBadRequest as exc:
            now = self._clock.now()
            text = exc.message.lower()
            if _NOT_MODIFIED in text:  # an edit that changes nothing has nothing to do
                return _outcome(
                    row,
                    status=SENT,
                    attempts=attempts,
                    not_before=now,
                    error=exc.message,
                    sent_at=now,
                )
            status = DROPPED if "chat not found" in text else FAILED
            logger.warning("outbox row %d %s: %s", row.id, status, exc.message)
            return _outcome(
                row, status=status, attempts=attempts, not_before=now, error=exc.message
            )
        except (TelegramNetworkError, TelegramServerError, TransientError) as exc:
            now = self._clock.now()
            if attempts >= self._max_attempts:
                logger.warning("outbox row %d failed after %d attempts", row.id, attempts)
                return _outcome(
                    row, status=FAILED, attempts=attempts, not_before=now, error=str(exc)
                )
            retry = now + timedelta(seconds=min(2**attempts, _MAX_BACKOFF))
            return _outcome(
                row, status=PENDING, attempts=attempts, not_before=retry, error=str(exc)
            )
        except Exception as exc:  # any other API error, or a handler's bug: not retried
            logger.warning("outbox row %d failed: %r", row.id, exc)
            now = self._clock.now()
            return _outcome(
                row, status=FAILED, attempts=attempts, not_before=now, error=str(exc) or repr(exc)
            )
        now = self._clock.now()
        return _outcome(
            row,
            status=SENT,
            attempts=attempts,
            not_before=now,
            sent_at=now,
            message_id=message_id,
        )

    # -- the loop -------------------------------------------------------------------------
    def _event(self) -> asyncio.Event:
        if self._wakeup is None:
            self._wakeup = asyncio.Event()
        return self._wakeup

    def wake(self) -> None:
        """Start a round now if `run_forever` is waiting between rounds (or right after the
        current one): for `uow.after_commit(sender.wake)` once rows were queued."""
        self._event().set()

    async def run_forever(self, stop: asyncio.Event, idle: float = 1.0) -> None:
        """Send until `stop` is set. Between rounds wait until the earliest moment a skipped
        chat may send, a `wake()`, `idle` seconds (new or newly due rows) or the stop,
        whichever comes first; the wait uses the injected sleep and clock."""
        wakeup = self._event()
        while not stop.is_set():
            wakeup.clear()  # a wake from here on (even during the round) means a new round
            delay = idle
            try:
                await self.run_once()
                now = self._clock.now()
                due = self.next_due(now)
                if due is not None:
                    delay = min(idle, (due - now).total_seconds())
            except Exception:
                logger.exception("outbox round failed; retrying")
            if delay > 0 and not wakeup.is_set():
                await self._wait(stop, wakeup, delay)

    async def _wait(self, stop: asyncio.Event, wakeup: asyncio.Event, delay: float) -> None:
        waits = [
            asyncio.ensure_future(self._sleep(delay)),
            asyncio.ensure_future(stop.wait()),
            asyncio.ensure_future(wakeup.wait()),
        ]
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in waits:
                waiting.cancel()
            await asyncio.gather(*waits, return_exceptions=True)


def _blocked_in_round(row: _Due, now: datetime) -> dict[str, Any]:
    return _outcome(
        row,
        status=BLOCKED,
        attempts=row.attempts,
        not_before=now,
        error="blocked earlier in this round",
    )


class _Malformed(Exception):
    """A row whose payload does not make a valid call."""
