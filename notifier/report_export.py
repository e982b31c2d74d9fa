"""The report in the staff chat (SPEC §9): /report and the monthly job queue two outbox rows —
the XLSX (an `export` of kind `report`, notifier/exports.py) and the PNG summary with the key
figures in its caption (method `report_png`) — built from the database when each is sent, so
the rows stay small and the files current.

The monthly report goes on the first working day of the month (the production calendar),
about the month before: a persisted job runs on the first ten days of every month and does
nothing unless today is that day; the month is claimed in `report_postings` in the same
transaction as the queued rows, so it is posted once whatever runs twice."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiogram.methods import SendPhoto
from aiogram.types import BufferedInputFile, ReplyParameters
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.texts import Texts
from domain.clock import Clock
from domain.deadlines import WorkingCalendar
from domain.reports import Period, Report, month, parse_period
from notifier.deadlines import DeadlinePolicy
from notifier.exports import EXPORT_METHOD, Builder, export_payload
from notifier.outbox import OutboxCall, register_method
from notifier.report_files import caption, file_name, render_png, write_xlsx
from notifier.report_questionnaires import questionnaire_section
from notifier.scheduler import JobSpec, job_context
from services.reports import ReportService
from storage.outbox import enqueue
from storage.reports import SqlReports
from storage.uow import UnitOfWork

logger = logging.getLogger(__name__)

REPORT_EXPORT = "report"  # the export kind of the XLSX
PICTURE_METHOD = "report_png"
register_method(PICTURE_METHOD)
MONTHLY_JOB = "notifier.report_export:run_monthly_report"


async def build_report(uow: UnitOfWork, label: str, *, zone: ZoneInfo, clock: Clock) -> Report:
    service = ReportService(SqlReports(uow), clock=clock, zone=zone)
    return await service.build(parse_period(label))


def xlsx_builder(texts: Texts, *, zone: ZoneInfo, clock: Clock) -> Builder:
    """The `report` export: the period's XLSX (register streamed into it)."""

    async def build(uow: UnitOfWork, label: str) -> tuple[str, bytes, str]:
        service = ReportService(SqlReports(uow), clock=clock, zone=zone)
        period = parse_period(label)
        extra = await questionnaire_section(uow, period, zone=zone, texts=texts)
        report = await service.build(period, extra)
        buffer = io.BytesIO()
        rows = await write_xlsx(report, service.register(period), buffer, texts)
        note = texts.get("report-file-caption", period=label, rows=rows)
        return file_name(report, "xlsx"), buffer.getvalue(), note

    return build


class ReportPictureChannel:
    """The outbox handler of `report_png`: the charts with the key figures as the caption."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        clock: Clock,
        texts: Texts,
        zone: ZoneInfo,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._clock = clock
        self._texts = texts
        self._zone = zone

    async def __call__(self, call: OutboxCall) -> int | None:
        payload = call.payload
        uow = UnitOfWork(self._sessionmaker, clock=self._clock)
        try:
            report = await build_report(
                uow, str(payload["argument"]), zone=self._zone, clock=self._clock
            )
        finally:
            await uow.rollback()  # read only; no connection is held across the upload
        picture = render_png(report, self._texts)
        reply_to = payload.get("reply_to")
        message = await call.send(
            SendPhoto(
                chat_id=call.chat_id,
                photo=BufferedInputFile(picture, filename=file_name(report, "png")),
                caption=caption(report, self._texts),
                message_thread_id=payload.get("thread_id"),
                reply_parameters=ReplyParameters(
                    message_id=int(reply_to), allow_sending_without_reply=True
                )
                if reply_to is not None
                else None,
            )
        )
        return int(message.message_id)


def queue_report(
    enqueue_row: Callable[..., Any],
    *,
    chat_id: int,
    period: Period,
    reply_to: int | None = None,
    thread_id: int | None = None,
    dedup: str | None = None,
) -> None:
    """The two rows of a report: the XLSX, then the picture. `enqueue_row` takes the outbox's
    keyword arguments (chat_id, method, payload, and dedup_key when `dedup` is given)."""
    for method, payload in (
        (
            EXPORT_METHOD,
            export_payload(REPORT_EXPORT, period.label, reply_to=reply_to, thread_id=thread_id),
        ),
        (
            PICTURE_METHOD,
            export_payload(REPORT_EXPORT, period.label, reply_to=reply_to, thread_id=thread_id),
        ),
    ):
        extra = {"dedup_key": f"report:{dedup}:{method}"} if dedup is not None else {}
        enqueue_row(chat_id=chat_id, method=method, payload=payload, **extra)


# The monthly report ---------------------------------------------------------------------------


def first_working_day(year: int, month_number: int, calendar: WorkingCalendar) -> date:
    day = date(year, month_number, 1)
    while not calendar.is_working_day(day):
        day += timedelta(days=1)
    return day


def month_to_post(today: date, calendar: WorkingCalendar) -> Period | None:
    """The month before `today` when `today` is its month's first working day, else None."""
    if today != first_working_day(today.year, today.month, calendar):
        return None
    return month(today.year, today.month).preceding()


async def post_monthly_report(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    clock: Clock,
    policy: DeadlinePolicy,
) -> Period | None:
    """Queues last month's report to the staff chat, once; returns the month queued."""
    if policy.staff_chat_id is None:
        return None
    now: datetime = clock.now()
    period = month_to_post(now.astimezone(policy.zone).date(), policy.calendar)
    if period is None:
        return None
    uow = UnitOfWork(sessionmaker, clock=clock)
    try:
        if not await SqlReports(uow).claim_month(period.label, now):
            await uow.rollback()
            return None
        chat_id = policy.staff_chat_id

        def row(**values: Any) -> None:
            enqueue(uow, now=now, **values)

        queue_report(row, chat_id=chat_id, period=period, dedup=f"monthly:{period.label}")
        await uow.commit()
    except BaseException:
        await uow.rollback()
        raise
    logger.info("monthly report queued for %s", period.label)
    return period


async def run_monthly_report() -> Period | None:
    context = job_context()
    policy: DeadlinePolicy = context.extra["deadline_policy"]
    period = await post_monthly_report(context.sessionmaker, clock=context.clock, policy=policy)
    wake = context.extra.get("wake_outbox")
    if period is not None and callable(wake):
        wake()
    return period


def monthly_report_job(hour: int) -> JobSpec:
    """Every morning of the first ten days of a month (the first working day is always among
    them, even after the January holidays); the job itself decides whether today is the day."""
    return JobSpec(
        id="monthly-report",
        func=MONTHLY_JOB,
        trigger="cron",
        trigger_kwargs={"day": "1-10", "hour": hour, "minute": 5},
    )
