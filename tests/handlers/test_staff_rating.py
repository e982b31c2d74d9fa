"""The survey for answers given outside the bot (SPEC §9, issue 13): a rating the appellant
gave by phone, in a letter or an e-mail is entered by staff with `/rating` in the appeal's
thread — recorded as the appellant's with the channel it came by, audited — and the
satisfaction figures tell ratings given in the bot, ratings entered by staff and answers not
surveyed apart. Bad input is refused with the command's format and nothing is stored."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import select

from bot.settings import Settings
from core.texts import Texts
from domain.appeals import AnswerChannel
from domain.clock import FixedClock
from domain.content import ContentLibrary
from domain.errors import StaffRatingInvalid
from domain.surveys import parse_staff_rating
from storage.models import AppealRow, AppealSurveyRow, StaffAuditRow
from storage.surveys import SqlSurveys
from storage.uow import UnitOfWork
from tests.handlers.test_offline_notices import HEAD_ID, register
from tests.handlers.test_staff_chat import _group_messages
from tests.harness import STAFF_CHAT_ID, BotHarness, StaffPerson

pytestmark = pytest.mark.usefixtures("registry")


@pytest_asyncio.fixture
async def harness(
    engine: Any, settings: Settings, clock: FixedClock, texts: Texts, content: ContentLibrary
) -> AsyncIterator[BotHarness]:
    staff_settings = settings.with_values(staff_chat_id=STAFF_CHAT_ID)
    bot_harness = await BotHarness.start(staff_settings, clock=clock, texts=texts, content=content)
    bot_harness.configure(admin_ids=frozenset({HEAD_ID}))
    yield bot_harness
    await bot_harness.close()


async def _appeal(harness: BotHarness) -> Any:
    async with harness.app.sessionmaker() as session:
        return (await session.execute(select(AppealRow.__table__))).one()


async def _survey(harness: BotHarness) -> Any:
    async with harness.app.sessionmaker() as session:
        return (await session.execute(select(AppealSurveyRow.__table__))).one()


async def _figures(harness: BotHarness) -> dict[str, tuple[int, int, int]]:
    now = harness.app.clock.now()
    uow = UnitOfWork(harness.app.sessionmaker, clock=harness.app.clock)
    try:
        rows = await SqlSurveys(uow).figures(now - timedelta(days=1), now + timedelta(days=1))
    finally:
        await uow.rollback()
    return {row.mode.value: (row.answers, row.rated, row.rated_by_staff) for row in rows}


async def answered(
    harness: BotHarness, texts: Texts, channel: str, contact: str
) -> tuple[StaffPerson, Any]:
    """A phone appeal registered with /register and answered by `channel`; its card."""
    staff, card = await register(harness, texts, channel, contact)
    await staff.reply(card, "/answer Опора № 17 заменена, напряжение в норме.")
    await harness.deliver()
    await staff.press(texts.get("staff-button-send-answer"))
    await harness.deliver()
    return staff, card


async def test_sp9_rating_given_by_phone_is_entered_by_staff_and_audited(
    harness: BotHarness, texts: Texts
) -> None:
    staff, card = await answered(harness, texts, "phone", "8 920 000-00-07")
    await staff.reply(card, "/rating 4 решён")
    posted = [call.text for call in _group_messages(await harness.deliver())]
    appeal = await _appeal(harness)
    assert (appeal.rating, appeal.resolved, appeal.status) == (4, True, "closed")
    survey = await _survey(harness)
    assert (survey.mode, survey.rated_via) == ("next_contact", "phone")
    done = texts.get(
        "staff-rating-done",
        number=appeal.number,
        rating=4,
        resolved="true",
        channel=texts.get("appeal-channel-phone").lower(),
    )
    assert done in posted
    async with harness.app.sessionmaker() as session:
        audited = (
            await session.execute(
                select(StaffAuditRow.__table__).where(StaffAuditRow.action == "rate")
            )
        ).all()
    assert len(audited) == 1 and audited[0].user_id == HEAD_ID
    assert (await _figures(harness))["next_contact"] == (1, 1, 1)


async def test_sp9_answer_by_post_not_surveyed_until_a_rating_comes_by_letter(
    harness: BotHarness, texts: Texts
) -> None:
    staff, card = await answered(harness, texts, "post", "607060, Выкса, ул. Ленина, д. 1, кв. 2")
    # Answered by post to someone without Telegram: recorded as not surveyed.
    assert (await _figures(harness))["none"] == (1, 0, 0)
    await staff.reply(card, "/rating 2 не решён письмо")
    await harness.deliver()
    appeal = await _appeal(harness)
    assert (appeal.rating, appeal.resolved) == (2, False)
    assert (await _figures(harness))["none"] == (1, 1, 1)


async def test_sp9_bad_rating_is_refused_with_the_format_and_nothing_is_stored(
    harness: BotHarness, texts: Texts
) -> None:
    staff, card = await answered(harness, texts, "phone", "8 920 000-00-07")
    for bad in ("/rating", "/rating 7", "/rating 4 может быть", "/rating 4 не знаю"):
        await staff.reply(card, bad)
        posted = [call.text for call in _group_messages(await harness.deliver())]
        assert texts.get("staff-rating-usage") in posted, bad
    appeal = await _appeal(harness)
    assert (appeal.rating, appeal.status) == (None, "answered")
    assert (await _survey(harness)).rated_via is None


def test_sp9_staff_rating_words() -> None:
    entry = parse_staff_rating("5, Решён, по телефону")
    assert (entry.rating, entry.resolved, entry.via) == (5, True, AnswerChannel.PHONE)
    entry = parse_staff_rating("1 e-mail")
    assert (entry.rating, entry.resolved, entry.via) == (1, None, AnswerChannel.EMAIL)
    for bad in ("", "0", "6", "четыре", "4 решён решён", "4 письмо телефон"):
        with pytest.raises(StaffRatingInvalid):
            parse_staff_rating(bad)


def test_sp9_staff_rate_only_naming_a_channel_outside_the_bot() -> None:
    from domain.appeals import AppealAction, AppealStatus, apply
    from domain.errors import ActionNotAllowed
    from tests.domain.appeal_examples import STAFF, make_appeal

    answered_appeal = make_appeal(AppealStatus.ANSWERED)
    at = answered_appeal.registered_at + timedelta(days=3)
    with pytest.raises(ActionNotAllowed):  # no channel: only the appellant rates
        apply(answered_appeal, AppealAction.RATE, actor=STAFF, at=at, rating=4)
    for via in ("chat", "telegram"):  # the bot's own channel is the appellant's to use
        with pytest.raises(ActionNotAllowed):
            apply(answered_appeal, AppealAction.RATE, actor=STAFF, at=at, rating=4, via=via)
    rated, event = apply(
        answered_appeal, AppealAction.RATE, actor=STAFF, at=at, rating=4, via="post"
    )
    assert rated.rating == 4 and rated.status is AppealStatus.CLOSED
    assert event.detail("via") == "post" and event.actor == STAFF
