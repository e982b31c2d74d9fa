"""Callback data and keyboards of the booking feature."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Self
from zoneinfo import ZoneInfo

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder
from pydantic import model_validator

from core.callback_fields import DraftTokenText
from core.texts import Texts
from dialogs.booking.render import day_label
from domain.booking import BookingTopic
from notifier.booking_reminders import BookingAction as BookingAction
from notifier.booking_reminders import BookingChoice as BookingChoice
from notifier.booking_reminders import reminder_keyboard as reminder_keyboard

# Days and slot times a button may name: far wider than anything offered (the handlers check
# what is offered), narrow enough that no date arithmetic overflows.
_YEARS = range(2000, 2101)
_FIRST_SLOT = int(datetime(2000, 1, 1, tzinfo=UTC).timestamp())
_LAST_SLOT = int(datetime(2101, 1, 1, tzinfo=UTC).timestamp())


class BookingField(StrEnum):
    TOPIC = "topic"  # value: a BookingTopic
    DAY = "day"  # value: YYYY-MM-DD
    TIME = "time"  # value: the slot's start, seconds since the epoch
    PREFILL = "prefill"  # value: name | phone
    CONFIRM = "confirm"  # value: yes | time


_CHOICES = {
    BookingField.TOPIC: frozenset(t.value for t in BookingTopic),
    BookingField.PREFILL: frozenset({"name", "phone"}),
    BookingField.CONFIRM: frozenset({"yes", "time"}),
}


def _is_day(value: str) -> bool:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10 and day.year in _YEARS


def _is_slot(value: str) -> bool:
    if not (value.isascii() and value.isdecimal()) or len(value) > 12:
        return False
    return _FIRST_SLOT <= int(value) < _LAST_SLOT


class BookingPick(CallbackData, prefix="bk"):
    field: BookingField
    value: str = ""

    @model_validator(mode="after")
    def _value_fits_the_field(self) -> Self:
        if self.field is BookingField.DAY:
            valid = _is_day(self.value)
        elif self.field is BookingField.TIME:
            valid = _is_slot(self.value)
        else:
            valid = self.value in _CHOICES[self.field]
        if not valid:
            raise ValueError("not a value of this field")
        return self


class BookingConfirm(CallbackData, prefix="bkc"):
    """The summary's «Записаться»: the draft's token (domain/drafts.py), so that a press after
    the booking was made finds it."""

    token: DraftTokenText


def grid(buttons: Sequence[tuple[str, CallbackData]], per_row: int) -> InlineKeyboardMarkup:
    """Buttons in rows of `per_row`: ten times of a day fit a phone screen this way."""
    builder = InlineKeyboardBuilder()
    for label, data in buttons:
        builder.button(text=label, callback_data=data)
    builder.adjust(per_row)
    return builder.as_markup()


def days_keyboard(texts: Texts, days: Sequence[date]) -> InlineKeyboardMarkup:
    return grid(
        [(day_label(texts, day), BookingPick(field="day", value=day.isoformat())) for day in days],
        per_row=2,
    )


def times_keyboard(
    texts: Texts, starts: Sequence[datetime], zone: ZoneInfo
) -> InlineKeyboardMarkup:
    return grid(
        [
            (
                start.astimezone(zone).strftime("%H:%M"),
                BookingPick(field="time", value=str(int(start.timestamp()))),
            )
            for start in starts
        ],
        per_row=4,
    )


def slot_of(value: str) -> datetime:
    """The slot's start from a time button's value (seconds since the epoch, UTC)."""
    return datetime.fromtimestamp(int(value), UTC)


def mine_button(texts: Texts) -> InlineKeyboardMarkup:
    return grid([(texts.get("booking-my-button"), BookingAction(action="mine"))], per_row=1)
