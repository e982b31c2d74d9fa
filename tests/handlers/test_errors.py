from __future__ import annotations

import logging
from typing import Any

import pytest

from core.texts import Texts
from services.accounts import AccountService
from tests.fakes import texts_of
from tests.handlers.conftest import consented
from tests.harness import BotHarness

pytestmark = pytest.mark.usefixtures("registry")


async def test_an_unexpected_error_gets_an_apology_and_the_dialog_stays(
    harness: BotHarness,
    texts: Texts,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    person = await consented(harness, texts)
    await person.send("/accounts")
    await person.press(texts.get("accounts-link-button"))
    await person.send("1000000001")

    original = AccountService.link

    async def broken(self: AccountService, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("database said: Иванова, +79200000001")

    monkeypatch.setattr(AccountService, "link", broken)
    caplog.set_level(logging.INFO)
    calls = await person.send("Иванова")
    assert texts_of(calls) == [texts.get("error-apology")]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "RuntimeError" in logged
    assert "Иванова" not in logged
    assert "+79200000001" not in logged

    monkeypatch.setattr(AccountService, "link", original)
    await person.send("Иванова")
    assert "привязан" in texts_of(await person.deliver())[0]  # queued with the link
