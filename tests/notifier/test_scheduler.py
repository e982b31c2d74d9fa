"""The scheduler: jobs persisted in the database (requirement: "deadline control, its jobs
persisted so a restart does not skip them"), a run missed while the bot was down made up
once at start, the job context, housekeeping.

Runs on a SQLite file of the test's own, or on PostgreSQL when TEST_DATABASE_URL points there
(the `scheduler_jobs` table is dropped before and after each such test)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from apscheduler.events import EVENT_JOB_MISSED, JobEvent
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.clock import FixedClock
from domain.linking import AttemptPolicy
from notifier.scheduler import (
    CRON_MISFIRE_GRACE_SECONDS,
    HOUSEKEEPING,
    JOBS_TABLE,
    JobContext,
    JobSpec,
    build_job_store,
    build_scheduler,
    clear_job_context,
    job_context,
    job_store_url,
    run_housekeeping,
    set_job_context,
    sync_database_url,
)
from storage.engine import create_engine, create_sessionmaker, is_sqlite
from storage.models import ProcessedUpdateRow

MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
RECORD_RUN = f"{__name__}:record_run"


async def record_run() -> None:
    """A persisted job: notes that it ran, in lists the test put in the job context."""
    extra = job_context().extra
    extra["runs"].append(datetime.now(UTC))
    extra["ran"].set()


# -- fixtures and helpers ----------------------------------------------------------------


def _drop_jobs_table(database_url: str) -> None:
    engine = create_sync_engine(sync_database_url(database_url))
    try:
        with engine.begin() as connection:
            connection.execute(text(f"DROP TABLE IF EXISTS {JOBS_TABLE}"))
    finally:
        engine.dispose()


@pytest.fixture
def app_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """The app's database: a fresh SQLite file, or the test PostgreSQL without jobs."""
    if is_sqlite(database_url):
        yield f"sqlite+aiosqlite:///{tmp_path / 'app.db'}"
        return
    _drop_jobs_table(database_url)
    yield database_url
    _drop_jobs_table(database_url)


@pytest.fixture(autouse=True)
def _no_job_context_left() -> Iterator[None]:
    yield
    clear_job_context()


def _build(
    database_url: str, *jobs: JobSpec, extra: dict[str, Any] | None = None
) -> AsyncIOScheduler:
    return build_scheduler(
        async_sessionmaker(),  # the jobs here do not touch the app's tables
        clock=FixedClock(NOW),
        policy=AttemptPolicy(),
        zone=MSK,
        database_url=database_url,
        jobs=jobs,
        extra=extra,
    )


async def _stop(scheduler: AsyncIOScheduler) -> None:
    """AsyncIOScheduler shuts down (closing its store) on the loop's next turn."""
    scheduler.shutdown(wait=False)
    for _ in range(10):
        if not scheduler.running:
            return
        await asyncio.sleep(0)
    raise AssertionError("the scheduler did not shut down")


def _next_runs(scheduler: AsyncIOScheduler) -> dict[str, datetime]:
    return {job.id: job.next_run_time for job in scheduler.get_jobs()}


def _daily_at(moment: datetime, job_id: str = "digest") -> JobSpec:
    """A daily cron job at the local hour and minute of `moment`."""
    local = moment.astimezone(MSK)
    return JobSpec(job_id, RECORD_RUN, "cron", {"hour": local.hour, "minute": local.minute})


def _recorder() -> dict[str, Any]:
    return {"runs": [], "ran": asyncio.Event()}


# -- where the jobs are stored -----------------------------------------------------------


