"""The web desk's registry over a large table (issue 17, acceptance 3: ≤ 300 ms for any
filter): generates N appeals (default 100 000; bench/reports.py's generator, with varied
Russian names and texts and executors in four departments), then times page 1 with its
counts for each filter combination and sort order, through storage/registry.py, and with
--app the whole page through the web desk; the median of a few runs. Prints wall and CPU
milliseconds and the load average.

    .venv/bin/python bench/web_registry.py --app            # SQLite file in a temp dir
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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# bench/reports.py's generator, imported as bench/profile_updates.py imports throughput.py
sys.path.insert(0, str(Path(__file__).resolve().parent))

from reports import COLUMNS, appeals, fill_postgres, fill_sqlite
from sqlalchemy import delete, insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.datastructures import QueryParams

from domain.clock import FixedClock
from domain.registry import RegistryScope, week_end
from storage.engine import create_engine, create_sessionmaker, is_sqlite
from storage.migrate import upgrade
from storage.models import DepartmentRow, StaffMemberRow
from storage.registry import SqlRegistry
from storage.uow import UnitOfWork
from web.routes.registry import RegistryQuery, parse_registry_query

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


# Each case as the registry page's GET parameters (web/routes/registry.py reads them; the
# storage-level run reads them the same way).
CASES: tuple[tuple[str, dict[str, str | list[str]]], ...] = (
    ("no filter", {}),
    ("no filter, by due date", {"sort": "due"}),
    ("no filter, by number", {"sort": "number"}),
    ("no filter, by status", {"sort": "status"}),
    ("status in progress", {"status": "in_progress"}),
    ("status answered", {"status": "answered"}),
    ("kind complaint", {"kind": "complaint"}),
    ("subject metering", {"subject": "metering"}),
    ("form post", {"form": "post"}),
    ("department 2", {"department": "2"}),
    ("executor 1007", {"executor": "1007"}),
    ("received in March", {"received_from": "2026-03-01", "received_to": "2026-03-31"}),
    ("due in April", {"due_from": "2026-04-01", "due_to": "2026-04-30"}),
    ("overdue", {"overdue": "1"}),
    ("overdue, by due date", {"overdue": "1", "sort": "due"}),
    ("due within 7 days", {"due_within": "7"}),
    ("rating 1", {"rating": "1"}),
    ("search number", {"q": "2026-0050000"}),
    ("search surname", {"q": "Лебедев"}),
    ("search street", {"q": "Гагарина"}),
    ("search two words", {"q": "опора Садовая"}),
    ("search nothing found", {"q": "нигдеуслово"}),
    ("search with short words", {"q": "д. 7 Мира"}),
    (
        "complaint+post+department 1+March",
        {
            "kind": "complaint",
            "form": "post",
            "department": "1",
            "received_from": "2026-03-01",
            "received_to": "2026-03-31",
        },
    ),
    (
        "answered+rating 5+search, by due",
        {"status": "answered", "rating": "5", "q": "счётчик", "sort": "due"},
    ),
    ("overdue+executor+search", {"overdue": "1", "executor": "1003", "q": "Иван"}),
    (
        "three statuses+two kinds",
        {
            "status": ["registered", "assigned", "in_progress"],
            "kind": ["complaint", "application"],
        },
    ),
    ("page 100 (offset 4950)", {"page": "100"}),
)


def query_params(params: dict[str, str | list[str]]) -> QueryParams:
    return QueryParams(
        [
            (key, item)
            for key, value in params.items()
            for item in ([value] if isinstance(value, str) else value)
        ]
    )


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
    parser.add_argument("--app", action="store_true", help="also time the page through the app")
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
    for label, params in CASES:
        query = parse_registry_query(query_params(params), ZONE)

        async def page(query: RegistryQuery = query) -> int:
            uow = UnitOfWork(sessionmaker, clock=clock)
            try:
                result = await SqlRegistry(uow).page(
                    query.wanted,
                    everything,
                    now=NOW,
                    week_end=bound,
                    sort=query.sort,
                    page=query.page,
                )
            finally:
                await uow.rollback()
            return result.counts.total

        wall, cpu, found = await timed(page)
        worst = max(worst, wall)
        print(f"{label:<36} {wall:8.1f} {cpu:8.1f} {found:7d}", flush=True)
    print(f"worst {worst:.1f} ms (goal 300 ms); load {load()}")
    await engine.dispose()
    if args.app:
        await through_the_app(url)


async def through_the_app(url: str) -> None:
    """The same cases as whole pages: GET /registry through the desk (FastAPI, the session
    and membership checks, the template), in process over httpx's ASGI transport, logged
    in as a listed admin through a one-time link."""
    import httpx
    from cryptography.fernet import Fernet

    from app.services import Services
    from bot.factory import build_app
    from bot.settings import Settings
    from core.texts import Texts
    from web.app import create_app
    from web.config import WebDeps

    admin = 1
    settings = Settings(
        _env_file=None,
        database_url=url,
        admin_ids=(admin,),
        redis_url=None,
        pd_encryption_key=Fernet.generate_key().decode(),
        files_dir=Path(tempfile.mkdtemp(prefix="registry-bench-files-")),
    )
    clock = FixedClock(NOW)
    app = await build_app(settings, clock=clock, texts=Texts.load())

    async def nobody(user_id: int) -> bool:
        return False  # the admin passes by ADMIN_IDS

    def services(uow: UnitOfWork) -> Services:
        return Services(
            uow,
            clock=app.clock,
            config=app.config,
            content=app.content,
            fsm_storage=app.storage,
            bot_id=0,
        )

    desk = create_app(
        WebDeps(
            sessionmaker=app.sessionmaker,
            clock=clock,
            config=app.config,
            secret="bench",
            membership=nobody,
            services=services,
        )
    )
    uow = UnitOfWork(app.sessionmaker, clock=clock)
    token = await services(uow).web_access.issue_link(admin)
    await uow.commit()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=desk), base_url="http://desk.bench"
    ) as client:
        assert (await client.get(f"/login/{token}")).status_code == 303
        print(f"\n{'registry page through the app':<36} {'wall ms':>8} {'CPU ms':>8} {'bytes':>7}")
        worst = 0.0
        for label, params in CASES:

            async def get(params: dict[str, str | list[str]] = params) -> int:
                response = await client.get("/registry", params=query_params(params))
                assert response.status_code == 200, response.status_code
                return len(response.content)

            wall, cpu, size = await timed(get)
            worst = max(worst, wall)
            print(f"{label:<36} {wall:8.1f} {cpu:8.1f} {size:7d}", flush=True)
    print(f"worst {worst:.1f} ms (goal 300 ms); load {load()}")
    await app.close()


if __name__ == "__main__":
    asyncio.run(main())
