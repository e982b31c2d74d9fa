"""The staff chat (SPEC §3) through the real dispatcher: cards, actions, relay both ways,
who may act, the survey. The outbox is delivered by `harness.deliver()`."""

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
    SendPhoto,
    TelegramMethod,
)
from aiogram.types import Document, Message
from sqlalchemy import func, select

from bot.settings import Settings
from bot.texts import Texts
from domain.appeals import AppealStatus
from domain.clock import FixedClock
from domain.content import ContentLibrary
from storage.models import AppealRow, DepartmentRow, OutboxRow, StaffAuditRow
from tests.fakes import inline_buttons, texts_of
from tests.handlers.test_appeal_dialog import _file_one, _linked, _photo
from tests.harness import STAFF_CHAT_ID, BotHarness, Person, StaffPerson

pytestmark = pytest.mark.usefixtures("registry")

PROFILE = "/profile Петрова Анна Сергеевна; ведущий специалист; +7 831 000-00-01; petrova@vyksa.ru"


@pytest_asyncio.fixture
async def harness(
    engine: Any, settings: Settings, clock: FixedClock, texts: Texts, content: ContentLibrary
) -> AsyncIterator[BotHarness]:
    staff_settings = settings.with_values(staff_chat_id=STAFF_CHAT_ID)
    bot_harness = await BotHarness.start(staff_settings, clock=clock, texts=texts, content=content)
    yield bot_harness
    await bot_harness.close()


def _group_messages(calls: list[TelegramMethod[Any]]) -> list[SendMessage]:
    return [c for c in calls if isinstance(c, SendMessage) and int(c.chat_id) == STAFF_CHAT_ID]


def _card(harness: BotHarness) -> Message:
    """The last card the bot posted (a group message with the card's buttons)."""
    for call, result in zip(
        reversed(harness.last_calls), reversed(harness.last_results), strict=True
    ):
        if (
            isinstance(call, SendMessage)
            and int(call.chat_id) == STAFF_CHAT_ID
            and any(data.startswith("sa:take") for _, data in inline_buttons(call))
        ):
            assert isinstance(result, Message)
            return result
    raise AssertionError("no card was posted")


async def _status(harness: BotHarness) -> AppealStatus:
    async with harness.app.sessionmaker() as session:
        return AppealStatus(str(await session.scalar(select(AppealRow.status))))


async def _filed(harness: BotHarness, texts: Texts) -> tuple[Person, Message]:
    person = await _linked(harness, texts)
    await _file_one(person, texts)
    calls = await harness.deliver()
    cards = _group_messages(calls)
    assert len(cards) == 1
    return person, _card(harness)


async def _with_profile(harness: BotHarness, user_id: int = 8_000_001) -> StaffPerson:
    staff = harness.staff(user_id)
    await staff.send(PROFILE)
    await harness.deliver()
    return staff


async def test_a_new_appeal_reaches_the_staff_chat_as_a_card_with_its_buttons(
    harness: BotHarness, texts: Texts
) -> None:
    _person, card = await _filed(harness, texts)
    text = card.text or ""
    assert "ВЭ-2026-000001" in text
    assert texts.get("appeal-kind-complaint") in text
    assert texts.get("appeal-status-registered") in text
    assert "Иванова Мария Петровна" in text
    assert "24.12.2026" in text  # registered 24.11.2026, 30 calendar days
    assert [label for label, _ in _buttons(card)][:2] == [
        texts.get("staff-button-take"),
        texts.get("staff-button-assign"),
    ]


