"""The lifecycle's legal terms in the staff chat (issue 13, part 2), through the real
dispatcher: forwarding by a head within 7 days with the appellant told, the repeat refused by
a head naming the earlier appeal, no extension of an overdue appeal, /register asking when
the appeal was received, a letter without contact data registered and closed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from aiogram.methods import AnswerCallbackQuery, SendMessage, TelegramMethod
from sqlalchemy import select

from core.texts import Texts
from domain.appeals import AppealStatus, RejectionGround
from domain.clock import FixedClock
from storage.models import AppealRow
from tests.fakes import texts_of
from tests.handlers.test_appeal_dialog import _file_one
from tests.handlers.test_staff_chat import (
    _buttons,
    _card,
    _filed,
    _group_messages,
    _status,
    _with_profile,
)
from tests.handlers.test_staff_chat import harness as harness  # the staff chat's
from tests.harness import BotHarness, Person, StaffPerson

pytestmark = pytest.mark.usefixtures("registry")

HEAD = 8_000_002
WHERE = "Администрация городского округа, г. Выкса, ул. Ленина, 1"


def _head(harness: BotHarness) -> StaffPerson:
    harness.configure(admin_ids=frozenset({HEAD}))  # a listed admin may everything
    return harness.staff(HEAD)


def _told(person: Person, delivered: list[TelegramMethod[Any]]) -> list[str]:
    return [
        c.text for c in delivered if isinstance(c, SendMessage) and c.chat_id == person.chat.id
    ]


def _alerts(calls: list[TelegramMethod[Any]]) -> list[str]:
    return [c.text or "" for c in calls if isinstance(c, AnswerCallbackQuery)]


async def _row(harness: BotHarness, number: str) -> AppealRow:
    async with harness.app.sessionmaker() as session:
        row = await session.scalar(select(AppealRow).where(AppealRow.number == number))
    assert row is not None
    return row


# §5.2, 59-ФЗ ст. 8 ч. 3 ------------------------------------------------------------------


async def test_reg_5_2_forwarding_only_by_head(harness: BotHarness, texts: Texts) -> None:
    person, card = await _filed(harness, texts)
    staff = await _with_profile(harness)
    await staff.reply(card, f"/forward {WHERE}")
    delivered = await harness.deliver()
    assert any("руководитель" in c.text for c in _group_messages(delivered))
    assert await _status(harness) is AppealStatus.REGISTERED
    # The card's button is refused too, before "where to" is asked.
    staff.last_inline = [(label, data, card) for label, data in _buttons(card)]
    pressed = await staff.press(texts.get("staff-button-forward"))
    assert any("руководитель" in text for text in _alerts(pressed))

    head = _head(harness)
    await head.reply(card, f"/forward {WHERE}")
    assert await _status(harness) is AppealStatus.FORWARDED
    # The appellant is told where the appeal went (59-ФЗ ст. 8 ч. 3).
    told = _told(person, await harness.deliver())
    assert told == [texts.get("consumer-forwarded", number="ВЭ-2026-000001", where=WHERE)]


async def test_59fz_st8_ch3_forwarding_refused_after_7_days(
    harness: BotHarness, texts: Texts, clock: FixedClock
) -> None:
    person, card = await _filed(harness, texts)  # registered Tuesday 24.11.2026
    head = _head(harness)
    # The 5th day: the prompt warns that the term ends on 01.12.2026.
    clock.advance(timedelta(days=5))
    await head.reply(card, "/forward")
    prompts = texts_of(_group_messages(await harness.deliver()))
    assert any(texts.get("staff-forward-term-ends", date="01.12.2026") in t for t in prompts)
    await head.send("/cancel")
    await harness.deliver()
    # The 8th day: refused, the appeal stays to be answered here.
    clock.advance(timedelta(days=3))
    await head.reply(card, f"/forward {WHERE}")
    delivered = await harness.deliver()
    assert texts.get("appeal-error-forward-too-late") in texts_of(_group_messages(delivered))
    assert _told(person, delivered) == []
    assert await _status(harness) is AppealStatus.REGISTERED


# 59-ФЗ ст. 11 ч. 5, §15.8 ---------------------------------------------------------------


async def test_59fz_st11_ch5_repeat_refusal_is_the_heads_and_names_the_earlier_appeal(
    harness: BotHarness, texts: Texts
) -> None:
    person, _first = await _filed(harness, texts)
    await _file_one(person, texts)
    await harness.deliver()
    card = _card(harness)
    assert "ВЭ-2026-000002" in (card.text or "")
    repeat = texts.plain(f"staff-ground-{RejectionGround.REPEAT_WITHOUT_NEW_ARGUMENTS.value}")

    staff = await _with_profile(harness)
    staff.last_inline = [(label, data, card) for label, data in _buttons(card)]
    await staff.press(texts.get("staff-button-reject"))
    await harness.deliver()
    pressed = await staff.press(repeat)
    assert any("руководитель" in text for text in _alerts(pressed))
    assert await _status_of(harness, "ВЭ-2026-000002") is AppealStatus.REGISTERED

    head = _head(harness)
    head.last_inline = [(label, data, card) for label, data in _buttons(card)]
    await head.press(texts.get("staff-button-reject"))
    await harness.deliver()
    await head.press(repeat)
    await harness.deliver()
    await head.reply(card, "ВЭ-2026-000001")
    assert await _status_of(harness, "ВЭ-2026-000002") is AppealStatus.REJECTED
    told = _told(person, await harness.deliver())
    assert len(told) == 1
    assert "№ ВЭ-2026-000001" in told[0]  # §15.8: the earlier appeal, named
    assert told[0] == texts.get(
        "consumer-rejected-repeat_without_new_arguments",
        number="ВЭ-2026-000002",
        earlier="ВЭ-2026-000001",
    )


async def _status_of(harness: BotHarness, number: str) -> AppealStatus:
    return AppealStatus((await _row(harness, number)).status)


# 59-ФЗ ст. 12 ч. 2 ----------------------------------------------------------------------


async def test_59fz_st12_ch2_extension_only_before_due_date(
    harness: BotHarness, texts: Texts, clock: FixedClock
) -> None:
    person, card = await _filed(harness, texts)
    row = await _row(harness, "ВЭ-2026-000001")
    head = _head(harness)
    await head.reply(card, "/take")
    assert await _status(harness) is AppealStatus.IN_PROGRESS
    clock.set(row.due_at + timedelta(minutes=1))
    await head.reply(card, "/extend 10 нужен выезд на место")
    delivered = await harness.deliver()
    assert texts.get("appeal-error-extension-after-due") in texts_of(_group_messages(delivered))
    assert _told(person, delivered) == []
    after = await _row(harness, "ВЭ-2026-000001")
    assert after.due_at == row.due_at and not after.extended


# /register: 59-ФЗ ст. 8 ч. 2; §15.2, §15.10 ------------------------------------------------


async def _register_steps(
    harness: BotHarness, texts: Texts, staff: StaffPerson, steps: list[tuple[str, str]]
) -> list[str]:
    """Walk /register: ("press", label) or ("send", text); the staff chat's replies."""
    replies: list[str] = []
    await staff.send("/register")
    await harness.deliver()
    for how, value in steps:
        if how == "press":
            await staff.press(value)
        else:
            await staff.send(value)
        replies += texts_of(_group_messages(await harness.deliver()))
    return replies


