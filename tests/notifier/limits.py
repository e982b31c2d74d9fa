"""A Bot API that enforces Telegram's sending limits on a fake clock, for tests that must
show the bot never hits them (no 429 of our own making) and how long deliveries take.

    clock = FixedClock(NOW)
    api = LimitEnforcingSession(clock)
    bot = Bot("42:TEST", session=api)
    ...  # send through the outbox (or the whole dispatcher), moving `clock`
    assert api.violations == []
    assert api.texts(-100123) == [...]

The limits (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this),
checked at `clock.now()` of each call against the calls accepted before it:
- every chat: two messages less than `chat_interval` (1 s) apart violate;
- a group, supergroup or channel (negative id): more than `group_per_minute` (20) messages
  in any window shorter than 60 s violate (the 21st may go exactly 60 s after the 1st);
- overall: more than `global_per_second` (30) messages in any window shorter than 1 s.
A "message" is any accepted call to a chat whose Bot API name starts with send, copy,
forward or edit (except sendChatAction), or createForumTopic. A violating call is refused
with a 429 whose `retry_after` is the seconds (rounded up) until it would have been allowed,
built into `TelegramRetryAfter` by aiogram's own `check_response`, exactly as for a real
server, and it is appended to `violations`. Refused calls never count towards the limits.

Results are plausible and minimal: a Message (message ids increase from 1 in each chat;
a forum topic's thread id comes from the same sequence) for sendMessage and the like, True
for edits and anything returning a bool, a MessageId for copyMessage, a ForumTopic for
createForumTopic, the bot's User for getMe. Any other method fails the test
(AssertionError), so an unexpected call is noticed.

`inject` makes chosen calls fail the way the server would (for example a 429 of Telegram's
own, or "message is not modified"); injected failures go to `failures`, not `violations`.
"""

from __future__ import annotations

import itertools
import json
import math
from collections import deque
from collections.abc import AsyncGenerator, Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import ForumTopic, Message, MessageId, User

from domain.clock import Clock, FixedClock
from notifier.outbox import OutboxSender

_MINUTE = timedelta(minutes=1)
_SECOND = timedelta(seconds=1)
_COUNTED_PREFIXES = ("send", "copy", "forward", "edit")
_UNCOUNTED = frozenset({"sendChatAction"})


@dataclass(frozen=True, slots=True)
class Delivery:
    """One accepted call. `method` is the Bot API name ("sendMessage"); `text` is the
    text or caption, if any; `message_id` the id of the message (or topic) it created, if
    any; `call` the method object itself, for anything else."""

    at: datetime
    chat_id: int | None
    method: str
    text: str | None
    message_id: int | None
    call: TelegramMethod[Any]


@dataclass(frozen=True, slots=True)
class Violation:
    """A call refused because it broke `rule` ("chat", "group" or "global")."""

    at: datetime
    chat_id: int
    method: str
    text: str | None
    rule: str
    retry_after: int


@dataclass(frozen=True, slots=True)
class Failure:
    """A call failed on purpose by `inject`."""

    at: datetime
    chat_id: int | None
    method: str
    text: str | None
    status: int
    description: str


@dataclass
class _Injection:
    when: Callable[[TelegramMethod[Any]], bool]
    status: int
    description: str
    retry_after: int | None
    times: int


def _chat_of(method: TelegramMethod[Any]) -> int | None:
    chat_id = getattr(method, "chat_id", None)
    return chat_id if isinstance(chat_id, int) else None


def _text_of(method: TelegramMethod[Any]) -> str | None:
    text = getattr(method, "text", None) or getattr(method, "caption", None)
    return text if isinstance(text, str) else None


def _counted(method: TelegramMethod[Any]) -> bool:
    name = method.__api_method__
    if name in _UNCOUNTED:
        return False
    return name.startswith(_COUNTED_PREFIXES) or name == "createForumTopic"


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))


