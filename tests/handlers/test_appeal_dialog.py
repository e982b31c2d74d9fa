"""Filing an appeal through the bot, and «Мои обращения» (SPEC §2; regulation §15)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import func, select

from core.texts import Texts
from domain.appeals import TEXT_MAX
from domain.clock import FixedClock
from storage.models import AppealAttachmentRow, AppealEventRow, AppealRow
from tests.fakes import inline_buttons, texts_of
from tests.handlers.conftest import consented
from tests.harness import BotHarness, Person

pytestmark = pytest.mark.usefixtures("registry")

COMPLAINT_TEXT = "Третий день по вечерам мигает свет и гаснет на несколько минут."


def _photo(unique: str, size: int = 150_000) -> list[dict[str, Any]]:
    return [
        {
            "file_id": f"photo-{unique}",
            "file_unique_id": unique,
            "width": 800,
            "height": 600,
            "file_size": size,
        }
    ]


async def _linked(harness: BotHarness, texts: Texts) -> Person:
    person = await consented(harness, texts)
    await person.send("/accounts")
    await person.press(texts.get("accounts-link-button"))
    await person.send("1000000001")
    await person.send("Иванова")
    await person.deliver()  # «счёт привязан» is queued with the link
    return person


async def _to_text_step(
    person: Person, texts: Texts, kind: str = "complaint", subject: str = "service_quality"
) -> None:
    await person.send(texts.get("menu-appeal"))
    await person.press(texts.get(f"appeal-kind-{kind}"))
    await person.press(texts.get(f"appeal-subject-{subject}"))


async def _rows(harness: BotHarness, table: Any) -> int:
    async with harness.app.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


async def test_a_linked_consumer_files_a_complaint_with_two_photos_and_gets_number_and_due(
    harness: BotHarness, texts: Texts
) -> None:
    """§15.2 registration with a number; §15.4/§18.9: 30 calendar days, a working day."""
    person = await _linked(harness, texts)
    await _to_text_step(person, texts)
    calls = await person.send(COMPLAINT_TEXT)
    assert texts.get("appeal-ask-attachments", max=10, mb=20) in texts_of(calls)
    calls = await person.send(None, photo=_photo("a"), media_group_id="album-1")
    assert texts_of(calls) == [texts.get("appeal-album-added")]
    calls = await person.send(None, photo=_photo("b"), media_group_id="album-1")
    assert calls == []  # one answer per album
    await person.press(texts.get("appeal-attachments-done"))
    # Name and address come prefilled from the linked account.
    await person.press("Иванова Мария Петровна")
    await person.press("Выкса, ул. Ленина, 12, 5")
    await person.press(texts.get("appeal-channel-chat"))
    calls = await person.press(texts.get("appeal-vulnerable-pensioner"))
    summary = texts_of(calls)[0]
    assert COMPLAINT_TEXT in summary and "Файлы: 2" in summary and "Пенсионер" in summary
    await person.press(texts.get("appeal-summary-submit"))
    # The confirmation is queued with the registration (notifier/replies.py).
    registered = texts_of(await person.deliver())[0]
    assert re.search(r"Номер: <code>ВЭ-2026-\d{6}</code>", registered)
    # Registered Tuesday 24.11.2026 10:00 Moscow time: 24.12.2026 is a Thursday.
    assert "не позднее <b>24.12.2026</b>" in registered
    assert await _rows(harness, AppealRow) == 1
    assert await _rows(harness, AppealAttachmentRow) == 2
    assert await _rows(harness, AppealEventRow) == 1


async def test_cancel_in_the_middle_leaves_nothing_registered(
    harness: BotHarness, texts: Texts
) -> None:
    person = await _linked(harness, texts)
    await _to_text_step(person, texts)
    await person.send(COMPLAINT_TEXT)
    calls = await person.send("/cancel")
    assert texts_of(calls) == [texts.get("cancel-done")]
    assert await _rows(harness, AppealRow) == 0
    assert (
        await harness.app.storage.get_state(
            harness.app.dispatcher.fsm.get_context(harness.bot, person.user.id, person.user.id).key
        )
        is None
    )


async def test_a_restart_in_the_middle_resumes_at_the_same_step_with_what_was_entered(
    harness: BotHarness, texts: Texts
) -> None:
    person = await _linked(harness, texts)
    await _to_text_step(person, texts)
    await person.send(COMPLAINT_TEXT)
    restarted = await BotHarness.start(
        harness.app.settings,
        clock=FixedClock(harness.app.clock.now()),
        texts=texts,
        content=harness.app.content,
    )
    try:
        again = restarted.person(user_id=person.user.id)
        again.last_inline = person.last_inline
        await again.press(texts.get("appeal-attachments-done"))
        await again.press("Иванова Мария Петровна")
        await again.press(texts.get("appeal-skip"))
        await again.press(texts.get("appeal-channel-chat"))
        calls = await again.press(texts.get("appeal-vulnerable-none"))
        assert COMPLAINT_TEXT in texts_of(calls)[0]
        await again.press(texts.get("appeal-summary-submit"))
        assert "Обращение зарегистрировано" in texts_of(await again.deliver())[0]
    finally:
        await restarted.close()


async def test_quality_complaint_asks_what_pp55_requires(
    harness: BotHarness, texts: Texts
) -> None:
    """ПП 442 (ред. ПП 55): time of the violation, device address, contract (the rest of the
    set, tests/handlers/test_appeal_pp55.py, sent later here)."""
    person = await _linked(harness, texts)
    await _to_text_step(person, texts, subject="power_quality")
    await person.press(texts.get("pp55-applicant-person"))
    calls = await person.send("завтра вечером")
    assert texts_of(calls) == [texts.get("when-future")]
    calls = await person.send("23.11.2026 18:30")
    assert texts_of(calls) == [texts.get("when-understood", when="23.11.2026, 18:30")]
    await person.press(texts.get("when-yes"))
    await person.press("Выкса, ул. Ленина, 12, 5")
    await person.send("Д-1234")
    for _ in range(6):  # residence, birth date and place, passport, phone, e-mail
        await person.press(texts.get("pp55-later"))
    calls = await person.press(texts.get("pp55-later"))  # the demand
    assert texts.get("appeal-ask-text", min=10, max=TEXT_MAX) in texts_of(calls)
    await person.send(COMPLAINT_TEXT)
    await person.press(texts.get("appeal-attachments-done"))
    await person.press("Иванова Мария Петровна")
    await person.press(texts.get("appeal-skip"))
    await person.press(texts.get("appeal-channel-chat"))
    calls = await person.press(texts.get("appeal-vulnerable-none"))
    assert "Время нарушения: 23.11.2026 18:30" in texts_of(calls)[0]
    assert "Договор: Д-1234" in texts_of(calls)[0]


async def test_anonymous_appeal_cannot_go_on_without_a_name_or_contact(
    harness: BotHarness, texts: Texts
) -> None:
    """§15.10, 59-ФЗ ст. 11: no name or no contact — said at the step, before submit."""
    person = await consented(harness, texts)  # not linked: nothing to prefill
    await _to_text_step(person, texts)
    await person.send(COMPLAINT_TEXT)
    await person.press(texts.get("appeal-attachments-done"))
    calls = await person.send("аноним")
    assert texts_of(calls) == [texts.get("appeal-full-name-invalid")]
    await person.send("Петров Сергей")
    await person.press(texts.get("appeal-skip"))
    await person.press(texts.get("appeal-channel-email"))
    calls = await person.send("не скажу")
    assert texts_of(calls) == [texts.get("contact-error-invalid-email")]
    await person.send("Petrov@Example.RU")
    calls = await person.press(texts.get("appeal-vulnerable-none"))
    assert "Petrov@example.ru" in texts_of(calls)[0]


async def test_phone_numbers_are_normalised_to_plus_seven(
    harness: BotHarness, texts: Texts
) -> None:
    person = await _linked(harness, texts)
    await _to_text_step(person, texts)
    await person.send(COMPLAINT_TEXT)
    await person.press(texts.get("appeal-attachments-done"))
    await person.press("Иванова Мария Петровна")
    await person.press(texts.get("appeal-skip"))
    await person.press(texts.get("appeal-channel-phone"))
    calls = await person.send("12345")
    assert texts_of(calls) == [texts.get("contact-error-invalid-phone")]
    await person.send("8 (920) 000-00-01")
    calls = await person.press(texts.get("appeal-vulnerable-none"))
    assert "+79200000001" in texts_of(calls)[0]


async def test_a_too_long_text_is_kept_and_the_rest_can_follow_as_an_addition(
    harness: BotHarness, texts: Texts
) -> None:
    person = await _linked(harness, texts)
    await _to_text_step(person, texts)
    long_text = ("Свет гаснет каждый вечер. " * 300).strip()
    calls = await person.send(long_text)
    assert texts.get("appeal-text-split") in [label for label, _ in inline_buttons(calls[0])]
    await person.press(texts.get("appeal-text-split"))
    await person.press(texts.get("appeal-attachments-done"))
    await person.press("Иванова Мария Петровна")
    await person.press(texts.get("appeal-skip"))
    await person.press(texts.get("appeal-channel-chat"))
    await person.press(texts.get("appeal-vulnerable-none"))
    await person.press(texts.get("appeal-summary-submit"))
    delivered = texts_of(await person.deliver())
    assert "Обращение зарегистрировано" in delivered[0]
    assert delivered[1:] == [texts.get("appeal-registered-rest-added")]
    async with harness.app.sessionmaker() as session:
        stored = await session.scalar(select(AppealRow.text))
        events = (await session.scalars(select(AppealEventRow.reason))).all()
    assert stored is not None and len(stored) <= TEXT_MAX
    assert stored + " " + events[-1] == long_text


async def test_edit_from_the_summary_returns_to_the_summary(
    harness: BotHarness, texts: Texts
) -> None:
    person = await _linked(harness, texts)
    await _to_text_step(person, texts)
    await person.send(COMPLAINT_TEXT)
    await person.press(texts.get("appeal-attachments-done"))
    await person.press("Иванова Мария Петровна")
    await person.press(texts.get("appeal-skip"))
    await person.press(texts.get("appeal-channel-chat"))
    await person.press(texts.get("appeal-vulnerable-none"))
    await person.press(texts.get("appeal-edit-text"))
    calls = await person.send("Исправленный текст обращения про свет.")
    assert "Исправленный текст обращения про свет." in texts_of(calls)[0]
    assert texts.get("appeal-summary-submit") in [label for label, _ in inline_buttons(calls[0])]


async def _file_one(person: Person, texts: Texts) -> None:
    await _to_text_step(person, texts)
    await person.send(COMPLAINT_TEXT)
    await submit_from_files(person, texts)


async def submit_from_files(person: Person, texts: Texts) -> None:
    """From the files step on: «Готово», the defaults, submit."""
    await person.press(texts.get("appeal-attachments-done"))
    await person.press("Иванова Мария Петровна")
    await person.press(texts.get("appeal-skip"))
    await person.press(texts.get("appeal-channel-chat"))
    await person.press(texts.get("appeal-vulnerable-none"))
    await person.press(texts.get("appeal-summary-submit"))


async def test_my_appeals_shows_the_list_details_and_takes_additions(
    harness: BotHarness, texts: Texts
) -> None:
    person = await _linked(harness, texts)
    await _file_one(person, texts)
    await person.deliver()  # the confirmation, queued with the registration
    calls = await person.send(texts.get("menu-my-appeals"))
    listing = texts_of(calls)[0]
    number = re.search(r"ВЭ-2026-\d{6}", listing)
    assert number is not None and "зарегистрировано" in listing
    calls = await person.press(number.group(0))
    assert COMPLAINT_TEXT in texts_of(calls)[0]
    await person.press(texts.get("appeal-add-info-button"))
    await person.send("Сегодня снова гас свет в 19:40.")
    delivered = await person.deliver()
    assert texts_of(delivered) == [texts.get("appeal-info-added", number=number.group(0))]
    await person.send("/appeals")
    calls = await person.press(number.group(0))
    assert "Сегодня снова гас свет" in texts_of(calls)[0]


async def test_another_persons_appeal_stays_hidden_even_with_hand_made_callback_data(
    harness: BotHarness, texts: Texts
) -> None:
    """SPEC «What must never happen»: one consumer sees another's data."""
    owner = await _linked(harness, texts)
    await _file_one(owner, texts)
    intruder = await consented(harness, texts, user_id=7_000_099)
    await intruder.send("/appeals")
    async with harness.app.sessionmaker() as session:
        appeal_id = await session.scalar(select(AppealRow.id))
    from handlers.my_appeals import MyAppeals

    for action in ("open", "add", "reopen"):
        crafted = MyAppeals(action=action, appeal=int(appeal_id or 0)).pack()
        intruder.last_inline = [("crafted", crafted, owner.last_inline[0][2])]
        calls = await intruder.press("crafted")
        assert COMPLAINT_TEXT not in "".join(texts_of(calls))
        alerts = [getattr(c, "text", None) for c in calls]
        assert texts.get("appeal-not-found") in alerts
    assert await _rows(harness, AppealEventRow) == 1  # nothing was added or reopened


