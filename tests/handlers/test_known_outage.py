"""Issue 15: a person who starts a complaint about no power at an address where an outage is
already known (the outage imports) is told at once, before the first question — what, since
when, the expected end, that staff know — is offered the outage notices, may still file the
complaint, and the appeal is marked as linked to that outage for staff."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from app.services import Services
from core.texts import Texts
from domain.accounts import Address
from domain.ids import UserId
from domain.known_outage import covers_typed, known_outage
from domain.notice_lifecycle import Outage, OutageStatus
from domain.notices import OutageKind
from domain.subscriptions import Preferences, Topic
from storage.models import AppealRow
from storage.notices import SqlNoticeStore
from storage.uow import UnitOfWork
from tests.fakes import inline_buttons, texts_of
from tests.handlers.conftest import consented
from tests.handlers.test_appeal_dialog import COMPLAINT_TEXT, _linked
from tests.harness import BotHarness, Person

pytestmark = pytest.mark.usefixtures("registry")

NOW = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)  # tests/conftest.py's clock


def _outage(**changes: Any) -> Outage:
    values: dict[str, Any] = {
        "id": 5,
        "kind": OutageKind.EMERGENCY,
        "settlement": "Выкса",
        "street": "ул. Ленина",
        "houses": "1-15 нечет; 12",
        "starts_at": NOW - timedelta(hours=2),
        "ends_at": NOW + timedelta(hours=3),
        "reason": "",
        "status": OutageStatus.OPEN,
        "created_at": NOW - timedelta(hours=2),
        "closed_at": None,
    }
    return Outage(**{**values, **changes})


@pytest.mark.parametrize(
    ("typed", "covered"),
    [
        ("Выкса, ул. Ленина, 12, кв. 5", True),
        ("Выкса, улица Ленина 12", True),
        ("ул. Ленина, д. 7", True),
        ("г. Выкса, Ленина, 3", True),
        ("Выкса, ул. Ленина, 14", False),  # an even house outside the list
        ("Навашино, ул. Ленина, 12", False),  # another town's Ленина
        ("Выкса, пер. Ленина, 12", False),  # another street type
        ("Выкса, ул. Ленина", False),  # no house
        ("Выкса, ул. Островского, 7", False),
    ],
)
def test_a_typed_address_is_matched_as_the_notices_match_it(typed: str, covered: bool) -> None:
    assert covers_typed(_outage(), typed) is covered


def test_only_an_open_outage_already_begun_is_known() -> None:
    home = Address("Выкса", "ул. Ленина", "12", "5")
    assert known_outage([_outage()], now=NOW, addresses=[home]) is not None
    later = _outage(starts_at=NOW + timedelta(hours=1))
    closed = _outage(status=OutageStatus.CLOSED)
    assert known_outage([later, closed], now=NOW, addresses=[home]) is None
    elsewhere = Address("Выкса", "ул. Островского", "7")
    assert known_outage([_outage()], now=NOW, addresses=[elsewhere]) is None


async def _import_outage(harness: BotHarness) -> int:
    uow = UnitOfWork(harness.app.sessionmaker, clock=harness.app.clock)
    outage_id = await SqlNoticeStore(uow).add_outage(
        kind=OutageKind.EMERGENCY,
        settlement="Выкса",
        street="ул. Ленина",
        houses="1-20",
        starts_at=NOW - timedelta(hours=2),
        ends_at=NOW + timedelta(hours=3),
        reason="повреждение кабеля",
        created_at=NOW - timedelta(hours=2),
        created_by=None,
    )
    await uow.commit()
    return outage_id


async def _finish(harness: BotHarness, person: Person, texts: Texts) -> None:
    await person.send("сегодня с утра")
    await person.press(texts.get("when-yes"))
    for _ in range(9):
        await person.press(texts.get("pp55-later"))
    await person.send(COMPLAINT_TEXT)
    await person.press(texts.get("appeal-attachments-done"))
    await person.press("Иванова Мария Петровна")
    await person.press(texts.get("appeal-skip"))
    await person.press(texts.get("appeal-channel-chat"))
    await person.press(texts.get("appeal-vulnerable-none"))
    await person.press(texts.get("appeal-summary-submit"))
    await harness.deliver()


async def _start_complaint(person: Person, texts: Texts) -> list[str]:
    """A complaint about the quality of supply: what the subject's press says."""
    await person.send(texts.get("menu-appeal"))
    await person.press(texts.get("appeal-kind-complaint"))
    return texts_of(await person.press(texts.get("appeal-subject-power_quality")))