class LimitEnforcingSession(BaseSession):
    """See the module docstring. Public state, for assertions:

    - `deliveries`: every accepted call, in order (`Delivery`);
    - `violations`: every call refused for breaking a limit (`Violation`);
    - `failures`: every call failed by `inject` (`Failure`).
    """

    def __init__(
        self,
        clock: Clock,
        *,
        chat_interval: timedelta = _SECOND,
        group_per_minute: int = 20,
        global_per_second: int = 30,
    ) -> None:
        super().__init__()
        self.clock = clock
        self.chat_interval = chat_interval
        self.group_per_minute = group_per_minute
        self.global_per_second = global_per_second
        self.deliveries: list[Delivery] = []
        self.violations: list[Violation] = []
        self.failures: list[Failure] = []
        self._injections: list[_Injection] = []
        self._recent: deque[datetime] = deque(maxlen=global_per_second)
        self._per_chat: dict[int, deque[datetime]] = {}
        self._ids: dict[int | None, Iterator[int]] = {}

    # -- test helpers -----------------------------------------------------------------------
    def inject(
        self,
        when: Callable[[TelegramMethod[Any]], bool],
        *,
        status: int,
        description: str,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """The next `times` calls for which `when(method)` holds fail with this answer, e.g.
        `status=429, description="Too Many Requests: retry after 5", retry_after=5` or
        `status=400, description="Bad Request: message is not modified"`."""
        self._injections.append(_Injection(when, status, description, retry_after, times))

    def texts(self, chat_id: int) -> list[str | None]:
        """The texts delivered to a chat, in order."""
        return [d.text for d in self.deliveries if d.chat_id == chat_id]

    def delivered_at(self, text: str) -> list[datetime]:
        """When each delivery of this text happened (one entry per delivery)."""
        return [d.at for d in self.deliveries if d.text == text]

    # -- BaseSession ------------------------------------------------------------------------
    async def close(self) -> None:
        return None

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,  # noqa: ASYNC109 - BaseSession's signature
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        raise AssertionError(f"download of {url}")
        yield b""  # pragma: no cover - makes this an async generator

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 - BaseSession's signature
    ) -> TelegramType:
        status, body = self._answer(bot, method, self.clock.now())
        response = self.check_response(bot, method, status, json.dumps(body))
        return cast(TelegramType, response.result)

    # -- the server -------------------------------------------------------------------------
    def _answer(
        self, bot: Bot, method: TelegramMethod[Any], now: datetime
    ) -> tuple[int, dict[str, Any]]:
        chat_id = _chat_of(method)
        for injection in self._injections:
            if injection.times > 0 and injection.when(method):
                injection.times -= 1
                self.failures.append(
                    Failure(
                        now,
                        chat_id,
                        method.__api_method__,
                        _text_of(method),
                        injection.status,
                        injection.description,
                    )
                )
                return self._error(injection.status, injection.description, injection.retry_after)
        counted = chat_id is not None and _counted(method)
        if counted:
            assert chat_id is not None
            refusal = self._check_limits(chat_id, now)
            if refusal is not None:
                rule, retry_after = refusal
                self.violations.append(
                    Violation(
                        now, chat_id, method.__api_method__, _text_of(method), rule, retry_after
                    )
                )
                return self._error(
                    429, f"Too Many Requests: retry after {retry_after}", retry_after
                )
        result, message_id = self._result(bot, method, chat_id, now)
        if counted:
            assert chat_id is not None
            self._recent.append(now)
            self._per_chat.setdefault(chat_id, deque(maxlen=self.group_per_minute)).append(now)
        self.deliveries.append(
            Delivery(now, chat_id, method.__api_method__, _text_of(method), message_id, method)
        )
        return 200, {"ok": True, "result": result}

    @staticmethod
    def _error(
        status: int, description: str, retry_after: int | None
    ) -> tuple[int, dict[str, Any]]:
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if retry_after is not None:
            body["parameters"] = {"retry_after": retry_after}
        return status, body

    def _check_limits(self, chat_id: int, now: datetime) -> tuple[str, int] | None:
        """The first limit this call would break, with the seconds until it would not."""
        mine = self._per_chat.get(chat_id)
        if mine and now - mine[-1] < self.chat_interval:
            return "chat", _seconds_until(mine[-1] + self.chat_interval, now)
        if chat_id < 0 and mine and len(mine) >= self.group_per_minute:
            oldest = mine[-self.group_per_minute]
            if now - oldest < _MINUTE:
                return "group", _seconds_until(oldest + _MINUTE, now)
        if len(self._recent) >= self.global_per_second:
            oldest = self._recent[-self.global_per_second]
            if now - oldest < _SECOND:
                return "global", _seconds_until(oldest + _SECOND, now)
        return None

    def _next_id(self, chat_id: int | None) -> int:
        return next(self._ids.setdefault(chat_id, itertools.count(1)))

    def _result(
        self, bot: Bot, method: TelegramMethod[Any], chat_id: int | None, now: datetime
    ) -> tuple[Any, int | None]:
        returning = method.__returning__
        name = method.__api_method__
        if name.startswith("edit") or returning is bool:
            return True, None
        if returning is User:
            return {"id": bot.id, "is_bot": True, "first_name": "Reception"}, None
        if chat_id is None:
            raise AssertionError(f"{name} without a numeric chat_id is not expected")
        message_id = self._next_id(chat_id)
        if returning is MessageId:
            return {"message_id": message_id}, message_id
        if returning is ForumTopic:
            topic = {
                "message_thread_id": message_id,
                "name": getattr(method, "name", ""),
                "icon_color": 7322096,
            }
            return topic, message_id
        if returning is Message:
            message: dict[str, Any] = {
                "message_id": message_id,
                "date": int(now.timestamp()),
                "chat": {"id": chat_id, "type": "supergroup" if chat_id < 0 else "private"},
            }
            text = _text_of(method)
            if text is not None:
                message["text" if name == "sendMessage" else "caption"] = text
            thread = getattr(method, "message_thread_id", None)
            if isinstance(thread, int):
                message["message_thread_id"] = thread
            return message, message_id
        raise AssertionError(f"{name} is not expected")


async def drain(
    sender: OutboxSender,
    clock: FixedClock,
    *,
    until: datetime | None = None,
    max_rounds: int = 100_000,
) -> int:
    """Run the sender's rounds, moving `clock` to `sender.next_due` between them, until a
    round skips nothing (or the next round would come after `until`). Rows waiting for their
    own `not_before` (backoff) are not waited for. Returns the number of rows tried."""
    tried = 0
    for _ in range(max_rounds):
        tried += await sender.run_once()
        now = clock.now()
        due = sender.next_due(now)
        if due is None or (until is not None and due > until):
            return tried
        clock.advance(due - now)
    raise AssertionError(f"the outbox was not drained in {max_rounds} rounds")
