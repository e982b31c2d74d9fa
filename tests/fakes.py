"""Test doubles in one place: a recording Bot API session and in-memory repositories."""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import AsyncGenerator, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot
from aiogram.client.default import Default
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import (
    CopyMessage,
    CreateForumTopic,
    EditMessageCaption,
    EditMessageText,
    GetChat,
    GetChatMember,
    GetFile,
    SendAnimation,
    SendAudio,
    SendDocument,
    SendMessage,
    SendPhoto,
    SendVideo,
    SendVoice,
    TelegramMethod,
)
from aiogram.types import (
    AcceptedGiftTypes,
    Chat,
    ChatFullInfo,
    ChatMemberLeft,
    ChatMemberMember,
    ChatMemberOwner,
    File,
    ForumTopic,
    InlineKeyboardMarkup,
    Message,
    MessageId,
    ReplyKeyboardMarkup,
    User,
)

from bot.local_api import LocalApiSession, UnexpectedApiCall
from domain.accounts import Account
from domain.consent import ConsentRecord
from domain.ids import AccountNumber, UserId
from services.ports import Contacts, LinkedAccount

# Telegram's limits (https://core.telegram.org/bots/api#sendmessage), counted independently of
# the bot's own rule (domain/text_limits.py): after HTML parsing, in UTF-16 code units.
MESSAGE_MAX = 4096
CAPTION_MAX = 1024
_TAG = re.compile(r"<[^<>]*>")
_TEXT_METHODS = (SendMessage, EditMessageText)
_CAPTION_METHODS = (
    SendPhoto,
    SendDocument,
    SendVoice,
    SendVideo,
    SendAudio,
    SendAnimation,
    CopyMessage,
    EditMessageCaption,
)


def shown_text(bot: Bot, method: TelegramMethod[Any], text: str) -> str:
    """`text` of `method` as the reader sees it: tags and entities parsed in HTML mode."""
    parse_mode = getattr(method, "parse_mode", None)
    if isinstance(parse_mode, Default):
        parse_mode = bot.default[parse_mode.name]
    # A resolved default is aiogram's ParseMode enum, whose str() is "ParseMode.HTML".
    if str(getattr(parse_mode, "value", parse_mode) or "").lower() == "html":
        return html.unescape(_TAG.sub("", text))
    return text


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def refuse_like_telegram(bot: Bot, method: TelegramMethod[Any]) -> TelegramBadRequest | None:
    """The 400 Telegram answers for an empty or over-long text or an over-long caption."""
    message: str | None = None
    if isinstance(method, _TEXT_METHODS):
        shown = shown_text(bot, method, method.text or "")
        if not shown.strip():
            message = "Bad Request: message text is empty"
        elif _utf16(shown) > MESSAGE_MAX:
            message = "Bad Request: message is too long"
    if isinstance(method, _CAPTION_METHODS):
        caption = method.caption
        if isinstance(caption, str) and _utf16(shown_text(bot, method, caption)) > CAPTION_MAX:
            message = "Bad Request: message caption is too long"
    if message is None:
        return None
    error: TelegramBadRequest = TelegramBadRequest(method=method, message=message)
    return error


