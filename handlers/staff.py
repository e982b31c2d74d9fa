"""The staff chat (SPEC §3): the supergroup `STAFF_CHAT_ID` where every appeal has a card and
a thread. Staff act with the card's buttons or with commands in the thread; a plain reply is
offered to be sent as the final answer or as a question; a message starting with "!" is an
internal note. Only members of the staff chat and listed admins may act (getChatMember,
cached for a minute); anyone else is refused and audited, and nothing happens.

Everything the bot says in the staff chat goes through the outbox (Telegram allows about 20
messages a minute into a group); only the answers to button presses (answerCallbackQuery)
and the edits of a picker a person is using are sent directly.
"""

from __future__ import annotations

import logging
import time as monotonic_time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any, Self

from aiogram import BaseMiddleware, Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Filter, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    TelegramObject,
)
from pydantic import model_validator

from bot.container import AppConfig, Services
from bot.texts import Texts
from dialogs.booking.render import day_text
from dialogs.readings.router import error_text as reading_error_text
from dialogs.readings.router import receipt_text as reading_receipt_text
from domain.appeals import (
    AnswerChannel,
    AppealDraft,
    AppealKind,
    RejectionGround,
    ServiceForm,
    Subject,
    leading_number,
    subjects_for,
)
from domain.booking import Booking, BookingTopic
from domain.contacts import answer_contact, full_name, normalize_ru_phone, validate_email
from domain.errors import DomainError, RoleRequired, TooLong
from domain.limits import (
    ROW_ID_MAX,
    TELEGRAM_ID_MAX,
    Field,
    check_length,
    parse_bounded_int,
)
from domain.readings import ReadingChannel, parse_period
from domain.staff import StaffAction, StaffMember, StaffRole, check_signature, needed_role
from domain.text_limits import fits
from handlers.filters import Cmd, HasText
from handlers.render import error_text, local_time
from notifier.deadlines import DeadlinePolicy, daily_digest
from notifier.exports import EXPORT_METHOD, export_payload
from notifier.outbox import enqueue
from notifier.staff_render import NONE, StaffCb
from services.ports import MessageRef

logger = logging.getLogger(__name__)

MEMBER_STATUSES = frozenset({"creator", "administrator", "member", "restricted"})
GROUNDS = tuple(RejectionGround)
OFFLINE_FORMS = (ServiceForm.PHONE, ServiceForm.POST, ServiceForm.IN_PERSON, ServiceForm.OTHER)
OFFLINE_CHANNELS = (AnswerChannel.POST, AnswerChannel.EMAIL, AnswerChannel.PHONE)
# "/extend 99999 …" is a number, refused by the domain (at most 30 days) with its message;
# a bound keeps it from overflowing the date arithmetic first.
_EXTENSION_DAYS_MAX = 9999


class StaffInput(StatesGroup):
    question = State()
    answer = State()
    confirm_answer = State()
    extend = State()
    forward = State()
    repeat_number = State()
    choose = State()
    choose_file = State()


class StaffRegister(StatesGroup):
    form = State()
    full_name = State()
    channel = State()
    contact = State()
    kind = State()
    subject = State()
    text = State()
    confirm = State()


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
    """A button of /register (typed: bot/callback_fields.py)."""

    field: RegField
    value: str

    @model_validator(mode="after")
    def _value_fits_the_field(self) -> Self:
        if self.value not in _REG_VALUES[self.field]:
            raise ValueError("not a value of this field")
        return self


# Membership ---------------------------------------------------------------------------------


class MembershipCache:
    """getChatMember answers for a short while: a staff chat's members change rarely, and
    every staff action would otherwise cost a Bot API call."""

    def __init__(
        self, ttl: float = 60.0, clock: Callable[[], float] = monotonic_time.monotonic
    ) -> None:
        self._ttl = ttl
        self._clock = clock
        self._known: dict[tuple[int, int], tuple[bool, float]] = {}

    async def is_member(self, bot: Bot, chat_id: int, user_id: int) -> bool:
        now = self._clock()
        cached = self._known.get((chat_id, user_id))
        if cached is not None and cached[1] > now:
            return cached[0]
        try:
            member = await bot.get_chat_member(chat_id=chat_id, user_id=user_id)
            status = getattr(member.status, "value", member.status)
            answer = status in MEMBER_STATUSES and bool(getattr(member, "is_member", True))
        except TelegramAPIError as error:
            logger.warning("getChatMember failed: %s", type(error).__name__)
            return False  # not cached: the next action asks again
        self._known[(chat_id, user_id)] = (answer, now + self._ttl)
        return answer


class HasFile(Filter):
    async def __call__(self, message: Message) -> bool:
        return bool(message.photo or message.document)


class StaffChat(Filter):
    """Updates from the staff chat only."""

    async def __call__(self, event: TelegramObject, config: AppConfig) -> bool:
        chat_id = config.staff_chat_id
        if chat_id is None:
            return False
        if isinstance(event, Message):
            return event.chat.id == chat_id
        if isinstance(event, CallbackQuery):
            return event.message is not None and event.message.chat.id == chat_id
        return False


