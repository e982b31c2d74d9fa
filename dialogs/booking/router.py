"""Booking a visit to the service office (SPEC §6; regulation §11.2, §14.13): the answers to
the steps of dialogs/booking/steps.py and the booking itself; «Мои записи» and the
reminders' buttons are in dialogs/booking/mine.py.

Everything entered lives in the dialog state (the database), so a restart resumes at the same
step; «⬅️ Назад» goes one step back, /cancel leaves without booking anything. A time that
filled up while the person was choosing is refused with the day's free times, and the dialog
stays at the time step: name and phone are kept, so the next pick goes straight to the
confirmation."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from datetime import date, datetime

from aiogram import Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, Message

from app.services import Services
from core.config import AppConfig
from core.texts import Texts
from dialogs.booking.keyboards import (
    BookingAction,
    BookingConfirm,
    BookingPick,
    mine_button,
    slot_of,
)
from dialogs.booking.mine import booking_error_text, on_action, show_mine
from dialogs.booking.render import address_text, reminders_text, when
from dialogs.booking.states import BookingDialogState, BookVisit, MoveBooking
from dialogs.booking.steps import MOVE_STEPS, TABLE, moving, offer_times
from dialogs.guards import Told, TurnMiddleware, at_step, final_button, has_consent
from dialogs.parked import park_before_start
from dialogs.steps import Turn
from domain.booking import (
    AlreadyBookedAtThisTime,
    Booking,
    BookingId,
    BookingTopic,
    SlotNotOffered,
    SlotTaken,
    clean_full_name,
)
from domain.contacts import normalize_ru_phone
from domain.drafts import DraftToken
from domain.errors import DomainError
from domain.ids import UserId
from handlers.filters import Button, Cmd, HasText
from handlers.keyboards import main_menu
from handlers.render import error_text

Data = BookingDialogState
# Which steps a button of each field belongs to: a button from an earlier message is stale.
_STEP_OF_FIELD: dict[str, tuple[State, ...]] = {
    "topic": (BookVisit.topic,),
    # Another day may be picked from the days still on screen while choosing a time.
    "day": (
        BookVisit.day,
        BookVisit.time,
        MoveBooking.day,
        MoveBooking.time,
    ),
    "time": (BookVisit.time, MoveBooking.time),
    "prefill": (BookVisit.full_name, BookVisit.phone),
    "confirm": (BookVisit.confirm,),
}


# -- entry -----------------------------------------------------------------------------------


async def cmd_booking(
    message: Message, state: FSMContext, services: Services, texts: Texts, config: AppConfig
) -> None:
    if not await has_consent(message, services, texts, "booking-consent-needed"):
        return
    assert message.from_user is not None
    try:
        await services.booking.check_can_book(UserId(message.from_user.id))
    except DomainError as error:
        await message.answer(booking_error_text(texts, error), reply_markup=main_menu(texts))
        return
    await park_before_start(message, state, texts, "booking")
    await TABLE.ask(Turn(message, state, services, texts, config), BookVisit.topic, Data())


# -- steps answered by buttons ---------------------------------------------------------------


async def on_pick(query: CallbackQuery, callback_data: BookingPick, turn: Turn) -> None:
    field, value = callback_data.field.value, callback_data.value
    if not await at_step(query, turn, *_STEP_OF_FIELD.get(field, ())):
        return
    await query.answer()
    current = await turn.fsm.get_state()
    await _PICKS[field](turn, value, current, await TABLE.load(turn.fsm))


async def _on_topic(turn: Turn, value: str, current: str | None, data: Data) -> None:
    data.topic = BookingTopic(value)
    await TABLE.ask(turn, BookVisit.day, data)


async def _on_day(turn: Turn, value: str, current: str | None, data: Data) -> None:
    step = MoveBooking.time if moving(current) else BookVisit.time
    await offer_times(turn, data, date.fromisoformat(value), step=step)


async def _on_summary(turn: Turn, value: str, current: str | None, data: Data) -> None:
    if value == "time":
        assert data.day is not None
        await offer_times(turn, data, data.day, step=BookVisit.time)
    else:  # a summary shown before its button carried a token
        await _confirm(turn, token=None)


async def _find(turn: Turn, user_id: UserId, token: DraftToken) -> Booking | None:
    return await turn.services.booking.submitted(user_id, token)


def _told(turn: Turn, booking: Booking) -> Told:
    upcoming = booking.is_upcoming(turn.services.clock.now())
    text = turn.texts.get(
        "booking-already-booked" if upcoming else "booking-already-closed",
        number=booking.number or "",
        when=when(turn.texts, booking.starts_at, turn.services.booking.schedule.zone),
    )
    return text, mine_button(turn.texts)


async def _confirm_with_token(turn: Turn, token: DraftToken) -> None:
    await _confirm(turn, token=token)


# «Записаться» on a summary: books; pressed again once booked (the person saw no answer, or
# the bot restarted in between), says so with the booking's number and time.
on_confirm = final_button(
    step=BookVisit.confirm, submit=_confirm_with_token, find=_find, told=_told
)


async def _on_time(turn: Turn, value: str, current: str | None, data: Data) -> None:
    starts_at = slot_of(value)
    step = MoveBooking.time if moving(current) else BookVisit.time
    try:
        if moving(current):
            await _move(turn, starts_at, data)
            return
        await turn.services.booking.check_free(starts_at)
    except (SlotTaken, SlotNotOffered) as error:
        await _refuse_time(turn, error, data, step=step)
        return
    except AlreadyBookedAtThisTime as error:
        await turn.say(turn.texts.get(error.text_key))  # the times above are still there
        return
    except DomainError as error:
        await turn.fsm.clear()
        await turn.say(booking_error_text(turn.texts, error), main_menu(turn.texts))
        return
    data.slot = int(starts_at.timestamp())
    # Back from a refusal at the confirmation: the name and phone are known already.
    following = BookVisit.confirm if data.full_name and data.phone else BookVisit.full_name
    await TABLE.ask(turn, following, data)


async def _refuse_time(
    turn: Turn, error: SlotTaken | SlotNotOffered, data: Data, *, step: State
) -> None:
    """The time is gone: the day's free times, or the days if the day is full."""
    day = error.starts_at.astimezone(turn.services.booking.schedule.zone).date()
    await offer_times(turn, data, day, step=step, refusal=turn.texts.get(error.text_key))


