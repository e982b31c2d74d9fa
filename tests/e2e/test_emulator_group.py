"""The emulator's staff-chat support, proved with aiogram's own ``Bot`` (no bot process).

A staff chat is a supergroup where the bot posts a card per appeal (maybe in a forum topic),
staff press its buttons, reply to it and send commands, and the bot checks membership with
getChatMember. Each test plays the bot with ``aiogram.Bot`` pointed at the emulator, and the
people with :class:`EmulatorUser`: every answer below went through aiogram's parsing.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import (
    CallbackQuery,
    ChatFullInfo,
    ChatMemberAdministrator,
    ChatMemberBanned,
    ChatMemberLeft,
    ChatMemberMember,
    ChatMemberOwner,
    ForumTopic,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    MessageId,
    ReplyParameters,
    Update,
)

from .client import Emulator, GroupChat
from .conftest import UserFactory

pytestmark = pytest.mark.asyncio

STAFF = GroupChat(id=-1001234567890, title="Диспетчерская")


def _keyboard(*labels: str) -> InlineKeyboardMarkup:
    buttons = [InlineKeyboardButton(text=label, callback_data=label.lower()) for label in labels]
    return InlineKeyboardMarkup(inline_keyboard=[buttons])


def _api(emulator: Emulator, token: str) -> Bot:
    return Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(emulator.base_url)))


@pytest_asyncio.fixture
async def bot(emulator: Emulator, bot_token: str) -> AsyncIterator[Bot]:
    """This test's bot, as aiogram talks to the emulator."""
    api = _api(emulator, bot_token)
    try:
        yield api
    finally:
        await api.session.close()


