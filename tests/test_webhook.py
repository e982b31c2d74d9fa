"""`reception webhook` (bot/webhook.py): the refusals before anything starts, the secret
checked on every request, an update handled within its request, and a shutdown that waits
for the requests in hand."""

from __future__ import annotations

import asyncio
import json
import os
from typing import Any

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, Router
from aiogram.types import Message
from aiohttp import web

from bot.cli import main
from bot.settings import Settings
from bot.webhook import FLIGHT_KEY, InFlight, allowed_updates, build_web_app, refusal
from core.texts import Texts
from storage.leader import LeaderStatus
from tests.safety import TEST_PD_KEY

SECRET = "s3cret_token-1"
TOKEN = "123456:TEST-token"
PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/nowhere"


def _settings(**values: Any) -> Settings:
    return Settings(_env_file=None, content_dir="content", **values)


def test_more_workers_than_one_are_refused_on_sqlite_and_without_redis(texts: Texts) -> None:
    sqlite = _settings(webhook_secret=SECRET, database_url="sqlite+aiosqlite:///x.db")
    assert refusal(sqlite, 1) is None
    assert refusal(sqlite, 3) == ("webhook-workers-sqlite", {"count": 3})
    pg = _settings(webhook_secret=SECRET, database_url=PG, pd_encryption_key=TEST_PD_KEY)
    assert refusal(pg, 2) == ("webhook-workers-no-redis", {"count": 2})
    with_redis = pg.with_values(redis_url="redis://127.0.0.1:6379/0")
    assert refusal(with_redis, 4) is None
    assert refusal(with_redis.with_values(webhook_secret=""), 4) == ("webhook-secret-missing", {})
    assert refusal(with_redis, 0) == ("webhook-workers-invalid", {})
    assert "SQLite" in texts.plain("webhook-workers-sqlite", count=3)


def test_the_command_line_refuses_workers_on_sqlite_with_a_clear_message(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Any
) -> None:
    monkeypatch.setenv("RECEPTION_ENV_FILE", "")
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    monkeypatch.setenv("WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")
    with pytest.raises(SystemExit) as stopped:
        main(["webhook", "--workers", "3", "--port", "1"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "несколько процессов (--workers 3) с SQLite невозможны" in err
    assert "Traceback" not in err
    assert not (tmp_path / "bot.db").exists()  # refused before anything was opened


def test_a_bad_secret_is_refused_by_the_settings() -> None:
    with pytest.raises(ValueError, match="webhook_secret"):
        _settings(webhook_secret="has spaces")


def test_the_path_served_is_that_of_the_public_url() -> None:
    assert _settings().webhook.path == "/webhook"
    assert _settings(webhook_url="https://bot.example.ru/tg/hook?x=1").webhook.path == "/tg/hook"
    assert _settings(webhook_url="https://bot.example.ru").webhook.path == "/"


def test_webhook_set_asks_for_the_update_types_the_routers_use() -> None:
    used = allowed_updates()
    assert {"message", "callback_query"} <= set(used)
    assert "inline_query" not in used


def _update(update_id: int, text: str) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 0,
            "chat": {"id": 42, "type": "private"},
            "from": {"id": 42, "is_bot": False, "first_name": "A"},
            "text": text,
        },
    }


