"""/report in the staff chat (SPEC §9): heads and admins pick a period (this month, last month,
this quarter, this year, or dates typed as they like), then receive the XLSX and the PNG
summary with the key figures in its caption (notifier/report_export.py). A specialist is
refused by the staff chat's one renderer (RoleRequired), and the refusal is audited."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from app.outcomes import record_outcome
from app.services import Services
from core.config import AppConfig
from core.texts import Texts
from domain.reports import (
    MEASURES_MAX,
    NO_WORDS,
    YES_WORDS,
    Period,
    parse_period,
)
from domain.reports import PeriodChoice as ReportChoice
from domain.reports import chosen_period as pick_period
from domain.staff import StaffAction, StaffMember
from handlers.filters import Cmd
from handlers.staff.replies import appeal_of, column, drop_markup, staff_reply
from notifier.report_export import queue_report


class ReportCb(CallbackData, prefix="rp"):
    choice: ReportChoice


class ReportInput(StatesGroup):
    period = State()


_BUTTONS = (
    (ReportChoice.THIS_MONTH, "report-pick-this-month"),
    (ReportChoice.LAST_MONTH, "report-pick-last-month"),
    (ReportChoice.QUARTER, "report-pick-quarter"),
    (ReportChoice.YEAR, "report-pick-year"),
    (ReportChoice.CUSTOM, "report-pick-custom"),
)


def chosen_period(choice: ReportChoice, services: Services, config: AppConfig) -> Period:
    return pick_period(choice, services.clock.now().astimezone(config.zone).date())


async def cmd_report(
    message: Message,
    state: FSMContext,
    services: Services,
    texts: Texts,
    config: AppConfig,
    staff: StaffMember,
) -> None:
    """/report: the picker; `/report 2026-Q4` builds that period at once."""
    assert message.text is not None
    _, _, argument = message.text.partition(" ")
    await services.staff_desk.permit(staff, StaffAction.REPORT, detail=argument.strip()[:32])
    if argument.strip():
        period = parse_period(argument)  # a refusal is told by the one renderer
        _queue(message, services, texts, config, staff, period)
        await services.staff_desk.done(staff, StaffAction.REPORT, detail=period.label)
        return
    await state.clear()
    buttons = [(texts.plain(key), ReportCb(choice=choice)) for choice, key in _BUTTONS]
    staff_reply(services, config, message, texts.get("report-pick"), markup=column(buttons))


async def on_pick(
    callback: CallbackQuery,
    callback_data: ReportCb,
    state: FSMContext,
    services: Services,
    texts: Texts,
    config: AppConfig,
    staff: StaffMember,
) -> None:
    await services.staff_desk.permit(staff, StaffAction.REPORT, detail=callback_data.choice)
    message = callback.message
    if not isinstance(message, Message):
        await callback.answer()
        return
    if callback_data.choice is ReportChoice.CUSTOM:
        await state.set_state(ReportInput.period)
        await callback.answer()
        await drop_markup(callback)
        staff_reply(services, config, message, texts.get("report-ask-period"))
        return
    period = chosen_period(callback_data.choice, services, config)
    await callback.answer(texts.plain("report-queued", period=period.label))
    await drop_markup(callback, texts.get("report-queued", period=period.label))
    _queue(message, services, texts, config, staff, period)
    await services.staff_desk.done(staff, StaffAction.REPORT, detail=period.label)


async def on_period(
    message: Message,
    state: FSMContext,
    services: Services,
    texts: Texts,
    config: AppConfig,
    staff: StaffMember,
) -> None:
    """The dates typed after «Свои даты»; a text it cannot read is told with examples, and
    the question stays."""
    assert message.text is not None
    await services.staff_desk.permit(staff, StaffAction.REPORT, detail="custom")
    period = parse_period(message.text)  # InvalidReportPeriod: told, the state stays
    await state.clear()
    staff_reply(services, config, message, texts.get("report-queued", period=period.label))
    _queue(message, services, texts, config, staff, period)
    await services.staff_desk.done(staff, StaffAction.REPORT, detail=period.label)


def _queue(
    message: Message,
    services: Services,
    texts: Texts,
    config: AppConfig,
    staff: StaffMember,
    period: Period,
) -> None:
    thread = message.message_thread_id if message.is_topic_message else None
    queue_report(
        lambda **values: services.outbox.enqueue(urgent=True, **values),
        chat_id=message.chat.id,
        period=period,
        thread_id=thread,
    )


async def cmd_measures(
    message: Message, services: Services, texts: Texts, config: AppConfig, staff: StaffMember
) -> None:
    """/measures text, /planned text (register 4.9), /contract yes|no (table 4.1 row 4), in
    the appeal's topic or as a reply to one of its messages; any staff member."""
    assert message.text is not None
    head, _, rest = message.text.partition(" ")
    command = head[1:].split("@", 1)[0].lower()
    rest = rest.strip()
    appeal_id = await appeal_of(message, services)
    if appeal_id is None:
        staff_reply(services, config, message, texts.get("staff-no-appeal"))
        return
    if command == "contract":
        # "yes" and "no" as people type them: the locale's words, and the ASCII ones.
        word = rest.lower()
        if word in YES_WORDS or word in texts.plain("staff-contract-yes-words").split():
            contract: bool | None = True
        elif word in NO_WORDS or word in texts.plain("staff-contract-no-words").split():
            contract = False
        else:
            staff_reply(services, config, message, texts.get("staff-contract-usage"))
            return
        appeal = await record_outcome(
            services, staff, appeal_id, contract_concluded=contract, detail=command
        )
    else:
        if not rest or len(rest) > MEASURES_MAX:
            staff_reply(
                services, config, message, texts.get("staff-measures-usage", max=MEASURES_MAX)
            )
            return
        taken, planned = (rest, None) if command == "measures" else (None, rest)
        appeal = await record_outcome(
            services,
            staff,
            appeal_id,
            measures_taken=taken,
            measures_planned=planned,
            detail=command,
        )
    staff_reply(services, config, message, texts.get("staff-measures-saved", number=appeal.number))


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_report, Cmd("report"))
    router.message.register(cmd_measures, Cmd("measures", "planned", "contract"))
    router.callback_query.register(on_pick, ReportCb.filter())
    router.message.register(on_period, ReportInput.period, F.text, ~F.text.startswith("/"))
    return router
