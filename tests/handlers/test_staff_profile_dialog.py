"""The profile dialog (issue 15): a staff member whose profile cannot sign an answer (§15.5)
is asked for what is missing right in the thread, by buttons where a button can answer, and
the answer then goes on where it stopped — through the real dispatcher."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram.methods import SendMessage
from aiogram.types import Message

from core.texts import Texts
from domain.appeals import AppealStatus
from storage.staff import SqlStaffDirectory
from storage.uow import UnitOfWork
from tests.handlers import test_staff_chat
from tests.handlers.signing import HEAD_NAME, signing_department
from tests.handlers.test_staff_chat import _buttons, _filed, _group_messages, _status
from tests.harness import BotHarness, StaffPerson

pytestmark = pytest.mark.usefixtures("registry")
harness = test_staff_chat.harness  # the staff chat's harness (STAFF_CHAT_ID set)

EXECUTOR = 8_000_001
ANSWER = "Опора заменена, напряжение в норме."


def _texts_to(delivered: list[Any], chat_id: int) -> list[str]:
    return [c.text for c in delivered if isinstance(c, SendMessage) and c.chat_id == chat_id]


async def _told(harness: BotHarness) -> list[str]:
    return [c.text for c in _group_messages(await harness.deliver())]


async def _without_profile(harness: BotHarness) -> StaffPerson:
    """A specialist in a department with a signing head, with no name, position, phone or
    e-mail yet (an admin's /setdept made the bare profile)."""
    staff = harness.staff(EXECUTOR, first_name="Анна")
    staff.user = staff.user.model_copy(update={"last_name": "Петрова"})
    await signing_department(harness.app, EXECUTOR)
    return staff


def _press_on(staff: StaffPerson, card: Message, label: str) -> None:
    staff.last_inline = [(text, data, card) for text, data in _buttons(card) if text == label]
    assert staff.last_inline, label


async def _stored_profile(harness: BotHarness) -> tuple[str, str, str, str]:
    uow = UnitOfWork(harness.app.sessionmaker, clock=harness.app.clock)
    try:
        member = await SqlStaffDirectory(uow).member(EXECUTOR)
    finally:
        await uow.rollback()
    assert member is not None
    return member.full_name, member.position, member.phone, member.email


async def test_answer_pressed_without_a_profile_fills_it_by_buttons_and_goes_on(
    harness: BotHarness, texts: Texts
) -> None:
    person, card = await _filed(harness, texts)
    staff = await _without_profile(harness)
    _press_on(staff, card, texts.plain("staff-button-answer"))

    await staff.press(texts.plain("staff-button-answer"))
    [intro] = await _told(harness)
    assert texts.get("staff-profile-ask-full-name") in intro
    assert [label for label, _, _ in staff.last_inline] == ["Анна Петрова"]

    await staff.press("Анна Петрова")
    [position] = await _told(harness)
    assert position == texts.get("staff-profile-ask-position")
    await staff.press(texts.plain("staff-position-lead-specialist"))
    assert await _told(harness) == [texts.get("staff-profile-ask-phone")]

    # A phone that is not one is said so; the step stays.
    await staff.send("завтра позвоню")
    assert await _told(harness) == [texts.get("staff-profile-invalid-phone")]
    await staff.send("8 (831) 000-00-01")
    assert await _told(harness) == [texts.get("staff-profile-ask-email")]
    await staff.send("petrova@")
    assert await _told(harness) == [texts.get("staff-profile-invalid-email")]
    await staff.send("Petrova@Vyksa.RU")
    saved, prompt = await _told(harness)
    assert "Анна Петрова" in saved
    number = prompt.split(":")[0]
    assert prompt == texts.get("staff-prompt-answer", number=number)
    assert await _stored_profile(harness) == (
        "Анна Петрова",
        "ведущий специалист",
        "+78310000001",
        "Petrova@vyksa.ru",
    )

    # The answer goes on as if the profile had been there.
    await staff.reply(card, ANSWER)
    [preview] = await _told(harness)
    assert ANSWER in preview and "Анна Петрова" in preview and HEAD_NAME in preview
    await staff.press(texts.get("staff-button-send-answer"))
    assert await _status(harness) is AppealStatus.ANSWERED
    [answer, *_survey] = _texts_to(await harness.deliver(), person.chat.id)
    assert ANSWER in answer and "Petrova@vyksa.ru" in answer


async def test_a_text_sent_as_the_answer_is_previewed_once_the_profile_is_filled(
    harness: BotHarness, texts: Texts
) -> None:
    _person, card = await _filed(harness, texts)
    staff = await _without_profile(harness)
    # Only the e-mail is missing.
    uow = UnitOfWork(harness.app.sessionmaker, clock=harness.app.clock)
    directory = SqlStaffDirectory(uow)
    member = await directory.member(EXECUTOR)
    assert member is not None
    await directory.save_member(
        member.__class__(
            user_id=EXECUTOR,
            full_name="Петрова Анна Сергеевна",
            position="инженер",
            phone="+78310000001",
            department_id=member.department_id,
        ),
        at=harness.app.clock.now(),
    )
    await uow.commit()

    await staff.reply(card, ANSWER)
    await harness.deliver()
    await staff.press(texts.get("staff-button-send-answer"))
    [intro] = await _told(harness)
    assert intro.endswith(texts.get("staff-profile-ask-email"))
    await staff.send("petrova@vyksa.ru")
    _saved, preview = await _told(harness)
    assert ANSWER in preview and "petrova@vyksa.ru" in preview
    await staff.press(texts.get("staff-button-send-answer"))
    assert await _status(harness) is AppealStatus.ANSWERED


async def test_someone_else_pressing_the_offered_name_changes_nothing(
    harness: BotHarness, texts: Texts
) -> None:
    _person, card = await _filed(harness, texts)
    staff = await _without_profile(harness)
    _press_on(staff, card, texts.plain("staff-button-answer"))
    await staff.press(texts.plain("staff-button-answer"))
    await harness.deliver()
    colleague = harness.staff(8_000_002, first_name="Олег")
    colleague.last_inline = list(staff.last_inline)

    calls = await colleague.press("Анна Петрова")

    assert texts.get("staff-profile-not-yours") in [getattr(c, "text", None) for c in calls]
    assert await _told(harness) == []
    # The one filling it in goes on from the same step.
    await staff.press("Анна Петрова")
    assert await _told(harness) == [texts.get("staff-profile-ask-position")]


async def test_cancel_leaves_the_dialog_and_nothing_is_saved(
    harness: BotHarness, texts: Texts
) -> None:
    _person, card = await _filed(harness, texts)
    staff = await _without_profile(harness)
    await staff.reply(card, "/answer")
    [intro] = await _told(harness)
    assert texts.get("staff-profile-intro", number=intro.split(":")[0]) in intro
    await staff.send("/cancel")
    await harness.deliver()
    await staff.send("Петрова Анна Сергеевна")  # a plain message again, not a profile step
    assert await _stored_profile(harness) == ("", "", "", "")
