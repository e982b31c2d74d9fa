"""Callback data and keyboards of the accounts feature."""

from __future__ import annotations

from enum import StrEnum
from typing import Self

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from pydantic import model_validator

from core.callback_fields import AccountNumberText
from core.texts import Texts
from handlers.keyboards import inline_column


class AccountChoice(StrEnum):
    LINK = "link"
    UNLINK = "unlink"
    UNLINK_YES = "unlink-yes"
    UNLINK_NO = "unlink-no"


class AccountAction(CallbackData, prefix="acc"):
    action: AccountChoice
    number: AccountNumberText = ""  # every action but LINK names the account

    @model_validator(mode="after")
    def _number_named(self) -> Self:
        if self.action is not AccountChoice.LINK and not self.number:
            raise ValueError("this action needs an account number")
        return self


def accounts_keyboard(numbers: list[str], texts: Texts) -> InlineKeyboardMarkup:
    buttons: list[tuple[str, CallbackData]] = [
        (
            texts.get("accounts-unlink-button", number=number),
            AccountAction(action=AccountChoice.UNLINK, number=number),
        )
        for number in numbers
    ]
    buttons.append((texts.get("accounts-link-button"), AccountAction(action=AccountChoice.LINK)))
    return inline_column(buttons)


def unlink_keyboard(texts: Texts, number: str) -> InlineKeyboardMarkup:
    return inline_column(
        [
            (
                texts.get("accounts-unlink-yes"),
                AccountAction(action=AccountChoice.UNLINK_YES, number=number),
            ),
            (
                texts.get("accounts-unlink-no"),
                AccountAction(action=AccountChoice.UNLINK_NO, number=number),
            ),
        ]
    )
