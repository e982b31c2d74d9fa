"""Sending meter readings (SPEC §5; regulation §10.3, §10.5): linked account → meter → a value
per tariff zone (each checked as it is typed: a refusal keeps the dialog on that zone; a
lower value near the top of the counter asks about a rollover; a consumption far above the
usual asks to confirm) → an optional photo → confirmation with the consumption per zone →
the receipt with a reference number. «История показаний» shows the last 12 per meter.

Everything entered lives in the dialog state (the database), so a restart resumes at the
same step; "⬅️ Назад" goes one step back, /cancel leaves without storing anything."""

from __future__ import annotations

import contextlib
from datetime import datetime
from enum import StrEnum
from typing import Any, Self

from aiogram import Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Filter, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from pydantic import model_validator

from bot.callback_fields import DraftTokenText
from bot.container import AppConfig, Services
from bot.texts import Texts
from dialogs.account.router import AccountAction, AccountChoice, consent_needed_keyboard
from dialogs.readings.states import SendReadings
from domain.accounts import ACCOUNT_NUMBER_RE, Account
from domain.drafts import DraftToken, new_draft_token, parse_draft_token
from domain.errors import ConsentRequired, DomainError
from domain.ids import UserId
from domain.readings import (
    Confirmation,
    ImplausibleNotConfirmed,
    MeterNotFound,
    PeriodDecision,
    ReadingBelowLast,
    ReadingTooManyDecimals,
    ReadingTooManyDigits,
    ReadingZonesMismatch,
    RolloverNotConfirmed,
    WindowPosition,
    ZoneAssessment,
    format_value,
    parse_period,
    zone_name_key,
)
from handlers.filters import Button, Cmd, HasText
from handlers.keyboards import dialog_nav, inline_column, main_menu
from handlers.render import local_time
from services.readings import MeterHistory, Receipt, ZoneEntry


class ReadingAction(StrEnum):
    ACCOUNT = "account"  # value: the account number
    METER = "meter"  # value: the meter's position in the account's list
    ROLLOVER = "rollover"
    IMPLAUSIBLE = "implausible"
    FIX = "fix"
    SKIP = "skip"
    SUBMIT = "submit"
    EDIT = "edit"
    CANCEL = "cancel"
    HISTORY = "history"


class ReadingPick(CallbackData, prefix="rd"):
    action: ReadingAction
    value: str = ""

    @model_validator(mode="after")
    def _value_fits_the_action(self) -> Self:
        value = self.value
        if self.action is ReadingAction.ACCOUNT:
            valid = ACCOUNT_NUMBER_RE.fullmatch(value) is not None
        elif self.action is ReadingAction.METER:
            valid = value.isascii() and value.isdecimal() and len(value) <= 2
        else:
            valid = not value
        if not valid:
            raise ValueError("not a value of this action")
        return self


class ReadingSubmit(CallbackData, prefix="rs"):
    """The confirmation's «Отправить»: the draft's token (domain/drafts.py), so that a press
    after the reading was stored finds it."""

    token: DraftTokenText


class _HasPhoto(Filter):
    async def __call__(self, message: Message) -> bool:
        return bool(message.photo)


_VALUE_STEPS = (SendReadings.value, SendReadings.rollover, SendReadings.implausible)
# Which state each button belongs to: a button from an earlier step is stale.
_STATES_OF_ACTION: dict[str, tuple[State, ...]] = {
    "account": (SendReadings.account,),
    "meter": (SendReadings.meter,),
    "rollover": (SendReadings.rollover,),
    "implausible": (SendReadings.implausible,),
    "fix": (SendReadings.rollover, SendReadings.implausible),
    "skip": (SendReadings.photo,),
    "submit": (SendReadings.confirm,),
    "edit": (SendReadings.confirm,),
    "cancel": (SendReadings.confirm,),
}


# -- rendering -----------------------------------------------------------------------------


def zone_label(texts: Texts, zones: int, zone: int) -> str:
    """«Показание», «Т1 «день»»…; a zone the registry no longer has is shown by number."""
    try:
        return texts.get(zone_name_key(zones, zone))
    except ValueError:
        return f"T{zone}"


