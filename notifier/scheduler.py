"""APScheduler 3: lifecycle, persisted jobs and the housekeeping job. Each job opens its own
unit of work.

Jobs are persisted (requirement: "deadline control, its jobs persisted so a restart does not
skip them") in APScheduler's `SQLAlchemyJobStore`, table `scheduler_jobs`, through a
synchronous engine derived from the app's async `database_url`:
- PostgreSQL: the same database, `postgresql+asyncpg://` -> `postgresql+psycopg2://`.
- SQLite: a file of its own beside the database (`data/reception.db` ->
  `data/reception-scheduler.db`). The store is synchronous and APScheduler calls it on the
  event loop's thread; if it shared the bot's file, a store write arriving while a unit of
  work holds SQLite's write lock between two awaits would block the loop, so the unit of
  work could never commit, and the write would fail with "database is locked" after the
  busy timeout, the loop frozen all along (tests/notifier/test_scheduler.py shows it). A
  file of its own has no such writer; the busy timeout stays, for a second process.
- In-memory SQLite (tests, the console demo): APScheduler's memory store.

Persisted jobs name their function by text ("module:function") and take no arguments: what
they need at run time (sessionmaker, clock, ...) comes from `job_context()`, set once by
`build_scheduler`. Other modules declare their jobs as `JobSpec`s.

At start every declared job is installed: a job already stored with the same schedule keeps
its stored next run time (replacing it, as `add_job(replace_existing=True)` would, would
move a run missed while the bot was down to the next occurrence: skipped). A run missed by
at most `misfire_grace_time` then runs once at start (coalesce), a later one is skipped.
A changed schedule replaces the stored one. Stored jobs no spec names are left alone.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from apscheduler.util import ref_to_obj
from sqlalchemy import create_engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.clock import Clock
from domain.linking import AttemptPolicy
from storage.dedup import purge_processed_updates
from storage.repositories import purge_link_failures
from storage.uow import UnitOfWork

logger = logging.getLogger(__name__)

JOBS_TABLE = "scheduler_jobs"
# A cron job (a daily digest, say) missed while the bot was down still runs at start if it is
# at most this late; a digest half a day late is noise.
CRON_MISFIRE_GRACE_SECONDS = 6 * 60 * 60
# SQLite busy timeout of the store's own connection (the bot's is 5 s too, storage/engine.py).
SQLITE_BUSY_TIMEOUT_SECONDS = 5.0
# APScheduler calls the store on the event loop: a PostgreSQL that does not answer must not
# hang it for long.
POSTGRES_CONNECT_TIMEOUT_SECONDS = 10

TriggerKind = Literal["interval", "cron"]
_TRIGGERS: dict[str, Any] = {"interval": IntervalTrigger, "cron": CronTrigger}
# asyncpg's `ssl` query parameter, in libpq's (psycopg2's) terms.
_SSLMODES = {"true": "require", "false": "disable"}


# -- the context jobs run with ---------------------------------------------------------------


@dataclass(frozen=True)
class JobContext:
    """What persisted jobs need at run time and cannot carry as pickled arguments."""

    sessionmaker: async_sessionmaker[AsyncSession]
    clock: Clock
    link_policy: AttemptPolicy
    zone: ZoneInfo
    # For jobs declared elsewhere (the bot, texts, the calendar ...), by a name they agree on.
    extra: dict[str, Any] = field(default_factory=dict)


_context: JobContext | None = None


def set_job_context(ctx: JobContext) -> None:
    global _context
    _context = ctx


def job_context() -> JobContext:
    if _context is None:
        raise RuntimeError("no job context: build_scheduler() or set_job_context() first")
    return _context


def clear_job_context() -> None:
    """Forget the context (tests)."""
    global _context
    _context = None


# -- job declarations ------------------------------------------------------------------------


@dataclass(frozen=True)
class JobSpec:
    """A persisted job: `func` is "module:function", a coroutine function (or a plain one)
    without arguments that reads `job_context()`; `trigger_kwargs` go to APScheduler's
    IntervalTrigger or CronTrigger (the timezone defaults to the company's)."""

    id: str
    func: str
    trigger: TriggerKind
    trigger_kwargs: Mapping[str, Any] = field(default_factory=dict)
    misfire_grace_time: int | None = CRON_MISFIRE_GRACE_SECONDS

    def build_trigger(self, zone: ZoneInfo) -> Any:
        if self.trigger not in _TRIGGERS:
            raise ValueError(f"job {self.id}: trigger {self.trigger!r} is not interval or cron")
        return _TRIGGERS[self.trigger](**{"timezone": zone, **self.trigger_kwargs})


async def housekeeping(
    sessionmaker: async_sessionmaker[AsyncSession], *, clock: Clock, policy: AttemptPolicy
) -> tuple[int, int]:
    """Forget what is no longer needed: old processed-update ids and expired link failures."""
    now = clock.now()
    uow = UnitOfWork(sessionmaker, clock=clock)
    try:
        updates = await purge_processed_updates(uow.session, now=now)
        uow.mark_written()
        failures = await purge_link_failures(uow, before=now - policy.window - timedelta(hours=1))
        await uow.commit()
    except BaseException:
        await uow.rollback()
        raise
    logger.info("housekeeping: %d update ids, %d link failures purged", updates, failures)
    return updates, failures


async def run_housekeeping() -> None:
    """The persisted housekeeping job: `housekeeping` with the job context."""
    ctx = job_context()
    await housekeeping(ctx.sessionmaker, clock=ctx.clock, policy=ctx.link_policy)


HOUSEKEEPING = JobSpec(
    id="housekeeping",
    func="notifier.scheduler:run_housekeeping",
    trigger="interval",
    trigger_kwargs={"hours": 1},
)


# -- where the jobs are stored ---------------------------------------------------------------


def sync_database_url(database_url: str) -> str:
    """The app's async URL with a synchronous driver: sqlite+aiosqlite -> sqlite (pysqlite),
    postgresql+asyncpg -> postgresql+psycopg2 (asyncpg's `ssl` parameter becomes libpq's
    `sslmode`)."""
    url = make_url(database_url)
    backend = url.get_backend_name()
    if backend == "sqlite":
        url = url.set(drivername="sqlite")
    elif backend == "postgresql":
        url = url.set(drivername="postgresql+psycopg2")
        ssl = url.query.get("ssl")
        if isinstance(ssl, str):
            url = url.difference_update_query(["ssl"])
            if "sslmode" not in url.query:
                url = url.update_query_dict({"sslmode": _SSLMODES.get(ssl.lower(), ssl)})
    else:
        raise ValueError(f"no synchronous driver for {url.drivername}")
    return url.render_as_string(hide_password=False)


def is_memory_sqlite(database_url: str) -> bool:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return False
    database = url.database or ""
    return (
        database in {"", ":memory:"}
        or database.startswith("file::memory:")
        or url.query.get("mode") == "memory"
    )


def job_store_url(database_url: str) -> str | None:
    """The synchronous URL the jobs are stored at; None for an in-memory SQLite database
    (jobs in memory then). SQLite: a file of its own beside the database (module docstring).
    """
    if is_memory_sqlite(database_url):
        return None
    url = make_url(sync_database_url(database_url))
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "")
        url = url.set(database=str(path.with_name(f"{path.stem}-scheduler{path.suffix}")))
    return url.render_as_string(hide_password=False)


