"""Python side of the end-to-end harness.

* :class:`Emulator` runs the Telegram Bot API emulator (``emulator/server.js``) as a Node
  subprocess on a free loopback port.
* :class:`EmulatorUser` plays a Telegram user against it: sends text, commands, photos and
  button presses, and waits for the bot's messages. With ``chat=GroupChat(...)`` it acts in a
  group (e.g. a staff supergroup): replies to bot messages, topic messages, ``/cmd@bot``.
* :class:`BotProcess` runs the bot under test as a subprocess (start, crash with SIGKILL,
  graceful stop) and captures its output in a log file.

Emulator facts the helpers rely on: the user-side ``/getUpdates`` marks messages read (so each
bot message is received once; an edit makes it unread again, see ``server.js``) and returns
``chat_id`` as a string; all storage is keyed by bot token, so a unique token per test isolates
tests sharing one emulator (the chat, membership and topic settings too, when they are given the
token, as the :class:`EmulatorUser` helpers always do).
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self, cast

import aiohttp

JsonDict = dict[str, Any]
Predicate = Callable[["BotMessage"], bool]

EMULATOR_DIR = Path(__file__).resolve().parent / "emulator"
SERVER_JS = EMULATOR_DIR / "server.js"
NODE_MODULES = EMULATOR_DIR / "node_modules"

_LISTENING_PREFIX = "LISTENING "


class EmulatorError(RuntimeError):
    """The emulator could not be started or answered a request with an error."""


class WaitTimeoutError(AssertionError):
    """No expected bot message arrived in time (an AssertionError, so pytest shows it nicely)."""


# ---------------------------------------------------------------------------------------------
# Process bookkeeping: whatever we start is ended when the interpreter exits.
# ---------------------------------------------------------------------------------------------

_live_processes: set[subprocess.Popen[bytes]] = set()
_live_lock = threading.Lock()


def _track(process: subprocess.Popen[bytes]) -> None:
    with _live_lock:
        _live_processes.add(process)


def _untrack(process: subprocess.Popen[bytes]) -> None:
    with _live_lock:
        _live_processes.discard(process)


@atexit.register
def _kill_leftovers() -> None:
    """Last line of defence against leaked subprocesses (fixtures normally stop them)."""
    with _live_lock:
        leftovers = list(_live_processes)
        _live_processes.clear()
    for process in leftovers:
        if process.poll() is None:
            process.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)


def _terminate(process: subprocess.Popen[bytes], timeout: float) -> int:
    """Sends SIGTERM, waits up to ``timeout`` seconds, then SIGKILLs; returns the exit code."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    _untrack(process)
    return cast(int, process.returncode)


# ---------------------------------------------------------------------------------------------
# Messages seen by the user
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InlineButton:
    """One button of an inline keyboard."""

    text: str
    callback_data: str | None
    url: str | None
    raw: JsonDict


