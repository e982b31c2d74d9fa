"""The staff chat side of the outbox: the `staff` method (notifier/appeal_notices.py).

Each appeal has a thread in the staff supergroup: a forum topic where the group has topics,
else a card message whose replies are the thread. Where it lives is decided at send time:
- `card`: create the topic (forum groups) and post the card in it. The topic is stored the
  moment Telegram has created it, before the card waits for the group's pace, so a row tried
  again after a crash posts the card into that topic rather than creating another (issue
  11). If the topic cannot be created (no rights, not a forum, Telegram's limit on new
  topics), the card goes to the main chat and the appeal keeps a card thread. A card that
  shows the appeal's text shortened queues the whole text into the thread, in the
  transaction that stores the card.
- `edit`: the card is re-rendered from the database and edited in place, so whatever order
  edits arrive in, the card shows the current state. A deleted card is posted again.
- `post`, `file`, `copy`: a line, a file or a consumer's message in the thread. A topic
  deleted by someone is recreated (with a fresh card) on the next post rather than losing
  the appeal.
Every message sent is remembered with its appeal, so a staff reply to any of them finds it;
every topic an appeal ever had is kept, so a staff message in any of them finds it too.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiogram.exceptions import TelegramBadRequest, TelegramRetryAfter
from aiogram.methods import (
    CopyMessage,
    CreateForumTopic,
    EditMessageText,
    SendDocument,
    SendMessage,
    SendPhoto,
    SendVoice,
    TelegramMethod,
)
from aiogram.types import ReplyParameters
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.texts import Texts
from domain.appeals import Appeal, AppealId
from domain.clock import Clock
from domain.delivery import UNDELIVERED_TASK
from domain.screening import FlagKind
from notifier.appeal_notices import STAFF_METHOD
from notifier.outbox_calls import OutboxCall
from notifier.staff_render import CardView, render_card
from storage.appeals import SqlAppealRepository
from storage.outbox import enqueue
from storage.staff import SqlAppealTasks, SqlAppealThreads, SqlStaffDirectory, Thread
from storage.uow import UnitOfWork, skip_flush_wait

logger = logging.getLogger(__name__)

CardRenderer = Callable[[UnitOfWork, int], Awaitable[CardView | None]]

_THREAD_GONE = ("message thread not found", "topic_deleted", "topic_closed", "thread not found")
_NOT_MODIFIED = "message is not modified"
_EDIT_GONE = ("message to edit not found", "message can't be edited")


def _is(error: TelegramBadRequest, needles: tuple[str, ...]) -> bool:
    text = error.message.lower()
    return any(needle in text for needle in needles)


class StaffChannel:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        clock: Clock,
        render: CardRenderer,
        forum: bool,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._clock = clock
        self._render = render
        self.forum = forum
        # After Telegram refuses new topics (flood limit), cards go to the main chat until then.
        self._topics_paused_until: datetime | None = None

    async def __call__(self, call: OutboxCall) -> int | None:
        payload = call.payload
        appeal_id = int(payload["appeal_id"])
        op = str(payload["op"])
        thread = await self._thread(appeal_id)
        if op == "card":
            if thread is not None and thread.card_message_id is not None:
                return thread.card_message_id  # a redelivered row: the card exists
            return await self._post_card(call, appeal_id, thread)
        if op == "edit":
            return await self._edit_card(call, appeal_id, thread)
        return await self._post(call, appeal_id, thread, dict(payload))

    # Storage ------------------------------------------------------------------------------

    async def _thread(self, appeal_id: int) -> Thread | None:
        uow = UnitOfWork(self._sessionmaker, clock=self._clock)
        try:
            return await SqlAppealThreads(uow).get(appeal_id)
        finally:
            await uow.rollback()

    async def _remember(
        self,
        chat_id: int,
        message_id: int,
        appeal_id: int,
        thread: Thread | None = None,
        *,
        full_text: str | None = None,
    ) -> None:
        """Store a message sent about the appeal (and where its thread is now, for a card); a
        card that shows the text shortened queues the whole text into the thread with it."""
        uow = UnitOfWork(self._sessionmaker, clock=self._clock)
        try:
            threads = SqlAppealThreads(uow)
            if thread is not None:
                await threads.save(thread, at=self._clock.now())
            threads.remember(chat_id, message_id, appeal_id)
            if full_text is not None:
                enqueue(
                    uow,
                    chat_id=chat_id,
                    method=STAFF_METHOD,
                    payload={"op": "post", "appeal_id": appeal_id, "text": full_text},
                    now=self._clock.now(),
                    dedup_key=f"full-text:{appeal_id}:{message_id}",
                )
            await uow.commit()
        except BaseException:
            await uow.rollback()
            raise

    async def _topic(self, call: OutboxCall, title: str, appeal_id: int) -> int | None:
        """A new topic for the appeal, stored the moment Telegram creates it as the appeal's
        thread (its card not posted yet): whatever happens next, a retry uses this topic.

        The window between Telegram creating the topic and the commit of its id is where a
        crash of the bot leaves a second topic (Telegram has no idempotency key), so the
        transaction is ready before the call (on PostgreSQL a connection checked out, which
        after a restart means connecting) and its commit does not wait for a WAL flush:
        what is left of the window is one round trip."""
        uow = UnitOfWork(self._sessionmaker, clock=self._clock)
        try:
            await skip_flush_wait(uow)
            topic_id = await self._new_topic(call, title)
            if topic_id is not None:
                thread = Thread(
                    appeal_id=appeal_id,
                    chat_id=call.chat_id,
                    topic_id=topic_id,
                    card_message_id=None,
                )
                await SqlAppealThreads(uow).save(thread, at=self._clock.now())
                await uow.commit()
            return topic_id
        finally:
            if uow.has_session:
                await uow.rollback()

    async def _card_view(self, appeal_id: int) -> CardView | None:
        uow = UnitOfWork(self._sessionmaker, clock=self._clock)
        try:
            return await self._render(uow, appeal_id)
        finally:
            await uow.rollback()

    # Telegram -----------------------------------------------------------------------------

    async def _new_topic(self, call: OutboxCall, name: str) -> int | None:
        now = self._clock.now()
        if not self.forum or (
            self._topics_paused_until is not None and now < self._topics_paused_until
        ):
            return None
        try:
            topic = await call.send(CreateForumTopic(chat_id=call.chat_id, name=name))
        except TelegramRetryAfter as error:
            self._topics_paused_until = now + timedelta(seconds=error.retry_after)
            logger.warning("staff chat: new topics refused for %d s", error.retry_after)
            return None
        except TelegramBadRequest as error:
            if "not a forum" in error.message.lower():
                self.forum = False
            logger.warning("staff chat: topic not created (%s); using a card", error.message)
            return None
        return int(topic.message_thread_id)

    async def _post_card(
        self, call: OutboxCall, appeal_id: int, thread: Thread | None
    ) -> int | None:
        view = await self._card_view(appeal_id)
        if view is None:
            return None
        if thread is not None and thread.topic_id is not None:
            topic_id: int | None = thread.topic_id  # created before a crash: used, not redone
        else:
            topic_id = await self._topic(call, view.title, appeal_id)

        def card_in(topic: int | None) -> SendMessage:
            return SendMessage(
                chat_id=call.chat_id,
                text=view.text,
                message_thread_id=topic,
                reply_markup=view.markup,
            )

        try:
            message = await call.send(card_in(topic_id))
        except TelegramBadRequest as error:
            if topic_id is None or not _is(error, _THREAD_GONE):
                raise
            # The topic kept from before a crash was deleted meanwhile: a new one.
            topic_id = await self._topic(call, view.title, appeal_id)
            message = await call.send(card_in(topic_id))
        card = Thread(
            appeal_id=appeal_id,
            chat_id=call.chat_id,
            topic_id=topic_id,
            card_message_id=int(message.message_id),
        )
        await self._remember(
            call.chat_id, int(message.message_id), appeal_id, card, full_text=view.full_text
        )
        return card.card_message_id

    async def _edit_card(
        self, call: OutboxCall, appeal_id: int, thread: Thread | None
    ) -> int | None:
        if thread is None or thread.card_message_id is None:
            return None  # the card was never posted: its row failed; nothing to edit
        view = await self._card_view(appeal_id)
        if view is None:
            return None
        try:
            await call.send(
                EditMessageText(
                    chat_id=call.chat_id,
                    message_id=thread.card_message_id,
                    text=view.text,
                    reply_markup=view.markup,
                )
            )
        except TelegramBadRequest as error:
            if _is(error, (_NOT_MODIFIED,)):
                return thread.card_message_id
            if _is(error, _EDIT_GONE):
                return await self._repost_card(call, appeal_id, thread)
            raise
        return thread.card_message_id

    async def _repost_card(self, call: OutboxCall, appeal_id: int, thread: Thread) -> int | None:
        view = await self._card_view(appeal_id)
        if view is None:
            return None
        message = await call.send(
            SendMessage(
                chat_id=call.chat_id,
                text=view.text,
                message_thread_id=thread.topic_id,
                reply_markup=view.markup,
            )
        )
        renewed = Thread(
            appeal_id=appeal_id,
            chat_id=call.chat_id,
            topic_id=thread.topic_id,
            card_message_id=int(message.message_id),
        )
        # Replies to a deleted card lose their place; a topic keeps the whole text it had.
        full_text = view.full_text if thread.topic_id is None else None
        await self._remember(
            call.chat_id, int(message.message_id), appeal_id, renewed, full_text=full_text
        )
        return int(message.message_id)

    def _method(
        self, call: OutboxCall, thread: Thread | None, payload: dict[str, Any]
    ) -> TelegramMethod[Any]:
        place: dict[str, Any] = {"chat_id": call.chat_id}
        if thread is not None and thread.topic_id is not None:
            place["message_thread_id"] = thread.topic_id
        elif thread is not None and thread.card_message_id is not None:
            place["reply_parameters"] = ReplyParameters(
                message_id=thread.card_message_id, allow_sending_without_reply=True
            )
        op = payload["op"]
        markup = payload.get("reply_markup")
        if op == "copy":
            return CopyMessage(
                from_chat_id=payload["from_chat_id"], message_id=payload["message_id"], **place
            )
        if op == "file":
            kind = payload["kind"]
            caption = payload.get("caption")
            if kind == "photo":
                return SendPhoto(photo=payload["file_id"], caption=caption, **place)
            if kind == "voice":
                return SendVoice(voice=payload["file_id"], caption=caption, **place)
            return SendDocument(document=payload["file_id"], caption=caption, **place)
        return SendMessage(text=payload["text"], reply_markup=markup, **place)

    async def _post(
        self, call: OutboxCall, appeal_id: int, thread: Thread | None, payload: dict[str, Any]
    ) -> int | None:
        try:
            result = await call.send(self._method(call, thread, payload))
        except TelegramBadRequest as error:
            if thread is None or thread.topic_id is None or not _is(error, _THREAD_GONE):
                raise
            # Someone deleted the topic: a new one with a fresh card, then the post.
            logger.warning("staff chat: the topic of appeal %d is gone; recreating", appeal_id)
            thread = await self._recreate(call, appeal_id, thread)
            result = await call.send(self._method(call, thread, payload))
        message_id = int(result.message_id)
        await self._remember(call.chat_id, message_id, appeal_id)
        return message_id

    async def _recreate(self, call: OutboxCall, appeal_id: int, old: Thread) -> Thread:
        view = await self._card_view(appeal_id)
        title = view.title if view is not None else str(appeal_id)
        topic_id = await self._topic(call, title, appeal_id)
        card_id: int | None = None
        if view is not None:
            card = await call.send(
                SendMessage(
                    chat_id=call.chat_id,
                    text=view.text,
                    message_thread_id=topic_id,
                    reply_markup=view.markup,
                )
            )
            card_id = int(card.message_id)
        thread = Thread(
            appeal_id=appeal_id, chat_id=call.chat_id, topic_id=topic_id, card_message_id=card_id
        )
        if card_id is not None:
            full_text = view.full_text if view is not None else None
            await self._remember(call.chat_id, card_id, appeal_id, thread, full_text=full_text)
        return thread


def card_renderer(texts: Texts, *, zone: ZoneInfo, clock: Clock) -> CardRenderer:
    """Renders an appeal's card from the database at send time."""

    async def render(uow: UnitOfWork, appeal_id: int) -> CardView | None:
        appeal = await SqlAppealRepository(uow).get(AppealId(appeal_id))
        if appeal is None:
            return None
        return await card_view(uow, appeal, texts, zone=zone, now=clock.now())

    return render