class RecordingSession(LocalApiSession):
    """Records every Bot API call; `LocalApiSession` refuses methods it does not expect, and
    every text or caption over Telegram's limits is refused as Telegram refuses it.

    For the staff chat it also plays a supergroup: `members` (user id → status) answers
    getChatMember, `forum` says whether the group has topics, and `failures` (method name →
    exceptions) makes the next calls of a method raise, one exception per call."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[TelegramMethod[Any]] = []
        self.results: list[Any] = []
        self.members: dict[int, str] = {}
        self.forum = False
        self.failures: dict[str, list[Exception]] = {}
        # (which call, what it raises): each trap fires once, on the first call it matches.
        # A BaseException that is no Exception plays a kill: nothing after it runs.
        self.traps: list[tuple[Callable[[TelegramMethod[Any]], bool], BaseException]] = []
        self._topics = itertools.count(900)
        self._ids = itertools.count(200_000)
        # Documents people sent (file id → content): getFile and the download serve them.
        self.files: dict[str, bytes] = {}

    def respond(self, bot: Bot, method: TelegramMethod[Any]) -> Any:
        refusal = refuse_like_telegram(bot, method)
        if refusal is not None:
            self.calls.append(method)
            self.results.append(None)
            raise refusal
        for index, (matches, error) in enumerate(self.traps):
            if matches(method):
                del self.traps[index]
                self.calls.append(method)
                self.results.append(None)
                raise error
        pending = self.failures.get(type(method).__name__)
        if pending:
            self.calls.append(method)
            self.results.append(None)
            raise pending.pop(0)
        result = self._staff_chat(bot, method)
        if result is None:
            result = super().respond(bot, method)
        self.calls.append(method)
        self.results.append(result)
        return result

    def _message(self, bot: Bot, chat_id: int, **fields: Any) -> Message:
        chat_type = "supergroup" if chat_id < 0 else "private"
        return Message(
            message_id=next(self._ids),
            date=datetime.now(UTC),
            chat=Chat(id=chat_id, type=chat_type, title="staff" if chat_id < 0 else None),
            from_user=User(id=bot.id, is_bot=True, first_name="Reception"),
            **fields,
        )

    def _staff_chat(self, bot: Bot, method: TelegramMethod[Any]) -> Any:
        if isinstance(method, GetFile) and method.file_id in self.files:
            return File(
                file_id=method.file_id,
                file_unique_id=method.file_id,
                file_size=len(self.files[method.file_id]),
                file_path=f"documents/{method.file_id}",
            )
        if isinstance(method, GetChatMember):
            status = self.members.get(int(method.user_id), "left")
            user = User(id=int(method.user_id), is_bot=False, first_name="Staff")
            if status == "member":
                return ChatMemberMember(user=user)
            if status == "creator":
                return ChatMemberOwner(user=user, is_anonymous=False)
            return ChatMemberLeft(user=user)
        if isinstance(method, GetChat):
            return ChatFullInfo(
                id=int(method.chat_id),
                type="supergroup",
                title="staff",
                is_forum=self.forum,
                accent_color_id=0,
                max_reaction_count=11,
                accepted_gift_types=AcceptedGiftTypes(
                    unlimited_gifts=False,
                    limited_gifts=False,
                    unique_gifts=False,
                    premium_subscription=False,
                    gifts_from_channels=False,
                ),
            )
        if isinstance(method, CreateForumTopic):
            if not self.forum:
                raise TelegramBadRequest(
                    method=method, message="Bad Request: the chat is not a forum"
                )
            return ForumTopic(message_thread_id=next(self._topics), name=method.name, icon_color=0)
        if isinstance(method, CopyMessage):
            return MessageId(message_id=next(self._ids))
        if isinstance(method, SendPhoto | SendVoice):
            return self._message(bot, int(method.chat_id), caption=method.caption)
        if isinstance(method, EditMessageText) and int(method.chat_id or 0) < 0:
            markup = method.reply_markup
            message = self._message(
                bot,
                int(method.chat_id or 0),
                text=method.text,
                reply_markup=markup if isinstance(markup, InlineKeyboardMarkup) else None,
            )
            return message.model_copy(update={"message_id": method.message_id})
        if isinstance(method, SendMessage) and int(method.chat_id) < 0:
            sent_markup = method.reply_markup
            return self._message(
                bot,
                int(method.chat_id),
                text=method.text,
                message_thread_id=method.message_thread_id,
                is_topic_message=method.message_thread_id is not None or None,
                reply_markup=sent_markup
                if isinstance(sent_markup, InlineKeyboardMarkup)
                else None,
            )
        return None

    def take(self) -> list[TelegramMethod[Any]]:
        calls, self.calls, self.results = self.calls, [], []
        return calls

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,  # noqa: ASYNC109 - BaseSession's signature
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        """The download of a file getFile gave (`files`); anything else is unexpected."""
        _, _, file_id = url.rpartition("/documents/")
        if not file_id or file_id not in self.files:
            raise UnexpectedApiCall(f"download of {url}")
        content = self.files[file_id]
        for start in range(0, len(content), chunk_size):
            yield content[start : start + chunk_size]


def texts_of(calls: Sequence[TelegramMethod[Any]]) -> list[str]:
    return [call.text for call in calls if isinstance(call, SendMessage)]


def inline_buttons(call: TelegramMethod[Any]) -> list[tuple[str, str]]:
    markup = getattr(call, "reply_markup", None)
    if not isinstance(markup, InlineKeyboardMarkup):
        return []
    return [
        (button.text, button.callback_data or "")
        for row in markup.inline_keyboard
        for button in row
    ]


def reply_buttons(call: TelegramMethod[Any]) -> list[str]:
    markup = getattr(call, "reply_markup", None)
    if not isinstance(markup, ReplyKeyboardMarkup):
        return []
    return [button.text for row in markup.keyboard for button in row]


def message_of(result: Any) -> Message:
    assert isinstance(result, Message)
    return result


class FakeConsents:
    def __init__(self) -> None:
        self.records: list[ConsentRecord] = []

    async def current(self, user_id: UserId) -> ConsentRecord | None:
        mine = [r for r in self.records if r.user_id == user_id]
        return mine[-1] if mine else None

    async def record(self, record: ConsentRecord) -> None:
        self.records.append(record)

    async def history(self, user_id: UserId) -> list[ConsentRecord]:
        return [r for r in self.records if r.user_id == user_id]


class FakeConsentArchive:
    def __init__(self) -> None:
        self.texts: dict[str, tuple[str, str]] = {}

    async def keep(self, *, version: str, body: str, digest: str, at: datetime) -> str:
        return self.texts.setdefault(version, (body, digest))[1]


class FakeRegistry:
    def __init__(self, accounts: Sequence[Account] = ()) -> None:
        self.accounts = {a.number: a for a in accounts}

    async def get(self, number: AccountNumber) -> Account | None:
        return self.accounts.get(number)

    async def upsert(self, accounts: Sequence[Account], *, now: datetime) -> tuple[int, int]:
        added = sum(1 for a in accounts if a.number not in self.accounts)
        for account in accounts:
            self.accounts[account.number] = account
        return added, len(accounts) - added

    async def existing(self, numbers: Sequence[AccountNumber]) -> set[AccountNumber]:
        return {number for number in numbers if number in self.accounts}


class FakeLinks:
    def __init__(self, registry: FakeRegistry) -> None:
        self.registry = registry
        self.links: dict[UserId, dict[AccountNumber, datetime]] = {}

    async def linked(self, user_id: UserId) -> list[LinkedAccount]:
        return [
            LinkedAccount(account=self.registry.accounts[number], linked_at=at)
            for number, at in self.links.get(user_id, {}).items()
        ]

    async def link(self, user_id: UserId, account: Account, *, at: datetime) -> None:
        self.links.setdefault(user_id, {})[account.number] = at

    async def unlink(self, user_id: UserId, number: AccountNumber) -> bool:
        return self.links.get(user_id, {}).pop(number, None) is not None

    async def unlink_all(self, user_id: UserId) -> int:
        return len(self.links.pop(user_id, {}))


class FakeFailures:
    def __init__(self) -> None:
        self.times: dict[UserId, list[datetime]] = {}

    async def since(self, user_id: UserId, since: datetime) -> list[datetime]:
        return [t for t in self.times.get(user_id, []) if t >= since]

    async def record(self, user_id: UserId, *, at: datetime) -> None:
        self.times.setdefault(user_id, []).append(at)

    async def clear(self, user_id: UserId) -> None:
        self.times.pop(user_id, None)


class FakePeople:
    def __init__(self) -> None:
        self.contacts_by_user: dict[UserId, Contacts] = {}

    async def contacts(self, user_id: UserId) -> Contacts | None:
        return self.contacts_by_user.get(user_id)

    async def delete_contacts(self, user_id: UserId) -> bool:
        return self.contacts_by_user.pop(user_id, None) is not None


class FakeDialogs:
    def __init__(self) -> None:
        self.with_state: set[UserId] = set()

    async def erase(self, user_id: UserId) -> None:
        self.with_state.discard(user_id)

    async def has_any(self, user_id: UserId) -> bool:
        return user_id in self.with_state
