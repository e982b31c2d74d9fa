"""Booking a visit to the service office (SPEC §6; regulation §11.2, §14.13): topic → day →
time → name → phone → confirm → booking number; «Мои записи» with cancel and move; the
buttons of the reminders.

Everything entered lives in the dialog state (the database), so a restart resumes at the same
step; «⬅️ Назад» goes one step back, /cancel leaves without booking anything. A time that
filled up while the person was choosing is refused with the day's free times, and the dialog
stays at the time step: name and phone are kept, so the next pick goes straight to the
confirmation."""

from __future__ import annotations

import contextlib
from datetime import date, datetime

from aiogram import Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.container import Services
from bot.texts import Texts
from dialogs.account.router import consent_needed_keyboard
from dialogs.booking.keyboards import (
    BookingAction,
    BookingConfirm,
    BookingPick,
    days_keyboard,
    grid,
    mine_button,
    reminder_keyboard,
    slot_of,
    times_keyboard,
)
from dialogs.booking.render import day_label, hours_text, when
from dialogs.booking.states import BookVisit, MoveBooking
from domain.booking import (
    AlreadyBookedAtThisTime,
    BookingId,
    BookingTopic,
    SlotNotOffered,
    SlotTaken,
    TooManyActiveBookings,
    clean_full_name,
)
from domain.contacts import normalize_ru_phone
from domain.drafts import DraftToken, new_draft_token, parse_draft_token
from domain.errors import DomainError
from domain.ids import UserId
from handlers.filters import Button, Cmd, HasText
from handlers.keyboards import dialog_nav, inline_column, main_menu
from handlers.render import error_text

_STEPS = (
    BookVisit.topic,
    BookVisit.day,
    BookVisit.time,
    BookVisit.full_name,
    BookVisit.phone,
    BookVisit.confirm,
)
_MOVE_STEPS = (MoveBooking.day, MoveBooking.time)
# Which steps a button of each field belongs to: a button from an earlier message is stale.
_STEP_OF_FIELD: dict[str, tuple[str | None, ...]] = {
    "topic": (BookVisit.topic.state,),
    # Another day may be picked from the days still on screen while choosing a time.
    "day": (
        BookVisit.day.state,
        BookVisit.time.state,
        MoveBooking.day.state,
        MoveBooking.time.state,
    ),
    "time": (BookVisit.time.state, MoveBooking.time.state),
    "prefill": (BookVisit.full_name.state, BookVisit.phone.state),
    "confirm": (BookVisit.confirm.state,),
}


def _moving(state_name: str | None) -> bool:
    return state_name in {s.state for s in _MOVE_STEPS}


def _error_text(texts: Texts, error: DomainError) -> str:
    if isinstance(error, TooManyActiveBookings):
        return texts.get(error.text_key, max=error.limit)
    return error_text(texts, error)


# -- asking ----------------------------------------------------------------------------------


async def ask_topic(message: Message, state: FSMContext, services: Services, texts: Texts) -> None:
    await state.set_state(BookVisit.topic)
    hours = hours_text(texts, services.booking.schedule.hours)
    await message.answer(texts.get("booking-intro", hours=hours), reply_markup=dialog_nav(texts))
    await message.answer(
        texts.get("booking-ask-topic"),
        reply_markup=inline_column(
            (texts.get(f"booking-topic-{t.value}"), BookingPick(field="topic", value=t.value))
            for t in BookingTopic
        ),
    )


async def ask_day(
    message: Message,
    state: FSMContext,
    services: Services,
    texts: Texts,
    *,
    step: State = BookVisit.day,
    intro: str | None = None,
) -> None:
    offers = await services.booking.days()
    schedule = services.booking.schedule
    if not offers:
        await state.clear()
        await message.answer(
            texts.get(
                "booking-no-days",
                days=schedule.days_ahead,
                hours=hours_text(texts, schedule.hours),
            ),
            reply_markup=main_menu(texts),
        )
        return
    await state.set_state(step)
    text = texts.get("booking-ask-day") if intro is None else intro
    await message.answer(text, reply_markup=days_keyboard(texts, [o.day for o in offers]))


