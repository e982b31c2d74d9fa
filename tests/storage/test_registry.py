"""The web registry's query (storage/registry.py) on SQLite and PostgreSQL: each filter, the
search (trigram indexes; words under three characters left out), the sort orders, paging,
the counts, the viewer's scope and the export. The registry is tests/registry_data.py's:
the expected rows are read off the table in its docstring."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.texts import Texts
from domain.appeal_model import AppealKind, AppealStatus, ServiceForm, Subject
from domain.clock import FixedClock
from domain.registry import (
    RegistryFilter,
    RegistryScope,
    RegistrySort,
    day_bounds,
    registry_scope,
    search_words,
    week_end,
)
from domain.staff import StaffMember, StaffRole
from notifier.registry_export import (
    REGISTRY_HEADER,
    RegistryRow,
    filtered_registry_rows,
    registry_csv_stream,
    write_registry_xlsx,
)
from storage.models import AppealRow
from storage.registry import SqlRegistry
from storage.uow import UnitOfWork
from tests.registry_data import MOSCOW, NOW, appeal, at, fill

ALL = RegistryScope(everything=True)


@pytest.fixture
async def filled(engine: AsyncEngine) -> None:
    await fill(engine)


async def _numbers(
    sessionmaker: async_sessionmaker[AsyncSession],
    wanted: RegistryFilter,
    *,
    sort: RegistrySort = RegistrySort.NUMBER,
    scope: RegistryScope = ALL,
) -> list[int]:
    uow = UnitOfWork(sessionmaker, clock=FixedClock(NOW))
    try:
        page = await SqlRegistry(uow).page(
            wanted, scope, now=NOW, week_end=week_end(NOW, MOSCOW), sort=sort, page=1
        )
    finally:
        await uow.rollback()
    return [int(entry.number[-7:]) for entry in page.entries]


@pytest.mark.usefixtures("filled")
@pytest.mark.parametrize(
    ("wanted", "expected"),
    [
        (RegistryFilter(), [4, 3, 2, 1]),
        (RegistryFilter(statuses=frozenset({AppealStatus.ANSWERED})), [3]),
        (RegistryFilter(kinds=frozenset({AppealKind.COMPLAINT})), [4, 1]),
        (RegistryFilter(subjects=frozenset({Subject.METERING, Subject.POWER_QUALITY})), [3, 1]),
        (RegistryFilter(forms=frozenset({ServiceForm.PHONE})), [2]),
        (RegistryFilter(department_id=1), [4, 1]),
        (RegistryFilter(department_id=2), [3]),
        (RegistryFilter(executor_id=102), [3]),
        (RegistryFilter(rating=5), [3]),
        (RegistryFilter(rating=4), []),
        (RegistryFilter(overdue=True), [1]),
        (RegistryFilter(due_within_days=3), [2]),
        (RegistryFilter(due_within_days=30), [4, 2]),
        (
            RegistryFilter(kinds=frozenset({AppealKind.COMPLAINT}), department_id=1, overdue=True),
            [1],
        ),
    ],
)
async def test_each_filter_keeps_only_its_appeals(
    sessionmaker: async_sessionmaker[AsyncSession], wanted: RegistryFilter, expected: list[int]
) -> None:
    assert await _numbers(sessionmaker, wanted) == expected


@pytest.mark.usefixtures("filled")
async def test_date_ranges_are_whole_company_days(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    received_from, received_until = day_bounds(date(2026, 11, 1), date(2026, 11, 30), MOSCOW)
    november = RegistryFilter(received_from=received_from, received_until=received_until)
    assert await _numbers(sessionmaker, november) == [2, 1]
    due_from, _ = day_bounds(date(2026, 12, 5), None, MOSCOW)
    assert await _numbers(sessionmaker, RegistryFilter(due_from=due_from)) == [4, 2]
    _, until = day_bounds(None, date(2026, 12, 1), MOSCOW)
    assert await _numbers(sessionmaker, RegistryFilter(due_until=until)) == [3, 1]


@pytest.mark.usefixtures("filled")
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ленина", [1]),  # Cyrillic, any case, inside the text
        ("ИВАНОВА", [1]),  # the name
        ("0000003", [3]),  # the number
        ("петров   подключить", [2]),  # every word, in different columns
        ("петров ленина", []),
        ("счётчик", [3]),
        ("50%", [4]),  # LIKE's wildcards are plain characters
        ("_of", [4]),
        ("Пё", [4, 3, 2, 1]),  # shorter than a trigram: not searched
        ("Пё дом", [2]),
        ('ab"c', []),  # FTS5 syntax does not get through
        ("NOT AND", []),  # FTS5 operators are words like any other
    ],
)
async def test_search_finds_number_name_and_text(
    sessionmaker: async_sessionmaker[AsyncSession], query: str, expected: list[int]
) -> None:
    assert await _numbers(sessionmaker, RegistryFilter(search=query)) == expected


@pytest.mark.usefixtures("filled")
async def test_search_follows_an_erased_name(
    engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            update(AppealRow).where(AppealRow.sequence == 1).values(full_name="", text="")
        )
    assert await _numbers(sessionmaker, RegistryFilter(search="Иванова")) == []
    assert await _numbers(sessionmaker, RegistryFilter(search="ленина")) == []
    assert await _numbers(sessionmaker, RegistryFilter(search="0000001")) == [1]


@pytest.mark.usefixtures("filled")
@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        (RegistrySort.RECEIVED, [4, 2, 1, 3]),
        (RegistrySort.DUE, [3, 1, 2, 4]),
        (RegistrySort.NUMBER, [4, 3, 2, 1]),
        (RegistrySort.STATUS, [3, 4, 1, 2]),
    ],
)
async def test_sort_orders(
    sessionmaker: async_sessionmaker[AsyncSession], sort: RegistrySort, expected: list[int]
) -> None:
    assert await _numbers(sessionmaker, RegistryFilter(), sort=sort) == expected


@pytest.mark.usefixtures("filled")
async def test_counts_are_of_the_filter_in_force(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    uow = UnitOfWork(sessionmaker, clock=FixedClock(NOW))
    try:
        registry = SqlRegistry(uow)
        everything = await registry.counts(
            RegistryFilter(), ALL, now=NOW, week_end=week_end(NOW, MOSCOW)
        )
        complaints = await registry.counts(
            RegistryFilter(kinds=frozenset({AppealKind.COMPLAINT})),
            ALL,
            now=NOW,
            week_end=week_end(NOW, MOSCOW),
        )
    finally:
        await uow.rollback()
    assert (everything.total, everything.open, everything.overdue, everything.due_this_week) == (
        4,
        3,
        1,
        1,
    )
    assert (complaints.total, complaints.open, complaints.overdue, complaints.due_this_week) == (
        2,
        2,
        1,
        0,
    )


@pytest.mark.usefixtures("filled")
async def test_entries_carry_the_executor_and_no_personal_data(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    uow = UnitOfWork(sessionmaker, clock=FixedClock(NOW))
    try:
        page = await SqlRegistry(uow).page(
            RegistryFilter(executor_id=101),
            ALL,
            now=NOW,
            week_end=week_end(NOW, MOSCOW),
            sort=RegistrySort.NUMBER,
            page=1,
        )
    finally:
        await uow.rollback()
    first = page.entries[0]
    assert (first.number, first.executor_name) == ("2026-0000004", "Орлова Анна")
    assert not hasattr(first, "contact") and not hasattr(first, "full_name")


async def test_pages_of_fifty(
    engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            insert(AppealRow),
            [appeal(n, received_at=at(1) + timedelta(minutes=n)) for n in range(1, 121)],
        )
    uow = UnitOfWork(sessionmaker, clock=FixedClock(NOW))
    try:
        registry = SqlRegistry(uow)
        pages = [
            await registry.page(
                RegistryFilter(),
                ALL,
                now=NOW,
                week_end=week_end(NOW, MOSCOW),
                sort=RegistrySort.RECEIVED,
                page=number,
            )
            for number in (1, 3, 99, 0)
        ]
        streamed = [
            batch
            async for batch in registry.ids(
                RegistryFilter(), ALL, now=NOW, sort=RegistrySort.RECEIVED, batch=50
            )
        ]
    finally:
        await uow.rollback()
    first, third, beyond, before = pages
    assert (len(first.entries), first.page, first.pages, first.counts.total) == (50, 1, 3, 120)
    assert first.entries[0].number == "2026-0000120"
    assert [len(third.entries), third.entries[-1].number] == [20, "2026-0000001"]
    assert (beyond.page, before.page) == (3, 1)
    assert [len(batch) for batch in streamed] == [50, 50, 20]


@pytest.mark.usefixtures("filled")
async def test_the_scope_is_in_the_query(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    nobody = RegistryScope(everything=False)
    assert await _numbers(sessionmaker, RegistryFilter(), scope=nobody) == []
    # As in the staff chat, where every member sees every card: a specialist sees them all.
    specialist = registry_scope(StaffMember(user_id=7, role=StaffRole.SPECIALIST))
    head = registry_scope(StaffMember(user_id=8, role=StaffRole.HEAD))
    assert await _numbers(sessionmaker, RegistryFilter(), scope=specialist) == [4, 3, 2, 1]
    assert await _numbers(sessionmaker, RegistryFilter(), scope=head) == [4, 3, 2, 1]


def test_search_words_are_cut_and_deduplicated() -> None:
    assert search_words("  Ленина  ленина дом ") == ("Ленина", "дом")
    assert len(search_words(" ".join(f"w{n}" for n in range(20)))) == 8
    assert search_words("x" * 500) == ("x" * 100,)
    wanted = RegistryFilter(search="д. 7 Ленина")
    assert (wanted.words, wanted.short_words) == (("Ленина",), ("д.", "7"))


def test_week_ends_on_the_company_sunday_night() -> None:
    assert week_end(NOW, MOSCOW) == datetime(2026, 12, 7, tzinfo=MOSCOW)
    sunday_late = datetime(2026, 12, 6, 20, 59, tzinfo=UTC)  # 23:59 in Moscow
    assert week_end(sunday_late, MOSCOW) == datetime(2026, 12, 7, tzinfo=MOSCOW)


async def _export_batches(
    sessionmaker: async_sessionmaker[AsyncSession], wanted: RegistryFilter
) -> list[list[RegistryRow]]:
    uow = UnitOfWork(sessionmaker, clock=FixedClock(NOW))
    try:
        return [
            batch
            async for batch in filtered_registry_rows(
                uow, wanted, ALL, now=NOW, sort=RegistrySort.DUE
            )
        ]
    finally:
        await uow.rollback()


@pytest.mark.usefixtures("filled")
async def test_the_export_holds_what_is_filtered_in_its_order(
    sessionmaker: async_sessionmaker[AsyncSession], texts: Texts, tmp_path: Path
) -> None:
    complaints = RegistryFilter(kinds=frozenset({AppealKind.COMPLAINT}))
    batches = await _export_batches(sessionmaker, complaints)

    async def replay() -> AsyncIterator[list[RegistryRow]]:
        for batch in batches:
            yield batch

    parts = [part async for part in registry_csv_stream(replay(), texts, zone=MOSCOW, now=NOW)]
    lines = b"".join(parts).decode("utf-8-sig").splitlines()
    assert lines[0].startswith("number,registered_at")
    assert [line.split(",")[0] for line in lines[1:]] == ["2026-0000001", "2026-0000004"]
    target = tmp_path / "registry.xlsx"
    assert await write_registry_xlsx(replay(), str(target), texts, zone=MOSCOW, now=NOW) == 2
    sheet = openpyxl.load_workbook(target, read_only=True).active
    assert sheet is not None
    values = [row[0] for row in sheet.iter_rows(values_only=True)]
    assert values == ["number", "2026-0000001", "2026-0000004"]


@pytest.mark.usefixtures("filled")
async def test_the_export_of_nothing_is_the_header(
    sessionmaker: async_sessionmaker[AsyncSession], texts: Texts
) -> None:
    batches = await _export_batches(sessionmaker, RegistryFilter(rating=1))
    assert batches == []

    async def nothing() -> AsyncIterator[list[RegistryRow]]:
        for batch in batches:
            yield batch

    parts = [part async for part in registry_csv_stream(nothing(), texts, zone=MOSCOW, now=NOW)]
    assert b"".join(parts).decode("utf-8-sig").splitlines() == [",".join(REGISTRY_HEADER)]


@pytest.mark.usefixtures("filled")
@pytest.mark.parametrize("sort", list(RegistrySort))
async def test_a_dense_filter_reads_the_same_rows(
    sessionmaker: async_sessionmaker[AsyncSession], sort: RegistrySort
) -> None:
    """The sort's index named for a filter that keeps many rows (SQLite) changes the plan,
    never the rows nor their order."""
    uow = UnitOfWork(sessionmaker, clock=FixedClock(NOW))
    try:
        registry = SqlRegistry(uow)
        pages = [
            await registry.entries(
                RegistryFilter(kinds=frozenset({AppealKind.COMPLAINT})),
                ALL,
                now=NOW,
                sort=sort,
                offset=0,
                dense=dense,
            )
            for dense in (False, True)
        ]
    finally:
        await uow.rollback()
    assert pages[0] == pages[1] and len(pages[0]) == 2
