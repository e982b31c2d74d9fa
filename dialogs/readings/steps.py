"""The readings dialog's steps (SPEC §5): account → meter (each skipped when there is one) → a
value per tariff zone → an optional photo → confirmation. «Назад» goes back zone by zone."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.fsm.state import State

from dialogs.readings.keyboards import (
    ReadingPick,
    ReadingSubmit,
    history_button,
    history_keyboard,
    pick,
)
from dialogs.readings.render import (
    address_text,
    day_text,
    period_note,
    period_text,
    zone_label,
    zone_line,
)
from dialogs.readings.states import ReadingDialogState, SendReadings
from dialogs.steps import Step, StepTable, Turn
from domain.accounts import Account
from domain.errors import DomainError
from domain.ids import UserId
from domain.readings import MeterNotFound, format_value
from handlers.keyboards import inline_column, main_menu
from services.readings import ZoneEntry

Data = ReadingDialogState
VALUE_STEPS = (SendReadings.value, SendReadings.rollover, SendReadings.implausible)


def entries(data: Data) -> dict[int, ZoneEntry]:
    return {
        zone: ZoneEntry(
            entry.milli, rollover=entry.rollover, implausible_confirmed=entry.implausible
        )
        for zone, entry in data.values.items()
    }


async def account_of(turn: Turn, number: str) -> Account | None:
    accounts = await turn.services.readings.accounts(UserId(turn.message.chat.id))
    return next((a for a in accounts if a.number == number), None)


async def _ask_account(turn: Turn, data: Data) -> None:
    texts = turn.texts
    accounts = await turn.services.readings.accounts(UserId(turn.message.chat.id))
    buttons = [
        (
            texts.get("reading-account-button", account=a.number, address=address_text(a)),
            ReadingPick(action="account", value=a.number),
        )
        for a in accounts
        if a.meters
    ]
    await turn.say(
        texts.get("reading-ask-account"), inline_column([*buttons, history_button(texts)])
    )


async def _ask_meter(turn: Turn, data: Data) -> None:
    texts = turn.texts
    account = await account_of(turn, data.account)
    meters = account.meters if account is not None else ()
    buttons = [
        (
            texts.get(
                "reading-meter-button",
                serial=meter.serial,
                kind=texts.get(f"reading-meter-zones-{meter.zones}"),
            ),
            ReadingPick(action="meter", value=str(index)),
        )
        for index, meter in enumerate(meters)
    ]
    await turn.say(
        texts.get("reading-ask-meter"), inline_column([*buttons, history_button(texts)])
    )


async def _ask_value(turn: Turn, data: Data) -> None:
    if data.pending is not None:
        data.pending = None
        await data.save(turn.fsm)
    texts, zone = turn.texts, data.zone
    last = await turn.services.readings.last_values(
        UserId(turn.message.chat.id), account_number=data.account, serial=data.serial
    )
    text = texts.get(
        "reading-ask-value", zone=zone_label(texts, data.zones, zone), serial=data.serial
    )
    if zone in last:
        point = last[zone]
        text += "\n" + texts.get(
            "reading-ask-value-last",
            value=format_value(point.value_milli),
            date=day_text(point.at, turn.config),
        )
    # The first question of the values is the readings menu: the history is one tap away.
    await turn.say(text, history_keyboard(texts) if zone == 1 else None)


async def _ask_photo(turn: Turn, data: Data) -> None:
    skip = pick(turn.texts, [("reading-photo-skip", "skip", "")])
    await turn.say(turn.texts.get("reading-ask-photo"), skip)


async def _confirmation(turn: Turn, data: Data) -> None:
    token = await data.draft_token(turn.fsm)
    texts, config = turn.texts, turn.config
    preview = await turn.services.readings.preview(
        UserId(turn.message.chat.id),
        account_number=data.account,
        serial=data.serial,
        entries=entries(data),
    )
    zones = preview.meter.zones
    lines = [
        texts.get("reading-confirm-title"),
        texts.get(
            "reading-meter-line", account=preview.account_number, serial=preview.meter.serial
        ),
        *(zone_line(texts, zones, line, config) for line in preview.lines),
        texts.get("reading-photo-yes" if data.photo else "reading-photo-no"),
        texts.get("reading-period-line", period=period_text(texts, preview.period.period)),
    ]
    note = period_note(texts, preview.period, sent=False)
    if note:
        lines.append(note)
    buttons = [
        (texts.get("reading-submit-button"), ReadingSubmit(token=token)),
        (texts.get("reading-edit-button"), ReadingPick(action="edit")),
        (texts.get("nav-cancel"), ReadingPick(action="cancel")),
    ]
    await turn.say("\n".join(lines), inline_column(buttons))


def _order(data: Data) -> Sequence[State]:
    return (
        SendReadings.account,
        SendReadings.meter,
        SendReadings.value,
        SendReadings.photo,
        SendReadings.confirm,
    )


def _previous(current: State, data: Data) -> State | None:
    if current in VALUE_STEPS:
        if data.zone > 1:
            data.zone -= 1
            return SendReadings.value
        if data.choose_meter:
            return SendReadings.meter
        return SendReadings.account if data.choose_account else None
    if current == SendReadings.photo:
        data.zone = data.zones
        return SendReadings.value
    if current == SendReadings.confirm:
        return SendReadings.photo
    if current == SendReadings.meter and data.choose_account:
        return SendReadings.account
    return None


async def lost_meter(turn: Turn, error: Exception) -> None:
    """The account was unlinked (or the registry changed) mid-dialog: start over."""
    assert isinstance(error, DomainError)
    await turn.fsm.clear()
    await turn.say(turn.texts.get(error.text_key), main_menu(turn.texts))


TABLE = StepTable(
    model=ReadingDialogState,
    steps=[
        Step(SendReadings.account, _ask_account),
        Step(SendReadings.meter, _ask_meter),
        Step(SendReadings.value, _ask_value),
        Step(SendReadings.rollover, _ask_value),
        Step(SendReadings.implausible, _ask_value),
        Step(SendReadings.photo, _ask_photo),
        Step(SendReadings.confirm, _confirmation),
    ],
    order=_order,
    previous=_previous,
    # A rollover or consumption question goes back to the zone's value.
    resume_as={
        SendReadings.rollover: SendReadings.value,
        SendReadings.implausible: SendReadings.value,
    },
    recoverable=(MeterNotFound,),
    recover=lost_meter,
)


async def choose_account(turn: Turn, account: Account, data: Data) -> None:
    data.account, data.choose_meter = account.number, len(account.meters) > 1
    if len(account.meters) > 1:
        await TABLE.ask(turn, SendReadings.meter, data)
        return
    await choose_meter(turn, account, 0, data)


async def choose_meter(turn: Turn, account: Account, index: int, data: Data) -> None:
    meter = account.meters[index]
    # Back to the same meter keeps what was typed; another meter starts afresh.
    same_meter = data.account == account.number and data.serial == meter.serial
    data.serial, data.zones, data.zone, data.pending = meter.serial, meter.zones, 1, None
    if not same_meter:
        data.values, data.photo = {}, None
    await TABLE.ask(turn, SendReadings.value, data)
