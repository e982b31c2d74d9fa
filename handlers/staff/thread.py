"""What staff write in an appeal's thread: the text they were asked for (a question, an answer,
an extension, an addressee, the earlier appeal of a repeat), and anything else. A plain reply
is offered to be sent as the final answer or as a question; a message starting with "!" is an
internal note; a photo or document is offered to be sent to the consumer. Nothing reaches the
consumer without a press."""

from __future__ import annotations

from typing import Any

from aiogram import Router
from aiogram.filters import Filter, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import Message

from app.services import Services
from core.config import AppConfig
from core.texts import Texts
from domain.appeals import Appeal, RejectionGround
from domain.limits import parse_bounded_int
from domain.staff import StaffAction, StaffMember, check_allowed
from handlers.filters import HasText
from handlers.staff.pickers import preview_answer
from handlers.staff.profile import needs_profile, start_profile
from handlers.staff.replies import appeal_of, column, staff_reply
from handlers.staff.states import PROMPTS, StaffInput
from notifier.staff_render import StaffButton, StaffCb

# "/extend 99999 …" is a number, refused by the domain (at most 30 days) with its message;
# a bound keeps it from overflowing the date arithmetic first.
_EXTENSION_DAYS_MAX = 9999


class HasFile(Filter):
    async def __call__(self, message: Message) -> bool:
        return bool(message.photo or message.document)


async def prompt_for(
    services: Services,
    texts: Texts,
    config: AppConfig,
    staff: StaffMember,
    action: str,
    appeal: Appeal,
) -> str:
    """The checks before a text is asked for, and its prompt: extending and forwarding are a
    head's; forwarding after its 7 days is refused at once, and warned about from the 5th
    day (59-ФЗ ст. 8 ч. 3)."""
    if action == StaffButton.EXTEND:
        check_allowed(staff.role, StaffAction.EXTEND)
    text = texts.get(PROMPTS[action][1], number=appeal.number)
    if action == StaffButton.FORWARD:
        forward_by = services.staff_desk.forwarding_check(staff, appeal)
        if forward_by is not None:
            day = forward_by.astimezone(config.zone).strftime("%d.%m.%Y")
            text = f"{texts.get('staff-forward-term-ends', date=day)}\n{text}"
    return text


async def expect_text(state: FSMContext, action: str, appeal_id: int, number: str) -> str:
    """Wait for the text `action` needs (ask, answer, extend, forward) as the next message;
    the key of its prompt is returned."""
    target, key = PROMPTS[action]
    await state.set_state(target)
    await state.set_data({"appeal": appeal_id, "number": number})
    return key


async def on_input(
    message: Message,
    state: FSMContext,
    services: Services,
    texts: Texts,
    config: AppConfig,
    staff: StaffMember,
) -> None:
    """The text a staff member was asked for (question, answer, extension, addressee). A
    refusal keeps the step: the person corrects and sends again, or /cancel."""
    current = await state.get_state()
    data = await state.get_data()
    appeal_id = int(data["appeal"])
    text = (message.text or "").strip()
    desk = services.staff_desk
    if current == StaffInput.question.state:
        await desk.ask(staff, appeal_id, text)
    elif current == StaffInput.answer.state:
        if needs_profile(staff):
            await start_profile(
                services,
                texts,
                state,
                staff,
                message.from_user,
                appeal_id=appeal_id,
                number=str(data.get("number") or ""),
                answer_text=text,
            )
            return
        await preview_answer(services, texts, staff, state, appeal_id, text)
        return
    elif current == StaffInput.extend.state:
        parsed = _parse_extension(text)
        if parsed is None:
            staff_reply(services, config, message, texts.get("staff-extend-invalid"))
            return
        await desk.extend(staff, appeal_id, *parsed)
    elif current == StaffInput.forward.state:
        await desk.forward(staff, appeal_id, text)
    elif current == StaffInput.repeat_number.state:
        await desk.reject(
            staff,
            appeal_id,
            RejectionGround.REPEAT_WITHOUT_NEW_ARGUMENTS,
            earlier_number=text,
        )
    else:
        return
    await state.clear()


