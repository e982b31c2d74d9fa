"""Test doubles in one place: a recording Bot API session and in-memory repositories."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from aiogram import Bot
from aiogram.methods import SendMessage, TelegramMethod
from aiogram.types import InlineKeyboardMarkup, Message, ReplyKeyboardMarkup

from bot.local_api import LocalApiSession
from domain.accounts import Account
from domain.consent import ConsentRecord
from domain.ids import AccountNumber, UserId
from services.ports import Contacts, LinkedAccount


class RecordingSession(LocalApiSession):
    """Records every Bot API call; `LocalApiSession` refuses methods it does not expect."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[TelegramMethod[Any]] = []
        self.results: list[Any] = []

    def respond(self, bot: Bot, method: TelegramMethod[Any]) -> Any:
        result = super().respond(bot, method)
        self.calls.append(method)
        self.results.append(result)
        return result

    def take(self) -> list[TelegramMethod[Any]]:
        calls, self.calls, self.results = self.calls, [], []
        return calls


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
