"""Registering an appeal received by phone, post or in person (/register in the staff chat).

Part of the staff chat: its router is a child of the staff chat's parent router
(handlers/staff/__init__.py), behind the staff gate, and a refusal at a step is told by the
staff chat's one renderer (handlers/errors.py `DomainErrors`), the step staying where it was.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from typing import Any, Self

from aiogram import Router
from aiogram.filters import StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from pydantic import model_validator

from app.services import Services
from core.config import AppConfig
from core.texts import Texts
from dialogs.registration import pp55
from dialogs.registration.received import parse_received, received_moment
from dialogs.registration.states import StaffRegister
from domain.appeals import (
    WRITTEN_FORMS,
    AnswerChannel,
    AppealDraft,
    AppealKind,
    ServiceForm,
    Subject,
    is_quality_complaint,
    subjects_for,
)
from domain.contacts import answer_contact, full_name
from domain.deadlines import registered_late, registration_delay
from domain.errors import DomainError
from domain.reports import MEASURES_MAX
from domain.staff import StaffMember
from handlers.filters import Cmd, HasText
from handlers.render import refusal_text
from handlers.staff.replies import column, drop_markup, staff_reply

OFFLINE_FORMS = (ServiceForm.PHONE, ServiceForm.POST, ServiceForm.IN_PERSON, ServiceForm.OTHER)
OFFLINE_CHANNELS = (AnswerChannel.POST, AnswerChannel.EMAIL, AnswerChannel.PHONE)


class RegField(StrEnum):
    FORM = "form"
    CHANNEL = "channel"
    KIND = "kind"
    SUBJECT = "subject"
    SAVE = "save"
    # Register 4.9's optional fields: open them from the summary, keep a measure as it is,
    # say whether a contract followed.
    MEASURES = "measures"
    KEEP = "keep"
    CONTRACT = "contract"


# The typed steps of the measures, in order, by the data key each fills.
_MEASURE_STEPS = {
    "measures_taken": StaffRegister.measures_taken,
    "measures_planned": StaffRegister.measures_planned,
}

_MEASURE_PROMPTS = {
    "measures_taken": "staff-register-measures-taken",
    "measures_planned": "staff-register-measures-planned",
}

_REG_VALUES: Mapping[RegField, frozenset[str]] = {
    RegField.FORM: frozenset(OFFLINE_FORMS),
    RegField.CHANNEL: frozenset(OFFLINE_CHANNELS),
    RegField.KIND: frozenset(AppealKind),
    RegField.SUBJECT: frozenset(Subject),
    RegField.SAVE: frozenset({"yes"}),
    RegField.MEASURES: frozenset({"edit"}),
    RegField.KEEP: frozenset(_MEASURE_STEPS),
    RegField.CONTRACT: frozenset({"yes", "no"}),
}


class RegCb(CallbackData, prefix="sr"):
    """A button of /register (typed: core/callback_fields.py)."""

    field: RegField
    value: str

    @model_validator(mode="after")
    def _value_fits_the_field(self) -> Self:
        if self.value not in _REG_VALUES[self.field]:
            raise ValueError("not a value of this field")
        return self


def _pick(
    services: Services,
    config: AppConfig,
    message: Message,
    text: str,
    field: RegField,
    options: list[tuple[str, str]],
) -> None:
    """A step of the registration dialog answered with a button."""
    buttons = [(label, RegCb(field=field, value=value)) for label, value in options]
    staff_reply(services, config, message, text, markup=column(buttons))


async def cmd_register(
    message: Message,
    state: FSMContext,
    services: Services,
    texts: Texts,
    config: AppConfig,
) -> None:
    await state.set_state(StaffRegister.form)
    await state.set_data({})
    options = [(texts.plain(f"staff-form-{f.value}").capitalize(), f.value) for f in OFFLINE_FORMS]
    _pick(services, config, message, texts.get("staff-register-form"), RegField.FORM, options)


# The step each button belongs to: a button of another step (an old message) does nothing.
_STEP_OF: Mapping[RegField, str | None] = {
    RegField.FORM: StaffRegister.form.state,
    RegField.CHANNEL: StaffRegister.channel.state,
    RegField.KIND: StaffRegister.kind.state,
    RegField.SUBJECT: StaffRegister.subject.state,
    RegField.SAVE: StaffRegister.confirm.state,
    RegField.MEASURES: StaffRegister.confirm.state,
    RegField.CONTRACT: StaffRegister.contract.state,
}


def _button_step(field: RegField, value: str) -> str | None:
    """The step a button belongs to («Оставить как есть» names its own)."""
    if field is RegField.KEEP:
        return _MEASURE_STEPS[value].state
    return _STEP_OF[field]


async def on_register_button(
    callback: CallbackQuery,
    callback_data: RegCb,
    state: FSMContext,
    services: Services,
    texts: Texts,
    config: AppConfig,
    staff: StaffMember,
) -> None:
    message = callback.message
    if not isinstance(message, Message):
        await callback.answer()
        return
    current = await state.get_state()
    field, value = callback_data.field, callback_data.value
    if _button_step(field, value) != current or (
        field is RegField.SUBJECT
        and Subject(value) not in subjects_for(AppealKind((await state.get_data())["kind"]))
    ):
        await callback.answer(texts.get("staff-cancelled"))
        return
    await drop_markup(callback)
    if field is RegField.SAVE:
        await _register_save(callback, state, services, texts, config, staff, message)
        return
    if field in (RegField.MEASURES, RegField.KEEP, RegField.CONTRACT):
        await _measures_button(field, value, state, services, texts, config, message)
        await callback.answer()
        return
    await state.update_data({field: value})
    data = await state.get_data()
    if field is RegField.FORM:
        await state.set_state(StaffRegister.received)
        staff_reply(services, config, message, texts.get("staff-register-received"))
    elif field is RegField.CHANNEL:
        await state.set_state(StaffRegister.contact)
        prompt = _written_hint(texts, data, f"staff-register-contact-{value}")
        staff_reply(services, config, message, prompt)
    elif field is RegField.KIND:
        await state.set_state(StaffRegister.subject)
        options = [
            (texts.plain(f"appeal-subject-{s.value}"), s.value)
            for s in subjects_for(AppealKind(value))
        ]
        _pick(
            services,
            config,
            message,
            texts.get("staff-register-subject"),
            RegField.SUBJECT,
            options,
        )
    elif field is RegField.SUBJECT:
        kind = AppealKind((await state.get_data())["kind"])
        if is_quality_complaint(kind, Subject(value)):  # ПП 55: the set first
            await state.set_state(pp55.StaffRegisterPp55.applicant)
            pp55.start(services, config, message, texts)
        else:
            await state.set_state(StaffRegister.text)
            staff_reply(services, config, message, texts.get("staff-register-text"))
    await callback.answer()


async def on_register_text(
    message: Message, state: FSMContext, services: Services, texts: Texts, config: AppConfig
) -> None:
    """The typed steps: the name and the contact are checked (a refusal keeps the step), the
    text is taken as it is and the summary offered to save."""
    current = await state.get_state()
    text = (message.text or "").strip()
    data = await state.get_data()
    if current == StaffRegister.received.state:
        await _received(message, state, services, texts, config, data, text)
    elif current == StaffRegister.full_name.state:
        text = "" if _left_out(data, text) else full_name(text)
        await state.update_data(full_name=text)
        await state.set_state(StaffRegister.channel)
        options = [(texts.plain(f"appeal-channel-{c.value}"), c.value) for c in OFFLINE_CHANNELS]
        _pick(
            services,
            config,
            message,
            texts.get("staff-register-channel"),
            RegField.CHANNEL,
            options,
        )
    elif current == StaffRegister.contact.state:
        text = (
            "" if _left_out(data, text) else answer_contact(AnswerChannel(data["channel"]), text)
        )
        await state.update_data(contact=text)
        await state.set_state(StaffRegister.kind)
        options = [(texts.plain(f"appeal-kind-{k.value}"), k.value) for k in AppealKind]
        _pick(services, config, message, texts.get("staff-register-kind"), RegField.KIND, options)
    elif current == StaffRegister.text.state:
        await state.update_data(text=text)
        await _confirm(message, state, services, texts, config)
    elif current is not None and current in (
        StaffRegister.measures_taken.state,
        StaffRegister.measures_planned.state,
    ):
        await _measure_typed(message, state, services, texts, config, current, text)


async def _confirm(
    message: Message, state: FSMContext, services: Services, texts: Texts, config: AppConfig
) -> None:
    """The summary to check, with «Зарегистрировать» and «Меры и договор»."""
    data = await state.get_data()
    not_given = texts.plain("staff-register-not-given")
    summary = texts.get(
        "staff-register-confirm",
        form=texts.plain(f"staff-form-{data['form']}"),
        name=data["full_name"] or not_given,
        channel=texts.plain(f"appeal-channel-{data['channel']}").lower(),
        contact=data["contact"] or not_given,
        kind=texts.plain(f"appeal-kind-{data['kind']}"),
        subject=texts.plain(f"appeal-subject-{data['subject']}"),
        text=data["text"],
    )
    received = date.fromisoformat(data["received"]).strftime("%d.%m.%Y")
    lines = [summary, texts.get("staff-register-received-line", date=received)]
    if data.get("measures_taken") or data.get("measures_planned") or "contract" in data:
        contract = data.get("contract")
        lines.append(
            texts.get(
                "staff-register-measures-lines",
                done=data.get("measures_taken") or not_given,
                planned=data.get("measures_planned") or not_given,
                contract=(
                    not_given
                    if contract is None
                    else texts.plain(f"staff-register-contract-{contract}").lower()
                ),
            )
        )
    summary = "\n".join([*lines, *pp55.summary_lines(data, texts, config)])
    await state.set_state(StaffRegister.confirm)
    buttons = [
        (texts.plain("staff-register-save"), RegCb(field=RegField.SAVE, value="yes")),
        (texts.plain("staff-register-measures"), RegCb(field=RegField.MEASURES, value="edit")),
    ]
    staff_reply(services, config, message, summary, markup=column(buttons))


def _ask_measure(
    message: Message,
    services: Services,
    texts: Texts,
    config: AppConfig,
    data: Mapping[str, Any],
    key: str,
) -> None:
    """A measure's step: what it holds now (kept with «Оставить как есть»), or a new text."""
    prompt = texts.get(_MEASURE_PROMPTS[key], max=MEASURES_MAX)
    now = str(data.get(key) or "")
    if not now:
        staff_reply(services, config, message, prompt)
        return
    prompt = f"{prompt}\n{texts.get('staff-register-measures-now', text=now)}"
    keep = (texts.plain("staff-register-measures-keep"), RegCb(field=RegField.KEEP, value=key))
    staff_reply(services, config, message, prompt, markup=column([keep]))