def period_text(texts: Texts, period: str) -> str:
    year, month = parse_period(period)
    return texts.get("reading-period", month=texts.get(f"reading-month-{month}"), year=str(year))


def error_text(texts: Texts, error: DomainError, *, zones: int | None = None) -> str:
    """What a person (or a staff member) is told about a refused reading. Also for the staff
    chat: pass the meter's zone count to name the zones as people know them."""

    def name(zone: int) -> str:
        return zone_label(texts, zones, zone) if zones else f"T{zone}"

    if isinstance(error, ReadingTooManyDecimals):
        return texts.get(error.text_key, max=error.limit)
    if isinstance(error, ReadingTooManyDigits):
        return texts.get(error.text_key, digits=error.digits)
    if isinstance(error, ReadingBelowLast | RolloverNotConfirmed):
        return texts.get(
            error.text_key, zone=name(error.zone), last=format_value(error.last_milli)
        )
    if isinstance(error, ImplausibleNotConfirmed):
        return texts.get(
            error.text_key,
            zone=name(error.zone),
            consumption=format_value(error.consumption_milli),
        )
    if isinstance(error, ReadingZonesMismatch):
        return texts.get(error.text_key, count=error.zones)
    return texts.get(error.text_key)


def _day(moment: datetime, config: AppConfig) -> str:
    return moment.astimezone(config.zone).strftime("%d.%m.%Y")


def zone_line(texts: Texts, zones: int, line: ZoneAssessment, config: AppConfig) -> str:
    zone = zone_label(texts, zones, line.zone)
    value = format_value(line.value_milli)
    if line.last is None or line.consumption_milli is None:
        return texts.get("reading-line-first", zone=zone, value=value)
    key = "reading-line-rollover" if line.rollover else "reading-line-consumption"
    return texts.get(
        key,
        zone=zone,
        value=value,
        consumption=format_value(line.consumption_milli),
        date=_day(line.last.at, config),
    )


def period_note(texts: Texts, decision: PeriodDecision) -> str | None:
    """Outside the acceptance window: which period the reading counts for, and why."""
    period = period_text(texts, decision.period)
    if decision.position is WindowPosition.BEFORE:
        return texts.get(
            "reading-note-before",
            start=str(decision.opens.day),
            end=str(decision.closes.day),
            period=period,
        )
    if decision.position is WindowPosition.AFTER:
        return texts.get("reading-note-after", end=str(decision.closes.day), period=period)
    return None


def receipt_text(texts: Texts, receipt: Receipt, zones: int, config: AppConfig) -> str:
    reading = receipt.reading
    lines = [
        texts.get("reading-receipt-title"),
        texts.get("reading-receipt-number", reference=receipt.reference),
        texts.get(
            "reading-meter-line", account=reading.account_number, serial=reading.meter_serial
        ),
        *(zone_line(texts, zones, line, config) for line in receipt.lines),
        texts.get("reading-receipt-time", time=local_time(reading.submitted_at, config.zone)),
        texts.get("reading-receipt-period", period=period_text(texts, receipt.period.period)),
    ]
    note = period_note(texts, receipt.period)
    if note:
        lines.append(note)
    return "\n".join(lines)


def _pick(texts: Texts, buttons: list[tuple[str, str, str]]) -> InlineKeyboardMarkup:
    return inline_column(
        (texts.get(key), ReadingPick(action=action, value=value)) for key, action, value in buttons
    )


def _history_button(texts: Texts) -> tuple[str, CallbackData]:
    return texts.get("reading-history-button"), ReadingPick(action="history")


def _address(account: Account) -> str:
    address = account.address
    house = f"{address.house}-{address.flat}" if address.flat else address.house
    return ", ".join(part for part in (address.settlement, address.street, house) if part)


# -- asking --------------------------------------------------------------------------------


