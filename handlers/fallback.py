"""What nothing else handled: free text searches the reference, the rest gets a hint, and a
button press no handler took (an old button, or data no button of ours carries: see
core/callback_fields.py) gets a short answer, in any chat."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from core.texts import Texts
from domain.content import ContentLibrary
from handlers import info
from handlers.filters import AnyInput, HasText
from handlers.keyboards import main_menu


async def on_free_text(message: Message, texts: Texts, content: ContentLibrary) -> None:
    await info.search(message, texts, content)


async def on_other_input(message: Message, texts: Texts) -> None:
    await message.answer(texts.get("fallback-not-understood"), reply_markup=main_menu(texts))


async def on_input_in_unknown_step(message: Message, state: FSMContext, texts: Texts) -> None:
    """A state no router knows any more (a dialog removed in a new version): start over."""
    await state.clear()
    await message.answer(texts.get("fallback-dialog-reset"), reply_markup=main_menu(texts))


async def on_stale_button(query: CallbackQuery, texts: Texts) -> None:
    """Every press is answered (Telegram shows a spinner until it is): here with a toast."""
    await query.answer(texts.get("fallback-stale-button"), show_alert=True)


def build_free_text_router() -> Router:
    """Free text outside any dialog: a search (see handlers.build_routers)."""
    router = Router(name=f"{__name__}.free_text")
    router.message.filter(StateFilter(None))
    router.message.register(on_free_text, HasText())
    return router


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(on_other_input, StateFilter(None), AnyInput())
    router.message.register(on_input_in_unknown_step, AnyInput())
    return router


def build_callback_router() -> Router:
    """The last stop of a button press, private chat or staff chat alike."""
    router = Router(name=f"{__name__}.callbacks")
    router.callback_query.register(on_stale_button)
    return router
