from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import select

from core.texts import Texts
from domain.clock import FixedClock
from storage.models import AccountLinkRow
from tests.fakes import texts_of
from tests.handlers.conftest import consented
from tests.harness import BotHarness

pytestmark = pytest.mark.usefixtures("registry")


async def test_person_links_an_account_with_number_and_surname(
    harness: BotHarness, texts: Texts
) -> None:
    person = await consented(harness, texts)
    await person.send(texts.get("menu-accounts"))
    calls = await person.press(texts.get("accounts-link-button"))
    assert texts_of(calls) == [texts.get("link-ask-number")]
    calls = await person.send(" 10000-00001 ".replace("-", ""))
    assert texts_of(calls) == [texts.get("link-ask-factor", number="1000000001")]
    await person.send("ИВАНОВА")
    calls = await person.deliver()  # queued with the link (notifier/replies.py)
    assert "1000000001" in texts_of(calls)[0]
    assert "Иванова М. П." in texts_of(calls)[0]
    calls = await person.send(texts.get("menu-accounts"))
    assert "ул. Ленина" in texts_of(calls)[0]


async def test_meter_serial_is_an_accepted_second_factor(
    harness: BotHarness, texts: Texts
) -> None:
    person = await consented(harness, texts)
    await person.send("/accounts")
    await person.press(texts.get("accounts-link-button"))
    await person.send("1000000003")
    await person.send("033456790")
    assert "1000000003" in texts_of(await person.deliver())[0]


async def test_invalid_number_is_explained_and_the_step_is_kept(
    harness: BotHarness, texts: Texts
) -> None:
    person = await consented(harness, texts)
    await person.send("/accounts")
    await person.press(texts.get("accounts-link-button"))
    calls = await person.send("мой счёт!")
    assert texts_of(calls) == [texts.get("link-account-invalid")]
    calls = await person.send("1000000002")
    assert texts_of(calls) == [texts.get("link-ask-factor", number="1000000002")]


async def test_back_returns_to_the_number_keeping_what_was_entered(
    harness: BotHarness, texts: Texts
) -> None:
    person = await consented(harness, texts)
    await person.send("/accounts")
    await person.press(texts.get("accounts-link-button"))
    await person.send("1000000002")
    calls = await person.send(texts.get("nav-back"))
    assert texts_of(calls) == [texts.get("link-ask-number-again", number="1000000002")]


async def test_wrong_answers_are_limited_to_five_an_hour(
    harness: BotHarness, texts: Texts, clock: FixedClock
) -> None:
    person = await consented(harness, texts)
    await person.send("/accounts")
    await person.press(texts.get("accounts-link-button"))
    await person.send("1000000001")
    for left in (4, 3, 2, 1):
        calls = await person.send("Петров")
        assert texts_of(calls) == [texts.get("link-failed", left=left)]
    calls = await person.send("Петров")
    assert "Слишком много неудачных попыток" in texts_of(calls)[0]
    # Even the right answer is refused while blocked.
    await person.send("/accounts")
    calls = await person.press(texts.get("accounts-link-button"))
    assert "Слишком много неудачных попыток" in texts_of(calls)[0]
    clock.advance(timedelta(hours=1, minutes=1))
    await person.send("/accounts")
    await person.press(texts.get("accounts-link-button"))
    await person.send("1000000001")
    await person.send("Иванова")
    assert "привязан" in texts_of(await person.deliver())[0]


async def test_unknown_account_and_wrong_surname_get_the_same_answer(
    harness: BotHarness, texts: Texts
) -> None:
    person = await consented(harness, texts)
    await person.send("/accounts")
    await person.press(texts.get("accounts-link-button"))
    await person.send("9999999999")
    unknown = texts_of(await person.send("Иванова"))
    await person.send(texts.get("nav-back"))
    await person.send("1000000001")
    wrong = texts_of(await person.send("Сидорова"))
    assert unknown == [texts.get("link-failed", left=4)]
    assert wrong == [texts.get("link-failed", left=3)]


async def test_unlink_asks_first(harness: BotHarness, texts: Texts) -> None:
    person = await consented(harness, texts)
    await person.send("/accounts")
    await person.press(texts.get("accounts-link-button"))
    await person.send("1000000002")
    await person.send("Петров")
    await person.send("/accounts")
    await person.press(texts.get("accounts-unlink-button", number="1000000002"))
    calls = await person.press(texts.get("accounts-unlink-yes"))
    assert texts_of(calls) == [texts.get("accounts-unlinked", number="1000000002")]
    async with harness.app.sessionmaker() as session:
        assert (await session.scalars(select(AccountLinkRow))).all() == []


async def test_restart_in_the_middle_of_linking_resumes_at_the_same_step(
    harness: BotHarness, texts: Texts
) -> None:
    person = await consented(harness, texts)
    await person.send("/accounts")
    await person.press(texts.get("accounts-link-button"))
    await person.send("1000000001")
    # A new process: a new dispatcher, storage and caches over the same database.
    restarted = await BotHarness.start(
        harness.app.settings,
        clock=FixedClock(harness.app.clock.now()),
        texts=texts,
        content=harness.app.content,
    )
    try:
        again = restarted.person(user_id=person.user.id)
        await again.send("Иванова")
        calls = await again.deliver()
        assert "1000000001" in texts_of(calls)[0]
        assert "привязан" in texts_of(calls)[0]
    finally:
        await restarted.close()


async def test_linking_flow_writes_no_personal_data_to_the_log(
    harness: BotHarness, texts: Texts, caplog: pytest.LogCaptureFixture
) -> None:
    # As `reception` configures it (bot/cli.py): the driver's own DEBUG log carries every SQL
    # parameter, and a reply queued with a link holds the holder's name (notifier/replies.py).
    caplog.set_level(logging.WARNING, logger="aiosqlite")
    caplog.set_level(logging.DEBUG)
    person = await consented(harness, texts)
    await person.send("/accounts")
    await person.press(texts.get("accounts-link-button"))
    await person.send("1000000001")
    await person.send("Иваноff")
    await person.send("Иванова")
    await person.send("/mydata")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert caplog.records, "the flow should log something at DEBUG"
    for secret in ("Иванова", "Иваноff", "Мария", "+79200000001", "maria@example.ru", "Ленина"):
        assert secret not in logged
