"""What an operator watches (issue 16, point 4): Prometheus metrics, liveness and readiness,
and log lines as JSON.

- `Metrics`: the bot's counters and gauges in a registry of their own: updates by type and
  result, the handling time (`MetricsMiddleware`, the outermost update middleware: two
  clock reads and two label look-ups an update), deliveries by result and 429s (the outbox
  sender's outcomes, `count_outcomes`), the leader gauge (1 for a single process; an
  election sets it), notices in progress, and the outbox's depth and the age of its oldest
  pending row, read from the database when scraped and cached for `cache_seconds`.
- `add_routes(web_app, ...)`: `/metrics`, `/healthz` (the process answers) and `/readyz`
  (the database answers, Redis answers if configured, the leader is known), for the small
  server polling mode starts (`start_server`, on METRICS_PORT, 127.0.0.1 by default) and
  for a webhook app to mount.
- `JsonFormatter`: LOG_FORMAT=json writes one JSON object a line with the time, level,
  logger, message and the update id being handled; never the update's content.
"""

from __future__ import annotations

import contextvars
import json
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.dispatcher.middlewares.base import BaseMiddleware
from aiogram.types import TelegramObject, Update
from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.models import NoticeRow, OutboxRow

logger = logging.getLogger(__name__)

# The update being handled, for the log lines written meanwhile.
current_update_id: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "current_update_id", default=None
)

_IN_PROGRESS = ("queuing", "sending")


class Metrics:
    def __init__(self, *, cache_seconds: float = 5.0) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.updates = Counter(
            "reception_updates",
            "Updates handled, by type and result (handled, unhandled, error).",
            ["type", "result"],
            registry=self.registry,
        )
        self.handling = Histogram(
            "reception_update_handling_seconds",
            "Time from an update's arrival in the dispatcher to the end of its handling.",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
            registry=self.registry,
        )
        self.deliveries = Counter(
            "reception_outbox_deliveries",
            "Outbox rows settled by the sender, by result (sent, blocked, dropped, failed).",
            ["result"],
            registry=self.registry,
        )
        self.too_many = Counter(
            "reception_telegram_429",
            "Bot API answers 429 Too Many Requests.",
            registry=self.registry,
        )
        self.leader = Gauge(
            "reception_leader",
            "1 if this process runs the singletons (sender, scheduler, fan-out).",
            registry=self.registry,
        )
        self.leader.set(1)
        self.outbox_depth = Gauge(
            "reception_outbox_pending", "Outbox rows not sent yet.", registry=self.registry
        )
        self.outbox_age = Gauge(
            "reception_outbox_oldest_pending_seconds",
            "Age of the oldest pending outbox row (0 when none).",
            registry=self.registry,
        )
        self.notices = Gauge(
            "reception_notices_in_progress",
            "Notices being queued or sent.",
            registry=self.registry,
        )
        self._cache_seconds = cache_seconds
        self._read_at: float | None = None

    def count_outcomes(self, outcomes: Iterable[dict[str, Any]]) -> None:
        """The sender's stored outcomes (notifier/outbox.py): a pending one is a retry or a
        429 pause (counted when its error says so), the rest are deliveries' results."""
        for outcome in outcomes:
            status = outcome.get("new_status")
            if status == "pending":
                continue
            self.deliveries.labels(str(status)).inc()

    async def refresh(self, engine: AsyncEngine, *, now: datetime | None = None) -> None:
        """Read the outbox's depth, its oldest row and the notices in progress, at most once
        every `cache_seconds` (a scrape every few seconds costs three indexed reads)."""
        moment = time.monotonic()
        if self._read_at is not None and moment - self._read_at < self._cache_seconds:
            return
        async with engine.connect() as connection:
            depth, oldest = (
                await connection.execute(
                    select(func.count(), func.min(OutboxRow.created_at)).where(
                        OutboxRow.status == "pending"
                    )
                )
            ).one()
            notices = await connection.scalar(
                select(func.count()).where(NoticeRow.status.in_(_IN_PROGRESS))
            )
        current = now or datetime.now(UTC)
        self.outbox_depth.set(int(depth or 0))
        self.outbox_age.set(
            max(0.0, (current - oldest).total_seconds()) if oldest is not None else 0.0
        )
        self.notices.set(int(notices or 0))
        self._read_at = moment

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class MetricsMiddleware(BaseMiddleware):
    """The outermost update middleware: counts the update by type and result and times it;
    sets the update id for the log lines written meanwhile."""

    def __init__(self, metrics: Metrics) -> None:
        self._updates = metrics.updates
        self._handling = metrics.handling
        # The labelled children, looked up once per (type, result): `labels()` takes a lock
        # and builds a key at every call, on the path of every update.
        self._children: dict[tuple[str, str], Any] = {}

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        kind = event.event_type if isinstance(event, Update) else type(event).__name__
        token = current_update_id.set(getattr(event, "update_id", None))
        started = time.perf_counter()
        result = "error"
        try:
            response = await handler(event, data)
            result = "unhandled" if response is UNHANDLED else "handled"
            return response
        finally:
            self._handling.observe(time.perf_counter() - started)
            child = self._children.get((kind, result))
            if child is None:
                child = self._children[kind, result] = self._updates.labels(kind, result)
            child.inc()
            current_update_id.reset(token)


Probe = Callable[[], Awaitable[None]]


def add_routes(
    web_app: web.Application,
    *,
    metrics: Metrics,
    engine: AsyncEngine,
    redis_ping: Probe | None = None,
    leader_known: Callable[[], bool] = lambda: True,
) -> None:
    """`/metrics`, `/healthz` and `/readyz` on `web_app` (the polling server's or a webhook
    app's)."""

    async def scrape(_request: web.Request) -> web.Response:
        try:
            await metrics.refresh(engine)
        except Exception as error:  # the counters are still worth serving
            logger.warning("metrics: reading the outbox failed: %s", type(error).__name__)
        return web.Response(
            body=metrics.exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def readyz(_request: web.Request) -> web.Response:
        checks: dict[str, str] = {}
        try:
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as error:
            checks["database"] = f"down: {type(error).__name__}"
        if redis_ping is not None:
            try:
                await redis_ping()
                checks["redis"] = "ok"
            except Exception as error:
                checks["redis"] = f"down: {type(error).__name__}"
        checks["leader"] = "ok" if leader_known() else "unknown"
        ready = all(value == "ok" for value in checks.values())
        return web.json_response(
            {"status": "ok" if ready else "unavailable", "checks": checks},
            status=200 if ready else 503,
        )

    web_app.router.add_get("/metrics", scrape)
    web_app.router.add_get("/healthz", healthz)
    web_app.router.add_get("/readyz", readyz)


async def start_server(web_app: web.Application, *, host: str, port: int) -> web.AppRunner:
    """Serve `web_app` on host:port; the caller cleans the runner up at shutdown."""
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, the update id if one is being
    handled, and the exception's type (never its traceback's values)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        update_id = current_update_id.get()
        if update_id is not None:
            line["update_id"] = update_id
        if record.exc_info and record.exc_info[0] is not None:
            line["error"] = record.exc_info[0].__name__
        return json.dumps(line, ensure_ascii=False)
