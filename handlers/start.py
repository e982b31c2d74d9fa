"""/start, consent to personal-data processing, /help, /menu, /cancel."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache

from aiogram import Router
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from app.services import Services
from core.config import AppConfig
from core.texts import Texts
from dialogs.parked import offer, park
from domain.content import ContentLibrary
from domain.ids import UserId
from handlers.filters import Button, Cmd
from handlers.keyboards import inline_column, main_menu
from handlers.render import local_time, markdown_to_html


class ConsentAction(StrEnum):
    SHOW = "show"
    ACCEPT = "accept"
    DECLINE = "decline"


class ConsentChoice(CallbackData, prefix="consent"):
    action: ConsentAction


@lru_cache(maxsize=8)
def consent_keyboard(texts: Texts) -> InlineKeyboardMarkup:
    return inline_column(
        [
            (texts.get("consent-accept"), ConsentChoice(action=ConsentAction.ACCEPT)),
            (texts.get("consent-decline"), ConsentChoice(action=ConsentAction.DECLINE)),
        ]
    )


async def send_consent(
    message: Message, texts: Texts, content: ContentLibrary, *, renewal: bool = False
) -> None:
    """The consent text with its buttons; `renewal`: the person consented to an earlier
    version, and is asked the new one (152-ФЗ ст. 9 ч. 1: consent to what was read)."""
    intro = "consent-renewal-intro" if renewal else "consent-intro"
    await message.answer(
        texts.get(intro, version=content.consent.version)
        + "\n\n"
        + markdown_to_html(content.consent.body),
        reply_markup=consent_keyboard(texts),
    )


async def cmd_start(
    message: Message,
    state: FSMContext,
    services: Services,
    texts: Texts,
    content: ContentLibrary,
    config: AppConfig,
) -> None:
    assert message.from_user is not None
    await state.clear()
    user_id = UserId(message.from_user.id)
    has_consent = await services.onboarding.has_consent(user_id)
    await message.answer(texts.get("start-greeting", company=config.company_name))
    if has_consent:
        await message.answer(texts.get("menu-shown"), reply_markup=main_menu(texts))
    else:
        renewal = await services.onboarding.asks_renewal(user_id)
        await send_consent(message, texts, content, renewal=renewal)


async def on_consent(
    query: CallbackQuery,
    callback_data: ConsentChoice,
    services: Services,
    texts: Texts,
    content: ContentLibrary,
    config: AppConfig,
) -> None:
    message = query.message
    if not isinstance(message, Message):
        await query.answer()
        return
    user_id = UserId(query.from_user.id)
    if callback_data.action is ConsentAction.SHOW:
        await query.answer()
        renewal = await services.onboarding.asks_renewal(user_id)
        await send_consent(message, texts, content, renewal=renewal)
        return
    if callback_data.action is ConsentAction.ACCEPT:
        record = await services.onboarding.give_consent(user_id)
        await query.answer(texts.get("consent-accepted-short"))
        await message.edit_reply_markup(reply_markup=None)
        await message.answer(
            texts.get(
                "consent-accepted",
                version=record.text_version,
                date=local_time(record.decided_at, config.zone),
            ),
            reply_markup=main_menu(texts),
        )
        return
    await services.onboarding.decline(user_id)
    await query.answer()
    await message.edit_reply_markup(reply_markup=None)
    await message.answer(texts.get("consent-declined"), reply_markup=main_menu(texts))


async def cmd_help(message: Message, state: FSMContext, texts: Texts) -> None:
    current = await state.get_state()
    text = texts.get("help")
    if current is not None:
        text += "\n\n" + texts.get("help-in-dialog")
    await message.answer(text)


async def cmd_menu(message: Message, state: FSMContext, texts: Texts) -> None:
    """The main menu; a dialog under way is kept (dialogs/parked.py) and offered to go on."""
    await park(state)
    await state.clear()
    await message.answer(texts.get("menu-shown"), reply_markup=main_menu(texts))
    await offer(message, state, texts)


async def cmd_cancel(message: Message, state: FSMContext, texts: Texts) -> None:
    had_dialog = await state.get_state() is not None
    await state.clear()
    key = "cancel-done" if had_dialog else "cancel-nothing"
    await message.answer(texts.get(key), reply_markup=main_menu(texts))


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_start, Cmd("start"))
    router.callback_query.register(on_consent, ConsentChoice.filter())
    router.message.register(cmd_help, Cmd("help"))
    router.message.register(cmd_help, Button("menu-help"))
    router.message.register(cmd_menu, Cmd("menu"))
    router.message.register(cmd_cancel, Cmd("cancel"))
    router.message.register(cmd_cancel, Button("nav-cancel"))
    return router
