"""Reports and outages in the staff chat: `/notices` (the latest ten), `/notice ID` (with
«Обновить» and «Остановить рассылку»), `/outages` (a «Свет дали» button per open outage)
and `/outage_close ID` ("power restored", or a planned outage called off)."""

from __future__ import annotations

from aiogram.types import Message

from app.services import Services
from core.config import AppConfig
from core.texts import Texts
from domain.staff import StaffAction, StaffMember
from handlers.notice_replies import (
    NOT_OPEN,
    SETTLE_SECONDS,
    USAGE,
    NoticeButton,
    NoticeCb,
    argument,
    error_text,
    keyboard,
    parse_id,
    permitted,
    report_keyboard,
    report_replies,
    send,
    words,
)
from notifier.notices import NoticeDesk


async def cmd_notices(
    message: Message, services: Services, texts: Texts, config: AppConfig
) -> None:
    """/notices: the latest ten, one line each."""
    reports = await services.notice_service.recent(limit=10)
    if not reports:
        send(services, config, message, texts.get("notice-report-empty"))
        return
    said = words(texts, config)
    lines = [texts.get("staff-notice-list-title"), *(said.short(r) for r in reports)]
    send(services, config, message, "\n".join(lines))


async def cmd_notice(
    message: Message, services: Services, texts: Texts, config: AppConfig
) -> None:
    """/notice ID: the full report with «Обновить» (and «Остановить рассылку» while it runs)."""
    notice_id = parse_id(argument(message))
    if notice_id is None:
        send(services, config, message, texts.get("staff-notice-id-usage"))
        return
    report = await services.notice_service.report(notice_id)
    if report is None:
        send(services, config, message, texts.get("notice-not-found", id=notice_id))
        return
    send(
        services,
        config,
        message,
        words(texts, config).report(report),
        markup=report_keyboard(texts, report),
    )


async def cmd_outages(
    message: Message, services: Services, texts: Texts, config: AppConfig
) -> None:
    """/outages: the open ones, each with «Свет дали (№ N)»."""
    outages = await services.notice_service.outages()
    if not outages:
        send(services, config, message, texts.get("notice-outages-empty"))
        return
    said = words(texts, config)
    lines = [texts.get("staff-notice-outages-title"), *(said.outage(o) for o in outages)]
    markup = keyboard(
        [
            [
                (
                    texts.plain("staff-notice-button-restored", id=o.id),
                    NoticeCb(action=NoticeButton.CLOSE, id=o.id),
                )
            ]
            for o in outages
        ]
    )
    send(services, config, message, "\n".join(lines), markup=markup)


async def cmd_outage_close(
    message: Message,
    services: Services,
    texts: Texts,
    config: AppConfig,
    notice_desk: NoticeDesk,
    staff: StaffMember,
) -> None:
    """/outage_close ID: power is back; the report of the "power restored" notice once it is
    queued."""
    action = StaffAction.OUTAGE_CLOSE
    raw = argument(message)
    refusal = await permitted(services, staff, action, detail=f"outage {raw[:32]}")
    if refusal is not None:
        send(services, config, message, error_text(texts, refusal))
        return
    outage_id = parse_id(raw)
    if outage_id is None:
        await services.staff_desk.refused(staff, action, USAGE, detail=raw[:32])
        send(services, config, message, texts.get("staff-notice-outage-usage"))
        return
    notice_id = await close_outage(outage_id, services, staff)
    if notice_id is None:
        send(services, config, message, texts.get("notice-outage-not-open", id=outage_id))
        return
    notice_desk.report_after_commit(
        services.uow,
        notice_id,
        report_replies(texts, config, message, notice_id),
        at_most=SETTLE_SECONDS,
    )


async def close_outage(outage_id: int, services: Services, staff: StaffMember) -> int | None:
    """The "power restored" (or "called off") notice; None if there was no such open outage.
    The caller checked the role; the outcome is audited here."""
    action, detail = StaffAction.OUTAGE_CLOSE, f"outage {outage_id}"
    notice_id = await services.notice_service.close_outage(outage_id, by=staff.user_id)
    if notice_id is None:
        await services.staff_desk.refused(staff, action, NOT_OPEN, detail=detail)
    else:
        await services.staff_desk.done(staff, action, detail=f"{detail}: notice {notice_id}")
    return notice_id
