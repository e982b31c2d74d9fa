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
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.texts import Texts
from domain.clock import Clock
from domain.notices import (
    NoticeKind,
    OutageKind,
    QuietHours,
    out_of_quiet_hours,
    parse_houses,
    payment_due_send,
    place_key,
    planned_outage_sends,
)
from domain.subscriptions import Topic
from notifier.outbox import enqueue
from notifier.scheduler import job_context
from services.csv_import import RefusedRow
from services.notice_import import (
    DebtLine,
    ImportKind,
    OutageLine,
    RestrictionLine,
    TariffLine,
    parse_debts,
    parse_outages,
    parse_restrictions,
    parse_tariffs,
)
from storage.notices import (
    CANCELLED,
    DONE,
    OUTAGE_CANCELLED,
    OUTAGE_CLOSED,
    QUEUING,
    SCHEDULED,
    SENDING,
    Counts,
    Notice,
    Outage,
    SqlNoticeStore,
)
from storage.uow import UnitOfWork

logger = logging.getLogger(__name__)

TOPIC = "topic"
ADDRESS = "address"
ACCOUNTS = "accounts"
TOLD = "told"

KIND_TOPIC: dict[NoticeKind, Topic] = {
    NoticeKind.DEBT: Topic.DEBT,
    NoticeKind.PAYMENT_DUE: Topic.PAYMENT_DUE,
    NoticeKind.TARIFF: Topic.TARIFF,
    NoticeKind.PLANNED_OUTAGE: Topic.PLANNED_OUTAGE,
    NoticeKind.OUTAGE_EVENING: Topic.PLANNED_OUTAGE,
    NoticeKind.EMERGENCY_OUTAGE: Topic.EMERGENCY_OUTAGE,
    NoticeKind.RESTRICTION: Topic.RESTRICTION,
    NoticeKind.CONTRACT: Topic.CONTRACT,
    NoticeKind.READINGS_REMINDER: Topic.READINGS_REMINDER,
}
# A message a person gets is at most this long (Telegram's limit is 4096).
MESSAGE_MAX = 3500
NONE = "none"
_THIN_SPACE = "\u202f"
_REFUSED_SHOWN = 50
_PLANNED_SHOWN = 8
_TAGS = re.compile(r"</?[bi]>")


@dataclass(frozen=True)
class NoticePolicy:
    """Lead times and send hours (settings NOTICE_*, OUTAGE_*, PAYMENT_REMINDER_DAYS)."""

    zone: ZoneInfo
    quiet: QuietHours | None = None
    outage_days: int = 3
    evening_hour: int = 18
    payment_days: int = 3
    send_hour: int = 10
    page: int = 500


@dataclass(frozen=True)
class Planned:
    kind: NoticeKind
    send_at: datetime
    id: int | None = None  # None in a dry run


@dataclass(frozen=True)
class ImportResult:
    kind: ImportKind
    accepted: int
    refused: tuple[RefusedRow, ...]
    notices: tuple[Planned, ...]
    people: int  # distinct people the file's first notices reach (as of now)
    unreached: int  # accounts (debts, restrictions) nobody in the bot may be told of
    dry_run: bool


@dataclass(frozen=True)
class NoticeReport:
    notice: Notice
    counts: Counts
    outage: Outage | None = None


@dataclass
class _Recipient:
    user_id: int
    accounts: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


def money(amount: Decimal | str) -> str:
    """1234.5 -> "1 234,50" (a narrow no-break space between thousands)."""
    value = Decimal(str(amount)).quantize(Decimal("0.01"))
    whole, _, cents = f"{value:,.2f}".partition(".")
    return whole.replace(",", _THIN_SPACE) + "," + cents