@pytest.mark.parametrize(
    ("async_url", "sync_url"),
    [
        ("sqlite+aiosqlite:///data/reception.db", "sqlite:///data/reception.db"),
        ("sqlite+aiosqlite:////var/lib/reception/r.db", "sqlite:////var/lib/reception/r.db"),
        ("sqlite+aiosqlite://", "sqlite://"),
        (
            "postgresql+asyncpg://postgres@127.0.0.1:5432/test",
            "postgresql+psycopg2://postgres@127.0.0.1:5432/test",
        ),
        (
            "postgresql+asyncpg://bot:p%40ss@db.local/reception",
            "postgresql+psycopg2://bot:p%40ss@db.local/reception",
        ),
        (
            "postgresql+asyncpg://bot@db.local/reception?ssl=require",
            "postgresql+psycopg2://bot@db.local/reception?sslmode=require",
        ),
        (
            "postgresql+asyncpg://bot@db.local/reception?ssl=true",
            "postgresql+psycopg2://bot@db.local/reception?sslmode=require",
        ),
    ],
)
def test_the_synchronous_url_keeps_everything_but_the_driver(
    async_url: str, sync_url: str
) -> None:
    assert sync_database_url(async_url) == sync_url


def test_a_database_without_a_synchronous_driver_is_refused() -> None:
    with pytest.raises(ValueError, match="no synchronous driver"):
        sync_database_url("mysql+aiomysql://u@h/db")


@pytest.mark.parametrize(
    ("async_url", "store_url"),
    [
        ("sqlite+aiosqlite:///data/reception.db", "sqlite:///data/reception-scheduler.db"),
        ("sqlite+aiosqlite:////srv/r/bot.sqlite3", "sqlite:////srv/r/bot-scheduler.sqlite3"),
        (
            "postgresql+asyncpg://postgres@127.0.0.1:5432/test",
            "postgresql+psycopg2://postgres@127.0.0.1:5432/test",
        ),
        ("sqlite+aiosqlite://", None),
        ("sqlite+aiosqlite:///:memory:", None),
        ("sqlite+aiosqlite:///file::memory:?cache=shared", None),
        ("sqlite+aiosqlite:///file:shared?mode=memory&cache=shared&uri=true", None),
    ],
)
def test_where_the_jobs_are_stored(async_url: str, store_url: str | None) -> None:
    """PostgreSQL: the app's database; SQLite: a file beside it; in-memory: no store."""
    assert job_store_url(async_url) == store_url


def test_an_in_memory_database_keeps_the_jobs_in_memory() -> None:
    assert isinstance(build_job_store(job_store_url("sqlite+aiosqlite://")), MemoryJobStore)


def _stored_job_ids(app_url: str) -> list[str]:
    store_url = job_store_url(app_url)
    assert store_url is not None
    engine = create_sync_engine(store_url)
    try:
        if JOBS_TABLE not in inspect(engine).get_table_names():
            return []
        with engine.connect() as connection:
            rows = connection.execute(text(f"SELECT id FROM {JOBS_TABLE} ORDER BY id"))
            return list(rows.scalars())
    finally:
        engine.dispose()


async def test_the_jobs_are_rows_of_the_scheduler_jobs_table(app_url: str) -> None:
    assert _stored_job_ids(app_url) == []
    scheduler = _build(app_url, _daily_at(datetime.now(UTC)))
    scheduler.start(paused=True)
    await _stop(scheduler)
    assert _stored_job_ids(app_url) == ["digest", "housekeeping"]


async def test_the_store_defaults_to_the_database_of_the_sessionmaker(app_url: str) -> None:
    engine = create_engine(app_url)
    try:
        scheduler = build_scheduler(
            create_sessionmaker(engine), clock=FixedClock(NOW), policy=AttemptPolicy(), zone=MSK
        )
        scheduler.start(paused=True)
        await _stop(scheduler)
    finally:
        await engine.dispose()
    assert _stored_job_ids(app_url) == ["housekeeping"]


