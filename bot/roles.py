"""What only one process may run — the outbox sender, the file fetcher, the scheduler's jobs,
the notice fan-out and the start-up chores — started when this process is elected leader
(storage/leader.py) and stopped when it no longer is; and the wake-ups that reach them from
any worker (docs/scaling.md).

With polling or SQLite the election is `SoleLeader`: elected at start, deposed at shutdown,
which is exactly how `reception run` has always behaved.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from aiogram import Bot
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.delivery import build_file_fetcher, build_sender
from bot.factory import App
from bot.settings import Settings
from core.config import OutboxWakeUp
from core.texts import Texts
from handlers.resume import offer_resume
from notifier.deadlines import DEADLINE_JOB, DIGEST_JOB, DeadlinePolicy
from notifier.file_fetch import FileFetcher
from notifier.notices import NOTICE_JOB, READINGS_JOB
from notifier.outbox import OutboxSender
from notifier.retention import DRAFTS_ERASED_KEY, POLICY_KEY, retention_job
from notifier.scheduler import JobSpec, build_scheduler
from services.account_import import StagedAccountImport
from storage.account_import import SqlRegistryImports
from storage.fsm import DatabaseStorage
from storage.leader import Election

logger = logging.getLogger(__name__)

_STOP_SECONDS = 10.0


def deadline_jobs(settings: Settings) -> list[JobSpec]:
    """Deadline control (SPEC §4): the warnings check every few minutes (a missed run is made
    up by the next: the check is driven by the appeals' state) and the daily digest, which
    runs once at start if the bot was down at its hour."""
    return [
        JobSpec(
            id="deadline-check",
            func=DEADLINE_JOB,
            trigger="interval",
            trigger_kwargs={"minutes": settings.appeals.deadline_check_minutes},
            misfire_grace_time=None,
        ),
        JobSpec(
            id="daily-digest",
            func=DIGEST_JOB,
            trigger="cron",
            trigger_kwargs={"hour": settings.appeals.digest_hour, "minute": 0},
        ),
    ]


def notice_jobs(settings: Settings) -> list[JobSpec]:
    """Notices (SPEC §8): due ones are queued every NOTICE_POLL_SECONDS (the schedule lives
    in the notices table, so a restart neither loses nor repeats one); the monthly readings
    reminder on the window's first day at the send hour."""
    return [
        JobSpec(
            id="notice-dispatch",
            func=NOTICE_JOB,
            trigger="interval",
            trigger_kwargs={"seconds": settings.notices.poll_seconds},
            misfire_grace_time=None,
        ),
        JobSpec(
            id="readings-reminder",
            func=READINGS_JOB,
            trigger="cron",
            trigger_kwargs={
                "day": settings.readings.window_start_day,
                "hour": settings.notices.send_hour,
                "minute": 0,
            },
        ),
    ]


async def finish_registry_imports(app: App) -> int:
    """A registry import interrupted while applying is finished by the bot at start (in the
    background, in short transactions: services/account_import.py). Returns the accounts
    applied."""
    importer = StagedAccountImport(
        imports=SqlRegistryImports(
            app.sessionmaker, clock=app.clock, cache=app.cache, checkpoints=False
        )
    )
    try:
        applied = await importer.finish_pending(now=app.clock.now())
    except Exception as error:  # the next import finishes it instead
        logger.error("finishing an interrupted registry import failed: %s", type(error).__name__)
        return 0
    if applied:
        logger.info("finished an interrupted registry import: %d accounts", applied)
    return applied


class LeaderRoles:
    """The singletons of one process, run while `election` says it leads."""

    def __init__(
        self,
        app: App,
        bot: Bot,
        *,
        texts: Texts,
        election: Election,
        forum: bool,
        build: Callable[[App, Bot], OutboxSender] | None = None,
    ) -> None:
        self._app = app
        self._bot = bot
        self._texts = texts
        self._election = election
        self._forum = forum
        self._build_sender = build or (lambda app, bot: build_sender(app, bot, forum=forum))
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[Any]] = []
        self._scheduler: AsyncIOScheduler | None = None
        self.sender: OutboxSender | None = None
        self.fetcher: FileFetcher | None = None
        # Set once this process has been leader and started its singletons.
        self.first_term = asyncio.Event()
        self._connect_wakes()

    def _connect_wakes(self) -> None:
        """Whatever any update of this process queues wakes the leader's singleton: here if
        this process leads, else by a notification (storage/leader.py)."""
        config = self._app.config
        election = self._election
        config.wake_outbox.connect(lambda: election.signal("outbox"))
        config.wake_files.connect(lambda: election.signal("files"))
        if isinstance(config.queue_notices, OutboxWakeUp):
            config.queue_notices.connect(lambda: election.signal("notices"))

    def wake(self, kind: str) -> None:
        """A wake-up reached the leader (this process)."""
        if kind == "outbox" and self.sender is not None:
            self.sender.wake()
        elif kind == "files" and self.fetcher is not None:
            self.fetcher.wake()
        elif kind == "notices":
            self._app.notice_desk.start()

    def _extra(self, sender: OutboxSender) -> dict[str, Any]:
        app, settings = self._app, self._app.settings
        extra: dict[str, Any] = {
            "texts": self._texts,
            "deadline_policy": DeadlinePolicy(
                zone=app.config.zone,
                calendar=app.config.calendar,
                staff_chat_id=settings.staff.chat_id,
            ),
            "notice_desk": app.notice_desk,
            "readings_start_day": settings.readings.window_start_day,
            "readings_end_day": settings.readings.window_end_day,
            "wake_outbox": app.config.wake_outbox,
            POLICY_KEY: settings.retention.policy,
        }
        if isinstance(app.storage, DatabaseStorage):
            # Dialog drafts the retention job erased are not served from the cache afterwards.
            extra[DRAFTS_ERASED_KEY] = app.storage.reset
        return extra

    async def elected(self) -> None:
        """Start the singletons; each term has a stop of its own."""
        app, settings = self._app, self._app.settings
        self._stop = stop = asyncio.Event()
        sender = self._build_sender(app, self._bot)
        fetcher = build_file_fetcher(app, self._bot)
        self.sender, self.fetcher = sender, fetcher
        self._connect_wakes()  # the builders connected themselves directly
        # People whose last input a crash left unanswered are offered to go on (queued
        # before the sender starts, so it goes in its first round).
        try:
            await offer_resume(
                sessionmaker=app.sessionmaker,
                clock=app.clock,
                dedup=app.dedup,
                storage=app.storage,
                bot_id=self._bot.id,
                texts=self._texts,
            )
        except Exception:  # the offer is a courtesy; the singletons must start
            logger.exception("offering to resume dialogs failed")
        # Whatever was queued before a crash, restart or change of leader goes out first.
        self._tasks = [
            asyncio.create_task(sender.run_forever(stop), name="outbox"),
            asyncio.create_task(fetcher.run_forever(stop), name="files"),
            asyncio.create_task(finish_registry_imports(app), name="registry-import"),
        ]
        await app.notice_desk.kick()  # notices that fell due meanwhile, or cut short
        self._scheduler = build_scheduler(
            app.sessionmaker,
            clock=app.clock,
            policy=app.config.link_policy,
            zone=app.config.zone,
            database_url=settings.database.url,
            jobs=[
                *deadline_jobs(settings),
                *notice_jobs(settings),
                retention_job(settings.retention.hour),
            ],
            extra=self._extra(sender),
        )
        self._scheduler.start()
        self.first_term.set()

    async def deposed(self) -> None:
        """Stop the singletons: no send starts after this returns (the sends under way are
        finished or cut off within `_STOP_SECONDS`)."""
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        self._stop.set()
        for task in self._tasks:
            try:
                await asyncio.wait_for(task, timeout=_STOP_SECONDS)
            except TimeoutError:
                logger.warning("singleton %s did not stop in time", task.get_name())
            except asyncio.CancelledError:
                if (current := asyncio.current_task()) is not None and current.cancelling():
                    raise
            except Exception:
                logger.exception("singleton %s failed", task.get_name())
        self._tasks = []
        self.sender, self.fetcher = None, None
        await self._app.notice_desk.settle(_STOP_SECONDS)

    async def run(self, stop: asyncio.Event) -> None:
        """Take part in the election until `stop`."""
        await self._election.run(
            stop, on_elected=self.elected, on_deposed=self.deposed, on_wake=self.wake
        )


