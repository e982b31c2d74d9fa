"""The profile dialog in the staff chat (issue 15): a final answer is signed with the
executor's name, position, phone and e-mail (§15.5, domain/signature.py). A staff member whose
profile lacks any of them and presses «Ответить» (or sends a text as the final answer) is
asked for the missing ones right there in the appeal's thread, one a step, with buttons where
a button can answer: the Telegram name to accept, the common positions. Then the answer goes
on where it stopped: the prompt for its text, or the preview of the text already written.

The step, what was collected and what to go back to are kept in the FSM state (stored in the
database with every other dialog). /cancel leaves it; `/profile` still works as before."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, User

from app.services import Services
from core.texts import Texts
from domain.contacts import normalize_ru_phone, validate_email
from domain.errors import InvalidEmail, InvalidPhone
from domain.limits import Field, check_length
from domain.signature import missing_fields
from domain.staff import StaffMember
from handlers.filters import HasText
from handlers.staff.pickers import preview_answer
from handlers.staff.replies import column, post
from handlers.staff.states import PROMPTS, StaffProfile
from notifier.staff_render import NONE, PROFILE_POSITIONS, StaffButton, StaffCb

_STATES: dict[str, State] = {
    "full_name": StaffProfile.full_name,
    "position": StaffProfile.position,
    "phone": StaffProfile.phone,
    "email": StaffProfile.email,
}
_LIMITS = {"full_name": Field.FULL_NAME, "position": Field.POSITION}
_ASK = {
    "full_name": "staff-profile-ask-full-name",
    "position": "staff-profile-ask-position",
    "phone": "staff-profile-ask-phone",
    "email": "staff-profile-ask-email",
}
_INVALID = {
    "full_name": "staff-profile-invalid-full-name",
    "position": "staff-profile-invalid-position",
    "phone": "staff-profile-invalid-phone",
    "email": "staff-profile-invalid-email",
}


def needs_profile(staff: StaffMember) -> bool:
    """Whether the staff member's profile cannot sign an answer yet."""
    return bool(missing_fields(staff))


async def start_profile(
    services: Services,
    texts: Texts,
    state: FSMContext,
    staff: StaffMember,
    user: User | None,
    *,
    appeal_id: int,
    number: str,
    answer_text: str | None = None,
) -> None:
    """Ask for what the profile lacks, then go on with the answer (`answer_text`: the text
    already written, to be previewed; None: the answer's prompt)."""
    steps = list(missing_fields(staff))
    offered = (user.full_name if user is not None else "").strip()
    await state.set_data(
        {
            "appeal": appeal_id,
            "number": number,
            "answer_text": answer_text,
            "offered_name": offered,
            "steps": steps,
            "profile": {},
        }
    )
    intro = texts.get("staff-profile-intro", number=number)
    await _ask(services, texts, state, steps[0], appeal_id, offered, intro=intro)


async def _ask(
    services: Services,
    texts: Texts,
    state: FSMContext,
    step: str,
    appeal_id: int,
    offered: str,
    *,
    intro: str | None = None,
) -> None:
    await state.set_state(_STATES[step])
    markup: InlineKeyboardMarkup | None = None
    if step == "full_name" and offered:
        markup = column([(offered, StaffCb(action=StaffButton.PROFILE_NAME, appeal=appeal_id))])
    elif step == "position":
        markup = column(
            [
                (
                    texts.plain(key),
                    StaffCb(action=StaffButton.PROFILE_POSITION, appeal=appeal_id, value=index),
                )
                for index, key in enumerate(PROFILE_POSITIONS)
            ]
        )
    if step == "full_name" and not offered:
        question = texts.get("staff-profile-ask-full-name-typed")
    else:
        question = texts.get(_ASK[step])
    post(services, appeal_id, question if intro is None else f"{intro}\n\n{question}", markup)


