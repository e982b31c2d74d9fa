"""Crafted input (issue 11 point 9): callback data a client made up (empty fields, huge,
negative and non-ASCII numbers, unknown enum values, impossible dates, foreign prefixes,
64-byte garbage) and command arguments out of range never raise inside a handler. Every
press gets an answerCallbackQuery (a short toast when the data is refused) and nothing is
logged at ERROR."""

from __future__ import annotations

import itertools
import logging
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import pytest_asyncio
from aiogram.filters.callback_data import CallbackData
from aiogram.methods import AnswerCallbackQuery, SendMessage, TelegramMethod
from aiogram.types import CallbackQuery, Message, Update, User

from bot.settings import Settings
from core.texts import Texts
from domain.clock import FixedClock
from domain.content import ContentLibrary
from tests.fakes import texts_of
from tests.handlers.test_appeal_dialog import _file_one, _linked
from tests.harness import STAFF_CHAT_ID, BotHarness, Person

pytestmark = pytest.mark.usefixtures("registry")

_ids = itertools.count(900_000)

# A valid-looking example of every callback prefix in the code; each is also mutated field
# by field with the crafted values below. A new CallbackData class without an entry here
# fails `test_every_callback_prefix_in_the_code_is_walked`.
SAMPLES: dict[str, tuple[str, ...]] = {
    "ma": ("ma:open:1:1", "ma:page:2:0", "ma:add:1:1", "ma:reopen:1:1"),
    "consent": ("consent:show", "consent:accept"),
    "sub": ("sub:toggle:debt", "sub:stop:", "sub:resume:"),
    "mydata": ("mydata:withdraw", "mydata:withdraw-no"),
    "ntc": ("ntc:ref:1", "ntc:ok:1", "ntc:close:1"),
    "info": ("info:-", "info:connection"),
    "infofile": ("infofile:connection:0",),
    "ap": (
        "ap:kind:complaint",
        "ap:subject:power_quality",
        "ap:applicant:business",
        "ap:later:passport",
        "ap:channel:post",
        "ap:vulnerable:",
        "ap:files:done",
        "ap:prefill:name",
        "ap:skip:address",
        "ap:long:split",
        "ap:summary:submit",
        "ap:when:yes",
        "ap:outage:subscribe",
    ),
    "bk": (
        "bk:topic:metering",
        "bk:day:2026-11-25",
        "bk:time:1795590000",
        "bk:prefill:name",
        "bk:confirm:yes",
    ),
    "bka": ("bka:mine:0", "bka:cancel:1", "bka:move:1", "bka:remind-come:1"),
    "acc": ("acc:link:", "acc:unlink:1000000001", "acc:unlink-no:1000000001"),
    "rd": ("rd:history:", "rd:account:1000000001", "rd:meter:0", "rd:submit:", "rd:fix:"),
    "sa": (
        "sa:take:1:0",
        "sa:exec:1:8000001",
        "sa:dept:1:0",
        "sa:task:1:1",
        "sa:ground:1:0",
        "sa:send:1:0",
        "sa:file:1:0",
        "sa:drop:1:0",
        "sa:identity:1:0",
    ),
    "sv": ("sv:rate:1:5", "sv:resolved:1:1", "sv:skip:1:0"),
    "cq": ("cq:1",),
    "sr": ("sr:form:phone", "sr:channel:post", "sr:kind:complaint", "sr:subject:metering"),
    "sr55": ("sr55:applicant:person", "sr55:later:passport"),
    "as": ("as:AbCdEf012345",),
    "rs": ("rs:AbCdEf0123-_",),
    "bkc": ("bkc:AbCdEf012345",),
    "resume": ("resume",),
    "parked": ("parked:appeal", "parked:booking"),
    "qa": ("qa:1:0:3",),
    "rp": ("rp:year", "rp:custom"),
    "qs": ("qs:kind:1:scale", "qs:topic:1:tariff", "qs:done:1:", "qs:send:1:", "qs:cancel:1:"),
}

CRAFTED = (
    "",
    "0",
    "-1",
    "99999999999999999999",
    str(2**31),
    str(2**63),
    "²",
    "٣",
    "1e3",
    " 1",
    "9999-99-99",
    "2026-02-30",
    "zzz",
    "None",
    "x" * 40,
)

FOREIGN = (
    "",
    "ma",
    "ma:open:",
    "bk:day:9999-99-99",
    "sr:channel",
    "sa:::::",
    "zz:1:2",
    ":",
    "g" * 64,
    "ма:open:1:1",
    "\x00\x01",
)


def _crafted_data() -> Iterator[str]:
    yield from FOREIGN
    for samples in SAMPLES.values():
        for sample in samples:
            yield sample
            prefix, *parts = sample.split(":")
            yield ":".join([prefix, *parts[:-1]])  # a field short
            yield f"{sample}:1"  # a field too many
            for index, value in itertools.product(range(len(parts)), CRAFTED):
                changed = list(parts)
                changed[index] = value
                data = ":".join([prefix, *changed])
                if len(data.encode()) <= 64:  # Telegram's limit for callback data
                    yield data


ALL_CRAFTED = tuple(dict.fromkeys(_crafted_data()))


@pytest_asyncio.fixture
async def harness(
    engine: Any, settings: Settings, clock: FixedClock, texts: Texts, content: ContentLibrary
) -> AsyncIterator[BotHarness]:
    staff_settings = settings.with_values(staff_chat_id=STAFF_CHAT_ID)
    bot_harness = await BotHarness.start(staff_settings, clock=clock, texts=texts, content=content)
    yield bot_harness
    await bot_harness.close()


