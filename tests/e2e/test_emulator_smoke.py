"""Smoke tests of the e2e harness, driving a tiny real aiogram bot through the emulator.

The bot below is written to a temp file and run as a subprocess, pointed at the emulator with
``AiohttpSession(api=TelegramAPIServer.from_base(...))``, exactly like a production bot would
be pointed at a local Bot API server. No assertion depends on timing.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from .client import BotMessage, BotProcess, Emulator, EmulatorError
from .conftest import BotFactory, UserFactory

pytestmark = pytest.mark.asyncio

TINY_BOT = '''\
"""A tiny aiogram bot used to prove the e2e harness."""

import asyncio
import logging
import os
import sys
from pathlib import Path

from aiogram import Bot, Dispatcher, F
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramNotFound
from aiogram.filters import Command, CommandStart
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    CallbackQuery,
    FSInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

REPORT = Path(os.environ["E2E_REPORT_PATH"])
dp = Dispatcher()


@dp.message(CommandStart())
async def start(message: Message) -> None:
    button = InlineKeyboardButton(text="Get report", callback_data="report")
    keyboard = InlineKeyboardMarkup(inline_keyboard=[[button]])
    await message.answer(f"Hello, {message.from_user.first_name}!", reply_markup=keyboard)


@dp.callback_query(F.data == "report")
async def report(query: CallbackQuery, bot: Bot) -> None:
    await query.answer("Preparing")
    await query.message.edit_text(f"Report requested (was: {query.message.text})")
    await bot.send_chat_action(query.message.chat.id, "upload_document")
    await query.message.answer_document(FSInputFile(REPORT), caption="Your report")


@dp.message(Command("menu"))
async def menu(message: Message) -> None:
    row = [KeyboardButton(text="Ping"), KeyboardButton(text="Close menu")]
    keyboard = ReplyKeyboardMarkup(keyboard=[row], resize_keyboard=True)
    await message.answer("Menu", reply_markup=keyboard)


@dp.message(F.text == "Ping")
async def ping(message: Message) -> None:
    await message.answer("Pong")


@dp.message(F.text == "Close menu")
async def close_menu(message: Message) -> None:
    await message.answer("Closed", reply_markup=ReplyKeyboardRemove())


@dp.message(Command("photo"))
async def photo(message: Message) -> None:
    upload = BufferedInputFile(b"not really a PNG", filename="chart.png")
    sent = await message.answer_photo(upload, caption="Chart")
    await message.answer_photo(sent.photo[-1].file_id, caption="Chart again")


@dp.message(Command("whoami"))
async def whoami(message: Message, bot: Bot) -> None:
    chat = await bot.get_chat(message.chat.id)
    member = await bot.get_chat_member(message.chat.id, message.from_user.id)
    await message.answer(f"chat={chat.type} status={member.status}")


@dp.message()
async def echo(message: Message) -> None:
    await message.answer(f"Echo: {message.text}")


async def on_startup(bot: Bot) -> None:
    await bot.set_my_commands([BotCommand(command="start", description="Start")])
    await bot.set_chat_menu_button()
    try:
        await bot.get_my_description()
    except TelegramNotFound as error:
        print(f"E2E unknown method: TelegramNotFound: {error}", flush=True)
    print("E2E startup done", flush=True)


async def main() -> None:
    logging.basicConfig(level=logging.INFO, stream=sys.stdout)
    api = TelegramAPIServer.from_base(os.environ["E2E_API_BASE"])
    bot = Bot(os.environ["E2E_BOT_TOKEN"], session=AiohttpSession(api=api))
    dp.startup.register(on_startup)
    await dp.start_polling(bot)


asyncio.run(main())
'''


@pytest.fixture
def tiny_bot(
    make_bot: BotFactory, emulator: Emulator, bot_token: str, tmp_path: Path
) -> BotProcess:
    """The tiny bot, not started yet."""
    script = tmp_path / "tiny_bot.py"
    script.write_text(TINY_BOT, encoding="utf-8")
    report = tmp_path / "monthly-report.txt"
    report.write_text("total: 42\n", encoding="utf-8")
    env = {
        "E2E_API_BASE": emulator.base_url,
        "E2E_BOT_TOKEN": bot_token,
        "E2E_REPORT_PATH": str(report),
    }
    return make_bot([sys.executable, str(script)], env, name="tiny_bot")


def _is_greeting(message: BotMessage) -> bool:
    return message.content.startswith("Hello, ")


async def test_start_press_and_document(
    emulator: Emulator, tiny_bot: BotProcess, make_user: UserFactory, bot_token: str
) -> None:
    tiny_bot.start()
    alice = make_user(first_name="Alice")

    await alice.send_command("/start")
    greeting = await alice.wait_for(_is_greeting)
    assert greeting.text == "Hello, Alice!"
    assert [button.text for button in greeting.inline_buttons] == ["Get report"]

    pressed = await alice.press("report")
    assert pressed.message_id == greeting.message_id

    edited = await alice.wait_for(lambda message: message.is_edit)
    assert edited.message_id == greeting.message_id
    # The callback carried the full message, and editing without markup drops the keyboard.
    assert edited.text == "Report requested (was: Hello, Alice!)"
    assert edited.inline_buttons == []

    document = await alice.wait_for(lambda message: message.document is not None)
    assert document.file_name == "monthly-report.txt"
    assert document.caption == "Your report"

    # The stubs were called and recorded; the unknown method surfaced as TelegramNotFound.
    await tiny_bot.wait_for_log("E2E startup done")
    assert "E2E unknown method: TelegramNotFound" in tiny_bot.log_text
    answers = await emulator.calls("answerCallbackQuery", token=bot_token)
    assert [call["params"].get("text") for call in answers] == ["Preparing"]
    for method in ("setMyCommands", "setChatMenuButton", "sendChatAction"):
        assert await emulator.calls(method, token=bot_token), method
    uploads = await emulator.calls("sendDocument", token=bot_token)
    assert [file["filename"] for file in uploads[0]["params"]["__files"]] == ["monthly-report.txt"]


async def test_reply_keyboard_and_echo(tiny_bot: BotProcess, make_user: UserFactory) -> None:
    tiny_bot.start()
    bob = make_user(first_name="Bob")

    await bob.send_command("/menu")
    menu = await bob.wait_for_text("Menu")
    assert menu.reply_keyboard == [["Ping", "Close menu"]]

    await bob.press_reply("Ping")
    assert (await bob.wait_for()).text == "Pong"

    await bob.press_reply("Close")
    closed = await bob.wait_for()
    assert closed.text == "Closed"
    assert closed.removes_reply_keyboard
    assert bob.current_reply_keyboard() is None

    await bob.send_text("hello there")
    assert (await bob.wait_for()).text == "Echo: hello there"


async def test_photo_upload_and_resend_by_file_id(
    tiny_bot: BotProcess, make_user: UserFactory
) -> None:
    tiny_bot.start()
    carol = make_user(first_name="Carol")

    await carol.send_command("/photo")
    first = await carol.wait_for(lambda message: message.caption == "Chart")
    second = await carol.wait_for(lambda message: message.caption == "Chart again")
    assert first.photo is not None
    assert second.photo is not None
    assert first.file_name == "chart.png"
    assert second.photo[-1]["file_id"] == first.photo[-1]["file_id"]
    assert second.file_name == "chart.png"


async def test_get_chat_and_chat_member(
    emulator: Emulator, tiny_bot: BotProcess, make_user: UserFactory
) -> None:
    tiny_bot.start()
    dave = make_user(first_name="Dave")

    await dave.send_command("/whoami")
    assert (await dave.wait_for()).text == "chat=private status=member"

    await emulator.set_chat_member(dave.chat_id, dave.user_id, "administrator")
    await dave.send_command("/whoami")
    assert (await dave.wait_for()).text == "chat=private status=administrator"


async def test_group_chat_users_share_the_chat(
    tiny_bot: BotProcess, make_user: UserFactory
) -> None:
    tiny_bot.start()
    group = {"type": "supergroup", "title": "Team"}
    ivan = make_user(first_name="Ivan", chat_id=-1001234567890, chat=group)
    judy = make_user(first_name="Judy", chat_id=-1001234567890, chat=group)

    await ivan.send_text("hi all")
    assert (await judy.wait_for()).text == "Echo: hi all"
    assert (await ivan.wait_for()).text == "Echo: hi all"

    await judy.send_command("/whoami")
    assert (await ivan.wait_for()).text == "chat=supergroup status=member"


async def test_crash_and_restart(
    emulator: Emulator, tiny_bot: BotProcess, make_user: UserFactory
) -> None:
    tiny_bot.start()
    erin = make_user(first_name="Erin")
    await erin.send_command("/start")
    await erin.wait_for(_is_greeting)

    tiny_bot.kill()
    assert not tiny_bot.is_running
    assert emulator.is_running

    # Sent while the bot is down: delivered once it is back.
    await erin.send_text("are you there?")
    tiny_bot.start()
    reply = await erin.wait_for(lambda message: message.content.startswith("Echo"), 20.0)
    assert reply.text == "Echo: are you there?"
    assert tiny_bot.starts == 2
    assert tiny_bot.log_text.count("=== tiny_bot start #") == 2


async def test_idle_bot_long_polls(
    emulator: Emulator, tiny_bot: BotProcess, make_user: UserFactory, bot_token: str
) -> None:
    tiny_bot.start()
    frank = make_user(first_name="Frank")
    await frank.send_command("/start")
    await frank.wait_for(_is_greeting)
    await tiny_bot.wait_for_log("E2E startup done")

    before = await emulator.get_updates_calls(bot_token)
    await asyncio.sleep(2.0)
    after = await emulator.get_updates_calls(bot_token)
    # Without real long polling aiogram would call getUpdates thousands of times here.
    assert after - before < 10
    assert tiny_bot.is_running


async def test_emulator_rejects_malformed_user_requests(
    emulator: Emulator, make_user: UserFactory
) -> None:
    grace = make_user(first_name="Grace")
    with pytest.raises(EmulatorError, match="entities"):
        await grace.post("/sendCommand", {"botToken": grace.bot_token, "text": "/start"})
    with pytest.raises(EmulatorError, match="botToken"):
        await grace.post("/sendMessage", {"text": "hi"})
    # Still alive and answering.
    assert (await emulator.stats())["uptime_ms"] >= 0


async def test_user_wait_for_times_out_with_context(make_user: UserFactory) -> None:
    lonely = make_user(first_name="Heidi")
    with pytest.raises(AssertionError, match="no matching bot message"):
        await lonely.wait_for(timeout=0.5)
