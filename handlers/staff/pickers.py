"""What the bot posts in an appeal's thread for a staff member to choose from: a rejection
ground, a department and an executor, the answer's preview with its signature. Each is offered
both by a card button and by a command in the thread."""

from __future__ import annotations

from aiogram.fsm.context import FSMContext

from app.services import Services
from core.texts import Texts
from domain.appeals import RejectionGround
from domain.staff import StaffAction, StaffMember, check_allowed
from handlers.staff.replies import column, post
from handlers.staff.states import StaffInput
from notifier.staff_render import StaffButton, StaffCb, signature_text

# A ground button carries the ground's position here (notifier/staff_render.py StaffCb).
GROUNDS = tuple(RejectionGround)


def offer_grounds(services: Services, texts: Texts, appeal_id: int, number: str) -> None:
    buttons = [
        (
            texts.plain(f"staff-ground-{ground.value}"),
            StaffCb(action=StaffButton.GROUND, appeal=appeal_id, value=index),
        )
        for index, ground in enumerate(GROUNDS)
    ]
    post(services, appeal_id, texts.get("staff-pick-ground", number=number), column(buttons))


async def offer_departments(
    services: Services, texts: Texts, staff: StaffMember, appeal_id: int
) -> None:
    """§15.3: the head picks a department, then an executor in it (none: everyone at once)."""
    check_allowed(staff.role, StaffAction.ASSIGN)
    desk = services.staff_desk
    appeal = await desk.appeal(appeal_id)
    departments = await desk.departments()
    if not departments:
        await offer_executors(services, texts, appeal_id, appeal.number, None)
        return
    buttons = [
        (d.name, StaffCb(action=StaffButton.DEPT, appeal=appeal_id, value=d.id or 0))
        for d in departments
    ]
    buttons.append(
        (
            texts.plain("staff-all-executors"),
            StaffCb(action=StaffButton.DEPT, appeal=appeal_id, value=0),
        )
    )
    post(
        services,
        appeal_id,
        texts.get("staff-pick-department", number=appeal.number),
        column(buttons),
    )


async def offer_executors(
    services: Services, texts: Texts, appeal_id: int, number: str, department_id: int | None
) -> None:
    members = await services.staff_desk.members(department_id)
    if not members:
        post(services, appeal_id, texts.get("staff-no-executors"))
        return
    buttons = [
        (m.display_name, StaffCb(action=StaffButton.EXEC, appeal=appeal_id, value=m.user_id))
        for m in members
    ]
    post(services, appeal_id, texts.get("staff-pick-executor", number=number), column(buttons))


async def preview_answer(
    services: Services,
    texts: Texts,
    staff: StaffMember,
    state: FSMContext,
    appeal_id: int,
    text: str,
) -> None:
    """The final answer as the consumer will see it, signature included, with a button to
    send it: what is confirmed is exactly what was previewed."""
    sign = await signature(services, texts, staff)
    appeal = await services.staff_desk.appeal(appeal_id)
    await state.set_state(StaffInput.confirm_answer)
    await state.set_data(
        {"appeal": appeal_id, "number": appeal.number, "text": text, "signature": sign}
    )
    buttons = [
        (
            texts.plain("staff-button-send-answer"),
            StaffCb(action=StaffButton.SEND, appeal=appeal_id),
        ),
        (texts.plain("staff-button-cancel"), StaffCb(action=StaffButton.DROP, appeal=appeal_id)),
    ]
    post(
        services,
        appeal_id,
        texts.get("staff-preview-answer", number=appeal.number, answer=text, signature=sign),
        column(buttons),
    )


async def signature(services: Services, texts: Texts, staff: StaffMember) -> str:
    """§15.5: the signature under the answer — the executor's profile and the head of the
    department who signs; a refusal (SignatureIncomplete, SignerMissing) says what is
    missing."""
    return signature_text(await services.staff_desk.signature(staff), texts)
