"""«Мои записи» (SPEC §6): a person's upcoming bookings with cancel (confirmed) and move, and
the buttons of the reminders («Отменить запись», «Приду»)."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiogram.exceptions import TelegramAPIError
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from app.services import Services
from core.texts import Texts
from dialogs.booking.keyboards import BookingAction, grid, reminder_keyboard
from dialogs.booking.render import when
from dialogs.booking.states import BookingDialogState, MoveBooking
from dialogs.booking.steps import offer_days
from dialogs.steps import Turn
from domain.booking import BookingId, TooManyActiveBookings
from domain.errors import DomainError
from domain.ids import UserId
from handlers.keyboards import dialog_nav, inline_column
from handlers.render import error_text


def booking_error_text(texts: Texts, error: DomainError) -> str:
    if isinstance(error, TooManyActiveBookings):
        return texts.get(error.text_key, max=error.limit)
    return error_text(texts, error)


async def show_mine(message: Message, user_id: UserId, services: Services, texts: Texts) -> None:
    bookings = await services.booking.mine(user_id)
    if not bookings:
        await message.answer(texts.get("bookings-none"))
        return
    zone = services.booking.schedule.zone
    lines = [texts.get("bookings-title")]
    buttons: list[tuple[str, BookingAction]] = []
    for booking in bookings:
        assert booking.id is not None
        number = booking.number or ""
        lines.append(
            texts.get(
                "bookings-item",
                number=number,
                when=when(texts, booking.starts_at, zone),
                topic=texts.plain(f"booking-topic-{booking.topic.value}"),
            )
        )
        buttons.append(
            (
                texts.plain("bookings-move-button", number=number),
                BookingAction(action="move", booking=booking.id),
            )
        )
        buttons.append(
            (
                texts.plain("bookings-cancel-button", number=number),
                BookingAction(action="cancel", booking=booking.id),
            )
        )
    await message.answer("\n".join(lines), reply_markup=grid(buttons, per_row=2))


async def cmd_bookings(message: Message, services: Services, texts: Texts) -> None:
    assert message.from_user is not None
    await show_mine(message, UserId(message.from_user.id), services, texts)


@dataclass(frozen=True, slots=True)
class _Press:
    """A press of a booking's button: who, which booking, where to answer."""

    query: CallbackQuery
    message: Message
    user_id: UserId
    booking_id: BookingId
    turn: Turn


async def on_action(query: CallbackQuery, callback_data: BookingAction, turn: Turn) -> None:
    user_id, booking_id = UserId(query.from_user.id), BookingId(callback_data.booking)
    press = _Press(query, turn.message, user_id, booking_id, turn)
    try:
        await _ACTIONS[callback_data.action.value](press)
    except DomainError as error:
        # Someone else's booking (hand-made callback data) is "not found", like a missing one.
        await query.answer(booking_error_text(turn.texts, error), show_alert=True)


async def _mine(press: _Press) -> None:
    await press.query.answer()
    await show_mine(press.message, press.user_id, press.turn.services, press.turn.texts)


async def _cancel(press: _Press) -> None:
    texts, booking_id = press.turn.texts, press.booking_id
    booking = await press.turn.services.booking.upcoming_own(press.user_id, booking_id)
    await press.query.answer()
    buttons: list[tuple[str, CallbackData]] = [
        (texts.get("bookings-cancel-yes"), BookingAction(action="cancel-yes", booking=booking_id)),
        (texts.get("bookings-cancel-no"), BookingAction(action="cancel-no", booking=booking_id)),
    ]
    question = texts.get(
        "bookings-cancel-confirm",
        number=booking.number or "",
        when=when(texts, booking.starts_at, press.turn.services.booking.schedule.zone),
    )
    await press.turn.say(question, inline_column(buttons))


async def _cancel_yes(press: _Press) -> None:
    services, texts = press.turn.services, press.turn.texts
    booking = await services.booking.cancel(press.user_id, press.booking_id)
    services.replies.send(
        press.message.chat.id,
        texts.get(
            "bookings-cancelled",
            number=booking.number or "",
            when=when(texts, booking.starts_at, services.booking.schedule.zone),
        ),
        key=f"bookings-cancelled:{booking.id}",
    )
    await press.query.answer()  # commits the cancellation and its reply first
    await _take_buttons(press.message, None)


async def _cancel_no(press: _Press) -> None:
    await press.query.answer()
    await _take_buttons(press.message, None)
    await press.turn.say(press.turn.texts.get("bookings-kept"))


async def _remind_come(press: _Press) -> None:
    await press.turn.services.booking.upcoming_own(press.user_id, press.booking_id)
    await press.query.answer(press.turn.texts.get("booking-reminder-thanks"))
    # «Приду» is said; cancelling stays possible from the same message.
    markup = reminder_keyboard(press.turn.texts, press.booking_id, come=False)
    await _take_buttons(press.message, markup)


async def _move(press: _Press) -> None:
    turn = press.turn
    booking = await turn.services.booking.upcoming_own(press.user_id, press.booking_id)
    await press.query.answer()
    await BookingDialogState(move=press.booking_id, number=booking.number or "").save(turn.fsm)
    intro = turn.texts.get(
        "bookings-move-ask-day",
        number=booking.number or "",
        when=when(turn.texts, booking.starts_at, turn.services.booking.schedule.zone),
    )
    # A move is a dialog: «⬅️ Назад» and «Отмена» below, not the main menu (issue 15).
    await turn.say(intro, dialog_nav(turn.texts))
    await offer_days(turn, step=MoveBooking.day)


async def _take_buttons(message: Message, markup: InlineKeyboardMarkup | None) -> None:
    with contextlib.suppress(TelegramAPIError):
        await message.edit_reply_markup(reply_markup=markup)


_ACTIONS: dict[str, Callable[[_Press], Awaitable[None]]] = {
    "mine": _mine,
    "cancel": _cancel,
    "cancel-yes": _cancel_yes,
    "remind-cancel": _cancel_yes,
    "cancel-no": _cancel_no,
    "remind-come": _remind_come,
    "move": _move,
}
