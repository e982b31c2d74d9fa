"""A complaint about the reliability or the quality of supply (ПП 442 as amended by ПП 55,
requirements.md §2): the whole data set asked and explained, every item «Отправлю позже», the
identity data sealed at rest and opened only for the staff who need it (152-ФЗ ст. 19)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, text

from app.services import Services
from core.texts import Texts
from domain.appeals import AppealId
from domain.errors import RoleRequired
from domain.pp55 import Identity
from domain.staff import StaffMember, StaffRole
from storage.models import AppealIdentityRow, AppealRow, StaffAuditRow
from storage.uow import UnitOfWork
from tests.fakes import texts_of
from tests.handlers.conftest import consented
from tests.handlers.test_appeal_dialog import COMPLAINT_TEXT, _linked, _to_text_step
from tests.harness import BotHarness, Person

pytestmark = pytest.mark.usefixtures("registry")

PASSPORT = "45 10 123456"


async def _to_pp55(
    harness: BotHarness, texts: Texts, applicant: str, *, user_id: int | None = None
) -> tuple[Person, list[str]]:
    if user_id is None:
        person = await _linked(harness, texts)
    else:  # another person, not linked
        person = await consented(harness, texts, user_id=user_id)
    await _to_text_step(person, texts, subject="power_quality")
    calls = await person.press(texts.get(f"pp55-applicant-{applicant}"))
    return person, texts_of(calls)


async def _to_summary(person: Person, texts: Texts) -> None:
    await person.send(COMPLAINT_TEXT)
    await person.press(texts.get("appeal-attachments-done"))
    await person.press("Иванова Мария Петровна")
    await person.press(texts.get("appeal-skip"))
    await person.press(texts.get("appeal-channel-chat"))
    await person.press(texts.get("appeal-vulnerable-none"))


async def _finish(person: Person, texts: Texts) -> None:
    await _to_summary(person, texts)
    await person.press(texts.get("appeal-summary-submit"))


async def _row(harness: BotHarness) -> Any:
    async with harness.app.sessionmaker() as session:
        return (await session.execute(select(AppealRow.__table__))).one()


async def _person_with_passport(harness: BotHarness, texts: Texts) -> Person:
    person, _ = await _to_pp55(harness, texts, "person")
    await person.send("23.11.2026 18:30")
    await person.press(texts.get("when-yes"))
    await person.send("Выкса, ул. Ленина, 12")
    await person.send("Д-1234")
    await person.send("Выкса, ул. Ленина, 12, кв. 5")
    await person.send("12 марта 1956")
    await person.send("г. Выкса Горьковской обл.")
    await person.send(PASSPORT)
    await person.send("8 (920) 000-00-01")
    await person.send("ivanova@example.ru")
    await person.send("Проверить качество напряжения и устранить причину")
    return person


def _services(harness: BotHarness, uow: UnitOfWork) -> Services:
    return Services(
        uow,
        clock=harness.app.clock,
        config=harness.app.config,
        content=harness.app.content,
        fsm_storage=harness.app.storage,
        bot_id=harness.bot.id,
    )


async def test_pp55_complaint_asks_passport_or_company_name(
    harness: BotHarness, texts: Texts
) -> None:
    """ПП 55: a person gives the identity data, a business its name instead."""
    person, _ = await _to_pp55(harness, texts, "person")
    asked = []
    for _ in range(10):
        asked += texts_of(await person.press(texts.get("pp55-later")))
    assert texts.get("pp55-ask-passport") in asked
    assert texts.get("pp55-ask-birth_date") in asked
    assert texts.get("pp55-ask-residence") in asked
    assert texts.get("pp55-ask-company") not in asked
    assert texts.get("pp55-ask-demand") in asked

    business, _ = await _to_pp55(harness, texts, "business", user_id=7_000_002)
    asked = []
    for _ in range(7):
        asked += texts_of(await business.press(texts.get("pp55-later")))
    assert texts.get("pp55-ask-company") in asked
    assert texts.get("pp55-ask-passport") not in asked
    assert texts.get("pp55-ask-birth_date") not in asked


async def test_pp55_complaint_explains_why_the_data_is_asked(
    harness: BotHarness, texts: Texts
) -> None:
    person = await _linked(harness, texts)
    await _to_text_step(person, texts, subject="transmission_quality")
    await person.send("/cancel")
    await person.send(texts.get("menu-appeal"))
    await person.press(texts.get("appeal-kind-complaint"))
    calls = texts_of(await person.press(texts.get("appeal-subject-power_quality")))
    assert calls[0] == texts.get("pp55-why")
    assert "№ 55" in calls[0] and "Отправлю позже" in calls[0]


async def test_pp55_every_item_may_be_sent_later_and_the_appeal_records_what_is_missing(
    harness: BotHarness, texts: Texts
) -> None:
    person, _ = await _to_pp55(harness, texts, "person")
    await person.send("23.11.2026 18:30")
    await person.press(texts.get("when-yes"))
    for _ in range(9):
        await person.press(texts.get("pp55-later"))
    await _finish(person, texts)
    row = await _row(harness)
    assert row.pp55["violation_time"].startswith("2026-11-23T18:30")
    assert row.pp55["applicant"] == "person"
    assert row.pp55["identity_items"] == []
    async with harness.app.sessionmaker() as session:
        assert (await session.execute(select(AppealIdentityRow))).first() is None


async def test_pp55_passport_is_4_digit_series_and_6_digit_number(
    harness: BotHarness, texts: Texts
) -> None:
    person, _ = await _to_pp55(harness, texts, "person")
    await person.send("23.11.2026 18:30")
    await person.press(texts.get("when-yes"))
    for _ in range(5):  # device, contract, residence, birth date and place
        await person.press(texts.get("pp55-later"))
    calls = await person.send("4510 12345")
    assert texts_of(calls) == [texts.get("pp55-passport-invalid")]
    calls = await person.send("паспорт 4510 123456")
    assert texts_of(calls) == [texts.get("pp55-passport-invalid")]
    calls = await person.send("4510 123456")
    assert texts_of(calls) == [texts.get("pp55-ask-phone")]


async def test_pp55_birth_date_is_a_real_past_date(harness: BotHarness, texts: Texts) -> None:
    person, _ = await _to_pp55(harness, texts, "person")
    await person.send("23.11.2026 18:30")
    await person.press(texts.get("when-yes"))
    for _ in range(3):  # device, contract, residence
        await person.press(texts.get("pp55-later"))
    for wrong in ("31.02.1990", "12 марта", "01.01.2030", "вчера"):
        calls = await person.send(wrong)
        assert texts_of(calls) == [texts.get("pp55-birth-date-invalid")], wrong
    calls = await person.send("12.03.1956")
    assert texts_of(calls) == [texts.get("pp55-ask-birth_place")]


async def test_pp55_phone_and_email_are_checked_as_everywhere(
    harness: BotHarness, texts: Texts
) -> None:
    person, _ = await _to_pp55(harness, texts, "business")
    await person.send("23.11.2026 18:30")
    await person.press(texts.get("when-yes"))
    for _ in range(3):  # device, contract, company
        await person.press(texts.get("pp55-later"))
    calls = await person.send("12345")
    assert texts_of(calls) == [texts.get("contact-error-invalid-phone")]
    await person.send("+7 920 000 00 01")
    calls = await person.send("не скажу")
    assert texts_of(calls) == [texts.get("contact-error-invalid-email")]


async def test_152fz_passport_encrypted_at_rest(harness: BotHarness, texts: Texts) -> None:
    """The passport and the birth data: nowhere in plain, neither in the dialog's stored
    state while it is filled in nor in the registry after; opened with the key only."""
    person = await _person_with_passport(harness, texts)
    async with harness.app.sessionmaker() as session:
        states = (await session.execute(text("select data from dialog_states"))).all()
    stored = " ".join(str(row[0]) for row in states)
    assert "123456" not in stored and "1956" not in stored and "Горьковской" not in stored
    assert "pp55_passport" in stored  # the sealed token is there
    await _finish(person, texts)
    row = await _row(harness)
    assert "123456" not in str(row._mapping) and "Горьковской" not in str(row._mapping)
    assert row.pp55["phone"] == "+79200000001"
    assert row.pp55["demand"].startswith("Проверить")
    assert sorted(row.pp55["identity_items"]) == ["birth_date", "birth_place", "passport"]
    async with harness.app.sessionmaker() as session:
        sealed = (await session.execute(select(AppealIdentityRow.sealed))).scalar_one()
    assert "123456" not in sealed and "4510" not in sealed and "1956" not in sealed
    box = harness.app.config.secret_box
    assert box is not None and "123456" in box.open(sealed)


async def test_152fz_identity_opened_only_by_head_or_assignee_and_every_look_audited(
    harness: BotHarness, texts: Texts
) -> None:
    person = await _person_with_passport(harness, texts)
    await _finish(person, texts)
    appeal_id = AppealId((await _row(harness)).id)
    specialist = StaffMember(user_id=8_000_002, role=StaffRole.SPECIALIST)
    head = StaffMember(user_id=8_000_003, role=StaffRole.HEAD)
    uow = UnitOfWork(harness.app.sessionmaker, clock=harness.app.clock)
    desk = _services(harness, uow).staff_desk
    with pytest.raises(RoleRequired):
        await desk.identity(specialist, appeal_id)
    seen = await desk.identity(head, appeal_id)
    assert seen.passport_series == "4510" and seen.passport_number == "123456"
    assert seen.birth_place == "г. Выкса Горьковской обл."
    assert "123456" not in repr(seen)  # a repr in a log line shows nothing
    await desk.take(specialist, appeal_id)  # now the assignee, who checks the consumer
    assert isinstance(await desk.identity(specialist, appeal_id), Identity)
    await uow.commit()
    async with harness.app.sessionmaker() as session:
        audit = (
            await session.execute(
                select(StaffAuditRow.user_id, StaffAuditRow.outcome, StaffAuditRow.detail)
                .where(StaffAuditRow.action == "identity")
                .order_by(StaffAuditRow.id)
            )
        ).all()
    assert [(user, outcome) for user, outcome, _ in audit] == [
        (8_000_002, "refused"),
        (8_000_003, "done"),
        (8_000_002, "done"),
    ]
    assert all("123456" not in detail for _, _, detail in audit)


async def test_pp55_details_stay_behind_when_the_subject_is_edited_to_another(
    harness: BotHarness, texts: Texts
) -> None:
    person, _ = await _to_pp55(harness, texts, "person")
    await person.send("23.11.2026 18:30")
    await person.press(texts.get("when-yes"))
    for _ in range(9):
        await person.press(texts.get("pp55-later"))
    await _to_summary(person, texts)
    await person.press(texts.get("appeal-edit-kind"))
    await person.press(texts.get("appeal-kind-complaint"))
    calls = await person.press(texts.get("appeal-subject-service_quality"))
    assert "Время нарушения" not in texts_of(calls)[0]
    await person.press(texts.get("appeal-summary-submit"))
    row = await _row(harness)
    assert row.subject == "service_quality" and row.pp55 is None


async def test_pp55_time_in_everyday_words_is_shown_back_and_kept_as_a_range(
    harness: BotHarness, texts: Texts
) -> None:
    """Issue 15: «when did it happen» takes everyday words, says what it understood with
    Да / Исправить, asks again only when nothing can be read (clock: 24.11.2026 10:00 MSK)."""
    person, _ = await _to_pp55(harness, texts, "person")
    calls = await person.send("не помню")
    assert texts_of(calls) == [texts.get("when-unreadable")]
    calls = await person.send("вчера с 18 до 21")
    assert texts_of(calls) == [texts.get("when-understood", when="23.11.2026, 18:00–21:00")]
    calls = await person.press(texts.get("when-fix"))
    assert texts_of(calls) == [texts.get("pp55-ask-time")]
    calls = await person.send("вчера вечером")
    shown = "23.11.2026, вечер (18:00–24:00)"
    assert texts_of(calls) == [texts.get("when-understood", when=shown)]
    calls = await person.press(texts.get("when-yes"))
    assert texts_of(calls) == [texts.get("pp55-ask-device")]
    for _ in range(9):
        await person.press(texts.get("pp55-later"))
    await person.send(COMPLAINT_TEXT)
    await person.press(texts.get("appeal-attachments-done"))
    await person.press("Иванова Мария Петровна")
    await person.press(texts.get("appeal-skip"))
    await person.press(texts.get("appeal-channel-chat"))
    calls = await person.press(texts.get("appeal-vulnerable-none"))
    assert "Время нарушения: 23.11.2026 18:00–24:00" in texts_of(calls)[0]
    await person.press(texts.get("appeal-summary-submit"))
    row = await _row(harness)
    assert row.pp55["violation_time"].startswith("2026-11-23T18:00")
    assert row.pp55["violation_end"].startswith("2026-11-24T00:00")