async def test_secret_checked_update_handled_in_its_request_and_drained_on_shutdown() -> None:
    handled: list[str] = []
    release, in_hand = asyncio.Event(), asyncio.Event()
    router = Router()

    @router.message()
    async def record(message: Message) -> None:
        if message.text == "slow":
            in_hand.set()
            await release.wait()
        handled.append(message.text or "")

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    started: list[str] = []
    dispatcher.startup.register(lambda: started.append("up"))
    dispatcher.shutdown.register(lambda: started.append("down"))
    bot = Bot(TOKEN)
    flight = InFlight()
    status = LeaderStatus(is_leader=True)
    extra: list[bool] = []
    app = build_web_app(
        dispatcher,
        bot,
        secret=SECRET,
        path="/hook",
        status=status,
        flight=flight,
        routes=[lambda web_app: extra.append(web_app[FLIGHT_KEY] is flight)],
    )
    assert extra == [True]  # route registrars are called (for /metrics), with what they read
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    base = f"http://127.0.0.1:{port}"
    try:
        assert started == ["up"]
        async with aiohttp.ClientSession() as http:
            async with http.post(f"{base}/hook", json=_update(1, "no secret")) as response:
                assert response.status == 401
            wrong = {"X-Telegram-Bot-Api-Secret-Token": "nope"}
            async with http.post(f"{base}/hook", json=_update(2, "wrong"), headers=wrong) as r:
                assert r.status == 401
            assert handled == []
            right = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
            async with http.post(f"{base}/hook", json=_update(3, "hello"), headers=right) as r:
                assert r.status == 200
            assert handled == ["hello"]  # handled before the answer came back
            async with http.get(f"{base}/worker") as r:
                assert await r.json() == {"pid": os.getpid(), "leader": True}

            # A shutdown while an update is in hand: no new connections, the update finishes.
            slow = asyncio.create_task(
                http.post(f"{base}/hook", json=_update(4, "slow"), headers=right)
            )
            await asyncio.wait_for(in_hand.wait(), 5)
            await site.stop()
            assert not await flight.drained(0.1)  # still in hand
            release.set()
            assert await flight.drained(5)
            response = await slow
            assert response.status == 200
            assert handled == ["hello", "slow"]
            async with aiohttp.ClientSession() as fresh:  # a new connection is refused
                with pytest.raises(aiohttp.ClientConnectionError):
                    await fresh.post(f"{base}/hook", json=_update(5, "late"), headers=right)
    finally:
        await runner.cleanup()
        await bot.session.close()
    assert started == ["up", "down"]  # the bot's shutdown after the requests in hand


async def test_polling_fails_loudly_if_the_singletons_cannot_start() -> None:
    """`reception run` waits for its singletons before taking updates; a failure to start
    them is raised, not waited for forever."""
    from bot.roles import ProcessTasks

    class Broken:
        first_term = asyncio.Event()

        async def run(self, stop: asyncio.Event) -> None:
            raise RuntimeError("no sender")

    class Dedup:
        async def keep_storing_answered(self, *_: Any, stop: asyncio.Event, **__: Any) -> None:
            await stop.wait()

    class FakeApp:
        dedup = Dedup()
        sessionmaker = None
        clock = None

    tasks = ProcessTasks(FakeApp())  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match="no sender"):
        await asyncio.wait_for(tasks.start(Broken(), wait_elected=True), 5)  # type: ignore[arg-type]
    await tasks.stop()


async def test_webhook_set_and_delete_call_the_bot_api_with_url_secret_and_update_types(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from bot.webhook import delete_webhook, set_webhook

    calls: list[tuple[str, dict[str, Any]]] = []

    async def handle(request: web.Request) -> web.Response:
        method = request.match_info["method"]
        form = dict(await request.post())
        calls.append((method, {k: str(v) for k, v in form.items()}))
        result: Any = True
        if method == "getMe":
            result = {"id": 123456, "is_bot": True, "first_name": "Bot", "username": "bot"}
        return web.json_response({"ok": True, "result": result})

    api = web.Application()
    api.router.add_post("/bot{token}/{method}", handle)
    runner = web.AppRunner(api, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    texts = Texts.load()
    try:
        missing = _settings(bot_token=TOKEN, telegram_api_url=url, webhook_secret=SECRET)
        assert await set_webhook(missing, texts, drop_pending=False) == 2
        assert "WEBHOOK_URL" in capsys.readouterr().err
        assert calls == []

        settings = missing.with_values(webhook_url="https://bot.example.ru/tg/hook")
        assert await set_webhook(settings, texts, drop_pending=True) == 0
        assert "https://bot.example.ru/tg/hook" in capsys.readouterr().out
        sent = dict(calls)["setWebhook"]
        assert sent["url"] == "https://bot.example.ru/tg/hook"
        assert sent["secret_token"] == SECRET
        assert sent["drop_pending_updates"] == "true"
        assert set(json.loads(sent["allowed_updates"])) == set(allowed_updates())

        calls.clear()
        assert await delete_webhook(settings, texts, drop_pending=False) == 0
        assert [m for m, _ in calls] == ["getMe", "deleteWebhook"]
        assert "drop_pending_updates" not in dict(calls)["deleteWebhook"] or (
            dict(calls)["deleteWebhook"]["drop_pending_updates"] == "false"
        )
    finally:
        await runner.cleanup()
