"""A Bot API over HTTP on 127.0.0.1 that fails the way Telegram and the network do.

    api = FaultyBotApi(seed=1, rates={"429": 0.03, "5xx": 0.03, ...})
    url = await api.start()          # the bot's TELEGRAM_API_URL
    api.faults_on = True             # from now on message calls may fail
    api.blocked.add(chat_id)         # this person blocked the bot: 403 from now on
    ...
    await api.close()

It answers the methods the bot uses (getMe, getChat of a forum supergroup, getChatMember,
sendMessage, sendPhoto, sendDocument, sendVoice, copyMessage, editMessageText,
editMessageReplyMarkup, createForumTopic, answerCallbackQuery, deleteMessage,
setMyCommands …) with plausible results, keeps every message it accepted per chat (so a
test can read the keyboards and press their buttons), and refuses a request that breaks a
Telegram limit with a 400 (the suite's checker, telegram_limits.py).

While `faults_on`, a call that puts a message in a chat (`FAULTY_METHODS`) may fail:
- `403`: the chat is in `blocked` — "Forbidden: bot was blocked by the user", every time;
- `429`: "Too Many Requests" with `retry_after` (1 s); until it has passed every request is
  refused with a 429 as well (a pause, like Telegram's);
- `5xx`: 502 Bad Gateway, nothing delivered;
- `drop-before`: the connection is closed before anything is delivered;
- `drop-after`: the message is delivered (kept, as Telegram would show it) and then the
  connection is closed, so the bot cannot know — the only fault after which a repeat is a
  duplicate the bot could not avoid (at-least-once).
`guaranteed` kinds happen once each at random places among the first `spread` message
calls, so that a short run sees every fault; besides, each message call fails with the
given probability per kind. Every request and its outcome is
kept in `requests`.
"""

from __future__ import annotations

import itertools
import json
import math
import random
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.chaos.telegram_limits import Breach, check_request

BOT_ID = 424_242
TOKEN = f"{BOT_ID}:CHAOS"
FAULTS = ("429", "5xx", "drop-before", "drop-after")
FAULTY_METHODS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendVoice",
        "copyMessage",
        "editMessageText",
        "createForumTopic",
    }
)
_TRUE_METHODS = frozenset(
    {
        "answerCallbackQuery",
        "deleteMessage",
        "setMyCommands",
        "deleteMyCommands",
        "setChatMenuButton",
        "sendChatAction",
        "editMessageReplyMarkup",
        "closeForumTopic",
        "reopenForumTopic",
        "editForumTopic",
    }
)


@dataclass(frozen=True, slots=True)
class Request:
    """One request: what was asked and what came of it (`ok`, a fault kind, `400`)."""

    method: str
    chat_id: int | None
    params: dict[str, str]
    outcome: str
    at: float
    message_id: int | None = None

    @property
    def text(self) -> str:
        return self.params.get("text") or self.params.get("caption") or self.params.get("name", "")

    @property
    def delivered(self) -> bool:
        """Accepted by the "server": shown in the chat (also when the connection dropped)."""
        return self.outcome in {"ok", "drop-after"}


@dataclass
class Shown:
    """A message as the chat shows it now (after edits)."""

    message_id: int
    chat_id: int
    text: str
    markup: dict[str, Any] | None
    thread: int | None

    def buttons(self) -> list[tuple[str, str]]:
        rows = (self.markup or {}).get("inline_keyboard") or []
        return [
            (str(button.get("text", "")), str(button.get("callback_data", "")))
            for row in rows
            for button in row
        ]