async def test_take_ask_clarify_answer_rate_closes_the_appeal(
    harness: BotHarness, texts: Texts
) -> None:
    person, card = await _filed(harness, texts)
    staff = await _with_profile(harness)

    staff.last_inline = [(label, data, card) for label, data in _buttons(card)]
    calls = await staff.press(texts.get("staff-button-take"))
    assert any(isinstance(c, AnswerCallbackQuery) for c in calls)
    assert await _status(harness) is AppealStatus.IN_PROGRESS
    delivered = await harness.deliver()
    edits = [c for c in delivered if isinstance(c, EditMessageText)]
    assert edits and texts.get("appeal-status-in_progress") in str(edits[-1].text)

    # A clarifying question: the button, then the text as the next message.
    await staff.press(texts.get("staff-button-ask"))
    await harness.deliver()
    await staff.send("Уточните, пожалуйста, номер опоры рядом с домом.")
    delivered = await harness.deliver()
    to_consumer = [
        c for c in delivered if isinstance(c, SendMessage) and c.chat_id == person.chat.id
    ]
    assert to_consumer and "номер опоры" in to_consumer[0].text
    assert await _status(harness) is AppealStatus.CLARIFICATION_REQUESTED

    # The consumer answers with a photo; it lands in the thread.
    person._remember_buttons()
    await person.press(texts.get("clarify-button"))
    await person.send(None, photo=_photo("pole"), caption="Опора № 17")
    delivered = await harness.deliver()
    # «сохранено» is queued with the addition (notifier/replies.py).
    told = [c for c in delivered if getattr(c, "chat_id", None) == person.chat.id]
    assert texts_of(told) == [texts.get("appeal-info-added", number="ВЭ-2026-000001")]
    assert any(isinstance(c, CopyMessage) for c in delivered)
    lines = [c.text for c in _group_messages(delivered)]
    assert any("Опора № 17" in line for line in lines)
    assert await _status(harness) is AppealStatus.IN_PROGRESS

    # A plain reply to the card is offered as the final answer, previewed, confirmed.
    await staff.reply(card, "Опора заменена, напряжение в норме.")
    await harness.deliver()
    await staff.press(texts.get("staff-button-send-answer"))
    delivered = await harness.deliver()
    preview = _group_messages(delivered)[-1].text
    assert "Петрова Анна Сергеевна" in preview and "+78310000001" in preview
    await staff.press(texts.get("staff-button-send-answer"))
    assert await _status(harness) is AppealStatus.ANSWERED
    delivered = await harness.deliver()
    to_consumer = [
        c for c in delivered if isinstance(c, SendMessage) and c.chat_id == person.chat.id
    ]
    answer, survey = to_consumer[0].text, to_consumer[1]
    assert "Опора заменена" in answer
    assert "Петрова Анна Сергеевна" in answer and "petrova@vyksa.ru" in answer
    assert [label for label, _ in inline_buttons(survey)] == ["1", "2", "3", "4", "5"]

    # The consumer rates 5: the appeal is closed, the card shows it and the rating.
    await person.press("5")
    assert await _status(harness) is AppealStatus.CLOSED
    delivered = await harness.deliver()
    card_edit = [c for c in delivered if isinstance(c, EditMessageText)][-1]
    assert texts.get("appeal-status-closed") in str(card_edit.text)
    assert "5 из 5" in str(card_edit.text)
    await person.press(texts.get("survey-yes"))
    await person.send("Спасибо, всё быстро!")
    delivered = await harness.deliver()
    assert any("Спасибо, всё быстро!" in c.text for c in _group_messages(delivered))


def _buttons(message: Message) -> list[tuple[str, str]]:
    markup = message.reply_markup
    assert markup is not None
    return [(b.text, b.callback_data or "") for row in markup.inline_keyboard for b in row]


async def test_a_non_member_changes_nothing_with_buttons_or_commands(
    harness: BotHarness, texts: Texts
) -> None:
    _person, card = await _filed(harness, texts)
    outsider = harness.outsider()
    outsider.last_inline = [(label, data, card) for label, data in _buttons(card)]
    for label in ("staff-button-take", "staff-button-answer", "staff-button-reject"):
        calls = await outsider.press(texts.get(label))
        refusal = [c for c in calls if isinstance(c, AnswerCallbackQuery)]
        assert refusal and refusal[0].text == texts.get("staff-only")
    for command in ("/take", "/close", "/answer Готово", "/profile X; Y; +78310000000"):
        await outsider.reply(card, command)
    assert await _status(harness) is AppealStatus.REGISTERED
    delivered = await harness.deliver()
    assert all(texts.get("staff-only") == c.text for c in _group_messages(delivered))
    async with harness.app.sessionmaker() as session:
        refused = await session.scalar(
            select(func.count())
            .select_from(StaffAuditRow)
            .where(StaffAuditRow.outcome == "refused")
        )
        assert refused == 7
        done = await session.scalar(
            select(func.count()).select_from(StaffAuditRow).where(StaffAuditRow.outcome == "done")
        )
        assert done == 0


