"""Nothing the staff chat or a consumer should read is lost on the way (issue 11, points 1, 3
and 7): long texts arrive whole in parts, a crash between creating a forum topic and posting
the card leaves no extra topic, and an answer to someone who blocked the bot is reported as
not delivered, with a task to answer another way."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError, TelegramNetworkError
from aiogram.methods import CreateForumTopic, EditMessageText, SendMessage, TelegramMethod
from aiogram.types import ForumTopicCreated, Message, Update, User
from sqlalchemy import select, update

from bot.local_api import BOT_USER_ID
from bot.settings import Settings
from core.texts import Texts
from domain.appeals import TEXT_MAX, AppealStatus
from domain.clock import FixedClock
from domain.content import ContentLibrary
from storage.models import AppealTaskRow, AppealTopicRow, OutboxRow
from tests.fakes import inline_buttons, texts_of
from tests.handlers.test_appeal_dialog import _file_one, _linked, _to_text_step
from tests.handlers.test_staff_chat import (
    _card,
    _filed,
    _group_messages,
    _status,
    _with_profile,
)
from tests.harness import STAFF_CHAT_ID, BotHarness, Person, StaffPerson

pytestmark = pytest.mark.usefixtures("registry")


@pytest_asyncio.fixture
async def harness(
    engine: Any, settings: Settings, clock: FixedClock, texts: Texts, content: ContentLibrary
) -> AsyncIterator[BotHarness]:
    staff_settings = settings.with_values(staff_chat_id=STAFF_CHAT_ID)
    bot_harness = await BotHarness.start(staff_settings, clock=clock, texts=texts, content=content)
    yield bot_harness
    await bot_harness.close()


def _long(sentence: str, length: int) -> str:
    """Sentences up to `length` characters: a text as a person would write it."""
    text = " ".join([sentence] * (length // len(sentence) + 1))[:length]
    return text[: text.rfind(" ")] + "." if len(text) == length else text


def _squeezed(text: str) -> str:
    """What a reader sees, without tags and whitespace (cuts drop the spaces at them)."""
    return re.sub(r"\s", "", html.unescape(re.sub(r"<[^<>]*>", "", text)))


def _to(calls: list[TelegramMethod[Any]], chat_id: int) -> list[SendMessage]:
    return [c for c in calls if isinstance(c, SendMessage) and int(c.chat_id) == chat_id]


async def _failed_rows(harness: BotHarness) -> list[str]:
    async with harness.app.sessionmaker() as session:
        return list(
            (
                await session.scalars(
                    select(OutboxRow.last_error).where(OutboxRow.status != "sent")
                )
            ).all()
        )


# 1. Long texts arrive whole ------------------------------------------------------------------


async def test_a_long_question_reaches_the_consumer_whole_with_the_button_on_the_last_part(
    harness: BotHarness, texts: Texts
) -> None:
    person, card = await _filed(harness, texts)
    staff = await _with_profile(harness)
    question = _long("Уточните, пожалуйста, номер опоры и время, когда гаснет свет.", 3960)
    await staff.reply(card, f"/ask {question}")
    assert await _status(harness) is AppealStatus.CLARIFICATION_REQUESTED
    delivered = await harness.deliver()
    parts = _to(delivered, person.chat.id)
    assert len(parts) == 2
    assert _squeezed(question) in _squeezed("".join(p.text for p in parts))
    assert inline_buttons(parts[0]) == []
    assert [label for label, _ in inline_buttons(parts[-1])] == [texts.get("clarify-button")]
    # The thread shows the whole question too.
    assert _squeezed(question) in _squeezed("".join(c.text for c in _group_messages(delivered)))
    assert await _failed_rows(harness) == []


async def test_a_long_answer_is_previewed_whole_and_what_was_previewed_is_sent(
    harness: BotHarness, texts: Texts
) -> None:
    person, card = await _filed(harness, texts)
    staff = await _with_profile(harness)
    answer = _long("Опора № 17 заменена, напряжение на вводе в норме.", 4000)
    await staff.reply(card, f"/answer {answer}")
    delivered = await harness.deliver()
    preview = _group_messages(delivered)
    assert len(preview) == 2
    assert _squeezed(answer) in _squeezed("".join(p.text for p in preview))
    assert "Петрова Анна Сергеевна" in preview[-1].text
    assert inline_buttons(preview[0]) == []
    assert texts.get("staff-button-send-answer") in [
        label for label, _ in inline_buttons(preview[-1])
    ]
    await staff.press(texts.get("staff-button-send-answer"))
    assert await _status(harness) is AppealStatus.ANSWERED
    delivered = await harness.deliver()
    told = _to(delivered, person.chat.id)
    assert len(told) == 3  # the answer in two parts, then the survey
    assert _squeezed(answer) in _squeezed(told[0].text + told[1].text)
    assert "Петрова Анна Сергеевна" in told[1].text
    assert [label for label, _ in inline_buttons(told[2])] == ["1", "2", "3", "4", "5"]
    assert await _failed_rows(harness) == []


async def test_an_answer_previewed_before_the_signature_changed_is_previewed_again(
    harness: BotHarness, texts: Texts
) -> None:
    person, card = await _filed(harness, texts)
    staff = await _with_profile(harness)
    await staff.reply(card, "/answer Опора заменена, напряжение в норме.")
    await harness.deliver()
    preview = staff.last_inline
    await staff.send(
        "/profile Петрова Анна Сергеевна; начальник службы; +7 831 000-00-01; petrova@vyksa.ru"
    )
    await harness.deliver()
    staff.last_inline = preview
    await staff.press(texts.get("staff-button-send-answer"))
    assert await _status(harness) is AppealStatus.REGISTERED  # not what was previewed
    delivered = await harness.deliver()
    again = _group_messages(delivered)[-1]
    assert "начальник службы" in again.text and "Опора заменена" in again.text
    await staff.press(texts.get("staff-button-send-answer"))
    assert await _status(harness) is AppealStatus.ANSWERED
    told = _to(await harness.deliver(), person.chat.id)
    assert "начальник службы" in told[0].text


async def test_a_long_addition_reaches_the_thread_whole(harness: BotHarness, texts: Texts) -> None:
    person, _card = await _filed(harness, texts)
    await person.send("/appeals")
    await person.press("ВЭ-2026-000001")
    await person.press(texts.get("appeal-add-info-button"))
    addition = _long("Сегодня свет снова гас в 19:40 и в 21:15, соседи подтвердят.", 4080)
    await person.send(addition)
    delivered = await harness.deliver()  # the receipt is queued with the addition
    assert texts_of(_to(delivered, person.chat.id)) == [
        texts.get("appeal-info-added", number="ВЭ-2026-000001")
    ]
    posts = _group_messages(delivered)
    assert len(posts) >= 2
    assert _squeezed(addition) in _squeezed("".join(p.text for p in posts))
    assert await _failed_rows(harness) == []


async def _filed_long(harness: BotHarness, texts: Texts, text: str) -> Person:
    person = await _linked(harness, texts)
    await _to_text_step(person, texts)
    await person.send(text)
    await person.press(texts.get("appeal-attachments-done"))
    await person.press("Иванова Мария Петровна")
    await person.press(texts.get("appeal-skip"))
    await person.press(texts.get("appeal-channel-chat"))
    await person.press(texts.get("appeal-vulnerable-none"))
    await person.press(texts.get("appeal-summary-submit"))
    return person


async def test_a_long_appeal_is_shortened_on_the_card_and_posted_whole_in_the_thread(
    harness: BotHarness, texts: Texts
) -> None:
    text = _long("Третий день по вечерам мигает свет и гаснет на несколько минут.", TEXT_MAX)
    await _filed_long(harness, texts, text)
    delivered = await harness.deliver()
    card = _card(harness)
    assert _squeezed(text) not in _squeezed(card.text or "")
    assert texts.get("staff-card-cut") in (card.text or "")
    rest = [m for m in _group_messages(delivered) if m.text != card.text]
    assert _squeezed(text) in _squeezed("".join(m.text for m in rest))
    assert await _failed_rows(harness) == []


async def test_the_details_of_a_long_appeal_with_a_long_history_fit_and_keep_their_buttons(
    harness: BotHarness, texts: Texts
) -> None:
    text = _long("Третий день по вечерам мигает свет и гаснет на несколько минут.", TEXT_MAX)
    person = await _filed_long(harness, texts, text)
    await harness.deliver()
    card = _card(harness)
    staff = await _with_profile(harness)
    for hour in range(19, 24):
        await person.send("/appeals")
        await person.press("ВЭ-2026-000001")
        await person.press(texts.get("appeal-add-info-button"))
        await person.send(_long(f"Сегодня свет снова гас в {hour}:40, соседи подтвердят.", 300))
    await harness.deliver()
    await staff.reply(card, "/answer " + _long("Опора заменена, напряжение в норме.", 4000))
    await harness.deliver()
    await staff.press(texts.get("staff-button-send-answer"))
    await harness.deliver()
    await person.send("/appeals")
    calls = await person.press("ВЭ-2026-000001")
    shown = [c for c in calls if isinstance(c, SendMessage)]
    assert len(shown) >= 2
    assert texts.get("appeal-back-to-list") in [label for label, _ in inline_buttons(shown[-1])]
    assert "Опора заменена" in "".join(c.text for c in shown)


# 3. One topic per appeal, whatever happens between creating it and posting the card ----------


async def test_a_crash_after_the_topic_is_created_leaves_one_topic_and_the_retry_reuses_it(
    harness: BotHarness,
    texts: Texts,
    settings: Settings,
    clock: FixedClock,
    content: ContentLibrary,
) -> None:
    harness.session.forum = True
    person = await _linked(harness, texts)
    await _file_one(person, texts)
    # Telegram creates the topic; the card after it never gets through (the connection drops),
    # and the process dies before anything else is stored.
    harness.session.traps.append(
        (
            lambda m: isinstance(m, SendMessage) and int(m.chat_id) == STAFF_CHAT_ID,
            TelegramNetworkError(
                method=SendMessage(chat_id=STAFF_CHAT_ID, text="x"), message="connection reset"
            ),
        )
    )
    delivered = await harness.deliver()
    created = [c for c in delivered if isinstance(c, CreateForumTopic)]
    assert len(created) == 1
    topic = int(harness.last_results[delivered.index(created[0])].message_thread_id)
    await harness.close()

    restarted = await BotHarness.start(
        settings.with_values(staff_chat_id=STAFF_CHAT_ID),
        clock=clock,
        texts=texts,
        content=content,
    )
    try:
        restarted.session.forum = True
        clock.advance(timedelta(minutes=1))  # the card's retry is due
        delivered = await restarted.deliver()
        assert [c for c in delivered if isinstance(c, CreateForumTopic)] == []
        card = _card(restarted)
        assert card.message_thread_id == topic
        async with restarted.app.sessionmaker() as session:
            topics = (await session.scalars(select(AppealTopicRow.topic_id))).all()
        assert topics == [topic]
        staff = await _with_profile(restarted)
        await staff.send("/take", message_thread_id=topic, is_topic_message=True)
        assert await _status(restarted) is AppealStatus.IN_PROGRESS
    finally:
        await restarted.close()


async def test_a_topic_kept_from_before_a_crash_and_deleted_since_gets_a_new_one(
    harness: BotHarness, texts: Texts, clock: FixedClock
) -> None:
    harness.session.forum = True
    person = await _linked(harness, texts)
    await _file_one(person, texts)
    dropped = TelegramNetworkError(
        method=SendMessage(chat_id=STAFF_CHAT_ID, text="x"), message="connection reset"
    )
    harness.session.traps.append(
        (lambda m: isinstance(m, SendMessage) and int(m.chat_id) == STAFF_CHAT_ID, dropped)
    )
    delivered = await harness.deliver()
    first = next(c for c in delivered if isinstance(c, CreateForumTopic))
    old_topic = int(harness.last_results[delivered.index(first)].message_thread_id)
    harness.session.traps.append(
        (
            lambda m: isinstance(m, SendMessage) and m.message_thread_id == old_topic,
            TelegramBadRequest(
                method=SendMessage(chat_id=STAFF_CHAT_ID, text="x"),
                message="Bad Request: message thread not found",
            ),
        )
    )
    clock.advance(timedelta(minutes=1))
    delivered = await harness.deliver()
    assert len([c for c in delivered if isinstance(c, CreateForumTopic)]) == 1
    card = _card(harness)
    assert card.message_thread_id not in (None, old_topic)


def _in_unknown_topic(staff: StaffPerson, text: str, topic: int, name: str) -> Update:
    """A message in a forum topic the bot created but never stored: Telegram shows the
    topic's creation service message as what it replies to."""
    created = Message(
        message_id=topic,
        date=datetime.now(UTC),
        chat=staff.chat,
        from_user=User(id=BOT_USER_ID, is_bot=True, first_name="Reception"),
        message_thread_id=topic,
        is_topic_message=True,
        forum_topic_created=ForumTopicCreated(name=name, icon_color=0x6FB9F0),
    )
    return staff.message_update(
        text, message_thread_id=topic, is_topic_message=True, reply_to_message=created
    )