def _entries(data: dict[str, Any]) -> dict[int, ZoneEntry]:
    return {
        int(zone): ZoneEntry(
            int(entry["milli"]),
            rollover=bool(entry["rollover"]),
            implausible_confirmed=bool(entry["implausible"]),
        )
        for zone, entry in (data.get("values") or {}).items()
    }


async def ask(
    message: Message,
    step: State,
    state: FSMContext,
    services: Services,
    texts: Texts,
    config: AppConfig,
) -> None:
    """Move to `step` and ask its question."""
    await state.set_state(step)
    data = await state.get_data()
    user_id = UserId(message.chat.id)
    if step == SendReadings.account:
        accounts = [a for a in await services.readings.accounts(user_id) if a.meters]
        buttons: list[tuple[str, CallbackData]] = [
            (
                texts.get("reading-account-button", account=a.number, address=_address(a)),
                ReadingPick(action="account", value=a.number),
            )
            for a in accounts
        ]
        buttons.append(_history_button(texts))
        await message.answer(texts.get("reading-ask-account"), reply_markup=inline_column(buttons))
    elif step == SendReadings.meter:
        account = await _account(services, user_id, str(data["account"]))
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
        buttons.append(_history_button(texts))
        await message.answer(texts.get("reading-ask-meter"), reply_markup=inline_column(buttons))
    elif step == SendReadings.value:
        await state.update_data(pending=None)
        await _ask_value(message, data, services, texts, config)
    elif step == SendReadings.photo:
        await message.answer(
            texts.get("reading-ask-photo"),
            reply_markup=_pick(texts, [("reading-photo-skip", "skip", "")]),
        )
    else:
        token = data.get("token")
        if not token:
            token = new_draft_token()
            await state.update_data(token=token)
        await _show_confirmation(message, data, services, texts, config, token=DraftToken(token))


async def _account(services: Services, user_id: UserId, number: str) -> Account | None:
    accounts = await services.readings.accounts(user_id)
    return next((a for a in accounts if a.number == number), None)


async def _ask_value(
    message: Message, data: dict[str, Any], services: Services, texts: Texts, config: AppConfig
) -> None:
    zone, zones = int(data["zone"]), int(data["zones"])
    last = await services.readings.last_values(
        UserId(message.chat.id), account_number=str(data["account"]), serial=str(data["serial"])
    )
    text = texts.get(
        "reading-ask-value", zone=zone_label(texts, zones, zone), serial=data["serial"]
    )
    if zone in last:
        point = last[zone]
        text += "\n" + texts.get(
            "reading-ask-value-last",
            value=format_value(point.value_milli),
            date=_day(point.at, config),
        )
    # The first question of the values is the readings menu: the history is one tap away.
    markup = inline_column([_history_button(texts)]) if zone == 1 else None
    await message.answer(text, reply_markup=markup)


async def _show_confirmation(
    message: Message,
    data: dict[str, Any],
    services: Services,
    texts: Texts,
    config: AppConfig,
    *,
    token: DraftToken,
) -> None:
    preview = await services.readings.preview(
        UserId(message.chat.id),
        account_number=str(data["account"]),
        serial=str(data["serial"]),
        entries=_entries(data),
    )
    zones = preview.meter.zones
    lines = [
        texts.get("reading-confirm-title"),
        texts.get(
            "reading-meter-line", account=preview.account_number, serial=preview.meter.serial
        ),
        *(zone_line(texts, zones, line, config) for line in preview.lines),
        texts.get("reading-photo-yes" if data.get("photo") else "reading-photo-no"),
        texts.get("reading-period-line", period=period_text(texts, preview.period.period)),
    ]
    note = period_note(texts, preview.period)
    if note:
        lines.append(note)
    await message.answer(
        "\n".join(lines),
        reply_markup=inline_column(
            [
                (texts.get("reading-submit-button"), ReadingSubmit(token=token)),
                (texts.get("reading-edit-button"), ReadingPick(action="edit")),
                (texts.get("nav-cancel"), ReadingPick(action="cancel")),
            ]
        ),
    )