class StaffGate(BaseMiddleware):
    """Lets staff through with their profile in `staff`; refuses and audits anyone else."""

    def __init__(self, membership: MembershipCache) -> None:
        self._membership = membership

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        config: AppConfig = data["config"]
        services: Services = data["services"]
        user = data.get("event_from_user")
        if user is None or user.is_bot or config.staff_chat_id is None:
            return None
        allowed = user.id in config.admin_ids or await self._membership.is_member(
            data["bot"], config.staff_chat_id, user.id
        )
        if allowed:
            data["staff"] = await services.staff_desk.member(user.id)
            return await handler(event, data)
        texts: Texts = data["texts"]
        action, appeal_id = _attempt(event)
        await services.staff_desk.refuse_outsider(user.id, action, appeal_id, "not a member")
        if isinstance(event, CallbackQuery):
            await event.answer(texts.get("staff-only"), show_alert=True)
        elif isinstance(event, Message) and (event.text or "").startswith("/"):
            staff_reply(services, config, event, texts.get("staff-only"))
        return None


def _attempt(event: TelegramObject) -> tuple[str, int | None]:
    if isinstance(event, CallbackQuery) and event.data:
        try:
            data = StaffCb.unpack(event.data)
            return data.action, data.appeal or None
        except (TypeError, ValueError):
            return "callback", None
    if isinstance(event, Message) and event.text:
        return event.text.split(maxsplit=1)[0][:32], None
    return "message", None


# Saying things in the staff chat (through the outbox) ----------------------------------------


def staff_reply(
    services: Services,
    config: AppConfig,
    message: Message,
    text: str,
    *,
    markup: InlineKeyboardMarkup | None = None,
) -> None:
    """A reply to a staff member's message, in the same topic, queued urgently."""
    payload: dict[str, Any] = {"text": text}
    if message.is_topic_message and message.message_thread_id is not None:
        payload["message_thread_id"] = message.message_thread_id
    payload["reply_parameters"] = {
        "message_id": message.message_id,
        "allow_sending_without_reply": True,
    }
    if markup is not None:
        payload["reply_markup"] = markup.model_dump(exclude_none=True)
    enqueue(
        services.uow,
        chat_id=message.chat.id,
        method="send_message",
        payload=payload,
        now=services.clock.now(),
        urgent=True,
    )
    if config.wake_outbox is not None:
        services.uow.after_commit(config.wake_outbox)


def _post(
    services: Services, appeal_id: int, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """A line in the appeal's thread, queued urgently (a staff member is waiting for it)."""
    notices = services.notices
    assert notices is not None
    values: dict[str, Any] = {"text": text}
    if markup is not None:
        values["reply_markup"] = markup.model_dump(exclude_none=True)
    notices.staff(appeal_id, "post", urgent=True, **values)


def _keyboard(rows: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=label, callback_data=data) for label, data in row]
            for row in rows
        ]
    )


async def _appeal_of(message: Message, services: Services) -> int | None:
    topic = message.message_thread_id if message.is_topic_message else None
    replied = message.reply_to_message
    # In a forum topic a message that replies to nothing carries the topic's creation
    # service message: its name starts with the appeal's number (a topic the bot created
    # but never stored, issue 11).
    created = replied.forum_topic_created if replied is not None else None
    by_bot = replied is not None and (replied.from_user is None or replied.from_user.is_bot)
    return await services.threads.appeal_for(
        message.chat.id,
        topic_id=topic,
        reply_to=replied.message_id if replied is not None else None,
        topic_number=leading_number(created.name) if created is not None and by_bot else None,
        at=services.clock.now(),
    )


def _error_text(texts: Texts, error: DomainError) -> str:
    value = getattr(error, "role", None) or getattr(error, "max_days", None) or ""
    return error_text(texts, error, value=str(value), date="")


# Buttons on the card ---------------------------------------------------------------------------

_PROMPTS: dict[str, tuple[State, str]] = {
    "ask": (StaffInput.question, "staff-prompt-ask"),
    "answer": (StaffInput.answer, "staff-prompt-answer"),
    "extend": (StaffInput.extend, "staff-prompt-extend"),
    "forward": (StaffInput.forward, "staff-prompt-forward"),
}


