"""Rendering helpers shared by the handlers: Markdown content to Telegram HTML, local time,
the text of a domain error."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from chatgpt_md_converter import split_html_for_telegram, telegram_format

from bot.texts import Texts
from domain.errors import DomainError

# Telegram's limit for one message is 4096 characters after entities parsing.
MESSAGE_LIMIT = 4096


@lru_cache(maxsize=512)
def markdown_to_html(text: str) -> str:
    return str(telegram_format(text)).strip()


def split_message(html: str) -> list[str]:
    if len(html) <= MESSAGE_LIMIT:
        return [html]
    return [str(part) for part in split_html_for_telegram(html, max_length=MESSAGE_LIMIT - 96)]


def local_time(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%d.%m.%Y %H:%M")


def error_text(texts: Texts, error: DomainError, **args: Any) -> str:
    """The text of `error`: `args` are the values a caller passes to every error text (some
    texts ignore them); what the error itself carries (a field and its limit) wins."""
    return texts.get(error.text_key, **{**args, **error.text_args})