async def reask(
    message: Message, state: FSMContext, services: Services, texts: Texts, config: AppConfig
) -> None:
    """Ask the current step's question again (after a restart, handlers/resume.py); a
    rollover or consumption question goes back to the zone's value."""
    current = await state.get_state()
    step = next((s for s in SendReadings.__states__ if s.state == current), SendReadings.value)
    if step in _VALUE_STEPS:
        step = SendReadings.value
    try:
        await ask(message, step, state, services, texts, config)
    except MeterNotFound as error:
        await _lost_meter(message, error, state, texts)


# -- entry ---------------------------------------------------------------------------------


async def cmd_readings(
    message: Message, state: FSMContext, services: Services, texts: Texts, config: AppConfig
) -> None:
    assert message.from_user is not None
    user_id = UserId(message.from_user.id)
    if not await services.onboarding.has_consent(user_id):
        await message.answer(
            texts.get("reading-consent-needed"), reply_markup=consent_needed_keyboard(texts)
        )
        return
    accounts = await services.readings.accounts(user_id)
    if not accounts:
        await _offer_linking(message, texts)
        return
    with_meters = [account for account in accounts if account.meters]
    if not with_meters:
        await message.answer(texts.get("reading-no-meter"))
        return
    await state.set_data({"choose_account": len(with_meters) > 1})
    decision = services.readings.period_now()
    await message.answer(
        texts.get(
            f"reading-intro-{decision.position.value}",
            start=str(decision.opens.day),
            end=str(decision.closes.day),
            period=period_text(texts, decision.period),
        ),
        reply_markup=dialog_nav(texts),
    )
    if len(with_meters) > 1:
        await ask(message, SendReadings.account, state, services, texts, config)
    else:
        await _choose_account(message, with_meters[0], state, services, texts, config)


async def _offer_linking(message: Message, texts: Texts) -> None:
    await message.answer(
        texts.get("reading-no-account"),
        reply_markup=inline_column(
            [(texts.get("accounts-link-button"), AccountAction(action=AccountChoice.LINK))]
        ),
    )


async def _choose_account(
    message: Message,
    account: Account,
    state: FSMContext,
    services: Services,
    texts: Texts,
    config: AppConfig,
) -> None:
    await state.update_data(account=account.number, choose_meter=len(account.meters) > 1)
    if len(account.meters) > 1:
        await ask(message, SendReadings.meter, state, services, texts, config)
        return
    await _choose_meter(message, account, 0, state, services, texts, config)


async def _choose_meter(
    message: Message,
    account: Account,
    index: int,
    state: FSMContext,
    services: Services,
    texts: Texts,
    config: AppConfig,
) -> None:
    meter = account.meters[index]
    data = await state.get_data()
    same_meter = data.get("account") == account.number and data.get("serial") == meter.serial
    await state.update_data(
        serial=meter.serial,
        zones=meter.zones,
        zone=1,
        # Back to the same meter keeps what was typed; another meter starts afresh.
        values=data.get("values") if same_meter else {},
        photo=data.get("photo") if same_meter else None,
        pending=None,
    )
    await ask(message, SendReadings.value, state, services, texts, config)


async def cmd_history(
    message: Message, services: Services, texts: Texts, config: AppConfig
) -> None:
    assert message.from_user is not None
    await show_history(message, UserId(message.from_user.id), services, texts, config)


async def show_history(
    message: Message, user_id: UserId, services: Services, texts: Texts, config: AppConfig
) -> None:
    try:
        histories = await services.readings.history(user_id)
    except ConsentRequired:
        await message.answer(
            texts.get("reading-consent-needed"), reply_markup=consent_needed_keyboard(texts)
        )
        return
    if not histories:
        await _offer_linking(message, texts)
        return
    if not any(history.readings for history in histories):
        await message.answer(texts.get("reading-history-empty"))
        return
    for history in histories:
        await message.answer(history_text(texts, history, config))


