"""How the scenarios (tests/chaos/hostile_scenarios.py) drive a person or a staff member: who
the hostile updates come from, and the building blocks — a consented person, a linked one, an
appeal, a meter reading or a booking taken up to a step, a staff member at a card."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiogram.types import Message

from tests.harness import Person

if TYPE_CHECKING:
    from tests.chaos.hostile import HostileRun

STAFF_ADMIN_ID = 8_000_001
STAFF_SPECIALIST_ID = 8_000_002
OUTSIDER_ID = 9_000_001
OTHER_GROUP_ID = -1_009_999_999_999
PROFILE = "/profile Петрова Анна Сергеевна; ведущий специалист; +7 831 000-00-01; petrova@vyksa.ru"
APPEAL_TEXT = "Третий день по вечерам мигает свет и гаснет на несколько минут."
SURNAME = "Тестова"
HOLDER = "Тестова Анна Ивановна"


class DriverMiss(Exception):
    """The driver could not take the next step (the button or question was not there)."""


@dataclass
class Actor:
    """Who the hostile updates come from, and where."""

    person: Person
    scenario: str
    staff: bool = False
    card: Message | None = None  # the appeal's card in the staff chat
    appeal_id: int | None = None
    missed: str | None = None  # why the driver stopped short, if it did
    extra: dict[str, Any] = field(default_factory=dict)


Driver = Callable[["HostileRun"], Awaitable[Actor]]


@dataclass
class Scenario:
    name: str
    drive: Driver
    staff: bool = False


# -- building blocks ---------------------------------------------------------------------------


async def consented_person(run: HostileRun) -> Person:
    person = run.new_person()
    await run.send(person, "/start")
    await run.press(person, run.texts.get("consent-accept"))
    return person


async def linked_person(run: HostileRun, pool: str = "std") -> Person:
    person = await consented_person(run)
    await link_account(run, person, pool)
    return person


async def link_account(run: HostileRun, person: Person, pool: str) -> str:
    number = run.take_account(pool)
    await run.send(person, "/accounts")
    await run.press(person, run.texts.get("accounts-link-button"))
    await run.send(person, number)
    await run.send(person, SURNAME)
    return number


async def appeal_to(run: HostileRun, person: Person, step: str) -> None:
    """Through the appeal dialog (a complaint about the service) up to `step`."""
    texts = run.texts
    order = [
        "kind",
        "subject",
        "text",
        "attachments",
        "full_name",
        "address",
        "channel",
        "vulnerable",
        "summary",
        "submitted",
    ]
    actions: dict[str, Callable[[], Awaitable[None]]] = {
        "kind": lambda: run.send(person, texts.get("menu-appeal")),
        "subject": lambda: run.press(person, texts.get("appeal-kind-complaint")),
        "text": lambda: run.press(person, texts.get("appeal-subject-service_quality")),
        "attachments": lambda: run.send(person, APPEAL_TEXT),
        "full_name": lambda: run.press(person, texts.get("appeal-attachments-done")),
        "address": lambda: run.press(person, HOLDER),
        "channel": lambda: run.press(person, texts.get("appeal-skip")),
        "vulnerable": lambda: run.press(person, texts.get("appeal-channel-chat")),
        "summary": lambda: run.press(person, texts.get("appeal-vulnerable-none")),
        "submitted": lambda: run.press(person, texts.get("appeal-summary-submit")),
    }
    for name in order[: order.index(step) + 1]:
        await actions[name]()


async def filed_appeal(run: HostileRun) -> tuple[Person, int]:
    """A linked person with a registered appeal; its card delivered to the staff chat."""
    person = await linked_person(run)
    await appeal_to(run, person, "submitted")
    appeal_id = await run.latest_appeal_of(person)
    if appeal_id is None:
        raise DriverMiss("the appeal was not registered")
    return person, appeal_id


async def staff_with_card(run: HostileRun, staff_id: int = STAFF_ADMIN_ID) -> Actor:
    _consumer, appeal_id = await filed_appeal(run)
    card = run.card_of(appeal_id)
    staff = run.staff_person(staff_id)
    if card is None:
        raise DriverMiss("no card in the staff chat")
    staff.last_inline = [(label, data, card) for label, data in run.buttons_of(card)]
    return Actor(staff, "", staff=True, card=card, appeal_id=appeal_id)


async def press_on_card(run: HostileRun, actor: Actor, key: str) -> None:
    assert actor.card is not None
    current = run.current_card(actor.card)
    actor.person.last_inline = [(label, data, current) for label, data in run.buttons_of(current)]
    await run.press(actor.person, run.texts.get(key))


async def readings_to(run: HostileRun, person: Person, step: str) -> None:
    """Two-zone meter of a fresh account: values, photo step, confirmation, receipt."""
    day, night = run.next_values()
    await run.send(person, "/readings")
    if step == "value":
        return
    await run.send(person, day)
    if step == "value-2":
        return
    await run.send(person, night)
    if step == "photo":
        return
    await run.press(person, run.texts.get("reading-photo-skip"))
    if step == "confirm":
        return
    await run.press(person, run.texts.get("reading-submit-button"))


async def booking_to(run: HostileRun, person: Person, step: str) -> None:
    texts = run.texts
    await run.send(person, "/booking")
    if step == "topic":
        return
    await run.press(person, texts.get("booking-topic-metering"))
    if step == "day":
        return
    await run.press_first(person)
    if step == "time":
        return
    await run.press_first(person)
    if step == "full_name":
        return
    await run.send(person, "Тестова Анна Ивановна")
    if step == "phone":
        return
    await run.send(person, "+7 920 000-00-01")
    if step == "confirm":
        return
    await run.press(person, texts.get("booking-confirm"))