async def test_a_member_who_left_the_chat_is_refused_after_the_cache_expires(
    harness: BotHarness, texts: Texts
) -> None:
    _person, card = await _filed(harness, texts)
    staff = harness.staff()
    harness.session.members[staff.user.id] = "left"
    staff.last_inline = [(label, data, card) for label, data in _buttons(card)]
    await staff.press(texts.get("staff-button-take"))
    assert await _status(harness) is AppealStatus.REGISTERED


async def test_an_internal_note_is_never_relayed(harness: BotHarness, texts: Texts) -> None:
    person, card = await _filed(harness, texts)
    staff = await _with_profile(harness)
    await staff.reply(card, "!звонил в РЭС, ждём бригаду")
    delivered = await harness.deliver()
    assert not [c for c in delivered if getattr(c, "chat_id", None) == person.chat.id]
    async with harness.app.sessionmaker() as session:
        note = await session.scalar(
            select(StaffAuditRow.detail).where(StaffAuditRow.action == "note")
        )
    assert note == "звонил в РЭС, ждём бригаду"


async def test_answer_without_a_profile_asks_for_the_signature_first(
    harness: BotHarness, texts: Texts
) -> None:
    _person, card = await _filed(harness, texts)
    staff = harness.staff()
    await staff.reply(card, "/answer Всё сделано.")
    delivered = await harness.deliver()
    assert texts.get("staff-error-signature") in [c.text for c in _group_messages(delivered)]
    assert await _status(harness) is AppealStatus.REGISTERED


async def test_extend_needs_a_head_and_tells_the_consumer_the_new_date(
    harness: BotHarness, texts: Texts
) -> None:
    person, card = await _filed(harness, texts)
    staff = await _with_profile(harness)
    await staff.reply(card, "/take")
    await staff.reply(card, "/extend 10 нужен выезд на место")
    delivered = await harness.deliver()
    assert any("руководитель" in c.text for c in _group_messages(delivered))
    head = harness.staff(8_000_002)
    harness.configure(admin_ids=frozenset({8_000_002}))  # a listed admin may everything
    await head.reply(card, "/extend 10 нужен выезд на место")
    delivered = await harness.deliver()
    told = [
        c.text for c in delivered if isinstance(c, SendMessage) and c.chat_id == person.chat.id
    ]
    assert told and "нужен выезд на место" in told[0]
    await head.reply(card, "/extend 5 ещё раз")
    delivered = await harness.deliver()
    assert texts.get("appeal-error-already-extended") in [
        c.text for c in _group_messages(delivered)
    ]


async def test_reject_with_a_ground_sends_the_matching_explanation(
    harness: BotHarness, texts: Texts
) -> None:
    person, card = await _filed(harness, texts)
    staff = await _with_profile(harness)
    staff.last_inline = [(label, data, card) for label, data in _buttons(card)]
    await staff.press(texts.get("staff-button-reject"))
    await harness.deliver()
    await staff.press(texts.plain("staff-ground-illegible"))
    assert await _status(harness) is AppealStatus.REJECTED
    delivered = await harness.deliver()
    told = [
        c.text for c in delivered if isinstance(c, SendMessage) and c.chat_id == person.chat.id
    ]
    assert told == [texts.get("consumer-rejected-illegible", number="ВЭ-2026-000001")]


async def test_forum_groups_get_a_topic_per_appeal_and_staff_write_in_it(
    harness: BotHarness, texts: Texts
) -> None:
    harness.session.forum = True
    person = await _linked(harness, texts)
    await _file_one(person, texts)
    delivered = await harness.deliver()
    topics = [c for c in delivered if isinstance(c, CreateForumTopic)]
    assert len(topics) == 1 and topics[0].name.startswith("ВЭ-2026-000001")
    card = _card(harness)
    assert card.message_thread_id is not None
    staff = await _with_profile(harness)
    await staff.send("/take", message_thread_id=card.message_thread_id, is_topic_message=True)
    assert await _status(harness) is AppealStatus.IN_PROGRESS


