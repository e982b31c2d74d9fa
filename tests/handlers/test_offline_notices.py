"""Notices to appellants who did not write through Telegram (issue 13): an appeal registered
with `/register` (phone, post, in person) gets every notice — the extension (59-ФЗ ст. 12
ч. 2), the forwarding (ст. 8 ч. 3), the refusal and the clarifying question (ст. 11), the
answer (§17.6) — as a task in its thread by the channel chosen, with the full text to send
and the contact; nothing is attempted in Telegram; the card lists the tasks, open and done."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from aiogram.methods import EditMessageText
from sqlalchemy import func, select

from bot.settings import Settings
from core.texts import Texts
from domain.clock import FixedClock
from domain.content import ContentLibrary
from storage.models import AppealTaskRow, OutboxRow
from tests.handlers.test_staff_chat import (
    _card,
    _group_messages,
    _register_offline,
    _with_profile,
)
from tests.harness import STAFF_CHAT_ID, BotHarness, StaffPerson
from tests.mail import Inbox, mail_server

pytestmark = pytest.mark.usefixtures("registry")

HEAD_ID = 8_000_001
NUMBER = "ВЭ-2026-000001"


@pytest_asyncio.fixture
async def harness(
    engine: Any, settings: Settings, clock: FixedClock, texts: Texts, content: ContentLibrary
) -> AsyncIterator[BotHarness]:
    staff_settings = settings.with_values(staff_chat_id=STAFF_CHAT_ID)
    bot_harness = await BotHarness.start(staff_settings, clock=clock, texts=texts, content=content)
    bot_harness.configure(admin_ids=frozenset({HEAD_ID}))  # a head: may extend and forward
    yield bot_harness
    await bot_harness.close()


async def register(
    harness: BotHarness, texts: Texts, channel: str, contact: str
) -> tuple[StaffPerson, Any]:
    """A phone appeal registered with `/register`; the answer goes by `channel`."""
    staff = await _with_profile(harness, HEAD_ID)
    card = await _register_offline(
        harness,
        texts,
        staff,
        form="phone",
        channel=channel,
        contact=contact,
        kind="complaint",
        subject="service_quality",
        text="Звонок: третий день мигает свет на ул. Ленина, 5.",
    )
    return staff, card


async def tasks(harness: BotHarness) -> list[Any]:
    async with harness.app.sessionmaker() as session:
        return list(
            (
                await session.execute(
                    select(
                        AppealTaskRow.id,
                        AppealTaskRow.kind,
                        AppealTaskRow.channel,
                        AppealTaskRow.contact,
                        AppealTaskRow.text,
                        AppealTaskRow.done_at,
                    ).order_by(AppealTaskRow.id)
                )
            ).all()
        )


async def private_rows(harness: BotHarness) -> int:
    async with harness.app.sessionmaker() as session:
        count = await session.scalar(
            select(func.count()).select_from(OutboxRow).where(OutboxRow.chat_id > 0)
        )
    return int(count or 0)


async def test_59fz_st12_ch2_extension_notice_for_phone_appellant_becomes_task(
    harness: BotHarness, texts: Texts
) -> None:
    staff, card = await register(harness, texts, "phone", "8 920 000-00-07")
    await staff.reply(card, "/take")
    await harness.deliver()
    await staff.reply(card, "/extend 10 нужен выезд на место")
    delivered = await harness.deliver()
    [task] = await tasks(harness)
    assert (task.kind, task.channel, task.contact) == ("extension", "phone", "+79200000007")
    assert "Сидоров Пётр Ильич" in task.text
    assert "нужен выезд на место" in task.text and NUMBER in task.text
    assert "<b>" not in task.text  # read out or printed: no markup
    posts = [c.text for c in _group_messages(delivered) if "нужен выезд на место" in c.text]
    assert any("+79200000007" in text and "Текст" in text for text in posts)
    assert await private_rows(harness) == 0  # no Telegram chat to write to


async def test_59fz_st8_ch3_forwarding_notice_for_post_appellant_becomes_letter_task(
    harness: BotHarness, texts: Texts
) -> None:
    address = "607060, Выкса, ул. Ленина, д. 1, кв. 2"
    staff, card = await register(harness, texts, "post", address)
    await staff.reply(card, "/forward администрация городского округа Выкса")
    await harness.deliver()
    [task] = await tasks(harness)
    assert (task.kind, task.channel, task.contact) == ("forward", "post", address)
    assert "администрация городского округа Выкса" in task.text
    assert await private_rows(harness) == 0


async def test_59fz_st11_refusal_notice_for_offline_appellant_becomes_task(
    harness: BotHarness, texts: Texts
) -> None:
    staff, card = await register(harness, texts, "post", "607060, Выкса, ул. Мира, д. 3")
    await staff.reply(card, "/reject")
    await harness.deliver()
    await staff.press(texts.plain("staff-ground-obscene_or_threats"))
    await harness.deliver()
    [task] = await tasks(harness)
    assert task.kind == "rejection"
    assert "15.6" in task.text
    assert await private_rows(harness) == 0


async def test_59fz_st11_clarification_request_to_offline_appellant_is_a_task_without_buttons(
    harness: BotHarness, texts: Texts
) -> None:
    staff, card = await register(harness, texts, "phone", "+7 920 000-00-08")
    await staff.reply(card, "/ask Уточните номер опоры у дома.")
    await harness.deliver()
    [task] = await tasks(harness)
    assert task.kind == "clarification"
    assert "Уточните номер опоры у дома." in task.text
    assert "кнопк" not in task.text  # the chat's words about its button are not read out
    assert "по телефону" in task.text


async def test_reg_17_6_tasks_marked_done_by_staff_show_on_the_card(
    harness: BotHarness, texts: Texts
) -> None:
    staff, card = await register(harness, texts, "phone", "+7 920 000-00-09")
    await staff.reply(card, "/take")
    await harness.deliver()
    await staff.reply(card, "/extend 10 нужен выезд на место")
    delivered = await harness.deliver()
    assert "звонок: продление срока — не выполнено" in card_edit(delivered)
    await staff.press(texts.plain("staff-button-task-done"))
    delivered = await harness.deliver()
    assert any("продление срока — отправлено" in c.text for c in _group_messages(delivered))
    assert "звонок: продление срока — выполнено" in card_edit(delivered)
    [task] = await tasks(harness)
    assert task.done_at is not None


def card_edit(delivered: list[Any]) -> str:
    edits = [c for c in delivered if isinstance(c, EditMessageText)]
    assert edits, "the card was not edited"
    return str(edits[-1].text)


# E-mail: sent by the bot, marked done on success; a refusal is shown -------------------------


@pytest_asyncio.fixture
async def mailed(
    engine: Any, settings: Settings, clock: FixedClock, texts: Texts, content: ContentLibrary
) -> AsyncIterator[tuple[BotHarness, Inbox]]:
    with mail_server() as (inbox, port):
        mail_settings = settings.with_values(
            staff_chat_id=STAFF_CHAT_ID,
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_from="otvet@vyksa.example",
            smtp_starttls=False,
        )
        bot_harness = await BotHarness.start(
            mail_settings, clock=clock, texts=texts, content=content
        )
        bot_harness.configure(admin_ids=frozenset({HEAD_ID}))
        try:
            yield bot_harness, inbox
        finally:
            await bot_harness.close()


async def test_59fz_st12_ch2_extension_emailed_by_the_bot_and_marked_done(
    mailed: tuple[BotHarness, Inbox], texts: Texts
) -> None:
    harness, inbox = mailed
    staff, card = await register(harness, texts, "email", "sidorov@example.ru")
    await staff.reply(card, "/take")
    await harness.deliver()
    await staff.reply(card, "/extend 10 нужен выезд на место")
    delivered = await harness.deliver()
    [(_sender, to, body)] = inbox.messages
    assert to == ["sidorov@example.ru"]
    assert "срок рассмотрения продлён" in body and "нужен выезд на место" in body
    [task] = await tasks(harness)
    assert task.kind == "extension" and task.done_at is not None
    assert any("продление срока — отправлено" in c.text for c in _group_messages(delivered))


async def test_59fz_st11_refused_email_is_shown_in_the_thread_and_stays_open(
    mailed: tuple[BotHarness, Inbox], texts: Texts
) -> None:
    harness, inbox = mailed
    inbox.refuse = True
    staff, card = await register(harness, texts, "email", "nobody@example.ru")
    await staff.reply(card, "/ask Уточните номер опоры у дома.")
    delivered = await harness.deliver()
    assert inbox.messages == []
    [task] = await tasks(harness)
    assert task.done_at is None
    assert any("бот отправить не смог" in c.text for c in _group_messages(delivered))
    assert "e-mail: запрос уточнений — не отправлено, попыток: 1" in card_edit(delivered)
    assert await private_rows(harness) == 0


# The survey after an answer given outside Telegram (SPEC §9) ------------------------------


async def answered(harness: BotHarness, texts: Texts, channel: str, contact: str) -> list[Any]:
    staff, card = await register(harness, texts, channel, contact)
    await staff.reply(card, "/answer Опора № 17 заменена, напряжение в норме.")
    await harness.deliver()
    await staff.press(texts.get("staff-button-send-answer"))
    return await harness.deliver()


async def figures(harness: BotHarness) -> dict[str, tuple[int, int]]:
    from datetime import datetime, timedelta

    from storage.surveys import SqlSurveys
    from storage.uow import UnitOfWork

    now = harness.app.clock.now()
    uow = UnitOfWork(harness.app.sessionmaker, clock=harness.app.clock)
    try:
        rows = await SqlSurveys(uow).figures(now - timedelta(days=1), now + timedelta(days=1))
    finally:
        await uow.rollback()
    assert isinstance(now, datetime)
    return {row.mode.value: (row.answers, row.rated) for row in rows}


async def test_sp9_survey_offered_in_the_email_with_the_answer(
    mailed: tuple[BotHarness, Inbox], texts: Texts
) -> None:
    harness, inbox = mailed
    await answered(harness, texts, "email", "sidorov@example.ru")
    [(_sender, _to, body)] = inbox.messages
    assert "Опора № 17 заменена" in body
    assert "оцените ответ" in body.lower()
    [task] = await tasks(harness)
    assert task.kind == "answer" and task.done_at is not None
    counts = await figures(harness)
    assert counts["email"] == (1, 0) and counts["chat"] == (0, 0)


async def test_sp9_phone_answer_survey_asked_at_the_next_contact(
    harness: BotHarness, texts: Texts
) -> None:
    await answered(harness, texts, "phone", "+7 920 000-00-10")
    [task] = await tasks(harness)
    assert task.kind == "answer" and task.channel == "phone"
    assert "Опора № 17 заменена" in task.text and "спросите оценку" in task.text
    assert (await figures(harness))["next_contact"] == (1, 0)


async def test_sp9_post_answer_without_telegram_recorded_not_surveyed(
    harness: BotHarness, texts: Texts
) -> None:
    await answered(harness, texts, "post", "607060, Выкса, ул. Ленина, д. 1, кв. 2")
    [task] = await tasks(harness)
    assert "Опора № 17 заменена" in task.text and "Петрова Анна Сергеевна" in task.text
    counts = await figures(harness)
    assert counts["none"] == (1, 0)
    assert counts["chat"] == counts["email"] == counts["next_contact"] == (0, 0)
    assert await private_rows(harness) == 0


async def test_sp9_satisfaction_figures_tell_chat_survey_from_the_others(
    harness: BotHarness, texts: Texts
) -> None:
    from tests.handlers.test_staff_chat import _filed

    person, card = await _filed(harness, texts)
    staff = await _with_profile(harness, HEAD_ID)
    await staff.reply(card, "/answer Опора заменена, напряжение в норме.")
    await harness.deliver()
    await staff.press(texts.get("staff-button-send-answer"))
    await harness.deliver()
    await person.press("5")
    await person.press(texts.get("survey-yes"))
    await answered(harness, texts, "post", "607060, Выкса, ул. Мира, д. 3")
    counts = await figures(harness)
    assert counts["chat"] == (1, 1)  # asked in the chat, rated
    assert counts["none"] == (1, 0)  # answered by post, nobody to ask


async def test_reg_17_6_registry_export_lists_notices_outside_telegram_and_the_survey(
    harness: BotHarness, texts: Texts
) -> None:
    import csv
    import io
    from datetime import timedelta

    from notifier.registry_export import registry_csv, registry_rows
    from storage.uow import UnitOfWork

    await answered(harness, texts, "post", "607060, Выкса, ул. Ленина, д. 1, кв. 2")
    now = harness.app.clock.now()
    uow = UnitOfWork(harness.app.sessionmaker, clock=harness.app.clock)
    try:
        rows = await registry_rows(uow, now - timedelta(days=1), now + timedelta(days=1))
    finally:
        await uow.rollback()
    data = registry_csv(rows, texts, zone=harness.app.config.zone, now=now)
    [header, row] = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    line = dict(zip(header, row, strict=True))
    assert line["number"] == NUMBER and line["answer_channel"] == "post"
    assert line["notices_outside_telegram"] == "письмо: ответ — не выполнено"
    assert line["survey"] == "none"
    assert "Сидоров" not in data.decode("utf-8-sig")  # no personal data in the registry


async def test_sp9_telegram_appellant_answered_by_phone_is_surveyed_in_the_chat_once_called(
    harness: BotHarness, texts: Texts
) -> None:
    """The answer goes by the channel chosen (§17.6), the person still writes to the bot:
    the survey comes to the chat when staff mark the call made, not before."""
    from aiogram.methods import SendMessage

    from tests.handlers.test_appeal_dialog import COMPLAINT_TEXT, _linked, _to_text_step

    person = await _linked(harness, texts)
    await _to_text_step(person, texts)
    await person.send(COMPLAINT_TEXT)
    await person.press(texts.get("appeal-attachments-done"))
    await person.press("Иванова Мария Петровна")
    await person.press(texts.get("appeal-skip"))
    await person.press(texts.get("appeal-channel-phone"))
    await person.send("8 (920) 000-00-01")
    await person.press(texts.get("appeal-vulnerable-none"))
    await person.press(texts.get("appeal-summary-submit"))
    await harness.deliver()
    card = _card(harness)
    staff = await _with_profile(harness, HEAD_ID)
    await staff.reply(card, "/answer Опора заменена, напряжение в норме.")
    await harness.deliver()
    await staff.press(texts.get("staff-button-send-answer"))
    delivered = await harness.deliver()
    told = [
        c.text for c in delivered if isinstance(c, SendMessage) and c.chat_id == person.chat.id
    ]
    assert told == [
        texts.get(
            "consumer-answer-elsewhere",
            number=NUMBER,
            channel=texts.get("appeal-channel-phone").lower(),
        )
    ]
    [task] = await tasks(harness)
    assert (task.kind, task.channel, task.contact) == ("answer", "phone", "+79200000001")
    await staff.press(texts.plain("staff-button-task-done"))
    delivered = await harness.deliver()
    told = [
        c.text for c in delivered if isinstance(c, SendMessage) and c.chat_id == person.chat.id
    ]
    assert told == [texts.get("survey-ask-rating", number=NUMBER)]
    assert (await figures(harness))["chat"] == (1, 0)