async def _on_prefill(turn: Turn, what: str, current: str | None, data: Data) -> None:
    prefill = await turn.services.booking.prefill(UserId(turn.message.chat.id))
    if prefill is None:
        return
    if what == "name" and current == BookVisit.full_name.state and prefill.full_name:
        data.full_name = prefill.full_name
        await TABLE.ask(turn, BookVisit.phone, data)
    elif what == "phone" and current == BookVisit.phone.state and prefill.phone:
        data.phone = prefill.phone
        await TABLE.ask(turn, BookVisit.confirm, data)


async def _confirm(turn: Turn, *, token: DraftToken | None) -> None:
    services, texts = turn.services, turn.texts
    data = await TABLE.load(turn.fsm)
    assert data.topic is not None
    assert data.slot is not None
    try:
        booking = await services.booking.book(
            user_id=UserId(turn.message.chat.id),
            topic=data.topic,
            starts_at=slot_of(str(data.slot)),
            full_name=data.full_name,
            phone=data.phone,
            token=token,
        )
    except (SlotTaken, SlotNotOffered) as error:
        await _refuse_time(turn, error, data, step=BookVisit.time)
        return
    except AlreadyBookedAtThisTime as error:
        assert data.day is not None
        refusal = texts.get(error.text_key)
        await offer_times(turn, data, data.day, step=BookVisit.time, refusal=refusal)
        return
    except DomainError as error:
        await turn.fsm.clear()
        await turn.say(booking_error_text(texts, error), main_menu(texts))
        return
    await turn.fsm.clear()
    # Queued with the booking (notifier/replies.py): a crash after the commit delays the
    # number, never loses it.
    services.replies.send(
        turn.message.chat.id,
        texts.get(
            "booking-done",
            number=booking.number or "",
            when=when(texts, booking.starts_at, services.booking.schedule.zone),
            topic=texts.plain(f"booking-topic-{booking.topic.value}"),
            address=address_text(texts, services.booking.office_address),
            planned=reminders_text(texts, booking, services.booking.schedule.zone),
        ),
        markup=main_menu(texts),
        key=f"booking-done:{booking.id}",
    )
    # The summary's buttons are spent; it keeps one, to the person's bookings (this call
    # commits the booking first).
    with contextlib.suppress(TelegramAPIError):
        await turn.message.edit_reply_markup(reply_markup=mine_button(texts))