async def test_a_store_on_the_bots_own_sqlite_file_would_block_the_loop(tmp_path: Path) -> None:
    """Why SQLite jobs have a file of their own. APScheduler writes to its store on the event
    loop's thread. On the bot's file, a store write that comes while a unit of work holds the
    write lock between two awaits waits for a COMMIT that needs the very loop it blocks:
    "database is locked" after the whole busy timeout. On its own file it just goes."""
    app_url = f"sqlite+aiosqlite:///{tmp_path / 'app.db'}"
    engine = create_engine(app_url)
    same_file = create_sync_engine(sync_database_url(app_url), connect_args={"timeout": 0.2})
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE t (x INTEGER)"))
        async with engine.begin() as connection:
            await connection.execute(text("INSERT INTO t VALUES (1)"))  # the write lock
            with (
                pytest.raises(OperationalError, match="database is locked"),
                same_file.begin() as blocked,
            ):
                blocked.execute(text("CREATE TABLE jobs (x INTEGER)"))
            scheduler = _build(app_url)
            scheduler.start(paused=True)  # writes the housekeeping job
            assert scheduler.get_job("housekeeping") is not None
            await _stop(scheduler)
    finally:
        same_file.dispose()
        await engine.dispose()


# -- surviving a restart -----------------------------------------------------------------


async def test_jobs_survive_a_restart_with_their_next_run_times(app_url: str) -> None:
    now = datetime.now(UTC)
    spec = _daily_at(now + timedelta(hours=12))
    first = _build(app_url, spec)
    first.start()
    before = _next_runs(first)
    assert set(before) == {"housekeeping", "digest"}
    assert before["digest"] > now
    await _stop(first)

    second = _build(app_url, spec)
    second.start(paused=True)
    # The interval job too keeps its stored time instead of one hour from this start.
    assert _next_runs(second) == before
    job = second.get_job("digest")
    assert job.func is record_run
    assert (job.coalesce, job.max_instances) == (True, 1)
    assert job.misfire_grace_time == CRON_MISFIRE_GRACE_SECONDS
    await _stop(second)


async def test_a_changed_schedule_replaces_the_stored_one(app_url: str) -> None:
    now = datetime.now(UTC)
    first = _build(app_url, _daily_at(now + timedelta(hours=12)))
    first.start(paused=True)
    await _stop(first)

    moved = _daily_at(now + timedelta(hours=6))
    second = _build(app_url, moved)
    second.start(paused=True)
    next_run = second.get_job("digest").next_run_time
    expected = (now + timedelta(hours=6)).astimezone(MSK).replace(second=0, microsecond=0)
    assert next_run == expected
    await _stop(second)


