"""The Order 186 reports over a large registry (issue 14): generates N appeals in one year
(default 1 000 000; SQLite: the standard library's executemany in one transaction;
PostgreSQL: COPY), then times the annual report's tables (table 4.1, the indicators and the
figures: the facts grouped in SQL, with the year before and the trend), register 4.9 streamed
through the database alone, and register 4.9 written to XLSX in constant memory; prints the
peak Python memory (tracemalloc) of each and the process's peak RSS.

    .venv/bin/python bench/reports.py                       # SQLite file in a temp dir
    .venv/bin/python bench/reports.py --n 200000
    .venv/bin/python bench/reports.py --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/bench

The PostgreSQL database is emptied of appeals first: never point it at a real one.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import sqlite3
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text
from sqlalchemy.engine import make_url

from core.texts import Texts
from domain.appeal_model import (
    AppealKind,
    RejectionGround,
    ServiceForm,
    subjects_for,
)
from domain.clock import FixedClock
from domain.reports import year
from notifier.report_files import write_xlsx
from services.reports import ReportService
from storage.engine import create_engine, create_sessionmaker, is_sqlite
from storage.migrate import upgrade
from storage.reports import SqlReports
from storage.uow import UnitOfWork

ZONE = ZoneInfo("Europe/Moscow")
YEAR = 2026
T = TypeVar("T")
COLUMNS = (
    "number",
    "year",
    "sequence",
    "kind",
    "subject",
    "form",
    "status",
    "registered_at",
    "received_at",
    "due_at",
    "extended",
    "text",
    "full_name",
    "address",
    "answer_channel",
    "contact",
    "flags",
    "answered_at",
    "first_answered_at",
    "rejection_ground",
    "reopen_count",
    "rating",
    "resolved",
    "survey_comment",
    "measures_taken",
    "measures_planned",
    "contract_concluded",
)


def appeals(n: int, seed: int = 14) -> Iterator[tuple[Any, ...]]:
    """N appeals registered over YEAR, oldest first, with a plausible mix of outcomes."""
    rng = random.Random(seed)
    kinds = list(AppealKind)
    forms = list(ServiceForm)
    grounds = list(RejectionGround)
    start = datetime(YEAR, 1, 1, tzinfo=ZONE).astimezone(UTC)
    span = (datetime(YEAR + 1, 1, 1, tzinfo=ZONE).astimezone(UTC) - start).total_seconds()
    step = span / n
    for i in range(n):
        at = start + timedelta(seconds=i * step)
        kind = rng.choice(kinds)
        subject = rng.choice(subjects_for(kind))
        due = at + timedelta(days=30)
        roll = rng.random()
        answered = None
        status, ground = "answered", None
        if roll < 0.80:
            answered = at + timedelta(days=rng.uniform(0.2, 29))
        elif roll < 0.90:
            answered = at + timedelta(days=rng.uniform(30.5, 50))
        elif roll < 0.94:
            status, ground = "rejected", rng.choice(grounds).value
        elif roll < 0.96:
            status = "forwarded"
        else:
            status = "in_progress"
        rated = answered is not None and rng.random() < 0.3
        yield (
            f"{YEAR}-{i + 1:07d}",
            YEAR,
            i + 1,
            kind.value,
            subject.value,
            rng.choice(forms).value,
            status,
            at,
            at,
            due,
            False,
            "bench appeal",
            "Bench Person",
            "",
            "chat",
            "",
            "[]",
            answered,
            answered,
            ground,
            0,
            rng.randint(1, 5) if rated else None,
            rng.random() < 0.7 if rated else None,
            "",
            "",
            "",
            kind is AppealKind.APPLICATION and rng.random() < 0.3,
        )


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        # As SQLAlchemy writes them: always with microseconds (the bounds compare as text).
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def fill_sqlite(
    path: str,
    n: int,
    rows: Iterable[tuple[Any, ...]] | None = None,
    columns: Sequence[str] = COLUMNS,
) -> None:
    """The appeals table emptied and filled with `rows` (default: `appeals(n)`)."""
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=OFF")
        connection.execute("DELETE FROM appeals")
        placeholders = ", ".join("?" for _ in columns)
        statement = f"INSERT INTO appeals ({', '.join(columns)}) VALUES ({placeholders})"
        connection.executemany(
            statement,
            (tuple(_sqlite_value(v) for v in row) for row in (rows or appeals(n))),
        )
        connection.commit()
        connection.execute("ANALYZE")
    finally:
        connection.close()


async def fill_postgres(
    url: str,
    n: int,
    rows: Iterable[tuple[Any, ...]] | None = None,
    columns: Sequence[str] = COLUMNS,
) -> None:
    """The appeals table emptied and filled with `rows` (default: `appeals(n)`) by COPY."""
    import asyncpg  # type: ignore[import-untyped]

    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(plain)
    try:
        await connection.execute("TRUNCATE appeals CASCADE")
        # The JSON column goes as its text ("[]"), as asyncpg's json codec takes it.
        await connection.copy_records_to_table(
            "appeals", records=rows or appeals(n), columns=list(columns)
        )
        await connection.execute("ANALYZE appeals")
    finally:
        await connection.close()


async def measured(label: str, work: Callable[[], Awaitable[T]], *, memory: bool) -> T:
    """The time of `work`; with `memory`, a second run under tracemalloc (which slows Python
    down several times, so it is never the timed run) for the peak of Python's allocations."""
    started, cpu = time.perf_counter(), time.process_time()
    result = await work()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # CPU time of this process (all its threads: aiosqlite's too), apart from the wall
    # time: on a shared machine the wall time says how busy the others were.
    # The load average: how many others wanted the machine's CPUs meanwhile.
    load = os.getloadavg()[0]
    line = (
        f"{label:<42} {elapsed:8.2f} s (CPU {cpu:6.2f} s, load {load:4.1f})"
        f"   peak RSS so far {rss:6.0f} MiB"
    )
    if memory:
        tracemalloc.start()
        await work()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        line += f"   peak Python allocations {peak / 2**20:6.1f} MiB"
    print(line, flush=True)
    return result


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="appeals to generate")
    parser.add_argument("--database-url", default="", help="default: a SQLite file in /tmp")
    parser.add_argument("--keep", action="store_true", help="reuse the data already there")
    parser.add_argument("--no-xlsx", action="store_true", help="skip writing the XLSX")
    parser.add_argument(
        "--tables-only", action="store_true", help="time the annual tables alone (no register)"
    )
    parser.add_argument(
        "--no-memory", action="store_true", help="skip the tracemalloc runs (they are slow)"
    )
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="reports-bench-"))
    url = args.database_url or f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    engine = create_engine(url)
    await upgrade(engine)
    if not args.keep:
        started = time.perf_counter()
        if is_sqlite(url):
            database = make_url(url).database
            assert database is not None
            await asyncio.to_thread(fill_sqlite, database, args.n)
        else:
            await fill_postgres(url, args.n)
        print(f"generated {args.n} appeals in {time.perf_counter() - started:.1f} s")
    async with engine.connect() as connection:
        count = await connection.scalar(text("SELECT count(*) FROM appeals"))
    print(f"database: {make_url(url).get_backend_name()}, appeals: {count}, year {YEAR}")
    texts = Texts.load()
    clock = FixedClock(datetime(YEAR + 1, 1, 15, 9, tzinfo=UTC))
    sessionmaker = create_sessionmaker(engine)
    period = year(YEAR)

    async def service_in(uow: UnitOfWork) -> ReportService:
        return ReportService(SqlReports(uow), clock=clock, zone=ZONE)

    async def tables() -> int:
        uow = UnitOfWork(sessionmaker, clock=clock)
        try:
            report = await (await service_in(uow)).build(period)
        finally:
            await uow.rollback()
        return report.figures.total

    async def register_rows() -> int:
        uow = UnitOfWork(sessionmaker, clock=clock)
        try:
            rows = 0
            async for page in (await service_in(uow)).register(period):
                rows += len(page)
        finally:
            await uow.rollback()
        return rows

    async def register_xlsx() -> int:
        uow = UnitOfWork(sessionmaker, clock=clock)
        try:
            service = await service_in(uow)
            report = await service.build(period)
            target = workdir / "report.xlsx"
            rows = await write_xlsx(report, service.register(period), str(target), texts)
        finally:
            await uow.rollback()
        print(f"  XLSX: {target.stat().st_size / 2**20:.1f} MiB")
        return rows

    memory = not args.no_memory
    total = await measured("annual tables (4.1, indicators, figures)", tables, memory=False)
    await measured("annual tables again (warm cache)", tables, memory=memory)
    if args.tables_only:
        await engine.dispose()
        return
    rows = await measured("register 4.9 streamed from the database", register_rows, memory=memory)
    written = (
        0
        if args.no_xlsx
        else await measured("register 4.9 + tables to XLSX", register_xlsx, memory=memory)
    )
    print(f"appeals in the year: {total}; register rows: {rows}; written: {written}")
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
