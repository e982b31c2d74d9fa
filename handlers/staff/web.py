"""/web in the staff chat: a one-time link into the web desk, sent to the person's private
chat through the outbox (notifier/web_links.py). Only staff get here (the chat's gate)."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import Message

from app.services import Services
from core.config import AppConfig
from domain.staff import StaffMember
from handlers.filters import Cmd
from notifier.web_links import WEB_LINK_METHOD, web_link_payload


async def cmd_web(
    message: Message, services: Services, config: AppConfig, staff: StaffMember
) -> None:
    assert config.staff_chat_id is not None  # the staff chat's filter let it through
    thread_id = message.message_thread_id if message.is_topic_message else None
    services.outbox.enqueue(
        chat_id=staff.user_id,
        method=WEB_LINK_METHOD,
        payload=web_link_payload(
            staff_chat_id=config.staff_chat_id, reply_to=message.message_id, thread_id=thread_id
        ),
        urgent=True,
    )


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_web, Cmd("web"))
    return router