async def on_card_button(
    callback: CallbackQuery,
    callback_data: StaffCb,
    state: FSMContext,
    services: Services,
    texts: Texts,
    config: AppConfig,
    staff: StaffMember,
) -> None:
    desk = services.staff_desk
    action = callback_data.action
    appeal_id = callback_data.appeal
    try:
        if action == "take":
            await desk.take(staff, appeal_id)
        elif action == "close":
            await desk.close(staff, appeal_id)
        elif action == "task":
            await desk.task_done(staff, callback_data.value)
            await _drop_markup(callback)
        elif action in _PROMPTS:
            if action == "extend" and not staff.may(StaffAction.EXTEND):
                raise _role_error(StaffAction.EXTEND)
            appeal = await desk.appeal(appeal_id)
            target, key = _PROMPTS[action]
            await state.set_state(target)
            await state.set_data({"appeal": appeal_id, "number": appeal.number})
            _post(services, appeal_id, texts.get(key, number=appeal.number))
        elif action == "assign":
            await _pick_department(callback, services, texts, staff, appeal_id)
        elif action == "dept":
            await _pick_executor(callback, services, texts, appeal_id, callback_data.value)
        elif action == "exec":
            await desk.assign(staff, appeal_id, callback_data.value)
            await _drop_markup(callback, texts.get("staff-done"))
        elif action == "reject":
            appeal = await desk.appeal(appeal_id)
            rows = [
                [(texts.plain(f"staff-ground-{g.value}"), _cb("ground", appeal_id, i))]
                for i, g in enumerate(GROUNDS)
            ]
            _post(
                services,
                appeal_id,
                texts.get("staff-pick-ground", number=appeal.number),
                _keyboard(rows),
            )
        elif action == "ground":
            await _reject(callback, state, services, texts, staff, appeal_id, callback_data.value)
        elif action == "send":
            await _send_pending(callback, state, services, texts, staff, as_answer=True)
        elif action == "question":
            await _send_pending(callback, state, services, texts, staff, as_answer=False)
        elif action == "file":
            await _send_file(callback, state, services, staff)
        elif action == "drop":
            await state.clear()
            await _drop_markup(callback, texts.get("staff-cancelled"))
        else:
            await callback.answer()
            return
    except DomainError as error:
        await callback.answer(_error_text(texts, error), show_alert=True)
        return
    await callback.answer(texts.get("staff-done"))


def _cb(action: str, appeal_id: int, value: int = 0) -> str:
    return StaffCb(action=action, appeal=appeal_id, value=value).pack()


def _role_error(action: StaffAction) -> DomainError:
    return RoleRequired(needed_role(action).value)


async def _drop_markup(callback: CallbackQuery, text: str | None = None) -> None:
    """The picker or task message was used: its buttons go (a failure changes nothing)."""
    message = callback.message
    if not isinstance(message, Message):
        return
    try:
        marked = f"{message.html_text}\n{text}" if text is not None and message.text else None
        if marked is not None and fits(marked):
            await message.edit_text(marked, reply_markup=None)
        else:  # nothing to add, or a message already as long as Telegram takes
            await message.edit_reply_markup(reply_markup=None)
    except TelegramAPIError as error:
        logger.info("staff picker not edited: %s", type(error).__name__)


async def _pick_department(
    callback: CallbackQuery, services: Services, texts: Texts, staff: StaffMember, appeal_id: int
) -> None:
    if not staff.may(StaffAction.ASSIGN):
        raise _role_error(StaffAction.ASSIGN)
    desk = services.staff_desk
    appeal = await desk.appeal(appeal_id)
    departments = await desk.departments()
    if not departments:
        await _offer_executors(services, texts, appeal_id, appeal.number, None)
        return
    rows = [[(d.name, _cb("dept", appeal_id, d.id or 0))] for d in departments]
    rows.append([(texts.plain("staff-all-executors"), _cb("dept", appeal_id, 0))])
    _post(
        services,
        appeal_id,
        texts.get("staff-pick-department", number=appeal.number),
        _keyboard(rows),
    )


async def _offer_executors(
    services: Services, texts: Texts, appeal_id: int, number: str, department_id: int | None
) -> None:
    members = await services.staff_desk.members(department_id)
    if not members:
        _post(services, appeal_id, texts.get("staff-no-executors"))
        return
    rows = [[(m.display_name, _cb("exec", appeal_id, m.user_id))] for m in members]
    _post(services, appeal_id, texts.get("staff-pick-executor", number=number), _keyboard(rows))


async def _pick_executor(
    callback: CallbackQuery, services: Services, texts: Texts, appeal_id: int, department: int
) -> None:
    appeal = await services.staff_desk.appeal(appeal_id)
    await _drop_markup(callback)
    await _offer_executors(services, texts, appeal_id, appeal.number, department or None)


