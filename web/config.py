"""What the web desk is built from, handed in once at start by the composition root
(bot/cli_web.py; the tests' tests/web/conftest.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.services import Services
from core.config import AppConfig
from domain.clock import Clock
from services.files_ports import FileStore
from storage.uow import UnitOfWork

# Whether a Telegram user is (still) a member of the staff chat: the bot's getChatMember
# check with its short cache (handlers/staff/gate.py), handed in by the composition root.
Membership = Callable[[int], Awaitable[bool]]


@dataclass(frozen=True, kw_only=True)
class WebDeps:
    sessionmaker: async_sessionmaker[AsyncSession]
    clock: Clock
    config: AppConfig
    # Signs the session cookie and derives the CSRF tokens: the same in every process
    # serving the desk (WEB_SECRET; a random one per start when unset).
    secret: str
    membership: Membership
    # The per-request wiring of the use cases over a unit of work, built as the bot builds
    # it for an update (bot/middlewares.py): the same Services, so the same rules.
    services: Callable[[UnitOfWork], Services]
    # The company's file store: attachments are read from it, never from Telegram.
    files: FileStore | None = None

    @property
    def secure_cookie(self) -> bool:
        """The cookie travels over HTTPS only when the desk is served over HTTPS."""
        return self.config.web_base_url.startswith("https://")