class NoticeDesk:
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
        self._lock = asyncio.Lock()

    async def kick(self) -> None:
        """Queue what is due: at once, or (in the bot) in a task of its own."""
        if not self._background:
            await self.dispatch()
            return
        task = asyncio.create_task(self._dispatch_logged(), name="notice-dispatch")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

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

    # -- units of work ----------------------------------------------------------------------

    def _uow(self) -> UnitOfWork:
        return UnitOfWork(self._sessionmaker, clock=self._clock)

    # -- imports ----------------------------------------------------------------------------

    async def import_file(
        self,
        kind: ImportKind,
        raw: bytes,
        *,
        dry_run: bool,
        source: str,
        created_by: int | None = None,
    ) -> ImportResult:
        """Read a source file (services/notice_import.py) and schedule its notices; with
        `dry_run` nothing is written and the result says who would be told. Raises
        ImportFileError for a file that cannot be read at all."""
        if kind is ImportKind.DEBTS:
            debts = parse_debts(raw)
            return await self._import_accounts(
                kind, debts.lines, debts.refused, dry_run, source, created_by
            )
        if kind is ImportKind.RESTRICTIONS:
            restrictions = parse_restrictions(raw)
            return await self._import_accounts(
                kind, restrictions.lines, restrictions.refused, dry_run, source, created_by
            )
        if kind is ImportKind.OUTAGES:
            outages = parse_outages(raw, self._policy.zone)
            return await self._import_outages(
                outages.lines, outages.refused, dry_run, source, created_by
            )
        tariffs = parse_tariffs(raw)
        return await self._import_tariffs(
            tariffs.lines, tariffs.refused, dry_run, source, created_by
        )

    async def _import_accounts(
        self,
        kind: ImportKind,
        lines: Sequence[DebtLine] | Sequence[RestrictionLine],
        refused: Sequence[RefusedRow],
        dry_run: bool,
        source: str,
        created_by: int | None,
    ) -> ImportResult:
        now = self._clock.now()
        targets: list[tuple[str, dict[str, Any]]] = []
        dues: list[date] = []
        for line in lines:
            if isinstance(line, DebtLine):
                targets.append(
                    (
                        line.account,
                        {
                            "amount": str(line.amount),
                            "as_of": line.as_of.isoformat(),
                            "due_date": line.due_date.isoformat(),
                        },
                    )
                )
                dues.append(line.due_date)
            else:
                targets.append(
                    (
                        line.account,
                        {
                            "amount": str(line.amount),
                            "planned_date": line.planned_date.isoformat(),
                        },
                    )
                )
        first_kind = NoticeKind.DEBT if kind is ImportKind.DEBTS else NoticeKind.RESTRICTION
        first_at = out_of_quiet_hours(now, self._policy.quiet, self._policy.zone)
        plans = [Planned(first_kind, first_at)] if targets else []
        # The payment-due reminder: one notice per due date in the file.
        reminders: dict[date, datetime] = {}
        for due in sorted(set(dues)):
            at = payment_due_send(
                due,
                now=now,
                days_before=self._policy.payment_days,
                send_hour=self._policy.send_hour,
                zone=self._policy.zone,
                after=first_at,
            )
            if at is not None:
                reminders[due] = at
                plans.append(Planned(NoticeKind.PAYMENT_DUE, at))
        accounts = [account for account, _ in targets]
        people, unreached = await self._reach_accounts(accounts, KIND_TOPIC[first_kind])
        if dry_run or not targets:
            return ImportResult(
                kind,
                len(lines),
                tuple(refused),
                tuple(plans),
                people,
                unreached,
                dry_run,
            )
        created: list[Planned] = []
        async with self._uow() as uow:
            store = SqlNoticeStore(uow)
            first_id = await store.add_notice(
                kind=first_kind.value,
                topic=KIND_TOPIC[first_kind].value,
                audience=ACCOUNTS,
                urgent=False,
                params={},
                send_at=first_at,
                source=source,
                created_by=created_by,
                created_at=now,
            )
            await store.add_targets(first_id, targets)
            created.append(Planned(first_kind, first_at, first_id))
            for due, at in reminders.items():
                notice_id = await store.add_notice(
                    kind=NoticeKind.PAYMENT_DUE.value,
                    topic=Topic.PAYMENT_DUE.value,
                    audience=ACCOUNTS,
                    urgent=False,
                    params={"due_date": due.isoformat()},
                    send_at=at,
                    source=source,
                    created_by=created_by,
                    created_at=now,
                )
                await store.add_targets(
                    notice_id, [t for t in targets if t[1].get("due_date") == due.isoformat()]
                )
                created.append(Planned(NoticeKind.PAYMENT_DUE, at, notice_id))
            await uow.commit()
        await self.kick()
        return ImportResult(
            kind, len(lines), tuple(refused), tuple(created), people, unreached, False
        )

    async def _reach_accounts(self, accounts: Sequence[str], topic: Topic) -> tuple[int, int]:
        """(distinct people who may be told, accounts with nobody to tell)."""
        people: set[int] = set()
        reached: set[str] = set()
        size = self._policy.page
        for start in range(0, len(accounts), size):
            chunk = accounts[start : start + size]
            async with self._uow() as uow:
                pairs = await SqlNoticeStore(uow).linked(chunk, topic)
            for user, account in pairs:
                people.add(user)
                reached.add(account)
        return len(people), len(set(accounts) - reached)

    async def _import_outages(
        self,
        lines: Sequence[OutageLine],
        refused: Sequence[RefusedRow],
        dry_run: bool,
        source: str,
        created_by: int | None,
    ) -> ImportResult:
        now = self._clock.now()
        plans: list[Planned] = []
        people: set[int] = set()
        schedule: list[tuple[OutageLine, list[tuple[NoticeKind, datetime]]]] = []
        for line in lines:
            if line.kind is OutageKind.EMERGENCY:
                sends = [(NoticeKind.EMERGENCY_OUTAGE, now)] if line.ends_at > now else []
            else:
                sends = planned_outage_sends(
                    line.starts_at,
                    now=now,
                    days_ahead=self._policy.outage_days,
                    evening_hour=self._policy.evening_hour,
                    zone=self._policy.zone,
                    quiet=self._policy.quiet,
                )
            schedule.append((line, sends))
            if sends:
                params = _outage_params(line)
                async for page in self._address_pages(params, KIND_TOPIC[sends[0][0]]):
                    people.update(r.user_id for r in page)
            plans.extend(Planned(kind, at) for kind, at in sends)
        if dry_run:
            return ImportResult(
                ImportKind.OUTAGES, len(lines), tuple(refused), tuple(plans), len(people), 0, True
            )
        created: list[Planned] = []
        async with self._uow() as uow:
            store = SqlNoticeStore(uow)
            for line, sends in schedule:
                outage_id = await store.add_outage(
                    kind=line.kind.value,
                    settlement=line.settlement,
                    street=line.street,
                    houses=str(line.houses),
                    starts_at=line.starts_at,
                    ends_at=line.ends_at,
                    reason=line.reason,
                    created_at=now,
                    created_by=created_by,
                )
                for kind, at in sends:
                    notice_id = await store.add_notice(
                        kind=kind.value,
                        topic=KIND_TOPIC[kind].value,
                        audience=ADDRESS,
                        urgent=kind is NoticeKind.EMERGENCY_OUTAGE,
                        params=_outage_params(line),
                        outage_id=outage_id,
                        send_at=at,
                        source=source,
                        created_by=created_by,
                        created_at=now,
                    )
                    created.append(Planned(kind, at, notice_id))
            await uow.commit()
        await self.kick()
        return ImportResult(
            ImportKind.OUTAGES, len(lines), tuple(refused), tuple(created), len(people), 0, False
        )

    async def _import_tariffs(
        self,
        lines: Sequence[TariffLine],
        refused: Sequence[RefusedRow],
        dry_run: bool,
        source: str,
        created_by: int | None,
    ) -> ImportResult:
        now = self._clock.now()
        at = out_of_quiet_hours(now, self._policy.quiet, self._policy.zone)
        people = await self.audience_size(Topic.TARIFF) if lines else 0
        if dry_run:
            plans = tuple(Planned(NoticeKind.TARIFF, at) for _ in lines)
            return ImportResult(
                ImportKind.TARIFFS, len(lines), tuple(refused), plans, people, 0, True
            )
        created: list[Planned] = []
        async with self._uow() as uow:
            store = SqlNoticeStore(uow)
            for line in lines:
                notice_id = await store.add_notice(
                    kind=NoticeKind.TARIFF.value,
                    topic=Topic.TARIFF.value,
                    audience=TOPIC,
                    urgent=False,
                    params={"text": line.text, "effective": line.effective.isoformat()},
                    send_at=at,
                    source=source,
                    created_by=created_by,
                    created_at=now,
                )
                created.append(Planned(NoticeKind.TARIFF, at, notice_id))
            await uow.commit()
        await self.kick()
        return ImportResult(
            ImportKind.TARIFFS, len(lines), tuple(refused), tuple(created), people, 0, False
        )

    # -- one-off notices --------------------------------------------------------------------

    async def audience_size(self, topic: Topic) -> int:
        count = 0
        async for page in self._topic_pages(topic):
            count += len(page)
        return count

    async def compose(
        self, topic: Topic, text: str, *, created_by: int | None, source: str
    ) -> int:
        """A one-off notice to everyone subscribed to `topic`, queued now (quiet hours
        apply unless the topic is emergency outages)."""
        now = self._clock.now()
        urgent = topic is Topic.EMERGENCY_OUTAGE
        at = now if urgent else out_of_quiet_hours(now, self._policy.quiet, self._policy.zone)
        kind = NoticeKind.CONTRACT if topic is Topic.CONTRACT else NoticeKind.MESSAGE
        async with self._uow() as uow:
            notice_id = await SqlNoticeStore(uow).add_notice(
                kind=kind.value,
                topic=topic.value,
                audience=TOPIC,
                urgent=urgent,
                params={"text": text[:MESSAGE_MAX]},
                send_at=at,
                source=source,
                created_by=created_by,
                created_at=now,
            )
            await uow.commit()
        await self.kick()
        return notice_id

    async def readings_reminder(self, *, start_day: int, end_day: int) -> int | None:
        """The monthly "time to send readings" notice (SPEC §5), once a month."""
        now = self._clock.now()
        month = now.astimezone(self._policy.zone).strftime("%Y-%m")
        async with self._uow() as uow:
            store = SqlNoticeStore(uow)
            source = f"readings:{month}"
            if await store.exists_source(NoticeKind.READINGS_REMINDER.value, source):
                return None
            notice_id = await store.add_notice(
                kind=NoticeKind.READINGS_REMINDER.value,
                topic=Topic.READINGS_REMINDER.value,
                audience=TOPIC,
                urgent=False,
                params={"month": month, "start": start_day, "end": end_day},
                send_at=out_of_quiet_hours(now, self._policy.quiet, self._policy.zone),
                source=source,
                created_by=None,
                created_at=now,
            )
            await uow.commit()
        await self.kick()
        return notice_id

    # -- outages ----------------------------------------------------------------------------

    async def outages(self) -> list[Outage]:
        async with self._uow() as uow:
            return await SqlNoticeStore(uow).outages()

    async def close_outage(self, outage_id: int, *, by: int | None) -> int | None:
        """Power is back: the outage's notices still pending are called off and everyone
        its notices reached is told. An outage closed before it began was called off: they
        are told that instead. None if there is no such open outage."""
        now = self._clock.now()
        async with self._uow() as uow:
            store = SqlNoticeStore(uow)
            outage = await store.outage(outage_id)
            if outage is None:
                return None
            called_off = outage.kind == OutageKind.PLANNED.value and now < outage.starts_at
            status = OUTAGE_CANCELLED if called_off else OUTAGE_CLOSED
            if not await store.set_outage_status(outage_id, status, at=now):
                return None
            earlier = await store.of_outage(outage_id)
            for notice in earlier:
                if notice.status in (SCHEDULED, QUEUING, SENDING):
                    await store.set_status(
                        notice.id,
                        CANCELLED,
                        expect=(SCHEDULED, QUEUING, SENDING),
                        cancelled_at=now,
                    )
                    await store.drop_pending(notice.id)
            urgent = outage.kind == OutageKind.EMERGENCY.value
            topic = Topic.EMERGENCY_OUTAGE if urgent else Topic.PLANNED_OUTAGE
            at = now if urgent else out_of_quiet_hours(now, self._policy.quiet, self._policy.zone)
            kind = NoticeKind.OUTAGE_CANCELLED if called_off else NoticeKind.POWER_RESTORED
            notice_id = await store.add_notice(
                kind=kind.value,
                topic=topic.value,
                audience=TOLD,
                urgent=urgent,
                params={
                    "settlement": outage.settlement,
                    "street": outage.street,
                    "houses": outage.houses,
                    "starts_at": outage.starts_at.isoformat(),
                    "ends_at": outage.ends_at.isoformat(),
                    "notices": [n.id for n in earlier],
                },
                outage_id=outage_id,
                send_at=at,
                source=f"close:{outage_id}",
                created_by=by,
                created_at=now,
            )
            await uow.commit()
        await self.kick()
        return notice_id

    # -- reports and cancel -----------------------------------------------------------------

    async def report(self, notice_id: int) -> NoticeReport | None:
        async with self._uow() as uow:
            store = SqlNoticeStore(uow)
            notice = await store.notice(notice_id)
            if notice is None:
                return None
            outage = None if notice.outage_id is None else await store.outage(notice.outage_id)
            return NoticeReport(notice, await store.counts(notice_id), outage)

    async def recent(self, limit: int = 10) -> list[NoticeReport]:
        async with self._uow() as uow:
            store = SqlNoticeStore(uow)
            notices = await store.recent(limit=limit)
            return [NoticeReport(n, await store.counts(n.id)) for n in notices]

    async def cancel(self, notice_id: int) -> NoticeReport | None:
        """Stop a notice: not yet queued, it never goes; under way, what is still pending is
        dropped (a message the sender already took may still go). None if it is unknown or
        already finished."""
        now = self._clock.now()
        async with self._uow() as uow:
            store = SqlNoticeStore(uow)
            if not await store.set_status(
                notice_id, CANCELLED, expect=(SCHEDULED, QUEUING, SENDING), cancelled_at=now
            ):
                return None
            await store.drop_pending(notice_id)
            await uow.commit()
        return await self.report(notice_id)

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
                        DONE,
                        expect=(SENDING,),
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
                notice.id, QUEUING, expect=(SCHEDULED, QUEUING)
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
            async with self._uow() as uow:
                store = SqlNoticeStore(uow)
                current = await store.notice(notice.id)
                if current is None or current.status != QUEUING:
                    return queued  # cancelled meanwhile
                for recipient in page:
                    enqueue(
                        uow,
                        chat_id=recipient.user_id,
                        method="send_message",
                        payload={"text": self.render(notice, recipient.accounts)},
                        now=now,
                        not_before=not_before,
                        urgent=notice.urgent,
                        notice_id=notice.id,
                    )
                await store.add_recipients(
                    notice.id,
                    [
                        (r.user_id, account)
                        for r in page
                        for account in ([a for a, _ in r.accounts] or [""])
                    ],
                )
                await uow.commit()
            queued += len(page)
            if self.wake is not None:
                self.wake()
        async with self._uow() as uow:
            store = SqlNoticeStore(uow)
            total = (await store.counts(notice.id)).total
            await store.set_status(
                notice.id,
                SENDING,
                expect=(QUEUING,),
                queued_at=self._clock.now(),
                planned=total,
            )
            await uow.commit()
        logger.info("notice %s queued: %s recipients", notice.id, total)
        return queued

    # -- recipients -------------------------------------------------------------------------

    def _pages(self, notice: Notice) -> AsyncIterator[list[_Recipient]]:
        if notice.audience == ADDRESS:
            return self._address_pages(notice.params, notice.topic)
        if notice.audience == ACCOUNTS:
            return self._target_pages(notice.id, notice.topic)
        if notice.audience == TOLD:
            return self._told_pages(
                [int(n) for n in notice.params.get("notices", [])], notice.topic
            )
        return self._topic_pages(notice.topic)

    async def _topic_pages(self, topic: Topic) -> AsyncIterator[list[_Recipient]]:
        after = 0
        while True:
            async with self._uow() as uow:
                users = await SqlNoticeStore(uow).topic_page(
                    topic, after=after, size=self._policy.page
                )
            if not users:
                return
            yield [_Recipient(user) for user in users]
            after = users[-1]

    async def _told_pages(
        self, notice_ids: Sequence[int], topic: Topic
    ) -> AsyncIterator[list[_Recipient]]:
        after = 0
        while notice_ids:
            async with self._uow() as uow:
                users = await SqlNoticeStore(uow).told_page(
                    notice_ids, topic, after=after, size=self._policy.page
                )
            if not users:
                return
            yield [_Recipient(user) for user in users]
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
        self, params: dict[str, Any], topic: Topic
    ) -> AsyncIterator[list[_Recipient]]:
        key = place_key(str(params["settlement"]), str(params["street"]))
        houses = parse_houses(str(params.get("houses", "")))

        async def fetch(after: tuple[int, str]) -> list[Any]:
            async with self._uow() as uow:
                return await SqlNoticeStore(uow).address_page(
                    topic, key, after=after, size=self._policy.page
                )

        async for rows in self._by_person(fetch):
            grouped: dict[int, _Recipient] = {}
            for user, account, _place, _road, house in rows:
                if houses.contains(house):
                    grouped.setdefault(user, _Recipient(user)).accounts.append(
                        (account, {"house": house})
                    )
            if grouped:
                yield list(grouped.values())

    async def _target_pages(self, notice_id: int, topic: Topic) -> AsyncIterator[list[_Recipient]]:
        async def fetch(after: tuple[int, str]) -> list[Any]:
            async with self._uow() as uow:
                return await SqlNoticeStore(uow).target_page(
                    notice_id, topic, after=after, size=self._policy.page
                )

        async for rows in self._by_person(fetch):
            grouped: dict[int, _Recipient] = {}
            for user, account, params in rows:
                grouped.setdefault(user, _Recipient(user)).accounts.append((account, params))
            yield list(grouped.values())

    # -- texts ------------------------------------------------------------------------------

    def _local(self, value: str | datetime) -> str:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        return moment.astimezone(self._policy.zone).strftime("%d.%m.%Y %H:%M")

    @staticmethod
    def _day(value: str) -> str:
        return date.fromisoformat(value).strftime("%d.%m.%Y")

    def render(self, notice: Notice, accounts: Sequence[tuple[str, dict[str, Any]]]) -> str:
        """The message one person gets (HTML)."""
        texts = self._texts
        kind = NoticeKind(notice.kind)
        params = notice.params
        if kind in (NoticeKind.DEBT, NoticeKind.PAYMENT_DUE, NoticeKind.RESTRICTION):
            key = {
                NoticeKind.DEBT: "notice-debt-line",
                NoticeKind.PAYMENT_DUE: "notice-payment-due-line",
                NoticeKind.RESTRICTION: "notice-restriction-line",
            }[kind]
            lines = "\n".join(
                texts.get(
                    key,
                    account=account,
                    amount=money(figures.get("amount", "0")),
                    as_of=self._day(figures["as_of"]) if "as_of" in figures else "",
                    due=self._day(figures["due_date"]) if "due_date" in figures else "",
                    date=self._day(figures["planned_date"]) if "planned_date" in figures else "",
                )
                for account, figures in accounts
            )
            body = texts.get(f"notice-{kind.value.replace('_', '-')}", lines=lines)
        elif kind in (
            NoticeKind.PLANNED_OUTAGE,
            NoticeKind.OUTAGE_EVENING,
            NoticeKind.EMERGENCY_OUTAGE,
            NoticeKind.POWER_RESTORED,
            NoticeKind.OUTAGE_CANCELLED,
        ):
            body = texts.get(
                f"notice-{kind.value.replace('_', '-')}",
                settlement=str(params.get("settlement", "")),
                street=str(params.get("street", "")),
                houses=str(params.get("houses", "")) or NONE,
                starts=self._local(params["starts_at"]) if "starts_at" in params else "",
                ends=self._local(params["ends_at"]) if "ends_at" in params else "",
                reason=str(params.get("reason", "")) or NONE,
            )
        elif kind is NoticeKind.TARIFF:
            body = texts.get(
                "notice-tariff",
                text=str(params.get("text", "")),
                effective=self._day(str(params["effective"])),
            )
        elif kind is NoticeKind.READINGS_REMINDER:
            body = texts.get(
                "notice-readings-reminder",
                start=int(params.get("start", 1)),
                end=int(params.get("end", 25)),
            )
        else:
            body = texts.get(
                "notice-message",
                topic=texts.get(f"settings-topic-{notice.topic.value}"),
                text=str(params.get("text", "")),
            )
        return f"{body}\n\n{texts.get('notice-footer')}"