async def _reject(
    callback: CallbackQuery,
    state: FSMContext,
    services: Services,
    texts: Texts,
    staff: StaffMember,
    appeal_id: int,
    index: int,
) -> None:
    if not 0 <= index < len(GROUNDS):
        return
    ground = GROUNDS[index]
    desk = services.staff_desk
    appeal = await desk.appeal(appeal_id)
    repeat = RejectionGround.REPEAT_WITHOUT_NEW_ARGUMENTS
    flagged = any(f.kind.value == "repeat" for f in appeal.flags)
    if ground is repeat and not flagged:
        await state.set_state(StaffInput.repeat_number)
        await state.set_data({"appeal": appeal_id, "number": appeal.number})
        _post(services, appeal_id, texts.get("staff-prompt-repeat", number=appeal.number))
        return
    await desk.reject(staff, appeal_id, ground)
    await _drop_markup(callback, texts.get("staff-done"))


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
        await _drop_markup(callback)
        return
    if as_answer:
        if current == StaffInput.choose.state or data.get("signature") != _signature(texts, staff):
            # A reply offered as the final answer, or a preview whose signature has changed
            # since (a new /profile): show it as the consumer will see it first, so that what
            # is confirmed is exactly what was previewed.
            await _preview(services, texts, staff, state, appeal_id, text)
            await _drop_markup(callback)
            return
        await services.staff_desk.answer(staff, appeal_id, text)
    else:
        await services.staff_desk.ask(staff, appeal_id, text)
    await state.clear()
    await _drop_markup(callback, texts.get("staff-done"))


async def _preview(
    services: Services,
    texts: Texts,
    staff: StaffMember,
    state: FSMContext,
    appeal_id: int,
    text: str,
) -> None:
    check_signature(staff)
    appeal = await services.staff_desk.appeal(appeal_id)
    sign = _signature(texts, staff)
    await state.set_state(StaffInput.confirm_answer)
    await state.set_data(
        {"appeal": appeal_id, "number": appeal.number, "text": text, "signature": sign}
    )
    rows = [
        [(texts.plain("staff-button-send-answer"), _cb("send", appeal_id))],
        [(texts.plain("staff-button-cancel"), _cb("drop", appeal_id))],
    ]
    _post(
        services,
        appeal_id,
        texts.get("staff-preview-answer", number=appeal.number, answer=text, signature=sign),
        _keyboard(rows),
    )


def _signature(texts: Texts, staff: StaffMember) -> str:
    """§15.5: the signature under the answer, from the staff member's profile."""
    return texts.get(
        "answer-signature",
        name=staff.full_name,
        position=staff.position or NONE,
        phone=staff.phone,
        email=staff.email or NONE,
    )


# Typed input ---------------------------------------------------------------------------------


async def on_input(
    message: Message,
    state: FSMContext,
    services: Services,
    texts: Texts,
    config: AppConfig,
    staff: StaffMember,
) -> None:
    """The text a staff member was asked for (question, answer, extension, addressee)."""
    current = await state.get_state()
    data = await state.get_data()
    appeal_id = int(data["appeal"])
    text = (message.text or "").strip()
    desk = services.staff_desk
    try:
        if current == StaffInput.question.state:
            await desk.ask(staff, appeal_id, text)
        elif current == StaffInput.answer.state:
            await _preview(services, texts, staff, state, appeal_id, text)
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
    except DomainError as error:
        # The step stays: the person corrects and sends again, or /cancel.
        staff_reply(services, config, message, _error_text(texts, error))
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
    appeal_id = await _appeal_of(message, services)
    if appeal_id is None:
        return  # staff talking among themselves
    try:
        if text.startswith("!"):
            await services.staff_desk.note(staff, appeal_id, text[1:])
            return
        appeal = await services.staff_desk.appeal(appeal_id)
    except DomainError as error:
        staff_reply(services, config, message, _error_text(texts, error))
        return
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
            ("staff-button-send-answer", "send"),
            ("staff-button-send-question", "question"),
            ("staff-button-cancel", "drop"),
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
    choices: list[tuple[str, str]],
) -> None:
    """Ask what to do with what a staff member posted: the choice waits in the FSM state."""
    await state.set_state(target)
    await state.set_data(data)
    rows = [[(texts.plain(key), _cb(action, int(data["appeal"])))] for key, action in choices]
    staff_reply(services, config, message, prompt, markup=_keyboard(rows))


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
    appeal_id = await _appeal_of(message, services)
    if appeal_id is None or caption.startswith("!"):
        return
    try:
        appeal = await services.staff_desk.appeal(appeal_id)
    except DomainError as error:
        staff_reply(services, config, message, _error_text(texts, error))
        return
    await _offer(
        services,
        texts,
        config,
        message,
        state,
        target=StaffInput.choose_file,
        data={"appeal": appeal_id, "number": appeal.number, "file": message.message_id},
        prompt=texts.get("staff-prompt-file", number=appeal.number),
        choices=[("staff-button-send-file", "file"), ("staff-button-cancel", "drop")],
    )


async def _send_file(
    callback: CallbackQuery, state: FSMContext, services: Services, staff: StaffMember
) -> None:
    data = await state.get_data()
    message = callback.message
    if await state.get_state() != StaffInput.choose_file.state or message is None:
        await _drop_markup(callback)
        return
    ref = MessageRef(message.chat.id, int(data["file"]))
    await services.staff_desk.relay_file(staff, int(data["appeal"]), ref)
    await state.clear()
    await _drop_markup(callback)


# Commands in a thread ----------------------------------------------------------------------


