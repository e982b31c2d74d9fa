"""The buttons on an appeal's card and on the pickers and offers posted in its thread
(notifier/staff_render.py `StaffCb`): one handler per action. A press is answered with
"done"; a refusal with its text in an alert (handlers/errors.py `DomainErrors`)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery

from app.services import Services
from core.config import AppConfig
from core.texts import Texts
from domain.appeals import repeat_needs_earlier_number
from domain.staff import StaffMember
from handlers.staff.pickers import (
    GROUNDS,
    offer_departments,
    offer_executors,
    offer_grounds,
    preview_answer,
    signature,
)
from handlers.staff.profile import needs_profile, start_profile
from handlers.staff.replies import drop_markup, post
from handlers.staff.states import PROMPTS, StaffInput
from handlers.staff.thread import expect_text, prompt_for
from notifier.staff_render import StaffButton, StaffCb, identity_text
from services.ports import MessageRef
from services.staff_desk import check_ground


async def _done(callback: CallbackQuery, texts: Texts) -> None:
    await callback.answer(texts.get("staff-done"))


async def on_take(
    callback: CallbackQuery,
    callback_data: StaffCb,
    services: Services,
    texts: Texts,
    staff: StaffMember,
) -> None:
    await services.staff_desk.take(staff, callback_data.appeal)
    await _done(callback, texts)


async def on_close(
    callback: CallbackQuery,
    callback_data: StaffCb,
    services: Services,
    texts: Texts,
    staff: StaffMember,
) -> None:
    await services.staff_desk.close(staff, callback_data.appeal)
    await _done(callback, texts)


async def on_task_done(
    callback: CallbackQuery,
    callback_data: StaffCb,
    services: Services,
    texts: Texts,
    staff: StaffMember,
) -> None:
    """An answer by post, phone or e-mail was sent by a person: the task message loses its
    button."""
    await services.staff_desk.task_done(staff, callback_data.value)
    await drop_markup(callback)
    await _done(callback, texts)


async def on_text_action(
    callback: CallbackQuery,
    callback_data: StaffCb,
    state: FSMContext,
    services: Services,
    texts: Texts,
    config: AppConfig,
    staff: StaffMember,
) -> None:
    """Ask, answer, extend, forward: the text is asked for in the thread."""
    action = callback_data.action
    appeal_id = callback_data.appeal
    appeal = await services.staff_desk.appeal(appeal_id)
    if action == StaffButton.ANSWER and needs_profile(staff):
        # The answer is signed with the profile: it is filled first, then the prompt.
        await start_profile(
            services,
            texts,
            state,
            staff,
            callback.from_user,
            appeal_id=appeal_id,
            number=appeal.number,
        )
        await _done(callback, texts)
        return
    prompt = await prompt_for(services, texts, config, staff, action, appeal)
    await expect_text(state, action, appeal_id, appeal.number)
    post(services, appeal_id, prompt)
    await _done(callback, texts)


async def on_assign(
    callback: CallbackQuery,
    callback_data: StaffCb,
    services: Services,
    texts: Texts,
    staff: StaffMember,
) -> None:
    await offer_departments(services, texts, staff, callback_data.appeal)
    await _done(callback, texts)


async def on_department(
    callback: CallbackQuery, callback_data: StaffCb, services: Services, texts: Texts
) -> None:
    """A department picked (0: all): its executors are offered."""
    appeal_id = callback_data.appeal
    appeal = await services.staff_desk.appeal(appeal_id)
    await drop_markup(callback)
    await offer_executors(services, texts, appeal_id, appeal.number, callback_data.value or None)
    await _done(callback, texts)


async def on_executor(
    callback: CallbackQuery,
    callback_data: StaffCb,
    services: Services,
    texts: Texts,
    staff: StaffMember,
) -> None:
    await services.staff_desk.assign(staff, callback_data.appeal, callback_data.value)
    await drop_markup(callback, texts.get("staff-done"))
    await _done(callback, texts)


async def on_reject(
    callback: CallbackQuery, callback_data: StaffCb, services: Services, texts: Texts
) -> None:
    appeal = await services.staff_desk.appeal(callback_data.appeal)
    offer_grounds(services, texts, callback_data.appeal, appeal.number)
    await _done(callback, texts)


async def on_ground(
    callback: CallbackQuery,
    callback_data: StaffCb,
    state: FSMContext,
    services: Services,
    texts: Texts,
    staff: StaffMember,
) -> None:
    """A rejection ground picked. A repeat that screening did not flag needs the earlier
    appeal's number first (domain/appeal_lifecycle.py)."""
    index = callback_data.value
    appeal_id = callback_data.appeal
    if 0 <= index < len(GROUNDS):
        ground = GROUNDS[index]
        check_ground(staff, ground)
        desk = services.staff_desk
        appeal = await desk.appeal(appeal_id)
        if repeat_needs_earlier_number(appeal, ground):
            await state.set_state(StaffInput.repeat_number)
            await state.set_data({"appeal": appeal_id, "number": appeal.number})
            post(services, appeal_id, texts.get("staff-prompt-repeat", number=appeal.number))
        else:
            await desk.reject(staff, appeal_id, ground)
            await drop_markup(callback, texts.get("staff-done"))
    await _done(callback, texts)


