"""The user: what a Telegram user does in a chat with the bot (send, press, reply)."""

from __future__ import annotations

import base64
import time
from typing import Any, cast

from tests.e2e.client.connection import ChatConnection
from tests.e2e.client.messages import (
    BotMessage,
    EmulatorError,
    GroupChat,
    JsonDict,
    MessageRef,
    WaitTimeoutError,
    describe_messages,
    photo_sizes,
)


class EmulatorUser(ChatConnection):
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
        message: JsonDict = {"photo": photo_sizes(photo_id)}
        if caption is not None:
            message["caption"] = caption
        return await self.send_message({**message, **self._context(reply_to, thread_id), **fields})

    async def put_file(self, file_id: str, data: bytes, *, unique_id: str | None = None) -> str:
        """Puts ``data`` behind ``file_id`` in the emulator (its getFile and download serve
        it to the bot), as Telegram holds a file a user sent; returns the bytes' sha256."""
        payload: JsonDict = {
            "fileId": file_id,
            "fileUniqueId": unique_id or f"{file_id}-u",
            "base64": base64.b64encode(data).decode("ascii"),
        }
        result = cast(JsonDict, await self.post("/putFile", payload))
        return str(result["sha256"])

    async def invalidate_file(self, file_id: str) -> None:
        """Telegram forgets ``file_id``: getFile and sends by it answer 400 from now on."""
        await self.post("/invalidateFile", {"fileId": file_id})

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
                + describe_messages(candidates[::-1])
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