def history_text(texts: Texts, history: MeterHistory, config: AppConfig) -> str:
    zones = history.meter.zones
    lines = [
        texts.get(
            "reading-history-meter", account=history.account_number, serial=history.meter.serial
        )
    ]
    if not history.readings:
        lines.append(texts.get("reading-history-meter-empty"))
    for reading in history.readings:
        values = "; ".join(
            f"{zone_label(texts, zones, value.zone)}: {format_value(value.value_milli)}"
            for value in sorted(reading.values, key=lambda v: v.zone)
        )
        lines.append(
            texts.get(
                "reading-history-item",
                date=_day(reading.submitted_at, config),
                values=values,
                channel=texts.get(f"reading-channel-{reading.channel.value.replace('_', '-')}"),
                reference=reading.reference or "",
            )
        )
    return "\n".join(lines)


# -- buttons -------------------------------------------------------------------------------


async def on_pick(
    query: CallbackQuery,
    callback_data: ReadingPick,
    state: FSMContext,
    services: Services,
    texts: Texts,
    config: AppConfig,
) -> None:
    message = query.message
    if not isinstance(message, Message):
        await query.answer()
        return
    action, value = callback_data.action, callback_data.value
    if action == "history":
        await query.answer()
        await show_history(message, UserId(query.from_user.id), services, texts, config)
        return
    current = await state.get_state()
    expected = _STATES_OF_ACTION.get(action, ())
    if current not in {step.state for step in expected}:
        await query.answer(texts.get("fallback-stale-button"), show_alert=True)
        return
    await query.answer()
    try:
        await _on_action(message, action, value, state, services, texts, config)
    except MeterNotFound as error:
        await _lost_meter(message, error, state, texts)


async def _on_action(
    message: Message,
    action: str,
    value: str,
    state: FSMContext,
    services: Services,
    texts: Texts,
    config: AppConfig,
) -> None:
    user_id = UserId(message.chat.id)
    data = await state.get_data()
    if action == "account":
        account = await _account(services, user_id, value)
        if account is None or not account.meters:
            raise MeterNotFound("not the person's account")
        await _choose_account(message, account, state, services, texts, config)
    elif action == "meter":
        account = await _account(services, user_id, str(data.get("account")))
        if account is None or not value.isdigit() or int(value) >= len(account.meters):
            raise MeterNotFound("not the person's meter")
        await _choose_meter(message, account, int(value), state, services, texts, config)
    elif action in {"rollover", "implausible"}:
        pending = data.get("pending") or {}
        await _check(
            message,
            str(pending.get("raw", "")),
            state,
            services,
            texts,
            config,
            rollover=action == "rollover" or bool(pending.get("rollover")),
            implausible=action == "implausible",
        )
    elif action == "fix":
        await state.set_state(SendReadings.value)
        await state.update_data(pending=None)
        await message.answer(texts.get("reading-fix-prompt"))
    elif action == "skip":
        await state.update_data(photo=None)
        await ask(message, SendReadings.confirm, state, services, texts, config)
    elif action == "edit":
        await state.update_data(zone=1)
        await ask(message, SendReadings.value, state, services, texts, config)
    elif action == "cancel":
        await state.clear()
        with contextlib.suppress(TelegramAPIError):
            await message.edit_reply_markup(reply_markup=None)
        await message.answer(texts.get("cancel-done"), reply_markup=main_menu(texts))
    elif action == "submit":  # a confirmation shown before it carried a token
        await _submit(message, data, state, services, texts, config, token=None)


async def on_submit(
    query: CallbackQuery,
    callback_data: ReadingSubmit,
    state: FSMContext,
    services: Services,
    texts: Texts,
    config: AppConfig,
) -> None:
    """«Отправить» on a confirmation: stores the reading; pressed again once it is stored
    (the person saw no receipt, or the bot restarted in between), says so with its number."""
    message = query.message
    token = parse_draft_token(callback_data.token)
    if not isinstance(message, Message) or token is None:
        await query.answer(texts.get("fallback-stale-button"), show_alert=True)
        return
    data = await state.get_data()
    if await state.get_state() == SendReadings.confirm.state and data.get("token") == token:
        await query.answer()
        try:
            await _submit(message, data, state, services, texts, config, token=token)
        except MeterNotFound as error:
            await _lost_meter(message, error, state, texts)
        return
    reading = await services.readings.submitted(UserId(query.from_user.id), token)
    if reading is None:
        await query.answer(texts.get("fallback-stale-button"), show_alert=True)
        return
    await query.answer()
    services.replies.send(
        message.chat.id,
        texts.get(
            "reading-already-accepted",
            reference=reading.reference or "",
            time=local_time(reading.submitted_at, config.zone),
        ),
        markup=inline_column([_history_button(texts)]),
    )