async def ask_time(
    message: Message,
    state: FSMContext,
    services: Services,
    texts: Texts,
    day: date,
    *,
    step: State,
    refusal: str | None = None,
) -> None:
    """The day's free times; if none is left, the days again."""
    day_step = MoveBooking.day if step == MoveBooking.time else BookVisit.day
    slots = await services.booking.slots(day)
    if not slots:
        await ask_day(
            message, state, services, texts, step=day_step, intro=texts.get("booking-day-full")
        )
        return
    await state.set_state(step)
    await state.update_data(day=day.isoformat())
    schedule = services.booking.schedule
    text = texts.get("booking-ask-time", day=day_label(texts, day), minutes=schedule.slot_minutes)
    if refusal is not None:
        text = f"{refusal}\n{text}"
    await message.answer(
        text,
        reply_markup=times_keyboard(texts, [s.starts_at for s in slots], schedule.zone),
    )


async def ask_full_name(
    message: Message, state: FSMContext, services: Services, texts: Texts
) -> None:
    await state.set_state(BookVisit.full_name)
    prefill = await services.booking.prefill(UserId(message.chat.id))
    markup = None
    if prefill is not None and prefill.full_name:
        markup = _use_button(texts, prefill.full_name, "name")
    await message.answer(texts.get("booking-ask-full-name"), reply_markup=markup)


async def ask_phone(message: Message, state: FSMContext, services: Services, texts: Texts) -> None:
    await state.set_state(BookVisit.phone)
    prefill = await services.booking.prefill(UserId(message.chat.id))
    markup = None
    if prefill is not None and prefill.phone:
        markup = _use_button(texts, prefill.phone, "phone")
    await message.answer(texts.get("booking-ask-phone"), reply_markup=markup)


def _use_button(texts: Texts, value: str, what: str) -> InlineKeyboardMarkup:
    label = texts.plain("booking-use-button", value=value[:40])
    return inline_column([(label, BookingPick(field="prefill", value=what))])


async def show_summary(
    message: Message, state: FSMContext, services: Services, texts: Texts
) -> None:
    await state.set_state(BookVisit.confirm)
    data = await state.get_data()
    token = data.get("token")
    if not token:
        token = new_draft_token()
        await state.update_data(token=token)
    zone = services.booking.schedule.zone
    await message.answer(
        texts.get(
            "booking-summary",
            topic=texts.plain(f"booking-topic-{data['topic']}"),
            when=when(texts, slot_of(str(data["slot"])), zone),
            name=str(data["full_name"]),
            phone=str(data["phone"]),
        ),
        reply_markup=inline_column(
            [
                (texts.get("booking-confirm"), BookingConfirm(token=token)),
                (texts.get("booking-change-time"), BookingPick(field="confirm", value="time")),
            ]
        ),
    )


# -- entry -----------------------------------------------------------------------------------


async def cmd_booking(
    message: Message, state: FSMContext, services: Services, texts: Texts
) -> None:
    assert message.from_user is not None
    if not await services.onboarding.has_consent(UserId(message.from_user.id)):
        await message.answer(
            texts.get("booking-consent-needed"), reply_markup=consent_needed_keyboard(texts)
        )
        return
    try:
        await services.booking.check_can_book(UserId(message.from_user.id))
    except DomainError as error:
        await message.answer(_error_text(texts, error), reply_markup=main_menu(texts))
        return
    await state.set_data({})
    await ask_topic(message, state, services, texts)


# -- steps answered by buttons ---------------------------------------------------------------


async def on_pick(
    query: CallbackQuery,
    callback_data: BookingPick,
    state: FSMContext,
    services: Services,
    texts: Texts,
) -> None:
    message = query.message
    if not isinstance(message, Message):
        await query.answer()
        return
    current = await state.get_state()
    field, value = callback_data.field, callback_data.value
    if current not in _STEP_OF_FIELD.get(field, ()):
        await query.answer(texts.get("fallback-stale-button"), show_alert=True)
        return
    await query.answer()
    if field == "topic":
        await state.update_data(topic=BookingTopic(value).value)
        await ask_day(message, state, services, texts)
    elif field == "day":
        step = MoveBooking.time if _moving(current) else BookVisit.time
        await ask_time(message, state, services, texts, date.fromisoformat(value), step=step)
    elif field == "time":
        await _on_time(message, value, current, state, services, texts)
    elif field == "prefill":
        await _on_prefill(message, value, current, state, services, texts)
    elif value == "time":
        data = await state.get_data()
        day = date.fromisoformat(str(data["day"]))
        await ask_time(message, state, services, texts, day, step=BookVisit.time)
    else:  # a summary shown before its button carried a token
        await _confirm(message, state, services, texts, token=None)


