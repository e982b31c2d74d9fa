"""Commands about one appeal, in its topic or as a reply to one of its messages: the card's
buttons as words for those who type (/take, /assign, /ask text, /answer text, /extend days
reason, /forward where, /reject, /close, /card)."""

from __future__ import annotations

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from app.services import Services
from core.config import AppConfig
from core.texts import Texts
from domain.staff import StaffAction, StaffMember, check_allowed
from handlers.filters import Cmd
from handlers.staff.pickers import offer_executors, offer_grounds
from handlers.staff.profile import needs_profile, start_profile
from handlers.staff.replies import appeal_of, post, staff_reply
from handlers.staff.states import PROMPTS
from handlers.staff.thread import expect_text, on_input, prompt_for
from notifier.staff_render import StaffButton

APPEAL_COMMANDS = (
    "take",
    "assign",
    "ask",
    "answer",
    "extend",
    "forward",
    "reject",
    "close",
    "card",
)


async def _this_appeal(
    message: Message, services: Services, texts: Texts, config: AppConfig
) -> tuple[int, str] | None:
    """The id and number of the appeal the command is about; without one, the person is told
    where to write it."""
    appeal_id = await appeal_of(message, services)
    if appeal_id is None:
        staff_reply(services, config, message, texts.get("staff-no-appeal"))
        return None
    appeal = await services.staff_desk.appeal(appeal_id)
    return appeal_id, appeal.number


async def cmd_take(
    message: Message, services: Services, texts: Texts, config: AppConfig, staff: StaffMember
) -> None:
    if (this := await _this_appeal(message, services, texts, config)) is not None:
        await services.staff_desk.take(staff, this[0])


async def cmd_close(
    message: Message, services: Services, texts: Texts, config: AppConfig, staff: StaffMember
) -> None:
    if (this := await _this_appeal(message, services, texts, config)) is not None:
        await services.staff_desk.close(staff, this[0])


async def cmd_card(message: Message, services: Services, texts: Texts, config: AppConfig) -> None:
    """The card posted again, up to date (a card scrolled far away, or one deleted)."""
    if (this := await _this_appeal(message, services, texts, config)) is not None:
        notices = services.notices
        assert notices is not None
        notices.staff(this[0], "edit", urgent=True)


async def cmd_assign(
    message: Message, services: Services, texts: Texts, config: AppConfig, staff: StaffMember
) -> None:
    if (this := await _this_appeal(message, services, texts, config)) is not None:
        check_allowed(staff.role, StaffAction.ASSIGN)
        await offer_executors(services, texts, *this, None)


async def cmd_reject(
    message: Message, services: Services, texts: Texts, config: AppConfig
) -> None:
    if (this := await _this_appeal(message, services, texts, config)) is not None:
        offer_grounds(services, texts, *this)


async def cmd_with_text(
    message: Message,
    state: FSMContext,
    services: Services,
    texts: Texts,
    config: AppConfig,
    staff: StaffMember,
) -> None:
    """/ask text, /answer text, /extend days reason, /forward where: the text in the command,
    or asked for as the next message."""
    assert message.text is not None
    head, _, rest = message.text.partition(" ")
    command = head[1:].split("@", 1)[0].lower()
    rest = rest.strip()
    if (this := await _this_appeal(message, services, texts, config)) is None:
        return
    appeal_id, number = this
    if command == StaffButton.ANSWER and needs_profile(staff):
        # The profile first (handlers/staff/profile.py), then the answer: its prompt, or the
        # preview of the text given with the command.
        await start_profile(
            services,
            texts,
            state,
            staff,
            message.from_user,
            appeal_id=appeal_id,
            number=number,
            answer_text=rest or None,
        )
        return
    appeal = await services.staff_desk.appeal(appeal_id)
    prompt = await prompt_for(services, texts, config, staff, command, appeal)
    await expect_text(state, command, appeal_id, number)
    if not rest:
        post(services, appeal_id, prompt)
        return
    message_with_rest = message.model_copy(update={"text": rest})
    await on_input(message_with_rest, state, services, texts, config, staff)


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_take, Cmd("take"))
    router.message.register(cmd_assign, Cmd("assign"))
    router.message.register(cmd_with_text, Cmd(*PROMPTS))
    router.message.register(cmd_reject, Cmd("reject"))
    router.message.register(cmd_close, Cmd("close"))
    router.message.register(cmd_card, Cmd("card"))
    return router