async def on_appeal_command(
    message: Message,
    state: FSMContext,
    services: Services,
    texts: Texts,
    config: AppConfig,
    staff: StaffMember,
) -> None:
    """/take, /assign, /ask text, /answer text, /extend days reason, /forward where, /reject,
    /close, /card — in the appeal's topic or as a reply to one of its messages."""
    assert message.text is not None
    head, _, rest = message.text.partition(" ")
    command = head[1:].split("@", 1)[0].lower()
    rest = rest.strip()
    appeal_id = await _appeal_of(message, services)
    if appeal_id is None:
        staff_reply(services, config, message, texts.get("staff-no-appeal"))
        return
    desk = services.staff_desk
    try:
        appeal = await desk.appeal(appeal_id)
        number = appeal.number
        if command == "take":
            await desk.take(staff, appeal_id)
        elif command == "close":
            await desk.close(staff, appeal_id)
        elif command == "card":
            notices = services.notices
            assert notices is not None
            notices.staff(appeal_id, "edit", urgent=True)
        elif command == "assign":
            if not staff.may(StaffAction.ASSIGN):
                raise _role_error(StaffAction.ASSIGN)
            await _offer_executors(services, texts, appeal_id, number, None)
        elif command == "reject":
            rows = [
                [(texts.plain(f"staff-ground-{g.value}"), _cb("ground", appeal_id, i))]
                for i, g in enumerate(GROUNDS)
            ]
            _post(
                services, appeal_id, texts.get("staff-pick-ground", number=number), _keyboard(rows)
            )
        elif command in ("ask", "answer", "extend", "forward"):
            target, key = _PROMPTS[command]
            if command == "extend" and not staff.may(StaffAction.EXTEND):
                raise _role_error(StaffAction.EXTEND)
            await state.set_state(target)
            await state.set_data({"appeal": appeal_id, "number": number})
            if not rest:
                _post(services, appeal_id, texts.get(key, number=number))
                return
            message_with_rest = message.model_copy(update={"text": rest})
            await on_input(message_with_rest, state, services, texts, config, staff)
            return
    except DomainError as error:
        staff_reply(services, config, message, _error_text(texts, error))


# Settings commands ---------------------------------------------------------------------------


def _role_name(texts: Texts, role: StaffRole) -> str:
    return texts.plain(f"staff-role-{role.value}")


async def cmd_help(message: Message, services: Services, texts: Texts, config: AppConfig) -> None:
    staff_reply(services, config, message, texts.get("staff-help"))


async def cmd_cancel(
    message: Message, state: FSMContext, services: Services, texts: Texts, config: AppConfig
) -> None:
    await state.clear()
    staff_reply(services, config, message, texts.get("staff-cancelled"))


async def cmd_profile(
    message: Message, services: Services, texts: Texts, config: AppConfig, staff: StaffMember
) -> None:
    assert message.text is not None
    _, _, rest = message.text.partition(" ")
    parts = [part.strip() for part in rest.split(";")]
    if len(parts) < 3 or not parts[0] or not parts[2]:
        staff_reply(services, config, message, texts.get("staff-profile-usage"))
        return
    try:
        phone = normalize_ru_phone(parts[2])
        email = validate_email(parts[3]) if len(parts) > 3 and parts[3] else ""
        saved = await services.staff_desk.save_profile(
            staff,
            replace(staff, full_name=parts[0], position=parts[1], phone=phone, email=email),
        )
    except DomainError as error:
        staff_reply(services, config, message, _error_text(texts, error))
        return
    staff_reply(
        services,
        config,
        message,
        texts.get(
            "staff-profile-saved",
            name=saved.full_name,
            position=saved.position,
            phone=saved.phone,
            email=saved.email or NONE,
        ),
    )


async def cmd_staff(message: Message, services: Services, texts: Texts, config: AppConfig) -> None:
    desk = services.staff_desk
    members = await desk.members()
    if not members:
        staff_reply(services, config, message, texts.get("staff-list-empty"))
        return
    names = {d.id: d.name for d in await desk.departments()}
    lines = [texts.get("staff-list-title")]
    for member in members:
        lines.append(
            texts.get(
                "staff-list-item",
                user_id=str(member.user_id),
                name=member.display_name,
                role=_role_name(texts, member.role),
                department=names.get(member.department_id, NONE),
            )
        )
    staff_reply(services, config, message, "\n".join(lines))


async def cmd_departments(
    message: Message, services: Services, texts: Texts, config: AppConfig
) -> None:
    departments = await services.staff_desk.departments()
    if not departments:
        staff_reply(services, config, message, texts.get("staff-no-departments"))
        return
    lines = [texts.get("staff-departments-title")]
    lines += [texts.get("staff-department-item", id=d.id or 0, name=d.name) for d in departments]
    staff_reply(services, config, message, "\n".join(lines))


async def cmd_department(
    message: Message, services: Services, texts: Texts, config: AppConfig, staff: StaffMember
) -> None:
    assert message.text is not None
    _, _, name = message.text.partition(" ")
    try:
        department = await services.staff_desk.add_department(staff, name)
    except DomainError as error:
        staff_reply(services, config, message, _error_text(texts, error))
        return
    staff_reply(
        services,
        config,
        message,
        texts.get("staff-department-added", id=department.id or 0, name=department.name),
    )