class Updates:
    """The bot's getUpdates, one update at a time (each call confirms the previous one)."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self.offset: int | None = None

    async def next(self) -> Update:
        updates = await self.bot.get_updates(offset=self.offset, timeout=5)
        assert updates, "the bot got no update"
        self.offset = updates[0].update_id + 1
        return updates[0]

    async def message(self) -> Message:
        update = await self.next()
        assert update.message is not None, update
        return update.message

    async def callback_query(self) -> CallbackQuery:
        update = await self.next()
        assert update.callback_query is not None, update
        return update.callback_query


async def test_get_chat_member_answers_from_the_table(
    emulator: Emulator, bot: Bot, make_user: UserFactory
) -> None:
    olga = make_user(first_name="Ольга", chat=STAFF)
    me = await bot.get_me()

    # No table for the chat yet: everybody is a member, the bot an administrator.
    assert isinstance(await bot.get_chat_member(STAFF.id, olga.user_id), ChatMemberMember)
    assert isinstance(await bot.get_chat_member(STAFF.id, me.id), ChatMemberAdministrator)

    await olga.set_chat_member("member")
    await olga.set_chat_member("creator", user_id=501, user={"first_name": "Начальник"})
    await olga.set_chat_member("administrator", user_id=502, can_manage_topics=True)
    await olga.set_chat_member("kicked", user_id=503)

    member = await bot.get_chat_member(STAFF.id, olga.user_id)
    assert isinstance(member, ChatMemberMember)
    assert member.user.first_name == "Ольга"
    owner = await bot.get_chat_member(STAFF.id, 501)
    assert isinstance(owner, ChatMemberOwner)
    assert owner.user.first_name == "Начальник"
    admin = await bot.get_chat_member(STAFF.id, 502)
    assert isinstance(admin, ChatMemberAdministrator)
    assert admin.can_manage_chat and admin.can_manage_topics
    assert isinstance(await bot.get_chat_member(STAFF.id, 503), ChatMemberBanned)
    # Now the chat has a table: anybody else has left it.
    stranger = await bot.get_chat_member(STAFF.id, 999)
    assert isinstance(stranger, ChatMemberLeft)
    assert stranger.user.id == 999 and not stranger.user.is_bot

    admins = await bot.get_chat_administrators(STAFF.id)
    assert [(a.status, a.user.id) for a in admins] == [
        ("creator", 501),
        ("administrator", me.id),
        ("administrator", 502),
    ]

    # The table belongs to this bot: another test's bot sees no table in the same chat.
    other = _api(emulator, "42:another-bot")
    try:
        assert isinstance(await other.get_chat_member(STAFF.id, 999), ChatMemberMember)
    finally:
        await other.session.close()


async def test_get_chat_and_forum_topics(bot: Bot, make_user: UserFactory) -> None:
    olga = make_user(first_name="Ольга", chat=STAFF)

    chat = await bot.get_chat(STAFF.id)
    assert isinstance(chat, ChatFullInfo)
    assert chat.type == "supergroup" and not chat.is_forum
    with pytest.raises(TelegramBadRequest, match="the chat is not a forum"):
        await bot.create_forum_topic(STAFF.id, "Обращение ВЭ-2025-000001")

    await olga.set_chat(is_forum=True, title="Диспетчерская (темы)")
    chat = await bot.get_chat(STAFF.id)
    assert chat.is_forum is True and chat.title == "Диспетчерская (темы)"

    topic = await bot.create_forum_topic(STAFF.id, "Обращение ВЭ-2025-000001")
    assert isinstance(topic, ForumTopic)
    assert topic.name == "Обращение ВЭ-2025-000001"
    card = await bot.send_message(STAFF.id, "Карточка", message_thread_id=topic.message_thread_id)
    assert card.message_thread_id == topic.message_thread_id
    assert card.is_topic_message is True
    assert card.chat.type == "supergroup" and card.chat.is_forum
    seen = await olga.wait_for_text("Карточка")
    assert seen.message_thread_id == topic.message_thread_id

    second = await bot.create_forum_topic(STAFF.id, "Обращение ВЭ-2025-000002")
    assert second.message_thread_id != topic.message_thread_id
    assert await bot.close_forum_topic(STAFF.id, second.message_thread_id)
    with pytest.raises(TelegramBadRequest, match="TOPIC_NOT_MODIFIED"):
        await bot.close_forum_topic(STAFF.id, second.message_thread_id)
    assert await bot.reopen_forum_topic(STAFF.id, second.message_thread_id)
    assert await bot.delete_forum_topic(STAFF.id, second.message_thread_id)

    # A staff member deletes the first topic by hand: its card is gone, the thread too.
    await olga.delete_topic(topic.message_thread_id)
    with pytest.raises(TelegramBadRequest, match="message thread not found"):
        await bot.send_message(STAFF.id, "Ещё", message_thread_id=topic.message_thread_id)
    with pytest.raises(TelegramBadRequest, match="message thread not found"):
        await bot.send_message(STAFF.id, "Ещё", message_thread_id=second.message_thread_id)
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("Закрыто", chat_id=STAFF.id, message_id=card.message_id)
    topics = {t["message_thread_id"]: t for t in await olga.topics()}
    assert topics[topic.message_thread_id]["deleted"] is True
    assert topics[second.message_thread_id]["deleted"] is True

    # The General topic still works.
    await bot.send_message(STAFF.id, "Без темы")
    assert (await olga.wait_for()).text == "Без темы"


async def test_copy_message_of_a_consumer_photo_into_a_topic(
    bot: Bot, make_user: UserFactory
) -> None:
    consumer = make_user(first_name="Мария")
    olga = make_user(first_name="Ольга", chat=STAFF)
    await olga.set_chat(is_forum=True)
    updates = Updates(bot)

    photo_id = await consumer.send_photo("ph-meter", caption="Показания счётчика")
    message = await updates.message()
    assert message.message_id == photo_id
    assert message.chat.type == "private"
    assert message.photo is not None and message.photo[-1].file_id == "ph-meter"

    topic = await bot.create_forum_topic(STAFF.id, "Обращение")
    copy = await bot.copy_message(
        STAFF.id,
        consumer.chat_id,
        photo_id,
        message_thread_id=topic.message_thread_id,
        reply_markup=_keyboard("Взять"),
    )
    assert isinstance(copy, MessageId)

    seen = await olga.wait_for(lambda m: m.photo is not None)
    assert seen.message_id == copy.message_id
    assert seen.copied_from == {"chat_id": consumer.chat_id, "message_id": photo_id}
    assert seen.photo is not None and seen.photo[-1]["file_id"] == "ph-meter"
    assert seen.caption == "Показания счётчика"
    assert seen.message_thread_id == topic.message_thread_id
    assert [b.text for b in seen.inline_buttons] == ["Взять"]

    # A new caption replaces the original one; a missing original is refused.
    await bot.copy_message(STAFF.id, consumer.chat_id, photo_id, caption="Фото заявителя")
    assert (await olga.wait_for()).caption == "Фото заявителя"
    with pytest.raises(TelegramBadRequest, match="message to copy not found"):
        await bot.copy_message(STAFF.id, consumer.chat_id, 987654321)


async def test_send_message_to_a_supergroup_keeps_markup_and_reply(
    bot: Bot, make_user: UserFactory
) -> None:
    olga = make_user(first_name="Ольга", chat=STAFF)
    updates = Updates(bot)

    question = await olga.send_text("Кто возьмёт обращение?")
    message = await updates.message()
    assert message.message_id == question
    assert message.chat.type == "supergroup" and message.chat.title == STAFF.title

    card = await bot.send_message(
        STAFF.id,
        "Новое обращение",
        reply_markup=_keyboard("Взять", "Закрыть"),
        reply_parameters=ReplyParameters(message_id=question),
    )
    assert card.chat.type == "supergroup" and card.chat.id == STAFF.id
    assert card.reply_to_message is not None
    assert card.reply_to_message.message_id == question
    assert card.reply_to_message.text == "Кто возьмёт обращение?"
    assert card.reply_markup is not None
    assert [b.text for b in card.reply_markup.inline_keyboard[0]] == ["Взять", "Закрыть"]

    seen = await olga.wait_for_text("Новое обращение")
    assert seen.message_id == card.message_id
    assert seen.reply_to_message_id == question
    assert [b.callback_data for b in seen.inline_buttons] == ["взять", "закрыть"]


async def test_staff_reply_and_command_reach_the_bot(bot: Bot, make_user: UserFactory) -> None:
    olga = make_user(first_name="Ольга", chat=STAFF)
    await olga.set_chat(is_forum=True)
    updates = Updates(bot)
    me = await bot.get_me()

    topic = await bot.create_forum_topic(STAFF.id, "Обращение")
    card = await bot.send_message(STAFF.id, "Карточка", message_thread_id=topic.message_thread_id)
    received = await olga.wait_for_text("Карточка")

    # A reply to the card carries the full card and lands in its topic.
    await olga.send_text("Выехали на место", reply_to=received)
    reply = await updates.message()
    assert reply.text == "Выехали на место"
    assert reply.message_thread_id == topic.message_thread_id and reply.is_topic_message
    original = reply.reply_to_message
    assert original is not None
    assert original.message_id == card.message_id and original.text == "Карточка"
    assert original.from_user is not None and original.from_user.id == me.id
    assert original.from_user.is_bot
    assert abs(original.date.timestamp() - time.time()) < 120  # seconds, not milliseconds
    assert original.chat.id == STAFF.id

    # A command addressed to the bot, in the topic.
    await olga.send_command("/take", mention=True, thread_id=topic.message_thread_id)
    command = await updates.message()
    assert command.text == f"/take@{me.username}"
    assert command.entities is not None
    assert command.entities[0].type == "bot_command"
    assert command.entities[0].length == len(command.text)
    assert command.message_thread_id == topic.message_thread_id

    # A photo into the topic, replying by id.
    await olga.send_photo(caption="Фото с места", reply_to=card.message_id)
    photo = await updates.message()
    assert photo.photo is not None and photo.caption == "Фото с места"
    assert photo.reply_to_message is not None
    assert photo.reply_to_message.message_id == card.message_id

    # The bot can delete a staff message, once.
    assert await bot.delete_message(STAFF.id, photo.message_id)
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(STAFF.id, photo.message_id)

    # The same person in her private chat with the bot.
    private = olga.in_chat(olga.user_id)
    await private.send_command("/start")
    start = await updates.message()
    assert start.chat.type == "private" and start.chat.id == olga.user_id
    assert start.from_user is not None and start.from_user.first_name == "Ольга"
    await bot.send_message(olga.user_id, "Здравствуйте")
    assert (await private.wait_for()).text == "Здравствуйте"


async def test_button_press_in_the_group_and_the_callback_answer(
    bot: Bot, make_user: UserFactory
) -> None:
    olga = make_user(first_name="Ольга", chat=STAFF)
    ivan = make_user(first_name="Иван", chat=STAFF)
    updates = Updates(bot)

    card = await bot.send_message(STAFF.id, "Карточка", reply_markup=_keyboard("Взять"))
    await bot.send_message(STAFF.id, "Другая карточка", reply_markup=_keyboard("Взять"))
    await olga.wait_for_text("Другая карточка")

    # Ivan presses "Взять" on the first card (not the newest one).
    pressed = await ivan.press("Взять", message=card.message_id)
    assert pressed.message_id == card.message_id
    query = await updates.callback_query()
    assert query.data == "взять"
    assert query.from_user.id == ivan.user_id
    assert query.id == ivan.last_callback_id
    assert isinstance(query.message, Message)
    assert query.message.message_id == card.message_id
    assert query.message.chat.type == "supergroup" and query.message.text == "Карточка"

    await bot.answer_callback_query(query.id, text="Вы не сотрудник", show_alert=True)
    answer = await ivan.wait_for_callback_answer()
    assert answer["text"] == "Вы не сотрудник" and answer["show_alert"] is True
    assert answer["from_id"] == ivan.user_id and answer["data"] == "взять"
    assert answer["message_id"] == card.message_id and answer["chat_id"] == STAFF.id
    assert await olga.callback_answers() == []  # none to her presses

    # A consumer presses a button on a given message of the private chat.
    consumer = make_user(first_name="Мария")
    first = await bot.send_message(consumer.chat_id, "Первое", reply_markup=_keyboard("Да"))
    await bot.send_message(consumer.chat_id, "Второе", reply_markup=_keyboard("Да"))
    await consumer.wait_for_text("Второе")
    assert (await consumer.press("Да", message=first.message_id)).message_id == first.message_id
    query = await updates.callback_query()
    assert isinstance(query.message, Message) and query.message.text == "Первое"
    assert query.message.chat.type == "private"
    await bot.answer_callback_query(query.id)
    answer = await consumer.wait_for_callback_answer()
    assert answer["text"] is None and answer["show_alert"] is False


async def test_an_edit_in_the_group_shows_in_get_message(
    emulator: Emulator, bot: Bot, bot_token: str, make_user: UserFactory
) -> None:
    olga = make_user(first_name="Ольга", chat=STAFF)
    card = await bot.send_message(
        STAFF.id, "Обращение: открыто", reply_markup=_keyboard("Закрыть")
    )
    await olga.wait_for_text("открыто")

    edited = await bot.edit_message_text(
        "Обращение: закрыто", chat_id=STAFF.id, message_id=card.message_id
    )
    assert isinstance(edited, Message)
    assert edited.chat.type == "supergroup" and edited.edit_date is not None

    current = await olga.get_message(card.message_id)
    assert current.text == "Обращение: закрыто"
    assert current.inline_buttons == [] and current.is_edit
    assert current.api_message is not None
    assert current.api_message["chat"]["type"] == "supergroup"
    assert (await olga.wait_for(lambda m: m.is_edit)).text == "Обращение: закрыто"

    await bot.edit_message_reply_markup(
        chat_id=STAFF.id, message_id=card.message_id, reply_markup=_keyboard("Открыть снова")
    )
    current = await olga.get_message(card.message_id)
    assert [b.text for b in current.inline_buttons] == ["Открыть снова"]
    via_emulator = await emulator.get_message(bot_token, STAFF.id, card.message_id)
    assert via_emulator is not None and via_emulator.text == "Обращение: закрыто"
    assert await emulator.get_message(bot_token, STAFF.id, 987654321) is None

    # Stubs the feature will call at start-up.
    assert await bot.set_my_commands([])
    assert await bot.delete_my_commands()
