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


_REG_VALUES: Mapping[RegField, frozenset[str]] = {
    RegField.FORM: frozenset(OFFLINE_FORMS),
    RegField.CHANNEL: frozenset(OFFLINE_CHANNELS),
    RegField.KIND: frozenset(AppealKind),
    RegField.SUBJECT: frozenset(Subject),
    RegField.SAVE: frozenset({"yes"}),
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
}


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
    if _STEP_OF[field] != current or (
        field is RegField.SUBJECT
        and Subject(value) not in subjects_for(AppealKind((await state.get_data())["kind"]))
    ):
        await callback.answer(texts.get("staff-cancelled"))
        return
    await drop_markup(callback)
    if field is RegField.SAVE:
        await _register_save(callback, state, services, texts, config, staff, message)
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
        data = await state.get_data()
        summary = texts.get(
            "staff-register-confirm",
            form=texts.plain(f"staff-form-{data['form']}"),
            name=data["full_name"] or texts.plain("staff-register-not-given"),
            channel=texts.plain(f"appeal-channel-{data['channel']}").lower(),
            contact=data["contact"] or texts.plain("staff-register-not-given"),
            kind=texts.plain(f"appeal-kind-{data['kind']}"),
            subject=texts.plain(f"appeal-subject-{data['subject']}"),
            text=text,
        )
        received = date.fromisoformat(data["received"]).strftime("%d.%m.%Y")
        summary = f"{summary}\n{texts.get('staff-register-received-line', date=received)}"
        summary = "\n".join([summary, *pp55.summary_lines(data, texts, config)])
        await state.set_state(StaffRegister.confirm)
        _pick(
            services,
            config,
            message,
            summary,
            RegField.SAVE,
            [(texts.plain("staff-register-save"), "yes")],
        )


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
        ),
        HasText(),
    )
    router.callback_query.register(on_register_button, RegCb.filter())
    router.include_router(pp55.build_router())
    return router
