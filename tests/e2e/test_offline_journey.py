"""A phone appeal registered with `/register` (issue 13, acceptance of "offline"): the real bot
against the emulator. Staff register it with the answer by post, extend it, answer it; the
thread holds a letter task for each notice with its full text, staff mark both done, the card
shows them done, and nothing is attempted in Telegram outside the staff chat (59-ФЗ ст. 12
ч. 2; §17.6)."""

from __future__ import annotations

import re

from .client import BotMessage, BotProcess, Emulator, EmulatorUser, GroupChat
from .conftest import RECEPTION, ROOT, BotFactory, UserFactory, _base_env
from .test_staff_journey import PROFILE, STAFF_CHAT, STAFF_ID, _card_shows

ADDRESS = "607060, Выкса, ул. Ленина, д. 1, кв. 2"


async def _register(staff: EmulatorUser) -> None:
    await staff.send_command("/register")
    await staff.wait_for_text("Как оно поступило?")
    await staff.press("По телефону")
    await staff.wait_for_text("Когда обращение поступило?")
    await staff.send_text("сегодня")
    await staff.wait_for_text("ФИО заявителя")
    await staff.send_text("Сидоров Пётр Ильич")
    await staff.wait_for_text("Как направить ответ?")
    await staff.press("Письмом по почте")
    await staff.wait_for_text("Почтовый адрес для ответа")
    await staff.send_text(ADDRESS)
    await staff.wait_for_text("Вид обращения")
    await staff.press("Жалоба или претензия")
    await staff.wait_for_text("Тема обращения")
    await staff.press("Качество обслуживания")
    await staff.wait_for_text("Текст обращения")
    await staff.send_text("Звонок: третий день мигает свет на ул. Ленина, 1.")
    await staff.wait_for_text("Проверьте")
    await staff.press("Зарегистрировать")
    await staff.wait_for_text("Зарегистрировано")


async def test_59fz_st12_ch2_phone_appeal_extended_then_answered_by_post_gets_two_letter_tasks(
    make_bot: BotFactory,
    bot_env: dict[str, str],
    make_user: UserFactory,
    emulator: Emulator,
    bot_token: str,
) -> None:
    env = {
        **_base_env(),
        **bot_env,
        "STAFF_CHAT_ID": str(STAFF_CHAT),
        "ADMIN_IDS": str(STAFF_ID),  # a head: may extend
    }
    bot: BotProcess = make_bot([RECEPTION, "run"], env=env, cwd=ROOT)
    bot.start()
    staff = make_user(
        user_id=STAFF_ID, first_name="Анна", chat=GroupChat(id=STAFF_CHAT, title="Сотрудники")
    )
    await staff.set_chat_member("member")
    await staff.send_command(PROFILE)
    await staff.wait_for_text("Профиль сохранён", timeout=30)
    # The answer's signature (§15.5) names the department's signing head: she is it.
    await staff.send_command("/department Служба учёта")
    added = await staff.wait_for_text("Отдел добавлен", timeout=30)
    department = re.search(r"Отдел добавлен: (\d+)", added.content)
    assert department is not None
    await staff.send_command(f"/setdept {STAFF_ID} {department.group(1)}")
    await staff.wait_for_text("Готово", timeout=30)
    await staff.send_command(f"/depthead {department.group(1)} {STAFF_ID}")
    await staff.wait_for_text("подписывает", timeout=30)

    await _register(staff)
    card = await staff.wait_for(
        lambda m: "ВЭ-" in m.content and m.find_button("Взять") is not None, timeout=30
    )
    assert "Сидоров Пётр Ильич" in card.content and ADDRESS in card.content

    await staff.press("Взять", message=card)
    await _card_shows(staff, card, "в работе")
    await staff.send_command("/extend 10 нужен выезд на место", reply_to=card)
    extension: BotMessage = await staff.wait_for_text("(продление срока) по адресу", timeout=15)
    assert ADDRESS in extension.content
    assert "Здравствуйте, Сидоров Пётр Ильич!" in extension.content
    assert "продлён до" in extension.content and "нужен выезд на место" in extension.content
    await _card_shows(staff, card, "письмо: продление срока — не выполнено")

    await staff.send_command("/answer Опора № 17 заменена, напряжение в норме.", reply_to=card)
    preview = await staff.wait_for_text("проверьте окончательный ответ", timeout=15)
    await staff.press("окончательный ответ", message=preview)
    answer = await staff.wait_for_text("(ответ) по адресу", timeout=15)
    assert "Опора № 17 заменена" in answer.content
    assert "Петрова Анна Сергеевна" in answer.content  # the signature (§15.5) in the letter

    await staff.press("Выполнено", message=extension)
    await staff.wait_for_text("продление срока — отправлено", timeout=15)
    await staff.press("Выполнено", message=answer)
    await staff.wait_for_text("ответ — отправлено", timeout=15)
    await _card_shows(
        staff,
        card,
        "письмо: продление срока — выполнено",
        "письмо: ответ — выполнено",
    )

    # Nothing attempted in Telegram but the staff chat: the appellant has no chat.
    calls = await emulator.calls(token=bot_token)
    sent = [call for call in calls if call.get("method") == "sendMessage"]
    assert any(int(call["params"]["chat_id"]) == STAFF_CHAT for call in sent)  # the check sees
    elsewhere = [
        call
        for call in calls
        if call.get("method") in {"sendMessage", "copyMessage", "sendPhoto", "sendDocument"}
        and int((call.get("params") or {}).get("chat_id", STAFF_CHAT)) != STAFF_CHAT
    ]
    assert elsewhere == []
