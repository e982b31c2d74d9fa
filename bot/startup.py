"""What `reception run` (and `reception console`) checks before it starts anything: the Bot
API answers getMe for the token, and the database opens and is migrated. Only then do the
scheduler, the outbox sender and polling start.

A fault is a `StartupFault`: the command line prints one line for the operator — what
failed and what to check — and exits with code 2. No traceback, and never the token (it is
part of every Bot API URL, so no error text of the HTTP client is shown either), nor the
database password or the driver's message (a failed migration's message may quote data).
"""

from __future__ import annotations

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramUnauthorizedError,
)
from aiogram.types import User
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from bot.settings import Settings
from storage.engine import create_engine
from storage.migrate import upgrade

# getMe answers in well under a second; a network that swallows packets should not keep
# the operator waiting for aiogram's default of a minute.
API_CHECK_SECONDS = 15


class StartupFault(Exception):
    """Start-up cannot go on. `key` names the text (core/locales/ru/cli.ftl), `values` its
    variables."""

    def __init__(self, key: str, **values: str) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


def shown_database(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


async def check_bot_api(bot: Bot, api_url: str) -> User:
    """The bot as Telegram knows it; a StartupFault if the token is refused (401, 404) or
    the Bot API cannot be reached (refused, DNS, TLS, timeout) or answers with an error."""
    try:
        return await bot.get_me(request_timeout=API_CHECK_SECONDS)
    except (TelegramUnauthorizedError, TelegramNotFound):
        raise StartupFault("startup-token-rejected", api=api_url) from None
    except TelegramNetworkError:
        raise StartupFault("startup-api-unreachable", api=api_url) from None
    except TelegramAPIError as error:
        raise StartupFault("startup-api-error", api=api_url, detail=type(error).__name__) from None


def _error_name(error: BaseException) -> str:
    """The most telling class name: the driver's own error under SQLAlchemy's wrapper
    (asyncpg's InvalidCatalogNameError says more than DBAPIError)."""
    if isinstance(error, DBAPIError) and error.orig is not None:
        inner: BaseException = error.orig
        return type(inner.__cause__ or inner).__name__
    return type(error).__name__


async def prepare_database(settings: Settings) -> None:
    """Open the database and apply the migrations; a StartupFault if that fails (server
    down, refused, no such database or user, a file that cannot be opened)."""
    try:
        engine = create_engine(settings.database.url)
    except OSError as error:  # the folder of a SQLite file cannot be made
        raise StartupFault(
            "startup-database-unreachable",
            database=shown_database(settings.database.url),
            detail=type(error).__name__,
        ) from None
    try:
        await upgrade(engine)
    except (OSError, SQLAlchemyError) as error:
        raise StartupFault(
            "startup-database-unreachable",
            database=shown_database(settings.database.url),
            detail=_error_name(error),
        ) from None
    finally:
        await engine.dispose()