@dataclass(frozen=True)
class BotMessage:
    """A message the bot sent to the user's chat, as stored by the emulator.

    ``raw`` is the emulator's record (``time`` in ms, ``messageId``, ``message`` ...) and
    ``message`` the request the bot made (``chat_id``, ``text``, ``reply_markup`` ...), plus
    ``document``/``photo`` for uploads and ``edit_date`` after an edit.
    """

    raw: JsonDict
    message: JsonDict
    message_id: int
    chat_id: int
    time_ms: int

    @classmethod
    def from_record(cls, record: JsonDict) -> BotMessage:
        message = cast(JsonDict, record.get("message") or {})
        return cls(
            raw=record,
            message=message,
            message_id=int(record["messageId"]),
            chat_id=int(message.get("chat_id", 0)),
            time_ms=int(record.get("time", 0)),
        )

    @property
    def text(self) -> str | None:
        value = self.message.get("text")
        return None if value is None else str(value)

    @property
    def caption(self) -> str | None:
        value = self.message.get("caption")
        return None if value is None else str(value)

    @property
    def content(self) -> str:
        """The text, else the caption, else an empty string."""
        return self.text or self.caption or ""

    @property
    def date(self) -> int:
        """Unix time in seconds (the emulator stores milliseconds)."""
        return self.time_ms // 1000

    @property
    def edit_date(self) -> int | None:
        value = self.message.get("edit_date")
        return None if value is None else int(value)

    @property
    def is_edit(self) -> bool:
        """True when this is a re-delivery of an edited message."""
        return self.edit_date is not None

    @property
    def reply_markup(self) -> JsonDict | None:
        markup = self.message.get("reply_markup")
        return cast(JsonDict, markup) if isinstance(markup, dict) else None

    @property
    def message_thread_id(self) -> int | None:
        """The forum topic (thread) the message was sent to."""
        value = self.message.get("message_thread_id")
        return None if value is None else int(value)

    @property
    def reply_to_message_id(self) -> int | None:
        """The message this one replies to (``reply_parameters`` or ``reply_to_message_id``)."""
        parameters = self.message.get("reply_parameters")
        if isinstance(parameters, dict) and parameters.get("message_id") is not None:
            return int(parameters["message_id"])
        value = self.message.get("reply_to_message_id")
        return None if value is None else int(value)

    @property
    def copied_from(self) -> JsonDict | None:
        """``{chat_id, message_id}`` of the original when the bot made this with copyMessage."""
        value = self.message.get("copied_from")
        return cast(JsonDict, value) if isinstance(value, dict) else None

    @property
    def api_message(self) -> JsonDict | None:
        """The message as the bot API describes it (only from :meth:`EmulatorUser.get_message`)."""
        value = self.raw.get("apiMessage")
        return cast(JsonDict, value) if isinstance(value, dict) else None

    @property
    def document(self) -> JsonDict | None:
        value = self.message.get("document")
        return cast(JsonDict, value) if isinstance(value, dict) else None

    @property
    def photo(self) -> list[JsonDict] | None:
        value = self.message.get("photo")
        return cast(list[JsonDict], value) if isinstance(value, list) else None

    @property
    def file_name(self) -> str | None:
        """The uploaded file's name, for a document or a photo."""
        if self.document is not None:
            name = self.document.get("file_name")
            return None if name is None else str(name)
        if self.photo:
            name = self.photo[-1].get("file_name")
            return None if name is None else str(name)
        return None

    @property
    def inline_keyboard(self) -> list[list[InlineButton]]:
        """Rows of the inline keyboard (empty when there is none)."""
        markup = self.reply_markup or {}
        rows = cast(list[list[JsonDict]], markup.get("inline_keyboard") or [])
        return [
            [
                InlineButton(
                    text=str(button.get("text", "")),
                    callback_data=button.get("callback_data"),
                    url=button.get("url"),
                    raw=button,
                )
                for button in row
            ]
            for row in rows
        ]

    @property
    def inline_buttons(self) -> list[InlineButton]:
        """All inline buttons, row by row."""
        return [button for row in self.inline_keyboard for button in row]

    @property
    def reply_keyboard(self) -> list[list[str]] | None:
        """Button texts of a reply keyboard (``ReplyKeyboardMarkup``), or None."""
        markup = self.reply_markup or {}
        rows = markup.get("keyboard")
        if not isinstance(rows, list):
            return None
        return [
            [str(button["text"]) if isinstance(button, dict) else str(button) for button in row]
            for row in cast(list[list[Any]], rows)
        ]

    @property
    def removes_reply_keyboard(self) -> bool:
        """True for a ``ReplyKeyboardRemove``."""
        return bool((self.reply_markup or {}).get("remove_keyboard"))

    def find_button(self, text: str, *, exact: bool = False) -> InlineButton | None:
        """The first inline button whose text equals ``text`` (or contains it, unless exact)."""
        for button in self.inline_buttons:
            if button.text == text:
                return button
        if not exact:
            for button in self.inline_buttons:
                if text in button.text:
                    return button
        return None


MessageRef = BotMessage | int | JsonDict
"""A message to reply to: a received bot message, a message id, or a full Message object."""


@dataclass(frozen=True)
class GroupChat:
    """A group chat for :class:`EmulatorUser` (``chat=GroupChat(...)``), a supergroup by default.

    ``is_forum`` only describes the chat in the user's messages; the bot's getChat and
    createForumTopic follow :meth:`EmulatorUser.set_chat` (``/setChat``), which also wins here.
    """

    id: int
    title: str = "Staff"
    type: str = "supergroup"
    is_forum: bool = False
    username: str | None = None

    def as_dict(self) -> JsonDict:
        """The Telegram ``Chat`` object."""
        chat: JsonDict = {"id": self.id, "type": self.type, "title": self.title}
        if self.is_forum:
            chat["is_forum"] = True
        if self.username is not None:
            chat["username"] = self.username
        return chat


def _photo_sizes(file_id: str) -> list[JsonDict]:
    """A made-up photo in two sizes, as Telegram sends it (the largest last)."""
    return [
        {
            "file_id": f"{file_id}-s",
            "file_unique_id": f"{file_id}-us",
            "width": 90,
            "height": 68,
            "file_size": 1_500,
        },
        {
            "file_id": file_id,
            "file_unique_id": f"{file_id}-u",
            "width": 1280,
            "height": 960,
            "file_size": 120_000,
        },
    ]


def _describe(messages: Sequence[BotMessage]) -> str:
    if not messages:
        return "  (none)"
    lines = []
    for message in messages[-10:]:
        extra = []
        if message.inline_buttons:
            extra.append(f"buttons={[button.text for button in message.inline_buttons]}")
        if message.reply_keyboard:
            extra.append(f"keyboard={message.reply_keyboard}")
        if message.file_name:
            extra.append(f"file={message.file_name!r}")
        if message.is_edit:
            extra.append("edited")
        lines.append(f"  #{message.message_id}: {message.content!r} {' '.join(extra)}".rstrip())
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# The user
# ---------------------------------------------------------------------------------------------