async def test_a_failed_topic_creation_falls_back_to_a_card(
    harness: BotHarness, texts: Texts
) -> None:
    from aiogram.exceptions import TelegramBadRequest
    from aiogram.methods import CreateForumTopic as Create

    harness.session.forum = True
    harness.session.failures["CreateForumTopic"] = [
        TelegramBadRequest(
            method=Create(chat_id=1, name="x"), message="Bad Request: not enough rights"
        )
    ]
    person = await _linked(harness, texts)
    await _file_one(person, texts)
    await harness.deliver()
    card = _card(harness)
    assert card.message_thread_id is None
    staff = await _with_profile(harness)
    await staff.reply(card, "/take")
    assert await _status(harness) is AppealStatus.IN_PROGRESS


async def test_attachments_are_copied_into_the_thread(harness: BotHarness, texts: Texts) -> None:
    person = await _linked(harness, texts)
    from tests.handlers.test_appeal_dialog import COMPLAINT_TEXT, _to_text_step

    await _to_text_step(person, texts)
    await person.send(COMPLAINT_TEXT)
    await person.send(None, photo=_photo("a"))
    await person.press(texts.get("appeal-attachments-done"))
    await person.press("Иванова Мария Петровна")
    await person.press(texts.get("appeal-skip"))
    await person.press(texts.get("appeal-channel-chat"))
    await person.press(texts.get("appeal-vulnerable-none"))
    await person.press(texts.get("appeal-summary-submit"))
    delivered = await harness.deliver()
    photos = [c for c in delivered if isinstance(c, SendPhoto)]
    assert len(photos) == 1 and int(photos[0].chat_id) == STAFF_CHAT_ID
    card = _card(harness)
    assert photos[0].reply_parameters is not None
    assert photos[0].reply_parameters.message_id == card.message_id


async def test_an_answer_by_post_becomes_a_task_staff_mark_done(
    harness: BotHarness, texts: Texts
) -> None:
    staff = await _with_profile(harness)
    await staff.send("/register")
    await harness.deliver()
    await staff.press(texts.plain("staff-form-post").capitalize())
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
    import email
    import email.message
    import email.policy
    import socket

    from aiosmtpd.controller import Controller

    class Inbox:
        def __init__(self) -> None:
            self.messages: list[tuple[str, list[str], str]] = []

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
            parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
            assert isinstance(parsed, email.message.EmailMessage)
            body = parsed.get_body()
            assert body is not None
            text = f"{parsed['Subject']}\n{body.get_content()}"
            self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), text))
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
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
        await staff.send("/register")
        await harness.deliver()
        await staff.press(texts.plain("staff-form-phone").capitalize())
        await staff.send("Сидоров Пётр Ильич")
        await harness.deliver()
        await staff.press(texts.plain("appeal-channel-email"))
        await staff.send("sidorov@example.ru")
        await harness.deliver()
        await staff.press(texts.plain("appeal-kind-information_request"))
        await harness.deliver()
        await staff.press(texts.plain("appeal-subject-metering"))
        await staff.send("Когда придут менять счётчик в доме 5 по ул. Ленина?")
        await harness.deliver()
        await staff.press(texts.plain("staff-register-save"))
        await harness.deliver()
        card = _card(harness)
        await staff.reply(card, "/answer Замена счётчика назначена на 2 декабря, с 9 до 12.")
        await harness.deliver()
        await staff.press(texts.get("staff-button-send-answer"))
        delivered = await harness.deliver()
    finally:
        server.stop()
        await harness.close()
    assert len(inbox.messages) == 1
    sender, recipients, body = inbox.messages[0]
    assert (sender, recipients) == ("otvet@vyksa.example", ["sidorov@example.ru"])
    assert "Ответ на обращение № ВЭ-2026-000001" in body
    assert "Замена счётчика назначена на 2 декабря" in body
    assert "Петрова Анна Сергеевна" in body and "petrova@vyksa.ru" in body
    done = texts.get("staff-task-done", number="ВЭ-2026-000001", who="x", channel="y")
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
