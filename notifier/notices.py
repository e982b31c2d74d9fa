"""Notices (SPEC §8; regulation §16.3, §18.7): imports, schedule, fan-out, reports, cancel.

A notice is a row (`notices`) with a kind, a topic, an audience and a send time. When the
time comes (`dispatch`, run by the scheduler every NOTICE_POLL_SECONDS and right after an
import), its recipients are read from the database a page at a time and each gets one
outbox row, unique on (notice, recipient), written before anything is sent; the outbox
sender then delivers them within Telegram's limits. The fan-out can stop anywhere (a crash,
a restart) and simply runs again: a row already queued is not queued twice. Who gets it:
- `topic`: everyone who may be told of the topic (tariff changes, one-off notices);
- `address`: the people linked to an account at the outage's address;
- `accounts`: the people linked to the accounts the notice lists (debts, restrictions),
  each told their own figures, all of their accounts in one message;
- `told`: the people an earlier notice reached ("power restored" after an outage).
Nobody who withdrew consent, stopped notices, turned the topic off or blocked the bot is
queued (storage/notices.py `eligible`), and turning a topic off drops what is still
pending of it (storage/subscriptions.py).

Quiet hours: a non-urgent notice whose time falls in them is queued for their end, and
while they last the pending rows of non-urgent notices wait for the morning (`dispatch`
holds them); emergency outages and their "power restored" are urgent and go at once."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.texts import Texts
from domain.clock import Clock
from domain.notice_lifecycle import (
    Audience,
    ClosureParams,
    Notice,
    NoticeAction,
    NoticeReport,
    NoticeStatus,
    Outage,
    OutageParams,
    QuestionnaireParams,
    Recipient,
    apply,
    sources,
)
from domain.notices import out_of_quiet_hours, parse_houses, place_key
from domain.subscriptions import Topic
from notifier.notice_texts import NoticeTexts, questionnaire_question, render_notice
from notifier.questionnaire_texts import answer_keyboard
from notifier.scheduler import job_context
from services.notice_import import ImportKind
from services.notices import ImportResult, NoticePolicy, NoticeService
from storage.notice_drafts import SqlNoticeDrafts
from storage.notices import SqlNoticeStore
from storage.outbox import enqueue
from storage.uow import UnitOfWork

logger = logging.getLogger(__name__)
# Recipients rendered, queued and committed between two pauses of the fan-out (see
# `_fan_out`): on SQLite, whose statements run on the event loop's thread, a part of this
# size holds the loop for a few milliseconds (issue 16 point 6: never over 50 ms).
_COMMIT_EVERY = 100


class _AfterCommit:
    """The `NoticeQueue` port for a unit of work the desk runs itself: remembers that the
    notices written are to be queued, which the desk does once it has committed."""

    def __init__(self) -> None:
        self.due = False

    def after_commit(self) -> None:
        self.due = True


class UpdateNoticeQueue:
    """The `NoticeQueue` port for an update's unit of work (app/services.py): once the
    update's commit has stored the notices, the desk queues them in a task of its own."""

    def __init__(self, uow: UnitOfWork, start: Callable[[], None]) -> None:
        self._uow = uow
        self._start = start

    def after_commit(self) -> None:
        self._uow.after_commit(self._start)