async def card_view(
    uow: UnitOfWork, appeal: Appeal, texts: Texts, *, zone: ZoneInfo, now: datetime
) -> CardView:
    """The card of `appeal` with what it shows read from the database: the executor, the
    earlier appeals a repeat points to, the attachments and the tasks (the staff chat's card;
    the web desk's, with the contacts left out until asked for)."""
    assert appeal.id is not None
    appeals = SqlAppealRepository(uow)
    executor = None
    if appeal.assignee_id is not None:
        member = await SqlStaffDirectory(uow).member(appeal.assignee_id)
        executor = member.display_name if member is not None else str(appeal.assignee_id)
    earlier: dict[int, str] = {}
    for flag in appeal.flags:
        if flag.kind is FlagKind.REPEAT and flag.detail.isdigit():
            found = await appeals.get(AppealId(int(flag.detail)))
            if found is not None:
                earlier[int(flag.detail)] = found.number
    tasks = SqlAppealTasks(uow)
    return render_card(
        appeal,
        texts,
        zone=zone,
        now=now,
        executor=executor,
        earlier=earlier,
        attachments=len(await appeals.attachments(appeal.id)),
        undelivered=await tasks.open_count(appeal.id, UNDELIVERED_TASK),
        tasks=await tasks.of_appeal(appeal.id),
    )
