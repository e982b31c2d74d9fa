"""`reception web [--host H] [--port P]`: the staff web desk (docs/web.md), served by uvicorn
over the bot's own settings and database. It sends nothing to Telegram itself but asks
getChatMember whether a person is still in the staff chat; the bot's process (`reception
run` or the webhook) sends what the desk queues in the outbox."""

from __future__ import annotations

import logging
import secrets
import sys
from typing import Any

from bot.settings import Settings
from core.texts import Texts

logger = logging.getLogger(__name__)


def add_parsers(commands: Any) -> None:
    web = commands.add_parser(
        "web",
        help="serve the staff web desk (loopback by default)",
        description="Serve the staff web desk: the registry, each appeal and the reports in "
        "a browser, on the same database and rules as the staff chat. Staff log in with a "
        "one-time link that /web in the staff chat sends to their private chat; links point "
        "to WEB_BASE_URL. Listens on WEB_HOST:WEB_PORT (127.0.0.1:8080) unless given here; "
        "put a proxy with TLS in front to reach it from elsewhere. Needs BOT_TOKEN (the "
        "staff-chat membership check) and a running bot (it sends what the desk queues).",
    )
    web.add_argument("--host", default=None, help="address to listen on (WEB_HOST)")
    web.add_argument("--port", type=int, default=None, help="port to listen on (WEB_PORT)")


def cmd_web(settings: Settings, texts: Texts, *, host: str | None, port: int | None) -> int:
    if settings.telegram.bot_token is None:
        print(texts.plain("token-missing"), file=sys.stderr)
        return 2
    import asyncio

    return asyncio.run(serve(settings, texts, host=host or settings.web.host, port=port))


async def serve(settings: Settings, texts: Texts, *, host: str, port: int | None) -> int:
    import uvicorn

    from app.services import Services
    from bot.factory import build_app, build_bot
    from handlers.staff.gate import MembershipCache
    from storage.uow import UnitOfWork
    from web.app import create_app
    from web.config import WebDeps

    app = await build_app(settings, texts=texts)
    bot = build_bot(settings)
    membership = MembershipCache(ttl=settings.staff.membership_ttl_seconds)
    chat_id = settings.staff.chat_id

    async def is_member(user_id: int) -> bool:
        if chat_id is None:
            return False  # no staff chat: only the listed admins (ADMIN_IDS) get in
        return await membership.is_member(bot, chat_id, user_id)

    def services(uow: UnitOfWork) -> Services:
        # No per-process caches here: the desk reads what the bot's processes wrote.
        return Services(
            uow,
            clock=app.clock,
            config=app.config,
            content=app.content,
            fsm_storage=app.storage,
            bot_id=bot.id,
        )

    secret = settings.web.secret.get_secret_value() if settings.web.secret else None
    if secret is None:
        logger.warning("WEB_SECRET is not set: sessions end when this process stops")
        secret = secrets.token_hex(32)
    desk = create_app(
        WebDeps(
            sessionmaker=app.sessionmaker,
            clock=app.clock,
            config=app.config,
            secret=secret,
            membership=is_member,
            services=services,
            files=app.files,
        )
    )
    server = uvicorn.Server(
        uvicorn.Config(
            desk,
            host=host,
            port=port or settings.web.port,
            # Our own access log (web/security.py): uvicorn's would write query strings.
            access_log=False,
            log_config=None,
            server_header=False,
        )
    )
    try:
        await server.serve()
    finally:
        await bot.session.close()
        await app.close()
    return 0
