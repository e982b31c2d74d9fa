"""The booking dialog's steps (SPEC §6): topic → day → time → name → phone → confirm; moving a
booking: day → time. A day with no free time left shows the days again."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import date

from aiogram.fsm.state import State
from aiogram.types import InlineKeyboardMarkup

from dialogs.booking.keyboards import (
    BookingConfirm,
    BookingPick,
    days_keyboard,
    slot_of,
    times_keyboard,
)
from dialogs.booking.render import day_label, hours_text, when
from dialogs.booking.states import BookingDialogState, BookVisit, MoveBooking
from dialogs.steps import Step, StepTable, Turn
from domain.booking import BookingTopic
from domain.ids import UserId
from handlers.keyboards import dialog_nav, inline_column, main_menu

Data = BookingDialogState
_STEPS = (
    BookVisit.topic,
    BookVisit.day,
    BookVisit.time,
    BookVisit.full_name,
    BookVisit.phone,
    BookVisit.confirm,
)
MOVE_STEPS = (MoveBooking.day, MoveBooking.time)


def moving(state_name: str | None) -> bool:
    return state_name in {s.state for s in MOVE_STEPS}


async def offer_days(turn: Turn, *, step: State = BookVisit.day, intro: str | None = None) -> None:
    """The days with a free place (at `step`); none at all: out of the dialog, with the hours."""
    texts, booking = turn.texts, turn.services.booking
    offers = await booking.days()
    if not offers:
        await turn.fsm.clear()
        no_days = texts.get(
            "booking-no-days",
            days=booking.schedule.days_ahead,
            hours=hours_text(texts, booking.schedule.hours),
        )
        await turn.say(no_days, main_menu(texts))
        return
    await turn.fsm.set_state(step)
    text = texts.get("booking-ask-day") if intro is None else intro
    await turn.say(text, days_keyboard(texts, [o.day for o in offers]))


async def offer_times(
    turn: Turn, data: Data, day: date, *, step: State, refusal: str | None = None
) -> None:
    """The day's free times (at `step`); if none is left, the days again."""
    texts, booking = turn.texts, turn.services.booking
    day_step = MoveBooking.day if step == MoveBooking.time else BookVisit.day
    slots = await booking.slots(day)
    if not slots:
        await offer_days(turn, step=day_step, intro=texts.get("booking-day-full"))
        return
    data.day = day
    await turn.fsm.set_state(step)
    await data.save(turn.fsm)
    schedule = booking.schedule
    text = texts.get("booking-ask-time", day=day_label(texts, day), minutes=schedule.slot_minutes)
    if refusal is not None:
        text = f"{refusal}\n{text}"
    await turn.say(text, times_keyboard(texts, [s.starts_at for s in slots], schedule.zone))


def _use_button(turn: Turn, value: str, what: str) -> InlineKeyboardMarkup:
    label = turn.texts.plain("booking-use-button", value=value[:40])
    return inline_column([(label, BookingPick(field="prefill", value=what))])


async def _topic(turn: Turn, data: Data) -> None:
    texts = turn.texts
    hours = hours_text(texts, turn.services.booking.schedule.hours)
    await turn.say(texts.get("booking-intro", hours=hours), dialog_nav(texts))
    topics = inline_column(
        (texts.get(f"booking-topic-{t.value}"), BookingPick(field="topic", value=t.value))
        for t in BookingTopic
    )
    await turn.say(texts.get("booking-ask-topic"), topics)


async def _day(turn: Turn, data: Data) -> None:
    current = await turn.fsm.get_state()
    await offer_days(turn, step=MoveBooking.day if moving(current) else BookVisit.day)


async def _time(turn: Turn, data: Data) -> None:
    current = await turn.fsm.get_state()
    step = MoveBooking.time if moving(current) else BookVisit.time
    if data.day is None:
        await offer_days(turn, step=MoveBooking.day if moving(current) else BookVisit.day)
        return
    await offer_times(turn, data, data.day, step=step)


def _prefilled(question: str, what: str) -> Callable[[Turn, Data], Awaitable[None]]:
    """A step asking for the name or the phone, with «Use: …» from a linked account."""

    async def ask(turn: Turn, data: Data) -> None:
        prefill = await turn.services.booking.prefill(UserId(turn.message.chat.id))
        value = (prefill.full_name if what == "name" else prefill.phone) if prefill else ""
        await turn.say(turn.texts.get(question), _use_button(turn, value, what) if value else None)

    return ask


async def _summary(turn: Turn, data: Data) -> None:
    token = await data.draft_token(turn.fsm)
    assert data.topic is not None
    assert data.slot is not None
    texts = turn.texts
    summary = texts.get(
        "booking-summary",
        topic=texts.plain(f"booking-topic-{data.topic.value}"),
        when=when(texts, slot_of(str(data.slot)), turn.services.booking.schedule.zone),
        name=data.full_name,
        phone=data.phone,
    )
    buttons = [
        (texts.get("booking-confirm"), BookingConfirm(token=token)),
        (texts.get("booking-change-time"), BookingPick(field="confirm", value="time")),
    ]
    await turn.say(summary, inline_column(buttons))


def _order(data: Data) -> Sequence[State]:
    return MOVE_STEPS if data.move else _STEPS


TABLE = StepTable(
    model=BookingDialogState,
    steps=[
        Step(BookVisit.topic, _topic),
        Step(BookVisit.day, _day),
        Step(BookVisit.time, _time),
        Step(BookVisit.full_name, _prefilled("booking-ask-full-name", "name")),
        Step(BookVisit.phone, _prefilled("booking-ask-phone", "phone")),
        Step(BookVisit.confirm, _summary),
        Step(MoveBooking.day, _day),
        Step(MoveBooking.time, _time),
    ],
    order=_order,
)