async def test_a_message_in_an_unstored_topic_named_for_an_appeal_reaches_it(
    harness: BotHarness, texts: Texts
) -> None:
    harness.session.forum = True
    person = await _linked(harness, texts)
    await _file_one(person, texts)
    await harness.deliver()
    staff = await _with_profile(harness)
    name = "ВЭ-2026-000001 · Жалоба или претензия · Качество обслуживания"
    await staff.feed(_in_unknown_topic(staff, "/take", 4242, name))
    assert await _status(harness) is AppealStatus.IN_PROGRESS
    async with harness.app.sessionmaker() as session:
        kept = await session.scalar(
            select(AppealTopicRow.appeal_id).where(AppealTopicRow.topic_id == 4242)
        )
    assert kept is not None
    # From now on the topic is the appeal's, whatever a message in it replies to.
    await staff.send("/close", message_thread_id=4242, is_topic_message=True)
    delivered = await harness.deliver()
    assert texts.get("staff-no-appeal") not in [c.text for c in _group_messages(delivered)]
    # A topic named for no appeal stays staff talking among themselves.
    await staff.feed(_in_unknown_topic(staff, "/take", 4343, "Обед в пятницу"))
    delivered = await harness.deliver()
    assert texts.get("staff-no-appeal") in [c.text for c in _group_messages(delivered)]


