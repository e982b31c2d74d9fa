"""Sending meter readings (SPEC §5; regulation §10.3, §10.5): the answers to the steps of
dialogs/readings/steps.py. Each value is checked as it is typed: a refusal keeps the dialog on
that zone; a lower value near the top of the counter asks about a rollover; a consumption far
above the usual asks to confirm. Then the receipt with a reference number. «История
показаний» shows the last 12 per meter.

Everything entered lives in the dialog state (the database), so a restart resumes at the
same step; "⬅️ Назад" goes one step back, /cancel leaves without storing anything."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable

from aiogram import Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Filter, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, Message

from app.services import Services
from core.config import AppConfig
from core.texts import Texts
from dialogs.account.keyboards import AccountAction, AccountChoice
from dialogs.guards import (
    Told,
    TurnMiddleware,
    at_step,
    consent_needed_keyboard,
    final_button,
    has_consent,
)
from dialogs.parked import park_before_start
from dialogs.readings.keyboards import ReadingPick, ReadingSubmit, history_keyboard, pick
from dialogs.readings.render import (
    day_text,
    error_text,
    history_text,
    period_text,
    receipt_text,
    zone_label,
)
from dialogs.readings.states import PendingValue, SendReadings, ZoneValue
from dialogs.readings.steps import TABLE, VALUE_STEPS, account_of, choose_account, choose_meter
from dialogs.readings.steps import entries as entries_of
from dialogs.steps import Turn
from domain.drafts import DraftToken
from domain.errors import ConsentRequired, DomainError
from domain.files import FileKind, ReceivedFile
from domain.ids import UserId
from domain.readings import Confirmation, MeterNotFound, Reading, format_value
from handlers.filters import Button, Cmd, HasText
from handlers.keyboards import dialog_nav, inline_column, main_menu
from handlers.render import local_time

# Kept importable from here: the staff chat renders readings the same way.
__all__ = ["build_router", "build_steps_router", "error_text", "receipt_text"]


class _HasPhoto(Filter):
    async def __call__(self, message: Message) -> bool:
        return bool(message.photo)


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


# -- entry ---------------------------------------------------------------------------------


async def cmd_readings(
    message: Message, state: FSMContext, services: Services, texts: Texts, config: AppConfig
) -> None:
    if not await has_consent(message, services, texts, "reading-consent-needed"):
        return
    assert message.from_user is not None
    accounts = await services.readings.accounts(UserId(message.from_user.id))
    if not accounts:
        await _offer_linking(message, texts)
        return
    with_meters = [account for account in accounts if account.meters]
    if not with_meters:
        await message.answer(texts.get("reading-no-meter"))
        return
    await park_before_start(message, state, texts, "readings")
    data = TABLE.model(choose_account=len(with_meters) > 1)
    await data.save(state)
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
    turn = Turn(message, state, services, texts, config)
    if len(with_meters) > 1:
        await TABLE.ask(turn, SendReadings.account, data)
    else:
        await choose_account(turn, with_meters[0], data)


async def _offer_linking(message: Message, texts: Texts) -> None:
    await message.answer(
        texts.get("reading-no-account"),
        reply_markup=inline_column(
            [(texts.get("accounts-link-button"), AccountAction(action=AccountChoice.LINK))]
        ),
    )


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


# -- buttons -------------------------------------------------------------------------------


async def on_pick(query: CallbackQuery, callback_data: ReadingPick, turn: Turn) -> None:
    action, value = callback_data.action.value, callback_data.value
    if action == "history":
        await query.answer()
        user_id = UserId(query.from_user.id)
        await show_history(turn.message, user_id, turn.services, turn.texts, turn.config)
        return
    if not await at_step(query, turn, *_STATES_OF_ACTION.get(action, ())):
        return
    await query.answer()
    await TABLE.guarded(turn, _ACTIONS[action](turn, value))


async def _on_account(turn: Turn, value: str) -> None:
    account = await account_of(turn, value)
    if account is None or not account.meters:
        raise MeterNotFound("not the person's account")
    await choose_account(turn, account, await TABLE.load(turn.fsm))


async def _on_meter(turn: Turn, value: str) -> None:
    data = await TABLE.load(turn.fsm)
    account = await account_of(turn, data.account)
    if account is None or not value.isdigit() or int(value) >= len(account.meters):
        raise MeterNotFound("not the person's meter")
    await choose_meter(turn, account, int(value), data)


async def _on_rollover(turn: Turn, value: str) -> None:
    pending = (await TABLE.load(turn.fsm)).pending or PendingValue()
    await _check(turn, pending.raw, rollover=True)


async def _on_implausible(turn: Turn, value: str) -> None:
    pending = (await TABLE.load(turn.fsm)).pending or PendingValue()
    await _check(turn, pending.raw, rollover=pending.rollover, implausible=True)


async def _on_fix(turn: Turn, value: str) -> None:
    data = await TABLE.load(turn.fsm)
    data.pending = None
    await turn.fsm.set_state(SendReadings.value)
    await data.save(turn.fsm)
    await turn.say(turn.texts.get("reading-fix-prompt"))


async def _on_skip(turn: Turn, value: str) -> None:
    data = await TABLE.load(turn.fsm)
    data.photo = None
    await TABLE.ask(turn, SendReadings.confirm, data)


async def _on_edit(turn: Turn, value: str) -> None:
    data = await TABLE.load(turn.fsm)
    data.zone = 1
    await TABLE.ask(turn, SendReadings.value, data)


async def _on_cancel(turn: Turn, value: str) -> None:
    await turn.fsm.clear()
    with contextlib.suppress(TelegramAPIError):
        await turn.message.edit_reply_markup(reply_markup=None)
    await turn.say(turn.texts.get("cancel-done"), main_menu(turn.texts))


async def _on_untokened_submit(turn: Turn, value: str) -> None:
    await _submit(turn, token=None)  # a confirmation shown before it carried a token


_ACTIONS: dict[str, Callable[[Turn, str], Awaitable[None]]] = {
    "account": _on_account,
    "meter": _on_meter,
    "rollover": _on_rollover,
    "implausible": _on_implausible,
    "fix": _on_fix,
    "skip": _on_skip,
    "edit": _on_edit,
    "cancel": _on_cancel,
    "submit": _on_untokened_submit,
}


async def _find(turn: Turn, user_id: UserId, token: DraftToken) -> Reading | None:
    return await turn.services.readings.submitted(user_id, token)


def _told(turn: Turn, reading: Reading) -> Told:
    text = turn.texts.get(
        "reading-already-accepted",
        reference=reading.reference or "",
        time=local_time(reading.submitted_at, turn.config.zone),
    )
    return text, history_keyboard(turn.texts)


async def _submit_with_token(turn: Turn, token: DraftToken) -> None:
    await TABLE.guarded(turn, _submit(turn, token=token))


# «Отправить» on a confirmation: stores the reading; pressed again once it is stored (the
# person saw no receipt, or the bot restarted in between), says so with its number.
on_submit = final_button(
    step=SendReadings.confirm, submit=_submit_with_token, find=_find, told=_told
)


async def _submit(turn: Turn, *, token: DraftToken | None) -> None:
    texts, chat_id = turn.texts, turn.message.chat.id
    data = await TABLE.load(turn.fsm)
    try:
        receipt = await turn.services.readings.submit(
            UserId(chat_id),
            account_number=data.account,
            serial=data.serial,
            entries=entries_of(data),
            photo_file_id=data.photo,
            token=token,
        )
    except MeterNotFound:
        raise
    except DomainError as error:
        # Something changed since the values were checked (staff entered a reading): back to
        # the zone concerned, nothing else is lost.
        await turn.say(error_text(texts, error, zones=data.zones))
        zone = getattr(error, "zone", None)
        if zone is not None:
            data.zone = int(zone)
            await TABLE.ask(turn, SendReadings.value, data)
        return
    await turn.fsm.clear()
    # The receipt (with the history one tap away) and the menu are queued with the reading
    # (notifier/replies.py): a crash after the commit delays them, never loses them.
    reading_id = receipt.reading.id
    turn.services.replies.send(
        chat_id,
        receipt_text(texts, receipt, data.zones, turn.config),
        markup=history_keyboard(texts),
        key=f"reading-receipt:{reading_id}",
    )
    turn.services.replies.send(
        chat_id, texts.get("menu-shown"), markup=main_menu(texts), key=f"reading-menu:{reading_id}"
    )
    # The confirmation's buttons are spent (this call commits the reading first).
    with contextlib.suppress(TelegramAPIError):
        await turn.message.edit_reply_markup(reply_markup=None)


# -- typed answers -------------------------------------------------------------------------


async def on_value(message: Message, turn: Turn) -> None:
    assert message.text is not None
    await TABLE.guarded(turn, _check(turn, message.text))


async def _check(
    turn: Turn, raw: str, *, rollover: bool = False, implausible: bool = False
) -> None:
    """Check a zone's value; store it and go on, or ask the question the checks raised. A
    refusal keeps the dialog on this zone with everything entered before."""
    texts, config = turn.texts, turn.config
    data = await TABLE.load(turn.fsm)
    zone, zones = data.zone, data.zones
    try:
        check = await turn.services.readings.check_value(
            UserId(turn.message.chat.id),
            account_number=data.account,
            serial=data.serial,
            zone=zone,
            raw=raw,
            rollover=rollover,
            implausible_confirmed=implausible,
        )
    except MeterNotFound:
        raise
    except DomainError as error:
        data.pending = None
        await turn.fsm.set_state(SendReadings.value)
        await data.save(turn.fsm)
        await turn.say(error_text(texts, error, zones=zones))
        return
    name = zone_label(texts, zones, zone)
    fix = ("reading-fix-button", "fix", "")
    if check.needs is Confirmation.ROLLOVER:
        assert check.last is not None
        assert check.consumption_milli is not None
        data.pending = PendingValue(raw=raw, rollover=False)
        await turn.fsm.set_state(SendReadings.rollover)
        await data.save(turn.fsm)
        question = texts.get(
            "reading-rollover-question",
            zone=name,
            value=format_value(check.value_milli),
            last=format_value(check.last.value_milli),
            date=day_text(check.last.at, config),
            consumption=format_value(check.consumption_milli),
        )
        await turn.say(question, pick(texts, [("reading-rollover-button", "rollover", ""), fix]))
        return
    if check.needs is Confirmation.IMPLAUSIBLE:
        assert check.last is not None
        assert check.consumption_milli is not None
        data.pending = PendingValue(raw=raw, rollover=check.rollover)
        await turn.fsm.set_state(SendReadings.implausible)
        await data.save(turn.fsm)
        warning = texts.get(
            "reading-implausible-warning",
            zone=name,
            date=day_text(check.last.at, config),
            consumption=format_value(check.consumption_milli),
            # Whole kWh: a mean-month average has no meaningful decimals.
            average=format_value(round((check.average_milli or 0) / 1000) * 1000),
        )
        buttons = [("reading-implausible-button", "implausible", ""), fix]
        await turn.say(warning, pick(texts, buttons))
        return
    data.values[zone] = ZoneValue(
        milli=check.value_milli, rollover=check.rollover, implausible=implausible
    )
    data.pending = None
    if zone < zones:
        data.zone = zone + 1
        await TABLE.ask(turn, SendReadings.value, data)
    else:
        await TABLE.ask(turn, SendReadings.photo, data)


async def on_photo(message: Message, turn: Turn) -> None:
    assert message.photo
    photo = message.photo[-1]  # the largest size
    # Kept in the company's storage too (152-ФЗ ст. 18 ч. 5, services/files.py): recorded
    # with this step, fetched after it is committed.
    received = ReceivedFile(
        kind=FileKind.PHOTO,
        file_id=photo.file_id,
        file_unique_id=photo.file_unique_id,
        mime_type="image/jpeg",
        size=photo.file_size,
    )
    try:
        await turn.services.files.take(received, user_id=UserId(message.chat.id))
    except DomainError as error:
        await turn.say(error_text(turn.texts, error))
        return
    data = await TABLE.load(turn.fsm)
    data.photo = photo.file_id
    await TABLE.guarded(turn, TABLE.ask(turn, SendReadings.confirm, data))


async def on_back(message: Message, turn: Turn) -> None:
    await TABLE.back(turn)


async def on_unexpected(message: Message, state: FSMContext, texts: Texts) -> None:
    current = await state.get_state()
    if current == SendReadings.photo.state:
        await message.answer(texts.get("reading-photo-expected"))
    elif current in {s.state for s in VALUE_STEPS}:
        await message.answer(texts.get("reading-dialog-text-expected"))
    else:
        await message.answer(texts.get("reading-dialog-button-expected"))


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_readings, Cmd("readings"))
    router.message.register(cmd_readings, Button("menu-readings"))
    router.message.register(cmd_history, Cmd("readings_history"))
    router.callback_query.middleware(TurnMiddleware())
    router.callback_query.register(on_pick, ReadingPick.filter())
    router.callback_query.register(
        on_submit, ReadingSubmit.filter(), flags={"inaccessible": "stale"}
    )
    return router


def build_steps_router() -> Router:
    """What the person types or sends at each step (see handlers.build_routers), behind one
    router-level state check."""
    steps = Router(name=f"{__name__}.steps")
    steps.message.filter(StateFilter(*SendReadings.__states__))
    steps.message.middleware(TurnMiddleware())
    steps.message.register(on_back, Button("nav-back"))
    steps.message.register(on_value, StateFilter(*VALUE_STEPS), HasText())
    steps.message.register(on_photo, StateFilter(SendReadings.photo), _HasPhoto())
    steps.message.register(on_unexpected)
    return steps