async def test_a_stored_job_whose_function_is_gone_is_replaced(
    app_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    spec = _daily_at(datetime.now(UTC) + timedelta(hours=12))
    first = _build(app_url, spec)
    first.start(paused=True)
    await _stop(first)

    # A later version renamed the function: the stored job cannot be loaded.
    monkeypatch.setattr(sys.modules[__name__], "renamed_run", record_run, raising=False)
    monkeypatch.delattr(sys.modules[__name__], "record_run")
    second = _build(app_url, replace(spec, func=f"{__name__}:renamed_run"))
    second.start(paused=True)
    job = second.get_job("digest")
    assert job.func_ref == f"{__name__}:renamed_run"
    assert "stored job digest cannot be restored" in caplog.text
    await _stop(second)


async def test_a_cron_run_missed_while_down_runs_once_at_start(app_url: str) -> None:
    """The daily job was due an hour ago, while the bot was down: it runs once at start
    (within the 6 h grace time), then waits for tomorrow."""
    missed = datetime.now(MSK).replace(second=0, microsecond=0) - timedelta(hours=1)
    spec = _daily_at(missed)
    # Before it went down, the bot had stored the run it was about to miss.
    first = _build(app_url, spec)
    first.start(paused=True)
    first.modify_job("digest", next_run_time=missed)
    await _stop(first)

    recorder = _recorder()
    second = _build(app_url, spec, extra=recorder)
    second.start()
    await asyncio.wait_for(recorder["ran"].wait(), timeout=2)
    assert len(recorder["runs"]) == 1
    assert second.get_job("digest").next_run_time == missed + timedelta(days=1)
    await _stop(second)


async def test_a_cron_run_missed_beyond_the_grace_time_is_skipped(app_url: str) -> None:
    missed = datetime.now(MSK).replace(second=0, microsecond=0) - timedelta(hours=7)
    spec = _daily_at(missed)
    first = _build(app_url, spec)
    first.start(paused=True)
    first.modify_job("digest", next_run_time=missed)
    await _stop(first)

    recorder = _recorder()
    skipped = asyncio.Event()

    def on_missed(event: JobEvent) -> None:
        if event.job_id == "digest":
            skipped.set()

    second = _build(app_url, spec, extra=recorder)
    second.add_listener(on_missed, EVENT_JOB_MISSED)
    second.start()
    await asyncio.wait_for(skipped.wait(), timeout=2)
    assert recorder["runs"] == []
    assert second.get_job("digest").next_run_time == missed + timedelta(days=1)
    await _stop(second)


# -- declaring jobs ----------------------------------------------------------------------


def test_jobs_are_checked_when_the_scheduler_is_built() -> None:
    memory = "sqlite+aiosqlite://"
    with pytest.raises(LookupError):
        _build(memory, JobSpec("gone", "notifier.no_such_module:run", "interval", {"hours": 1}))
    with pytest.raises(ValueError, match="unique"):
        _build(memory, JobSpec("housekeeping", RECORD_RUN, "interval", {"hours": 2}))
    with pytest.raises(ValueError, match="interval or cron"):
        _build(memory, JobSpec("odd", RECORD_RUN, "date", {}))  # type: ignore[arg-type]
    with pytest.raises(ValueError):  # noqa: PT011 - APScheduler's own message
        _build(memory, JobSpec("bad", RECORD_RUN, "cron", {"hour": 25}))


async def test_an_in_memory_scheduler_runs_a_due_interval_job() -> None:
    recorder = _recorder()
    scheduler = _build(
        "sqlite+aiosqlite://",
        JobSpec("often", RECORD_RUN, "interval", {"seconds": 1}, misfire_grace_time=None),
        extra=recorder,
    )
    scheduler.start()
    scheduler.modify_job("often", next_run_time=datetime.now(UTC))
    await asyncio.wait_for(recorder["ran"].wait(), timeout=2)
    assert len(recorder["runs"]) >= 1
    await _stop(scheduler)


# -- the job context and housekeeping ----------------------------------------------------


def test_jobs_need_the_context() -> None:
    with pytest.raises(RuntimeError, match="no job context"):
        job_context()


def test_building_the_scheduler_sets_the_context() -> None:
    sessionmaker: async_sessionmaker[AsyncSession] = async_sessionmaker()
    policy = AttemptPolicy(max_failures=3)
    build_scheduler(
        sessionmaker,
        clock=FixedClock(NOW),
        policy=policy,
        zone=MSK,
        database_url="sqlite+aiosqlite://",
        extra={"bot": "the bot"},
    )
    ctx = job_context()
    assert ctx.sessionmaker is sessionmaker
    assert (ctx.link_policy, ctx.zone, ctx.extra) == (policy, MSK, {"bot": "the bot"})
    assert ctx.clock.now() == NOW


async def test_housekeeping_runs_from_the_context(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    now = clock.now()
    async with sessionmaker() as session:
        session.add_all(
            [
                ProcessedUpdateRow(update_id=1, processed_at=now - timedelta(days=3)),
                ProcessedUpdateRow(update_id=2, processed_at=now - timedelta(hours=1)),
            ]
        )
        await session.commit()
    set_job_context(
        JobContext(sessionmaker=sessionmaker, clock=clock, link_policy=AttemptPolicy(), zone=MSK)
    )
    assert HOUSEKEEPING.func == "notifier.scheduler:run_housekeeping"
    await run_housekeeping()
    async with sessionmaker() as session:
        left = (await session.scalars(select(ProcessedUpdateRow.update_id))).all()
    assert left == [2]
