"""After a crash: a person whose last input was stored but never answered is offered to go on.

A dialog step is stored before its next question goes out (whatever a person is told is
stored first), so a crash in between leaves the dialog advanced and the question unsent. The
update's record then still says unanswered (storage/dedup.py). At start-up `offer_resume`
queues, through the outbox, one message to each such person who is still in a dialog: the
bot was restarted, what they entered is kept, «Продолжить». The button asks the current
step's question again, whichever dialog it is. A person whose dialog ended meanwhile gets
nothing: a final step's confirmation is in the outbox already (notifier/replies.py)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Any

from aiogram import Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import BaseStorage, StorageKey
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.services import Services
from core.config import AppConfig
from core.texts import Texts
from dialogs.account import steps as account_steps
from dialogs.appeal import steps as appeal_steps
from dialogs.appeal.states import AddInformation
from dialogs.booking import steps as booking_steps
from dialogs.readings import steps as readings_steps
from dialogs.steps import StepTable, Turn
from domain.clock import Clock
from handlers import my_appeals, questionnaire, survey
from handlers.keyboards import inline_column
from notifier.replies import OutboxReplies
from storage.dedup import UpdateDeduplicator
from storage.uow import UnitOfWork

logger = logging.getLogger(__name__)


class ResumeDialog(CallbackData, prefix="resume"):
    pass


# The dialogs declared as step tables: the one that has the person's state asks its step.
_TABLES: tuple[StepTable[Any], ...] = (
    appeal_steps.TABLE,
    readings_steps.TABLE,
    booking_steps.TABLE,
    account_steps.TABLE,
)


def _group_of(state: str) -> str:
    return state.split(":", 1)[0]


async def on_resume(
    query: CallbackQuery,
    state: FSMContext,
    services: Services,
    texts: Texts,
    config: AppConfig,
) -> None:
    message = query.message
    current = await state.get_state()
    if not isinstance(message, Message) or current is None:
        await query.answer(texts.get("resume-nothing"), show_alert=True)
        return
    await query.answer()
    # The offer is spent: its button goes, so an old «Продолжить» is not pressed for a question.
    with contextlib.suppress(TelegramAPIError):
        await message.edit_reply_markup(reply_markup=None)
    group = _group_of(current)
    turn = Turn(message, state, services, texts, config)
    table = next((t for t in _TABLES if t.state_of(current) is not None), None)
    if table is not None:
        await table.ask_current(turn)
    elif group == AddInformation.__full_group_name__:
        await my_appeals.reask(message, state, texts)
    elif group == survey.SurveyComment.__full_group_name__:
        await survey.reask(message, state, texts)
    elif group == questionnaire.QuestionnaireText.__full_group_name__:
        await questionnaire.reask(message, state, services, texts)
    else:
        # A dialog without a question of its own to repeat: its input is still awaited.
        await message.answer(texts.get("resume-go-on"))


def build_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(on_resume, ResumeDialog.filter())
    return router


async def offer_resume(
    *,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: Clock,
    dedup: UpdateDeduplicator,
    storage: BaseStorage,
    bot_id: int,
    texts: Texts,
    wake: Callable[[], None] | None = None,
) -> int:
    """At start-up, before updates are taken: queue the offer to go on to every person in a
    private chat whose last stored input was never answered and who is still in a dialog.
    The records are marked answered in the same transaction, so each is offered once.
    Returns how many were offered."""
    found = await dedup.unanswered(sessionmaker, now=clock.now())
    if not found:
        return 0
    latest = {chat_id: update_id for update_id, chat_id in found if chat_id > 0}
    offers: list[tuple[int, int]] = []
    for chat_id, update_id in latest.items():
        key = StorageKey(bot_id=bot_id, chat_id=chat_id, user_id=chat_id)
        if await storage.get_state(key) is not None:
            offers.append((chat_id, update_id))
    for update_id, _chat_id in found:
        dedup.answered(update_id)
    uow = UnitOfWork(sessionmaker, clock=clock, piggyback=dedup.piggyback)
    replies = OutboxReplies(uow, clock=clock, wake=wake)
    markup = inline_column([(texts.get("resume-button"), ResumeDialog())])
    for chat_id, update_id in offers:
        replies.send(chat_id, texts.get("resume-offer"), markup=markup, key=f"resume:{update_id}")
    uow.mark_written(effect=False)  # the answered marks go even if nobody is offered
    await uow.commit()
    logger.info("interrupted updates at start: %d, offered to go on: %d", len(found), len(offers))
    return len(offers)