def _outage_params(line: OutageLine) -> dict[str, Any]:
    return {
        "settlement": line.settlement,
        "street": line.street,
        "houses": str(line.houses),
        "starts_at": line.starts_at.isoformat(),
        "ends_at": line.ends_at.isoformat(),
        "reason": line.reason,
        "kind": line.kind.value,
    }


def _duration(seconds: float) -> str:
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class NoticeTexts:
    """Reports and import results for staff: the same words in the chat (HTML) and in a
    terminal (`plain`)."""

    def __init__(self, texts: Texts, zone: ZoneInfo, *, plain: bool = False) -> None:
        self._texts = texts
        self._zone = zone
        self._plain = plain

    def _get(self, key: str, **args: Any) -> str:
        if self._plain:  # a terminal: the chat's bold and italics go
            return _TAGS.sub("", self._texts.plain(key, **args))
        return self._texts.get(key, **args)

    def _at(self, moment: datetime | None) -> str:
        if moment is None:
            return self._get("notice-report-none")
        return moment.astimezone(self._zone).strftime("%d.%m.%Y %H:%M")

    def kind(self, kind: str) -> str:
        return self._get(f"notice-kind-{kind}")

    def _status(self, report: NoticeReport) -> str:
        """A notice whose every row has an outcome is done, even before the scheduler's
        next run records it."""
        status = report.notice.status
        if status == SENDING and report.counts.pending == 0 and report.counts.total > 0:
            status = DONE
        return self._get(f"notice-status-{status}")

    def report(self, report: NoticeReport) -> str:
        notice, counts = report.notice, report.counts
        started = notice.queued_at or notice.send_at
        duration = (
            _duration((counts.last_sent - counts.first_sent).total_seconds())
            if counts.first_sent is not None and counts.last_sent is not None
            else NONE
        )
        text = self._get(
            "notice-report",
            id=notice.id,
            kind=self.kind(notice.kind),
            status=self._status(report),
            created=self._at(notice.created_at),
            source=notice.source or NONE,
            send_at=self._at(started if notice.status != SCHEDULED else notice.send_at),
            planned=counts.total or notice.planned,
            sent=counts.sent,
            blocked=counts.blocked,
            failed=counts.failed,
            pending=counts.pending,
            dropped=counts.dropped,
            first=self._at(counts.first_sent),
            last=self._at(counts.last_sent),
            duration=duration,
        )
        if report.outage is not None:
            text += "\n" + self.outage(report.outage)
        return text

    def short(self, report: NoticeReport) -> str:
        notice, counts = report.notice, report.counts
        return self._get(
            "notice-report-short",
            id=notice.id,
            kind=self.kind(notice.kind),
            status=self._status(report),
            send_at=self._at(notice.send_at),
            planned=counts.total or notice.planned,
            sent=counts.sent,
            pending=counts.pending,
        )

    def outage(self, outage: Outage) -> str:
        return self._get(
            "notice-outage-line",
            id=outage.id,
            kind=self._get(f"notice-outage-kind-{outage.kind}"),
            settlement=outage.settlement,
            street=outage.street,
            houses=outage.houses or NONE,
            starts=self._at(outage.starts_at),
            ends=self._at(outage.ends_at),
            status=self._get(f"notice-outage-status-{outage.status}"),
        )

    def import_result(
        self, result: ImportResult, refused_line: Callable[[RefusedRow], str]
    ) -> str:
        parts = [
            self._get(
                "notice-import-summary",
                accepted=result.accepted,
                refused=len(result.refused),
                people=result.people,
                unreached=result.unreached,
            )
        ]
        if len(result.notices) > _PLANNED_SHOWN:
            groups: dict[NoticeKind, list[Planned]] = {}
            for planned in result.notices:
                groups.setdefault(planned.kind, []).append(planned)
            for kind, group in groups.items():
                ids = [p.id for p in group if p.id is not None]
                parts.append(
                    self._get(
                        "notice-import-planned-group",
                        kind=self.kind(kind.value),
                        count=len(group),
                        first=self._at(min(p.send_at for p in group)),
                        last=self._at(max(p.send_at for p in group)),
                    )
                    + (f" (№ {min(ids)}–{max(ids)})" if ids else "")
                )
        elif result.notices:
            parts.extend(
                self._get(
                    "notice-import-planned", kind=self.kind(p.kind.value), at=self._at(p.send_at)
                )
                + (f" (№ {p.id})" if p.id is not None else "")
                for p in result.notices
            )
        else:
            parts.append(self._get("notice-import-planned-none"))
        parts.extend(refused_line(row) for row in result.refused[:_REFUSED_SHOWN])
        if len(result.refused) > _REFUSED_SHOWN:
            parts.append(
                self._get("import-refused-more", count=len(result.refused) - _REFUSED_SHOWN)
            )
        parts.append(
            self._get("notice-import-dry-run" if result.dry_run else "notice-import-done")
        )
        return "\n".join(parts)


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