def _ask_contract(message: Message, services: Services, texts: Texts, config: AppConfig) -> None:
    options = [(texts.plain(f"staff-register-contract-{v}"), v) for v in ("yes", "no")]
    _pick(
        services,
        config,
        message,
        texts.get("staff-register-contract"),
        RegField.CONTRACT,
        options,
    )


async def _next_after_measure(
    message: Message,
    state: FSMContext,
    services: Services,
    texts: Texts,
    config: AppConfig,
    key: str,
) -> None:
    if key == "measures_taken":
        await state.set_state(StaffRegister.measures_planned)
        _ask_measure(message, services, texts, config, await state.get_data(), "measures_planned")
    else:
        await state.set_state(StaffRegister.contract)
        _ask_contract(message, services, texts, config)


async def _measures_button(
    field: RegField,
    value: str,
    state: FSMContext,
    services: Services,
    texts: Texts,
    config: AppConfig,
    message: Message,
) -> None:
    """«Меры и договор» on the summary, «Оставить как есть» at a measure, «Да»/«Нет»."""
    if field is RegField.MEASURES:
        await state.set_state(StaffRegister.measures_taken)
        _ask_measure(message, services, texts, config, await state.get_data(), "measures_taken")
    elif field is RegField.KEEP:
        await _next_after_measure(message, state, services, texts, config, value)
    else:
        await state.update_data(contract=value)
        await _confirm(message, state, services, texts, config)