async def _submit(
    message: Message,
    data: dict[str, Any],
    state: FSMContext,
    services: Services,
    texts: Texts,
    config: AppConfig,
    *,
    token: DraftToken | None,
) -> None:
    try:
        receipt = await services.readings.submit(
            UserId(message.chat.id),
            account_number=str(data["account"]),
            serial=str(data["serial"]),
            entries=_entries(data),
            photo_file_id=data.get("photo"),
            token=token,
        )
    except MeterNotFound:
        raise
    except DomainError as error:
        # Something changed since the values were checked (staff entered a reading): back to
        # the zone concerned, nothing else is lost.
        await message.answer(error_text(texts, error, zones=int(data["zones"])))
        zone = getattr(error, "zone", None)
        if zone is not None:
            await state.update_data(zone=int(zone))
            await ask(message, SendReadings.value, state, services, texts, config)
        return
    await state.clear()
    # The receipt (with the history one tap away) and the menu are queued with the reading
    # (notifier/replies.py): a crash after the commit delays them, never loses them.
    reading_id = receipt.reading.id
    services.replies.send(
        message.chat.id,
        receipt_text(texts, receipt, int(data["zones"]), config),
        markup=inline_column([_history_button(texts)]),
        key=f"reading-receipt:{reading_id}",
    )
    services.replies.send(
        message.chat.id,
        texts.get("menu-shown"),
        markup=main_menu(texts),
        key=f"reading-menu:{reading_id}",
    )
    # The confirmation's buttons are spent (this call commits the reading first).
    with contextlib.suppress(TelegramAPIError):
        await message.edit_reply_markup(reply_markup=None)


async def _lost_meter(
    message: Message, error: DomainError, state: FSMContext, texts: Texts
) -> None:
    """The account was unlinked (or the registry changed) mid-dialog: start over."""
    await state.clear()
    await message.answer(texts.get(error.text_key), reply_markup=main_menu(texts))


# -- typed answers -------------------------------------------------------------------------


async def on_value(
    message: Message, state: FSMContext, services: Services, texts: Texts, config: AppConfig
) -> None:
    assert message.text is not None
    try:
        await _check(message, message.text, state, services, texts, config)
    except MeterNotFound as error:
        await _lost_meter(message, error, state, texts)


async def _check(
    message: Message,
    raw: str,
    state: FSMContext,
    services: Services,
    texts: Texts,
    config: AppConfig,
    *,
    rollover: bool = False,
    implausible: bool = False,
) -> None:
    """Check a zone's value; store it and go on, or ask the question the checks raised. A
    refusal keeps the dialog on this zone with everything entered before."""
    data = await state.get_data()
    zone, zones = int(data["zone"]), int(data["zones"])
    try:
        check = await services.readings.check_value(
            UserId(message.chat.id),
            account_number=str(data["account"]),
            serial=str(data["serial"]),
            zone=zone,
            raw=raw,
            rollover=rollover,
            implausible_confirmed=implausible,
        )
    except MeterNotFound:
        raise
    except DomainError as error:
        await state.set_state(SendReadings.value)
        await state.update_data(pending=None)
        await message.answer(error_text(texts, error, zones=zones))
        return
    name = zone_label(texts, zones, zone)
    fix = ("reading-fix-button", "fix", "")
    if check.needs is Confirmation.ROLLOVER:
        assert check.last is not None
        assert check.consumption_milli is not None
        await state.set_state(SendReadings.rollover)
        await state.update_data(pending={"raw": raw, "rollover": False})
        await message.answer(
            texts.get(
                "reading-rollover-question",
                zone=name,
                value=format_value(check.value_milli),
                last=format_value(check.last.value_milli),
                date=_day(check.last.at, config),
                consumption=format_value(check.consumption_milli),
            ),
            reply_markup=_pick(texts, [("reading-rollover-button", "rollover", ""), fix]),
        )
        return
    if check.needs is Confirmation.IMPLAUSIBLE:
        assert check.last is not None
        assert check.consumption_milli is not None
        await state.set_state(SendReadings.implausible)
        await state.update_data(pending={"raw": raw, "rollover": check.rollover})
        await message.answer(
            texts.get(
                "reading-implausible-warning",
                zone=name,
                date=_day(check.last.at, config),
                consumption=format_value(check.consumption_milli),
                # Whole kWh: a mean-month average has no meaningful decimals.
                average=format_value(round((check.average_milli or 0) / 1000) * 1000),
            ),
            reply_markup=_pick(texts, [("reading-implausible-button", "implausible", ""), fix]),
        )
        return
    values = dict(data.get("values") or {})
    values[str(zone)] = {
        "milli": check.value_milli,
        "rollover": check.rollover,
        "implausible": implausible,
    }
    await state.update_data(values=values, pending=None)
    if zone < zones:
        await state.update_data(zone=zone + 1)
        await ask(message, SendReadings.value, state, services, texts, config)
    else:
        await ask(message, SendReadings.photo, state, services, texts, config)