# 7. A message the consumer never got is reported, with a task to reach them another way ------


def _refused(person: Person, error: Exception) -> tuple[Any, Exception]:
    """The next message to the person's chat is refused with `error`."""
    return (lambda m: isinstance(m, SendMessage) and m.chat_id == person.chat.id, error)


async def _tasks(harness: BotHarness) -> list[tuple[str, bool]]:
    async with harness.app.sessionmaker() as session:
        rows = (await session.execute(select(AppealTaskRow.channel, AppealTaskRow.done_at))).all()
    return [(channel, done_at is not None) for channel, done_at in rows]


async def test_an_answer_to_someone_who_blocked_the_bot_is_reported_with_a_task(
    harness: BotHarness, texts: Texts
) -> None:
    person, card = await _filed(harness, texts)
    staff = await _with_profile(harness)
    await staff.reply(card, "/answer Опора заменена, напряжение в норме.")
    await harness.deliver()
    await staff.press(texts.get("staff-button-send-answer"))
    forbidden = TelegramForbiddenError(
        method=SendMessage(chat_id=person.chat.id, text="x"),
        message="Forbidden: bot was blocked by the user",
    )
    harness.session.traps.append(_refused(person, forbidden))
    delivered = await harness.deliver()
    posts = [c.text for c in _group_messages(delivered)]
    line = [p for p in posts if "ответ не доставлен: потребитель заблокировал бота" in p]
    assert len(line) == 1 and "Иванова Мария Петровна" in line[0]
    report = next(c for c in _group_messages(delivered) if c.text == line[0])
    assert [label for label, _ in inline_buttons(report)] == [
        texts.plain("staff-button-task-done")
    ]
    edits = [c for c in delivered if isinstance(c, EditMessageText)]
    assert edits and texts.get("staff-card-undelivered", count=1) in str(edits[-1].text)
    assert await _tasks(harness) == [("undelivered", False)]

    # The sender may see the same refusal again (a crash before its outcome was stored):
    # still one task, one line.
    async with harness.app.sessionmaker() as session, session.begin():
        await session.execute(
            update(OutboxRow).where(OutboxRow.purpose == "answer").values(status="pending")
        )
    harness.session.traps.append(_refused(person, forbidden))
    delivered = await harness.deliver()
    assert not any("не доставлен" in c.text for c in _group_messages(delivered))
    assert await _tasks(harness) == [("undelivered", False)]

    # Staff reached the person by post and press «Выполнено»: the card loses its mark.
    staff.last_inline = [(label, data, card) for label, data in inline_buttons(report)]
    await staff.press(texts.plain("staff-button-task-done"))
    delivered = await harness.deliver()
    assert await _tasks(harness) == [("undelivered", True)]
    edits = [c for c in delivered if isinstance(c, EditMessageText)]
    assert edits and texts.get("staff-card-undelivered", count=1) not in str(edits[-1].text)
    assert any("сообщили другим способом" in c.text for c in _group_messages(delivered))


