"""Who may act in the staff chat: members of the chat and listed admins (getChatMember, cached
for a minute); anyone else is refused and audited, and nothing happens. Applied once, on the
staff chat's parent router (handlers/staff/__init__.py), to every staff feature below it."""

from __future__ import annotations

import logging
import time as monotonic_time
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Message, TelegramObject

from app.services import Services
from core.config import AppConfig
from core.texts import Texts
from handlers.staff.replies import staff_reply
from notifier.staff_render import StaffCb

logger = logging.getLogger(__name__)

MEMBER_STATUSES = frozenset({"creator", "administrator", "member", "restricted"})


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
            if services.notices is not None:
                # What this update posts about an appeal answers a staff member: interactive.
                services.notices.staff_waiting = True
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
