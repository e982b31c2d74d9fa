"""Notices (SPEC §8; regulation §16.3, §18.7) as a use case: imports of the company's files,
one-off messages, the monthly readings reminder, outages closed, notices stopped, reports,
and the drafts staff prepare in the chat.

Everything runs in the caller's unit of work (the update's, or a job's own) and commits
nothing: a notice is written with the decision that made it. Its recipients are queued
after the commit, by a job of its own (the `NoticeQueue` port; notifier/notices.py), since
a notice to 100 000 people is read a page at a time and queued a hundred people a transaction.

Quiet hours: a non-urgent notice whose time falls in them is scheduled for their end;
emergency outages and their "power restored" are urgent and go at once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from domain.clock import Clock
from domain.notice_lifecycle import (
    KIND_TOPIC,
    RUNNING,
    AccountsParams,
    Audience,
    ClosureParams,
    Draft,
    DraftAction,
    DraftStatus,
    MessageParams,
    Notice,
    NoticeAction,
    NoticeReport,
    NoticeStatus,
    Outage,
    OutageAction,
    OutageParams,
    OutageStatus,
    PaymentDueParams,
    QuestionnaireParams,
    ReadingsParams,
    TariffParams,
    apply_to_draft,
    apply_to_outage,
    closing_action,
    sources,
)
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
from services.ports import NoticeDrafts, NoticeQueue, NoticeStore

# A message a person gets is at most this long (Telegram's limit is 4096).
MESSAGE_MAX = 3500
# The kind of a draft staff compose with /notify (the others are an ImportKind's value).
DRAFT_MESSAGE = "message"


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


def one_off_kind(topic: Topic) -> NoticeKind:
    """A message to a topic's subscribers; the contract topic's has a kind of its own."""
    return NoticeKind.CONTRACT if topic is Topic.CONTRACT else NoticeKind.MESSAGE


class NoticeService:
    def __init__(
        self,
        *,
        store: NoticeStore,
        drafts: NoticeDrafts,
        queue: NoticeQueue,
        clock: Clock,
        policy: NoticePolicy,
    ) -> None:
        self._store = store
        self._drafts = drafts
        self._queue = queue
        self._clock = clock
        self._policy = policy

    def _out_of_quiet_hours(self, moment: datetime) -> datetime:
        return out_of_quiet_hours(moment, self._policy.quiet, self._policy.zone)

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
                figures = {
                    "amount": str(line.amount),
                    "as_of": line.as_of.isoformat(),
                    "due_date": line.due_date.isoformat(),
                }
                dues.append(line.due_date)
            else:
                figures = {
                    "amount": str(line.amount),
                    "planned_date": line.planned_date.isoformat(),
                }
            targets.append((line.account, figures))
        first_kind = NoticeKind.DEBT if kind is ImportKind.DEBTS else NoticeKind.RESTRICTION
        first_at = self._out_of_quiet_hours(now)
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
                kind, len(lines), tuple(refused), tuple(plans), people, unreached, dry_run
            )
        store = self._store
        first_id = await store.add_notice(
            kind=first_kind,
            topic=KIND_TOPIC[first_kind],
            audience=Audience.ACCOUNTS,
            urgent=False,
            params=AccountsParams(),
            send_at=first_at,
            source=source,
            created_by=created_by,
            created_at=now,
        )
        await store.add_targets(first_id, targets)
        created = [Planned(first_kind, first_at, first_id)]
        for due, at in reminders.items():
            notice_id = await store.add_notice(
                kind=NoticeKind.PAYMENT_DUE,
                topic=Topic.PAYMENT_DUE,
                audience=Audience.ACCOUNTS,
                urgent=False,
                params=PaymentDueParams(due),
                send_at=at,
                source=source,
                created_by=created_by,
                created_at=now,
            )
            await store.add_targets(
                notice_id, [t for t in targets if t[1].get("due_date") == due.isoformat()]
            )
            created.append(Planned(NoticeKind.PAYMENT_DUE, at, notice_id))
        self._queue.after_commit()
        return ImportResult(
            kind, len(lines), tuple(refused), tuple(created), people, unreached, False
        )

    async def _reach_accounts(self, accounts: Sequence[str], topic: Topic) -> tuple[int, int]:
        """(distinct people who may be told, accounts with nobody to tell)."""
        people: set[int] = set()
        reached: set[str] = set()
        size = self._policy.page
        for start in range(0, len(accounts), size):
            for user, account in await self._store.linked(accounts[start : start + size], topic):
                people.add(user)
                reached.add(account)
        return len(people), len(set(accounts) - reached)

    async def _reach_address(self, params: OutageParams, topic: Topic) -> set[int]:
        """The people on the outage's street and houses who may be told of `topic`."""
        key = place_key(params.settlement, params.street)
        houses = parse_houses(params.houses)
        people: set[int] = set()
        after: tuple[int, str] = (0, "")
        size = self._policy.page
        while True:
            rows = await self._store.address_page(topic, key, after=after, size=size)
            people.update(user for user, _, _, _, house in rows if houses.contains(house))
            if len(rows) < size:
                return people
            after = (rows[-1][0], rows[-1][1])

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
                people |= await self._reach_address(_outage_params(line), KIND_TOPIC[sends[0][0]])
            plans.extend(Planned(kind, at) for kind, at in sends)
        if dry_run:
            return ImportResult(
                ImportKind.OUTAGES, len(lines), tuple(refused), tuple(plans), len(people), 0, True
            )
        created: list[Planned] = []
        for line, sends in schedule:
            outage_id = await self._store.add_outage(
                kind=line.kind,
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
                notice_id = await self._store.add_notice(
                    kind=kind,
                    topic=KIND_TOPIC[kind],
                    audience=Audience.ADDRESS,
                    urgent=kind is NoticeKind.EMERGENCY_OUTAGE,
                    params=_outage_params(line),
                    outage_id=outage_id,
                    send_at=at,
                    source=source,
                    created_by=created_by,
                    created_at=now,
                )
                created.append(Planned(kind, at, notice_id))
        self._queue.after_commit()
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
        at = self._out_of_quiet_hours(now)
        people = await self.audience_size(Topic.TARIFF) if lines else 0
        if dry_run:
            plans = tuple(Planned(NoticeKind.TARIFF, at) for _ in lines)
            return ImportResult(
                ImportKind.TARIFFS, len(lines), tuple(refused), plans, people, 0, True
            )
        created: list[Planned] = []
        for line in lines:
            notice_id = await self._store.add_notice(
                kind=NoticeKind.TARIFF,
                topic=Topic.TARIFF,
                audience=Audience.TOPIC,
                urgent=False,
                params=TariffParams(line.text, line.effective),
                send_at=at,
                source=source,
                created_by=created_by,
                created_at=now,
            )
            created.append(Planned(NoticeKind.TARIFF, at, notice_id))
        self._queue.after_commit()
        return ImportResult(
            ImportKind.TARIFFS, len(lines), tuple(refused), tuple(created), people, 0, False
        )

    # -- one-off notices --------------------------------------------------------------------

    async def audience_size(self, topic: Topic) -> int:
        """How many people may be told of `topic` now."""
        count, after = 0, 0
        while users := await self._store.topic_page(topic, after=after, size=self._policy.page):
            count += len(users)
            after = users[-1]
        return count

    def preview(self, topic: Topic, text: str, *, created_by: int | None) -> Notice:
        """The notice `compose` would store, to show it as subscribers will see it."""
        now = self._clock.now()
        return Notice(
            id=0,
            kind=one_off_kind(topic),
            topic=topic,
            audience=Audience.TOPIC,
            urgent=topic is Topic.EMERGENCY_OUTAGE,
            params=MessageParams(text),
            outage_id=None,
            status=NoticeStatus.SCHEDULED,
            send_at=now,
            source="staff",
            created_by=created_by,
            created_at=now,
        )

    async def compose(
        self, topic: Topic, text: str, *, created_by: int | None, source: str
    ) -> int:
        """A one-off notice to everyone subscribed to `topic`, queued now (quiet hours
        apply unless the topic is emergency outages)."""
        now = self._clock.now()
        urgent = topic is Topic.EMERGENCY_OUTAGE
        notice_id = await self._store.add_notice(
            kind=one_off_kind(topic),
            topic=topic,
            audience=Audience.TOPIC,
            urgent=urgent,
            params=MessageParams(text[:MESSAGE_MAX]),
            send_at=now if urgent else self._out_of_quiet_hours(now),
            source=source,
            created_by=created_by,
            created_at=now,
        )
        self._queue.after_commit()
        return notice_id

    async def compose_questionnaire(
        self, topic: Topic, params: QuestionnaireParams, *, created_by: int | None, source: str
    ) -> int:
        """A questionnaire's first question to everyone subscribed to `topic`
        (services/questionnaires.py): never urgent, so quiet hours always apply."""
        now = self._clock.now()
        notice_id = await self._store.add_notice(
            kind=NoticeKind.QUESTIONNAIRE,
            topic=topic,
            audience=Audience.TOPIC,
            urgent=False,
            params=params,
            send_at=self._out_of_quiet_hours(now),
            source=source,
            created_by=created_by,
            created_at=now,
        )
        self._queue.after_commit()
        return notice_id

    async def readings_reminder(self, *, start_day: int, end_day: int) -> int | None:
        """The monthly "time to send readings" notice (SPEC §5), once a month."""
        now = self._clock.now()
        month = now.astimezone(self._policy.zone).strftime("%Y-%m")
        source = f"readings:{month}"
        if await self._store.exists_source(NoticeKind.READINGS_REMINDER.value, source):
            return None
        notice_id = await self._store.add_notice(
            kind=NoticeKind.READINGS_REMINDER,
            topic=Topic.READINGS_REMINDER,
            audience=Audience.TOPIC,
            urgent=False,
            params=ReadingsParams(month, start_day, end_day),
            send_at=self._out_of_quiet_hours(now),
            source=source,
            created_by=None,
            created_at=now,
        )
        self._queue.after_commit()
        return notice_id

    # -- outages ----------------------------------------------------------------------------

    async def outages(self) -> list[Outage]:
        return await self._store.outages()

    async def close_outage(self, outage_id: int, *, by: int | None) -> int | None:
        """Power is back: the outage's notices still pending are called off and everyone
        its notices reached is told. An outage closed before it began was called off: they
        are told that instead. None if there is no such open outage."""
        now = self._clock.now()
        store = self._store
        outage = await store.outage(outage_id)
        if outage is None or outage.status is not OutageStatus.OPEN:
            return None
        action = closing_action(outage.kind, starts_at=outage.starts_at, now=now)
        if not await store.set_outage_status(
            outage_id, apply_to_outage(outage.status, action), at=now
        ):
            return None
        earlier = await store.of_outage(outage_id)
        for notice in earlier:
            if notice.status in RUNNING:
                await self._stop(notice.id, now)
        urgent = outage.kind is OutageKind.EMERGENCY
        called_off = action is OutageAction.CALL_OFF
        notice_id = await store.add_notice(
            kind=NoticeKind.OUTAGE_CANCELLED if called_off else NoticeKind.POWER_RESTORED,
            topic=Topic.EMERGENCY_OUTAGE if urgent else Topic.PLANNED_OUTAGE,
            audience=Audience.TOLD,
            urgent=urgent,
            params=ClosureParams(
                settlement=outage.settlement,
                street=outage.street,
                houses=outage.houses,
                starts_at=outage.starts_at,
                ends_at=outage.ends_at,
                notices=tuple(n.id for n in earlier),
            ),
            outage_id=outage_id,
            send_at=now if urgent else self._out_of_quiet_hours(now),
            source=f"close:{outage_id}",
            created_by=by,
            created_at=now,
        )
        self._queue.after_commit()
        return notice_id

    # -- reports and stops ------------------------------------------------------------------

    async def report(self, notice_id: int) -> NoticeReport | None:
        notice = await self._store.notice(notice_id)
        if notice is None:
            return None
        outage = None if notice.outage_id is None else await self._store.outage(notice.outage_id)
        return NoticeReport(notice, await self._store.counts(notice_id), outage)

    async def recent(self, limit: int = 10) -> list[NoticeReport]:
        notices = await self._store.recent(limit=limit)
        return [NoticeReport(n, await self._store.counts(n.id)) for n in notices]

    async def _stop(self, notice_id: int, now: datetime) -> bool:
        """Cancelled if still running, with what it has pending dropped."""
        if not await self._store.set_status(
            notice_id,
            NoticeStatus.CANCELLED,
            expect=sources(NoticeAction.CANCEL),
            cancelled_at=now,
        ):
            return False
        await self._store.drop_pending(notice_id)
        return True

    async def cancel(self, notice_id: int) -> NoticeReport | None:
        """Stop a notice: not yet queued, it never goes; under way, what is still pending is
        dropped (a message the sender already took may still go). None if it is unknown or
        already finished."""
        if not await self._stop(notice_id, self._clock.now()):
            return None
        return await self.report(notice_id)

    # -- drafts staff prepare in the chat ---------------------------------------------------

    async def add_draft(
        self, *, kind: str, topic: str, file_name: str, content: str, created_by: int
    ) -> int:
        return await self._drafts.add_draft(
            kind=kind,
            topic=topic,
            file_name=file_name,
            content=content,
            created_by=created_by,
            created_at=self._clock.now(),
        )

    async def draft(self, draft_id: int) -> Draft | None:
        return await self._drafts.draft(draft_id)

    async def decide_draft(self, draft: Draft, action: DraftAction) -> bool:
        """Confirmed or cancelled, once: False if it was decided before (a second press, even
        a concurrent one)."""
        if draft.status is not DraftStatus.DRAFT:
            return False
        status = apply_to_draft(draft.status, action)
        return await self._drafts.decide_draft(draft.id, status, at=self._clock.now())


def _outage_params(line: OutageLine) -> OutageParams:
    return OutageParams(
        settlement=line.settlement,
        street=line.street,
        houses=str(line.houses),
        starts_at=line.starts_at,
        ends_at=line.ends_at,
        reason=line.reason,
        kind=line.kind,
    )
