"""The web desk's registry over a large table (issue 17, acceptance 3: ≤ 300 ms for any
filter): generates N appeals (default 100 000; bench/reports.py's generator, with varied
Russian names and texts and executors in four departments), then times page 1 with its
counts for each filter combination and sort order, through storage/registry.py, the
median of a few runs. Prints wall and CPU milliseconds and the load average.

    .venv/bin/python bench/web_registry.py                  # SQLite file in a temp dir
    .venv/bin/python bench/web_registry.py --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/bench

The PostgreSQL database is emptied of appeals first: never point it at a real one.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import delete, insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.reports import COLUMNS, appeals, fill_postgres, fill_sqlite
from domain.appeal_model import AppealKind, AppealStatus, ServiceForm, Subject
from domain.clock import FixedClock
from domain.registry import RegistryFilter, RegistryScope, RegistrySort, day_bounds, week_end
from storage.engine import create_engine, create_sessionmaker, is_sqlite
from storage.migrate import upgrade
from storage.models import DepartmentRow, StaffMemberRow
from storage.registry import SqlRegistry
from storage.uow import UnitOfWork

ZONE = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 12, 20, 9, 0, tzinfo=UTC)
RUNS = 5
DEPARTMENTS = 4
EXECUTORS = 20  # user ids 1000..1019, five per department
SURNAMES = [
    "Иванов",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Васильев",
    "Петров",
    "Соколов",
    "Михайлов",
    "Новиков",
    "Фёдоров",
    "Морозов",
    "Волков",
    "Алексеев",
    "Лебедев",
    "Семёнов",
    "Егоров",
    "Павлов",
    "Козлов",
    "Степанов",
    "Николаев",
]
GIVEN = [
    "Анна",
    "Мария",
    "Ольга",
    "Елена",
    "Иван",
    "Пётр",
    "Сергей",
    "Алексей",
    "Дмитрий",
    "Наталья",
]
WORDS = [
    "нет",
    "света",
    "напряжение",
    "скачет",
    "счётчик",
    "показания",
    "договор",
    "подключение",
    "опора",
    "провод",
    "улица",
    "дом",
    "квартира",
    "посёлок",
    "трансформатор",
    "авария",
    "заявка",
    "срок",
    "оплата",
    "квитанция",
    "перерасчёт",
    "задолженность",
    "отключение",
    "восстановление",
    "линия",
    "столб",
    "гараж",
    "участок",
]
STREETS = ["Ленина", "Мира", "Гагарина", "Садовая", "Лесная", "Школьная", "Советская", "Пушкина"]


def rows(n: int) -> Iterator[tuple[Any, ...]]:
    """bench/reports.py's appeals with a person's name, a text of a dozen words and, for
    four in five, an executor."""
    rng = random.Random(17)
    name_at, text_at = COLUMNS.index("full_name"), COLUMNS.index("text")
    for row in appeals(n, seed=17):
        values = list(row)
        values[name_at] = f"{rng.choice(SURNAMES)} {rng.choice(GIVEN)}"
        words = rng.choices(WORDS, k=12)
        values[text_at] = " ".join(words) + f" ул. {rng.choice(STREETS)} д. {rng.randint(1, 99)}"
        executor = 1000 + rng.randrange(EXECUTORS) if rng.random() < 0.8 else None
        yield (*values, executor)


async def staff(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(delete(StaffMemberRow))
        await connection.execute(delete(DepartmentRow))
        await connection.execute(
            insert(DepartmentRow),
            [{"id": d + 1, "name": f"Отдел {d + 1}"} for d in range(DEPARTMENTS)],
        )
        await connection.execute(
            insert(StaffMemberRow),
            [
                {
                    "user_id": 1000 + e,
                    "role": "specialist",
                    "full_name": f"Исполнитель {e}",
                    "department_id": e % DEPARTMENTS + 1,
                    "updated_at": NOW,
                }
                for e in range(EXECUTORS)
            ],
        )


def filters() -> list[tuple[str, RegistryFilter, RegistrySort]]:
    march = day_bounds(date(2026, 3, 1), date(2026, 3, 31), ZONE)
    due_april = day_bounds(date(2026, 4, 1), date(2026, 4, 30), ZONE)
    cases: list[tuple[Any, ...]] = [
        ("no filter", RegistryFilter()),
        ("no filter, by due date", RegistryFilter(), RegistrySort.DUE),
        ("no filter, by number", RegistryFilter(), RegistrySort.NUMBER),
        ("no filter, by status", RegistryFilter(), RegistrySort.STATUS),
        (
            "status in progress",
            RegistryFilter(statuses=frozenset({AppealStatus.IN_PROGRESS})),
        ),
        ("status answered", RegistryFilter(statuses=frozenset({AppealStatus.ANSWERED}))),
        ("kind complaint", RegistryFilter(kinds=frozenset({AppealKind.COMPLAINT}))),
        ("subject metering", RegistryFilter(subjects=frozenset({Subject.METERING}))),
        ("form post", RegistryFilter(forms=frozenset({ServiceForm.POST}))),
        ("department 2", RegistryFilter(department_id=2)),
        ("executor 1007", RegistryFilter(executor_id=1007)),
        (
            "received in March",
            RegistryFilter(received_from=march[0], received_until=march[1]),
        ),
        ("due in April", RegistryFilter(due_from=due_april[0], due_until=due_april[1])),
        ("overdue", RegistryFilter(overdue=True)),
        ("overdue, by due date", RegistryFilter(overdue=True), RegistrySort.DUE),
        ("due within 7 days", RegistryFilter(due_within_days=7)),
        ("rating 1", RegistryFilter(rating=1)),
        ("search number", RegistryFilter(search="2026-0050000")),
        ("search surname", RegistryFilter(search="Лебедев")),
        ("search street", RegistryFilter(search="Гагарина")),
        ("search two words", RegistryFilter(search="опора Садовая")),
        ("search nothing found", RegistryFilter(search="нигдеуслово")),
        ("search with short words", RegistryFilter(search="д. 7 Мира")),
        (
            "complaint+post+department 1+March",
            RegistryFilter(
                kinds=frozenset({AppealKind.COMPLAINT}),
                forms=frozenset({ServiceForm.POST}),
                department_id=1,
                received_from=march[0],
                received_until=march[1],
            ),
        ),
        (
            "answered+rating 5+search",
            RegistryFilter(
                statuses=frozenset({AppealStatus.ANSWERED}), rating=5, search="счётчик"
            ),
            RegistrySort.DUE,
        ),
        (
            "overdue+executor+search",
            RegistryFilter(overdue=True, executor_id=1003, search="Ив"),
        ),
    ]
    received = RegistrySort.RECEIVED
    return [(case[0], case[1], case[2] if len(case) > 2 else received) for case in cases]


async def timed(work: Callable[[], Awaitable[int]]) -> tuple[float, float, int]:
    """The median wall and CPU milliseconds of RUNS runs (after one warm-up) and the result."""
    found = await work()
    walls, cpus = [], []
    for _ in range(RUNS):
        started, cpu = time.perf_counter(), time.process_time()
        found = await work()
        walls.append((time.perf_counter() - started) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    return statistics.median(walls), statistics.median(cpus), found


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="appeals to generate")
    parser.add_argument("--database-url", default="", help="default: a SQLite file in /tmp")
    parser.add_argument("--keep", action="store_true", help="reuse the data already there")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="registry-bench-"))
    url = args.database_url or f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    engine = create_engine(url)
    await upgrade(engine)
    if not args.keep:
        started = time.perf_counter()
        columns = (*COLUMNS, "assignee_id")
        if is_sqlite(url):
            database = make_url(url).database
            assert database is not None
            await asyncio.to_thread(fill_sqlite, database, args.n, rows(args.n), columns)
        else:
            await fill_postgres(url, args.n, rows(args.n), columns)
        await staff(engine)
        print(f"generated {args.n} appeals in {time.perf_counter() - started:.1f} s")
    async with engine.connect() as connection:
        count = await connection.scalar(text("SELECT count(*) FROM appeals"))
    print(f"database: {make_url(url).get_backend_name()}, appeals: {count}; load {load()}")
    sessionmaker = create_sessionmaker(engine)
    clock = FixedClock(NOW)
    everything = RegistryScope(everything=True)
    bound = week_end(NOW, ZONE)
    print(f"{'filter (page 1 with counts)':<36} {'wall ms':>8} {'CPU ms':>8} {'found':>7}")
    worst = 0.0
    for label, wanted, sort in filters():

        async def page(wanted: RegistryFilter = wanted, sort: RegistrySort = sort) -> int:
            uow = UnitOfWork(sessionmaker, clock=clock)
            try:
                result = await SqlRegistry(uow).page(
                    wanted, everything, now=NOW, week_end=bound, sort=sort, page=1
                )
            finally:
                await uow.rollback()
            return result.counts.total

        wall, cpu, found = await timed(page)
        worst = max(worst, wall)
        print(f"{label:<36} {wall:8.1f} {cpu:8.1f} {found:7d}", flush=True)
    print(f"worst {worst:.1f} ms (goal 300 ms); load {load()}")
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
