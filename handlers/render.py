"""Rendering helpers shared by the handlers: Markdown content to Telegram HTML, long texts in
parts, local time, the text of a domain error."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardMarkup, Message
from chatgpt_md_converter import telegram_format

from core.texts import Texts
from domain.errors import DomainError
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


def error_text(texts: Texts, error: DomainError, **args: Any) -> str:
    """The text of `error`: `args` are the values a caller passes to every error text (some
    texts ignore them); what the error itself carries (a field and its limit) wins."""
    return texts.get(error.text_key, **{**args, **error.text_args})


def refusal_text(texts: Texts, error: DomainError) -> str:
    """The text of `error` where nothing but the error is known (the staff chat's one
    renderer, handlers/errors.py `DomainErrors`): a missing role is named, a too long
    extension gives its most days; a text that takes a date gets none."""
    value = getattr(error, "role", None) or getattr(error, "max_days", None) or ""
    return error_text(texts, error, value=str(value), date="")
