"""Rendering helpers shared by the handlers: Markdown content to Telegram HTML, local time."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from chatgpt_md_converter import split_html_for_telegram, telegram_format

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
