"""A person answers a questionnaire (regulation §19.17–19.18): the first question came as a
notice with its buttons (notifier/notices.py); each press records the answer and asks the
next question the person has not answered, a free-text question takes their next message,
and the last answer is thanked for.

A press on a question already answered (a double press, an old message) changes nothing and
says so; a press with a value the question has no button for is refused by the callback
data or the domain. Refusals are told by one renderer (handlers/errors.py `DomainErrors`),
the person staying at the question they were at."""

from __future__ import annotations

import contextlib
from typing import Any

from aiogram import Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from app.services import Services
from core.texts import Texts
from domain.questionnaires import (
    NotARecipient,
    QuestionKind,
    QuestionnaireClosed,
    QuestionnaireNotFound,
)
from handlers.errors import DomainErrors
from handlers.keyboards import main_menu
from notifier.questionnaire_texts import QuestAnswerCb, answer_keyboard, render_question
from services.questionnaires import AnswerOutcome


class QuestionnaireText(StatesGroup):
    answer = State()  # data: q (questionnaire id), n (position)


def _reply_refusal(message: Message, text: str, data: dict[str, Any]) -> None:
    data["services"].replies.send(message.chat.id, text)


async def _ask_next(
    message: Message, state: FSMContext, services: Services, texts: Texts, outcome: AnswerOutcome
) -> None:
    """The next unanswered question (a free text waits for the next message), or thanks."""
    questionnaire, position = outcome.questionnaire, outcome.next
    if position is None:
        await state.clear()
        # Queued with the last answer (notifier/replies.py): it reports what was stored.
        services.replies.send(
            message.chat.id,
            texts.get("quest-thanks", title=questionnaire.title),
            markup=main_menu(texts),
        )
        return
    question = questionnaire.question(position)
    text = render_question(
        texts,
        title=questionnaire.title,
        position=position,
        count=len(questionnaire.questions),
        question=question,
    )
    if question.kind is QuestionKind.FREE_TEXT:
        await state.set_state(QuestionnaireText.answer)
        await state.set_data({"q": questionnaire.id, "n": position})
    else:
        await state.clear()
    await message.answer(
        text, reply_markup=answer_keyboard(texts, questionnaire.id, position, question)
    )


async def reask(message: Message, state: FSMContext, services: Services, texts: Texts) -> None:
    """The free-text question again (after a restart, handlers/resume.py)."""
    data = await state.get_data()
    outcome = await services.questionnaires.pending(message.chat.id, int(data.get("q") or 0))
    await _ask_next(message, state, services, texts, outcome)


async def on_answer(
    callback: CallbackQuery,
    callback_data: QuestAnswerCb,
    state: FSMContext,
    services: Services,
    texts: Texts,
) -> None:
    message = callback.message
    if not isinstance(message, Message):
        await callback.answer()
        return
    user_id = callback.from_user.id
    questionnaires = services.questionnaires
    questionnaire_id, position = callback_data.q, callback_data.n
    current = await questionnaires.pending(user_id, questionnaire_id)
    question = current.questionnaire.question(position)
    if question.kind is QuestionKind.FREE_TEXT:
        # «Написать ответ» under a free-text first question: the next message is the answer.
        if current.next != position:
            await callback.answer(texts.get("quest-already"))
            return
        await state.set_state(QuestionnaireText.answer)
        await state.set_data({"q": questionnaire_id, "n": position})
        await message.answer(texts.get("quest-write-now"))
        await callback.answer()
        return
    outcome = await questionnaires.answer(
        user_id, questionnaire_id, position, value=callback_data.v
    )
    if not outcome.recorded:
        await callback.answer(texts.get("quest-already"))
        return
    with contextlib.suppress(TelegramAPIError):
        await message.edit_reply_markup(reply_markup=None)
    await callback.answer(texts.get("quest-recorded"))
    await _ask_next(message, state, services, texts, outcome)


async def on_text(message: Message, state: FSMContext, services: Services, texts: Texts) -> None:
    """The answer to a free-text question: words only (a photo or a sticker is asked again)."""
    if message.text is None:
        await message.answer(texts.get("quest-text-expected"))
        return
    data = await state.get_data()
    questionnaire_id, position = int(data.get("q") or 0), int(data.get("n") or 0)
    try:
        outcome = await services.questionnaires.answer(
            message.chat.id, questionnaire_id, position, text=message.text
        )
    except (QuestionnaireClosed, QuestionnaireNotFound, NotARecipient):
        await state.clear()  # nothing to wait for any more; the refusal is told
        raise
    await _ask_next(message, state, services, texts, outcome)


def build_router() -> Router:
    router = Router(name=__name__)
    refusals = DomainErrors(_reply_refusal)
    router.callback_query.middleware(refusals)
    router.callback_query.register(on_answer, QuestAnswerCb.filter())
    return router


def build_steps_router() -> Router:
    steps = Router(name=f"{__name__}.steps")
    refusals = DomainErrors(_reply_refusal)
    steps.message.middleware(refusals)
    steps.message.filter(StateFilter(QuestionnaireText.answer))
    steps.message.register(on_text)
    return steps
