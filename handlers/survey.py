"""The consumer's side of the staff conversation: answering a clarifying question (the reply
goes to the appeal's thread) and the satisfaction survey after the final answer (SPEC §9):
rating 1–5 (which closes the appeal), "is the question resolved", an optional comment."""

from __future__ import annotations

import contextlib

from aiogram import Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from app.services import Services
from core.texts import Texts
from dialogs.appeal.states import AddInformation
from domain.appeals import AppealId
from domain.errors import DomainError
from domain.ids import UserId
from handlers.keyboards import dialog_nav, main_menu
from notifier.staff_render import ClarifyCb, SurveyCb


class SurveyComment(StatesGroup):
    text = State()


async def on_clarify(
    callback: CallbackQuery,
    callback_data: ClarifyCb,
    state: FSMContext,
    services: Services,
    texts: Texts,
) -> None:
    """ "Answer the question": the next message (text, photo or document) is the reply."""
    message = callback.message
    if not isinstance(message, Message):
        await callback.answer()
        return
    try:
        details = await services.appeals.details(
            UserId(callback.from_user.id), AppealId(callback_data.appeal)
        )
    except DomainError as error:
        await callback.answer(texts.get(error.text_key), show_alert=True)
        return
    if not details.appeal.is_open:
        await callback.answer(texts.get("appeal-error-illegal-transition"), show_alert=True)
        return
    await state.set_state(AddInformation.text)
    await state.set_data({"appeal": callback_data.appeal, "number": details.appeal.number})
    await message.answer(
        texts.get("clarify-ask", number=details.appeal.number),
        reply_markup=dialog_nav(texts, back=False),
    )
    await callback.answer()


def _row(appeal_id: int, texts: Texts, *buttons: tuple[str, str, int]) -> InlineKeyboardMarkup:
    """One row of survey buttons: (text key, action, value)."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=texts.get(key),
                    callback_data=SurveyCb(action=action, appeal=appeal_id, value=value).pack(),
                )
                for key, action, value in buttons
            ]
        ]
    )


async def on_survey(
    callback: CallbackQuery,
    callback_data: SurveyCb,
    state: FSMContext,
    services: Services,
    texts: Texts,
) -> None:
    message = callback.message
    if not isinstance(message, Message):
        await callback.answer()
        return
    user_id = UserId(callback.from_user.id)
    appeal_id = AppealId(callback_data.appeal)
    try:
        if callback_data.action == "rate":
            await services.appeals.rate(user_id, appeal_id, callback_data.value)
            with contextlib.suppress(TelegramAPIError):
                await message.edit_reply_markup(reply_markup=None)
            await message.answer(
                texts.get("survey-ask-resolved"),
                reply_markup=_row(
                    appeal_id, texts, ("survey-yes", "resolved", 1), ("survey-no", "resolved", 0)
                ),
            )
        elif callback_data.action == "resolved":
            await services.appeals.survey(user_id, appeal_id, resolved=bool(callback_data.value))
            with contextlib.suppress(TelegramAPIError):
                await message.edit_reply_markup(reply_markup=None)
            await state.set_state(SurveyComment.text)
            await state.set_data({"appeal": int(appeal_id)})
            await message.answer(
                texts.get("survey-ask-comment"),
                reply_markup=_row(appeal_id, texts, ("survey-skip", "skip", 0)),
            )
        elif callback_data.action == "skip":
            await state.clear()
            with contextlib.suppress(TelegramAPIError):
                await message.edit_reply_markup(reply_markup=None)
            await message.answer(texts.get("survey-thanks"), reply_markup=main_menu(texts))
    except DomainError as error:
        await callback.answer(texts.get(error.text_key), show_alert=True)
        return
    await callback.answer()


async def reask(message: Message, state: FSMContext, texts: Texts) -> None:
    """Ask for the comment again (after a restart, handlers/resume.py)."""
    data = await state.get_data()
    await message.answer(
        texts.get("survey-ask-comment"),
        reply_markup=_row(int(data.get("appeal") or 0), texts, ("survey-skip", "skip", 0)),
    )


async def on_comment(
    message: Message, state: FSMContext, services: Services, texts: Texts
) -> None:
    data = await state.get_data()
    text = (message.text or "").strip()
    if not text:
        await message.answer(texts.get("appeal-dialog-text-expected"))
        return
    try:
        await services.appeals.survey(
            UserId(message.chat.id), AppealId(int(data["appeal"])), comment=text
        )
    except DomainError as error:
        await message.answer(texts.get(error.text_key, value="", date=""))
        return
    await state.clear()
    # Queued with the comment (notifier/replies.py): a crash after the commit delays it.
    services.replies.send(message.chat.id, texts.get("survey-thanks"), markup=main_menu(texts))


def build_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(on_clarify, ClarifyCb.filter())
    router.callback_query.register(on_survey, SurveyCb.filter())
    return router


def build_steps_router() -> Router:
    steps = Router(name=f"{__name__}.steps")
    steps.message.filter(StateFilter(SurveyComment.text))
    steps.message.register(on_comment)
    return steps