async def test_a_question_to_a_chat_that_is_gone_is_reported_and_delivered_ones_are_not(
    harness: BotHarness, texts: Texts
) -> None:
    person, card = await _filed(harness, texts)
    staff = await _with_profile(harness)
    await staff.reply(card, "/ask Уточните номер опоры рядом с домом.")
    harness.session.traps.append(
        _refused(
            person,
            TelegramBadRequest(
                method=SendMessage(chat_id=person.chat.id, text="x"),
                message="Bad Request: chat not found",
            ),
        )
    )
    delivered = await harness.deliver()
    posts = [c.text for c in _group_messages(delivered)]
    assert any(
        "вопрос заявителю не доставлен: чат потребителя в Telegram не найден" in p for p in posts
    )
    assert await _tasks(harness) == [("undelivered", False)]
    # A question that does arrive makes no task.
    await staff.reply(card, "/extend 10 нужен выезд")  # a specialist may not: nothing sent
    harness.configure(admin_ids=frozenset({staff.user.id}))
    await staff.reply(card, "/extend 10 нужен выезд на место")
    delivered = await harness.deliver()
    assert _to(delivered, person.chat.id)
    assert not any("не доставлен" in c.text for c in _group_messages(delivered))
    assert await _tasks(harness) == [("undelivered", False)]