def build_job_store(store_url: str | None) -> SQLAlchemyJobStore | MemoryJobStore:
    if store_url is None:
        return MemoryJobStore()
    url: URL = make_url(store_url)
    if url.get_backend_name() == "sqlite":
        if url.database:
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS})
    else:
        engine = create_engine(
            url,
            pool_size=1,
            max_overflow=1,
            pool_pre_ping=True,
            connect_args={"connect_timeout": POSTGRES_CONNECT_TIMEOUT_SECONDS},
        )
    return SQLAlchemyJobStore(engine=engine, tablename=JOBS_TABLE)


# -- the scheduler ---------------------------------------------------------------------------


def _schedule_key(trigger: Any) -> object:
    """What makes two triggers the same schedule. An interval trigger's start date is the
    moment it was built (every start of the bot), so it does not count."""
    if isinstance(trigger, IntervalTrigger):
        return ("interval", str(trigger), trigger.end_date, trigger.jitter, str(trigger.timezone))
    return repr(trigger)


class ReceptionScheduler(AsyncIOScheduler):  # type: ignore[misc]  # APScheduler is untyped
    """An AsyncIOScheduler that installs the declared jobs at start, keeping the stored next
    run time of a job whose schedule did not change (module docstring)."""

    def __init__(self, *, zone: ZoneInfo, store: Any, jobs: Sequence[JobSpec]) -> None:
        super().__init__(timezone=zone, jobstores={"default": store})
        self.zone = zone
        self.specs = tuple(jobs)

    def start(self, paused: bool = False) -> None:
        # Paused, the stores are open and nothing runs: install, then let the due jobs go.
        super().start(paused=True)
        for spec in self.specs:
            self._install(spec)
        if not paused:
            self.resume()

    def _install(self, spec: JobSpec) -> None:
        trigger = spec.build_trigger(self.zone)
        options: dict[str, Any] = {
            "misfire_grace_time": spec.misfire_grace_time,
            "coalesce": True,
            "max_instances": 1,
        }
        stored = self._stored(spec.id)
        if (
            stored is not None
            and stored.next_run_time is not None
            and _schedule_key(stored.trigger) == _schedule_key(trigger)
        ):
            stored.modify(func=spec.func, name=spec.id, args=(), kwargs={}, **options)
            logger.info("job %s kept, next run %s", spec.id, stored.next_run_time.isoformat())
            return
        self.add_job(
            spec.func, trigger, id=spec.id, name=spec.id, replace_existing=True, **options
        )
        logger.info("job %s scheduled: %s", spec.id, trigger)

    def _stored(self, job_id: str) -> Any:
        try:
            return self.get_job(job_id)
        except Exception:
            # Stored by a version whose function or trigger cannot be loaded any more.
            logger.warning("stored job %s cannot be restored; replacing it", job_id)
            self.remove_job(job_id)
            return None


def build_scheduler(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    clock: Clock,
    policy: AttemptPolicy,
    zone: ZoneInfo,
    database_url: str | None = None,
    jobs: Sequence[JobSpec] = (),
    extra: Mapping[str, Any] | None = None,
) -> AsyncIOScheduler:
    """The scheduler with housekeeping and `jobs`, stored at `job_store_url(database_url)`;
    `database_url` defaults to the URL of the engine `sessionmaker` is bound to. Sets the
    job context (with `extra`) that the jobs read."""
    if database_url is None:
        database_url = sessionmaker.kw["bind"].url.render_as_string(hide_password=False)
    specs = (HOUSEKEEPING, *jobs)
    ids = [spec.id for spec in specs]
    if len(set(ids)) != len(ids):
        raise ValueError(f"job ids must be unique: {ids}")
    for spec in specs:  # fail now, not at the first run
        ref_to_obj(spec.func)
        spec.build_trigger(zone)
    set_job_context(
        JobContext(
            sessionmaker=sessionmaker,
            clock=clock,
            link_policy=policy,
            zone=zone,
            extra=dict(extra or {}),
        )
    )
    store = build_job_store(job_store_url(database_url))
    return ReceptionScheduler(zone=zone, store=store, jobs=specs)