async def _move(turn: Turn, starts_at: datetime, data: Data) -> None:
    services, texts = turn.services, turn.texts
    assert data.move is not None
    moved = await services.booking.move(
        UserId(turn.message.chat.id), BookingId(data.move), starts_at
    )
    await turn.fsm.clear()
    services.replies.send(
        turn.message.chat.id,
        texts.get(
            "bookings-moved",
            when=when(texts, moved.starts_at, services.booking.schedule.zone),
            number=moved.number or "",
            old=data.number,
            address=address_text(texts, services.booking.office_address),
            planned=reminders_text(texts, moved, services.booking.schedule.zone),
        ),
        markup=main_menu(texts),
        key=f"bookings-moved:{moved.id}",
    )


_PICKS: dict[str, Callable[[Turn, str, str | None, Data], Awaitable[None]]] = {
    "topic": _on_topic,
    "day": _on_day,
    "time": _on_time,
    "prefill": _on_prefill,
    "confirm": _on_summary,
}


# -- steps answered by typing ----------------------------------------------------------------


async def on_full_name(message: Message, turn: Turn) -> None:
    assert message.text is not None
    try:
        name = clean_full_name(message.text)
    except DomainError as error:
        await turn.say(error_text(turn.texts, error))
        return
    data = await TABLE.load(turn.fsm)
    data.full_name = name
    await TABLE.ask(turn, BookVisit.phone, data)


async def on_phone(message: Message, turn: Turn) -> None:
    assert message.text is not None
    try:
        phone = normalize_ru_phone(message.text)
    except DomainError as error:
        await turn.say(turn.texts.get(error.text_key))
        return
    data = await TABLE.load(turn.fsm)
    data.phone = phone
    await TABLE.ask(turn, BookVisit.confirm, data)


async def on_back(message: Message, turn: Turn) -> None:
    await TABLE.back(turn)


async def on_unexpected(message: Message, texts: Texts) -> None:
    await message.answer(texts.get("booking-button-expected"))


async def cmd_bookings(message: Message, services: Services, texts: Texts) -> None:
    assert message.from_user is not None
    await show_mine(message, UserId(message.from_user.id), services, texts)


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_booking, Cmd("booking"))
    router.message.register(cmd_booking, Button("menu-booking"))
    router.message.register(cmd_bookings, Cmd("bookings"))
    router.callback_query.middleware(TurnMiddleware())
    router.callback_query.register(on_pick, BookingPick.filter())
    router.callback_query.register(
        on_confirm, BookingConfirm.filter(), flags={"inaccessible": "stale"}
    )
    router.callback_query.register(on_action, BookingAction.filter())
    return router


def build_steps_router() -> Router:
    """What the person types at each step (see handlers.build_routers), behind one
    router-level state check."""
    steps = Router(name=f"{__name__}.steps")
    steps.message.filter(StateFilter(*BookVisit.__states__, *MOVE_STEPS))
    steps.message.middleware(TurnMiddleware())
    steps.message.register(on_back, Button("nav-back"))
    steps.message.register(on_full_name, StateFilter(BookVisit.full_name), HasText())
    steps.message.register(on_phone, StateFilter(BookVisit.phone), HasText())
    steps.message.register(on_unexpected)
    return steps
