"""/settings (SPEC §8): topics on by default after consent, one tap off and on, "stop all",
a 403 from Telegram marks the person blocked, and the one rule a notice obeys."""

from __future__ import annotations

from aiogram.exceptions import TelegramForbiddenError
from aiogram.methods import SendMessage
from sqlalchemy import func, select

from app.services import Services
from core.texts import Texts
from domain.ids import UserId
from domain.subscriptions import Topic
from notifier.outbox import enqueue
from storage.models import SubscriptionRow
from storage.uow import UnitOfWork
from tests.fakes import inline_buttons, texts_of
from tests.handlers.conftest import consented
from tests.harness import BotHarness


def _label(texts: Texts, topic: Topic, on: bool) -> str:
    return texts.get(
        "settings-topic",
        mark="on" if on else "off",
        name=texts.get(f"settings-topic-{topic.value}"),
    )


async def _may(harness: BotHarness, user_id: int, topic: Topic) -> bool:
    uow = UnitOfWork(harness.app.sessionmaker, clock=harness.app.clock)
    services = Services(
        uow,
        clock=harness.app.clock,
        config=harness.app.config,
        content=harness.app.content,
        fsm_storage=harness.app.storage,
        bot_id=harness.bot.id,
    )
    try:
        return await services.subscriptions.may_notify(UserId(user_id), topic)
    finally:
        await uow.rollback()


async def test_settings_need_consent_and_start_with_every_topic_on(
    harness: BotHarness, texts: Texts
) -> None:
    stranger = harness.person(7_000_009)
    calls = await stranger.send("/settings")
    assert texts_of(calls) == [texts.get("consent-required")]
    assert not await _may(harness, 7_000_009, Topic.DEBT)

    person = await consented(harness, texts)
    calls = await person.send("/settings")
    labels = [label for label, _ in inline_buttons(calls[0])]
    assert labels[:-1] == [_label(texts, topic, True) for topic in Topic]
    assert labels[-1] == texts.get("settings-stop")
    assert await _may(harness, person.user.id, Topic.PLANNED_OUTAGE)


async def test_one_tap_turns_a_topic_off_and_on_and_stop_all_is_honoured(
    harness: BotHarness, texts: Texts
) -> None:
    person = await consented(harness, texts)
    await person.send("/settings")
    await person.press(_label(texts, Topic.DEBT, True))
    assert not await _may(harness, person.user.id, Topic.DEBT)
    assert await _may(harness, person.user.id, Topic.TARIFF)
    await person.press(texts.get("settings-stop"))
    assert not any([await _may(harness, person.user.id, topic) for topic in Topic])
    # Turning one topic on resumes the notices, the other choices kept.
    await person.press(_label(texts, Topic.EMERGENCY_OUTAGE, False))
    assert await _may(harness, person.user.id, Topic.EMERGENCY_OUTAGE)
    assert not await _may(harness, person.user.id, Topic.DEBT)
    # Withdrawn consent stops everything, whatever the toggles say.
    await person.send("/mydata")
    await person.press(texts.get("mydata-withdraw-button"))
    await person.press(texts.get("mydata-withdraw-yes"))
    assert not await _may(harness, person.user.id, Topic.EMERGENCY_OUTAGE)
    # The choices are deleted, as the consent text promises.
    async with harness.app.sessionmaker() as session:
        left = await session.scalar(
            select(func.count())
            .select_from(SubscriptionRow)
            .where(SubscriptionRow.user_id == person.user.id)
        )
    assert left == 0


async def test_a_person_who_blocked_the_bot_is_marked_and_gets_no_notices(
    harness: BotHarness, texts: Texts
) -> None:
    person = await consented(harness, texts)
    harness.session.traps.append(
        (
            lambda m: isinstance(m, SendMessage) and m.chat_id == person.chat.id,
            TelegramForbiddenError(
                method=SendMessage(chat_id=person.chat.id, text="x"),
                message="Forbidden: bot was blocked by the user",
            ),
        )
    )
    uow = UnitOfWork(harness.app.sessionmaker, clock=harness.app.clock)
    enqueue(
        uow,
        chat_id=person.chat.id,
        method="send_message",
        payload={"text": "notice"},
        now=harness.app.clock.now(),
    )
    await uow.commit()
    await harness.deliver()
    assert not await _may(harness, person.user.id, Topic.EMERGENCY_OUTAGE)
    # Back in the bot, a tap in /settings lifts it.
    await person.send("/settings")
    await person.press(_label(texts, Topic.DEBT, True))
    assert await _may(harness, person.user.id, Topic.EMERGENCY_OUTAGE)
