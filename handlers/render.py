"""Rendering helpers shared by the handlers: Markdown content to Telegram HTML, long texts in
parts, local time, the text of a domain error."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardMarkup, Message
from chatgpt_md_converter import telegram_format

from core.refusals import error_text as error_text
from core.refusals import refusal_text as refusal_text
from domain.text_limits import split_html


@lru_cache(maxsize=512)
def markdown_to_html(text: str) -> str:
    return str(telegram_format(text)).strip()


def split_message(html: str) -> list[str]:
    """An HTML text in parts Telegram takes (4096 characters as shown; domain/text_limits)."""
    return split_html(html)


async def answer_in_parts(
    message: Message, text: str, *, reply_markup: InlineKeyboardMarkup | None = None
) -> Message:
    """A reply sent straight away that may be longer than one message: in parts, the buttons
    under the last. Returns the last message."""
    parts = split_html(text)
    for part in parts[:-1]:
        await message.answer(part)
    return await message.answer(parts[-1], reply_markup=reply_markup)


def local_time(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%d.%m.%Y %H:%M")
