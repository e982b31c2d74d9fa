"""The buttons under the staff chat's notice messages: a draft confirmed («Запланировать»,
«Отправить») or cancelled, a report refreshed («Обновить») or its notice stopped
(«Остановить рассылку»), an outage closed («Свет дали»). A draft is decided once, by its
author or a head, and confirmed only by someone who may send mass notices; the notice is
written in the same transaction as the decision, and queued once that is committed."""

from __future__ import annotations

from aiogram.types import CallbackQuery, Message

from app.services import Services
from core.config import AppConfig
from core.texts import Texts
from domain.notice_lifecycle import DraftAction
from domain.staff import StaffAction, StaffMember
from domain.subscriptions import Topic
from handlers.notice_replies import (
    DECIDED,
    NONE_NAME,
    NOT_RUNNING,
    SETTLE_SECONDS,
    NoticeButton,
    NoticeCb,
    answer,
    edit,
    error_text,
    permitted,
    refused_line,
    report_keyboard,
    report_replies,
    send,
    settle,
    words,
)
from handlers.notice_reports import close_outage
from notifier.notices import NoticeDesk
from services.csv_import import ImportFileError
from services.notice_import import ImportKind
from services.notices import DRAFT_MESSAGE


async def on_notice_button(
    callback: CallbackQuery,
    callback_data: NoticeCb,
    services: Services,
    texts: Texts,
    config: AppConfig,
    notice_desk: NoticeDesk,
    staff: StaffMember,
) -> None:
    action, target = callback_data.action, callback_data.id
    if action in (NoticeButton.OK, NoticeButton.NO):
        confirm = action is NoticeButton.OK
        await _decide(callback, target, confirm, services, texts, config, notice_desk, staff)
    elif action in (NoticeButton.REFRESH, NoticeButton.STOP):
        stop = action is NoticeButton.STOP
        await _report_button(callback, target, stop, services, texts, config, staff)
    elif action is NoticeButton.CLOSE:
        await _close_button(callback, target, services, texts, config, notice_desk, staff)
    else:  # pragma: no cover - the callback data admits no other action
        await answer(callback, None)


async def _decide(
    callback: CallbackQuery,
    draft_id: int,
    confirm: bool,
    services: Services,
    texts: Texts,
    config: AppConfig,
    notice_desk: NoticeDesk,
    staff: StaffMember,
) -> None:
    """«Запланировать»/«Отправить» or «Отмена» under a preview: decided once, by the draft's
    author or a head (and confirmed only by someone who may send mass notices)."""
    notices = services.notice_service
    desk = services.staff_desk
    action = StaffAction.NOTICE_CONFIRM if confirm else StaffAction.NOTICE_CANCEL
    detail = f"draft {draft_id}"
    draft = await notices.draft(draft_id)
    if draft is not None:
        named = f"«{draft.file_name}»" if draft.kind != DRAFT_MESSAGE else draft.topic
        detail = f"draft {draft_id}: {draft.kind} {named}"
        refusal = await permitted(services, staff, action, detail=detail, author=draft.created_by)
        if refusal is not None:
            await answer(callback, error_text(texts, refusal), alert=True)
            return
    decision = DraftAction.CONFIRM if confirm else DraftAction.CANCEL
    if draft is None or not await notices.decide_draft(draft, decision):
        await desk.refused(staff, action, DECIDED, detail=detail)
        await answer(callback, texts.plain("staff-notice-already"))
        return
    # The decision is stored with its audit record and the notices it makes: a second
    # press, even a concurrent one, finds it made.
    await desk.done(staff, action, detail=detail)
    message = callback.message if isinstance(callback.message, Message) else None
    text: str | None = None
    if confirm and draft.kind == DRAFT_MESSAGE:
        notice_id = await notices.compose(
            Topic(draft.topic), draft.content, created_by=staff.user_id, source="staff"
        )
        if message is not None:  # its report, once it is queued
            notice_desk.report_after_commit(
                services.uow,
                notice_id,
                report_replies(texts, config, message, notice_id),
                at_most=SETTLE_SECONDS,
            )
    elif confirm:
        kind = ImportKind(draft.kind)
        try:
            result = await notices.import_file(
                kind,
                draft.content.encode("utf-8"),
                dry_run=False,
                source=f"staff:{draft.file_name}",
                created_by=staff.user_id,
            )
        except ImportFileError as error:
            text = texts.get(error.reason, detail=error.detail)
        else:
            head = texts.get(
                "staff-notice-import-result-head",
                name=draft.file_name or NONE_NAME,
                kind=texts.plain(f"staff-notice-import-kind-{kind.value}"),
            )
            text = f"{head}\n{words(texts, config).import_result(result, refused_line(texts))}"
    await answer(callback, texts.plain("staff-notice-done"))
    if not confirm:
        await settle(callback, texts.get("staff-notice-cancelled"))
        return
    await settle(callback, texts.get("staff-notice-confirmed"))
    if text is not None and message is not None:
        send(services, config, message, text)


async def _report_button(
    callback: CallbackQuery,
    notice_id: int,
    stop: bool,
    services: Services,
    texts: Texts,
    config: AppConfig,
    staff: StaffMember,
) -> None:
    """«Обновить» re-renders the report in place; «Остановить рассылку» stops it first."""
    action, detail = StaffAction.NOTICE_STOP, f"notice {notice_id}"
    notices = services.notice_service
    if stop:
        refusal = await permitted(services, staff, action, detail=detail)
        if refusal is not None:
            await answer(callback, error_text(texts, refusal), alert=True)
            return
    stopped = await notices.cancel(notice_id) if stop else None
    if stop:
        if stopped is None:
            await services.staff_desk.refused(staff, action, NOT_RUNNING, detail=detail)
        else:
            await services.staff_desk.done(staff, action, detail=detail)
    report = stopped or await notices.report(notice_id)
    if report is None or (stop and stopped is None):
        await answer(callback, texts.plain("notice-not-found", id=notice_id), alert=True)
    else:
        await answer(
            callback, texts.plain("staff-notice-stopped" if stop else "staff-notice-updated")
        )
    if report is not None:
        await edit(callback, words(texts, config).report(report), report_keyboard(texts, report))


async def _close_button(
    callback: CallbackQuery,
    outage_id: int,
    services: Services,
    texts: Texts,
    config: AppConfig,
    notice_desk: NoticeDesk,
    staff: StaffMember,
) -> None:
    """«Свет дали (№ N)»: the outage closed; the report follows once the notice is queued."""
    refusal = await permitted(
        services, staff, StaffAction.OUTAGE_CLOSE, detail=f"outage {outage_id}"
    )
    if refusal is not None:
        await answer(callback, error_text(texts, refusal), alert=True)
        return
    notice_id = await close_outage(outage_id, services, staff)
    if notice_id is None:
        await answer(callback, texts.plain("notice-outage-not-open", id=outage_id), alert=True)
        return
    if isinstance(callback.message, Message):
        notice_desk.report_after_commit(
            services.uow,
            notice_id,
            report_replies(texts, config, callback.message, notice_id),
            at_most=SETTLE_SECONDS,
        )
    await answer(callback, texts.plain("staff-notice-done"))