async def test_a_complaint_about_no_power_at_a_known_outage_is_told_before_the_first_question(
    harness: BotHarness, texts: Texts
) -> None:
    outage_id = await _import_outage(harness)
    person = await _linked(harness, texts)  # Иванова, Выкса, ул. Ленина, 12
    calls = await _start_complaint(person, texts)
    told = calls[0]
    assert "аварийное отключение" in told
    assert "Выкса, ул. Ленина, дома: 1-20" in told
    assert "с 24.11.2026 08:00" in told and "восстановления: 24.11.2026 13:00" in told
    assert "Причина: повреждение кабеля." in told
    assert "Диспетчеры и специалисты о нём знают" in told
    assert texts.get("outage-known-subscribed") in told  # every topic is on by default
    assert calls[1:] == [texts.get("pp55-why"), texts.get("pp55-ask-applicant")]
    await person.press(texts.get("pp55-applicant-person"))
    await _finish(harness, person, texts)
    async with harness.app.sessionmaker() as session:
        row = (await session.execute(select(AppealRow.__table__))).one()
    assert {"kind": "outage", "detail": str(outage_id)} in row.flags


async def test_no_outage_there_no_word_of_it(harness: BotHarness, texts: Texts) -> None:
    person = await _linked(harness, texts)  # nothing imported
    calls = await _start_complaint(person, texts)
    assert calls == [texts.get("pp55-why"), texts.get("pp55-ask-applicant")]


async def test_an_unsubscribed_person_is_offered_the_notices(
    harness: BotHarness, texts: Texts
) -> None:
    await _import_outage(harness)
    person = await _linked(harness, texts)
    await person.send("/settings")
    await person.press(texts.get("settings-topic-emergency_outage"))
    await person.send(texts.get("menu-appeal"))
    await person.press(texts.get("appeal-kind-complaint"))
    calls = await person.press(texts.get("appeal-subject-power_quality"))
    assert texts.get("outage-known-offer") in texts_of(calls)[0]
    told = next(call for call in calls if inline_buttons(call))
    offer = inline_buttons(told)
    assert [label for label, _ in offer] == [texts.get("outage-subscribe")]
    message = person.last_inline[0][2]  # the button stays pressable under the later question
    person.last_inline = [(label, data, message) for label, data in offer]
    calls = await person.press(texts.get("outage-subscribe"))
    assert texts_of(calls) == [texts.get("outage-subscribed")]
    preferences = await _preferences(harness, person)
    assert preferences.wants(Topic.EMERGENCY_OUTAGE)


async def test_a_typed_device_address_on_the_outage_is_told_at_that_step(
    harness: BotHarness, texts: Texts
) -> None:
    await _import_outage(harness)
    person = await consented(harness, texts, user_id=7_000_002)  # not linked
    calls = await _start_complaint(person, texts)
    assert calls == [texts.get("pp55-why"), texts.get("pp55-ask-applicant")]
    await person.press(texts.get("pp55-applicant-person"))
    await person.send("сегодня с утра")
    await person.press(texts.get("when-yes"))
    calls = texts_of(await person.send("Выкса, ул. Ленина, 7"))
    assert "аварийное отключение" in calls[0]
    assert texts.get("outage-known-link") in calls[0]
    assert calls[1] == texts.get("pp55-ask-contract")


async def _preferences(harness: BotHarness, person: Person) -> Preferences:
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
        return await services.subscriptions.preferences(UserId(person.user.id))
    finally:
        await uow.rollback()


def test_the_staff_card_shows_the_link_to_the_outage_and_the_time_range(texts: Texts) -> None:
    from zoneinfo import ZoneInfo

    from domain.appeals import (
        AnswerChannel,
        Appeal,
        AppealId,
        AppealKind,
        AppealStatus,
        QualityComplaintDetails,
        ServiceForm,
        Subject,
    )
    from domain.screening import FlagKind, ScreeningFlag
    from notifier.staff_render import render_card

    zone = ZoneInfo("Europe/Moscow")
    appeal = Appeal(
        id=AppealId(7),
        number="ВЭ-2026-00007",
        user_id=None,
        kind=AppealKind.COMPLAINT,
        subject=Subject.POWER_QUALITY,
        form=ServiceForm.INTERNET,
        status=AppealStatus.REGISTERED,
        registered_at=NOW,
        due_at=NOW,
        text="С утра нет света.",
        full_name="Иванова Мария Петровна",
        address="",
        answer_channel=AnswerChannel.CHAT,
        pp55=QualityComplaintDetails(
            violation_time=datetime(2026, 11, 23, 18, 0, tzinfo=zone),
            violation_end=datetime(2026, 11, 23, 21, 0, tzinfo=zone),
        ),
        flags=(ScreeningFlag(FlagKind.OUTAGE, "5"),),
    )
    view = render_card(appeal, texts, zone=zone, now=NOW, executor=None, earlier={}, attachments=0)
    assert texts.get("staff-card-flag-outage", id="5") in view.text
    assert "23.11.2026 18:00–21:00" in view.text