async def cmd_setrole(
    message: Message, services: Services, texts: Texts, config: AppConfig, staff: StaffMember
) -> None:
    assert message.text is not None
    parts = message.text.split()
    user_id = _user_id(parts[1]) if len(parts) == 3 else None
    if user_id is None or parts[2] not in {r.value for r in StaffRole}:
        staff_reply(services, config, message, texts.get("staff-setrole-usage"))
        return
    await _change_member(
        message, services, texts, config, staff, user_id, role=StaffRole(parts[2])
    )


async def cmd_setdept(
    message: Message, services: Services, texts: Texts, config: AppConfig, staff: StaffMember
) -> None:
    assert message.text is not None
    parts = message.text.split()
    user_id = _user_id(parts[1]) if len(parts) == 3 else None
    department_id = (
        parse_bounded_int(parts[2], low=1, high=ROW_ID_MAX) if len(parts) == 3 else None
    )
    if user_id is None or department_id is None:
        staff_reply(services, config, message, texts.get("staff-setdept-usage"))
        return
    await _change_member(
        message, services, texts, config, staff, user_id, department_id=department_id
    )


def _user_id(raw: str) -> int | None:
    return parse_bounded_int(raw, low=1, high=TELEGRAM_ID_MAX)


async def _change_member(
    message: Message,
    services: Services,
    texts: Texts,
    config: AppConfig,
    staff: StaffMember,
    user_id: int,
    **changes: Any,
) -> None:
    desk = services.staff_desk
    try:
        if not staff.may(StaffAction.SETTINGS):
            raise _role_error(StaffAction.SETTINGS)
        target = await desk.member(user_id)
        await desk.save_profile(staff, replace(target, **changes))
    except DomainError as error:
        staff_reply(services, config, message, _error_text(texts, error))
        return
    staff_reply(services, config, message, texts.get("staff-done"))


async def cmd_digest(
    message: Message, services: Services, texts: Texts, config: AppConfig
) -> None:
    """The deadline digest now, on request (the scheduled one comes daily at its hour)."""
    policy = DeadlinePolicy(
        zone=config.zone, calendar=config.calendar, staff_chat_id=message.chat.id
    )
    await daily_digest(
        services.uow, texts=texts, policy=policy, now=services.clock.now(), once=False
    )
    if config.wake_outbox is not None:
        services.uow.after_commit(config.wake_outbox)


# Readings and bookings (SPEC §5, §6) ------------------------------------------------------


async def cmd_readings_file(
    message: Message, services: Services, texts: Texts, config: AppConfig
) -> None:
    """/readings 2026-11: the month's readings for billing, as the CLI export writes them."""
    assert message.text is not None
    _, _, period = message.text.partition(" ")
    period = period.strip() or services.clock.now().astimezone(config.zone).strftime("%Y-%m")
    try:
        parse_period(period)
    except DomainError as error:
        staff_reply(services, config, message, _error_text(texts, error))
        return
    thread = message.message_thread_id if message.is_topic_message else None
    enqueue(
        services.uow,
        chat_id=message.chat.id,
        method=EXPORT_METHOD,
        payload=export_payload("readings", period, reply_to=message.message_id, thread_id=thread),
        now=services.clock.now(),
        urgent=True,
    )
    if config.wake_outbox is not None:
        services.uow.after_commit(config.wake_outbox)


_STAFF_READING_CHANNELS = {"phone": ReadingChannel.PHONE, "in_person": ReadingChannel.IN_PERSON}


async def cmd_reading(
    message: Message, services: Services, texts: Texts, config: AppConfig, staff: StaffMember
) -> None:
    """/reading ACCOUNT SERIAL T1 [T2 [T3]] [phone|in_person] [rollover] [confirm]: a reading
    given by phone or at the office (§10.5), checked like one sent in the bot."""
    assert message.text is not None
    words = message.text.split()[1:]
    flags = {
        w.lower() for w in words if w.lower() in {"rollover", "confirm", *_STAFF_READING_CHANNELS}
    }
    rest = [w for w in words if w.lower() not in flags]
    if len(rest) < 3:
        staff_reply(services, config, message, texts.get("staff-reading-usage"))
        return
    account, serial, *values = rest
    channel = ReadingChannel.IN_PERSON if "in_person" in flags else ReadingChannel.PHONE
    zones = {index + 1: raw for index, raw in enumerate(values)}
    try:
        receipt = await services.readings.register_by_staff(
            account,
            serial,
            zones,
            channel=channel,
            staff_id=staff.user_id,
            rollover=tuple(zones) if "rollover" in flags else (),
            confirm_implausible="confirm" in flags,
        )
    except DomainError as error:
        staff_reply(services, config, message, reading_error_text(texts, error, zones=len(zones)))
        return
    staff_reply(
        services, config, message, reading_receipt_text(texts, receipt, len(zones), config)
    )


