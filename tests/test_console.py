"""Console mode (bot/console.py): a message the bot edits is printed again, marked as edited,
with its new buttons; buttons are numbered per screen (what the bot showed in answer to one
input), so old messages' buttons never push the menu's numbers along."""

from __future__ import annotations

import io
from pathlib import Path

from aiogram import Bot
from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageReplyMarkup,
    EditMessageText,
    SendMessage,
)
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cli import cmd_import_accounts
from bot.console import (
    CONSOLE_TOKEN,
    DEMO_ACCOUNT,
    DEMO_DATABASE,
    ConsoleChat,
    ConsoleSession,
    demo_settings,
    run_console,
)
from bot.settings import Settings
from core.texts import Texts

ROOT = Path(__file__).resolve().parent.parent


def _inline(*labels: str) -> InlineKeyboardMarkup:
    rows = [[InlineKeyboardButton(text=label, callback_data=f"cb:{label}")] for label in labels]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def _reply(*labels: str) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(keyboard=[[KeyboardButton(text=label)] for label in labels])


def _console(texts: Texts) -> tuple[ConsoleSession, Bot, io.StringIO]:
    out = io.StringIO()
    session = ConsoleSession(out, texts)
    return session, Bot(CONSOLE_TOKEN, session=session), out


def _answer(session: ConsoleSession, out: io.StringIO, bot: Bot, *methods: object) -> str:
    """One input's answer: the methods the bot called, then the screen; what was printed."""
    out.seek(0)
    out.truncate()
    session.start_turn()
    for method in methods:
        session.respond(bot, method)  # type: ignore[arg-type]
    session.end_turn()
    return out.getvalue()


def test_an_edited_text_is_reprinted_marked_with_its_new_buttons(texts: Texts) -> None:
    session, bot, out = _console(texts)
    sent = session.respond(
        bot, SendMessage(chat_id=1, text="<b>Итог</b>", reply_markup=_inline("Да"))
    )
    session.end_turn()
    printed = _answer(
        session,
        out,
        bot,
        EditMessageText(
            chat_id=1,
            message_id=sent.message_id,
            text="Итог: принято",
            reply_markup=_inline("Ещё"),
        ),
    )
    assert printed.splitlines()[:3] == [
        texts.plain("console-edited", text="Итог: принято"),
        texts.plain("console-buttons"),
        "  [1] Ещё",
    ]
    assert [label for label, _, _ in session.inline] == ["Ещё"]
    # Edited without buttons (Telegram then drops them): nothing left to press.
    _answer(session, out, bot, EditMessageText(chat_id=1, message_id=sent.message_id, text="x"))
    assert session.inline == []


def test_a_toggled_keyboard_reprints_the_message_and_a_toast_alone_keeps_the_screen(
    texts: Texts,
) -> None:
    session, bot, out = _console(texts)
    sent = session.respond(
        bot, SendMessage(chat_id=1, text="Уведомления", reply_markup=_inline("✅ A", "✅ B"))
    )
    session.end_turn()
    printed = _answer(
        session,
        out,
        bot,
        EditMessageReplyMarkup(
            chat_id=1, message_id=sent.message_id, reply_markup=_inline("⬜ A", "✅ B")
        ),
        AnswerCallbackQuery(callback_query_id="1", text="Сохранено"),
    )
    assert texts.plain("console-edited", text="Уведомления") in printed
    assert "  [1] ⬜ A" in printed and "  [2] ✅ B" in printed
    # The press's message is the edited one: its buttons are those now on screen.
    assert session.inline[0][2].reply_markup == _inline("⬜ A", "✅ B")

    toast = _answer(session, out, bot, AnswerCallbackQuery(callback_query_id="2", text="Готово"))
    assert toast == texts.plain("console-alert", text="Готово") + "\n"  # nothing renumbered
    assert [label for label, _, _ in session.inline] == ["⬜ A", "✅ B"]


def test_old_buttons_leave_the_screen_so_the_menu_keeps_its_numbers(texts: Texts) -> None:
    session, bot, out = _console(texts)
    session.respond(
        bot, SendMessage(chat_id=1, text="Счета", reply_markup=_inline("➕ Привязать"))
    )
    session.end_turn()
    printed = _answer(
        session,
        out,
        bot,
        SendMessage(chat_id=1, text="Введите номер", reply_markup=_reply("⬅️ Назад", "✖️ Отмена")),
    )
    assert texts.plain("console-buttons") not in printed
    assert "  [1] ⬅️ Назад" in printed and "  [2] ✖️ Отмена" in printed
    chat = ConsoleChat(session, user_id=1)
    update = chat.update_for("1")
    assert update.message is not None and update.message.text == "⬅️ Назад"

    # Two messages in one answer: both messages' buttons, in order, then the keyboard.
    printed = _answer(
        session,
        out,
        bot,
        SendMessage(chat_id=1, text="Квитанция", reply_markup=_inline("📜 История")),
        SendMessage(chat_id=1, text="Меню", reply_markup=_reply("📝 Обращение")),
    )
    assert "  [1] 📜 История" in printed and "  [2] 📝 Обращение" in printed
    update = chat.update_for("1")
    assert update.callback_query is not None and update.callback_query.data == "cb:📜 История"


async def test_console_shows_the_readings_receipt_and_the_settings_toggle(
    engine: AsyncEngine, settings: Settings, texts: Texts
) -> None:
    await cmd_import_accounts(settings, texts, ROOT / "examples" / "accounts.csv", False)
    script = [
        "/start",
        "1",  # ✅ Согласен(на)
        "/accounts",
        "1",  # ➕ Привязать лицевой счёт
        "1000000002",
        "Петров",
        "/settings",
        "1",  # the first topic, off
        "/readings",
        "12345",
        "1",  # Пропустить (no photo)
        "1",  # ✅ Отправить
    ]
    out = io.StringIO()
    code = await run_console(
        settings, texts, user_id=4242, stdin=io.StringIO("\n".join(script) + "\n"), out=out
    )
    assert code == 0
    printed = out.getvalue()
    assert "[1] ⬅️ Назад" in printed  # the account prompt: the ➕ button is gone
    toggled = printed.index(texts.plain("console-edited", text="Уведомления").splitlines()[0])
    assert "[1] ⬜" in printed[toggled:]
    assert texts.plain("reading-receipt-title") in printed
    assert "П-" in printed[printed.index(texts.plain("reading-receipt-title")) :]


async def test_the_demo_loads_the_example_accounts_and_says_which_to_link(
    engine: AsyncEngine, settings: Settings, texts: Texts
) -> None:
    assert demo_settings(settings).database.url == f"sqlite+aiosqlite:///{DEMO_DATABASE}"
    script = ["/start", "1", "/accounts", "1", DEMO_ACCOUNT, "Петров"]
    out = io.StringIO()
    stdin = io.StringIO("\n".join(script) + "\n")
    assert await run_console(settings, texts, user_id=4343, stdin=stdin, out=out, demo=True) == 0
    printed = out.getvalue()
    hint = texts.plain(
        "console-demo", database=str(DEMO_DATABASE), account=DEMO_ACCOUNT, surname="Петров"
    )
    assert hint in printed
    assert f"Лицевой счёт № {DEMO_ACCOUNT} привязан" in printed
