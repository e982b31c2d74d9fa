"""`reception doctor` against the emulator (issue 15, acceptance 4): a staff chat that is not a
forum and a bot that is not an admin there are both reported, each with its fix; exit code 1.
The real `reception doctor` process, the emulator's getMe/getChat/getChatMember."""

from __future__ import annotations

import asyncio

import pytest

from core.texts import Texts

from .client import Emulator
from .conftest import RECEPTION, _base_env

pytestmark = pytest.mark.asyncio

STAFF_CHAT = -1001500000015


async def _doctor(env: dict[str, str]) -> tuple[int, list[str]]:
    process = await asyncio.create_subprocess_exec(
        RECEPTION,
        "doctor",
        env={**_base_env(), **env},
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert "Traceback" not in err.decode()
    assert process.returncode is not None
    return process.returncode, out.decode().splitlines()


async def test_doctor_reports_a_chat_without_topics_and_a_bot_that_is_no_admin(
    emulator: Emulator, bot_token: str, bot_env: dict[str, str], texts: Texts
) -> None:
    bot_id = int(bot_token.split(":")[0])
    await emulator.set_chat(STAFF_CHAT, token=bot_token, is_forum=False, title="Приёмная")
    await emulator.set_chat_member(STAFF_CHAT, bot_id, "member", token=bot_token)
    env = {**bot_env, "STAFF_CHAT_ID": str(STAFF_CHAT)}

    code, lines = await _doctor(env)

    assert code == 1
    not_forum = texts.plain("doctor-staff-not-forum", title="Приёмная")
    not_admin = texts.plain("doctor-staff-not-admin", title="Приёмная", status="member")
    for text, fix in (
        (not_forum, texts.plain("doctor-staff-not-forum-fix")),
        (not_admin, texts.plain("doctor-staff-not-admin-fix")),
    ):
        expected = texts.plain("doctor-failed-line", mark="❌", text=text, fix=fix)
        assert expected in lines, "\n".join(lines)
    assert lines[0].startswith("✅ ")  # the token: getMe answered
    assert lines[-1] == texts.plain("doctor-summary-failed", count=2)

    # Topics on, the bot an admin that may manage them: every line passes, exit code 0.
    await emulator.set_chat(STAFF_CHAT, token=bot_token, is_forum=True)
    await emulator.set_chat_member(
        STAFF_CHAT,
        bot_id,
        "administrator",
        token=bot_token,
        can_manage_topics=True,
        can_send_welcome_messages=False,
    )
    code, lines = await _doctor(env)
    assert code == 0, "\n".join(lines)
    assert all(line.startswith("✅ ") for line in lines[:-1])
    assert lines[-1] == texts.plain("doctor-summary-ok")