class NoticeDesk:
    """The notices' jobs: the fan-out of the notices whose time has come (`dispatch`), run
    by the scheduler, after an import and after an update that wrote a notice; and the use
    case (services/notices.py) in units of work of its own, for the command line and the
    scheduled readings reminder."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        texts: Texts,
        clock: Clock,
        policy: NoticePolicy,
        wake: Callable[[], None] | None = None,
        background: bool = False,
        staff_chat_id: int | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._texts = texts
        self._clock = clock
        self._policy = policy
        self.wake = wake
        # In the bot a new notice is queued by a task of its own, so that a staff member's
        # press is answered at once even for 100 000 recipients; the command line waits.
        self._background = background
        self._staff_chat_id = staff_chat_id
        self._tasks: set[asyncio.Task[None]] = set()
        self._dispatching: set[asyncio.Task[None]] = set()  # of `_tasks`, the fan-outs
        self._lock = asyncio.Lock()

    @property
    def policy(self) -> NoticePolicy:
        return self._policy

    async def kick(self) -> None:
        """Queue what is due: at once, or (in the bot) in a task of its own."""
        if not self._background:
            await self.dispatch()
            return
        self.start()

    async def _dispatch_logged(self) -> None:
        try:
            await self.dispatch()
        except Exception:  # the scheduler's next run tries again
            logger.exception("notice dispatch failed")

    async def settle(self, at_most: float | None = None) -> None:
        """Wait for the queuing tasks started so far, at most `at_most` seconds (a staff
        reply shows a small notice queued, a large one under way)."""
        try:
            async with asyncio.timeout(at_most):
                while self._tasks:
                    await asyncio.gather(
                        *(asyncio.shield(task) for task in list(self._tasks)),
                        return_exceptions=True,
                    )
        except TimeoutError:
            pass

    def report_after_commit(
        self,
        uow: UnitOfWork,
        notice_id: int,
        replies: Callable[[NoticeReport | None], Sequence[tuple[int, dict[str, Any]]]],
        *,
        at_most: float,
    ) -> None:
        """Once `uow` has stored the notice: wait at most `at_most` seconds for its recipients
        to be queued (a small notice shows them, a large one is shown under way), then queue
        the staff's reply with its report, in a unit of work of its own. `replies` says it:
        (chat, send_message payload) for each message."""

        def begin() -> None:
            task = asyncio.create_task(
                self._report_when_queued(notice_id, replies, at_most), name="notice-report"
            )
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

        uow.after_commit(begin)

    async def _report_when_queued(
        self,
        notice_id: int,
        replies: Callable[[NoticeReport | None], Sequence[tuple[int, dict[str, Any]]]],
        at_most: float,
    ) -> None:
        try:
            try:
                async with asyncio.timeout(at_most):
                    while dispatching := list(self._dispatching):
                        await asyncio.gather(
                            *(asyncio.shield(task) for task in dispatching),
                            return_exceptions=True,
                        )
            except TimeoutError:
                pass
            async with self._uow() as uow:
                service = NoticeService(
                    store=SqlNoticeStore(uow),
                    drafts=SqlNoticeDrafts(uow),
                    queue=_AfterCommit(),
                    clock=self._clock,
                    policy=self._policy,
                )
                for chat_id, payload in replies(await service.report(notice_id)):
                    enqueue(
                        uow,
                        chat_id=chat_id,
                        method="send_message",
                        payload=payload,
                        now=self._clock.now(),
                        urgent=True,
                    )
                await uow.commit()
            if self.wake is not None:
                self.wake()
        except Exception:  # the notice goes on; staff may ask for its report (/notice ID)
            logger.exception("notice %s: the report to staff failed", notice_id)

    def start(self) -> None:
        """Queue what is due in a task of its own (after an update's commit)."""
        task = asyncio.create_task(self._dispatch_logged(), name="notice-dispatch")
        self._tasks.add(task)
        self._dispatching.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(self._dispatching.discard)

    # -- the use case in units of work of its own --------------------------------------------

    def _uow(self) -> UnitOfWork:
        return UnitOfWork(self._sessionmaker, clock=self._clock)

    @asynccontextmanager
    async def _service(self) -> AsyncIterator[NoticeService]:
        """The use case in a unit of work of the desk's own, committed when the block ends
        without an error; what it wrote is queued after the commit."""
        queue = _AfterCommit()
        async with self._uow() as uow:
            yield NoticeService(
                store=SqlNoticeStore(uow),
                drafts=SqlNoticeDrafts(uow),
                queue=queue,
                clock=self._clock,
                policy=self._policy,
            )
            await uow.commit()
        if queue.due:
            await self.kick()

    async def import_file(
        self,
        kind: ImportKind,
        raw: bytes,
        *,
        dry_run: bool,
        source: str,
        created_by: int | None = None,
    ) -> ImportResult:
        async with self._service() as service:
            return await service.import_file(
                kind, raw, dry_run=dry_run, source=source, created_by=created_by
            )

    async def audience_size(self, topic: Topic) -> int:
        async with self._service() as service:
            return await service.audience_size(topic)

    async def compose(
        self, topic: Topic, text: str, *, created_by: int | None, source: str
    ) -> int:
        async with self._service() as service:
            return await service.compose(topic, text, created_by=created_by, source=source)

    async def readings_reminder(self, *, start_day: int, end_day: int) -> int | None:
        async with self._service() as service:
            return await service.readings_reminder(start_day=start_day, end_day=end_day)

    async def outages(self) -> list[Outage]:
        async with self._service() as service:
            return await service.outages()

    async def close_outage(self, outage_id: int, *, by: int | None) -> int | None:
        async with self._service() as service:
            return await service.close_outage(outage_id, by=by)

    async def report(self, notice_id: int) -> NoticeReport | None:
        async with self._service() as service:
            return await service.report(notice_id)

    async def recent(self, limit: int = 10) -> list[NoticeReport]:
        async with self._service() as service:
            return await service.recent(limit)

    async def cancel(self, notice_id: int) -> NoticeReport | None:
        async with self._service() as service:
            return await service.cancel(notice_id)

    def render(self, notice: Notice, accounts: Sequence[tuple[str, dict[str, Any]]]) -> str:
        """The message one person gets (HTML)."""
        return render_notice(self._texts, self._policy.zone, notice, accounts)

    def payload(
        self, notice: Notice, accounts: Sequence[tuple[str, dict[str, Any]]]
    ) -> dict[str, Any]:
        """The send_message payload one person gets: the text, and a questionnaire's answer
        buttons under its first question."""
        payload: dict[str, Any] = {"text": self.render(notice, accounts)}
        params = notice.params
        if isinstance(params, QuestionnaireParams):
            markup = answer_keyboard(
                self._texts, params.questionnaire_id, 0, questionnaire_question(params)
            )
            payload["reply_markup"] = markup.model_dump(exclude_none=True)
        return payload

    async def evidence(self, notice_id: int) -> AsyncIterator[Any]:
        """Every recipient of the notice with the account they were told for and the outcome
        (status, sent_at, Telegram's message id), a page at a time."""
        after: tuple[int, str] = (0, "")
        while True:
            async with self._uow() as uow:
                rows = await SqlNoticeStore(uow).evidence(
                    notice_id, after=after, size=self._policy.page
                )
            for row in rows:
                yield row
            if len(rows) < self._policy.page:
                return
            after = (int(rows[-1].user_id), str(rows[-1].account_number))

    # -- the schedule -----------------------------------------------------------------------

    async def dispatch(self) -> int:
        """Queue every notice whose time has come, hold non-urgent ones during quiet hours,
        and mark finished the ones with nothing pending. Returns the rows queued."""
        async with self._lock:  # one fan-out at a time in this process
            queued = 0
            while True:
                async with self._uow() as uow:
                    due = await SqlNoticeStore(uow).due(self._clock.now(), limit=10)
                if not due:
                    break
                for notice in due:
                    queued += await self._fan_out(notice)
            await self._hold_quiet_hours()
            await self._finish()
        if queued and self.wake is not None:
            self.wake()
        return queued

    async def _hold_quiet_hours(self) -> None:
        quiet = self._policy.quiet
        if quiet is None:
            return
        now = self._clock.now()
        until = out_of_quiet_hours(now, quiet, self._policy.zone)
        if until > now:
            async with self._uow() as uow:
                await SqlNoticeStore(uow).hold_until(until)
                await uow.commit()

    async def _finish(self) -> None:
        async with self._uow() as uow:
            store = SqlNoticeStore(uow)
            for notice in await store.sending():
                if not await store.has_pending(notice.id):
                    counts = await store.counts(notice.id)
                    finished = await store.set_status(
                        notice.id,
                        apply(NoticeStatus.SENDING, NoticeAction.FINISH),
                        expect=sources(NoticeAction.FINISH),
                        finished_at=counts.last_sent or self._clock.now(),
                    )
                    if finished and self._staff_chat_id is not None and counts.total:
                        # The delivery report goes to the staff chat by itself, once: the
                        # status changed in this same transaction.
                        done = await store.notice(notice.id)
                        assert done is not None
                        outage = (
                            None if done.outage_id is None else await store.outage(done.outage_id)
                        )
                        text = NoticeTexts(self._texts, self._policy.zone).report(
                            NoticeReport(done, counts, outage)
                        )
                        enqueue(
                            uow,
                            chat_id=self._staff_chat_id,
                            method="send_message",
                            payload={"text": self._texts.get("notice-finished") + "\n" + text},
                            now=self._clock.now(),
                        )
            await uow.commit()

    async def _fan_out(self, notice: Notice) -> int:
        async with self._uow() as uow:
            if not await SqlNoticeStore(uow).set_status(
                notice.id, NoticeStatus.QUEUING, expect=sources(NoticeAction.QUEUE)
            ):
                return 0
            await uow.commit()
        queued = 0
        async for page in self._pages(notice):
            now = self._clock.now()
            not_before = (
                now
                if notice.urgent
                else out_of_quiet_hours(now, self._policy.quiet, self._policy.zone)
            )
            for start in range(0, len(page), _COMMIT_EVERY):
                part = page[start : start + _COMMIT_EVERY]
                async with self._uow() as uow:
                    store = SqlNoticeStore(uow)
                    current = await store.notice(notice.id)
                    if current is None or current.status is not NoticeStatus.QUEUING:
                        return queued  # cancelled meanwhile
                    # Written first: the outbox rows below wait for the commit and go to
                    # SQLite with it in one call (storage/uow.py), not one by one before it.
                    await store.add_recipients(
                        notice.id,
                        [
                            (r.user_id, account)
                            for r in part
                            for account in ([a for a, _ in r.accounts] or [""])
                        ],
                    )
                    for recipient in part:
                        enqueue(
                            uow,
                            chat_id=recipient.user_id,
                            method="send_message",
                            payload=self.payload(notice, recipient.accounts),
                            now=now,
                            not_before=not_before,
                            urgent=notice.urgent,
                            notice_id=notice.id,
                        )
                    await uow.commit()
                queued += len(part)
                # The sender starts on these rows now, not once the page (or the whole
                # notice, at 100 000 recipients tens of seconds) is queued.
                if self.wake is not None:
                    self.wake()
                # SQLite answers on the loop's thread (storage/sqlite_driver.py): without a
                # pause a fan-out would hold every update back.
                await asyncio.sleep(0)
        async with self._uow() as uow:
            store = SqlNoticeStore(uow)
            total = await store.queued(notice.id)
            await store.set_status(
                notice.id,
                apply(NoticeStatus.QUEUING, NoticeAction.QUEUED),
                expect=sources(NoticeAction.QUEUED),
                queued_at=self._clock.now(),
                planned=total,
            )
            await uow.commit()
        logger.info("notice %s queued: %s recipients", notice.id, total)
        return queued

    # -- recipients -------------------------------------------------------------------------

    def _pages(self, notice: Notice) -> AsyncIterator[list[Recipient]]:
        params, audience = notice.params, notice.audience
        if audience is Audience.ADDRESS:
            if not isinstance(params, OutageParams):
                raise ValueError(f"notice {notice.id}: an address audience needs an outage")
            return self._address_pages(params, notice.topic)
        if audience is Audience.ACCOUNTS:
            return self._target_pages(notice.id, notice.topic)
        if audience is Audience.TOLD:
            if not isinstance(params, ClosureParams):
                raise ValueError(f"notice {notice.id}: a told audience needs earlier notices")
            return self._told_pages(params.notices, notice.topic)
        return self._topic_pages(notice.topic)

    async def _topic_pages(self, topic: Topic) -> AsyncIterator[list[Recipient]]:
        after = 0
        while True:
            async with self._uow() as uow:
                users = await SqlNoticeStore(uow).topic_page(
                    topic, after=after, size=self._policy.page
                )
            if not users:
                return
            yield [Recipient(user) for user in users]
            after = users[-1]

    async def _told_pages(
        self, notice_ids: Sequence[int], topic: Topic
    ) -> AsyncIterator[list[Recipient]]:
        after = 0
        while notice_ids:
            async with self._uow() as uow:
                users = await SqlNoticeStore(uow).told_page(
                    notice_ids, topic, after=after, size=self._policy.page
                )
            if not users:
                return
            yield [Recipient(user) for user in users]
            after = users[-1]

    async def _by_person(
        self, fetch: Callable[[tuple[int, str]], Awaitable[list[Any]]]
    ) -> AsyncIterator[list[Any]]:
        """Rows (user, account, ...) ordered by (user, account), fetched a page at a time by
        `fetch(after)`, yielded so that one person's rows are never split between two
        yields: the last person of a full page is carried over to the next."""
        after: tuple[int, str] = (0, "")
        carry: list[Any] = []
        while True:
            rows = await fetch(after)
            if rows:
                after = (int(rows[-1][0]), str(rows[-1][1]))
            if len(rows) < self._policy.page:  # the end
                if carry or rows:
                    yield carry + rows
                return
            rows = carry + rows
            last = rows[-1][0]
            carry = [row for row in rows if row[0] == last]
            done = [row for row in rows if row[0] != last]
            if done:
                yield done

    async def _address_pages(
        self, params: OutageParams, topic: Topic
    ) -> AsyncIterator[list[Recipient]]:
        key = place_key(params.settlement, params.street)
        houses = parse_houses(params.houses)

        async def fetch(after: tuple[int, str]) -> list[Any]:
            async with self._uow() as uow:
                return await SqlNoticeStore(uow).address_page(
                    topic, key, after=after, size=self._policy.page
                )

        async for rows in self._by_person(fetch):
            grouped: dict[int, Recipient] = {}
            for user, account, _place, _road, house in rows:
                if houses.contains(house):
                    grouped.setdefault(user, Recipient(user)).accounts.append(
                        (account, {"house": house})
                    )
            if grouped:
                yield list(grouped.values())

    async def _target_pages(self, notice_id: int, topic: Topic) -> AsyncIterator[list[Recipient]]:
        async def fetch(after: tuple[int, str]) -> list[Any]:
            async with self._uow() as uow:
                return await SqlNoticeStore(uow).target_page(
                    notice_id, topic, after=after, size=self._policy.page
                )

        async for rows in self._by_person(fetch):
            grouped: dict[int, Recipient] = {}
            for user, account, params in rows:
                grouped.setdefault(user, Recipient(user)).accounts.append((account, params))
            yield list(grouped.values())


# -- scheduled jobs (notifier/scheduler.py): the desk comes from the job context -------------

NOTICE_JOB = "notifier.notices:run_notice_dispatch"
READINGS_JOB = "notifier.notices:run_readings_reminder"


def _desk() -> NoticeDesk:
    desk = job_context().extra.get("notice_desk")
    if not isinstance(desk, NoticeDesk):
        raise RuntimeError("the job context has no notice_desk")
    return desk


async def run_notice_dispatch() -> None:
    """Queue the notices whose time has come (planned outages, payment reminders ...)."""
    queued = await _desk().dispatch()
    if queued:
        logger.info("notices: %s messages queued", queued)


async def run_readings_reminder() -> None:
    """On the first day of the readings window: "time to send readings", once a month."""
    extra = job_context().extra
    await _desk().readings_reminder(
        start_day=int(extra["readings_start_day"]), end_day=int(extra["readings_end_day"])
    )
