"""A filter's quick `decide` (bot/dispatching.py asks it first) never contradicts the filter."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

import pytest
from aiogram import Bot
from aiogram.dispatcher.event.handler import FilterObject
from aiogram.filters import StateFilter
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Chat, Message, TelegramObject, User, Voice

from bot.dispatching import _decider
from core.texts import Texts
from handlers.filters import (
    AnyInput,
    Button,
    Cmd,
    HasText,
    HasVoice,
    Never,
    NoText,
    PlainInput,
    PrivateChat,
)
from handlers.mydata import MyDataAction

PERSON = User(id=5, is_bot=False, first_name="Анна")


class Flow(StatesGroup):
    first = State()
    second = State()


def _message(text: str | None, *, chat: str = "private", voice: bool = False) -> Message:
    return Message(
        message_id=1,
        date=datetime.now(UTC),
        chat=Chat(id=-100 if chat != "private" else 5, type=chat),
        from_user=PERSON,
        text=text,
        voice=Voice(file_id="v", file_unique_id="v", duration=1) if voice else None,
    )


def _press(data: str | None) -> CallbackQuery:
    return CallbackQuery(
        id="1", from_user=PERSON, chat_instance="x", data=data, message=_message("-")
    )


def _events(texts: Texts) -> list[TelegramObject]:
    return [
        _message("привет"),
        _message("/start"),
        _message("/start@reception_bot arg"),
        _message(None),
        _message("", voice=True),
        _message(texts.get("menu-appeal")),
        _message(texts.get("nav-cancel")),
        _message("привет", chat="supergroup"),
        _press("mydata:file"),
        _press("mydata:nonsense"),
        _press("other:file"),
        _press("mydatax:file"),
        _press(None),
    ]


STATES = [None, Flow.first.state, Flow.second.state, "other:x"]

# (filter, the events it is registered for: "message", "callback" or "any")
FILTERS: list[tuple[Any, str]] = [
    (PrivateChat(), "any"),
    (Button("menu-appeal", "menu-help"), "message"),
    (HasText(), "message"),
    (NoText(), "message"),
    (AnyInput(), "any"),
    (HasVoice(), "message"),
    (Cmd("start"), "message"),
    (PlainInput(), "message"),
    (Never(), "any"),
    (StateFilter(Flow.first), "any"),
    (StateFilter(Flow), "any"),
    (StateFilter("*"), "any"),
    (StateFilter(None), "any"),
    (MyDataAction.filter(), "any"),
]


@pytest.mark.parametrize("case", FILTERS, ids=lambda case: type(case[0]).__name__)
async def test_decide_agrees_with_the_filter(case: tuple[Any, str], texts: Texts) -> None:
    event_filter, registered_for = case
    filter_object = FilterObject(event_filter)
    decide = _decider(filter_object)
    assert decide is not None, "every filter of ours (and these of aiogram) can decide"
    bot = Bot("1000001:test")
    decided = 0
    try:
        for raw_state, event in itertools.product(STATES, _events(texts)):
            kind = "message" if isinstance(event, Message) else "callback"
            if registered_for not in {"any", kind}:
                continue
            data = {"texts": texts, "raw_state": raw_state, "bot": bot}
            verdict = decide(event, data)
            if verdict is None:
                continue
            decided += 1
            actual = await filter_object.call(event, **data)
            assert verdict == bool(actual), (type(event_filter).__name__, event)
    finally:
        await bot.session.close()
    assert decided, "the quick path is taken for some events"