@dataclass
class _ChatFeed:
    """Bot messages received in one chat, shared by all users of that chat."""

    messages: list[BotMessage] = field(default_factory=list)
    latest: dict[int, BotMessage] = field(default_factory=dict)


_feeds: weakref.WeakValueDictionary[tuple[str, str, int], _ChatFeed] = (
    weakref.WeakValueDictionary()
)


def _chat_feed(base_url: str, bot_token: str, chat_id: int) -> _ChatFeed:
    key = (base_url, bot_token, chat_id)
    feed = _feeds.get(key)
    if feed is None:
        feed = _ChatFeed()
        _feeds[key] = feed
    return feed


class EmulatorUser:
    """A Telegram user chatting with the bot through the emulator's user-side API.

    By default the chat is the user's private chat with the bot; ``chat=GroupChat(...)`` (or a
    negative ``chat_id``) makes it a group, e.g. a staff supergroup, where several users share
    the chat. One person in two chats is two objects: see :meth:`in_chat`.

    Every bot message received in the chat is appended to :attr:`inbox` (an edited message is
    appended again, with ``is_edit``). :meth:`wait_for` reads the inbox like a stream: it
    returns the first message not yet consumed by this user that matches, and consumes it and
    everything before it. Users of the same chat (e.g. a group) share one inbox, since the
    emulator hands each message out only once; each keeps its own read position, starting
    with the messages that arrive after it was created.
    """

    def __init__(
        self,
        base_url: str,
        bot_token: str,
        user_id: int,
        first_name: str,
        chat_id: int | None = None,
        *,
        username: str | None = None,
        last_name: str | None = None,
        language_code: str | None = "en",
        chat: JsonDict | GroupChat | None = None,
        request_timeout: float = 30.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.bot_token = bot_token
        self.user_id = user_id
        self.first_name = first_name
        if isinstance(chat, GroupChat):
            chat = chat.as_dict()
        if chat_id is None:
            chat_id = int(chat["id"]) if chat is not None and "id" in chat else user_id
        self.chat_id = chat_id
        self.user: JsonDict = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name is not None:
            self.user["last_name"] = last_name
        if username is not None:
            self.user["username"] = username
        if language_code is not None:
            self.user["language_code"] = language_code
        if chat is not None:
            self.chat: JsonDict = {**chat, "id": self.chat_id}
        elif self.chat_id > 0:
            self.chat = {"id": self.chat_id, "type": "private", "first_name": first_name}
            if username is not None:
                self.chat["username"] = username
        else:
            self.chat = {"id": self.chat_id, "type": "supergroup", "title": f"Chat {self.chat_id}"}
        # Users of one chat share its feed: the emulator hands each message out only once.
        feed = _chat_feed(self.base_url, bot_token, self.chat_id)
        self._feed = feed
        self.inbox: list[BotMessage] = feed.messages
        self._latest: dict[int, BotMessage] = feed.latest
        self._cursor = len(self.inbox)
        self._request_timeout = request_timeout
        self._session: aiohttp.ClientSession | None = None
        self._owner: EmulatorUser | None = None
        self._bot_user: JsonDict | None = None
        self.last_callback_id: str | None = None
        """The callback query id of the latest :meth:`press` (None before the first)."""

    @property
    def is_group(self) -> bool:
        """True when this user acts in a group or supergroup (not a private chat)."""
        return self.chat.get("type") != "private"

    def in_chat(self, chat: GroupChat | JsonDict | int) -> EmulatorUser:
        """The same person in another chat (a group, or ``user_id`` for the private chat).

        The new object shares this one's HTTP session: closing this one is enough.
        """
        options: JsonDict = {
            key: self.user[key] for key in ("username", "last_name") if key in self.user
        }
        other = EmulatorUser(
            self.base_url,
            self.bot_token,
            self.user_id,
            self.first_name,
            chat if isinstance(chat, int) else None,
            chat=None if isinstance(chat, int) else chat,
            language_code=self.user.get("language_code"),
            request_timeout=self._request_timeout,
            **options,
        )
        other._owner = self._owner or self
        return other

    # -- plumbing -----------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _http(self) -> aiohttp.ClientSession:
        if self._owner is not None:
            return self._owner._http()
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        return self._session

    async def post(
        self, route: str, payload: JsonDict, request_timeout: float | None = None
    ) -> Any:
        """POSTs JSON to a user-side route; returns ``result``, raises EmulatorError."""
        client_timeout = aiohttp.ClientTimeout(total=request_timeout or self._request_timeout)
        async with self._http().post(
            f"{self.base_url}{route}", json=payload, timeout=client_timeout
        ) as response:
            try:
                body = await response.json(content_type=None)
            except ValueError as error:
                text = await response.text()
                raise EmulatorError(f"{route}: HTTP {response.status}: {text!r}") from error
        if response.status != 200 or not isinstance(body, dict) or not body.get("ok"):
            raise EmulatorError(f"{route}: HTTP {response.status}: {body!r}")
        return body.get("result")

    def _base_message(self) -> JsonDict:
        return {
            "botToken": self.bot_token,
            "from": dict(self.user),
            "chat": dict(self.chat),
            "date": int(time.time()),
        }

    @staticmethod
    def _context(reply_to: MessageRef | None, thread_id: int | None) -> JsonDict:
        """Message fields for a reply and/or a forum topic message.

        A reply by id (a :class:`BotMessage` or an int) is expanded by the emulator to the full
        current message of this chat, and in a forum it lands in the replied message's topic.
        """
        fields: JsonDict = {}
        if isinstance(reply_to, BotMessage):
            fields["reply_to_message"] = {"message_id": reply_to.message_id}
        elif isinstance(reply_to, int):
            fields["reply_to_message"] = {"message_id": reply_to}
        elif reply_to is not None:
            fields["reply_to_message"] = dict(reply_to)
        if thread_id is not None:
            fields["message_thread_id"] = thread_id
        return fields

    # -- sending ------------------------------------------------------------------------------

    async def send_message(self, fields: JsonDict) -> int:
        """Sends a Message-like object (any Message field passes through to the bot).

        Returns the message's id (as the bot will see it).
        """
        result = await self.post("/sendMessage", {**self._base_message(), **fields})
        return int(cast(JsonDict, result)["message_id"])

    async def send_text(
        self,
        text: str,
        *,
        reply_to: MessageRef | None = None,
        thread_id: int | None = None,
        **fields: Any,
    ) -> int:
        """Sends a text message, optionally as a reply and/or into a forum topic; its id."""
        return await self.send_message(
            {"text": text, **self._context(reply_to, thread_id), **fields}
        )

    async def send_command(
        self,
        command: str,
        *,
        mention: bool = False,
        reply_to: MessageRef | None = None,
        thread_id: int | None = None,
        **fields: Any,
    ) -> int:
        """Sends a command such as ``/start`` or ``/start payload`` with its bot_command entity.

        ``mention=True`` addresses it to the bot (``/take@<bot username>``), as Telegram clients
        do in groups. Returns the message's id.
        """
        if not command.startswith("/"):
            command = f"/{command}"
        name, _, rest = command.partition(" ")
        if mention and "@" not in name:
            username = (await self.bot_user()).get("username")
            name = f"{name}@{username}"
        command = f"{name} {rest}" if rest else name
        entities = [{"type": "bot_command", "offset": 0, "length": len(name)}]
        payload = {
            **self._base_message(),
            "text": command,
            "entities": entities,
            **self._context(reply_to, thread_id),
            **fields,
        }
        result = await self.post("/sendCommand", payload)
        return int(cast(JsonDict, result)["message_id"])

    async def send_photo(
        self,
        file_id: str | None = None,
        *,
        caption: str | None = None,
        reply_to: MessageRef | None = None,
        thread_id: int | None = None,
        **fields: Any,
    ) -> int:
        """Sends a photo with a made-up file id (two sizes, the largest last); its message id.

        Pass ``media_group_id`` (in ``fields``) to send an album one photo at a time.
        """
        photo_id = file_id or f"photo-{self.user_id}-{time.monotonic_ns()}"
        message: JsonDict = {"photo": _photo_sizes(photo_id)}
        if caption is not None:
            message["caption"] = caption
        return await self.send_message({**message, **self._context(reply_to, thread_id), **fields})

    async def send_document(
        self,
        file_name: str = "document.pdf",
        *,
        file_id: str | None = None,
        mime_type: str = "application/pdf",
        file_size: int = 50_000,
        caption: str | None = None,
        reply_to: MessageRef | None = None,
        thread_id: int | None = None,
        **fields: Any,
    ) -> int:
        """Sends a document with a made-up file id; its message id."""
        document_id = file_id or f"doc-{self.user_id}-{time.monotonic_ns()}"
        document: JsonDict = {
            "file_id": document_id,
            "file_unique_id": f"{document_id}-u",
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": file_size,
        }
        message: JsonDict = {"document": document}
        if caption is not None:
            message["caption"] = caption
        return await self.send_message({**message, **self._context(reply_to, thread_id), **fields})

    async def send_callback(self, message: BotMessage, data: str) -> str:
        """Sends a callback query as if a button with ``data`` on ``message`` was pressed.

        Returns the callback query's id (see :meth:`callback_answers`).
        """
        payload = {
            "botToken": self.bot_token,
            "from": dict(self.user),
            "message": {
                "message_id": message.message_id,
                "date": message.date,
                "chat": dict(self.chat),
            },
            "data": data,
        }
        result = await self.post("/sendCallback", payload)
        return str(cast(JsonDict, result)["callback_query_id"])

    async def press(
        self,
        button_text: str,
        *,
        exact: bool = False,
        message: BotMessage | int | None = None,
    ) -> BotMessage:
        """Presses an inline button; returns the message that carries it.

        With ``message`` (a received message or its id), presses the button on the current
        version of that message of this chat. Otherwise looks at the current version of every
        bot message received in this chat, newest first. Either way a button whose text equals
        ``button_text`` wins; failing that (and unless ``exact``), one whose text contains it.
        The press's callback query id is kept in :attr:`last_callback_id`.
        """
        if message is not None:
            message_id = message if isinstance(message, int) else message.message_id
            candidates = [await self.get_message(message_id)]
        else:
            await self.fetch()
            candidates = sorted(self._latest.values(), key=lambda m: m.message_id, reverse=True)
        matches = [(m, b) for m in candidates if (b := m.find_button(button_text, exact=True))]
        if not matches and not exact:
            matches = [(m, b) for m in candidates if (b := m.find_button(button_text))]
        if not matches:
            raise WaitTimeoutError(
                f"no inline button {button_text!r} in chat {self.chat_id}; messages:\n"
                + _describe(candidates[::-1])
            )
        found, button = matches[0]
        if button.callback_data is None:
            raise EmulatorError(f"button {button.text!r} has no callback_data: {button.raw!r}")
        self.last_callback_id = await self.send_callback(found, button.callback_data)
        return found

    def current_reply_keyboard(self) -> list[list[str]] | None:
        """The reply keyboard currently shown (from the newest message that set or removed one)."""
        for message in sorted(self._latest.values(), key=lambda m: m.message_id, reverse=True):
            if message.removes_reply_keyboard:
                return None
            if message.reply_keyboard is not None:
                return message.reply_keyboard
        return None

    async def press_reply(self, button_text: str, *, exact: bool = False) -> int:
        """Presses a reply-keyboard button, i.e. sends its text (checks that it is shown)."""
        await self.fetch()
        keyboard = self.current_reply_keyboard() or []
        texts = [text for row in keyboard for text in row]
        chosen = button_text if button_text in texts else None
        if chosen is None and not exact:
            chosen = next((text for text in texts if button_text in text), None)
        if chosen is None:
            raise WaitTimeoutError(
                f"no reply keyboard button {button_text!r}; keyboard: {keyboard!r}"
            )
        return await self.send_text(chosen)

    # -- the emulator's state of this bot and chat ----------------------------------------------

    async def bot_user(self) -> JsonDict:
        """The bot as getMe describes it (``id``, ``username`` ...), without a bot API call."""
        if self._bot_user is None:
            result = await self.post("/getBotUser", {"token": self.bot_token})
            self._bot_user = cast(JsonDict, result)
        return self._bot_user

    async def get_message(self, message_id: int, chat_id: int | None = None) -> BotMessage:
        """The current version (after edits) of bot message ``message_id`` of this chat.

        Raises EmulatorError when there is none (never sent, deleted, or its topic deleted).
        The result's :attr:`BotMessage.api_message` is the Message as the bot API shows it.
        """
        payload = {
            "token": self.bot_token,
            "chatId": self.chat_id if chat_id is None else chat_id,
            "messageId": message_id,
        }
        return BotMessage.from_record(cast(JsonDict, await self.post("/getMessage", payload)))

    async def set_chat_member(
        self,
        status: str,
        *,
        user_id: int | None = None,
        chat_id: int | None = None,
        user: JsonDict | None = None,
        **fields: Any,
    ) -> None:
        """Sets what getChatMember answers for ``user_id`` (this user) in ``chat_id`` (this chat).

        ``status``: creator, administrator, member, restricted, left or kicked; ``fields``
        override ChatMember fields (e.g. ``can_manage_topics=True``); ``user`` the User object
        (this user's by default when ``user_id`` is not given). Once a chat has any entry,
        users without one have "left" it; the bot itself is an administrator unless set.
        """
        payload: JsonDict = {
            "token": self.bot_token,
            "chatId": self.chat_id if chat_id is None else chat_id,
            "userId": self.user_id if user_id is None else user_id,
            "status": status,
            "fields": fields,
        }
        if user is None and user_id is None:
            user = self.user
        if user is not None:
            payload["user"] = user
        await self.post("/setChatMember", payload)

    async def set_chat(
        self,
        *,
        is_forum: bool | None = None,
        title: str | None = None,
        chat_id: int | None = None,
    ) -> None:
        """Sets this chat's (or ``chat_id``'s) ``is_forum`` and ``title`` for getChat and co."""
        target = self.chat_id if chat_id is None else chat_id
        payload: JsonDict = {"token": self.bot_token, "chatId": target}
        if is_forum is not None:
            payload["isForum"] = is_forum
        if title is not None:
            payload["title"] = title
        await self.post("/setChat", payload)
        if target == self.chat_id:
            if title is not None:
                self.chat["title"] = title
            if is_forum:
                self.chat["is_forum"] = True
            elif is_forum is not None:
                self.chat.pop("is_forum", None)

    async def delete_topic(self, thread_id: int, *, chat_id: int | None = None) -> None:
        """Deletes a forum topic as a staff member would: its messages go, sends to it fail."""
        payload = {
            "token": self.bot_token,
            "chatId": self.chat_id if chat_id is None else chat_id,
            "threadId": thread_id,
        }
        await self.post("/deleteTopic", payload)

    async def topics(self, *, chat_id: int | None = None) -> list[JsonDict]:
        """Forum topics of this chat: ``{message_thread_id, name, icon_color, is_closed,
        deleted}``."""
        payload = {"token": self.bot_token, "chatId": self.chat_id if chat_id is None else chat_id}
        return cast(list[JsonDict], await self.post("/getTopics", payload))

    async def callback_answers(self, *, mine: bool = True) -> list[JsonDict]:
        """The bot's answerCallbackQuery calls, oldest first (to this user's presses if ``mine``).

        Each is ``{callback_query_id, text, show_alert, url, cache_time, from_id, data, chat_id,
        message_id, known, duplicate, time}``.
        """
        answers = cast(
            list[JsonDict], await self.post("/getCallbackAnswers", {"token": self.bot_token})
        )
        if not mine:
            return answers
        return [answer for answer in answers if answer.get("from_id") == self.user_id]

    async def wait_for_callback_answer(
        self,
        callback_id: str | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> JsonDict:
        """Waits for the bot's answer to a press (by default the latest :meth:`press`)."""
        wanted = callback_id or self.last_callback_id
        if wanted is None:
            raise EmulatorError("no button was pressed")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            answers = await self.callback_answers(mine=False)
            for answer in answers:
                if answer.get("callback_query_id") == wanted:
                    return answer
            if loop.time() > deadline:
                raise WaitTimeoutError(
                    f"the bot did not answer callback query {wanted} within {timeout} s; "
                    f"answers: {answers[-5:]!r}"
                )
            await asyncio.sleep(0.05)

    # -- receiving ----------------------------------------------------------------------------

    async def fetch(self, wait: float = 0.0) -> list[BotMessage]:
        """Gets the bot's new messages in this chat (waiting up to ``wait`` s for one)."""
        payload = {"token": self.bot_token, "chatId": self.chat_id, "timeout": max(wait, 0.0)}
        records = await self.post("/getUpdates", payload, request_timeout=wait + 10.0)
        received = [BotMessage.from_record(record) for record in cast(list[JsonDict], records)]
        for message in received:
            self.inbox.append(message)
            self._latest[message.message_id] = message
        return received

    # A `timeout` argument is this harness's documented API (ASYNC109 prefers asyncio.timeout).
    async def wait_for(
        self,
        predicate: Predicate | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> BotMessage:
        """Returns the next bot message (matching ``predicate``) that arrives within ``timeout``.

        Consumes the inbox up to and including the returned message; raises WaitTimeoutError.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            while self._cursor < len(self.inbox):
                message = self.inbox[self._cursor]
                self._cursor += 1
                if predicate is None or predicate(message):
                    return message
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise WaitTimeoutError(
                    f"no matching bot message in chat {self.chat_id} within {timeout} s; "
                    f"received:\n{_describe(self.inbox)}"
                )
            await self.fetch(wait=min(remaining, 5.0))

    async def wait_for_text(
        self,
        fragment: str,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> BotMessage:
        """Waits for a message whose text or caption contains ``fragment``."""
        return await self.wait_for(lambda message: fragment in message.content, timeout)

    async def assert_no_message(self, duration: float = 1.0) -> None:
        """Fails if the bot sends anything to this chat during the next ``duration`` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + duration
        while (remaining := deadline - loop.time()) > 0:
            received = await self.fetch(wait=remaining)
            if received:
                self._cursor = len(self.inbox)
                raise AssertionError(f"unexpected bot message(s):\n{_describe(received)}")

    def latest(self, predicate: Predicate | None = None) -> BotMessage | None:
        """The newest received message (current version) matching ``predicate``."""
        for message in sorted(self._latest.values(), key=lambda m: m.message_id, reverse=True):
            if predicate is None or predicate(message):
                return message
        return None

    async def history(self) -> list[JsonDict]:
        """Raw records of everything stored for this bot in this chat (both directions)."""
        records = cast(
            list[JsonDict], await self.post("/getUpdatesHistory", {"token": self.bot_token})
        )
        chat = str(self.chat_id)

        def in_chat(record: JsonDict) -> bool:
            message = cast(JsonDict, record.get("message") or {})
            if "chat_id" in message:
                return str(message["chat_id"]) == chat
            query = cast(JsonDict, record.get("callbackQuery") or {})
            target = cast(
                JsonDict, message.get("chat") or (query.get("message") or {}).get("chat") or {}
            )
            return str(target.get("id")) == chat

        return [record for record in records if in_chat(record)]


# ---------------------------------------------------------------------------------------------
# The emulator process
# ---------------------------------------------------------------------------------------------


def node_executable() -> str | None:
    """Path of ``node`` (env ``NODE`` overrides), or None when it is not installed."""
    return os.environ.get("NODE") or shutil.which("node")


class Emulator:
    """Runs ``emulator/server.js`` on a loopback port; a context manager."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        log_path: Path | None = None,
        node: str | None = None,
        startup_timeout: float = 20.0,
    ) -> None:
        self.host = host
        self.requested_port = port
        self.port: int | None = None
        self.node = node or node_executable() or "node"
        self.startup_timeout = startup_timeout
        self.log_path = log_path or Path(tempfile.mkdtemp(prefix="e2e-emulator-")) / "emulator.log"
        self.startup_seconds: float | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._reader: threading.Thread | None = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise EmulatorError("emulator is not running")
        return f"http://{self.host}:{self.port}"

    @property
    def is_running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def log_text(self) -> str:
        """What the emulator wrote to stdout and stderr so far."""
        if not self.log_path.exists():
            return ""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def start(self) -> None:
        """Starts the server and waits for its ``LISTENING <port>`` line."""
        if self.is_running:
            return
        if not (NODE_MODULES / "telegram-test-api").is_dir():
            raise EmulatorError(
                f"{NODE_MODULES} is missing: run `npm ci --prefix tests/e2e/emulator`"
            )
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self._log = log
        command = [
            self.node,
            str(SERVER_JS),
            "--host",
            self.host,
            "--port",
            str(self.requested_port),
            "--watch-stdin",
        ]
        began = time.monotonic()
        process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            cwd=EMULATOR_DIR,
        )
        self._process = process
        _track(process)
        ready = threading.Event()
        found: list[int] = []

        def pump() -> None:
            # Copies stdout to the log (so the pipe never fills) and spots the LISTENING line.
            assert process.stdout is not None
            for raw in process.stdout:
                line = raw.decode("utf-8", errors="replace")
                if not found and line.startswith(_LISTENING_PREFIX):
                    found.append(int(line[len(_LISTENING_PREFIX) :].strip()))
                    ready.set()
                log.write(raw)
                log.flush()
            ready.set()

        self._reader = threading.Thread(target=pump, name="emulator-stdout", daemon=True)
        self._reader.start()
        if not ready.wait(self.startup_timeout) or not found:
            self.stop()
            raise EmulatorError(f"emulator did not start; log:\n{self.log_text()}")
        self.port = found[0]
        self.startup_seconds = time.monotonic() - began

    def stop(self, timeout: float = 10.0) -> None:
        """Stops the server (SIGTERM, then SIGKILL after ``timeout`` s)."""
        process, self._process = self._process, None
        if process is not None:
            if process.stdin is not None:
                with contextlib.suppress(OSError):
                    process.stdin.close()
            _terminate(process, timeout)
        # The reader ends at EOF of stdout: join it before closing the pipe under its feet.
        if self._reader is not None:
            self._reader.join(timeout=5)
            self._reader = None
        if process is not None and process.stdout is not None:
            process.stdout.close()
        if self._log is not None:
            self._log.close()
            self._log = None
        self.port = None

    # -- debug routes -------------------------------------------------------------------------

    async def _request(self, method: str, route: str, **kwargs: Any) -> Any:
        timeout = aiohttp.ClientTimeout(total=15)
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.request(method, f"{self.base_url}{route}", **kwargs) as response,
        ):
            body = await response.json(content_type=None)
        if response.status != 200 or not isinstance(body, dict) or not body.get("ok"):
            raise EmulatorError(f"{method} {route}: HTTP {response.status}: {body!r}")
        return body.get("result")

    async def stats(self) -> JsonDict:
        """Counters: ``get_updates_calls``, ``get_updates_by_token``, ``method_calls`` ..."""
        return cast(JsonDict, await self._request("GET", "/__stats"))

    async def get_updates_calls(self, token: str) -> int:
        """How many times bot ``token`` called getUpdates so far."""
        stats = await self.stats()
        return int(cast(JsonDict, stats["get_updates_by_token"]).get(token, 0))

    async def calls(self, method: str | None = None, token: str | None = None) -> list[JsonDict]:
        """Logged bot API calls (``{seq, time, token, method, params}``), getUpdates excluded."""
        query = {key: value for key, value in (("method", method), ("token", token)) if value}
        return cast(list[JsonDict], await self._request("GET", "/__calls", params=query))

    async def set_chat_member(
        self, chat_id: int, user_id: int, status: str, *, token: str | None = None, **fields: Any
    ) -> None:
        """Makes getChatMember answer ``status`` (member, administrator, creator, left ...).

        For bot ``token`` only, or for every bot without it. Once a chat has an entry, users
        without one have "left" it. :meth:`EmulatorUser.set_chat_member` passes its token.
        """
        payload: JsonDict = {"chatId": chat_id, "userId": user_id, "status": status}
        payload["fields"] = fields
        if token is not None:
            payload["token"] = token
        await self._request("POST", "/setChatMember", json=payload)

    async def set_chat(
        self,
        chat_id: int,
        *,
        token: str | None = None,
        is_forum: bool | None = None,
        title: str | None = None,
    ) -> None:
        """Sets a chat's ``is_forum``/``title`` for bot ``token`` (every bot without it)."""
        payload: JsonDict = {"chatId": chat_id}
        for key, value in (("token", token), ("isForum", is_forum), ("title", title)):
            if value is not None:
                payload[key] = value
        await self._request("POST", "/setChat", json=payload)

    async def delete_topic(
        self, chat_id: int, thread_id: int, *, token: str | None = None
    ) -> None:
        """Deletes a forum topic (for bot ``token``, or for every bot without it)."""
        payload: JsonDict = {"chatId": chat_id, "threadId": thread_id}
        if token is not None:
            payload["token"] = token
        await self._request("POST", "/deleteTopic", json=payload)

    async def topics(self, token: str, chat_id: int) -> list[JsonDict]:
        """Forum topics of a chat as bot ``token`` sees them."""
        payload = {"token": token, "chatId": chat_id}
        return cast(list[JsonDict], await self._request("POST", "/getTopics", json=payload))

    async def callback_answers(self, token: str) -> list[JsonDict]:
        """Bot ``token``'s answerCallbackQuery calls (text, show_alert, who pressed what)."""
        payload = {"token": token}
        return cast(
            list[JsonDict], await self._request("POST", "/getCallbackAnswers", json=payload)
        )

    async def get_message(self, token: str, chat_id: int, message_id: int) -> BotMessage | None:
        """The current version of a bot message (after edits), or None when there is none."""
        payload = {"token": token, "chatId": chat_id, "messageId": message_id}
        try:
            record = await self._request("POST", "/getMessage", json=payload)
        except EmulatorError:
            return None
        return BotMessage.from_record(cast(JsonDict, record))

    async def reset(self) -> None:
        """Forgets all stored messages, the call log and chat member overrides."""
        await self._request("POST", "/__reset")


# ---------------------------------------------------------------------------------------------
# The bot process
# ---------------------------------------------------------------------------------------------


@dataclass
class BotProcess:
    """Runs a command (the bot) as a subprocess with its output in :attr:`log_path`.

    ``start()`` may be called again after ``kill()``/``stop()`` to restart it; the log keeps
    growing, with a marker line per start. ``env`` is added to the current environment
    unless ``inherit_env`` is false.
    """

    command: Sequence[str]
    env: Mapping[str, str] | None = None
    log_dir: Path | None = None
    name: str = "bot"
    cwd: Path | None = None
    inherit_env: bool = True
    starts: int = field(default=0, init=False)
    _process: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        directory = self.log_dir or Path(tempfile.mkdtemp(prefix="e2e-bot-"))
        directory.mkdir(parents=True, exist_ok=True)
        self.log_path: Path = directory / f"{self.name}.log"

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    @property
    def is_running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def returncode(self) -> int | None:
        return None if self._process is None else self._process.poll()

    @property
    def log_text(self) -> str:
        """Everything the process printed (stdout and stderr) over all its starts."""
        if not self.log_path.exists():
            return ""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def start(self) -> None:
        """Starts the command; raises if it is already running."""
        if self.is_running:
            raise RuntimeError(f"{self.name} is already running (pid {self.pid})")
        environment = dict(os.environ) if self.inherit_env else {}
        environment.setdefault("PYTHONUNBUFFERED", "1")
        environment.update(self.env or {})
        self.starts += 1
        with self.log_path.open("ab") as log:
            log.write(f"=== {self.name} start #{self.starts}: {list(self.command)}\n".encode())
            log.flush()
            # A new session: kill() can take down the whole process group of the bot.
            process = subprocess.Popen(
                list(self.command),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=environment,
                cwd=self.cwd,
                start_new_session=True,
            )
        self._process = process
        _track(process)

    def kill(self) -> None:
        """Simulates a crash: SIGKILL to the bot's process group, then reaps it."""
        process = self._process
        if process is None:
            return
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        _untrack(process)

    def stop(self, timeout: float = 10.0) -> int | None:
        """Graceful stop: SIGTERM, up to ``timeout`` s to exit, then SIGKILL; the exit code."""
        process = self._process
        if process is None:
            return None
        return _terminate(process, timeout)

    async def wait_for_log(self, fragment: str, timeout: float = 20.0) -> None:  # noqa: ASYNC109
        """Waits until ``fragment`` appears in the log; fails early if the process exits."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while fragment not in self.log_text:
            if not self.is_running:
                raise AssertionError(
                    f"{self.name} exited ({self.returncode}) before logging {fragment!r}:\n"
                    f"{self.log_text}"
                )
            if loop.time() > deadline:
                raise WaitTimeoutError(f"{self.name} did not log {fragment!r}:\n{self.log_text}")
            await asyncio.sleep(0.05)
