"""Messages seen by the user: bot messages with their buttons, group chats; the errors."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

JsonDict = dict[str, Any]
Predicate = Callable[["BotMessage"], bool]


class EmulatorError(RuntimeError):
    """The emulator could not be started or answered a request with an error."""


class WaitTimeoutError(AssertionError):
    """No expected bot message arrived in time (an AssertionError, so pytest shows it nicely)."""


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


def photo_sizes(file_id: str) -> list[JsonDict]:
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


def describe_messages(messages: Sequence[BotMessage]) -> str:
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
