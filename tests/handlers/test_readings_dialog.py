"""Sending meter readings through the bot, and their history (SPEC §5; regulation §10.3,
§10.5). The example registry: 1000000002 has one single-zone meter with 5 digits,
1000000001 one day/night meter with 6 digits, 1000000003 two meters (1 and 3 zones)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import pytest
from aiogram.methods import EditMessageReplyMarkup, EditMessageText, SendMessage, TelegramMethod
from sqlalchemy import select

from core.texts import Texts
from domain.clock import FixedClock
from domain.ids import AccountNumber, UserId
from domain.readings import Reading, ReadingChannel, ZoneValue, format_value
from storage.models import ReadingSubmissionRow, ReadingValueRow
from storage.readings import SqlReadingRepository
from storage.uow import UnitOfWork
from tests.fakes import inline_buttons, texts_of
from tests.handlers.conftest import consented
from tests.harness import BotHarness, Person

pytestmark = pytest.mark.usefixtures("registry")

SINGLE = ("1000000002", "Петров", "022345678")
DAY_NIGHT = ("1000000001", "Иванова", "011234567")
TWO_METERS = ("1000000003", "Сидоров", "033456789")


def _said(calls: Sequence[TelegramMethod[Any]]) -> list[str]:
    """Texts the bot sent or edited, in order."""
    return [c.text or "" for c in calls if isinstance(c, SendMessage | EditMessageText)]


async def _linked(
    harness: BotHarness, texts: Texts, account: tuple[str, str, str], user_id: int = 7_000_001
) -> Person:
    person = await consented(harness, texts, user_id=user_id)
    await person.send("/accounts")
    await person.press(texts.get("accounts-link-button"))
    await person.send(account[0])
    await person.send(account[1])
    await person.deliver()  # «счёт привязан» is queued with the link
    return person


async def _seed(
    harness: BotHarness, account: str, serial: str, values: list[int], *, days_ago: int
) -> None:
    """An earlier accepted reading (kWh per zone), stored straight in the database."""
    clock = harness.app.clock
    uow = UnitOfWork(harness.app.sessionmaker, clock=clock)
    repository = SqlReadingRepository(uow)
    reading_id = await repository.add(
        Reading(
            id=None,
            reference=None,
            account_number=AccountNumber(account),
            meter_serial=serial,
            period="2026-10",
            submitted_at=clock.now() - timedelta(days=days_ago),
            channel=ReadingChannel.PHONE,
            values=tuple(ZoneValue(z, v * 1000) for z, v in enumerate(values, start=1)),
            staff_id=1,
        )
    )
    await repository.set_reference(reading_id, f"П-2026-{reading_id:06d}")
    await uow.commit()


async def _stored(harness: BotHarness) -> list[tuple[Any, list[Any]]]:
    async with harness.app.sessionmaker() as session:
        submissions = (
            (
                await session.execute(
                    select(ReadingSubmissionRow)
                    .where(ReadingSubmissionRow.channel == "bot")
                    .order_by(ReadingSubmissionRow.id)
                )
            )
            .scalars()
            .all()
        )
        result = []
        for row in submissions:
            values = (
                (
                    await session.execute(
                        select(ReadingValueRow)
                        .where(ReadingValueRow.submission_id == row.id)
                        .order_by(ReadingValueRow.zone)
                    )
                )
                .scalars()
                .all()
            )
            result.append((row, list(values)))
        return result


def _kwh(value: int) -> str:
    return format_value(value * 1000)


async def test_a_single_zone_reading_is_checked_confirmed_and_gets_a_receipt(
    harness: BotHarness, texts: Texts
) -> None:
    person = await _linked(harness, texts, SINGLE)
    calls = await person.send(texts.get("menu-readings"))
    intro, question = texts_of(calls)
    assert "учтены за ноябрь 2026 г." in intro  # 24.11: inside the window
    assert "Показание" in question and "022345678" in question
    calls = await person.send("12 345,6")
    assert texts_of(calls) == [texts.get("reading-ask-photo")]
    calls = await person.press(texts.get("reading-photo-skip"))
    confirmation = texts_of(calls)[0]
    assert "Показание: <b>12\u00a0345,6</b> — первое показание" in confirmation
    assert texts.get("reading-photo-no") in confirmation
    calls = await person.press(texts.get("reading-submit-button"))
    # The confirmation's buttons are spent; the receipt, with the history one tap away, and
    # the menu are queued with the reading (notifier/replies.py).
    [edit] = [call for call in calls if isinstance(call, EditMessageReplyMarkup)]
    assert edit.reply_markup is None
    delivered = await person.deliver()
    receipt, menu = _said(delivered)
    assert [label for label, _ in inline_buttons(delivered[0])] == [
        texts.get("reading-history-button")
    ]
    assert re.search(r"Номер: <b>П-2026-\d{6}</b>", receipt)
    assert "Учтены за: ноябрь 2026 г." in receipt
    assert "Принято: 24.11.2026 10:00" in receipt
    assert menu == texts.get("menu-shown")
    [(row, values)] = await _stored(harness)
    assert (row.account_number, row.meter_serial, row.period) == (
        "1000000002",
        "022345678",
        "2026-11",
    )
    assert (row.user_id, row.photo_file_id) == (person.user.id, None)
    assert row.reference in receipt
    assert [(v.zone, v.value_milli, v.rollover) for v in values] == [(1, 12_345_600, False)]


async def test_a_two_zone_reading_asks_day_then_night_and_shows_consumption(
    harness: BotHarness, texts: Texts
) -> None:
    await _seed(harness, DAY_NIGHT[0], DAY_NIGHT[2], [12_000, 5_000], days_ago=30)
    person = await _linked(harness, texts, DAY_NIGHT)
    calls = await person.send(texts.get("menu-readings"))
    question = texts_of(calls)[-1]
    assert "Т1 «день»" in question
    assert "Последнее принятое показание: 12\u00a0000 (25.10.2026)" in question
    calls = await person.send("12500")
    assert "Т2 «ночь»" in texts_of(calls)[0]
    await person.send("5100")
    calls = await person.press(texts.get("reading-photo-skip"))
    confirmation = texts_of(calls)[0]
    assert "Т1 «день»: <b>12\u00a0500</b> — расход 500 кВт·ч с 25.10.2026" in confirmation
    assert "Т2 «ночь»: <b>5100</b> — расход 100 кВт·ч с 25.10.2026" in confirmation
    await person.press(texts.get("reading-submit-button"))
    [(_, values)] = await _stored(harness)
    assert [(v.zone, v.value_milli) for v in values] == [(1, 12_500_000), (2, 5_100_000)]


async def test_reading_below_last_value_is_refused_and_only_that_zone_is_asked_again(
    harness: BotHarness, texts: Texts
) -> None:
    await _seed(harness, DAY_NIGHT[0], DAY_NIGHT[2], [12_000, 5_000], days_ago=30)
    person = await _linked(harness, texts, DAY_NIGHT)
    await person.send(texts.get("menu-readings"))
    await person.send("12500")
    calls = await person.send("4000")
    assert texts_of(calls) == [
        texts.get("reading-error-below-last", zone="Т2 «ночь»", last=_kwh(5_000))
    ]
    calls = await person.send("50 кВт")
    assert texts_of(calls) == [texts.get("reading-error-not-number")]
    calls = await person.send("5000,1234")
    assert texts_of(calls) == [texts.get("reading-error-decimals", max=3)]
    calls = await person.send("1234567")
    assert texts_of(calls) == [texts.get("reading-error-digits", digits=6)]
    calls = await person.send("-5100")
    assert texts_of(calls) == [texts.get("reading-error-negative")]
    calls = await person.send("5100")  # the day value typed before is still there
    assert texts_of(calls) == [texts.get("reading-ask-photo")]
    calls = await person.press(texts.get("reading-photo-skip"))
    confirmation = texts_of(calls)[0]
    assert "<b>12\u00a0500</b>" in confirmation and "<b>5100</b>" in confirmation
    assert await _stored(harness) == []


async def test_a_counter_past_zero_is_accepted_once_the_person_confirms_it(
    harness: BotHarness, texts: Texts
) -> None:
    await _seed(harness, SINGLE[0], SINGLE[2], [99_500], days_ago=30)
    person = await _linked(harness, texts, SINGLE)
    await person.send(texts.get("menu-readings"))
    calls = await person.send("120")
    [question] = texts_of(calls)
    assert "возможно, счётчик перешёл через ноль" in question
    assert "расход с 25.10.2026 — 620 кВт·ч" in question
    # «Исправить» asks again; a typo fixed by typing goes through the checks again.
    calls = await person.press(texts.get("reading-fix-button"))
    assert texts_of(calls) == [texts.get("reading-fix-prompt")]
    await person.send("121")
    calls = await person.press(texts.get("reading-rollover-button"))
    assert texts_of(calls) == [texts.get("reading-ask-photo")]
    calls = await person.press(texts.get("reading-photo-skip"))
    assert "счётчик перешёл через ноль, расход 621 кВт·ч" in texts_of(calls)[0]
    await person.press(texts.get("reading-submit-button"))
    [(_, values)] = await _stored(harness)
    assert [(v.value_milli, v.rollover) for v in values] == [(121_000, True)]


async def test_a_lower_value_far_from_the_top_offers_no_rollover(
    harness: BotHarness, texts: Texts
) -> None:
    await _seed(harness, SINGLE[0], SINGLE[2], [50_000], days_ago=30)
    person = await _linked(harness, texts, SINGLE)
    await person.send(texts.get("menu-readings"))
    calls = await person.send("120")
    assert texts_of(calls) == [
        texts.get("reading-error-below-last", zone="Показание", last=_kwh(50_000))
    ]
    assert all(not inline_buttons(call) for call in calls)


async def test_implausible_consumption_is_warned_about_and_accepted_when_confirmed(
    harness: BotHarness, texts: Texts
) -> None:
    for days_ago, value in ((95, 1_000), (65, 1_200), (35, 1_400)):
        await _seed(harness, SINGLE[0], SINGLE[2], [value], days_ago=days_ago)
    person = await _linked(harness, texts, SINGLE)
    await person.send(texts.get("menu-readings"))
    calls = await person.send("3000")
    [warning] = texts_of(calls)
    assert "расход с 20.10.2026 — 1600 кВт·ч" in warning
    # 400 kWh in 60 days: 203 a mean month (30.44 days), rounded to a kWh.
    assert "в среднем 203 кВт·ч в месяц" in warning
    calls = await person.press(texts.get("reading-implausible-button"))
    assert texts_of(calls) == [texts.get("reading-ask-photo")]
    await person.press(texts.get("reading-photo-skip"))
    await person.press(texts.get("reading-submit-button"))
    [(_, values)] = await _stored(harness)
    assert [v.value_milli for v in values] == [3_000_000]


async def test_outside_the_window_the_reading_is_kept_and_the_period_is_told(
    harness: BotHarness, texts: Texts
) -> None:
    person = await _linked(harness, texts, SINGLE)
    clock = harness.app.clock
    assert isinstance(clock, FixedClock)
    clock.advance(timedelta(days=3))  # Friday 27.11.2026: the window closed on the 25th
    calls = await person.send(texts.get("menu-readings"))
    intro = texts_of(calls)[0]
    assert "закончился 25 числа" in intro and "учтены за декабрь 2026 г." in intro
    await person.send("1000")
    calls = await person.press(texts.get("reading-photo-skip"))
    summary = texts_of(calls)[0]
    assert "Будут учтены за: декабрь 2026 г." in summary
    # Nothing is sent yet: the summary does not say the readings are kept (issue 15).
    assert "проверьте и отправьте показания" in summary
    assert "сохранены" not in summary and "приняты" not in summary
    await person.press(texts.get("reading-submit-button"))
    receipt = _said(await person.deliver())[0]
    assert "Учтены за: декабрь 2026 г." in receipt
    assert "показания приняты и будут учтены за декабрь 2026 г." in receipt
    [(row, _)] = await _stored(harness)
    assert row.period == "2026-12"


async def test_before_the_window_the_reading_counts_for_this_month(
    harness: BotHarness, texts: Texts
) -> None:
    person = await _linked(harness, texts, SINGLE)
    clock = harness.app.clock
    assert isinstance(clock, FixedClock)
    clock.advance(timedelta(days=-14))  # 10.11.2026
    calls = await person.send(texts.get("menu-readings"))
    assert texts_of(calls)[0] == texts.get(
        "reading-intro-before", start="15", end="25", period="ноябрь 2026 г."
    )


async def test_a_photo_of_the_meter_is_attached_to_the_reading(
    harness: BotHarness, texts: Texts
) -> None:
    person = await _linked(harness, texts, SINGLE)
    await person.send(texts.get("menu-readings"))
    await person.send("1000")
    calls = await person.send("вот фото")
    assert texts_of(calls) == [texts.get("reading-photo-expected")]
    photo = [
        {"file_id": f"meter-{size}", "file_unique_id": f"u{size}", "width": size, "height": size}
        for size in (90, 800)
    ]
    calls = await person.send(None, photo=photo)
    assert texts.get("reading-photo-yes") in texts_of(calls)[0]
    await person.press(texts.get("reading-submit-button"))
    [(row, _)] = await _stored(harness)
    assert row.photo_file_id == "meter-800"  # the largest size


async def test_history_shows_the_last_twelve_readings_per_meter(
    harness: BotHarness, texts: Texts
) -> None:
    for month in range(14):  # monthly, the newest 4 days ago
        days_ago = 4 + 30 * (13 - month)
        await _seed(harness, SINGLE[0], SINGLE[2], [1_000 + 100 * month], days_ago=days_ago)
    person = await _linked(harness, texts, SINGLE)
    calls = await person.send("/readings_history")
    [history] = texts_of(calls)
    items = [line for line in history.splitlines() if "Показание:" in line]
    assert len(items) == 12
    assert items[0].startswith("20.11.2026 — Показание: 2300 (по телефону, П-2026-")
    assert "Показание: 1200 " in items[-1]
    assert "Показание: 1100 " not in history and "Показание: 1000 " not in history
    # The same from the button on the first question of the dialog.
    await person.send(texts.get("menu-readings"))
    calls = await person.press(texts.get("reading-history-button"))
    assert texts_of(calls) == [history]


async def test_history_of_someone_without_readings_or_accounts(
    harness: BotHarness, texts: Texts
) -> None:
    person = await _linked(harness, texts, SINGLE)
    calls = await person.send("/readings_history")
    assert texts_of(calls) == [texts.get("reading-history-empty")]
    stranger = await consented(harness, texts, user_id=7_000_002)
    calls = await stranger.send("/readings_history")
    assert texts_of(calls) == [texts.get("reading-no-account")]


async def test_a_restart_in_the_middle_resumes_at_the_same_step_with_what_was_entered(
    harness: BotHarness, texts: Texts
) -> None:
    person = await _linked(harness, texts, DAY_NIGHT)
    await person.send(texts.get("menu-readings"))
    await person.send("12500")
    restarted = await BotHarness.start(
        harness.app.settings,
        clock=FixedClock(harness.app.clock.now()),
        texts=texts,
        content=harness.app.content,
    )
    try:
        again = restarted.person(user_id=person.user.id)
        calls = await again.send("5100")
        assert texts_of(calls) == [texts.get("reading-ask-photo")]
        calls = await again.press(texts.get("reading-photo-skip"))
        confirmation = texts_of(calls)[0]
        assert "Т1 «день»: <b>12\u00a0500</b>" in confirmation
        assert "Т2 «ночь»: <b>5100</b>" in confirmation
        await again.press(texts.get("reading-submit-button"))
        assert "Показания приняты" in _said(await again.deliver())[0]
    finally:
        await restarted.close()
    [(_, values)] = await _stored(harness)
    assert [v.value_milli for v in values] == [12_500_000, 5_100_000]


async def test_back_goes_one_step_and_cancel_stores_nothing(
    harness: BotHarness, texts: Texts
) -> None:
    person = await _linked(harness, texts, TWO_METERS)
    calls = await person.send(texts.get("menu-readings"))
    assert texts_of(calls)[-1] == texts.get("reading-ask-meter")
    calls = await person.press("033456790")
    assert "Т1 «пик»" in texts_of(calls)[0]
    await person.send("100")
    calls = await person.send("50")
    assert "Т3 «ночь»" in texts_of(calls)[0]
    calls = await person.send(texts.get("nav-back"))
    assert "Т2 «полупик»" in texts_of(calls)[0]
    calls = await person.send(texts.get("nav-back"))
    assert "Т1 «пик»" in texts_of(calls)[0]
    calls = await person.send(texts.get("nav-back"))
    assert texts_of(calls) == [texts.get("reading-ask-meter")]
    calls = await person.send("/cancel")
    assert texts_of(calls) == [texts.get("cancel-done")]
    assert await _stored(harness) == []


async def test_a_stale_confirmation_button_does_not_submit_twice(
    harness: BotHarness, texts: Texts
) -> None:
    """Pressed again once the reading is stored: nothing is stored twice, and the person is
    told it was accepted, with its number (issue 11), rather than that the button is stale."""
    person = await _linked(harness, texts, SINGLE)
    await person.send(texts.get("menu-readings"))
    await person.send("1000")
    await person.press(texts.get("reading-photo-skip"))
    submit = person.callback_update(texts.get("reading-submit-button"))
    await person.feed(submit)
    receipt = _said(await person.deliver())[0]
    again = submit.model_copy(update={"update_id": submit.update_id + 1_000_000})
    calls = await person.feed(again)
    assert [getattr(c, "text", None) for c in calls] == [None]  # the press is answered
    [(row, _)] = await _stored(harness)
    assert row.reference in receipt
    assert _said(await person.deliver()) == [
        texts.get("reading-already-accepted", reference=row.reference, time="24.11.2026 10:00")
    ]


async def test_without_consent_or_a_linked_account_the_person_is_told_what_to_do(
    harness: BotHarness, texts: Texts
) -> None:
    newcomer = harness.person(user_id=7_000_003)
    calls = await newcomer.send("/readings")
    assert texts_of(calls) == [texts.get("reading-consent-needed")]
    person = await consented(harness, texts, user_id=7_000_004)
    calls = await person.send("/readings")
    assert texts_of(calls) == [texts.get("reading-no-account")]
    assert [label for label, _ in inline_buttons(calls[0])] == [texts.get("accounts-link-button")]
    calls = await person.press(texts.get("accounts-link-button"))
    assert texts.get("link-ask-number") in texts_of(calls)[0]


async def test_another_persons_meter_cannot_be_chosen_with_hand_made_callback_data(
    harness: BotHarness, texts: Texts
) -> None:
    person = await _linked(harness, texts, TWO_METERS)
    await person.send(texts.get("menu-readings"))
    forged = person.callback_update("033456789")
    assert forged.callback_query is not None
    forged.callback_query.__dict__["data"] = "rd:meter:7"
    calls = await person.feed(forged)
    assert texts.get("reading-error-meter-not-found") in texts_of(calls)
    user_id = UserId(person.user.id)
    assert (
        await harness.app.storage.get_state(
            harness.app.dispatcher.fsm.get_context(harness.bot, user_id, user_id).key
        )
        is None
    )


def test_every_text_the_dialog_builds_from_codes_exists(texts: Texts) -> None:
    from domain.readings import WindowPosition, zone_name_keys

    keys = {f"reading-intro-{position.value}" for position in WindowPosition}
    keys |= {f"reading-channel-{channel.value.replace('_', '-')}" for channel in ReadingChannel}
    keys |= {f"reading-meter-zones-{zones}" for zones in (1, 2, 3)}
    keys |= {f"reading-month-{month}" for month in range(1, 13)}
    keys |= zone_name_keys()
    assert sorted(key for key in keys if not texts.has(key)) == []