async def test_59fz_st8_ch2_register_asks_received_date_and_warns_after_3_days(
    harness: BotHarness, texts: Texts, clock: FixedClock
) -> None:
    staff = await _with_profile(harness)
    form = ("press", texts.plain("staff-form-phone").capitalize())
    # A day to come is not a receipt: the step stays.
    replies = await _register_steps(harness, texts, staff, [form, ("send", "завтра")])
    assert replies[-1] == texts.get("staff-register-received-invalid")
    await staff.send("5 дней назад")
    replies = texts_of(_group_messages(await harness.deliver()))
    assert replies[0] == texts.get("staff-register-late", days=5)
    assert replies[1] == texts.get("staff-register-name")
    for how, value in [
        ("send", "Сидоров Пётр Ильич"),
        ("press", texts.plain("appeal-channel-phone")),
        ("send", "+7 920 000 00 01"),
        ("press", texts.plain("appeal-kind-complaint")),
        ("press", texts.plain("appeal-subject-service_quality")),
        ("send", "Звонок: не дозвониться до диспетчерской третий день."),
    ]:
        await (staff.press(value) if how == "press" else staff.send(value))
        replies = texts_of(_group_messages(await harness.deliver()))
    assert texts.get("staff-register-received-line", date="19.11.2026") in replies[-1]
    await staff.press(texts.plain("staff-register-save"))
    await harness.deliver()
    row = await _row(harness, "ВЭ-2026-000001")
    assert row.registered_at == clock.now()
    # Kept apart: the start of 19.11.2026 in Moscow.
    assert row.received_at == datetime(2026, 11, 18, 21, 0, tzinfo=UTC)
    assert row.received_at.date() != row.registered_at.date()


async def test_reg_15_2_no_contact_registered_then_closed(
    harness: BotHarness, texts: Texts
) -> None:
    staff = await _with_profile(harness)
    replies = await _register_steps(
        harness,
        texts,
        staff,
        [
            ("press", texts.plain("staff-form-post").capitalize()),
            ("send", "сегодня"),
            ("send", "-"),
            ("press", texts.plain("appeal-channel-post")),
            ("send", "-"),
            ("press", texts.plain("appeal-kind-complaint")),
            ("press", texts.plain("appeal-subject-service_quality")),
            ("send", "Письмо без подписи и обратного адреса: жалоба на отключения."),
            ("press", texts.plain("staff-register-save")),
        ],
    )
    assert texts.get("staff-register-written-hint") in replies[1]
    assert any("ВЭ-2026-000001" in reply for reply in replies)
    row = await _row(harness, "ВЭ-2026-000001")
    assert row.status == AppealStatus.REJECTED.value
    assert row.rejection_ground == RejectionGround.NO_CONTACT_DATA.value
    assert row.full_name == "" and row.contact == ""
    assert row.received_at == row.registered_at


async def test_reg_15_2_a_phone_call_without_a_name_is_still_refused(
    harness: BotHarness, texts: Texts
) -> None:
    staff = await _with_profile(harness)
    replies = await _register_steps(
        harness,
        texts,
        staff,
        [
            ("press", texts.plain("staff-form-phone").capitalize()),
            ("send", date(2026, 11, 23).strftime("%d.%m")),
            ("send", "-"),
        ],
    )
    # The name step refuses and stays: a name given next moves on to the channel.
    assert texts.get("staff-register-channel") not in replies
    await staff.send("Сидоров Пётр Ильич")
    replies = texts_of(_group_messages(await harness.deliver()))
    assert replies == [texts.get("staff-register-channel")]