async def cmd_day(message: Message, services: Services, texts: Texts, config: AppConfig) -> None:
    """/today, /day 2026-12-03: who comes to the office that day."""
    assert message.text is not None
    _, _, argument = message.text.partition(" ")
    day = services.clock.now().astimezone(config.zone).date()
    if argument.strip():
        try:
            day = date.fromisoformat(argument.strip())
        except ValueError:
            staff_reply(services, config, message, texts.get("staff-day-usage"))
            return
    bookings = await services.booking.day(day)
    staff_reply(services, config, message, day_text(texts, day, bookings, config.zone))


async def cmd_book(
    message: Message, services: Services, texts: Texts, config: AppConfig, staff: StaffMember
) -> None:
    """/book 2026-12-03 10:00 metering Иванова Мария; +7 920 000-00-01 — a caller booked by
    staff (§14.13), by the same rules as in the bot."""
    assert message.text is not None
    parts = message.text.split(maxsplit=4)
    if len(parts) < 5 or ";" not in parts[4]:
        staff_reply(services, config, message, texts.get("staff-book-usage"))
        return
    _, day_text_raw, time_raw, topic_raw, person = parts
    name, _, phone = person.partition(";")
    try:
        starts_at = datetime.combine(
            date.fromisoformat(day_text_raw), time.fromisoformat(time_raw), tzinfo=config.zone
        )
        topic = BookingTopic(topic_raw.lower())
    except ValueError:
        staff_reply(services, config, message, texts.get("staff-book-usage"))
        return
    try:
        booking = await services.booking.book_for_caller(
            staff_id=staff.user_id,
            full_name=name.strip(),
            phone=phone.strip(),
            topic=topic,
            starts_at=starts_at,
        )
    except DomainError as error:
        staff_reply(services, config, message, error_text(texts, error, value="", date=""))
        return
    _say_booking(services, texts, config, message, "staff-booked", booking)


def _say_booking(
    services: Services,
    texts: Texts,
    config: AppConfig,
    message: Message,
    key: str,
    booking: Booking,
) -> None:
    when = local_time(booking.starts_at, config.zone)
    staff_reply(services, config, message, texts.get(key, number=booking.number or "", when=when))


async def cmd_unbook(
    message: Message, services: Services, texts: Texts, config: AppConfig
) -> None:
    """/unbook З-2026-000045: a visit cancelled by staff; the person is told if they booked in
    the bot."""
    assert message.text is not None
    _, _, number = message.text.partition(" ")
    if not number.strip():
        staff_reply(services, config, message, texts.get("staff-unbook-usage"))
        return
    try:
        booking = await services.booking.cancel_by_staff(number)
    except DomainError as error:
        staff_reply(services, config, message, texts.get(error.text_key, value="", date=""))
        return
    _say_booking(services, texts, config, message, "staff-unbooked", booking)


# Registering an appeal received by phone, post or in person ------------------------------


