"""Notices end to end in the database: imports, who is told, the schedule, quiet hours,
cancel, "power restored", and the page-by-page fan-out."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.texts import Texts
from domain.clock import FixedClock
from domain.ids import UserId
from domain.notices import parse_quiet_hours
from domain.subscriptions import Topic
from notifier.notice_texts import NoticeTexts
from notifier.notices import NoticeDesk
from services.csv_import import ImportFileError
from services.notice_import import ImportKind
from services.notices import NoticePolicy
from storage.models import (
    AccountLinkRow,
    AccountRow,
    ConsentRow,
    NoticeRecipientRow,
    NoticeRow,
    OutboxRow,
)
from storage.subscriptions import SqlSubscriptionStore
from storage.uow import UnitOfWork

MOSCOW = ZoneInfo("Europe/Moscow")
# The test clock: 2026-11-24 07:00 UTC, 10:00 in Moscow.

ADDRESSES = {
    # account: (settlement, street, house)
    "1000000001": ("Выкса", "ул. Ленина", "3"),
    "1000000002": ("г. Выкса", "Ленина", "7а"),
    "1000000003": ("Выкса", "ул. Ленина", "16"),
    "1000000004": ("Выкса", "ул. Островского", "3"),
    "1000000005": ("Выкса", "улица Ленина", "9"),
    "1000000006": ("Выкса", "ул. Ленина", "11"),
    "1000000007": ("Выкса", "ул. Ленина", "13"),
}


async def _seed(
    sessionmaker: async_sessionmaker[AsyncSession],
    now: datetime,
    links: dict[int, list[str]],
    *,
    consent: dict[int, str] | None = None,
    accounts: dict[str, tuple[str, str, str]] | None = None,
) -> None:
    accounts = accounts or ADDRESSES
    async with sessionmaker() as session:
        await session.execute(
            insert(AccountRow),
            [
                {
                    "number": number,
                    "full_name": "X",
                    "settlement": place[0],
                    "street": place[1],
                    "house": place[2],
                    "flat": "",
                    "category": "household",
                    "imported_at": now,
                }
                for number, place in accounts.items()
            ],
        )
        for user, numbers in links.items():
            await session.execute(
                insert(ConsentRow).values(
                    user_id=user,
                    decision=(consent or {}).get(user, "given"),
                    text_version="v1",
                    decided_at=now - timedelta(days=1),
                )
            )
            for number in numbers:
                await session.execute(
                    insert(AccountLinkRow).values(
                        user_id=user, account_number=number, linked_at=now - timedelta(days=1)
                    )
                )
        await session.commit()


def _desk(
    sessionmaker: async_sessionmaker[AsyncSession],
    texts: Texts,
    clock: FixedClock,
    **policy: Any,
) -> NoticeDesk:
    policy.setdefault("quiet", parse_quiet_hours("21:00-09:00"))
    return NoticeDesk(
        sessionmaker, texts=texts, clock=clock, policy=NoticePolicy(zone=MOSCOW, **policy)
    )


async def _rows(sessionmaker: async_sessionmaker[AsyncSession]) -> list[OutboxRow]:
    async with sessionmaker() as session:
        return list((await session.execute(select(OutboxRow).order_by(OutboxRow.id))).scalars())


async def _set_topic(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    user: int,
    topic: Topic,
    enabled: bool,
) -> None:
    uow = UnitOfWork(sessionmaker, clock=clock)
    await SqlSubscriptionStore(uow).set_topic(UserId(user), topic, enabled, at=clock.now())
    await uow.commit()


OUTAGE_HEADER = "settlement,street,houses,starts_at,ends_at,kind,reason\n"


async def test_an_outage_reaches_exactly_the_subscribers_at_the_address(
    sessionmaker: async_sessionmaker[AsyncSession], texts: Texts, clock: FixedClock
) -> None:
    await _seed(
        sessionmaker,
        clock.now(),
        {
            1: ["1000000001"],  # Ленина 3: told
            2: ["1000000002"],  # Ленина 7а (written "г. Выкса", "Ленина"): told
            3: ["1000000003"],  # Ленина 16: outside 1-15
            4: ["1000000004"],  # another street
            5: ["1000000005"],  # Ленина 9, but turned planned outages off
            6: ["1000000006"],  # Ленина 11, consent withdrawn
            7: ["1000000007"],  # Ленина 13, stopped everything
        },
        consent={6: "withdrawn"},
    )
    await _set_topic(sessionmaker, clock, 5, Topic.PLANNED_OUTAGE, False)
    uow = UnitOfWork(sessionmaker, clock=clock)
    await SqlSubscriptionStore(uow).set_stopped(UserId(7), True, at=clock.now())
    await uow.commit()
    desk = _desk(sessionmaker, texts, clock)
    csv = (
        OUTAGE_HEADER + "Выкса,ул. Ленина,1-15,2026-11-25 09:00,2026-11-25 17:00,planned,ремонт\n"
    )

    dry = await desk.import_file(ImportKind.OUTAGES, csv.encode(), dry_run=True, source="t")
    assert dry.dry_run and dry.people == 2 and dry.accepted == 1
    assert await _rows(sessionmaker) == []

    result = await desk.import_file(ImportKind.OUTAGES, csv.encode(), dry_run=False, source="t")
    rows = await _rows(sessionmaker)
    assert sorted(row.chat_id for row in rows) == [1, 2]
    assert all(row.notice_id == result.notices[0].id for row in rows)
    assert (
        "ул. Ленина" in rows[0].payload["text"] and "25.11.2026 09:00" in rows[0].payload["text"]
    )
    # Tomorrow morning: first notice now; the evening one at 18:00 Moscow today.
    kinds = [(p.kind.value, p.send_at) for p in result.notices]
    assert kinds == [
        ("planned_outage", clock.now()),
        ("outage_evening", datetime(2026, 11, 24, 18, 0, tzinfo=MOSCOW)),
    ]
    # Dispatching again (the next scheduler run) queues nobody twice.
    assert await desk.dispatch() == 0
    assert len(await _rows(sessionmaker)) == 2
    async with sessionmaker() as session:
        recipients = (await session.execute(select(NoticeRecipientRow))).scalars().all()
        assert sorted((r.user_id, r.account_number) for r in recipients) == [
            (1, "1000000001"),
            (2, "1000000002"),
        ]
    report = await desk.report(result.notices[0].id or 0)
    assert report is not None and report.counts.pending == 2 and report.notice.planned == 2
    assert report.notice.status == "sending"
    # The evening one goes when its time comes, to the same two.
    clock.advance(timedelta(hours=8))  # 18:00 Moscow
    assert await desk.dispatch() == 2


async def test_a_planned_outage_waits_for_its_lead_time_and_quiet_hours_hold_it(
    sessionmaker: async_sessionmaker[AsyncSession], texts: Texts, clock: FixedClock
) -> None:
    await _seed(sessionmaker, clock.now(), {1: ["1000000001"]})
    desk = _desk(sessionmaker, texts, clock, outage_days=3)
    csv = OUTAGE_HEADER + "Выкса,Ленина,,2026-12-01 09:00,2026-12-01 12:00,planned,\n"
    result = await desk.import_file(ImportKind.OUTAGES, csv.encode(), dry_run=False, source="t")
    first = result.notices[0]
    assert first.send_at == datetime(2026, 11, 28, 9, 0, tzinfo=MOSCOW)
    assert await _rows(sessionmaker) == []
    clock.set(datetime(2026, 11, 28, 6, 0, tzinfo=MOSCOW))  # quiet hours: still nothing
    assert await desk.dispatch() == 0
    clock.set(datetime(2026, 11, 28, 9, 0, tzinfo=MOSCOW))
    assert await desk.dispatch() == 1


async def test_quiet_hours_move_non_urgent_notices_to_the_morning_but_not_emergencies(
    sessionmaker: async_sessionmaker[AsyncSession], texts: Texts, clock: FixedClock
) -> None:
    await _seed(sessionmaker, clock.now(), {1: ["1000000001"], 2: ["1000000004"]})
    clock.set(datetime(2026, 11, 24, 22, 30, tzinfo=MOSCOW))
    desk = _desk(sessionmaker, texts, clock)
    csv = OUTAGE_HEADER + (
        "Выкса,Ленина,1-15,2026-11-24 22:00,2026-11-25 03:00,emergency,обрыв провода\n"
    )
    await desk.import_file(ImportKind.OUTAGES, csv.encode(), dry_run=False, source="t")
    rows = await _rows(sessionmaker)
    assert [(r.chat_id, r.urgent, r.not_before) for r in rows] == [(1, True, clock.now())]
    tariffs = 'text,effective_date\n"Новый тариф 6,12 ₽/кВт·ч",2027-01-01\n'
    result = await desk.import_file(
        ImportKind.TARIFFS, tariffs.encode(), dry_run=False, source="t"
    )
    morning = datetime(2026, 11, 25, 9, 0, tzinfo=MOSCOW)
    assert result.notices[0].send_at == morning
    assert len(await _rows(sessionmaker)) == 1  # not queued before the morning
    clock.set(morning)
    assert await desk.dispatch() == 2  # both subscribers to tariff news


async def test_quiet_hours_hold_the_rest_of_a_notice_under_way(
    sessionmaker: async_sessionmaker[AsyncSession], texts: Texts, clock: FixedClock
) -> None:
    await _seed(sessionmaker, clock.now(), {1: ["1000000001"], 2: ["1000000004"]})
    clock.set(datetime(2026, 11, 24, 20, 59, tzinfo=MOSCOW))
    desk = _desk(sessionmaker, texts, clock)
    await desk.compose(Topic.TARIFF, "Новые тарифы", created_by=None, source="t")
    assert [r.not_before for r in await _rows(sessionmaker)] == [clock.now()] * 2
    clock.set(datetime(2026, 11, 24, 21, 5, tzinfo=MOSCOW))
    await desk.dispatch()
    morning = datetime(2026, 11, 25, 9, 0, tzinfo=MOSCOW)
    assert [r.not_before for r in await _rows(sessionmaker)] == [morning] * 2


async def test_debts_tell_each_person_their_own_amounts_in_one_message(
    sessionmaker: async_sessionmaker[AsyncSession], texts: Texts, clock: FixedClock
) -> None:
    await _seed(
        sessionmaker,
        clock.now(),
        {1: ["1000000001", "1000000002"], 2: ["1000000003"], 3: ["1000000002"]},
    )
    await _set_topic(sessionmaker, clock, 3, Topic.DEBT, False)
    desk = _desk(sessionmaker, texts, clock, payment_days=3, send_hour=10)
    csv = (
        "account;amount;as_of;due_date\n"
        "1000000001;1 234,50;2026-11-20;10.12.2026\n"
        "1000000002;99.9;2026-11-20;2026-12-10\n"
        "1000000003;10;2026-11-20;2026-12-10\n"
        "1000000009;10;2026-11-20;2026-12-10\n"  # nobody in the bot
        "1000000003;x;2026-11-20;2026-12-10\n"
    )
    dry = await desk.import_file(ImportKind.DEBTS, csv.encode(), dry_run=True, source="t")
    assert (dry.accepted, len(dry.refused), dry.people, dry.unreached) == (4, 1, 2, 1)
    assert dry.refused[0].line == 6
    result = await desk.import_file(ImportKind.DEBTS, csv.encode(), dry_run=False, source="t")
    assert [(p.kind.value, p.send_at) for p in result.notices] == [
        ("debt", clock.now()),
        ("payment_due", datetime(2026, 12, 7, 10, 0, tzinfo=MOSCOW)),
    ]
    rows = {r.chat_id: r.payload["text"] for r in await _rows(sessionmaker)}
    assert sorted(rows) == [1, 2]
    assert "1000000001" in rows[1] and "1\u202f234,50" in rows[1]
    assert "1000000002" in rows[1] and "99,90" in rows[1]
    assert "1000000003" not in rows[1] and "1000000003" in rows[2]
    clock.set(datetime(2026, 12, 7, 10, 0, tzinfo=MOSCOW))
    # Person 3 turned off debts, not payment reminders: they get this one.
    assert await desk.dispatch() == 3


async def test_restriction_warnings_record_when_each_was_sent(
    sessionmaker: async_sessionmaker[AsyncSession], texts: Texts, clock: FixedClock
) -> None:
    await _seed(sessionmaker, clock.now(), {1: ["1000000001"], 2: ["1000000001"]})
    desk = _desk(sessionmaker, texts, clock)
    csv = "account,planned_date,amount\n1000000001,2026-12-15,5000\n"
    result = await desk.import_file(
        ImportKind.RESTRICTIONS, csv.encode(), dry_run=False, source="t"
    )
    notice_id = result.notices[0].id or 0
    async with sessionmaker() as session:
        row = (await session.execute(select(OutboxRow).where(OutboxRow.chat_id == 1))).scalar_one()
        row.status, row.sent_at, row.telegram_message_id = "sent", clock.now(), 77
        await session.commit()
    evidence = [row async for row in desk.evidence(notice_id)]
    assert [(r.user_id, r.account_number, r.status, r.telegram_message_id) for r in evidence] == [
        (1, "1000000001", "sent", 77),
        (2, "1000000001", "pending", None),
    ]
    assert evidence[0].sent_at == clock.now()


async def test_cancel_drops_what_is_pending_and_turning_a_topic_off_drops_it_for_one(
    sessionmaker: async_sessionmaker[AsyncSession], texts: Texts, clock: FixedClock
) -> None:
    await _seed(sessionmaker, clock.now(), {1: ["1000000001"], 2: ["1000000004"], 3: []})
    desk = _desk(sessionmaker, texts, clock)
    notice_id = await desk.compose(
        Topic.CONTRACT, "Новая форма договора", created_by=5, source="t"
    )
    await _set_topic(sessionmaker, clock, 2, Topic.CONTRACT, False)
    statuses = {r.chat_id: r.status for r in await _rows(sessionmaker)}
    assert statuses == {1: "pending", 2: "dropped", 3: "pending"}
    report = await desk.cancel(notice_id)
    assert report is not None and report.notice.status == "cancelled"
    assert (report.counts.pending, report.counts.dropped) == (0, 3)
    assert await desk.cancel(notice_id) is None  # once
    text = NoticeTexts(texts, MOSCOW, plain=True).report(report)
    assert f"№ {notice_id}" in text and "нет чата): 3" in text


async def test_closing_an_outage_tells_those_it_reached_and_calls_off_the_rest(
    sessionmaker: async_sessionmaker[AsyncSession], texts: Texts, clock: FixedClock
) -> None:
    await _seed(sessionmaker, clock.now(), {1: ["1000000001"], 2: ["1000000002"]})
    desk = _desk(sessionmaker, texts, clock)
    csv = OUTAGE_HEADER + "Выкса,Ленина,1-15,2026-11-25 09:00,2026-11-25 17:00,planned,\n"
    result = await desk.import_file(ImportKind.OUTAGES, csv.encode(), dry_run=False, source="t")
    async with sessionmaker() as session:
        row = (await session.execute(select(OutboxRow).where(OutboxRow.chat_id == 1))).scalar_one()
        row.status, row.sent_at = "sent", clock.now()
        await session.commit()
    outages = await desk.outages()
    assert len(outages) == 1
    clock.set(datetime(2026, 11, 25, 12, 0, tzinfo=MOSCOW))  # under way; the evening one unsent
    restored = await desk.close_outage(outages[0].id, by=9)
    assert restored is not None
    assert await desk.close_outage(outages[0].id, by=9) is None
    rows = await _rows(sessionmaker)
    assert [(r.chat_id, r.status) for r in rows if r.notice_id == restored] == [(1, "pending")]
    assert "восстановлено" in next(r.payload["text"] for r in rows if r.notice_id == restored)
    # The first notice's pending row and the evening notice are called off.
    assert [(r.chat_id, r.status) for r in rows if r.notice_id == result.notices[0].id] == [
        (1, "sent"),
        (2, "dropped"),
    ]
    async with sessionmaker() as session:
        evening = await session.get(NoticeRow, result.notices[1].id)
        assert evening is not None and evening.status == "cancelled"
    assert await desk.outages() == []


@pytest.mark.parametrize("page", [1, 2, 3])
async def test_the_fan_out_pages_without_losing_or_splitting_anyone(
    sessionmaker: async_sessionmaker[AsyncSession], texts: Texts, clock: FixedClock, page: int
) -> None:
    accounts = {f"10000001{i:02d}": ("Выкса", "Ленина", str(i)) for i in range(1, 12)}
    links = {
        1: ["1000000101", "1000000102", "1000000103"],
        2: ["1000000104"],
        3: ["1000000105", "1000000106"],
        4: ["1000000107"],
        5: ["1000000108", "1000000109", "1000000110", "1000000111"],
    }
    await _seed(sessionmaker, clock.now(), links, accounts=accounts)
    desk = _desk(sessionmaker, texts, clock, page=page)
    debts = "account,amount,as_of,due_date\n" + "".join(
        f"{number},{i},2026-11-20,2026-11-30\n" for i, number in enumerate(accounts, 1)
    )
    await desk.import_file(ImportKind.DEBTS, debts.encode(), dry_run=False, source="t")
    outage = OUTAGE_HEADER + "Выкса,Ленина,1-11,2026-11-24 12:00,2026-11-24 15:00,emergency,\n"
    await desk.import_file(ImportKind.OUTAGES, outage.encode(), dry_run=False, source="t")
    rows = await _rows(sessionmaker)
    by_notice: dict[int | None, dict[int, str]] = {}
    for row in rows:
        by_notice.setdefault(row.notice_id, {})[row.chat_id] = row.payload["text"]
    assert len(by_notice) == 2
    for texts_of in by_notice.values():
        assert sorted(texts_of) == [1, 2, 3, 4, 5]
    debt = next(iter(by_notice.values()))
    for user, numbers in links.items():
        assert all(number in debt[user] for number in numbers)
    await desk.compose(Topic.TARIFF, "x", created_by=None, source="t")
    assert len(await _rows(sessionmaker)) == 15


async def test_a_bad_file_is_refused_whole(
    sessionmaker: async_sessionmaker[AsyncSession], texts: Texts, clock: FixedClock
) -> None:
    desk = _desk(sessionmaker, texts, clock)
    with pytest.raises(ImportFileError):
        await desk.import_file(ImportKind.DEBTS, b"account,sum\n1,2\n", dry_run=False, source="t")
    async with sessionmaker() as session:
        assert (await session.execute(select(NoticeRow))).first() is None


async def test_a_planned_outage_closed_before_it_begins_is_called_off(
    sessionmaker: async_sessionmaker[AsyncSession], texts: Texts, clock: FixedClock
) -> None:
    await _seed(sessionmaker, clock.now(), {1: ["1000000001"]})
    desk = _desk(sessionmaker, texts, clock)
    csv = OUTAGE_HEADER + "Выкса,Ленина,,2026-11-25 09:00,2026-11-25 17:00,planned,\n"
    await desk.import_file(ImportKind.OUTAGES, csv.encode(), dry_run=False, source="t")
    async with sessionmaker() as session:
        row = (await session.execute(select(OutboxRow))).scalar_one()
        row.status, row.sent_at = "sent", clock.now()
        await session.commit()
    outage = (await desk.outages())[0]
    notice_id = await desk.close_outage(outage.id, by=None)
    report = await desk.report(notice_id or 0)
    assert report is not None and report.notice.kind == "outage_cancelled"
    assert report.outage is not None and report.outage.status == "cancelled"
    text = next(r.payload["text"] for r in await _rows(sessionmaker) if r.notice_id == notice_id)
    assert "отменено" in text and "25.11.2026 09:00" in text


async def test_the_scheduled_jobs_queue_due_notices_and_the_monthly_readings_reminder_once(
    sessionmaker: async_sessionmaker[AsyncSession], texts: Texts, clock: FixedClock
) -> None:
    from bot.runner import notice_jobs
    from bot.settings import Settings
    from notifier.notices import (
        NOTICE_JOB,
        READINGS_JOB,
        run_notice_dispatch,
        run_readings_reminder,
    )
    from notifier.scheduler import JobContext, clear_job_context, set_job_context

    await _seed(sessionmaker, clock.now(), {1: ["1000000001"], 2: ["1000000004"]})
    await _set_topic(sessionmaker, clock, 2, Topic.READINGS_REMINDER, False)
    desk = _desk(sessionmaker, texts, clock, payment_days=3)
    debts = "account,amount,as_of,due_date\n1000000001,100,2026-11-20,2026-12-10\n"
    await desk.import_file(ImportKind.DEBTS, debts.encode(), dry_run=False, source="t")
    set_job_context(
        JobContext(
            sessionmaker=sessionmaker,
            clock=clock,
            link_policy=None,  # type: ignore[arg-type]
            zone=MOSCOW,
            extra={"notice_desk": desk, "readings_start_day": 15, "readings_end_day": 25},
        )
    )
    try:
        clock.set(datetime(2026, 12, 7, 10, 0, tzinfo=MOSCOW))
        await run_notice_dispatch()  # the payment-due reminder fell due
        texts_sent = [r.payload["text"] for r in await _rows(sessionmaker)]
        assert len(texts_sent) == 2 and "срок оплаты 10.12.2026" in texts_sent[1]
        clock.set(datetime(2026, 12, 15, 10, 0, tzinfo=MOSCOW))
        await run_readings_reminder()
        await run_readings_reminder()  # a second run the same month sends nothing
        rows = await _rows(sessionmaker)
        assert [r.chat_id for r in rows[2:]] == [1]
        assert "с 15 по 25" in rows[2].payload["text"]
    finally:
        clear_job_context()
    specs = {spec.id: spec for spec in notice_jobs(Settings(_env_file=None))}
    assert specs["notice-dispatch"].func == NOTICE_JOB
    assert specs["notice-dispatch"].trigger_kwargs == {"seconds": 60}
    assert specs["readings-reminder"].func == READINGS_JOB
    assert specs["readings-reminder"].trigger_kwargs == {"day": 15, "hour": 10, "minute": 0}


async def test_a_finished_notice_reports_to_the_staff_chat_once(
    sessionmaker: async_sessionmaker[AsyncSession], texts: Texts, clock: FixedClock
) -> None:
    await _seed(sessionmaker, clock.now(), {1: ["1000000001"], 2: ["1000000004"]})
    desk = NoticeDesk(
        sessionmaker,
        texts=texts,
        clock=clock,
        policy=NoticePolicy(zone=MOSCOW),
        staff_chat_id=-1001,
    )
    notice_id = await desk.compose(Topic.TARIFF, "Новые тарифы", created_by=None, source="t")
    await desk.dispatch()
    assert [r.chat_id for r in await _rows(sessionmaker)] == [1, 2]  # not finished yet
    async with sessionmaker() as session:
        for row in (await session.execute(select(OutboxRow))).scalars():
            row.status, row.sent_at = (
                ("sent", clock.now()) if row.chat_id == 1 else ("blocked", None)
            )
        await session.commit()
    await desk.dispatch()
    await desk.dispatch()
    staff = [r.payload["text"] for r in await _rows(sessionmaker) if r.chat_id == -1001]
    assert len(staff) == 1
    assert "Рассылка завершена" in staff[0] and f"№ {notice_id}" in staff[0]
    assert "Доставлено: 1 · заблокировали бота: 1" in staff[0]
    report = await desk.report(notice_id)
    assert report is not None and report.notice.status == "done"


async def test_the_sender_is_woken_as_soon_as_the_first_recipients_are_committed(
    sessionmaker: async_sessionmaker[AsyncSession], texts: Texts, clock: FixedClock
) -> None:
    """A notice to many people wakes the sender after each part it commits (100 people), so
    the first sends do not wait for the page (or the whole notice) to be queued."""
    people = 250
    async with sessionmaker() as session:
        await session.execute(
            insert(ConsentRow),
            [
                {
                    "user_id": 9_000 + i,
                    "decision": "given",
                    "text_version": "v1",
                    "decided_at": clock.now() - timedelta(days=1),
                }
                for i in range(people)
            ],
        )
        await session.commit()
    desk = _desk(sessionmaker, texts, clock, quiet=None)  # one page of 1 000
    wakes: list[int] = []

    async def queued() -> None:
        wakes.append(len(await _rows(sessionmaker)))

    pending: set[asyncio.Task[None]] = set()

    def wake() -> None:  # counts the rows committed when the sender is woken
        task = asyncio.ensure_future(queued())
        pending.add(task)

    desk.wake = wake
    await desk.compose(Topic.TARIFF, "x", created_by=None, source="t")
    await asyncio.gather(*pending)
    assert len(await _rows(sessionmaker)) == people
    # A wake per part of 100 committed (then the dispatch's own at the end), the first
    # while most of the page was still to be queued.
    assert len(wakes) >= 3
    assert min(wakes) < people
