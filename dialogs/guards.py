"""The checks every dialog makes before it acts, in one place: consent before anything
personal is asked, a button pressed under a message that is gone or from a step already left
(«Эта кнопка устарела»), and the final button («Отправить», «Записаться») pressed again after
its draft was stored — answered with the record, never stored twice (domain/drafts.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import lru_cache

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.container import Services
from bot.texts import Texts
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
    if await services.onboarding.has_consent(UserId(message.from_user.id)):
        return True
    await message.answer(texts.get(refusal), reply_markup=consent_needed_keyboard(texts))
    return False


async def refuse_stale(query: CallbackQuery, texts: Texts) -> None:
    await query.answer(texts.get("fallback-stale-button"), show_alert=True)


async def pressed_in(
    query: CallbackQuery, fsm: FSMContext, texts: Texts, *steps: State | str
) -> Message | None:
    """The message under a button of a dialog step, if the person is at one of `steps`;
    otherwise the press is answered (stale, or a message too old to reach) and None."""
    message = query.message
    if not isinstance(message, Message):
        await query.answer()
        return None
    names = {step.state if isinstance(step, State) else step for step in steps}
    if await fsm.get_state() not in names:
        await refuse_stale(query, texts)
        return None
    return message


# What a press of a spent final button is told: the text and buttons, or None (no record).
Already = Callable[[UserId, DraftToken], Awaitable[tuple[str, InlineKeyboardMarkup | None] | None]]


async def on_final_press(
    query: CallbackQuery,
    token_text: str,
    *,
    fsm: FSMContext,
    step: State,
    services: Services,
    texts: Texts,
    submit: Callable[[Message, DraftToken], Awaitable[None]],
    already: Already,
) -> None:
    """The final button of a dialog: at its step with its draft, `submit`; pressed again once
    the draft was stored (no answer seen, or a restart in between), what `already` says."""
    message = query.message
    token = parse_draft_token(token_text)
    if not isinstance(message, Message) or token is None:
        await refuse_stale(query, texts)
        return
    if await fsm.get_state() == step.state and (await fsm.get_data()).get("token") == token:
        await query.answer()
        await submit(message, token)
        return
    found = await already(UserId(query.from_user.id), token)
    if found is None:
        await refuse_stale(query, texts)
        return
    await query.answer()
    text, markup = found
    services.replies.send(message.chat.id, text, markup=markup)