def _reg_keyboard(field: str, options: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    return _keyboard(
        [[(label, RegCb(field=field, value=value).pack())] for label, value in options]
    )


def _pick(
    services: Services,
    config: AppConfig,
    message: Message,
    text: str,
    field: str,
    options: list[tuple[str, str]],
) -> None:
    """A step of the registration dialog answered with a button."""
    staff_reply(services, config, message, text, markup=_reg_keyboard(field, options))


async def cmd_register(
    message: Message,
    state: FSMContext,
    services: Services,
    texts: Texts,
    config: AppConfig,
    staff: StaffMember,
) -> None:
    await state.set_state(StaffRegister.form)
    await state.set_data({})
    options = [(texts.plain(f"staff-form-{f.value}").capitalize(), f.value) for f in OFFLINE_FORMS]
    _pick(services, config, message, texts.get("staff-register-form"), "form", options)


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
    expected = {
        "form": StaffRegister.form.state,
        "channel": StaffRegister.channel.state,
        "kind": StaffRegister.kind.state,
        "subject": StaffRegister.subject.state,
        "save": StaffRegister.confirm.state,
    }
    if expected.get(field) != current or (
        field is RegField.SUBJECT
        and Subject(value) not in subjects_for(AppealKind((await state.get_data())["kind"]))
    ):
        await callback.answer(texts.get("staff-cancelled"))
        return
    await _drop_markup(callback)
    if field == "save":
        await _register_save(callback, state, services, texts, config, staff, message)
        return
    await state.update_data({field: value})
    if field == "form":
        await state.set_state(StaffRegister.full_name)
        staff_reply(services, config, message, texts.get("staff-register-name"))
    elif field == "channel":
        await state.set_state(StaffRegister.contact)
        staff_reply(services, config, message, texts.get(f"staff-register-contact-{value}"))
    elif field == "kind":
        await state.set_state(StaffRegister.subject)
        options = [
            (texts.plain(f"appeal-subject-{s.value}"), s.value)
            for s in subjects_for(AppealKind(value))
        ]
        _pick(services, config, message, texts.get("staff-register-subject"), "subject", options)
    elif field == "subject":
        await state.set_state(StaffRegister.text)
        staff_reply(services, config, message, texts.get("staff-register-text"))
    await callback.answer()


async def on_register_text(
    message: Message, state: FSMContext, services: Services, texts: Texts, config: AppConfig
) -> None:
    current = await state.get_state()
    text = (message.text or "").strip()
    data = await state.get_data()
    if current == StaffRegister.full_name.state:
        try:
            text = full_name(text)
        except DomainError as error:
            staff_reply(services, config, message, _error_text(texts, error))
            return
        await state.update_data(full_name=text)
        await state.set_state(StaffRegister.channel)
        options = [(texts.plain(f"appeal-channel-{c.value}"), c.value) for c in OFFLINE_CHANNELS]
        _pick(services, config, message, texts.get("staff-register-channel"), "channel", options)
    elif current == StaffRegister.contact.state:
        try:
            text = answer_contact(AnswerChannel(data["channel"]), text)
        except DomainError as error:
            staff_reply(services, config, message, _error_text(texts, error))
            return
        await state.update_data(contact=text)
        await state.set_state(StaffRegister.kind)
        options = [(texts.plain(f"appeal-kind-{k.value}"), k.value) for k in AppealKind]
        _pick(services, config, message, texts.get("staff-register-kind"), "kind", options)
    elif current == StaffRegister.text.state:
        await state.update_data(text=text)
        data = await state.get_data()
        summary = texts.get(
            "staff-register-confirm",
            form=texts.plain(f"staff-form-{data['form']}"),
            name=data["full_name"],
            channel=texts.plain(f"appeal-channel-{data['channel']}").lower(),
            contact=data["contact"],
            kind=texts.plain(f"appeal-kind-{data['kind']}"),
            subject=texts.plain(f"appeal-subject-{data['subject']}"),
            text=text,
        )
        await state.set_state(StaffRegister.confirm)
        _pick(
            services,
            config,
            message,
            summary,
            "save",
            [(texts.plain("staff-register-save"), "yes")],
        )


def _fits(
    services: Services, config: AppConfig, message: Message, texts: Texts, field: Field, value: str
) -> bool:
    """Whether `value` fits its field; if not the limit is said and the step stays."""
    try:
        check_length(field, value)
    except TooLong as error:
        staff_reply(services, config, message, error_text(texts, error))
        return False
    return True


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
    )
    try:
        appeal = await services.staff_desk.register(staff, draft)
    except DomainError as error:
        # Nothing is lost: the dialog stays at the summary; the text can be sent again.
        await state.set_state(StaffRegister.text)
        await callback.answer(_error_text(texts, error), show_alert=True)
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


# The router --------------------------------------------------------------------------------

_APPEAL_COMMANDS = (
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
# The staff chat's command menu (set with BotCommandScopeChat at start).
STAFF_COMMANDS = (
    *_APPEAL_COMMANDS,
    "register",
    "digest",
    "readings",
    "reading",
    "today",
    "day",
    "book",
    "unbook",
    "profile",
    "staff",
    "import",
    "notify",
    "notices",
    "notice",
    "outages",
    "outage_close",
    "help",
    "cancel",
)


def build_router(membership: MembershipCache | None = None) -> Router:
    router = Router(name="staff")
    router.message.filter(StaffChat())
    router.callback_query.filter(StaffChat())
    gate = StaffGate(membership or MembershipCache())
    router.message.middleware(gate)
    router.callback_query.middleware(gate)

    router.message.register(cmd_cancel, Cmd("cancel"))
    router.message.register(cmd_help, Cmd("help", "start"))
    router.message.register(cmd_profile, Cmd("profile"))
    router.message.register(cmd_staff, Cmd("staff"))
    router.message.register(cmd_departments, Cmd("departments"))
    router.message.register(cmd_department, Cmd("department"))
    router.message.register(cmd_setrole, Cmd("setrole"))
    router.message.register(cmd_setdept, Cmd("setdept"))
    router.message.register(cmd_register, Cmd("register"))
    router.message.register(cmd_digest, Cmd("digest"))
    router.message.register(cmd_readings_file, Cmd("readings"))
    router.message.register(cmd_reading, Cmd("reading"))
    router.message.register(cmd_day, Cmd("today", "day"))
    router.message.register(cmd_book, Cmd("book"))
    router.message.register(cmd_unbook, Cmd("unbook"))
    router.message.register(on_appeal_command, Cmd(*_APPEAL_COMMANDS))
    router.message.register(
        on_register_text,
        StateFilter(StaffRegister.full_name, StaffRegister.contact, StaffRegister.text),
        HasText(),
    )
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
    router.callback_query.register(on_card_button, StaffCb.filter())
    router.callback_query.register(on_register_button, RegCb.filter())
    return router