async def _take(
    value: str,
    services: Services,
    texts: Texts,
    state: FSMContext,
    staff: StaffMember,
) -> None:
    """The current step's value is kept; the next step is asked, or the profile is saved
    and the answer goes on."""
    data = await state.get_data()
    steps: list[str] = list(data.get("steps") or [])
    profile: dict[str, str] = dict(data.get("profile") or {})
    appeal_id = int(data["appeal"])
    profile[steps.pop(0)] = value
    if steps:
        await state.update_data(steps=steps, profile=profile)
        await _ask(
            services, texts, state, steps[0], appeal_id, str(data.get("offered_name") or "")
        )
        return
    saved = await services.staff_desk.save_profile(
        staff,
        replace(
            staff,
            full_name=profile.get("full_name", staff.full_name),
            position=profile.get("position", staff.position),
            phone=profile.get("phone", staff.phone),
            email=profile.get("email", staff.email),
        ),
    )
    post(
        services,
        appeal_id,
        texts.get(
            "staff-profile-saved",
            name=saved.full_name,
            position=saved.position,
            phone=saved.phone,
            email=saved.email or NONE,
        ),
    )
    await _resume(services, texts, state, saved, data)


async def _resume(
    services: Services,
    texts: Texts,
    state: FSMContext,
    staff: StaffMember,
    data: dict[str, Any],
) -> None:
    """Back to the answer: the text waited for (its prompt), or the text written, previewed.
    A preview refused (no signing head yet) leaves the answer's text step, to try again."""
    appeal_id = int(data["appeal"])
    number = str(data.get("number") or "")
    target, key = PROMPTS[StaffButton.ANSWER]
    await state.set_state(target)
    await state.set_data({"appeal": appeal_id, "number": number})
    text = data.get("answer_text")
    if text:
        await preview_answer(services, texts, staff, state, appeal_id, str(text))
    else:
        post(services, appeal_id, texts.get(key, number=number))


async def on_name_button(
    callback: CallbackQuery,
    state: FSMContext,
    services: Services,
    texts: Texts,
    staff: StaffMember,
) -> None:
    """The Telegram name accepted as the name under answers."""
    if await state.get_state() != StaffProfile.full_name.state:
        await callback.answer(texts.get("staff-profile-not-yours"))
        return
    offered = str((await state.get_data()).get("offered_name") or "")
    check_length(Field.FULL_NAME, offered)
    await _take(offered, services, texts, state, staff)
    await callback.answer(texts.get("staff-done"))


async def on_position_button(
    callback: CallbackQuery,
    callback_data: StaffCb,
    state: FSMContext,
    services: Services,
    texts: Texts,
    staff: StaffMember,
) -> None:
    if await state.get_state() != StaffProfile.position.state:
        await callback.answer(texts.get("staff-profile-not-yours"))
        return
    position = texts.plain(PROFILE_POSITIONS[callback_data.value])
    await _take(position, services, texts, state, staff)
    await callback.answer(texts.get("staff-done"))


async def on_profile_text(
    message: Message,
    state: FSMContext,
    services: Services,
    texts: Texts,
    staff: StaffMember,
) -> None:
    """A typed step: the name or position as written, the phone and e-mail checked. A value
    refused is said why, and the step stays."""
    data = await state.get_data()
    steps: list[str] = list(data.get("steps") or [])
    if not steps:  # a state without its data: nothing to go on with
        await state.clear()
        return
    step = steps[0]
    text = " ".join((message.text or "").split())
    appeal_id = int(data["appeal"])
    value: str | None = text or None
    if step in _LIMITS and value is not None:
        check_length(_LIMITS[step], value)  # TooLong: told by DomainErrors, the step stays
    elif step == "phone":
        try:
            value = normalize_ru_phone(text)
        except InvalidPhone:
            value = None
    elif step == "email":
        try:
            value = validate_email(text)
        except InvalidEmail:
            value = None
    if value is None:
        post(services, appeal_id, texts.get(_INVALID[step]))
        return
    await _take(value, services, texts, state, staff)


def build_router() -> Router:
    """Before the thread's handlers: in a profile step, any text is the step's answer."""
    router = Router(name=__name__)
    router.message.register(on_profile_text, StateFilter(*_STATES.values()), HasText())
    press = router.callback_query.register
    press(on_name_button, StaffCb.filter(F.action == StaffButton.PROFILE_NAME))
    press(on_position_button, StaffCb.filter(F.action == StaffButton.PROFILE_POSITION))
    return router