def _press(person: Person, data: str) -> Update:
    message = Message(
        message_id=next(_ids),
        date=datetime.now(UTC),
        chat=person.chat,
        from_user=User(id=1_000_001, is_bot=True, first_name="Reception"),
        text="…",
    )
    return Update(
        update_id=next(_ids),
        callback_query=CallbackQuery(
            id=str(next(_ids)),
            from_user=person.user,
            chat_instance="crafted",
            message=message,
            data=data,
        ),
    )


async def _walk(person: Person, caplog: pytest.LogCaptureFixture) -> None:
    """Every crafted press: answered exactly once, nothing logged at ERROR."""
    problems: list[str] = []
    for data in ALL_CRAFTED:
        logged = len(caplog.records)
        calls = await person.feed(_press(person, data))
        answers = [c for c in calls if isinstance(c, AnswerCallbackQuery)]
        errors = [r for r in caplog.records[logged:] if r.levelno >= logging.ERROR]
        if len(answers) != 1 or errors:
            failure = errors[0].getMessage().splitlines()[0] if errors else ""
            problems.append(f"{data!r}: {len(answers)} answers {failure}")
    assert problems == [], "\n".join(problems)


async def test_every_callback_prefix_in_the_code_is_walked(harness: BotHarness) -> None:
    def subclasses(cls: type[CallbackData]) -> Iterator[type[CallbackData]]:
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    prefixes = {cls.__prefix__ for cls in subclasses(CallbackData)}
    assert prefixes == set(SAMPLES)


async def test_crafted_callbacks_in_a_private_chat_outside_any_dialog(
    harness: BotHarness, texts: Texts, caplog: pytest.LogCaptureFixture
) -> None:
    person = await _linked(harness, texts)
    await _file_one(person, texts)
    caplog.set_level(logging.WARNING)
    await _walk(person, caplog)


async def test_crafted_callbacks_in_the_middle_of_an_appeal(
    harness: BotHarness, texts: Texts, caplog: pytest.LogCaptureFixture
) -> None:
    person = await _linked(harness, texts)
    await person.send(texts.get("menu-appeal"))
    await person.press(texts.get("appeal-kind-gratitude"))
    caplog.set_level(logging.WARNING)
    await _walk(person, caplog)


async def test_crafted_callbacks_in_the_middle_of_a_booking(
    harness: BotHarness, texts: Texts, caplog: pytest.LogCaptureFixture
) -> None:
    person = await _linked(harness, texts)
    await person.send("/booking")
    await person.press(texts.get("booking-topic-metering"))
    caplog.set_level(logging.WARNING)
    await _walk(person, caplog)


async def test_crafted_callbacks_in_the_staff_chat(
    harness: BotHarness, texts: Texts, caplog: pytest.LogCaptureFixture
) -> None:
    person = await _linked(harness, texts)
    await _file_one(person, texts)
    await harness.deliver()
    staff = harness.staff()
    await staff.send("/register")
    await harness.deliver()
    caplog.set_level(logging.WARNING)
    await _walk(staff, caplog)


async def test_crafted_callbacks_from_an_outsider_in_the_staff_chat(
    harness: BotHarness, texts: Texts, caplog: pytest.LogCaptureFixture
) -> None:
    outsider = harness.outsider()
    caplog.set_level(logging.WARNING)
    await _walk(outsider, caplog)


def _replies(calls: list[TelegramMethod[Any]]) -> list[str]:
    return [str(c.text) for c in calls if isinstance(c, SendMessage)]


@pytest.mark.parametrize(
    "command",
    [
        "/extend ²",
        "/extend ² причина",
        "/extend 9999 причина",
        "/extend 99999999999999999999 причина",
        "/extend -5 причина",
        "/take 99999999999999999999",
        "/setrole 99999999999999999999 head",
        "/setrole ² head",
        "/setdept 1 99999999999999999999",
        "/setdept ٣ 1",
        "/unbook З-2026-²",
        "/unbook З-2026-99999999999999999999",
        "/day 9999-99-99",
        "/book 2026-12-03 99:99 metering Иванова Мария; +79200000001",
        "/readings 9999-99",
        "/reading 1000000001 ² ²",
        "/notice 99999999999999999999",
        "/outage_close ²",
    ],
)
async def test_staff_commands_with_crafted_arguments_get_a_reply_not_an_error(
    harness: BotHarness, texts: Texts, caplog: pytest.LogCaptureFixture, command: str
) -> None:
    person = await _linked(harness, texts)
    await _file_one(person, texts)
    await harness.deliver()
    admin = harness.staff()
    harness.configure(admin_ids=frozenset({admin.user.id}))  # may every command
    caplog.set_level(logging.WARNING)
    # In the appeal's thread (a reply to its card), where /take and /extend apply.
    card = next(
        result
        for call, result in zip(harness.last_calls, harness.last_results, strict=True)
        if isinstance(call, SendMessage) and int(call.chat_id) == STAFF_CHAT_ID
    )
    await admin.reply(card, command)
    calls = await harness.deliver()
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.getMessage().splitlines()[0] for r in errors] == []
    replies = [t for t in _replies(calls) if t != texts.get("error-apology")]
    assert replies, texts_of(calls)