async def test_a_voice_message_is_accepted_as_the_text_and_kept_for_staff(
    harness: BotHarness, texts: Texts
) -> None:
    """SPEC §2: a voice message is accepted too, kept as an attachment for staff to hear."""
    person = await _linked(harness, texts)
    await _to_text_step(person, texts)
    voice = {
        "file_id": "voice-1",
        "file_unique_id": "v1",
        "duration": 12,
        "mime_type": "audio/ogg",
        "file_size": 40_000,
    }
    calls = await person.send(None, voice=voice)
    assert texts.get("appeal-text-saved-voice") in texts_of(calls)
    await person.press(texts.get("appeal-attachments-done"))
    await person.press("Иванова Мария Петровна")
    await person.press(texts.get("appeal-skip"))
    await person.press(texts.get("appeal-channel-chat"))
    calls = await person.press(texts.get("appeal-vulnerable-none"))
    assert texts.get("appeal-voice-text") in texts_of(calls)[0]
    await person.press(texts.get("appeal-summary-submit"))
    assert "Обращение зарегистрировано" in texts_of(await person.deliver())[0]
    async with harness.app.sessionmaker() as session:
        kinds = (await session.scalars(select(AppealAttachmentRow.kind))).all()
    assert kinds == ["voice"]


async def test_a_sticker_in_the_middle_of_the_dialog_gets_a_hint_and_the_step_stays(
    harness: BotHarness, texts: Texts
) -> None:
    person = await _linked(harness, texts)
    await _to_text_step(person, texts)
    sticker = {
        "file_id": "s",
        "file_unique_id": "s",
        "type": "regular",
        "width": 1,
        "height": 1,
        "is_animated": False,
        "is_video": False,
    }
    calls = await person.send(None, sticker=sticker)
    assert texts_of(calls) == [texts.get("appeal-dialog-text-expected")]
    calls = await person.send(COMPLAINT_TEXT)
    assert texts.get("appeal-ask-attachments", max=10, mb=20) in texts_of(calls)
