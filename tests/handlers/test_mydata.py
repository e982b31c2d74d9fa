from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.texts import Texts
from storage.models import AccountLinkRow, ConsentRow, DialogStateRow
from tests.fakes import texts_of
from tests.handlers.conftest import consented
from tests.harness import BotHarness

pytestmark = pytest.mark.usefixtures("registry")


async def _link(person, texts: Texts) -> None:  # type: ignore[no-untyped-def]
    await person.send("/accounts")
    await person.press(texts.get("accounts-link-button"))
    await person.send("1000000001")
    await person.send("Иванова")
    await person.deliver()  # «счёт привязан» is queued with the link


async def test_mydata_shows_everything_stored(harness: BotHarness, texts: Texts) -> None:
    person = await consented(harness, texts)
    await _link(person, texts)
    calls = await person.send("/mydata")
    shown = texts_of(calls)[0]
    assert "дано" in shown
    assert "1000000001" in shown
    assert "Иванова Мария Петровна" in shown
    assert str(person.user.id) in shown


async def test_withdrawing_consent_unlinks_and_erases_dialogs_but_keeps_the_record(
    harness: BotHarness, texts: Texts
) -> None:
    person = await consented(harness, texts)
    await _link(person, texts)
    # An unfinished dialog with something typed in it.
    await person.send("/accounts")
    await person.press(texts.get("accounts-link-button"))
    await person.send("1000000002")
    await person.send("/mydata")
    await person.press(texts.get("mydata-withdraw-button"))
    await person.press(texts.get("mydata-withdraw-yes"))
    # What is kept and why is queued with the withdrawal (notifier/replies.py).
    calls = await person.deliver()
    assert texts_of(calls) == [texts.get("mydata-withdrawn", accounts=1, bookings=0)]
    async with harness.app.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(AccountLinkRow)) == 0
        assert await session.scalar(select(func.count()).select_from(DialogStateRow)) == 0
        decisions = (await session.scalars(select(ConsentRow.decision))).all()
    assert decisions == ["given", "withdrawn"]
    calls = await person.send(texts.get("menu-accounts"))
    assert texts_of(calls) == [texts.get("consent-required")]
