"""Issue 15: /menu or another menu button in the middle of a dialog keeps the draft
(dialogs/parked.py) and offers «Продолжить обращение»; the button puts the dialog back at
its step with what was entered."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from aiogram.methods import SendMessage

from core.texts import Texts
from tests.fakes import inline_buttons, texts_of
from tests.handlers.test_appeal_dialog import COMPLAINT_TEXT, _linked, _to_text_step
from tests.harness import BotHarness, Person

pytestmark = pytest.mark.usefixtures("registry")


async def _state(harness: BotHarness, person: Person) -> str | None:
    context = harness.app.dispatcher.fsm.get_context(harness.bot, person.user.id, person.user.id)
    return await harness.app.storage.get_state(context.key)


def _offered(calls: Sequence[object]) -> list[str]:
    """The «Продолжить …» buttons offered."""
    return [
        label
        for call in calls
        if isinstance(call, SendMessage)
        for label, _ in inline_buttons(call)
        if label.startswith("▶️")
    ]


async def _resume_appeal_after(person: Person, texts: Texts) -> None:
    """From the resumed attachments step to the summary: the text typed before is there."""
    await person.press(texts.get("appeal-attachments-done"))
    await person.press("Иванова Мария Петровна")
    await person.press("Выкса, ул. Ленина, 12, 5")
    await person.press(texts.get("appeal-channel-chat"))
    calls = await person.press(texts.get("appeal-vulnerable-none"))
    assert COMPLAINT_TEXT in texts_of(calls)[0]


async def test_menu_in_the_middle_of_an_appeal_keeps_it_and_offers_to_go_on(
    harness: BotHarness, texts: Texts
) -> None:
    person = await _linked(harness, texts)
    await _to_text_step(person, texts)
    await person.send(COMPLAINT_TEXT)
    calls = await person.send("/menu")
    said = texts_of(calls)
    assert said[0] == texts.get("menu-shown")
    assert said[1] == texts.get("parked-kept")
    assert _offered(calls) == [texts.get("parked-resume-appeal")]
    assert await _state(harness, person) is None  # out of the dialog, as /menu says
    calls = await person.press(texts.get("parked-resume-appeal"))
    assert texts.get("appeal-ask-attachments", max=10, mb=20) in texts_of(calls)
    await _resume_appeal_after(person, texts)
    # Spent: nothing more is offered.
    await person.send("/cancel")
    assert _offered(await person.send("/menu")) == []


async def test_another_dialog_started_mid_appeal_parks_the_appeal(
    harness: BotHarness, texts: Texts
) -> None:
    person = await _linked(harness, texts)
    await _to_text_step(person, texts)
    await person.send(COMPLAINT_TEXT)
    calls = await person.send(texts.get("menu-booking"))
    assert texts.get("booking-ask-topic") in texts_of(calls)  # the booking starts as asked
    assert _offered(calls) == []  # no booking draft to offer
    calls = await person.send("/menu")  # the booking at its first step is not kept
    assert _offered(calls) == [texts.get("parked-resume-appeal")]
    await person.press(texts.get("parked-resume-appeal"))
    await _resume_appeal_after(person, texts)


async def test_the_same_dialog_started_again_offers_the_draft_beside_a_fresh_start(
    harness: BotHarness, texts: Texts
) -> None:
    person = await _linked(harness, texts)
    await _to_text_step(person, texts)
    await person.send(COMPLAINT_TEXT)
    calls = await person.send(texts.get("menu-appeal"))
    assert _offered(calls) == [texts.get("parked-resume-appeal")]
    assert texts.get("appeal-ask-kind") in texts_of(calls)
    person.last_inline = [
        (label, data, person.last_inline[0][2])
        for call in calls
        if isinstance(call, SendMessage)
        for label, data in inline_buttons(call)
        if label.startswith("▶️")
    ]
    await person.press(texts.get("parked-resume-appeal"))
    await _resume_appeal_after(person, texts)


async def test_nothing_answered_nothing_kept(harness: BotHarness, texts: Texts) -> None:
    person = await _linked(harness, texts)
    await person.send(texts.get("menu-appeal"))  # the first question only
    calls = await person.send("/menu")
    assert texts_of(calls) == [texts.get("menu-shown")]
