"""/register for a complaint about the reliability or the quality of supply: the ПП 55 set
(domain/pp55.py) asked of the staff member between the subject and the text, as the appeal
dialog asks the consumer (the checks and the sealing are dialogs/appeal/pp55.py's). Each item
may be left for later; the registered appeal records it as missing.

The registration router calls `start` when the subject needs the set and `summary_lines` and
`draft_details` for the confirmation and the draft; the rest lives here."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any, Self

from aiogram import Router
from aiogram.filters import StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from pydantic import model_validator

from app.services import Services
from core.config import AppConfig
from core.texts import Texts
from dialogs.appeal.pp55 import details_from, pp55_lines, typed_value
from dialogs.registration.states import StaffRegister
from domain.appeals import QualityComplaintDetails
from domain.clock import Clock
from domain.pp55 import ApplicantType, Pp55Item, items_for
from handlers.filters import HasText
from handlers.staff.replies import column, drop_markup, staff_reply


class StaffRegisterPp55(StatesGroup):
    applicant = State()
    item = State()  # which item: `pp55_asking` in the data


class Pp55Field(StrEnum):
    APPLICANT = "applicant"
    LATER = "later"


_VALUES: Mapping[Pp55Field, frozenset[str]] = {
    Pp55Field.APPLICANT: frozenset(ApplicantType),
    Pp55Field.LATER: frozenset(Pp55Item),
}


class RegPp55Cb(CallbackData, prefix="sr55"):
    field: Pp55Field
    value: str

    @model_validator(mode="after")
    def _value_fits_the_field(self) -> Self:
        if self.value not in _VALUES[self.field]:
            raise ValueError("not a value of this field")
        return self


def start(services: Services, config: AppConfig, message: Message, texts: Texts) -> None:
    """Why the set is asked (the same words the consumer reads), then person or business."""
    staff_reply(services, config, message, texts.get("pp55-why"))
    buttons = [
        (texts.plain(f"pp55-applicant-{a.value}"), RegPp55Cb(field="applicant", value=a.value))
        for a in ApplicantType
    ]
    staff_reply(services, config, message, texts.get("pp55-ask-applicant"), markup=column(buttons))


async def _ask(
    state: FSMContext,
    services: Services,
    config: AppConfig,
    message: Message,
    texts: Texts,
    item: Pp55Item,
) -> None:
    await state.set_state(StaffRegisterPp55.item)
    await state.update_data(pp55_asking=item.value)
    later = RegPp55Cb(field="later", value=item.value)
    markup = column([(texts.plain("pp55-later"), later)])
    staff_reply(services, config, message, texts.get(f"pp55-ask-{item.value}"), markup=markup)


async def _next(
    state: FSMContext,
    services: Services,
    config: AppConfig,
    message: Message,
    texts: Texts,
    after: Pp55Item | None,
) -> None:
    """The item after `after` (the first for None), or the text step once all are asked."""
    data = await state.get_data()
    items = items_for(ApplicantType(data["pp55_applicant"]))
    position = items.index(after) + 1 if after is not None else 0
    if position < len(items):
        await _ask(state, services, config, message, texts, items[position])
        return
    await state.set_state(StaffRegister.text)
    staff_reply(services, config, message, texts.get("staff-register-text"))


async def on_button(
    callback: CallbackQuery,
    callback_data: RegPp55Cb,
    state: FSMContext,
    services: Services,
    texts: Texts,
    config: AppConfig,
) -> None:
    message = callback.message
    current = await state.get_state()
    data = await state.get_data()
    applicant = callback_data.field is Pp55Field.APPLICANT
    expected = StaffRegisterPp55.applicant if applicant else StaffRegisterPp55.item
    if (
        not isinstance(message, Message)
        or current != expected.state
        or (not applicant and data.get("pp55_asking") != callback_data.value)
    ):
        await callback.answer(texts.get("staff-cancelled"))
        return
    await drop_markup(callback)
    if applicant:
        await state.update_data(pp55_applicant=callback_data.value)
        await _next(state, services, config, message, texts, None)
    else:
        item = Pp55Item(callback_data.value)
        await state.update_data({f"pp55_{item.value}": ""})
        await _next(state, services, config, message, texts, item)
    await callback.answer()


async def on_text(
    message: Message,
    state: FSMContext,
    services: Services,
    texts: Texts,
    config: AppConfig,
    clock: Clock,
) -> None:
    """A typed item: a wrong form is refused by the staff chat's renderer, the step stays."""
    assert message.text is not None
    item = Pp55Item((await state.get_data())["pp55_asking"])
    value = typed_value(
        item, message.text, box=config.secret_box, zone=config.zone, now=clock.now()
    )
    if isinstance(value, str):
        await state.update_data({f"pp55_{item.value}": value})
    else:  # the time, a moment or a range (domain/when.py), shown on the summary
        end = value.end.isoformat() if value.end else None
        await state.update_data(pp55_time=value.start.isoformat(), pp55_time_end=end)
    await _next(state, services, config, message, texts, item)


def draft_details(data: Mapping[str, Any], config: AppConfig) -> QualityComplaintDetails | None:
    return details_from(data, config.secret_box)


def summary_lines(data: Mapping[str, Any], texts: Texts, config: AppConfig) -> Sequence[str]:
    details = draft_details(data, config)
    return pp55_lines(texts, details, config.zone) if details is not None else ()


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(on_text, StateFilter(StaffRegisterPp55.item), HasText())
    router.callback_query.register(on_button, RegPp55Cb.filter())
    return router