async def _measure_typed(
    message: Message,
    state: FSMContext,
    services: Services,
    texts: Texts,
    config: AppConfig,
    current: str,
    text: str,
) -> None:
    """A measure typed: `-` for none; longer than the register takes is refused, the step
    staying where it was."""
    key = next(k for k, step in _MEASURE_STEPS.items() if step.state == current)
    if len(text) > MEASURES_MAX:
        reply = texts.get("staff-register-measures-long", max=MEASURES_MAX, length=len(text))
        staff_reply(services, config, message, reply)
        return
    await state.update_data({key: "" if text in {_LEFT_OUT, "—"} else text})
    await _next_after_measure(message, state, services, texts, config, key)


# §15.2: a written appeal without a name or a contact is registered all the same ("-").
_LEFT_OUT = "-"


def _left_out(data: Mapping[str, Any], text: str) -> bool:
    return text in {_LEFT_OUT, "—"} and ServiceForm(data["form"]) in WRITTEN_FORMS


def _written_hint(texts: Texts, data: Mapping[str, Any], key: str) -> str:
    prompt = texts.get(key)
    if ServiceForm(data["form"]) in WRITTEN_FORMS:
        return f"{prompt}\n{texts.get('staff-register-written-hint')}"
    return prompt


async def _received(
    message: Message,
    state: FSMContext,
    services: Services,
    texts: Texts,
    config: AppConfig,
    data: Mapping[str, Any],
    text: str,
) -> None:
    """When the appeal was received: a day in everyday Russian; a registration more than 3
    days after it is warned about (59-ФЗ ст. 8 ч. 2) and goes on."""
    now = services.clock.now()
    day = parse_received(text, now=now, zone=config.zone)
    if day is None:
        staff_reply(services, config, message, texts.get("staff-register-received-invalid"))
        return
    await state.update_data(received=day.isoformat())
    received_at = received_moment(day, now=now, zone=config.zone) or now
    if registered_late(received_at=received_at, registered_at=now, zone=config.zone):
        days = registration_delay(received_at=received_at, registered_at=now, zone=config.zone)
        staff_reply(services, config, message, texts.get("staff-register-late", days=days))
    await state.set_state(StaffRegister.full_name)
    staff_reply(services, config, message, _written_hint(texts, data, "staff-register-name"))


