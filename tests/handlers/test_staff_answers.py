"""The staff chat (SPEC §3), continued (tests/handlers/test_staff_chat.py): appeals staff
register, answers that reach the consumer once (by chat, by post, by e-mail), the digest, a
deleted topic, assigning through a department, files in the thread."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
import pytest_asyncio
from aiogram.methods import (
    AnswerCallbackQuery,
    CopyMessage,
    CreateForumTopic,
    EditMessageText,
    SendMessage,
    TelegramMethod,
)
from aiogram.types import Document
from sqlalchemy import func, select

from bot.settings import Settings
from core.texts import Texts
from domain.appeals import AppealStatus
from domain.clock import FixedClock
from domain.content import ContentLibrary
from storage.models import DepartmentRow, OutboxRow
from tests.fakes import texts_of
from tests.handlers.test_appeal_dialog import _file_one, _linked, _photo
from tests.handlers.test_staff_chat import (
    _buttons,
    _card,
    _filed,
    _group_messages,
    _register_offline,
    _status,
    _with_profile,
)
from tests.harness import STAFF_CHAT_ID, BotHarness, Person
from tests.mail import mail_server

pytestmark = pytest.mark.usefixtures("registry")


@pytest_asyncio.fixture
async def harness(
    engine: Any, settings: Settings, clock: FixedClock, texts: Texts, content: ContentLibrary
) -> AsyncIterator[BotHarness]:
    staff_settings = settings.with_values(staff_chat_id=STAFF_CHAT_ID)
    bot_harness = await BotHarness.start(staff_settings, clock=clock, texts=texts, content=content)
    yield bot_harness
    await bot_harness.close()


async def test_an_answer_by_post_becomes_a_task_staff_mark_done(
    harness: BotHarness, texts: Texts
) -> None:
    staff = await _with_profile(harness)
    await staff.send("/register")
    await harness.deliver()
    await staff.press(texts.plain("staff-form-post").capitalize())
    await staff.send("сегодня")
    await harness.deliver()
    await staff.send("Сидоров Пётр Ильич")
    await harness.deliver()
    await staff.press(texts.plain("appeal-channel-post"))
    await staff.send("607060, Выкса, ул. Ленина, д. 1, кв. 2")
    await harness.deliver()
    await staff.press(texts.plain("appeal-kind-complaint"))
    await harness.deliver()
    await staff.press(texts.plain("appeal-subject-service_quality"))
    await staff.send("Письмо: долго не отвечают по телефону диспетчерской.")
    await harness.deliver()
    await staff.press(texts.plain("staff-register-save"))
    delivered = await harness.deliver()
    assert any("ВЭ-2026-000001" in c.text for c in _group_messages(delivered))
    card = _card(harness)
    assert texts.get("staff-form-post") in (card.text or "")
    await staff.reply(card, "/answer Диспетчерская усилена вторым оператором.")
    await harness.deliver()
    await staff.press(texts.get("staff-button-send-answer"))
    delivered = await harness.deliver()
    task = [c for c in _group_messages(delivered) if "607060" in c.text]
    assert task, "a task to send the answer by post"
    await staff.press(texts.plain("staff-button-task-done"))
    delivered = await harness.deliver()
    assert any(
        texts.plain("appeal-channel-post").lower() in c.text for c in _group_messages(delivered)
    )
    async with harness.app.sessionmaker() as session:
        queued = await session.scalar(
            select(func.count()).select_from(OutboxRow).where(OutboxRow.chat_id > 0)
        )
    assert queued == 0  # nobody in a private chat: the consumer has no Telegram


# The answer reaches the consumer, once (acceptance 3) -----------------------------------------


def _answers_to(calls: list[TelegramMethod[Any]], results: list[Any], chat_id: int) -> list[str]:
    """Answers Telegram accepted (a call that raised has no result)."""
    return [
        str(call.text)
        for call, result in zip(calls, results, strict=True)
        if isinstance(call, SendMessage)
        and call.chat_id == chat_id
        and result is not None
        and "Ответ на обращение" in call.text
    ]


async def _answered(harness: BotHarness, texts: Texts) -> Person:
    """An appeal answered by staff; the answer is queued, nothing delivered yet."""
    person, card = await _filed(harness, texts)
    staff = await _with_profile(harness)
    await staff.reply(card, "/answer Опора заменена, напряжение в норме.")
    await harness.deliver()
    await staff.press(texts.get("staff-button-send-answer"))
    assert await _status(harness) is AppealStatus.ANSWERED
    return person


async def test_a_429_on_the_answer_delays_it_and_it_still_arrives_once(
    harness: BotHarness, texts: Texts, clock: FixedClock
) -> None:
    from aiogram.exceptions import TelegramRetryAfter

    person = await _answered(harness, texts)
    harness.session.traps.append(
        (
            lambda m: isinstance(m, SendMessage) and m.chat_id == person.chat.id,
            TelegramRetryAfter(
                method=SendMessage(chat_id=person.chat.id, text="x"),
                message="Too Many Requests: retry after 7",
                retry_after=7,
            ),
        )
    )
    delivered = await harness.deliver()
    first = _answers_to(delivered, harness.last_results, person.chat.id)
    assert first == []  # refused with 429, kept pending
    assert harness.session.traps == []
    clock.advance(timedelta(seconds=7))
    delivered = await harness.deliver()
    assert len(_answers_to(delivered, harness.last_results, person.chat.id)) == 1
    clock.advance(timedelta(minutes=5))
    assert _answers_to(await harness.deliver(), harness.last_results, person.chat.id) == []


async def test_an_answer_recorded_before_a_crash_is_sent_after_the_restart_once(
    harness: BotHarness,
    texts: Texts,
    settings: Settings,
    clock: FixedClock,
    content: ContentLibrary,
) -> None:
    person = await _answered(harness, texts)
    # The process dies here: the answer is committed with its outbox row, nothing was sent.
    await harness.close()
    restarted = await BotHarness.start(
        settings.with_values(staff_chat_id=STAFF_CHAT_ID),
        clock=clock,
        texts=texts,
        content=content,
    )
    try:
        delivered = await restarted.deliver()
        assert len(_answers_to(delivered, restarted.last_results, person.chat.id)) == 1
        again = await restarted.deliver()
        assert _answers_to(again, restarted.last_results, person.chat.id) == []
    finally:
        await restarted.close()


async def test_digest_on_request_lists_the_open_appeals(harness: BotHarness, texts: Texts) -> None:
    await _filed(harness, texts)
    staff = harness.staff()
    await staff.send("/digest")
    delivered = await harness.deliver()
    digest = [c.text for c in _group_messages(delivered) if "ВЭ-2026-000001" in c.text]
    assert digest and texts.get("digest-unassigned", count=1) in digest[0]


async def test_an_email_answer_is_sent_by_the_bot_when_smtp_is_set(
    engine: Any, settings: Settings, clock: FixedClock, texts: Texts, content: ContentLibrary
) -> None:
    with mail_server() as (inbox, port):
        mail_settings = settings.with_values(
            staff_chat_id=STAFF_CHAT_ID,
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_from="otvet@vyksa.example",
            smtp_starttls=False,
        )
        harness = await BotHarness.start(mail_settings, clock=clock, texts=texts, content=content)
        try:
            staff = await _with_profile(harness)
            card = await _register_offline(
                harness,
                texts,
                staff,
                form="phone",
                channel="email",
                contact="sidorov@example.ru",
                kind="information_request",
                subject="metering",
                text="Когда придут менять счётчик в доме 5 по ул. Ленина?",
            )
            await staff.reply(card, "/answer Замена счётчика назначена на 2 декабря, с 9 до 12.")
            await harness.deliver()
            await staff.press(texts.get("staff-button-send-answer"))
            delivered = await harness.deliver()
        finally:
            await harness.close()
    assert len(inbox.messages) == 1
    sender, recipients, body = inbox.messages[0]
    assert (sender, recipients) == ("otvet@vyksa.example", ["sidorov@example.ru"])
    assert "Ответ на обращение № ВЭ-2026-000001" in body
    assert "Замена счётчика назначена на 2 декабря" in body
    assert "Петрова Анна Сергеевна" in body and "petrova@vyksa.ru" in body
    done = texts.get("staff-task-done", number="ВЭ-2026-000001", what="z", who="x", channel="y")
    assert any(done.split(":")[0] in c.text and "✅" in c.text for c in _group_messages(delivered))


async def test_a_deleted_topic_is_recreated_on_the_next_event(
    harness: BotHarness, texts: Texts
) -> None:
    from aiogram.exceptions import TelegramBadRequest

    harness.session.forum = True
    person = await _linked(harness, texts)
    await _file_one(person, texts)
    await harness.deliver()
    card = _card(harness)
    old_topic = card.message_thread_id
    staff = await _with_profile(harness)
    # Someone deleted the topic: the next post into it is refused.
    harness.session.traps.append(
        (
            lambda m: isinstance(m, SendMessage) and m.message_thread_id == old_topic,
            TelegramBadRequest(
                method=SendMessage(chat_id=STAFF_CHAT_ID, text="x"),
                message="Bad Request: message thread not found",
            ),
        )
    )
    await staff.send("/take", message_thread_id=old_topic, is_topic_message=True)
    delivered = await harness.deliver()
    topics = [c for c in delivered if isinstance(c, CreateForumTopic)]
    assert len(topics) == 1 and topics[0].name.startswith("ВЭ-2026-000001")
    posts = _group_messages(delivered)
    new_topic = posts[-1].message_thread_id
    assert new_topic is not None and new_topic != old_topic
    assert any("взял(а) в работу" in p.text for p in posts if p.message_thread_id == new_topic)
    # The new topic is the appeal's thread from now on.
    await staff.send("/close", message_thread_id=new_topic, is_topic_message=True)
    delivered = await harness.deliver()
    assert texts.get("appeal-error-illegal-transition") in [
        c.text for c in _group_messages(delivered)
    ]


async def test_a_head_assigns_through_department_and_executor(
    harness: BotHarness, texts: Texts
) -> None:
    _person, card = await _filed(harness, texts)
    head = harness.staff(8_000_009, "Руководитель")
    harness.configure(admin_ids=frozenset({8_000_009}))
    await head.send("/department Служба учёта")
    executor = await _with_profile(harness, 8_000_001)
    async with harness.app.sessionmaker() as session:
        department = await session.scalar(select(DepartmentRow.id))
    await head.send(f"/setdept 8000001 {department}")
    await harness.deliver()
    head.last_inline = [(label, data, card) for label, data in _buttons(card)]
    await head.press(texts.get("staff-button-assign"))
    await harness.deliver()
    await head.press("Служба учёта")
    await harness.deliver()
    await head.press("Петрова Анна Сергеевна")
    assert await _status(harness) is AppealStatus.ASSIGNED
    delivered = await harness.deliver()
    edit = [c for c in delivered if isinstance(c, EditMessageText)][-1]
    assert "Петрова Анна Сергеевна" in str(edit.text)
    # A specialist may not assign.
    executor.last_inline = [(label, data, card) for label, data in _buttons(card)]
    calls = await executor.press(texts.get("staff-button-assign"))
    refusal = [c for c in calls if isinstance(c, AnswerCallbackQuery)]
    assert refusal and "руководитель" in str(refusal[0].text)


async def test_an_album_sent_as_an_addition_lands_in_the_thread_whole(
    harness: BotHarness, texts: Texts
) -> None:
    person, _card = await _filed(harness, texts)
    await person.send("/appeals")
    await person.press("ВЭ-2026-000001")
    await person.press(texts.get("appeal-add-info-button"))
    first = await person.send(None, photo=_photo("p1"), media_group_id="alb", caption="Щиток")
    second = await person.send(None, photo=_photo("p2"), media_group_id="alb")
    third = await person.send(None, photo=_photo("p3"), media_group_id="alb")
    assert texts_of(first) == texts_of(second) == texts_of(third) == []
    delivered = await harness.deliver()
    # «сохранено» once for the album, queued with its first part (notifier/replies.py).
    to_consumer = [c for c in delivered if getattr(c, "chat_id", None) == person.chat.id]
    assert texts_of(to_consumer) == [texts.get("appeal-info-added", number="ВЭ-2026-000001")]
    copies = [c for c in delivered if isinstance(c, CopyMessage)]
    assert len(copies) == 3
    assert all(int(c.chat_id) == STAFF_CHAT_ID for c in copies)
    lines = [c.text for c in _group_messages(delivered)]
    assert sum("Щиток" in line for line in lines) == 1


async def test_a_file_in_the_thread_goes_to_the_consumer_only_after_a_press(
    harness: BotHarness, texts: Texts
) -> None:
    person, card = await _filed(harness, texts)
    staff = await _with_profile(harness)
    await staff.send(
        None,
        document=Document(file_id="letter", file_unique_id="letter", file_name="otvet.pdf"),
        reply_to_message=card,
    )
    delivered = await harness.deliver()
    assert not [c for c in delivered if getattr(c, "chat_id", None) == person.chat.id]
    await staff.press(texts.get("staff-button-send-file"))
    delivered = await harness.deliver()
    copies = [c for c in delivered if isinstance(c, CopyMessage)]
    assert len(copies) == 1 and copies[0].chat_id == person.chat.id
    assert copies[0].from_chat_id == STAFF_CHAT_ID
    # "!" in the caption keeps a file internal.
    await staff.send(
        None,
        document=Document(file_id="memo", file_unique_id="memo", file_name="memo.pdf"),
        caption="!служебная записка",
        reply_to_message=card,
    )
    assert not [c for c in await harness.deliver() if isinstance(c, SendMessage)]
