from __future__ import annotations

from sqlalchemy import select

from core.texts import Texts
from domain.consent import ConsentDecision
from storage.models import ConsentRow
from tests.fakes import inline_buttons, reply_buttons, texts_of
from tests.harness import BotHarness


async def test_start_greets_and_asks_for_consent_as_its_own_step(
    harness: BotHarness, texts: Texts
) -> None:
    person = harness.person()
    calls = await person.send("/start")
    sent = texts_of(calls)
    assert "МУП «Выксаэнерго»" in sent[0]
    assert "152-ФЗ" in sent[1]
    assert [label for label, _ in inline_buttons(calls[1])] == [
        texts.get("consent-accept"),
        texts.get("consent-decline"),
    ]


async def test_accepted_consent_is_recorded_with_version_time_and_user(
    harness: BotHarness, texts: Texts
) -> None:
    person = harness.person(user_id=42)
    await person.send("/start")
    calls = await person.press(texts.get("consent-accept"))
    assert texts.get("menu-info") in reply_buttons(calls[-1])
    async with harness.app.sessionmaker() as session:
        rows = (await session.scalars(select(ConsentRow))).all()
    assert [(r.user_id, r.decision, r.text_version) for r in rows] == [
        (42, ConsentDecision.GIVEN.value, harness.app.content.consent.version)
    ]
    assert rows[0].decided_at == harness.app.clock.now()


async def test_declining_consent_still_allows_reference_info(
    harness: BotHarness, texts: Texts
) -> None:
    person = harness.person()
    await person.send("/start")
    calls = await person.press(texts.get("consent-decline"))
    assert texts_of(calls)[-1] == texts.get("consent-declined")
    calls = await person.send(texts.get("menu-info"))
    first_section = harness.app.content.sections[0]
    assert first_section.title in [label for label, _ in inline_buttons(calls[0])]
    calls = await person.press(first_section.title)
    assert any(first_section.title in text for text in texts_of(calls))


async def test_nothing_personal_is_stored_before_consent(
    harness: BotHarness, texts: Texts
) -> None:
    person = harness.person()
    await person.send("/start")
    calls = await person.send(texts.get("menu-accounts"))
    assert texts_of(calls) == [texts.get("consent-required")]
    async with harness.app.sessionmaker() as session:
        assert (await session.scalars(select(ConsentRow))).all() == []


async def test_help_menu_and_cancel_work_in_the_middle_of_a_dialog(
    harness: BotHarness, texts: Texts
) -> None:
    person = harness.person()
    await person.send("/start")
    await person.press(texts.get("consent-accept"))
    await person.send(texts.get("menu-accounts"))
    await person.press(texts.get("accounts-link-button"))
    calls = await person.send("/help")
    assert texts.get("help-in-dialog") in texts_of(calls)[0]
    calls = await person.send("/cancel")
    assert texts_of(calls) == [texts.get("cancel-done")]
    calls = await person.send("/cancel")
    assert texts_of(calls) == [texts.get("cancel-nothing")]
    await person.send(texts.get("menu-accounts"))
    await person.press(texts.get("accounts-link-button"))
    calls = await person.send("/menu")
    assert texts_of(calls) == [texts.get("menu-shown")]
    # After /menu the dialog is left: a number is a search, not an account number.
    calls = await person.send("1234567890")
    assert texts_of(calls)[0] in {texts.get("search-found"), texts.get("search-nothing")}
