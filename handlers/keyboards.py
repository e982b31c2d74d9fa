"""Reply keyboards shared by the features."""

from __future__ import annotations

from aiogram.types import KeyboardButton, ReplyKeyboardMarkup

from bot.texts import Texts

MAIN_MENU = (
    ("menu-info", "menu-accounts"),
    ("menu-mydata", "menu-help"),
)


def main_menu(texts: Texts) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=texts.get(key)) for key in row] for row in MAIN_MENU],
        resize_keyboard=True,
        input_field_placeholder=texts.get("menu-placeholder"),
    )


def dialog_nav(texts: Texts, *, back: bool = True) -> ReplyKeyboardMarkup:
    """Shown during a dialog: a step back and leaving the dialog are always one tap away."""
    row = [KeyboardButton(text=texts.get("nav-cancel"))]
    if back:
        row.insert(0, KeyboardButton(text=texts.get("nav-back")))
    return ReplyKeyboardMarkup(keyboard=[row], resize_keyboard=True)