class ProcessTasks:
    """What every process runs besides its updates: the answered marks of its own updates
    (storage/dedup.py) and its part in the election (with the singletons while it leads)."""

    def __init__(self, app: App) -> None:
        self._app = app
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self, roles: LeaderRoles, *, wait_elected: bool = False) -> None:
        app = self._app
        self._tasks = [
            asyncio.create_task(
                app.dedup.keep_storing_answered(
                    app.sessionmaker, clock=app.clock, stop=self._stop
                ),
                name="answered-marks",
            ),
            asyncio.create_task(roles.run(self._stop), name="election"),
        ]
        if wait_elected:
            # Elected at once (SoleLeader); if starting the singletons failed, so does this.
            elected = asyncio.create_task(roles.first_term.wait())
            election = self._tasks[1]
            await asyncio.wait({elected, election}, return_when=asyncio.FIRST_COMPLETED)
            if not elected.done():
                elected.cancel()
                election.result()  # raises what stopped the election
                raise RuntimeError("the election ended before this process was elected")

    async def stop(self) -> None:
        """Depose this process (its singletons stop), store the last marks."""
        self._stop.set()
        for task in self._tasks:
            try:
                await task
            except asyncio.CancelledError:
                pass
            except Exception:  # already raised to the start-up, or logged here at shutdown
                logger.exception("%s ended with an error", task.get_name())
        self._tasks = []
