"""The persistent outbox: every outgoing bot message is a row first, a Bot API call later.

`enqueue` (storage/outbox.py; services queue through the `Outbox` port, services/ports.py)
adds the row in the caller's transaction, so a message exists exactly when the change it
reports was stored; a `dedup_key` (one per recipient and notice) makes queueing the same
notice twice a no-op. After the commit the caller may `wake()` the sender
(`uow.after_commit(sender.wake)`) so that the row goes at once rather than at the next poll.
Nothing queued is too long for Telegram: `enqueue` turns a text over 4096 characters into
several rows, in order, with the reply markup on the last, and a caption over 1024 into the
media without it followed by the caption as messages (`fit_to_limits`; the one rule for
cutting is domain/text_limits.py). A text refused for its length would otherwise fail for
good, after the change it reports was stored.

Sending goes in rounds. A round loads the due pending rows, at most `per_chat` (default 5)
per chat, urgent rows first and then by id, paging through until every chat with due rows
has been seen, and sends every row whose chat may take a message now under Telegram's
limits (domain/rate_limit.py). A row whose chat must still wait (a private chat takes one
message a second; a group 19 a minute, of which bulk rows take at most 15, one every 4 s,
while urgent rows, the replies a staff member waits for, may use the whole budget at once)
is skipped for the round, and so is every later row of that chat, so a backlog in one chat
(typically the staff group) never holds back messages to other chats. The only waits
inside a round are short ones that hold back every chat: the global rate (25 a second) and
a 429 pause. `run_forever` then sleeps until the earliest
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
flight finish. `allow_paid_broadcast` adds Telegram's paid-broadcast flag to sends. A
built-in method's call goes through the bot's session as `bot(method)` would, but a success
is read for its message id alone (notifier/lean_send.py; any other answer raises aiogram's
own exception): validating a whole `Message` was a fifth of a send's CPU.

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
error, or transient errors after `max_attempts` tries with exponential backoff; the rule is
notifier/send_errors.py `classify`); a 429
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
import contextlib
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, TypeVar

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import TelegramMethod
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.clock import Clock
from domain.rate_limit import RateLimiter
from notifier.lean_send import send_for_id
from notifier.outbox_calls import METHODS as METHODS
from notifier.outbox_calls import PAID_BROADCAST as _PAID_BROADCAST
from notifier.outbox_calls import CustomHandler as CustomHandler
from notifier.outbox_calls import Malformed as _Malformed
from notifier.outbox_calls import OutboxCall as OutboxCall
from notifier.outbox_calls import Round as _Round
from notifier.outbox_calls import Undelivered as Undelivered
from notifier.outbox_calls import blocked_in_round as _blocked_in_round
from notifier.outbox_calls import chat_of as _chat_of
from notifier.outbox_calls import message_id as _message_id
from notifier.outbox_calls import outcome as _outcome
from notifier.outbox_calls import settled
from notifier.send_errors import TransientError as TransientError
from notifier.send_errors import Verdict, classify
from storage.outbox import BLOCKED as BLOCKED
from storage.outbox import DROPPED as DROPPED
from storage.outbox import FAILED as FAILED
from storage.outbox import PENDING as PENDING
from storage.outbox import SENT as SENT
from storage.outbox import DueRow as _Due
from storage.outbox import Method as Method
from storage.outbox import drop_pending as drop_pending
from storage.outbox import enqueue as enqueue
from storage.outbox import fit_to_limits as fit_to_limits
from storage.outbox import is_known_method as is_known_method
from storage.outbox import load_due, store_outcomes
from storage.outbox import register_method as register_method
from storage.uow import UnitOfWork

# What callers imported from here before the rows moved to storage/outbox.py.
__all__ = [
    "BLOCKED",
    "DROPPED",
    "FAILED",
    "METHODS",
    "PENDING",
    "SENT",
    "CustomHandler",
    "Method",
    "OutboxCall",
    "OutboxSender",
    "TransientError",
    "Undelivered",
    "drop_pending",
    "enqueue",
    "fit_to_limits",
    "is_known_method",
    "register_method",
]

logger = logging.getLogger(__name__)


_MAX_BACKOFF = 3600
_FLUSH_EVERY = timedelta(seconds=1)
# A wait this long (a 429 pause) first lets the sends in flight finish and stores them.
_SETTLE_BEFORE = timedelta(milliseconds=500)

T = TypeVar("T")


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
        on_stored: Callable[[list[dict[str, Any]]], None] | None = None,
        on_pause: Callable[[], None] | None = None,
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
        # Observers (bot/observability.py): the outcomes once stored, each 429 pause.
        self._on_stored = on_stored
        self._on_pause = on_pause
        # Chats whose rows the last round skipped: `next_due` is when the first may send.
        self._skipped: set[int] = set()
        # Of those, the chats whose first waiting row is urgent (a group's interactive budget).
        self._skipped_urgent: set[int] = set()
        self._wakeup: asyncio.Event | None = None

    # -- the database ---------------------------------------------------------------------
    async def _load(self, *, after: tuple[bool, int], now: datetime) -> list[_Due]:
        uow = UnitOfWork(self._sessionmaker, clock=self._clock)
        try:
            return await load_due(
                uow,
                after=after,
                now=now,
                per_chat=self._per_chat,
                batch=self._batch,
                only_chat=self._only_chat,
            )
        finally:
            await uow.rollback()  # read only; releases the connection before any send

    async def _store(self, outcomes: list[dict[str, Any]]) -> None:
        if not outcomes:
            return
        uow = UnitOfWork(self._sessionmaker, clock=self._clock)
        try:
            await store_outcomes(uow, outcomes)
            await uow.commit()
        except BaseException:
            await uow.rollback()
            raise
        if self._on_stored is not None:
            self._on_stored(outcomes)

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
        state = _Round(flushed_at=self._clock.now())
        seen: Counter[int] = Counter()
        following: asyncio.Task[list[_Due]] | None = None
        try:
            rows = await self._load(after=(True, 0), now=self._clock.now())
            while rows:
                if len(rows) >= self._batch:
                    # The next page loads while this one is sent: no send waits for a page.
                    following = asyncio.create_task(
                        self._load(after=(rows[-1].urgent, rows[-1].id), now=self._clock.now())
                    )
                for row in rows:
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
                        or self._limiter.chat_earliest(row.chat_id, now, interactive=row.urgent)
                        > now
                    ):
                        if row.chat_id not in state.skipped and row.urgent:
                            # Its first row waiting is a reply a staff member waits for.
                            state.skipped_urgent.add(row.chat_id)
                        state.skipped.add(row.chat_id)
                    else:
                        attempted += 1
                        await self._start(row, state)
                    if len(state.outcomes) >= self._batch or (
                        state.outcomes
                        and self._clock.now() - state.flushed_at >= self._flush_interval
                    ):
                        await self._flush(state)
                if following is None:
                    break
                rows, following = await following, None
        finally:
            # Whatever was sent is recorded even if the loop is cancelled or the DB failed.
            try:
                if following is not None:
                    following.cancel()
                    with contextlib.suppress(BaseException):
                        await following
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
                        if row.urgent and row.chat_id not in state.skipped:
                            state.skipped_urgent.add(row.chat_id)
                        state.skipped.add(row.chat_id)
            finally:
                # A chat that had its `per_chat` rows may have more that no page showed: the
                # next round comes as soon as it may send.
                state.skipped.update(chat for chat, n in seen.items() if n >= self._per_chat)
                self._skipped = state.skipped
                self._skipped_urgent = state.skipped_urgent & state.skipped
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
            now = await self._round_turn(row.chat_id, state, interactive=row.urgent)
            # The send starts now: recorded before anything else can run.
            self._limiter.record(row.chat_id, now, interactive=row.urgent)

            async def perform() -> int | None:
                return await send_for_id(self._bot, method)

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
        """The row's outcome, after telling `on_undelivered` (notifier/outbox_calls.py)."""
        if self._on_undelivered is None:
            return outcome
        return await settled(
            row,
            outcome,
            on_undelivered=self._on_undelivered,
            clock=self._clock,
            max_attempts=self._max_attempts,
        )

    async def _round_turn(
        self, chat_id: int, state: _Round, *, interactive: bool = False
    ) -> datetime:
        """`_turn` for a row the round starts. Before a long wait (`_SETTLE_BEFORE`: a 429
        pause) every send in flight is let finish and every outcome stored, so that none
        waits through it unstored."""
        now = self._clock.now()
        settled = False
        while (moment := self._limiter.earliest(chat_id, now, interactive=interactive)) > now:
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
            (
                self._limiter.earliest(chat_id, now, interactive=chat_id in self._skipped_urgent)
                for chat_id in self._skipped
            ),
            default=None,
        )

    async def _turn(self, chat_id: int, *, interactive: bool = False) -> datetime:
        now = self._clock.now()
        while (moment := self._limiter.earliest(chat_id, now, interactive=interactive)) > now:
            await self._sleep((moment - now).total_seconds())
            now = self._clock.now()
        return now

    async def _call_bot(
        self, method: TelegramMethod[T], default_chat: int, *, interactive: bool = False
    ) -> T:
        """One Bot API call in the turn of the method's chat, recorded in the limiter."""
        chat_id = _chat_of(method, default_chat)
        at = await self._turn(chat_id, interactive=interactive)
        self._limiter.record(chat_id, at, interactive=interactive)
        return await self._bot(method)

    async def _perform(self, row: _Due) -> int | None:
        """Make the row's call(s); the message id to record. Raises what the Bot API does."""
        handler = self._handlers.get(row.method)
        if handler is not None:

            async def transport(method: TelegramMethod[Any]) -> Any:
                return await self._call_bot(method, row.chat_id, interactive=row.urgent)

            call = OutboxCall(
                row_id=row.id,
                chat_id=row.chat_id,
                payload=dict(row.payload),
                attempts=row.attempts,
                transport=transport,
            )
            return await handler(call)
        return _message_id(
            await self._call_bot(self._build(row), row.chat_id, interactive=row.urgent)
        )

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
        except Exception as exc:  # classified: notifier/send_errors.py
            return await self._failed(row, exc, attempts, blocked, skipped)
        now = self._clock.now()
        return _outcome(
            row,
            status=SENT,
            attempts=attempts,
            not_before=now,
            sent_at=now,
            message_id=message_id,
        )

    async def _failed(
        self,
        row: _Due,
        error: Exception,
        attempts: int,
        blocked: set[int],
        skipped: set[int],
    ) -> dict[str, Any]:
        """The row's outcome after its call raised `error` (`classify` says what it means)."""
        outcome = classify(error)
        now = self._clock.now()
        verdict = outcome.verdict
        if verdict is Verdict.PAUSE:
            resume = now + timedelta(seconds=outcome.retry_after)
            self._limiter.pause_until(resume)
            if self._on_pause is not None:
                self._on_pause()
            skipped.add(row.chat_id)  # its later rows must not overtake this one
            logger.warning("outbox: 429, pausing %d s", outcome.retry_after)
            return _outcome(row, status=PENDING, attempts=row.attempts, not_before=resume)
        if verdict is Verdict.BLOCKED:
            # The chat that refused: a custom row's call may go to another chat than its own.
            chat_id = _chat_of(getattr(error, "method", None), row.chat_id)
            blocked.add(chat_id)
            if self._on_blocked is not None:
                await self._on_blocked(chat_id)
            now = self._clock.now()
            return _outcome(
                row, status=BLOCKED, attempts=attempts, not_before=now, error=outcome.error
            )
        if verdict is Verdict.SENT:  # an edit that changes nothing has nothing to do
            return _outcome(
                row,
                status=SENT,
                attempts=attempts,
                not_before=now,
                error=outcome.error,
                sent_at=now,
            )
        if verdict is Verdict.RETRY:
            if attempts >= self._max_attempts:
                logger.warning("outbox row %d failed after %d attempts", row.id, attempts)
                return _outcome(
                    row, status=FAILED, attempts=attempts, not_before=now, error=outcome.error
                )
            retry = now + timedelta(seconds=min(2**attempts, _MAX_BACKOFF))
            return _outcome(
                row, status=PENDING, attempts=attempts, not_before=retry, error=outcome.error
            )
        status = DROPPED if verdict is Verdict.DROPPED else FAILED
        if isinstance(error, TelegramBadRequest):
            logger.warning("outbox row %d %s: %s", row.id, status, outcome.error)
        else:  # any other error, or a handler's bug: not retried
            logger.warning("outbox row %d failed: %r", row.id, error)
        return _outcome(row, status=status, attempts=attempts, not_before=now, error=outcome.error)

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
