"""The checks every dialog makes before it acts, in one place: consent before anything
personal is asked, a button pressed under a message that is gone or from a step already left
(«Эта кнопка устарела»), and the final button («Отправить», «Записаться») pressed again after
its draft was stored — answered with the record, never stored twice (domain/drafts.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import lru_cache
from typing import Any, Protocol, TypeVar

from aiogram import BaseMiddleware
from aiogram.dispatcher.flags import get_flag
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, TelegramObject

from app.services import Services
from core.texts import Texts
from dialogs.steps import Turn
from domain.drafts import DraftToken, parse_draft_token
from domain.ids import UserId
from handlers.keyboards import inline_column
from handlers.start import ConsentAction, ConsentChoice


@lru_cache(maxsize=8)
def consent_needed_keyboard(texts: Texts) -> InlineKeyboardMarkup:
    return inline_column(
        [(texts.get("consent-show-button"), ConsentChoice(action=ConsentAction.SHOW))]
    )


async def has_consent(message: Message, services: Services, texts: Texts, refusal: str) -> bool:
    """Whether the sender consented; if not, they are told (`refusal`, a text key) and shown
    how to consent."""
    assert message.from_user is not None
    user_id = UserId(message.from_user.id)
    if await services.onboarding.has_consent(user_id):
        return True
    if await services.onboarding.asks_renewal(user_id):
        refusal = "consent-renewal-needed"  # the text changed since they consented
    await message.answer(texts.get(refusal), reply_markup=consent_needed_keyboard(texts))
    return False


async def refuse_stale(query: CallbackQuery, texts: Texts) -> None:
    await query.answer(texts.get("fallback-stale-button"), show_alert=True)


async def at_step(query: CallbackQuery, turn: Turn, *steps: State) -> bool:
    """Whether the person is at one of `steps`; if not, the button is from a step already
    left and the press is answered as stale."""
    if await turn.fsm.get_state() in {step.state for step in steps}:
        return True
    await refuse_stale(query, turn.texts)
    return False


class _Tokened(Protocol):
    token: str


R = TypeVar("R")
# What a press of a spent final button is told about the record: the text and the buttons.
Told = tuple[str, InlineKeyboardMarkup | None]
FinalPress = Callable[[CallbackQuery, _Tokened, Turn], Awaitable[None]]


def final_button(
    *,
    step: State,
    submit: Callable[[Turn, DraftToken], Awaitable[None]],
    find: Callable[[Turn, UserId, DraftToken], Awaitable[R | None]],
    told: Callable[[Turn, R], Told],
) -> FinalPress:
    """The handler of a dialog's final button (register it with `inaccessible="stale"`): at
    its step with its draft, `submit`; pressed again once the draft was stored (no answer
    seen, or a restart in between), what `told` says of the record `find` finds."""

    async def on_final_press(query: CallbackQuery, callback_data: _Tokened, turn: Turn) -> None:
        token = parse_draft_token(callback_data.token)
        if token is None:
            await refuse_stale(query, turn.texts)
            return
        data = await turn.fsm.get_data()
        if await turn.fsm.get_state() == step.state and data.get("token") == token:
            await query.answer()
            await submit(turn, token)
            return
        record = await find(turn, UserId(query.from_user.id), token)
        if record is None:
            await refuse_stale(query, turn.texts)
            return
        await query.answer()
        text, markup = told(turn, record)
        turn.services.replies.send(turn.message.chat.id, text, markup=markup)

    return on_final_press


class TurnMiddleware(BaseMiddleware):
    """Gives a dialog's handlers their `turn` (inner: it runs only for the handler that
    matched). A button under a message Telegram no longer gives us (too old) cannot be
    answered in its chat: the press is answered, plainly or — for a handler flagged
    `inaccessible="stale"` — as a stale button, and goes no further."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        message = event.message if isinstance(event, CallbackQuery) else event
        if not isinstance(message, Message):
            assert isinstance(event, CallbackQuery)
            if get_flag(data, "inaccessible") == "stale":
                await refuse_stale(event, data["texts"])
            else:
                await event.answer()
            return None
        data["turn"] = Turn(
            message, data["state"], data["services"], data["texts"], data["config"]
        )
        return await handler(event, data)