async def on_send_answer(
    callback: CallbackQuery,
    state: FSMContext,
    services: Services,
    texts: Texts,
    staff: StaffMember,
) -> None:
    await _send_pending(callback, state, services, texts, staff, as_answer=True)
    await _done(callback, texts)


async def on_send_question(
    callback: CallbackQuery,
    state: FSMContext,
    services: Services,
    texts: Texts,
    staff: StaffMember,
) -> None:
    await _send_pending(callback, state, services, texts, staff, as_answer=False)
    await _done(callback, texts)


async def _send_pending(
    callback: CallbackQuery,
    state: FSMContext,
    services: Services,
    texts: Texts,
    staff: StaffMember,
    *,
    as_answer: bool,
) -> None:
    data = await state.get_data()
    current = await state.get_state()
    text = str(data.get("text") or "")
    appeal_id = int(data.get("appeal") or 0)
    if current not in (StaffInput.confirm_answer.state, StaffInput.choose.state) or not text:
        await drop_markup(callback)
        return
    if as_answer and needs_profile(staff):
        # The profile first (handlers/staff/profile.py), then this text's preview.
        await start_profile(
            services,
            texts,
            state,
            staff,
            callback.from_user,
            appeal_id=appeal_id,
            number=str(data.get("number") or ""),
            answer_text=text,
        )
        await drop_markup(callback)
        return
    if as_answer:
        signed = await signature(services, texts, staff)
        if current == StaffInput.choose.state or data.get("signature") != signed:
            # A reply offered as the final answer, or a preview whose signature has changed
            # since (a new /profile, another signing head): show it as the consumer will see
            # it first, so that what is confirmed is exactly what was previewed.
            await preview_answer(services, texts, staff, state, appeal_id, text)
            await drop_markup(callback)
            return
        await services.staff_desk.answer(staff, appeal_id, text)
    else:
        await services.staff_desk.ask(staff, appeal_id, text)
    await state.clear()
    await drop_markup(callback, texts.get("staff-done"))


async def on_send_file(
    callback: CallbackQuery,
    state: FSMContext,
    services: Services,
    texts: Texts,
    staff: StaffMember,
) -> None:
    """The file offered from the thread goes to the consumer's chat."""
    data = await state.get_data()
    message = callback.message
    if await state.get_state() != StaffInput.choose_file.state or message is None:
        await drop_markup(callback)
    else:
        ref = MessageRef(message.chat.id, int(data["file"]))
        await services.staff_desk.relay_file(staff, int(data["appeal"]), ref)
        await state.clear()
        await drop_markup(callback)
    await _done(callback, texts)


async def on_drop(callback: CallbackQuery, state: FSMContext, texts: Texts) -> None:
    """The pending text or file is not sent."""
    await state.clear()
    await drop_markup(callback, texts.get("staff-cancelled"))
    await _done(callback, texts)


async def on_identity(
    callback: CallbackQuery,
    callback_data: StaffCb,
    services: Services,
    texts: Texts,
    staff: StaffMember,
) -> None:
    """ПП 55 identity data, in an alert only the presser sees (a head or the assignee; the
    look is audited, a refusal told by the staff chat's renderer). Never posted, never
    logged."""
    identity = await services.staff_desk.identity(staff, callback_data.appeal)
    await callback.answer(identity_text(identity, texts), show_alert=True)


def build_router() -> Router:
    router = Router(name=__name__)
    press = router.callback_query.register
    press(on_take, StaffCb.filter(F.action == StaffButton.TAKE))
    press(on_assign, StaffCb.filter(F.action == StaffButton.ASSIGN))
    press(on_text_action, StaffCb.filter(F.action.in_(PROMPTS)))
    press(on_reject, StaffCb.filter(F.action == StaffButton.REJECT))
    press(on_close, StaffCb.filter(F.action == StaffButton.CLOSE))
    press(on_task_done, StaffCb.filter(F.action == StaffButton.TASK))
    press(on_department, StaffCb.filter(F.action == StaffButton.DEPT))
    press(on_executor, StaffCb.filter(F.action == StaffButton.EXEC))
    press(on_ground, StaffCb.filter(F.action == StaffButton.GROUND))
    press(on_send_answer, StaffCb.filter(F.action == StaffButton.SEND))
    press(on_send_question, StaffCb.filter(F.action == StaffButton.QUESTION))
    press(on_send_file, StaffCb.filter(F.action == StaffButton.FILE))
    press(on_drop, StaffCb.filter(F.action == StaffButton.DROP))
    press(on_identity, StaffCb.filter(F.action == StaffButton.IDENTITY))
    return router