async def _register_save(
    callback: CallbackQuery,
    state: FSMContext,
    services: Services,
    texts: Texts,
    config: AppConfig,
    staff: StaffMember,
    message: Message,
) -> None:
    data = await state.get_data()
    draft = AppealDraft(
        user_id=None,
        kind=AppealKind(data["kind"]),
        subject=Subject(data["subject"]),
        form=ServiceForm(data["form"]),
        text=str(data.get("text") or ""),
        full_name=str(data["full_name"]),
        answer_channel=AnswerChannel(data["channel"]),
        contact=str(data["contact"]),
        received_at=received_moment(
            date.fromisoformat(data["received"]), now=services.clock.now(), zone=config.zone
        ),
        pp55=pp55.draft_details(data, config),
        measures_taken=str(data.get("measures_taken") or ""),
        measures_planned=str(data.get("measures_planned") or ""),
        contract_concluded=data.get("contract") == "yes",
    )
    try:
        appeal = await services.staff_desk.register(staff, draft)
    except DomainError as error:
        # Nothing is lost: the dialog goes back to the text step; the text can be sent again.
        await state.set_state(StaffRegister.text)
        await callback.answer(refusal_text(texts, error), show_alert=True)
        return
    await state.clear()
    staff_reply(
        services,
        config,
        message,
        texts.get(
            "staff-register-done",
            number=appeal.number,
            due=appeal.due_at.astimezone(config.zone).strftime("%d.%m.%Y"),
        ),
    )
    await callback.answer(texts.get("staff-done"))


def build_router() -> Router:
    """After the staff chat's commands: at a typed step, any text is its answer."""
    router = Router(name=__name__)
    router.message.register(cmd_register, Cmd("register"))
    router.message.register(
        on_register_text,
        StateFilter(
            StaffRegister.received,
            StaffRegister.full_name,
            StaffRegister.contact,
            StaffRegister.text,
            StaffRegister.measures_taken,
            StaffRegister.measures_planned,
        ),
        HasText(),
    )
    router.callback_query.register(on_register_button, RegCb.filter())
    router.include_router(pp55.build_router())
    return router
