"""/report with the real bot process against the emulator (issue 14, acceptance 3): a head
sends /report, picks «Прошлый месяц» and receives the XLSX document and the PNG summary with
the key figures in its caption (both multipart uploads); a specialist is refused."""

from __future__ import annotations

from .client import BotProcess, GroupChat
from .conftest import RECEPTION, ROOT, BotFactory, UserFactory, _base_env

STAFF_CHAT = -1_001_234_567_892
HEAD_ID = 8_100_011  # listed in ADMIN_IDS: an admin, at least a head
SPECIALIST_ID = 8_100_012


async def test_a_head_gets_last_months_report_and_a_specialist_is_refused(
    make_bot: BotFactory, bot_env: dict[str, str], make_user: UserFactory
) -> None:
    env = {
        **_base_env(),
        **bot_env,
        "STAFF_CHAT_ID": str(STAFF_CHAT),
        "ADMIN_IDS": str(HEAD_ID),
    }
    bot: BotProcess = make_bot([RECEPTION, "run"], env=env, cwd=ROOT)
    bot.start()
    group = GroupChat(id=STAFF_CHAT, title="Сотрудники")
    head = make_user(user_id=HEAD_ID, first_name="Ольга", chat=group)
    specialist = make_user(user_id=SPECIALIST_ID, first_name="Иван", chat=group)
    await head.set_chat_member("member")
    await specialist.set_chat_member("member")

    await specialist.send_command("/report")
    refusal = await specialist.wait_for_text("нужна роль", timeout=90)  # the bot starting
    assert "руководитель" in refusal.content

    await head.send_command("/report")
    picker = await head.wait_for_text("За какой период")
    assert [button.text for button in picker.inline_buttons] == [
        "Этот месяц",
        "Прошлый месяц",
        "Этот квартал",
        "Этот год",
        "Свои даты…",
    ]
    await head.press("Прошлый месяц", message=picker)
    document = await head.wait_for(lambda m: m.document is not None, timeout=60)
    assert (document.file_name or "").endswith(".xlsx")
    assert (document.file_name or "").startswith("report-")
    photo = await head.wait_for(lambda m: bool(m.photo), timeout=60)
    assert (photo.file_name or "").endswith(".png")
    assert "Отчёт за" in (photo.caption or "")
    assert "Обращений: 0" in (photo.caption or "")
