"""The whole appeal lifecycle through the staff chat, with the real bot process against the
emulator (SPEC §3; acceptance 1 of the staff-chat issue): a consumer files an appeal → the
card appears in the staff group → staff take it and ask a question → the consumer answers →
the answer lands in the thread → staff send the final answer → the consumer gets it with the
signature and a survey → rates 5 → the card shows "closed" and the rating."""

from __future__ import annotations

import asyncio
import re

from .client import BotMessage, BotProcess, EmulatorUser, GroupChat
from .conftest import RECEPTION, ROOT, BotFactory, UserFactory, _base_env
from .test_journey import consent

STAFF_CHAT = -1_001_234_567_890
STAFF_ID = 8_100_001
PROFILE = "/profile Петрова Анна Сергеевна; ведущий специалист; +7 831 000-00-01; petrova@vyksa.ru"


async def _file(user: EmulatorUser) -> None:
    await to_files_step(user, "Третий день по вечерам мигает свет и гаснет на несколько минут.")
    await submit_from_files(user)


async def to_files_step(user: EmulatorUser, text: str) -> None:
    """Consent, then a complaint about service quality up to the files step."""
    await consent(user)
    await user.press_reply("Подать обращение")
    await user.wait_for_text("Выберите вид обращения")
    await user.press("Жалоба или претензия")
    await user.wait_for_text("Выберите тему")
    await user.press("Качество обслуживания")
    await user.wait_for_text("Опишите суть обращения")
    await user.send_text(text)
    await user.wait_for_text("Приложите фото")


async def submit_from_files(user: EmulatorUser) -> None:
    """From the files step on: «Готово», the defaults, submit; waits for the number."""
    await user.press("Готово")
    await user.wait_for_text("фамилия, имя и отчество")
    await user.send_text("Иванова Мария Петровна")
    await user.wait_for_text("Адрес, к которому относится")
    await user.press("Пропустить")
    await user.wait_for_text("получить ответ")
    await user.press("В этот чат")
    await user.wait_for_text("категорий")
    await user.press("Не указывать")
    await user.wait_for_text("Проверьте обращение")
    await user.press("Отправить")
    await user.wait_for_text("зарегистрировано")


async def _card_shows(staff: EmulatorUser, card: BotMessage, *fragments: str) -> BotMessage:
    """The card, once an edit shows every fragment (edits arrive through the outbox)."""
    current = card
    for _ in range(100):
        current = await staff.get_message(card.message_id)
        if all(fragment in current.content for fragment in fragments):
            return current
        await asyncio.sleep(0.1)
    raise AssertionError(f"the card never showed {fragments}: {current.content!r}")


async def test_an_appeal_goes_through_the_staff_chat_and_the_answer_comes_back_rated(
    make_bot: BotFactory, bot_env: dict[str, str], make_user: UserFactory
) -> None:
    # The staff member is an admin here: she sets up her department and signs its answers
    # herself (§15.5: the answer names the official who signs).
    env = {
        **_base_env(),
        **bot_env,
        "STAFF_CHAT_ID": str(STAFF_CHAT),
        "ADMIN_IDS": str(STAFF_ID),
    }
    bot: BotProcess = make_bot([RECEPTION, "run"], env=env, cwd=ROOT)
    bot.start()
    consumer = make_user(first_name="Мария")
    staff = make_user(
        user_id=STAFF_ID, first_name="Анна", chat=GroupChat(id=STAFF_CHAT, title="Сотрудники")
    )
    await staff.set_chat_member("member")

    await _file(consumer)
    card = await staff.wait_for(
        lambda m: "ВЭ-" in m.content and m.find_button("Взять") is not None, timeout=30
    )
    assert "Иванова Мария Петровна" in card.content
    assert "зарегистрировано" in card.content

    await staff.send_command(PROFILE)
    await staff.wait_for_text("Профиль сохранён")
    await staff.send_command("/department Служба учёта")
    added = await staff.wait_for_text("Отдел добавлен", timeout=30)
    department = re.search(r"Отдел добавлен: (\d+)", added.content)
    assert department is not None
    await staff.send_command(f"/setdept {STAFF_ID} {department.group(1)}")
    await staff.wait_for_text("Готово", timeout=30)
    await staff.send_command(f"/depthead {department.group(1)} {STAFF_ID}")
    await staff.wait_for_text("подписывает", timeout=30)

    await staff.press("Взять", message=card)
    await _card_shows(staff, card, "в работе", "Петрова Анна Сергеевна")

    await staff.press("Уточнить", message=card)
    await staff.wait_for_text("напишите вопрос")
    await staff.send_text("Уточните, пожалуйста, номер опоры у вашего дома.")
    await consumer.wait_for_text("номер опоры", timeout=15)
    await consumer.press("Ответить на вопрос")
    await consumer.wait_for_text("Напишите ответ на вопрос")
    await consumer.send_text("Опора № 17, у калитки.")
    await consumer.wait_for_text("сохранено")
    await staff.wait_for_text("Опора № 17, у калитки.", timeout=15)

    await staff.send_text("Опора № 17 заменена, напряжение в норме.", reply_to=card)
    chooser = await staff.wait_for_text("что сделать с этим сообщением")
    await staff.press("окончательный ответ", message=chooser)
    preview = await staff.wait_for_text("проверьте окончательный ответ")
    assert "Петрова Анна Сергеевна" in preview.content
    await staff.press("окончательный ответ", message=preview)

    answer = await consumer.wait_for_text("Ответ на обращение", timeout=15)
    assert "Опора № 17 заменена" in answer.content
    assert "Петрова Анна Сергеевна" in answer.content
    assert "petrova@vyksa.ru" in answer.content
    assert "Подписал(а): ведущий специалист Петрова Анна Сергеевна" in answer.content
    survey = await consumer.wait_for_text("Оцените")
    await consumer.press("5", exact=True, message=survey)
    await consumer.wait_for_text("Ваш вопрос решён?")

    closed = await _card_shows(staff, card, "закрыто", "5 из 5")
    assert closed.find_button("Взять") is None
    # A clean run: nothing reached the consumer twice.
    await consumer.assert_no_message(0.5)


async def test_a_stranger_in_the_staff_chat_changes_nothing(
    make_bot: BotFactory,
    bot_env: dict[str, str],
    make_user: UserFactory,
) -> None:
    env = {**_base_env(), **bot_env, "STAFF_CHAT_ID": str(STAFF_CHAT)}
    bot: BotProcess = make_bot([RECEPTION, "run"], env=env, cwd=ROOT)
    bot.start()
    consumer = make_user(first_name="Мария")
    group = GroupChat(id=STAFF_CHAT, title="Сотрудники")
    staff = make_user(user_id=STAFF_ID, first_name="Анна", chat=group)
    await staff.set_chat_member("member")
    stranger = make_user(user_id=STAFF_ID + 1, first_name="Пётр", chat=group)
    await stranger.set_chat_member("left")
    await _file(consumer)
    card = await stranger.wait_for(
        lambda m: "ВЭ-" in m.content and m.find_button("Взять") is not None, timeout=30
    )
    await stranger.press("Взять", message=card)
    answer = await stranger.wait_for_callback_answer(stranger.last_callback_id)
    assert "только сотрудникам" in str(answer.get("text"))
    await stranger.send_command("/close", reply_to=card)
    await stranger.wait_for_text("только сотрудникам")
    current = await stranger.get_message(card.message_id)
    assert "зарегистрировано" in current.content
