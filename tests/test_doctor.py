"""`reception doctor` (bot/doctor.py) in process: each check against a loopback Bot API that
answers getMe/getChat/getChatMember/getUpdates as a test sets it, real SMTP (aiosmtpd) and
closed ports, and databases in every state. One line a check, ✅ or ❌ with the fix; exit code
0 only when all pass. The staff chat end to end, against the emulator:
tests/e2e/test_doctor_e2e.py."""

from __future__ import annotations

import logging
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import web
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.doctor import (
    CheckLine,
    check_database,
    check_redis,
    check_smtp,
    cmd_doctor,
    diagnose,
    startup_warnings,
)
from bot.factory import build_bot
from bot.settings import Settings
from core.texts import Texts
from storage.engine import create_engine
from storage.migrate import head_revision, upgrade
from tests.mail import mail_server
from tests.safety import FAKE_TOKEN, TEST_PD_KEY

ROOT = Path(__file__).resolve().parent.parent
BOT_ID = int(FAKE_TOKEN.split(":")[0])
STAFF = -1001234567890
ADMIN_RIGHTS: dict[str, Any] = {
    "can_be_edited": False,
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": True,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": True,
    "can_invite_users": True,
    "can_post_stories": False,
    "can_edit_stories": False,
    "can_delete_stories": False,
    "can_send_welcome_messages": False,
    "can_manage_topics": True,
}


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class BotApi:
    """What the fake Bot API answers: the staff chat, the bot's membership, pending updates."""

    def __init__(self) -> None:
        self.chat: dict[str, Any] = {
            "id": STAFF,
            "type": "supergroup",
            "title": "Приёмная",
            "is_forum": True,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }
        self.member: dict[str, Any] = {"status": "administrator", **ADMIN_RIGHTS}
        self.updates: list[dict[str, Any]] = []
        self.conflict = False
        self.calls: list[str] = []

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        self.calls.append(method)
        bot = {"id": BOT_ID, "is_bot": True, "first_name": "Reception", "username": "rcp_bot"}
        if method == "getMe":
            return web.json_response({"ok": True, "result": bot})
        if method == "getChat":
            return web.json_response({"ok": True, "result": self.chat})
        if method == "getChatMember":
            return web.json_response({"ok": True, "result": {**self.member, "user": bot}})
        if method == "getUpdates" and self.conflict:
            body = {"ok": False, "error_code": 409, "description": "Conflict: other getUpdates"}
            return web.json_response(body, status=409)
        if method == "getUpdates":
            return web.json_response({"ok": True, "result": self.updates})
        body = {"ok": False, "error_code": 404, "description": "Not Found"}
        return web.json_response(body, status=404)


