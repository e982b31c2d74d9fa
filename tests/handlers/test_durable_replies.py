"""A person always learns the outcome of what they pressed (issue 11): a confirmation is queued
with the record it reports, a kill between storing and replying delays it until the restart
(once), a final button pressed again answers with the record, and a dialog step stored but
never answered is offered to go on after the restart."""

from __future__ import annotations

import re
from typing import Any

import pytest
from aiogram.methods import SendMessage, TelegramMethod
from sqlalchemy import func, select

from core.texts import Texts
from domain.clock import FixedClock
from handlers.resume import offer_resume
from storage.models import AppealRow, BookingRow, ProcessedUpdateRow
from tests.fakes import texts_of
from tests.handlers.conftest import consented
from tests.handlers.test_appeal_dialog import COMPLAINT_TEXT
from tests.handlers.test_appeal_dialog import _linked as appeal_linked
from tests.handlers.test_appeal_dialog import _to_text_step as to_text_step
from tests.handlers.test_booking_dialog import _linked as booking_linked
from tests.handlers.test_booking_dialog import _to_time_step as to_time_step
from tests.harness import BotHarness, Person

pytestmark = pytest.mark.usefixtures("registry")


class Killed(BaseException):
    """kill -9 at this point: the process runs nothing more (no handler, no error reply)."""


def _kill_at(harness: BotHarness, matches: Any) -> None:
    harness.session.traps.append((matches, Killed()))


async def _restart(harness: BotHarness, texts: Texts) -> BotHarness:
    return await BotHarness.start(
        harness.app.settings,
        clock=FixedClock(harness.app.clock.now()),
        texts=texts,
        content=harness.app.content,
    )


async def _offer(harness: BotHarness) -> int:
    """What `reception run` does at start, before taking updates (bot/runner.py)."""
    app = harness.app
    return await offer_resume(
        sessionmaker=app.sessionmaker,
        clock=app.clock,
        dedup=app.dedup,
        storage=app.storage,
        bot_id=harness.bot.id,
        texts=app.texts,
    )


async def _count(harness: BotHarness, table: Any) -> int:
    async with harness.app.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


async def _to_summary(person: Person, texts: Texts) -> None:
    await to_text_step(person, texts)
    await person.send(COMPLAINT_TEXT)
    await person.press(texts.get("appeal-attachments-done"))
    await person.press("Иванова Мария Петровна")
    await person.press(texts.get("appeal-skip"))
    await person.press(texts.get("appeal-channel-chat"))
    await person.press(texts.get("appeal-vulnerable-none"))


def _registered(calls: list[TelegramMethod[Any]]) -> list[str]:
    return [text for text in texts_of(calls) if "Обращение зарегистрировано" in text]


async def test_a_kill_right_after_the_registration_still_tells_the_number_once(
    harness: BotHarness, texts: Texts
) -> None:
    person = await appeal_linked(harness, texts)
    await _to_summary(person, texts)
    # The registration is committed before the first call after it (the summary's buttons
    # are taken away); the process dies in that call.
    _kill_at(
        harness, lambda call: not isinstance(call, SendMessage) and hasattr(call, "message_id")
    )
    with pytest.raises(Killed):
        await person.press(texts.get("appeal-summary-submit"))
    assert await _count(harness, AppealRow) == 1
    restarted = await _restart(harness, texts)
    try:
        again = restarted.person(user_id=person.user.id)
        again.last_inline = person.last_inline
        assert await _offer(restarted) == 0  # the dialog is over: its reply is queued already
        [registered] = _registered(await again.deliver())
        number = re.search(r"ВЭ-2026-\d{6}", registered)
        assert number is not None
        assert await again.deliver() == []  # once
        # The same «Отправить» again: the appeal it became, not a second one, not silence.
        await again.press(texts.get("appeal-summary-submit"))
        assert texts_of(await again.deliver()) == [
            texts.get(
                "appeal-already-registered",
                number=number.group(0),
                due="24.12.2026",
                status=texts.get("appeal-status-registered"),
            )
        ]
    finally:
        await restarted.close()
    assert await _count(harness, AppealRow) == 1


