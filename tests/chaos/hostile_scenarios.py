"""The dialog states of the hostile run, and how a person (or a staff member) gets into each.

A scenario is a name and a driver: it takes a fresh person (a new Telegram user with a fresh
personal account from the run's registry, or a staff member with a fresh appeal's card) to
one state of one dialog, through ordinary updates, and returns the `Actor` the hostile
updates are then aimed at. A driver that cannot reach its state (a button that is not
there) stops where it is: the hostile updates still go, and the run reports the miss.

Every dialog is covered: consent, account linking, filing an appeal (every step, the long
text choice, editing from the summary), «Мои обращения» (list, details, «Дополнить»), the
answer to a clarifying question, the survey, meter readings (account, meter, values,
rollover, implausible, photo, confirmation), booking (every step, «Мои записи», moving,
cancelling), /settings, /mydata (and withdrawing consent), /info, and in the staff chat the
card and its prompts (question, answer, preview, extension, forwarding, a reply offered,
a file offered, grounds, a repeat's number), /register (every step), /notify, a specialist,
an outsider; plus a person in a group that is not the staff chat.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from aiogram.types import Chat

from tests.chaos.hostile_drive import (
    OTHER_GROUP_ID,
    OUTSIDER_ID,
    STAFF_ADMIN_ID,
    STAFF_SPECIALIST_ID,
    Actor,
    DriverMiss,
    Scenario,
    appeal_to,
    booking_to,
    consented_person,
    filed_appeal,
    link_account,
    linked_person,
    press_on_card,
    readings_to,
    staff_with_card,
)
from tests.harness import Person

if TYPE_CHECKING:
    from tests.chaos.hostile import HostileRun


def dialog_states() -> set[str]:
    """Every state of every dialog the bot declares (its `StatesGroup`s)."""
    from aiogram.fsm.state import StatesGroup

    import handlers

    handlers.build_routers()  # imports every module that declares states
    found: set[str] = set()
    pending = list(StatesGroup.__subclasses__())
    while pending:
        group = pending.pop()
        pending.extend(group.__subclasses__())
        found.update(str(state.state) for state in group.__states__)
    return found


# -- the scenarios -----------------------------------------------------------------------------


def _private(name: str, drive: Callable[[HostileRun], Awaitable[Person]]) -> Scenario:
    async def wrapped(run: HostileRun) -> Actor:
        person = await drive(run)
        return Actor(person, name)

    return Scenario(name, wrapped)


def _appeal_step(step: str) -> Callable[[HostileRun], Awaitable[Person]]:
    async def drive(run: HostileRun) -> Person:
        person = await linked_person(run)
        await appeal_to(run, person, step)
        return person

    return drive


async def _stranger(run: HostileRun) -> Person:
    return run.new_person()


async def _consent_screen(run: HostileRun) -> Person:
    person = run.new_person()
    await run.send(person, "/start")
    return person


async def _declined(run: HostileRun) -> Person:
    person = run.new_person()
    await run.send(person, "/start")
    await run.press(person, run.texts.get("consent-decline"))
    return person


async def _link_number(run: HostileRun) -> Person:
    person = await consented_person(run)
    await run.send(person, "/accounts")
    await run.press(person, run.texts.get("accounts-link-button"))
    return person


async def _link_factor(run: HostileRun) -> Person:
    person = await _link_number(run)
    await run.send(person, run.take_account("std"))
    return person


async def _accounts_list(run: HostileRun) -> Person:
    person = await linked_person(run)
    await run.send(person, "/accounts")
    return person


async def _pp55(step: str, run: HostileRun) -> Person:
    person = await linked_person(run)
    texts = run.texts
    await run.send(person, texts.get("menu-appeal"))
    await run.press(person, texts.get("appeal-kind-complaint"))
    await run.press(person, texts.get("appeal-subject-power_quality"))
    await run.press(person, texts.get("pp55-applicant-person"))
    if step == "time":
        return person
    await run.send(person, "20.11.2026 19:40")
    await run.press(person, texts.get("when-yes"))
    if step == "device":
        return person
    await run.press(person, texts.get("pp55-later"))
    return person


async def _pp55_time(run: HostileRun) -> Person:
    return await _pp55("time", run)


async def _pp55_device(run: HostileRun) -> Person:
    return await _pp55("device", run)


async def _pp55_contract(run: HostileRun) -> Person:
    return await _pp55("contract", run)


async def _long_text(run: HostileRun) -> Person:
    person = await linked_person(run)
    await appeal_to(run, person, "text")
    await run.send(person, run.inputs.text(4500))
    return person


async def _contact(run: HostileRun) -> Person:
    person = await linked_person(run)
    await appeal_to(run, person, "channel")
    await run.press(person, run.texts.get("appeal-channel-email"))
    return person


async def _editing(run: HostileRun) -> Person:
    person = await linked_person(run)
    await appeal_to(run, person, "summary")
    await run.press(person, run.texts.get("appeal-edit-text"))
    return person


async def _my_appeals(step: str, run: HostileRun) -> Person:
    person, appeal_id = await filed_appeal(run)
    await run.send(person, "/appeals")
    if step == "list":
        return person
    number = await run.appeal_number(appeal_id)
    await run.press(person, number)
    if step == "details":
        return person
    await run.press(person, run.texts.get("appeal-add-info-button"))
    return person


async def _my_appeals_list(run: HostileRun) -> Person:
    return await _my_appeals("list", run)


async def _my_appeals_details(run: HostileRun) -> Person:
    return await _my_appeals("details", run)


async def _my_appeals_add(run: HostileRun) -> Person:
    return await _my_appeals("add", run)


async def _answered(run: HostileRun, *, question: bool) -> Person:
    """A consumer whose appeal got a staff question (or the final answer)."""
    consumer, appeal_id = await filed_appeal(run)
    actor = await _staff_card_of(run, appeal_id)
    staff = actor.person
    if question:
        await run.send(staff, "/ask Уточните, пожалуйста, номер опоры.", thread=actor.card)
    else:
        await run.send(staff, "/answer Опора заменена, напряжение в норме.", thread=actor.card)
        await run.press(staff, run.texts.get("staff-button-send-answer"))
    return consumer


async def _staff_card_of(run: HostileRun, appeal_id: int) -> Actor:
    card = run.card_of(appeal_id)
    if card is None:
        raise DriverMiss("no card in the staff chat")
    staff = run.staff_person(STAFF_ADMIN_ID)
    return Actor(staff, "", staff=True, card=card, appeal_id=appeal_id)


async def _clarify(run: HostileRun) -> Person:
    consumer = await _answered(run, question=True)
    await run.press(consumer, run.texts.get("clarify-button"))
    return consumer


async def _survey_rate(run: HostileRun) -> Person:
    return await _answered(run, question=False)


async def _survey_comment(run: HostileRun) -> Person:
    consumer = await _answered(run, question=False)
    await run.press(consumer, "5")
    await run.press(consumer, run.texts.get("survey-yes"))
    return consumer


async def _readings_account(run: HostileRun) -> Person:
    person = await linked_person(run)
    await link_account(run, person, "multi")
    await run.send(person, "/readings")
    return person


async def _readings_meter(run: HostileRun) -> Person:
    person = await linked_person(run, "multi")
    await run.send(person, "/readings")
    return person


def _readings_step(step: str) -> Callable[[HostileRun], Awaitable[Person]]:
    async def drive(run: HostileRun) -> Person:
        person = await linked_person(run)
        await readings_to(run, person, step)
        return person

    return drive


async def _readings_rollover(run: HostileRun) -> Person:
    person = await linked_person(run, "small")
    await run.send(person, "/readings")
    await run.send(person, "95000")
    await run.press(person, run.texts.get("reading-photo-skip"))
    await run.press(person, run.texts.get("reading-submit-button"))
    await run.send(person, "/readings")
    await run.send(person, "10")
    return person


async def _readings_implausible(run: HostileRun) -> Person:
    person = await linked_person(run, "small")
    for value in ("1000", "1100"):
        await run.send(person, "/readings")
        await run.send(person, value)
        await run.press(person, run.texts.get("reading-photo-skip"))
        await run.press(person, run.texts.get("reading-submit-button"))
        run.clock.advance(timedelta(days=15))
    await run.send(person, "/readings")
    await run.send(person, "60000")
    return person


def _booking_step(step: str) -> Callable[[HostileRun], Awaitable[Person]]:
    async def drive(run: HostileRun) -> Person:
        person = await consented_person(run)
        await booking_to(run, person, step)
        return person

    return drive


async def _bookings(step: str, run: HostileRun) -> Person:
    person = await consented_person(run)
    await booking_to(run, person, "done")
    await run.send(person, "/bookings")
    if step == "list":
        return person
    if step == "cancel":
        await run.press(person, "Отменить")
        return person
    await run.press(person, "Перенести")
    if step == "move-time":
        await run.press_first(person)
    return person


async def _bookings_list(run: HostileRun) -> Person:
    return await _bookings("list", run)


async def _bookings_cancel(run: HostileRun) -> Person:
    return await _bookings("cancel", run)


async def _bookings_move_day(run: HostileRun) -> Person:
    return await _bookings("move-day", run)


async def _bookings_move_time(run: HostileRun) -> Person:
    return await _bookings("move-time", run)


def _command(command: str, *, linked: bool = False) -> Callable[[HostileRun], Awaitable[Person]]:
    async def drive(run: HostileRun) -> Person:
        person = await (linked_person(run) if linked else consented_person(run))
        await run.send(person, command)
        return person

    return drive


async def _mydata_withdraw(run: HostileRun) -> Person:
    person = await linked_person(run)
    await run.send(person, "/mydata")
    await run.press(person, run.texts.get("mydata-withdraw-button"))
    return person


async def _other_group(run: HostileRun) -> Person:
    person = run.new_person()
    person.chat = Chat(id=OTHER_GROUP_ID, type="supergroup", title="Соседи")
    return person


# -- staff ---------------------------------------------------------------------------------------


def _staff(name: str, drive: Callable[[HostileRun], Awaitable[Actor]]) -> Scenario:
    async def wrapped(run: HostileRun) -> Actor:
        actor = await drive(run)
        actor.scenario = name
        return actor

    return Scenario(name, wrapped, staff=True)


async def _staff_idle(run: HostileRun) -> Actor:
    return await staff_with_card(run)


def _staff_prompt(key: str, *, take: bool = False) -> Callable[[HostileRun], Awaitable[Actor]]:
    async def drive(run: HostileRun) -> Actor:
        actor = await staff_with_card(run)
        if take:  # an extension needs the appeal in work
            await press_on_card(run, actor, "staff-button-take")
        await press_on_card(run, actor, key)
        return actor

    return drive


async def _staff_preview(run: HostileRun) -> Actor:
    actor = await staff_with_card(run)
    await run.send(actor.person, "/answer Опора заменена, напряжение в норме.", thread=actor.card)
    return actor


async def _staff_choose(run: HostileRun) -> Actor:
    actor = await staff_with_card(run)
    await run.send(actor.person, "Проверим на месте завтра.", thread=actor.card)
    return actor


async def _staff_choose_file(run: HostileRun) -> Actor:
    actor = await staff_with_card(run)
    _kind, fields = run.inputs.media("photo")
    await run.send(actor.person, None, thread=actor.card, **fields)
    return actor


async def _staff_repeat_number(run: HostileRun) -> Actor:
    actor = await staff_with_card(run)
    await press_on_card(run, actor, "staff-button-reject")
    await run.press(actor.person, run.texts.plain("staff-ground-repeat_without_new_arguments"))
    return actor


async def _staff_assign(run: HostileRun) -> Actor:
    actor = await staff_with_card(run)
    await run.send(actor.person, "/department Отдел учёта")
    await press_on_card(run, actor, "staff-button-assign")
    return actor


def _staff_register(step: str) -> Callable[[HostileRun], Awaitable[Actor]]:
    async def drive(run: HostileRun) -> Actor:
        staff = run.staff_person(STAFF_ADMIN_ID)
        actor = Actor(staff, "", staff=True)
        await run.send(staff, "/register")
        steps: list[tuple[str, Callable[[], Awaitable[None]]]] = [
            (
                "received",
                lambda: run.press(staff, run.texts.plain("staff-form-phone").capitalize()),
            ),
            ("name", lambda: run.send(staff, "сегодня")),
            ("channel", lambda: run.send(staff, "Иванов Иван Иванович")),
            ("contact", lambda: run.press(staff, run.texts.plain("appeal-channel-phone"))),
            ("kind", lambda: run.send(staff, "+7 920 000-00-09")),
            ("subject", lambda: run.press(staff, run.texts.plain("appeal-kind-complaint"))),
            ("text", lambda: run.press(staff, run.texts.plain("appeal-subject-service_quality"))),
            ("confirm", lambda: run.send(staff, "Жалоба по телефону: мигает свет.")),
        ]
        for name, action in steps:
            if step == "form":
                break
            await action()
            if name == step:
                break
        return actor

    return drive


async def _staff_notify(run: HostileRun) -> Actor:
    staff = run.staff_person(STAFF_ADMIN_ID)
    await run.send(staff, "/notify tariff С 1 января меняются тарифы.")
    return Actor(staff, "", staff=True)


async def _staff_specialist(run: HostileRun) -> Actor:
    return await staff_with_card(run, STAFF_SPECIALIST_ID)


async def _staff_outsider(run: HostileRun) -> Actor:
    actor = await staff_with_card(run, OUTSIDER_ID)
    return actor


SCENARIOS: list[Scenario] = [
    _private("stranger", _stranger),
    _private("consent-screen", _consent_screen),
    _private("consent-declined", _declined),
    _private("menu", consented_person),
    _private("link:number", _link_number),
    _private("link:second-factor", _link_factor),
    _private("accounts", _accounts_list),
    _private("appeal:kind", _appeal_step("kind")),
    _private("appeal:subject", _appeal_step("subject")),
    _private("appeal:pp55-time", _pp55_time),
    _private("appeal:pp55-device", _pp55_device),
    _private("appeal:pp55-contract", _pp55_contract),
    _private("appeal:text", _appeal_step("text")),
    _private("appeal:text-too-long", _long_text),
    _private("appeal:attachments", _appeal_step("attachments")),
    _private("appeal:full-name", _appeal_step("full_name")),
    _private("appeal:address", _appeal_step("address")),
    _private("appeal:channel", _appeal_step("channel")),
    _private("appeal:contact", _contact),
    _private("appeal:vulnerable", _appeal_step("vulnerable")),
    _private("appeal:summary", _appeal_step("summary")),
    _private("appeal:editing", _editing),
    _private("appeal:submitted", _appeal_step("submitted")),
    _private("my-appeals:list", _my_appeals_list),
    _private("my-appeals:details", _my_appeals_details),
    _private("my-appeals:add", _my_appeals_add),
    _private("clarify:answer", _clarify),
    _private("survey:rate", _survey_rate),
    _private("survey:comment", _survey_comment),
    _private("readings:account", _readings_account),
    _private("readings:meter", _readings_meter),
    _private("readings:value", _readings_step("value")),
    _private("readings:value-2", _readings_step("value-2")),
    _private("readings:rollover", _readings_rollover),
    _private("readings:implausible", _readings_implausible),
    _private("readings:photo", _readings_step("photo")),
    _private("readings:confirm", _readings_step("confirm")),
    _private("readings:done", _readings_step("done")),
    _private("booking:topic", _booking_step("topic")),
    _private("booking:day", _booking_step("day")),
    _private("booking:time", _booking_step("time")),
    _private("booking:full-name", _booking_step("full_name")),
    _private("booking:phone", _booking_step("phone")),
    _private("booking:confirm", _booking_step("confirm")),
    _private("bookings:list", _bookings_list),
    _private("bookings:cancel", _bookings_cancel),
    _private("bookings:move-day", _bookings_move_day),
    _private("bookings:move-time", _bookings_move_time),
    _private("settings", _command("/settings")),
    _private("mydata", _command("/mydata", linked=True)),
    _private("mydata:withdraw", _mydata_withdraw),
    _private("info", _command("/info")),
    _private("readings-history", _command("/readings_history", linked=True)),
    _private("other-group", _other_group),
    _staff("staff:card", _staff_idle),
    _staff("staff:question", _staff_prompt("staff-button-ask")),
    _staff("staff:answer", _staff_prompt("staff-button-answer")),
    _staff("staff:preview", _staff_preview),
    _staff("staff:extend", _staff_prompt("staff-button-extend", take=True)),
    _staff("staff:forward", _staff_prompt("staff-button-forward")),
    _staff("staff:reply-offered", _staff_choose),
    _staff("staff:file-offered", _staff_choose_file),
    _staff("staff:grounds", _staff_prompt("staff-button-reject")),
    _staff("staff:repeat-number", _staff_repeat_number),
    _staff("staff:assign", _staff_assign),
    _staff("staff:register-form", _staff_register("form")),
    _staff("staff:register-name", _staff_register("name")),
    _staff("staff:register-channel", _staff_register("channel")),
    _staff("staff:register-contact", _staff_register("contact")),
    _staff("staff:register-kind", _staff_register("kind")),
    _staff("staff:register-subject", _staff_register("subject")),
    _staff("staff:register-text", _staff_register("text")),
    _staff("staff:register-confirm", _staff_register("confirm")),
    _staff("staff:notify-draft", _staff_notify),
    _staff("staff:specialist", _staff_specialist),
    _staff("staff:outsider", _staff_outsider),
]
