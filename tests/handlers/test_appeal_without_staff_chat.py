"""Without a staff chat (STAFF_CHAT_ID empty) an appeal reaches nobody: the confirmation says
it is registered and in the registry, never that it was handed to a specialist (issue 15;
`reception doctor` and `reception run` warn the operator)."""

from __future__ import annotations

import pytest

from core.texts import Texts
from tests.fakes import texts_of
from tests.handlers.test_appeal_dialog import (
    COMPLAINT_TEXT,
    _linked,
    _to_text_step,
    submit_from_files,
)
from tests.harness import BotHarness

pytestmark = pytest.mark.usefixtures("registry")


async def test_without_a_staff_chat_the_confirmation_promises_no_specialist(
    harness: BotHarness, texts: Texts
) -> None:
    assert harness.app.config.staff_chat_id is None
    person = await _linked(harness, texts)
    await _to_text_step(person, texts)
    await person.send(COMPLAINT_TEXT)
    await submit_from_files(person, texts)
    registered = texts_of(await person.deliver())[0]
    assert "Номер: <code>ВЭ-2026-" in registered  # copied with a tap
    assert "внесено в реестр обращений" in registered
    assert "передано специалисту" not in registered


async def test_with_a_staff_chat_it_says_the_appeal_was_handed_over(
    harness: BotHarness, texts: Texts
) -> None:
    harness.configure(staff_chat_id=-1001234567890)
    person = await _linked(harness, texts)
    await _to_text_step(person, texts)
    await person.send(COMPLAINT_TEXT)
    await submit_from_files(person, texts)
    delivered = [text for text in texts_of(await person.deliver()) if "Номер:" in text]
    assert delivered and "передано специалисту" in delivered[0]
