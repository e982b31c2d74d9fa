"""Callback data and keyboards of the readings dialog. Prefixes and layouts are what buttons
already sent carry: they never change."""

from __future__ import annotations

from enum import StrEnum
from typing import Self

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from pydantic import model_validator

from core.callback_fields import DraftTokenText
from core.texts import Texts
from domain.accounts import ACCOUNT_NUMBER_RE
from handlers.keyboards import inline_column


class ReadingAction(StrEnum):
    ACCOUNT = "account"  # value: the account number
    METER = "meter"  # value: the meter's position in the account's list
    ROLLOVER = "rollover"
    IMPLAUSIBLE = "implausible"
    FIX = "fix"
    SKIP = "skip"
    SUBMIT = "submit"
    EDIT = "edit"
    CANCEL = "cancel"
    HISTORY = "history"


class ReadingPick(CallbackData, prefix="rd"):
    action: ReadingAction
    value: str = ""

    @model_validator(mode="after")
    def _value_fits_the_action(self) -> Self:
        value = self.value
        if self.action is ReadingAction.ACCOUNT:
            valid = ACCOUNT_NUMBER_RE.fullmatch(value) is not None
        elif self.action is ReadingAction.METER:
            valid = value.isascii() and value.isdecimal() and len(value) <= 2
        else:
            valid = not value
        if not valid:
            raise ValueError("not a value of this action")
        return self


class ReadingSubmit(CallbackData, prefix="rs"):
    """The confirmation's «Отправить»: the draft's token (domain/drafts.py), so that a press
    after the reading was stored finds it."""

    token: DraftTokenText


def pick(texts: Texts, buttons: list[tuple[str, str, str]]) -> InlineKeyboardMarkup:
    """A column of (text key, action, value) buttons."""
    return inline_column(
        (texts.get(key), ReadingPick(action=action, value=value)) for key, action, value in buttons
    )


def history_button(texts: Texts) -> tuple[str, CallbackData]:
    return texts.get("reading-history-button"), ReadingPick(action="history")


def history_keyboard(texts: Texts) -> InlineKeyboardMarkup:
    return inline_column([history_button(texts)])
