"""Callback data and keyboards of the booking feature."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.texts import Texts
from dialogs.booking.render import day_label


class BookingPick(CallbackData, prefix="bk"):
    field: str  # topic | day | time | prefill | confirm
    value: str = ""


class BookingConfirm(CallbackData, prefix="bkc"):
    """The summary's «Записаться»: the draft's token (domain/drafts.py), so that a press after
    the booking was made finds it."""

    token: str


class BookingAction(CallbackData, prefix="bka"):
    action: str  # mine | cancel | cancel-yes | cancel-no | move | remind-cancel | remind-come
    booking: int = 0


def grid(buttons: Sequence[tuple[str, CallbackData]], per_row: int) -> InlineKeyboardMarkup:
    """Buttons in rows of `per_row`: ten times of a day fit a phone screen this way."""
    rows = [
        [InlineKeyboardButton(text=label, callback_data=data.pack()) for label, data in chunk]
        for chunk in (buttons[i : i + per_row] for i in range(0, len(buttons), per_row))
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows)


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


def reminder_keyboard(texts: Texts, booking_id: int, *, come: bool = True) -> InlineKeyboardMarkup:
    buttons: list[tuple[str, CallbackData]] = [
        (
            texts.get("booking-reminder-cancel"),
            BookingAction(action="remind-cancel", booking=booking_id),
        )
    ]
    if come:
        buttons.append(
            (
                texts.get("booking-reminder-come"),
                BookingAction(action="remind-come", booking=booking_id),
            )
        )
    return grid(buttons, per_row=2)
