"""Keyboards shared by the features. Static ones are built once and reused."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from bot.texts import Texts

MAIN_MENU = (
    ("menu-appeal", "menu-my-appeals"),
    ("menu-readings", "menu-booking"),
    ("menu-info", "menu-accounts"),
    ("menu-mydata", "menu-help"),
)


@lru_cache(maxsize=8)
def main_menu(texts: Texts) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=texts.get(key)) for key in row] for row in MAIN_MENU],
        resize_keyboard=True,
        input_field_placeholder=texts.get("menu-placeholder"),
    )


@lru_cache(maxsize=16)
def dialog_nav(texts: Texts, *, back: bool = True) -> ReplyKeyboardMarkup:
    """Shown during a dialog: a step back and leaving the dialog are always one tap away."""
    row = [KeyboardButton(text=texts.get("nav-cancel"))]
    if back:
        row.insert(0, KeyboardButton(text=texts.get("nav-back")))
    return ReplyKeyboardMarkup(keyboard=[row], resize_keyboard=True)


def inline_column(buttons: Iterable[tuple[str, CallbackData]]) -> InlineKeyboardMarkup:
    """One button per row. Built directly: aiogram's InlineKeyboardBuilder deep-copies every
    button, which measured several milliseconds for a ten-button menu."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=label, callback_data=data.pack())]
            for label, data in buttons
        ]
    )
