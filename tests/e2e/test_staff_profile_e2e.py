"""A specialist without a profile answers an appeal by buttons (issue 15, acceptance 3), with
the real bot process against the emulator: «Ответить» on the card starts the profile dialog
in the staff chat, the name and the position are buttons, the phone and the e-mail are
typed, then the answer's prompt comes back, and the answer reaches the consumer signed with
that profile — no command typed by the specialist."""

from __future__ import annotations

import re

from .client import BotProcess, GroupChat
from .conftest import RECEPTION, ROOT, BotFactory, UserFactory, _base_env
from .test_staff_journey import _file

STAFF_CHAT = -1_001_234_567_890
ADMIN_ID = 8_100_001
SPECIALIST_ID = 8_100_002
ADMIN_PROFILE = (
    "/profile Смирнов Олег Иванович; начальник службы; +7 831 000-00-09; smirnov@vyksa.ru"
)


async def test_a_specialist_without_a_profile_answers_by_buttons(
    make_bot: BotFactory, bot_env: dict[str, str], make_user: UserFactory
) -> None:
    env = {
        **_base_env(),
        **bot_env,
        "STAFF_CHAT_ID": str(STAFF_CHAT),
        "ADMIN_IDS": str(ADMIN_ID),
    }
    bot: BotProcess = make_bot([RECEPTION, "run"], env=env, cwd=ROOT)
    bot.start()
    group = GroupChat(id=STAFF_CHAT, title="Сотрудники")
    consumer = make_user(first_name="Мария")
    admin = make_user(user_id=ADMIN_ID, first_name="Олег", chat=group)
    specialist = make_user(
        user_id=SPECIALIST_ID, first_name="Анна", last_name="Петрова", chat=group
    )
    await admin.set_chat_member("member")
    await specialist.set_chat_member("member")

    # The admin sets up the department whose head signs; the specialist is put in it and
    # has no name, position, phone or e-mail yet.
    await admin.send_command(ADMIN_PROFILE)
    await admin.wait_for_text("Профиль сохранён", timeout=30)
    await admin.send_command("/department Служба учёта")
    added = await admin.wait_for_text("Отдел добавлен", timeout=30)
    department = re.search(r"Отдел добавлен: (\d+)", added.content)
    assert department is not None
    await admin.send_command(f"/setdept {SPECIALIST_ID} {department.group(1)}")
    await admin.wait_for_text("Готово", timeout=30)
    await admin.send_command(f"/depthead {department.group(1)} {ADMIN_ID}")
    await admin.wait_for_text("подписывает", timeout=30)

    await _file(consumer)
    card = await specialist.wait_for(
        lambda m: "ВЭ-" in m.content and m.find_button("Ответить") is not None, timeout=30
    )

    await specialist.press("Ответить", message=card)
    asked = await specialist.wait_for_text("Фамилия, имя и отчество", timeout=15)
    assert "ответ подписывается вашими данными" in asked.content
    await specialist.press("Анна Петрова", exact=True, message=asked)
    position = await specialist.wait_for_text("Ваша должность", timeout=15)
    await specialist.press("ведущий специалист", exact=True, message=position)
    await specialist.wait_for_text("Рабочий телефон", timeout=15)
    await specialist.send_text("8 831 000-00-01")
    await specialist.wait_for_text("Рабочий e-mail", timeout=15)
    await specialist.send_text("petrova@vyksa.ru")
    await specialist.wait_for_text("Профиль сохранён", timeout=15)
    await specialist.wait_for_text("напишите текст окончательного ответа", timeout=15)
    await specialist.send_text("Опора № 17 заменена, напряжение в норме.")
    preview = await specialist.wait_for_text("проверьте окончательный ответ", timeout=15)
    assert "Анна Петрова" in preview.content
    await specialist.press("окончательный ответ", message=preview)

    answer = await consumer.wait_for_text("Ответ на обращение", timeout=15)
    assert "Опора № 17 заменена" in answer.content
    assert "Анна Петрова" in answer.content
    assert "ведущий специалист" in answer.content
    assert "petrova@vyksa.ru" in answer.content
    assert "Подписал(а): начальник службы Смирнов Олег Иванович" in answer.content
