"""The in-process Telegram of the hostile run, and a log of what went wrong.

`ChaosSession` is the handler tests' `RecordingSession` (a supergroup with members and
topics, files served by getFile) that also refuses like Telegram: every call goes through the
suite's one checker (telegram_limits.py) and a call that breaks a limit is answered with the
400 Telegram gives (`TelegramBadRequest`), so the bot meets the consequences it would meet in
production; getFile of a file nobody sent is "invalid file_id", not a test failure. Every
call, accepted or refused, is kept in `attempts`.

`ErrorLog` is a logging handler that keeps every record at ERROR or above, whoever logs it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import AnswerCallbackQuery, GetFile, TelegramMethod

from tests.chaos.telegram_limits import Breach, check_method
from tests.fakes import RecordingSession

# Calls that put something in front of a person (a reply); chat actions and markup-only
# edits do not.
REPLY_METHODS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendVoice",
        "sendVideo",
        "sendAudio",
        "sendAnimation",
        "copyMessage",
        "editMessageText",
        "editMessageCaption",
    }
)


@dataclass(frozen=True, slots=True)
class Attempt:
    """One Bot API call the bot made: accepted (`ok`) or refused, and why."""

    method: str
    chat_id: int | None
    call: TelegramMethod[Any]
    breaches: tuple[Breach, ...]
    ok: bool
    result: Any = None

    @property
    def is_reply(self) -> bool:
        return self.ok and self.method in REPLY_METHODS

    def answers_callback(self, callback_query_id: str) -> bool:
        return (
            self.ok
            and isinstance(self.call, AnswerCallbackQuery)
            and self.call.callback_query_id == callback_query_id
        )


def _chat_of(method: TelegramMethod[Any]) -> int | None:
    chat_id = getattr(method, "chat_id", None)
    if isinstance(chat_id, int):
        return chat_id
    if isinstance(chat_id, str) and chat_id.lstrip("-").isdigit():
        return int(chat_id)
    return None


class ChaosSession(RecordingSession):
    def __init__(self) -> None:
        super().__init__()
        self.attempts: list[Attempt] = []

    def respond(self, bot: Bot, method: TelegramMethod[Any]) -> Any:
        breaches = tuple(check_method(bot, method))
        chat_id = _chat_of(method)
        name = method.__api_method__
        if breaches:
            self.attempts.append(Attempt(name, chat_id, method, breaches, ok=False))
            raise TelegramBadRequest(method=method, message=f"Bad Request: {breaches[0].rule}")
        if isinstance(method, GetFile) and method.file_id not in self.files:
            self.attempts.append(Attempt(name, chat_id, method, (), ok=False))
            raise TelegramBadRequest(method=method, message="Bad Request: invalid file_id")
        try:
            result = super().respond(bot, method)
        except Exception:
            self.attempts.append(Attempt(name, chat_id, method, (), ok=False))
            raise
        self.attempts.append(Attempt(name, chat_id, method, (), ok=True, result=result))
        return result


@dataclass(frozen=True, slots=True)
class LoggedError:
    logger: str
    message: str
    exception: str | None


class ErrorLog(logging.Handler):
    """Keeps every log record at ERROR or above (message and exception type only)."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[LoggedError] = []

    def emit(self, record: logging.LogRecord) -> None:
        exception = record.exc_info[0].__name__ if record.exc_info and record.exc_info[0] else None
        self.records.append(LoggedError(record.name, record.getMessage(), exception))

    @contextmanager
    def attached(self) -> Iterator[ErrorLog]:
        root = logging.getLogger()
        root.addHandler(self)
        try:
            yield self
        finally:
            root.removeHandler(self)