async def test_submit_pressed_twice_registers_once_and_answers_both_presses(
    harness: BotHarness, texts: Texts
) -> None:
    person = await appeal_linked(harness, texts)
    await _to_summary(person, texts)
    submit = person.callback_update(texts.get("appeal-summary-submit"))
    await person.feed(submit)
    [registered] = _registered(await person.deliver())
    again = submit.model_copy(update={"update_id": submit.update_id + 1_000_000})
    calls = await person.feed(again)
    assert [getattr(c, "text", None) for c in calls] == [None]  # no "stale button" alert
    [answer] = texts_of(await person.deliver())
    assert answer.startswith("Это обращение уже зарегистрировано")
    number = re.search(r"ВЭ-2026-\d{6}", registered)
    assert number is not None and number.group(0) in answer
    assert await _count(harness, AppealRow) == 1


async def test_a_kill_before_the_next_question_offers_to_go_on_after_the_restart(
    harness: BotHarness, texts: Texts
) -> None:
    person = await consented(harness, texts)
    await to_text_step(person, texts)
    attachments = texts.get("appeal-ask-attachments", max=10, mb=20)
    # The text is stored (the dialog moves on) before the next question goes out; the
    # process dies while sending it.
    _kill_at(harness, lambda call: getattr(call, "text", None) == attachments)
    with pytest.raises(Killed):
        await person.send(COMPLAINT_TEXT)
    restarted = await _restart(harness, texts)
    try:
        again = restarted.person(user_id=person.user.id)
        assert await _offer(restarted) == 1
        assert texts_of(await again.deliver()) == [texts.get("resume-offer")]
        assert await _offer(restarted) == 0  # offered once, not at every start
        calls = await again.press(texts.get("resume-button"))
        assert texts_of(calls) == [attachments]  # the question that was lost
        await again.press(texts.get("appeal-attachments-done"))
        await again.send("Иванова Мария Петровна")
        await again.press(texts.get("appeal-skip"))
        await again.press(texts.get("appeal-channel-chat"))
        calls = await again.press(texts.get("appeal-vulnerable-none"))
        assert COMPLAINT_TEXT in texts_of(calls)[0]  # what was entered before the kill
    finally:
        await restarted.close()


async def test_answered_steps_are_not_offered_again_after_a_restart(
    harness: BotHarness, texts: Texts
) -> None:
    person = await consented(harness, texts)
    await to_text_step(person, texts)
    await person.send(COMPLAINT_TEXT)
    # The answered marks travel with the next commit of any update...
    other = await consented(harness, texts, user_id=7_000_002)
    await other.send("/appeal")
    async with harness.app.sessionmaker() as session:
        unanswered = await session.scalar(
            select(func.count())
            .select_from(ProcessedUpdateRow)
            .where(ProcessedUpdateRow.answered.is_(False))
        )
    assert unanswered == 1  # only the last update, whose mark waits for the next commit
    # ...or with the periodic flush (and the one at shutdown).
    await harness.app.dedup.store_answered(harness.app.sessionmaker, clock=harness.app.clock)
    restarted = await _restart(harness, texts)
    try:
        assert await _offer(restarted) == 0
    finally:
        await restarted.close()


async def test_a_kill_after_booking_still_tells_the_number_and_a_repress_finds_it(
    harness: BotHarness, texts: Texts
) -> None:
    person = await booking_linked(harness, texts)
    await to_time_step(person, texts)
    await person.press("10:00")
    await person.send("Иванова Мария Петровна")
    await person.send("8 (920) 000-00-01")
    _kill_at(
        harness, lambda call: not isinstance(call, SendMessage) and hasattr(call, "message_id")
    )
    with pytest.raises(Killed):
        await person.press(texts.get("booking-confirm"))
    restarted = await _restart(harness, texts)
    try:
        again = restarted.person(user_id=person.user.id)
        again.last_inline = person.last_inline
        [done] = texts_of(await again.deliver())
        number = re.search(r"З-2026-\d{6}", done)
        assert number is not None and "Вы записаны" in done
        await again.press(texts.get("booking-confirm"))
        assert texts_of(await again.deliver()) == [
            texts.get(
                "booking-already-booked", number=number.group(0), when="чт, 26.11.2026 в 10:00"
            )
        ]
    finally:
        await restarted.close()
    assert await _count(harness, BookingRow) == 1
