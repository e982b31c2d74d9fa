"""Acceptance 2 of issue 16: /metrics scraped over HTTP shows the counters moving after
updates are fed; /readyz fails while the database is down; JSON log lines carry the update
id and nothing of the update's content."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import create_async_engine

from bot.observability import JsonFormatter, add_routes, current_update_id
from tests.harness import BotHarness


def _value(body: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    pattern = re.escape(name) + (r"\{" + re.escape(wanted) + r"\}" if labels else "") + r" (\S+)"
    found = re.search(r"^" + pattern + r"$", body, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


async def _client(web_app: web.Application) -> TestClient[web.Request, web.Application]:
    client = TestClient(TestServer(web_app, host="127.0.0.1"))
    await client.start_server()
    return client


async def test_metrics_move_after_updates_and_readyz_is_ok(harness: BotHarness) -> None:
    web_app = web.Application()
    add_routes(web_app, metrics=harness.app.metrics, engine=harness.app.engine)
    client = await _client(web_app)
    try:
        before = await (await client.get("/metrics")).text()
        person = harness.person(4242)
        await person.send("/start")
        await person.send("/start")
        after = await (await client.get("/metrics")).text()
        ready = await client.get("/readyz")
        alive = await client.get("/healthz")
    finally:
        await client.close()
    handled = "reception_updates_total"
    assert (
        _value(after, handled, type="message", result="handled")
        - _value(before, handled, type="message", result="handled")
        == 2
    )
    count = "reception_update_handling_seconds_count"
    assert _value(after, count) - _value(before, count) == 2
    assert _value(after, "reception_leader") == 1
    assert "reception_outbox_pending " in after
    assert "reception_outbox_oldest_pending_seconds " in after
    assert ready.status == 200
    assert alive.status == 200


async def test_readyz_fails_while_the_database_is_down(tmp_path: Path) -> None:
    # A database nobody listens for: a PostgreSQL URL on a loopback port that is closed.
    down = create_async_engine("postgresql+asyncpg://postgres@127.0.0.1:9/test_down")
    from bot.observability import Metrics

    web_app = web.Application()
    add_routes(web_app, metrics=Metrics(), engine=down)
    client = await _client(web_app)
    try:
        ready = await client.get("/readyz")
        body = await ready.json()
        scraped = await client.get("/metrics")  # still served, without the database's part
    finally:
        await client.close()
        await down.dispose()
    assert ready.status == 503
    assert body["checks"]["database"].startswith("down")
    assert scraped.status == 200


def test_json_log_lines_carry_the_update_id_and_not_the_content() -> None:
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "handled %s", ("ok",), None)
    token = current_update_id.set(777)
    try:
        line = JsonFormatter().format(record)
    finally:
        current_update_id.reset(token)
    assert '"update_id": 777' in line
    assert '"message": "handled ok"' in line
