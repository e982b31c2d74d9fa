"""The web desk's login links (docs/web.md), sent through the outbox like every message.

/web in the staff chat queues a row of method `web_link` for the person's private chat
holding no secret: the one-time token is made when the row is sent, stored as its SHA-256
(services/web_access.py) and only then put in the message, so the link itself is never
written to the database — not even to the outbox. A repeated send (a crash between the send
and its outcome) makes a second link; the first one simply expires.

Telegram does not let a bot open a private chat: if the person never pressed /start there,
the send is refused (403, or 400 "chat not found") and they are told so in the staff chat."""

from __future__ import annotations

import logging
from typing import Any

from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.methods import SendMessage
from aiogram.types import LinkPreviewOptions, ReplyParameters
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.texts import Texts
from domain.clock import Clock
from notifier.outbox import OutboxCall, register_method
from services.web_access import WebAccess
from storage.uow import UnitOfWork
from storage.web_access import SqlWebLogins

logger = logging.getLogger(__name__)

WEB_LINK_METHOD = "web_link"
register_method(WEB_LINK_METHOD)


def web_link_payload(
    *, staff_chat_id: int, reply_to: int, thread_id: int | None = None
) -> dict[str, Any]:
    """Where to answer in the staff chat: under the /web message."""
    payload: dict[str, Any] = {"staff_chat_id": staff_chat_id, "reply_to": reply_to}
    if thread_id is not None:
        payload["thread_id"] = thread_id
    return payload


class WebLinkChannel:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        clock: Clock,
        texts: Texts,
        base_url: str,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._clock = clock
        self._texts = texts
        self._base_url = base_url.rstrip("/")

    async def _token(self, user_id: int) -> str:
        uow = UnitOfWork(self._sessionmaker, clock=self._clock)
        try:
            token = await WebAccess(logins=SqlWebLogins(uow), clock=self._clock).issue_link(
                user_id
            )
            await uow.commit()
        except BaseException:
            await uow.rollback()
            raise
        return token

    async def __call__(self, call: OutboxCall) -> int | None:
        user_id = call.chat_id
        token = await self._token(user_id)
        try:
            sent = await call.send(
                SendMessage(
                    chat_id=user_id,
                    text=self._texts.get("web-link", address=f"{self._base_url}/login/{token}"),
                    link_preview_options=LinkPreviewOptions(is_disabled=True),
                )
            )
            key = "web-link-sent"
        except (TelegramForbiddenError, TelegramBadRequest) as error:
            # The bot may not write first (403), or the chat is unknown to it (400).
            logger.info("web link: private chat refused (%s)", type(error).__name__)
            sent = None
            key = "web-link-start-first"
        payload = call.payload
        told = await call.send(
            SendMessage(
                chat_id=int(payload["staff_chat_id"]),
                message_thread_id=payload.get("thread_id"),
                text=self._texts.get(key),
                reply_parameters=ReplyParameters(
                    message_id=int(payload["reply_to"]), allow_sending_without_reply=True
                ),
            )
        )
        return (sent or told).message_id
