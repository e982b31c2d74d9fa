"""The final answer's signature (regulation §15.5) and the obscenity refusal (59-ФЗ ст. 11
ч. 3) through the real dispatcher: the preview and the consumer's message name the executor
(name, position, phone, e-mail) and the head of the executor's department who signs; what is
missing is refused with what to fill in."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram.methods import SendMessage
from sqlalchemy import select

from core.texts import Texts
from domain.appeals import AppealStatus
from storage.models import DepartmentRow
from tests.handlers import test_staff_chat
from tests.handlers.signing import HEAD_ID, HEAD_NAME, HEAD_POSITION, signing_department
from tests.handlers.test_staff_chat import (
    PROFILE,
    _buttons,
    _filed,
    _group_messages,
    _status,
)
from tests.harness import BotHarness

pytestmark = pytest.mark.usefixtures("registry")
harness = test_staff_chat.harness  # the staff chat's harness (STAFF_CHAT_ID set)

EXECUTOR = 8_000_001
ANSWER = "Опора заменена, напряжение в норме."


def _texts_to(delivered: list[Any], chat_id: int) -> list[str]:
    return [c.text for c in delivered if isinstance(c, SendMessage) and c.chat_id == chat_id]


async def test_reg_15_5_answer_signature_names_executor_and_head(
    harness: BotHarness, texts: Texts
) -> None:
    person, card = await _filed(harness, texts)
    staff = harness.staff(EXECUTOR)
    await staff.send(PROFILE)
    await signing_department(harness.app, EXECUTOR)
    await harness.deliver()
    await staff.reply(card, f"/answer {ANSWER}")
    preview = _group_messages(await harness.deliver())[-1].text
    await staff.press(texts.get("staff-button-send-answer"))
    assert await _status(harness) is AppealStatus.ANSWERED
    [answer, *_survey] = _texts_to(await harness.deliver(), person.chat.id)
    for shown in (preview, answer):
        assert ANSWER in shown
        for part in (
            "Петрова Анна Сергеевна",
            "ведущий специалист",
            "+78310000001",
            "petrova@vyksa.ru",
            HEAD_NAME,
            HEAD_POSITION,
        ):
            assert part in shown, part


async def _refused(
    harness: BotHarness, texts: Texts, profile: str, *, department: bool = True
) -> list[str]:
    """What the staff chat is told when a staff member with `profile` (in a department with
    a signing head, unless not) tries to answer; the appeal stays unanswered."""
    _person, card = await _filed(harness, texts)
    staff = harness.staff(EXECUTOR)
    await staff.send(profile)
    if department:
        await signing_department(harness.app, EXECUTOR)
    await harness.deliver()
    await staff.reply(card, f"/answer {ANSWER}")
    told = [c.text for c in _group_messages(await harness.deliver())]
    assert await _status(harness) is AppealStatus.REGISTERED
    return told


@pytest.mark.parametrize(
    ("profile", "missing"),
    [
        ("/profile Петрова Анна Сергеевна; ведущий специалист; +7 831 000-00-01", "email"),
        ("/profile Петрова Анна Сергеевна; ; +7 831 000-00-01; petrova@vyksa.ru", "position"),
    ],
)
async def test_reg_15_5_answer_without_executor_email_or_position_asks_for_it(
    harness: BotHarness, texts: Texts, profile: str, missing: str
) -> None:
    # Not refused with a /profile template: the profile dialog asks for what is missing.
    told = await _refused(harness, texts, profile)
    asks = {"email": "staff-profile-ask-email", "position": "staff-profile-ask-position"}
    assert told[-1].endswith(texts.get(asks[missing]))
    assert texts.get("staff-profile-intro", number=told[-1].split(":")[0]) in told[-1]


async def test_reg_15_5_answer_without_a_department_is_refused_with_what_to_do(
    harness: BotHarness, texts: Texts
) -> None:
    told = await _refused(harness, texts, PROFILE, department=False)
    refusal = texts.get("staff-error-signer", reason="department", department="none")
    assert refusal in told and "/setdept" in refusal


async def test_reg_15_5_signing_head_is_set_per_department_by_an_admin(
    harness: BotHarness, texts: Texts
) -> None:
    person, card = await _filed(harness, texts)
    harness.configure(admin_ids=frozenset({8_000_005}))
    admin = harness.staff(8_000_005)
    staff = harness.staff(EXECUTOR)
    head = harness.staff(8_000_006)
    await staff.send(PROFILE)
    await head.send("/profile Кузнецова Ирина Павловна; начальник отдела учёта; +7 831 000-00-09")
    await admin.send("/department Отдел учёта")
    async with harness.app.sessionmaker() as session:  # ids run on across tests on PostgreSQL
        department = int(await session.scalar(select(DepartmentRow.id)) or 0)
    await admin.send(f"/setdept {EXECUTOR} {department}")
    await harness.deliver()

    # No head yet: the answer is refused and says who sets one.
    await staff.reply(card, f"/answer {ANSWER}")
    told = [c.text for c in _group_messages(await harness.deliver())]
    assert texts.get("staff-error-signer", reason="head", department="Отдел учёта") in told

    # A specialist cannot be the signing head; a specialist cannot name one either.
    await staff.send(f"/depthead {department} 8000006")
    await admin.send(f"/depthead {department} 8000006")
    told = [c.text for c in _group_messages(await harness.deliver())]
    assert texts.get("staff-error-role", value="admin") in told
    assert texts.get("staff-error-signer", reason="role", department="none") in told

    await admin.send("/setrole 8000006 head")
    await admin.send(f"/depthead {department} 8000006")
    told = [c.text for c in _group_messages(await harness.deliver())]
    assert texts.get("staff-depthead-set", department="Отдел учёта", user_id="8000006") in told
    await staff.reply(card, f"/answer {ANSWER}")
    preview = _group_messages(await harness.deliver())[-1].text
    assert "Кузнецова Ирина Павловна" in preview and "начальник отдела учёта" in preview
    await staff.press(texts.get("staff-button-send-answer"))
    [answer, *_survey] = _texts_to(await harness.deliver(), person.chat.id)
    assert "Кузнецова Ирина Павловна" in answer and "Петрова Анна Сергеевна" in answer


async def test_reg_15_5_head_without_position_cannot_sign(
    harness: BotHarness, texts: Texts
) -> None:
    _person, card = await _filed(harness, texts)
    staff = harness.staff(EXECUTOR)
    await staff.send(PROFILE)
    await harness.deliver()
    harness.configure(admin_ids=frozenset({HEAD_ID}))
    head = harness.staff(HEAD_ID)
    await signing_department(harness.app, EXECUTOR)
    await head.send(f"/profile {HEAD_NAME}; ; +7 831 000-00-09")
    await harness.deliver()
    await staff.reply(card, f"/answer {ANSWER}")
    told = [c.text for c in _group_messages(await harness.deliver())]
    department = "Служба по работе с потребителями"
    assert texts.get("staff-error-signer", reason="profile", department=department) in told
    assert await _status(harness) is AppealStatus.REGISTERED


async def test_59fz_st11_ch3_obscenity_refusal_says_abuse_not_allowed(
    harness: BotHarness, texts: Texts
) -> None:
    person, card = await _filed(harness, texts)
    staff = harness.staff(EXECUTOR)
    await staff.send(PROFILE)
    await harness.deliver()
    staff.last_inline = [(label, data, card) for label, data in _buttons(card)]
    await staff.press(texts.get("staff-button-reject"))
    await harness.deliver()
    await staff.press(texts.plain("staff-ground-obscene_or_threats"))
    assert await _status(harness) is AppealStatus.REJECTED
    [told] = _texts_to(await harness.deliver(), person.chat.id)
    assert told == texts.get("consumer-rejected-obscene_or_threats", number="ВЭ-2026-000001")
    assert "злоупотребление правом на обращение недопустимо" in told
    assert "ч. 3 ст. 11" in told and "59-ФЗ" in told