async def on_confirm(
    query: CallbackQuery,
    callback_data: BookingConfirm,
    state: FSMContext,
    services: Services,
    texts: Texts,
) -> None:
    """«Записаться» on a summary: books; pressed again once booked (the person saw no answer,
    or the bot restarted in between), says so with the booking's number and time."""
    message = query.message
    token = parse_draft_token(callback_data.token)
    if not isinstance(message, Message) or token is None:
        await query.answer(texts.get("fallback-stale-button"), show_alert=True)
        return
    data = await state.get_data()
    if await state.get_state() == BookVisit.confirm.state and data.get("token") == token:
        await query.answer()
        await _confirm(message, state, services, texts, token=token)
        return
    booking = await services.booking.submitted(UserId(query.from_user.id), token)
    if booking is None:
        await query.answer(texts.get("fallback-stale-button"), show_alert=True)
        return
    await query.answer()
    upcoming = booking.is_upcoming(services.clock.now())
    services.replies.send(
        message.chat.id,
        texts.get(
            "booking-already-booked" if upcoming else "booking-already-closed",
            number=booking.number or "",
            when=when(texts, booking.starts_at, services.booking.schedule.zone),
        ),
        markup=mine_button(texts),
    )


async def _on_time(
    message: Message,
    value: str,
    current: str | None,
    state: FSMContext,
    services: Services,
    texts: Texts,
) -> None:
    starts_at = slot_of(value)
    moving = _moving(current)
    step = MoveBooking.time if moving else BookVisit.time
    try:
        if moving:
            await _move(message, starts_at, state, services, texts)
            return
        await services.booking.check_free(starts_at)
    except (SlotTaken, SlotNotOffered) as error:
        await _refuse_time(message, error, state, services, texts, step=step)
        return
    except AlreadyBookedAtThisTime as error:
        await message.answer(texts.get(error.text_key))  # the times above are still there
        return
    except DomainError as error:
        await state.clear()
        await message.answer(_error_text(texts, error), reply_markup=main_menu(texts))
        return
    await state.update_data(slot=int(starts_at.timestamp()))
    data = await state.get_data()
    # Back from a refusal at the confirmation: the name and phone are known already.
    if data.get("full_name") and data.get("phone"):
        await show_summary(message, state, services, texts)
    else:
        await ask_full_name(message, state, services, texts)


async def _refuse_time(
    message: Message,
    error: SlotTaken | SlotNotOffered,
    state: FSMContext,
    services: Services,
    texts: Texts,
    *,
    step: State,
) -> None:
    """The time is gone: the day's free times, or the days if the day is full."""
    zone = services.booking.schedule.zone
    day = error.starts_at.astimezone(zone).date()
    await ask_time(
        message, state, services, texts, day, step=step, refusal=texts.get(error.text_key)
    )


async def _on_prefill(
    message: Message,
    what: str,
    current: str | None,
    state: FSMContext,
    services: Services,
    texts: Texts,
) -> None:
    prefill = await services.booking.prefill(UserId(message.chat.id))
    if prefill is None:
        return
    if what == "name" and current == BookVisit.full_name.state and prefill.full_name:
        await state.update_data(full_name=prefill.full_name)
        await ask_phone(message, state, services, texts)
    elif what == "phone" and current == BookVisit.phone.state and prefill.phone:
        await state.update_data(phone=prefill.phone)
        await show_summary(message, state, services, texts)