@pytest_asyncio.fixture
async def api() -> AsyncIterator[tuple[BotApi, str]]:
    state = BotApi()
    app = web.Application()
    app.router.add_route("*", "/bot{token}/{method}", state.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield state, f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def _settings(api_url: str, database_url: str, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "bot_token": FAKE_TOKEN,
        "telegram_api_url": api_url,
        "database_url": database_url,
        "content_dir": ROOT / "content",
        "redis_url": None,
        "pd_encryption_key": TEST_PD_KEY,
        "staff_chat_id": STAFF,
    }
    return Settings(_env_file=None, **{**values, **extra})


async def _lines(settings: Settings, texts: Texts) -> list[CheckLine]:
    bot = build_bot(settings)
    try:
        return await diagnose(settings, texts, bot)
    finally:
        await bot.session.close()


def _staff(lines: list[CheckLine], texts: Texts) -> list[str]:
    marker = texts.plain("doctor-staff-unset").split(":")[0]
    return [line.render(texts) for line in lines if line.text.startswith(marker)]


async def test_everything_in_place_is_all_green_and_exit_code_0(
    api: tuple[BotApi, str],
    engine: AsyncEngine,
    database_url: str,
    texts: Texts,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, url = api
    settings = _settings(url, database_url)
    lines = await _lines(settings, texts)
    assert [line.ok for line in lines] == [True] * 5, [line.render(texts) for line in lines]
    assert await cmd_doctor(settings, texts) == 0
    out = capsys.readouterr().out.splitlines()
    assert all(line.startswith("✅") for line in out[:-1])
    assert "@rcp_bot" in out[0]
    assert out[-1] == texts.plain("doctor-summary-ok")
    assert FAKE_TOKEN.split(":")[1] not in "\n".join(out)


@pytest.mark.parametrize(
    ("chat", "member", "expected"),
    [
        ({"type": "group", "is_forum": False}, {}, ["doctor-staff-not-supergroup"]),
        ({"is_forum": False}, {}, ["doctor-staff-not-forum"]),
        ({}, {"status": "member"}, ["doctor-staff-not-admin"]),
        ({}, {"status": "left"}, ["doctor-staff-not-admin"]),
        ({}, {"can_manage_topics": False}, ["doctor-staff-no-topics-right"]),
        (
            {"is_forum": False},
            {"status": "member"},
            ["doctor-staff-not-forum", "doctor-staff-not-admin"],
        ),
        # Without topics the bot posts cards, which needs no right to manage topics.
        ({"is_forum": False}, {"can_manage_topics": False}, ["doctor-staff-not-forum"]),
    ],
)
async def test_each_staff_chat_problem_has_its_line_and_fix(
    api: tuple[BotApi, str],
    tmp_path: Path,
    texts: Texts,
    chat: dict[str, Any],
    member: dict[str, Any],
    expected: list[str],
) -> None:
    state, url = api
    state.chat.update(chat)
    if member.get("status") in {"member", "left"}:
        state.member = {"status": member["status"]}
    else:
        state.member.update(member)
    lines = await _lines(_settings(url, f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"), texts)
    failed = [line for line in lines[1:3] if not line.ok]
    values = {"title": "Приёмная", "type": chat.get("type", ""), "status": state.member["status"]}
    assert [line.text for line in failed] == [texts.plain(key, **values) for key in expected]
    assert [line.fix for line in failed] == [texts.plain(f"{key}-fix") for key in expected]
    for line in failed:
        assert line.render(texts).startswith("❌ ") and "\n" not in line.render(texts)


async def test_an_unset_staff_chat_lists_the_groups_the_bot_was_added_to(
    api: tuple[BotApi, str], tmp_path: Path, texts: Texts
) -> None:
    state, url = api
    group = {"id": -1009876543210, "type": "supergroup", "title": "Сотрудники"}
    bot = {"id": BOT_ID, "is_bot": True, "first_name": "Reception"}
    state.updates = [
        {
            "update_id": 5,
            "my_chat_member": {
                "chat": group,
                "from": {"id": 77, "is_bot": False, "first_name": "Admin"},
                "date": 1,
                "old_chat_member": {"status": "left", "user": bot},
                "new_chat_member": {"status": "member", "user": bot},
            },
        },
        {
            "update_id": 6,
            "message": {
                "message_id": 1,
                "date": 1,
                "chat": {"id": 77, "type": "private", "first_name": "Admin"},
                "text": "hi",
            },
        },
    ]
    settings = _settings(url, f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", staff_chat_id=None)
    lines = await _lines(settings, texts)
    (staff,) = _staff(lines, texts)
    assert staff.startswith("❌ " + texts.plain("doctor-staff-unset"))
    assert "«Сотрудники» — -1009876543210" in staff
    assert "77" not in staff.replace("-1009876543210", "")  # private chats are not listed
    assert "getUpdates" in state.calls

    state.conflict = True  # the bot is running: getUpdates is its own
    (staff,) = _staff(await _lines(settings, texts), texts)
    assert staff.endswith(texts.plain("doctor-staff-groups-busy"))


async def test_run_warns_of_the_staff_chat_smtp_and_redis_but_not_of_what_passes(
    api: tuple[BotApi, str],
    tmp_path: Path,
    texts: Texts,
    caplog: pytest.LogCaptureFixture,
) -> None:
    state, url = api
    settings = _settings(
        url,
        f"sqlite+aiosqlite:///{tmp_path / 'x.db'}",
        staff_chat_id=None,
        smtp_host="127.0.0.1",
        smtp_port=_closed_port(),
        smtp_from="otvet@example.ru",
        redis_url=f"redis://127.0.0.1:{_closed_port()}/0",
    )
    bot = build_bot(settings)
    try:
        me = await bot.get_me()
        with caplog.at_level(logging.WARNING, logger="bot.doctor"):
            warnings = await startup_warnings(bot, me, settings, texts)
    finally:
        await bot.session.close()
    assert len(warnings) == 3
    assert "getUpdates" not in state.calls  # the bot's updates are left for its polling
    assert warnings[0].startswith("❌ " + texts.plain("doctor-staff-unset"))
    assert "SMTP" in warnings[1] and "Redis" in warnings[2]
    assert [record.getMessage() for record in caplog.records] == [
        f"start-up check: {line}" for line in warnings
    ]
    state.chat["is_forum"] = True
    good = settings.with_values(staff_chat_id=STAFF, smtp_host=None, redis_url=None)
    bot = build_bot(good)
    try:
        assert await startup_warnings(bot, await bot.get_me(), good, texts) == []
    finally:
        await bot.session.close()


async def test_a_missing_token_and_an_unreachable_api_are_reported(
    tmp_path: Path, texts: Texts, capsys: pytest.CaptureFixture[str]
) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"
    settings = _settings("http://127.0.0.1:1", database, bot_token=None)
    assert await cmd_doctor(settings, texts) == 1
    out = capsys.readouterr().out
    assert out.startswith("❌ " + texts.plain("doctor-token-missing"))
    assert texts.plain("doctor-summary-failed", count=3) in out  # token, chat, no database

    settings = _settings(f"http://127.0.0.1:{_closed_port()}", database)
    lines = await _lines(settings, texts)
    assert lines[0].text == texts.plain("doctor-api-unreachable", api=settings.telegram.api_url)
    assert lines[1].text == texts.plain("doctor-staff-unchecked", id=str(STAFF))


async def test_database_states(tmp_path: Path, texts: Texts) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    settings = _settings("http://127.0.0.1:1", url)
    missing = await check_database(settings, texts)
    assert not missing.ok and missing.fix == texts.plain("doctor-db-missing-fix")
    assert not (tmp_path / "bot.db").exists()  # the doctor makes nothing

    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE other (id INTEGER)"))
        foreign = await check_database(settings, texts)
        assert foreign.text.startswith(texts.plain("doctor-db-foreign", database=url))
        async with engine.begin() as connection:
            await connection.execute(text("DROP TABLE other"))
        assert (await check_database(settings, texts)).fix == texts.plain("doctor-db-empty-fix")

        await upgrade(engine)
        ok = await check_database(settings, texts)
        assert ok.ok and head_revision() in ok.text
        async with engine.begin() as connection:
            await connection.execute(text("UPDATE alembic_version SET version_num = '0017'"))
        behind = await check_database(settings, texts)
        assert not behind.ok
        assert behind.text == texts.plain(
            "doctor-db-behind", database=url, revision="0017", head=head_revision()
        )
        async with engine.begin() as connection:
            await connection.execute(text("UPDATE alembic_version SET version_num = '9999_x'"))
        newer = await check_database(settings, texts)
        assert newer.fix == texts.plain("doctor-db-newer-fix")
    finally:
        await engine.dispose()


async def test_a_database_that_does_not_open_names_no_password(texts: Texts) -> None:
    url = f"postgresql+asyncpg://reception:s3cret@127.0.0.1:{_closed_port()}/test"
    line = await check_database(_settings("http://127.0.0.1:1", url), texts)
    assert not line.ok and "s3cret" not in line.render(texts)
    assert line.fix == texts.plain("doctor-db-unreachable-fix")


async def test_smtp_is_asked_ehlo_and_sent_nothing(texts: Texts, tmp_path: Path) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"
    assert await check_smtp(_settings("http://127.0.0.1:1", database), texts) is None
    with mail_server() as (inbox, port):
        settings = _settings(
            "http://127.0.0.1:1",
            database,
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_from="otvet@example.ru",
            smtp_starttls=False,
        )
        line = await check_smtp(settings, texts)
        assert line is not None and line.ok, line
        assert inbox.messages == []
    closed = settings.with_values(smtp_port=_closed_port())
    line = await check_smtp(closed, texts)
    assert line is not None and not line.ok
    assert line.fix == texts.plain("doctor-smtp-failed-fix")


async def test_redis_is_pinged_when_set(texts: Texts, tmp_path: Path) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"
    assert await check_redis(_settings("http://127.0.0.1:1", database), texts) is None
    url = f"redis://:pw-secret@127.0.0.1:{_closed_port()}/0"
    line = await check_redis(_settings("http://127.0.0.1:1", database, redis_url=url), texts)
    assert line is not None and not line.ok
    assert "pw-secret" not in line.render(texts)
    assert line.fix == texts.plain("doctor-redis-failed-fix")