@dataclass
class FaultyBotApi:
    seed: int
    rates: Mapping[str, float] = field(default_factory=dict)
    retry_after: int = 1
    guaranteed: Sequence[str] = FAULTS
    spread: int = 60
    staff_chat_id: int | None = None
    members: set[int] = field(default_factory=set)
    faults_on: bool = False
    blocked: set[int] = field(default_factory=set)
    requests: list[Request] = field(default_factory=list)
    breaches: list[Breach] = field(default_factory=list)
    chats: dict[int, dict[int, Shown]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        places = self._rng.sample(range(self.spread), len(self.guaranteed))
        self._planned = dict(zip(places, self.guaranteed, strict=True))
        self._calls = 0
        self._paused_until = 0.0
        self._ids = itertools.count(1000)
        self._topics = itertools.count(50_000)
        self._runner: web.AppRunner | None = None

    # -- serving -------------------------------------------------------------------------------
    async def start(self) -> str:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        return f"http://127.0.0.1:{port}"

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- reading -------------------------------------------------------------------------------
    def latest_with(self, chat_id: int, label: str) -> tuple[Shown, str] | None:
        """The newest message of the chat with a button whose text contains `label`, and
        that button's callback data."""
        for shown in sorted(self.chats.get(chat_id, {}).values(), key=lambda s: -s.message_id):
            for text, data in shown.buttons():
                if label in text:
                    return shown, data
        return None

    def shown(self, chat_id: int, fragment: str) -> list[Shown]:
        return [s for s in self.chats.get(chat_id, {}).values() if fragment in s.text]

    def count(self, outcome: str) -> int:
        return sum(1 for request in self.requests if request.outcome == outcome)

    # -- the server ----------------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        form = await request.post()
        params = {key: str(value) for key, value in form.items() if isinstance(value, str)}
        for key, value in form.items():
            if not isinstance(value, str):
                params[key] = getattr(value, "filename", "file") or "file"
        chat_id = _int(params.get("chat_id"))
        now = time.monotonic()
        breaches = check_request(method, params)
        if breaches:
            self.breaches.extend(breaches)
            self.requests.append(Request(method, chat_id, params, "400", now))
            return _error(400, f"Bad Request: {breaches[0].rule}")
        if self.faults_on and method in FAULTY_METHODS:
            fault = self._fault(chat_id, now)
            if fault is not None:
                return await self._fail(request, method, chat_id, params, fault, now)
        result, message_id = self._result(method, chat_id, params)
        self.requests.append(Request(method, chat_id, params, "ok", now, message_id))
        return _json({"ok": True, "result": result})

    def _fault(self, chat_id: int | None, now: float) -> str | None:
        if chat_id is not None and chat_id in self.blocked:
            return "403"
        if now < self._paused_until:
            return "429-pause"
        planned = self._planned.pop(self._calls, None)
        self._calls += 1
        if planned is not None:
            return planned
        for kind in FAULTS:
            if self._rng.random() < self.rates.get(kind, 0.0):
                return kind
        return None

    async def _fail(
        self,
        request: web.Request,
        method: str,
        chat_id: int | None,
        params: dict[str, str],
        fault: str,
        now: float,
    ) -> web.StreamResponse:
        if fault == "drop-after":
            _result, message_id = self._result(method, chat_id, params)
            self.requests.append(Request(method, chat_id, params, fault, now, message_id))
            return _drop(request)
        self.requests.append(Request(method, chat_id, params, fault, now))
        if fault == "drop-before":
            return _drop(request)
        if fault == "403":
            return _error(403, "Forbidden: bot was blocked by the user")
        if fault == "5xx":
            return _error(502, "Bad Gateway")
        if fault == "429":
            self._paused_until = max(self._paused_until, now + self.retry_after)
        wait = max(1, math.ceil(self._paused_until - now))
        return _error(429, f"Too Many Requests: retry after {wait}", retry_after=wait)

    def _result(
        self, method: str, chat_id: int | None, params: dict[str, str]
    ) -> tuple[Any, int | None]:
        if method == "getMe":
            return _bot_user(), None
        if method in _TRUE_METHODS:
            if method == "editMessageReplyMarkup" and chat_id is not None:
                shown = self.chats.get(chat_id, {}).get(_int(params.get("message_id")) or 0)
                if shown is not None:
                    shown.markup = _markup(params.get("reply_markup"))
            return True, None
        if method == "getChat":
            return _chat_info(chat_id or 0), None
        if method == "getChatMember":
            user_id = _int(params.get("user_id")) or 0
            status = "member" if user_id in self.members else "left"
            user = {"id": user_id, "is_bot": False, "first_name": "Staff"}
            return {"status": status, "user": user}, None
        if method == "createForumTopic":
            thread = next(self._topics)
            name = params.get("name", "")
            return {"message_thread_id": thread, "name": name, "icon_color": 7322096}, thread
        if method == "getFile":
            return None, None
        if chat_id is None:
            return None, None
        if method == "editMessageText":
            message_id = _int(params.get("message_id")) or 0
            shown = self.chats.setdefault(chat_id, {}).get(message_id)
            if shown is not None:
                shown.text = params.get("text", "")
                shown.markup = _markup(params.get("reply_markup"))
            return _message(chat_id, message_id, params), message_id
        message_id = next(self._ids)
        self.chats.setdefault(chat_id, {})[message_id] = Shown(
            message_id,
            chat_id,
            params.get("text") or params.get("caption") or "",
            _markup(params.get("reply_markup")),
            _int(params.get("message_thread_id")),
        )
        if method == "copyMessage":
            return {"message_id": message_id}, message_id
        return _message(chat_id, message_id, params), message_id


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


def _markup(value: str | None) -> dict[str, Any] | None:
    if not value:
        return None
    try:
        decoded = json.loads(value)
    except ValueError:
        return None
    return decoded if isinstance(decoded, dict) else None


def _bot_user() -> dict[str, Any]:
    return {"id": BOT_ID, "is_bot": True, "first_name": "Reception", "username": "chaos_bot"}


def _chat_info(chat_id: int) -> dict[str, Any]:
    group = chat_id < 0
    info: dict[str, Any] = {
        "id": chat_id,
        "type": "supergroup" if group else "private",
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": {
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        },
    }
    if group:
        info.update(title="Сотрудники", is_forum=True)
    return info


def _message(chat_id: int, message_id: int, params: dict[str, str]) -> dict[str, Any]:
    message: dict[str, Any] = {
        "message_id": message_id,
        "date": int(time.time()),
        "chat": {"id": chat_id, "type": "supergroup" if chat_id < 0 else "private"},
        "from": _bot_user(),
    }
    if "text" in params:
        message["text"] = params["text"]
    if "caption" in params:
        message["caption"] = params["caption"]
    thread = _int(params.get("message_thread_id"))
    if thread is not None:
        message["message_thread_id"] = thread
        message["is_topic_message"] = True
    markup = _markup(params.get("reply_markup"))
    if markup is not None and "inline_keyboard" in markup:
        message["reply_markup"] = markup
    return message


def _json(body: dict[str, Any], status: int = 200) -> web.Response:
    return web.Response(text=json.dumps(body), status=status, content_type="application/json")


def _error(status: int, description: str, retry_after: int | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return _json(body, status)


def _drop(request: web.Request) -> web.StreamResponse:
    """Close the connection without an answer: the client sees it dropped."""
    if request.transport is not None:
        request.transport.close()
    return web.Response(status=204)