def _parse_extension(text: str) -> tuple[int, str] | None:
    """The days and the reason of "/extend DAYS REASON"; the days are bounded far above the
    law's 30, which the domain refuses with its own message."""
    days, _, reason = text.partition(" ")
    parsed = parse_bounded_int(days, low=0, high=_EXTENSION_DAYS_MAX)
    if parsed is None or not reason.strip():
        return None
    return parsed, reason.strip()


async def on_thread_text(
    message: Message,
    state: FSMContext,
    services: Services,
    texts: Texts,
    config: AppConfig,
    staff: StaffMember,
) -> None:
    """A plain message in an appeal's thread: "!" makes a note; anything else is offered to
    be sent to the consumer (final answer or question) — never relayed without a press."""
    text = (message.text or "").strip()
    if text.startswith("/"):
        return  # a command this bot does not have (or one meant for another bot)
    appeal_id = await appeal_of(message, services)
    if appeal_id is None:
        return  # staff talking among themselves
    if text.startswith("!"):
        await services.staff_desk.note(staff, appeal_id, text[1:])
        return
    appeal = await services.staff_desk.appeal(appeal_id)
    await _offer(
        services,
        texts,
        config,
        message,
        state,
        target=StaffInput.choose,
        data={"appeal": appeal_id, "number": appeal.number, "text": text},
        prompt=texts.get("staff-prompt-choose", number=appeal.number),
        choices=[
            ("staff-button-send-answer", StaffButton.SEND),
            ("staff-button-send-question", StaffButton.QUESTION),
            ("staff-button-cancel", StaffButton.DROP),
        ],
    )


async def on_thread_file(
    message: Message,
    state: FSMContext,
    services: Services,
    texts: Texts,
    config: AppConfig,
    staff: StaffMember,
) -> None:
    """A photo or document in an appeal's thread (a scanned letter, the work done): offered
    to be sent to the consumer; a caption starting with "!" keeps it internal."""
    caption = (message.caption or "").strip()
    appeal_id = await appeal_of(message, services)
    if appeal_id is None or caption.startswith("!"):
        return
    appeal = await services.staff_desk.appeal(appeal_id)
    await _offer(
        services,
        texts,
        config,
        message,
        state,
        target=StaffInput.choose_file,
        data={"appeal": appeal_id, "number": appeal.number, "file": message.message_id},
        prompt=texts.get("staff-prompt-file", number=appeal.number),
        choices=[
            ("staff-button-send-file", StaffButton.FILE),
            ("staff-button-cancel", StaffButton.DROP),
        ],
    )


async def _offer(
    services: Services,
    texts: Texts,
    config: AppConfig,
    message: Message,
    state: FSMContext,
    *,
    target: State,
    data: dict[str, Any],
    prompt: str,
    choices: list[tuple[str, StaffButton]],
) -> None:
    """Ask what to do with what a staff member posted: the choice waits in the FSM state."""
    await state.set_state(target)
    await state.set_data(data)
    appeal_id = int(data["appeal"])
    buttons = [
        (texts.plain(key), StaffCb(action=action, appeal=appeal_id)) for key, action in choices
    ]
    staff_reply(services, config, message, prompt, markup=column(buttons))


def build_router() -> Router:
    """After every command: in a state, a text is the step's answer (even one starting with
    "/" that is no command of this bot); outside one, the thread's catch-all."""
    router = Router(name=__name__)
    router.message.register(
        on_input,
        StateFilter(
            StaffInput.question,
            StaffInput.answer,
            StaffInput.extend,
            StaffInput.forward,
            StaffInput.repeat_number,
        ),
        HasText(),
    )
    router.message.register(on_thread_text, HasText())
    router.message.register(on_thread_file, HasFile())
    return router