async def _confirm(
    message: Message,
    state: FSMContext,
    services: Services,
    texts: Texts,
    *,
    token: DraftToken | None,
) -> None:
    data = await state.get_data()
    try:
        booking = await services.booking.book(
            user_id=UserId(message.chat.id),
            topic=BookingTopic(data["topic"]),
            starts_at=slot_of(str(data["slot"])),
            full_name=str(data["full_name"]),
            phone=str(data["phone"]),
            token=token,
        )
    except (SlotTaken, SlotNotOffered) as error:
        await _refuse_time(message, error, state, services, texts, step=BookVisit.time)
        return
    except AlreadyBookedAtThisTime as error:
        day = date.fromisoformat(str(data["day"]))
        refusal = texts.get(error.text_key)
        await ask_time(message, state, services, texts, day, step=BookVisit.time, refusal=refusal)
        return
    except DomainError as error:
        await state.clear()
        await message.answer(_error_text(texts, error), reply_markup=main_menu(texts))
        return
    await state.clear()
    # Queued with the booking (notifier/replies.py): a crash after the commit delays the
    # number, never loses it.
    services.replies.send(
        message.chat.id,
        texts.get(
            "booking-done",
            number=booking.number or "",
            when=when(texts, booking.starts_at, services.booking.schedule.zone),
            topic=texts.plain(f"booking-topic-{booking.topic.value}"),
        ),
        markup=main_menu(texts),
        key=f"booking-done:{booking.id}",
    )
    # The summary's buttons are spent; it keeps one, to the person's bookings (this call
    # commits the booking first).
    with contextlib.suppress(TelegramAPIError):
        await message.edit_reply_markup(reply_markup=mine_button(texts))


async def _move(
    message: Message,
    starts_at: datetime,
    state: FSMContext,
    services: Services,
    texts: Texts,
) -> None:
    data = await state.get_data()
    old_number = str(data.get("number") or "")
    moved = await services.booking.move(
        UserId(message.chat.id), BookingId(int(data["move"])), starts_at
    )
    await state.clear()
    services.replies.send(
        message.chat.id,
        texts.get(
            "bookings-moved",
            when=when(texts, moved.starts_at, services.booking.schedule.zone),
            number=moved.number or "",
            old=old_number,
        ),
        markup=main_menu(texts),
        key=f"bookings-moved:{moved.id}",
    )


# -- steps answered by typing ----------------------------------------------------------------


async def on_full_name(
    message: Message, state: FSMContext, services: Services, texts: Texts
) -> None:
    assert message.text is not None
    try:
        name = clean_full_name(message.text)
    except DomainError as error:
        await message.answer(error_text(texts, error))
        return
    await state.update_data(full_name=name)
    await ask_phone(message, state, services, texts)


async def on_phone(message: Message, state: FSMContext, services: Services, texts: Texts) -> None:
    assert message.text is not None
    try:
        phone = normalize_ru_phone(message.text)
    except DomainError as error:
        await message.answer(texts.get(error.text_key))
        return
    await state.update_data(phone=phone)
    await show_summary(message, state, services, texts)


async def on_back(message: Message, state: FSMContext, services: Services, texts: Texts) -> None:
    current = await state.get_state()
    steps = _MOVE_STEPS if _moving(current) else _STEPS
    position = next((i for i, s in enumerate(steps) if s.state == current), 0)
    if position == 0:
        await state.clear()
        await message.answer(texts.get("cancel-done"), reply_markup=main_menu(texts))
        return
    previous = steps[position - 1]
    data = await state.get_data()
    if previous == BookVisit.topic:
        await ask_topic(message, state, services, texts)
    elif previous in (BookVisit.day, MoveBooking.day):
        await ask_day(message, state, services, texts, step=previous)
    elif previous == BookVisit.time:
        day = date.fromisoformat(str(data["day"]))
        await ask_time(message, state, services, texts, day, step=BookVisit.time)
    elif previous == BookVisit.full_name:
        await ask_full_name(message, state, services, texts)
    else:
        await ask_phone(message, state, services, texts)


async def on_unexpected(message: Message, texts: Texts) -> None:
    await message.answer(texts.get("booking-button-expected"))


async def reask(message: Message, state: FSMContext, services: Services, texts: Texts) -> None:
    """Ask the current step's question again (after a restart, handlers/resume.py)."""
    current = await state.get_state()
    data = await state.get_data()
    day = date.fromisoformat(str(data["day"])) if data.get("day") else None
    if current == BookVisit.topic.state:
        await ask_topic(message, state, services, texts)
    elif current in (BookVisit.time.state, MoveBooking.time.state) and day is not None:
        step = MoveBooking.time if _moving(current) else BookVisit.time
        await ask_time(message, state, services, texts, day, step=step)
    elif current == BookVisit.full_name.state:
        await ask_full_name(message, state, services, texts)
    elif current == BookVisit.phone.state:
        await ask_phone(message, state, services, texts)
    elif current == BookVisit.confirm.state:
        await show_summary(message, state, services, texts)
    else:
        step = MoveBooking.day if _moving(current) else BookVisit.day
        await ask_day(message, state, services, texts, step=step)


