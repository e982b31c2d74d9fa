"""The outbox never queues what Telegram would refuse for its length, and tells who needs to
know when a message about an appeal cannot be delivered (issue 11, points 1 and 7)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
import pytest_asyncio
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.exceptions import TelegramForbiddenError
from aiogram.methods import CopyMessage, SendMessage, SendPhoto, TelegramMethod
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.clock import FixedClock
from domain.rate_limit import RateLimiter
from domain.text_limits import CAPTION_MAX, MESSAGE_MAX, visible_length
from notifier.outbox import (
    OutboxSender,
    Undelivered,
    drop_pending,
    enqueue,
    fit_to_limits,
    register_method,
)
from storage.models import OutboxRow
from storage.uow import UnitOfWork
from tests.fakes import RecordingSession

LONG = ("Свет гаснет каждый вечер &amp; утром. " * 250).strip()
MARKUP = {"inline_keyboard": [[{"text": "Ок", "callback_data": "ok"}]]}


class Refusing(RecordingSession):
    """The recording fake (it refuses over-long texts) with chats that blocked the bot."""

    def __init__(self) -> None:
        super().__init__()
        self.blocked: set[int] = set()

    def respond(self, bot: Bot, method: TelegramMethod[Any]) -> Any:
        if int(getattr(method, "chat_id", 0) or 0) in self.blocked:
            self.calls.append(method)
            self.results.append(None)
            raise TelegramForbiddenError(
                method=method, message="Forbidden: bot was blocked by the user"
            )
        return super().respond(bot, method)


@pytest_asyncio.fixture
async def api() -> AsyncIterator[Refusing]:
    yield Refusing()


@pytest_asyncio.fixture
async def bot(api: Refusing) -> AsyncIterator[Bot]:
    bot = Bot("42:TEST", session=api, default=DefaultBotProperties(parse_mode="HTML"))
    yield bot
    await bot.session.close()


def _sender(
    sessionmaker: async_sessionmaker[AsyncSession], bot: Bot, clock: FixedClock, **kwargs: Any
) -> OutboxSender:
    async def sleep(seconds: float) -> None:
        clock.advance(timedelta(seconds=seconds))

    return OutboxSender(sessionmaker, bot, clock, RateLimiter(), sleep=sleep, **kwargs)


async def _send_all(sender: OutboxSender, clock: FixedClock) -> None:
    for _ in range(20):
        await sender.run_once()
        clock.advance(timedelta(seconds=5))


async def _rows(sessionmaker: async_sessionmaker[AsyncSession]) -> list[OutboxRow]:
    async with sessionmaker() as session:
        return list((await session.scalars(select(OutboxRow).order_by(OutboxRow.id))).all())


def test_a_message_that_fits_is_queued_as_it_is() -> None:
    payload = {"text": "<b>Коротко</b>", "reply_markup": MARKUP}
    assert fit_to_limits("send_message", payload) == [("send_message", payload)]


def test_a_long_text_becomes_parts_in_order_with_the_buttons_under_the_last() -> None:
    payload = {"text": LONG, "reply_markup": MARKUP, "message_thread_id": 5}
    parts = fit_to_limits("send_message", payload)
    assert len(parts) == 3
    assert all(method == "send_message" for method, _ in parts)
    assert all(visible_length(part["text"]) <= MESSAGE_MAX for _, part in parts)
    assert all(part["message_thread_id"] == 5 for _, part in parts)
    assert [("reply_markup" in part) for _, part in parts] == [False, False, True]
    joined = " ".join(part["text"] for _, part in parts)
    assert joined.split() == LONG.split()


def test_a_long_caption_goes_as_messages_after_the_media_without_it() -> None:
    caption = "Подпись к фото. " * 100
    parts = fit_to_limits(
        "send_photo", {"photo": "ph", "caption": caption, "reply_markup": MARKUP}
    )
    assert parts[0] == ("send_photo", {"photo": "ph"})
    assert [method for method, _ in parts[1:]] == ["send_message"]
    assert parts[1][1]["text"] == caption and parts[1][1]["reply_markup"] == MARKUP
    copy = fit_to_limits("copy_message", {"from_chat_id": 1, "message_id": 2, "caption": caption})
    assert copy[0] == ("copy_message", {"from_chat_id": 1, "message_id": 2, "caption": ""})
    short = {"photo": "ph", "caption": "п" * CAPTION_MAX}
    assert fit_to_limits("send_photo", short) == [("send_photo", short)]


def test_a_custom_method_with_a_text_key_is_split_like_a_message() -> None:
    register_method("limits-test", text_key="body")
    parts = fit_to_limits("limits-test", {"op": "post", "body": LONG, "reply_markup": MARKUP})
    assert len(parts) == 3
    assert all(part["op"] == "post" for _, part in parts)
    assert "reply_markup" in parts[-1][1] and "reply_markup" not in parts[0][1]


async def test_parts_are_sent_in_order_each_within_the_limit_and_queued_once(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    bot: Bot,
    api: Refusing,
) -> None:
    for _ in range(2):  # the same keyed message twice: queued once
        uow = UnitOfWork(sessionmaker, clock=clock)
        enqueue(
            uow,
            chat_id=7,
            method="send_message",
            payload={"text": LONG, "reply_markup": MARKUP},
            now=clock.now(),
            dedup_key="answer:1",
        )
        await uow.commit()
    stored = await _rows(sessionmaker)
    assert [row.dedup_key for row in stored] == ["answer:1", "answer:1#2", "answer:1#3"]
    await _send_all(_sender(sessionmaker, bot, clock), clock)
    sent = [c for c in api.take() if isinstance(c, SendMessage)]
    assert len(sent) == 3
    assert " ".join(c.text for c in sent).split() == LONG.split()
    assert {row.status for row in await _rows(sessionmaker)} == {"sent"}


async def test_dropping_a_keyed_message_drops_its_further_parts(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    uow = UnitOfWork(sessionmaker, clock=clock)
    enqueue(
        uow,
        chat_id=7,
        method="send_message",
        payload={"text": LONG},
        now=clock.now(),
        dedup_key="reminder:1",
    )
    await uow.commit()
    uow = UnitOfWork(sessionmaker, clock=clock)
    assert await drop_pending(uow, dedup_keys=["reminder:1"]) == 3
    await uow.commit()


async def test_a_long_notice_keeps_one_row_per_recipient_with_its_id(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    from storage.models import NoticeRow

    async with sessionmaker() as session, session.begin():
        notice = NoticeRow(
            kind="tariff",
            topic="tariff",
            audience="topic",
            urgent=False,
            params={},
            send_at=clock.now(),
            status="queuing",
            source="test",
            created_by=None,
            created_at=clock.now(),
        )
        session.add(notice)
        await session.flush()
        notice_id = notice.id
    uow = UnitOfWork(sessionmaker, clock=clock)
    enqueue(
        uow,
        chat_id=7,
        method="send_message",
        payload={"text": LONG},
        now=clock.now(),
        notice_id=notice_id,
    )
    await uow.commit()
    stored = await _rows(sessionmaker)
    assert [(row.notice_id, row.dedup_key) for row in stored] == [
        (notice_id, None),
        (None, f"notice:{notice_id}:7#2"),
        (None, f"notice:{notice_id}:7#3"),
    ]


async def test_a_blocked_message_about_an_appeal_is_reported_once_per_part_before_its_outcome(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    bot: Bot,
    api: Refusing,
) -> None:
    reports: list[Undelivered] = []

    async def report(row: Undelivered) -> None:
        # The outcome is stored after the report: a crash in between reports it again.
        async with sessionmaker() as session:
            status = await session.scalar(
                select(OutboxRow.status).where(OutboxRow.id == row.row_id)
            )
        assert status == "pending"
        reports.append(row)

    uow = UnitOfWork(sessionmaker, clock=clock)
    enqueue(
        uow,
        chat_id=7,
        method="send_message",
        payload={"text": LONG},
        now=clock.now(),
        urgent=True,
        appeal_id=11,
        purpose="answer",
    )
    enqueue(uow, chat_id=7, method="send_message", payload={"text": "опрос"}, now=clock.now())
    await uow.commit()
    api.blocked.add(7)
    await _send_all(_sender(sessionmaker, bot, clock, on_undelivered=report), clock)
    assert [(r.appeal_id, r.purpose, r.status) for r in reports] == [(11, "answer", "blocked")] * 3
    assert len({r.queued_at for r in reports}) == 1  # the parts name one message
    assert {row.status for row in await _rows(sessionmaker)} == {"blocked"}


async def test_a_failed_report_leaves_the_row_pending_to_be_tried_again(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    bot: Bot,
    api: Refusing,
) -> None:
    calls: list[int] = []

    async def report(row: Undelivered) -> None:
        calls.append(row.row_id)
        if len(calls) == 1:
            raise RuntimeError("database is down")

    uow = UnitOfWork(sessionmaker, clock=clock)
    enqueue(
        uow,
        chat_id=7,
        method="send_message",
        payload={"text": "Ответ"},
        now=clock.now(),
        appeal_id=11,
        purpose="answer",
    )
    await uow.commit()
    api.blocked.add(7)
    sender = _sender(sessionmaker, bot, clock, on_undelivered=report)
    await sender.run_once()
    assert [row.status for row in await _rows(sessionmaker)] == ["pending"]
    clock.advance(timedelta(minutes=5))
    await sender.run_once()
    assert calls == [calls[0], calls[0]]
    assert [row.status for row in await _rows(sessionmaker)] == ["blocked"]


def test_a_message_about_an_appeal_names_both_the_appeal_and_the_purpose(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    uow = UnitOfWork(sessionmaker, clock=clock)
    with pytest.raises(ValueError, match="both"):
        enqueue(
            uow,
            chat_id=7,
            method="send_message",
            payload={"text": "x"},
            now=clock.now(),
            appeal_id=1,
        )


async def test_every_photo_and_copy_caption_reaching_telegram_fits(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    bot: Bot,
    api: Refusing,
) -> None:
    caption = "Подпись к фото. " * 100
    uow = UnitOfWork(sessionmaker, clock=clock)
    enqueue(
        uow,
        chat_id=7,
        method="send_photo",
        payload={"photo": "ph", "caption": caption},
        now=clock.now(),
    )
    enqueue(
        uow,
        chat_id=8,
        method="copy_message",
        payload={"from_chat_id": 1, "message_id": 2, "caption": caption},
        now=clock.now(),
    )
    await uow.commit()
    await _send_all(_sender(sessionmaker, bot, clock), clock)
    calls = api.take()
    assert [type(c) for c in calls if int(getattr(c, "chat_id", 0)) == 7] == [
        SendPhoto,
        SendMessage,
    ]
    assert [type(c) for c in calls if int(getattr(c, "chat_id", 0)) == 8] == [
        CopyMessage,
        SendMessage,
    ]
    assert {row.status for row in await _rows(sessionmaker)} == {"sent"}


async def test_a_report_that_keeps_failing_is_given_up_after_the_last_try(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    bot: Bot,
    api: Refusing,
) -> None:
    async def report(row: Undelivered) -> None:
        raise RuntimeError("a bug")

    uow = UnitOfWork(sessionmaker, clock=clock)
    enqueue(
        uow,
        chat_id=7,
        method="send_message",
        payload={"text": "Ответ"},
        now=clock.now(),
        appeal_id=11,
        purpose="answer",
    )
    await uow.commit()
    api.blocked.add(7)
    sender = _sender(sessionmaker, bot, clock, on_undelivered=report, max_attempts=3)
    for _ in range(5):
        await sender.run_once()
        clock.advance(timedelta(hours=2))
    assert [(row.status, row.attempts) for row in await _rows(sessionmaker)] == [("blocked", 3)]
