"""The notice use case (services/notices.py) with in-memory ports and a fixed clock: what it
writes, when it asks for the notices to be queued, and the lifecycle rules it applies —
without a database or Telegram (the database side: tests/notifier/test_notices.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from domain.clock import FixedClock
from domain.notice_lifecycle import (
    AccountsParams,
    Audience,
    ClosureParams,
    Counts,
    Draft,
    DraftAction,
    DraftStatus,
    MessageParams,
    Notice,
    NoticeParams,
    NoticeStatus,
    Outage,
    OutageStatus,
    PaymentDueParams,
    ReadingsParams,
)
from domain.notices import NoticeKind, OutageKind, parse_quiet_hours
from domain.subscriptions import Topic
from services.notice_import import ImportKind
from services.notices import NoticePolicy, NoticeService

MOSCOW = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)  # 10:00 in Moscow
NIGHT = datetime(2026, 11, 24, 20, 0, tzinfo=UTC)  # 23:00 in Moscow: quiet
MORNING = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)  # 09:00 in Moscow: quiet hours end


class FakeNoticeStore:
    """NoticeStore and NoticeDrafts in memory; people who may be told are given per topic."""

    def __init__(self) -> None:
        self.notices: dict[int, Notice] = {}
        self.targets: dict[int, list[tuple[str, dict[str, Any]]]] = {}
        self.outages_by_id: dict[int, Outage] = {}
        self.drafts: dict[int, Draft] = {}
        self.dropped: list[int] = []
        self.subscribers: dict[Topic, list[int]] = {}
        self.links: dict[str, int] = {}  # account -> the person linked to it

    async def add_notice(
        self,
        *,
        kind: NoticeKind,
        topic: Topic,
        audience: Audience,
        urgent: bool,
        params: NoticeParams,
        send_at: datetime,
        source: str,
        created_by: int | None,
        created_at: datetime,
        outage_id: int | None = None,
    ) -> int:
        notice_id = len(self.notices) + 1
        self.notices[notice_id] = Notice(
            notice_id,
            kind,
            topic,
            audience,
            urgent,
            params,
            outage_id,
            NoticeStatus.SCHEDULED,
            send_at,
            source,
            created_by,
            created_at,
        )
        return notice_id

    async def add_targets(
        self, notice_id: int, targets: Sequence[tuple[str, dict[str, Any]]]
    ) -> None:
        self.targets.setdefault(notice_id, []).extend(targets)

    async def notice(self, notice_id: int) -> Notice | None:
        return self.notices.get(notice_id)

    async def recent(self, *, limit: int = 10) -> list[Notice]:
        return sorted(self.notices.values(), key=lambda n: -n.id)[:limit]

    async def of_outage(self, outage_id: int) -> list[Notice]:
        return [n for n in self.notices.values() if n.outage_id == outage_id]

    async def set_status(
        self,
        notice_id: int,
        status: NoticeStatus,
        *,
        expect: Sequence[NoticeStatus],
        **values: Any,
    ) -> bool:
        notice = self.notices.get(notice_id)
        if notice is None or notice.status not in expect:
            return False
        self.notices[notice_id] = replace(notice, status=status, **values)
        return True

    async def drop_pending(self, notice_id: int) -> int:
        self.dropped.append(notice_id)
        return 0

    async def counts(self, notice_id: int) -> Counts:
        return Counts()

    async def exists_source(self, kind: str, source: str) -> bool:
        return any(n.kind == kind and n.source == source for n in self.notices.values())

    async def add_outage(
        self,
        *,
        kind: OutageKind,
        settlement: str,
        street: str,
        houses: str,
        starts_at: datetime,
        ends_at: datetime,
        reason: str,
        created_at: datetime,
        created_by: int | None,
    ) -> int:
        outage_id = len(self.outages_by_id) + 1
        self.outages_by_id[outage_id] = Outage(
            outage_id,
            kind,
            settlement,
            street,
            houses,
            starts_at,
            ends_at,
            reason,
            OutageStatus.OPEN,
            created_at,
            None,
        )
        return outage_id

    async def outage(self, outage_id: int) -> Outage | None:
        return self.outages_by_id.get(outage_id)

    async def outages(self) -> list[Outage]:
        return [o for o in self.outages_by_id.values() if o.status is OutageStatus.OPEN]

    async def set_outage_status(
        self, outage_id: int, status: OutageStatus, *, at: datetime
    ) -> bool:
        outage = self.outages_by_id.get(outage_id)
        if outage is None or outage.status is not OutageStatus.OPEN:
            return False
        self.outages_by_id[outage_id] = replace(outage, status=status, closed_at=at)
        return True

    async def topic_page(self, topic: Topic, *, after: int, size: int) -> list[int]:
        return [u for u in sorted(self.subscribers.get(topic, [])) if u > after][:size]

    async def address_page(
        self, topic: Topic, key: str, *, after: tuple[int, str], size: int
    ) -> list[tuple[int, str, str, str, str]]:
        return []

    async def linked(self, accounts: Sequence[str], topic: Topic) -> list[tuple[int, str]]:
        return [(self.links[a], a) for a in accounts if a in self.links]

    async def add_draft(
        self,
        *,
        kind: str,
        topic: str,
        file_name: str,
        content: str,
        created_by: int,
        created_at: datetime,
    ) -> int:
        draft_id = len(self.drafts) + 1
        self.drafts[draft_id] = Draft(
            draft_id, kind, topic, file_name, content, DraftStatus.DRAFT, created_by, created_at
        )
        return draft_id

    async def draft(self, draft_id: int) -> Draft | None:
        return self.drafts.get(draft_id)

    async def decide_draft(self, draft_id: int, status: DraftStatus, *, at: datetime) -> bool:
        draft = self.drafts[draft_id]
        if draft.status is not DraftStatus.DRAFT:
            return False
        self.drafts[draft_id] = replace(draft, status=status)
        return True


class RecordingQueue:
    def __init__(self) -> None:
        self.asked = 0

    def after_commit(self) -> None:
        self.asked += 1


def _service(store: FakeNoticeStore, queue: RecordingQueue, now: datetime = NOW) -> NoticeService:
    return NoticeService(
        store=store,
        drafts=store,
        queue=queue,
        clock=FixedClock(now),
        policy=NoticePolicy(zone=MOSCOW, quiet=parse_quiet_hours("21:00-09:00")),
    )


async def test_a_message_at_night_waits_for_the_morning_and_is_queued_after_the_commit() -> None:
    store, queue = FakeNoticeStore(), RecordingQueue()
    notice_id = await _service(store, queue, NIGHT).compose(
        Topic.TARIFF, "x" * 4000, created_by=5, source="staff"
    )
    notice = store.notices[notice_id]
    assert (notice.kind, notice.audience, notice.urgent) == (
        NoticeKind.MESSAGE,
        Audience.TOPIC,
        False,
    )
    assert notice.send_at == MORNING
    assert notice.params == MessageParams("x" * 3500)  # cut to MESSAGE_MAX
    assert queue.asked == 1


async def test_an_emergency_message_goes_at_once_and_a_contract_one_has_its_own_kind() -> None:
    store, queue = FakeNoticeStore(), RecordingQueue()
    service = _service(store, queue, NIGHT)
    urgent = store.notices[
        await service.compose(Topic.EMERGENCY_OUTAGE, "now", created_by=None, source="t")
    ]
    assert urgent.urgent and urgent.send_at == NIGHT
    contract = store.notices[
        await service.compose(Topic.CONTRACT, "terms", created_by=None, source="t")
    ]
    assert contract.kind is NoticeKind.CONTRACT
    preview = service.preview(Topic.CONTRACT, "terms", created_by=5)
    assert (preview.kind, preview.params) == (NoticeKind.CONTRACT, MessageParams("terms"))


async def test_a_stopped_notice_is_cancelled_once_with_its_pending_rows_dropped() -> None:
    store, queue = FakeNoticeStore(), RecordingQueue()
    service = _service(store, queue)
    notice_id = await service.compose(Topic.TARIFF, "x", created_by=None, source="t")
    report = await service.cancel(notice_id)
    assert report is not None and report.notice.status is NoticeStatus.CANCELLED
    assert report.notice.cancelled_at == NOW and store.dropped == [notice_id]
    assert await service.cancel(notice_id) is None
    assert await service.cancel(999) is None


@pytest.mark.parametrize("status", [NoticeStatus.DONE, NoticeStatus.CANCELLED])
async def test_a_finished_notice_cannot_be_stopped(status: NoticeStatus) -> None:
    store, queue = FakeNoticeStore(), RecordingQueue()
    service = _service(store, queue)
    notice_id = await service.compose(Topic.TARIFF, "x", created_by=None, source="t")
    store.notices[notice_id] = replace(store.notices[notice_id], status=status)
    assert await service.cancel(notice_id) is None
    assert store.dropped == []


async def test_a_planned_outage_closed_before_it_began_is_called_off_and_its_notices_stop() -> (
    None
):
    store, queue = FakeNoticeStore(), RecordingQueue()
    service = _service(store, queue)
    outage_id = await store.add_outage(
        kind=OutageKind.PLANNED,
        settlement="A",
        street="B",
        houses="1-9",
        starts_at=NOW + timedelta(days=2),
        ends_at=NOW + timedelta(days=2, hours=6),
        reason="repair",
        created_at=NOW,
        created_by=None,
    )
    first = await store.add_notice(
        kind=NoticeKind.PLANNED_OUTAGE,
        topic=Topic.PLANNED_OUTAGE,
        audience=Audience.ADDRESS,
        urgent=False,
        params=AccountsParams(),
        send_at=NOW,
        source="t",
        created_by=None,
        created_at=NOW,
        outage_id=outage_id,
    )
    told = await service.close_outage(outage_id, by=7)
    assert told is not None
    assert store.outages_by_id[outage_id].status is OutageStatus.CANCELLED
    assert store.notices[first].status is NoticeStatus.CANCELLED and store.dropped == [first]
    notice = store.notices[told]
    assert (notice.kind, notice.audience, notice.topic) == (
        NoticeKind.OUTAGE_CANCELLED,
        Audience.TOLD,
        Topic.PLANNED_OUTAGE,
    )
    assert isinstance(notice.params, ClosureParams) and notice.params.notices == (first,)
    assert queue.asked == 1
    assert await service.close_outage(outage_id, by=7) is None  # closed once
    assert await service.close_outage(999, by=7) is None


async def test_an_emergency_closed_is_power_restored_told_at_once() -> None:
    store, queue = FakeNoticeStore(), RecordingQueue()
    service = _service(store, queue, NIGHT)
    outage_id = await store.add_outage(
        kind=OutageKind.EMERGENCY,
        settlement="A",
        street="B",
        houses="",
        starts_at=NOW,
        ends_at=NOW + timedelta(hours=20),
        reason="",
        created_at=NOW,
        created_by=None,
    )
    notice = store.notices[await service.close_outage(outage_id, by=None) or 0]
    assert notice.kind is NoticeKind.POWER_RESTORED and notice.urgent
    assert notice.send_at == NIGHT and notice.topic is Topic.EMERGENCY_OUTAGE


async def test_a_debts_file_dry_run_writes_nothing_and_the_real_one_asks_for_queueing() -> None:
    store, queue = FakeNoticeStore(), RecordingQueue()
    store.links = {"1000000001": 11, "1000000002": 12}
    service = _service(store, queue)
    raw = (
        b"account,amount,as_of,due_date\n"
        b"1000000001,1234.50,2026-11-20,2026-12-10\n"
        b"1000000002,99.99,2026-11-20,2026-12-10\n"
        b"1000000003,500,2026-11-20,2026-12-10\n"
    )
    dry = await service.import_file(ImportKind.DEBTS, raw, dry_run=True, source="f")
    assert (dry.accepted, dry.people, dry.unreached, dry.dry_run) == (3, 2, 1, True)
    assert [p.kind for p in dry.notices] == [NoticeKind.DEBT, NoticeKind.PAYMENT_DUE]
    assert store.notices == {} and queue.asked == 0

    result = await service.import_file(ImportKind.DEBTS, raw, dry_run=False, source="f")
    debt, due = (store.notices[p.id or 0] for p in result.notices)
    assert (debt.kind, debt.audience, debt.params) == (
        NoticeKind.DEBT,
        Audience.ACCOUNTS,
        AccountsParams(),
    )
    assert due.params == PaymentDueParams(date(2026, 12, 10))
    assert due.send_at == datetime(2026, 12, 7, 7, 0, tzinfo=UTC)  # 10:00 Moscow, 3 days ahead
    assert [a for a, _ in store.targets[debt.id]] == ["1000000001", "1000000002", "1000000003"]
    assert store.targets[debt.id][0][1] == {
        "amount": "1234.50",
        "as_of": "2026-11-20",
        "due_date": "2026-12-10",
    }
    assert queue.asked == 1


async def test_the_readings_reminder_is_written_once_a_month() -> None:
    store, queue = FakeNoticeStore(), RecordingQueue()
    service = _service(store, queue)
    notice_id = await service.readings_reminder(start_day=15, end_day=25)
    assert notice_id is not None
    assert store.notices[notice_id].params == ReadingsParams("2026-11", 15, 25)
    assert await service.readings_reminder(start_day=15, end_day=25) is None
    assert queue.asked == 1


async def test_the_audience_is_everyone_who_may_be_told_page_by_page() -> None:
    store, queue = FakeNoticeStore(), RecordingQueue()
    store.subscribers[Topic.TARIFF] = list(range(1, 1202))
    assert await _service(store, queue).audience_size(Topic.TARIFF) == 1201
    assert await _service(store, queue).audience_size(Topic.DEBT) == 0


async def test_a_draft_is_decided_once() -> None:
    store, queue = FakeNoticeStore(), RecordingQueue()
    service = _service(store, queue)
    draft_id = await service.add_draft(
        kind="message", topic="tariff", file_name="", content="x", created_by=5
    )
    draft = await service.draft(draft_id)
    assert draft is not None and draft.created_at == NOW
    assert await service.decide_draft(draft, DraftAction.CONFIRM)
    assert store.drafts[draft_id].status is DraftStatus.CONFIRMED
    assert not await service.decide_draft(draft, DraftAction.CANCEL)  # the store refuses
    decided = await service.draft(draft_id)
    assert decided is not None and not await service.decide_draft(decided, DraftAction.CANCEL)