# -- «Мои записи» and the reminders' buttons -------------------------------------------------


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


async def on_action(
    query: CallbackQuery,
    callback_data: BookingAction,
    state: FSMContext,
    services: Services,
    texts: Texts,
) -> None:
    message = query.message
    if not isinstance(message, Message):
        await query.answer()
        return
    user_id = UserId(query.from_user.id)
    action = callback_data.action
    booking_id = BookingId(callback_data.booking)
    zone = services.booking.schedule.zone
    try:
        if action == "mine":
            await query.answer()
            await show_mine(message, user_id, services, texts)
        elif action == "cancel":
            booking = await services.booking.upcoming_own(user_id, booking_id)
            await query.answer()
            await message.answer(
                texts.get(
                    "bookings-cancel-confirm",
                    number=booking.number or "",
                    when=when(texts, booking.starts_at, zone),
                ),
                reply_markup=inline_column(
                    [
                        (
                            texts.get("bookings-cancel-yes"),
                            BookingAction(action="cancel-yes", booking=booking_id),
                        ),
                        (
                            texts.get("bookings-cancel-no"),
                            BookingAction(action="cancel-no", booking=booking_id),
                        ),
                    ]
                ),
            )
        elif action in {"cancel-yes", "remind-cancel"}:
            booking = await services.booking.cancel(user_id, booking_id)
            services.replies.send(
                message.chat.id,
                texts.get(
                    "bookings-cancelled",
                    number=booking.number or "",
                    when=when(texts, booking.starts_at, zone),
                ),
                key=f"bookings-cancelled:{booking.id}",
            )
            await query.answer()  # commits the cancellation and its reply first
            with contextlib.suppress(TelegramAPIError):
                await message.edit_reply_markup(reply_markup=None)
        elif action == "cancel-no":
            await query.answer()
            with contextlib.suppress(TelegramAPIError):
                await message.edit_reply_markup(reply_markup=None)
            await message.answer(texts.get("bookings-kept"))
        elif action == "remind-come":
            booking = await services.booking.upcoming_own(user_id, booking_id)
            await query.answer(texts.get("booking-reminder-thanks"))
            # «Приду» is said; cancelling stays possible from the same message.
            with contextlib.suppress(TelegramAPIError):
                await message.edit_reply_markup(
                    reply_markup=reminder_keyboard(texts, booking_id, come=False)
                )
        elif action == "move":
            booking = await services.booking.upcoming_own(user_id, booking_id)
            await query.answer()
            await state.set_data({"move": booking_id, "number": booking.number or ""})
            await ask_day(
                message,
                state,
                services,
                texts,
                step=MoveBooking.day,
                intro=texts.get(
                    "bookings-move-ask-day",
                    number=booking.number or "",
                    when=when(texts, booking.starts_at, zone),
                ),
            )
        else:
            await query.answer()
    except DomainError as error:
        # Someone else's booking (hand-made callback data) is "not found", like a missing one.
        await query.answer(_error_text(texts, error), show_alert=True)


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_booking, Cmd("booking"))
    router.message.register(cmd_booking, Button("menu-booking"))
    router.message.register(cmd_bookings, Cmd("bookings"))
    router.callback_query.register(on_pick, BookingPick.filter())
    router.callback_query.register(on_confirm, BookingConfirm.filter())
    router.callback_query.register(on_action, BookingAction.filter())
    return router


def build_steps_router() -> Router:
    """What the person types at each step (see handlers.build_routers), behind one
    router-level state check."""
    steps = Router(name=f"{__name__}.steps")
    steps.message.filter(StateFilter(*BookVisit.__states__, *MoveBooking.__states__))
    steps.message.register(on_back, Button("nav-back"))
    steps.message.register(on_full_name, StateFilter(BookVisit.full_name), HasText())
    steps.message.register(on_phone, StateFilter(BookVisit.phone), HasText())
    steps.message.register(on_unexpected)
    return steps