async def on_photo(
    message: Message, state: FSMContext, services: Services, texts: Texts, config: AppConfig
) -> None:
    assert message.photo
    # The largest size; Telegram keeps the file, the id is enough to show it again.
    await state.update_data(photo=message.photo[-1].file_id)
    await ask(message, SendReadings.confirm, state, services, texts, config)


async def on_back(
    message: Message, state: FSMContext, services: Services, texts: Texts, config: AppConfig
) -> None:
    current = await state.get_state()
    data = await state.get_data()
    step: State | None = None
    if current in {s.state for s in _VALUE_STEPS}:
        zone = int(data.get("zone") or 1)
        if zone > 1:
            await state.update_data(zone=zone - 1)
            step = SendReadings.value
        elif data.get("choose_meter"):
            step = SendReadings.meter
        elif data.get("choose_account"):
            step = SendReadings.account
    elif current == SendReadings.photo.state:
        await state.update_data(zone=int(data["zones"]))
        step = SendReadings.value
    elif current == SendReadings.confirm.state:
        step = SendReadings.photo
    elif current == SendReadings.meter.state and data.get("choose_account"):
        step = SendReadings.account
    if step is None:
        await state.clear()
        await message.answer(texts.get("cancel-done"), reply_markup=main_menu(texts))
        return
    try:
        await ask(message, step, state, services, texts, config)
    except MeterNotFound as error:
        await _lost_meter(message, error, state, texts)


async def on_unexpected(message: Message, state: FSMContext, texts: Texts) -> None:
    current = await state.get_state()
    if current == SendReadings.photo.state:
        await message.answer(texts.get("reading-photo-expected"))
    elif current in {s.state for s in _VALUE_STEPS}:
        await message.answer(texts.get("reading-dialog-text-expected"))
    else:
        await message.answer(texts.get("reading-dialog-button-expected"))


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_readings, Cmd("readings"))
    router.message.register(cmd_readings, Button("menu-readings"))
    router.message.register(cmd_history, Cmd("readings_history"))
    router.callback_query.register(on_pick, ReadingPick.filter())
    router.callback_query.register(on_submit, ReadingSubmit.filter())
    return router


def build_steps_router() -> Router:
    """What the person types or sends at each step (see handlers.build_routers), behind one
    router-level state check."""
    steps = Router(name=f"{__name__}.steps")
    steps.message.filter(StateFilter(*SendReadings.__states__))
    steps.message.register(on_back, Button("nav-back"))
    steps.message.register(on_value, StateFilter(*_VALUE_STEPS), HasText())
    steps.message.register(on_photo, StateFilter(SendReadings.photo), _HasPhoto())
    steps.message.register(on_unexpected)
    return steps
