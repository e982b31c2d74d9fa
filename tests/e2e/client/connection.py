"""A user's connection to the emulator: the chat's shared feed, plumbing, receiving."""

from __future__ import annotations

import asyncio
import time
import weakref
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self, cast

import aiohttp

from tests.e2e.client.messages import (
    BotMessage,
    EmulatorError,
    GroupChat,
    JsonDict,
    MessageRef,
    Predicate,
    WaitTimeoutError,
    describe_messages,
)


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


class ChatConnection:
    """One user's connection to the emulator in one chat: its HTTP plumbing, the bot messages
    it receives (the inbox, read like a stream: see :class:`EmulatorUser`) and the emulator's
    state of this bot and chat. :class:`EmulatorUser` adds what the user does."""

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
        self._owner: ChatConnection | None = None
        self._bot_user: JsonDict | None = None
        self.last_callback_id: str | None = None
        """The callback query id of the latest :meth:`press` (None before the first)."""

    @property
    def is_group(self) -> bool:
        """True when this user acts in a group or supergroup (not a private chat)."""
        return self.chat.get("type") != "private"

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
                    f"received:\n{describe_messages(self.inbox)}"
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
                raise AssertionError(f"unexpected bot message(s):\n{describe_messages(received)}")

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
