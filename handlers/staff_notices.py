"""Notices from the staff chat (SPEC §8): source files, one-off messages, reports, stops and
"power restored".

- a CSV document captioned `/import debts|outages|tariffs|restrictions` is checked with a dry
  run (who would be told, which rows are refused) and kept as a draft; nothing is scheduled
  until a staff member presses «Запланировать»;
- `/notify TOPIC` with the text: a preview exactly as subscribers will see it and how many
  will get it; sent on «Отправить»;
- `/notices`, `/notice ID` (with «Обновить» and «Остановить рассылку»), `/outages` (with a
  «Свет дали» button per outage) and `/outage_close ID`.

Only staff may do any of it: the same chat filter and membership gate as handlers/staff.py.
Mass notices — a file's draft, a `/notify` draft, confirming one, stopping a notice, closing
an outage — need the role MASS_NOTICE_ROLE (head unless set; domain/staff.py); a draft is
confirmed or cancelled by its author or a head. Every one of these actions, done or refused
with the reason, is written to the staff audit log by the staff desk, as the staff chat's
appeal actions are (services/staff_desk.py `permit`, `done`, `refused`). A draft is decided
once (storage/notices.py `decide_draft`): a second press of a button does nothing.
Replies go through the outbox like every staff-chat message; the edits of the message whose
button was pressed are sent directly.

The notice desk works in units of work of its own. SQLite has a single pooled connection, so
the update's unit of work is committed (and its connection released) before each call to it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from enum import StrEnum

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    CallbackQuery,
    Document,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from bot.callback_fields import RowId
from bot.container import AppConfig, Services
from bot.texts import Texts
from domain.errors import DomainError
from domain.staff import StaffAction, StaffMember
from domain.subscriptions import Topic
from handlers.filters import Cmd
from handlers.staff import staff_reply
from notifier.notices import MESSAGE_MAX, NoticeDesk, NoticeReport, NoticeTexts
from services.csv_import import ImportFileError, RefusedRow
from services.notice_import import ImportKind
from storage.notices import QUEUING, SCHEDULED, SENDING, Notice, SqlNoticeStore

logger = logging.getLogger(__name__)

MAX_FILE_MB = 5
MAX_FILE_BYTES = MAX_FILE_MB * 1024 * 1024
# Telegram takes 4096 characters a message; the HTML source is counted, which is longer.
CHUNK = 4000
# A reply to staff waits this long for a new notice to be queued, so that a small one shows
# its recipients; a large one is shown under way (refresh with the button).
SETTLE_SECONDS = 3.0
_MAX_ID = 2**31 - 1  # an id the database can hold
_DRAFT_MESSAGE = "message"
_CONFIRMED = "confirmed"
_CANCELLED = "cancelled"
_RUNNING = (SCHEDULED, QUEUING, SENDING)
_FILE_NAME_MAX = 150  # drafts keep 200 characters; the source adds "staff:"
NONE_NAME = "-"  # a document sent without a file name


class NoticeButton(StrEnum):
    OK = "ok"  # a draft (import or message) confirmed
    NO = "no"  # a draft cancelled
    REFRESH = "ref"  # a notice's report again
    STOP = "stop"  # a notice stopped
    CLOSE = "close"  # an outage closed


class NoticeCb(CallbackData, prefix="ntc"):
    """A button under a draft, a notice's report or an outage (typed: bot/callback_fields)."""

    action: NoticeButton
    id: RowId


# Saying things -------------------------------------------------------------------------------


def _chunks(text: str, limit: int = CHUNK) -> list[str]:
    """The text in pieces Telegram accepts, cut between lines (a longer line is cut where
    it does not split an HTML tag or entity)."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            cut = _safe_cut(line, limit)
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:cut])
            line = line[cut:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current or not pieces:
        pieces.append(current)
    return pieces


def _safe_cut(line: str, limit: int) -> int:
    cut = limit
    for opener, closer in (("<", ">"), ("&", ";")):
        start = line.rfind(opener, 0, cut)
        if start > 0 and line.find(closer, start, cut) == -1:
            cut = min(cut, start)
    return cut


def _send(
    services: Services,
    config: AppConfig,
    message: Message,
    text: str,
    *,
    markup: InlineKeyboardMarkup | None = None,
) -> None:
    """A reply in the staff chat (in the same topic), queued urgently; a long text goes in
    several messages, the buttons under the last."""
    pieces = _chunks(text)
    for index, piece in enumerate(pieces):
        last = index == len(pieces) - 1
        staff_reply(services, config, message, piece, markup=markup if last else None)


def _keyboard(rows: list[list[tuple[str, NoticeCb]]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=label, callback_data=data.pack()) for label, data in row]
            for row in rows
        ]
    )


def _draft_keyboard(texts: Texts, draft_id: int, confirm_key: str) -> InlineKeyboardMarkup:
    return _keyboard(
        [
            [
                (texts.plain(confirm_key), NoticeCb(action="ok", id=draft_id)),
                (texts.plain("staff-notice-button-cancel"), NoticeCb(action="no", id=draft_id)),
            ]
        ]
    )


def _report_keyboard(texts: Texts, report: NoticeReport) -> InlineKeyboardMarkup:
    notice_id = report.notice.id
    row = [(texts.plain("staff-notice-button-refresh"), NoticeCb(action="ref", id=notice_id))]
    if report.notice.status in _RUNNING:
        row.append(
            (texts.plain("staff-notice-button-stop"), NoticeCb(action="stop", id=notice_id))
        )
    return _keyboard([row])


async def _release(services: Services) -> None:
    """Store what the update wrote so far and give the connection back (see the module's
    docstring): the notice desk is about to open a unit of work of its own."""
    await services.uow.commit()


async def _edit(callback: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None) -> None:
    """The pressed message, rewritten in place (a failure, "not modified" say, changes
    nothing)."""
    message = callback.message
    if not isinstance(message, Message):
        return
    try:
        await message.edit_text(_chunks(text)[0], reply_markup=markup)
    except TelegramAPIError as error:
        logger.info("notice message not edited: %s", type(error).__name__)


async def _settle(callback: CallbackQuery, note: str) -> None:
    """A preview was decided: its buttons go and the decision is written under it."""
    message = callback.message
    if not isinstance(message, Message):
        return
    text = f"{message.html_text}\n\n{note}" if message.text else note
    try:
        if len(text) <= CHUNK:
            await message.edit_text(text, reply_markup=None)
        else:
            await message.edit_reply_markup(reply_markup=None)
    except TelegramAPIError as error:
        logger.info("notice preview not edited: %s", type(error).__name__)


def _argument(message: Message) -> str:
    """What follows the command (on the same line or the next ones)."""
    words = (message.text or message.caption or "").split(maxsplit=1)
    return words[1].strip() if len(words) > 1 else ""


def _parse_id(raw: str) -> int | None:
    value = raw.strip().lstrip("№#").strip()
    if not value.isdigit() or not value.isascii():
        return None
    number = int(value)
    return number if 0 < number <= _MAX_ID else None


def _refused_line(texts: Texts) -> Callable[[RefusedRow], str]:
    def line(row: RefusedRow) -> str:
        reason = texts.plain(row.reason, detail=row.detail)
        return texts.get("import-refused-line", line=row.line, reason=reason)

    return line


def _words(texts: Texts, config: AppConfig) -> NoticeTexts:
    return NoticeTexts(texts, config.zone)


def _error_text(texts: Texts, error: DomainError) -> str:
    return texts.get(error.text_key, value=str(getattr(error, "role", "")))


async def _permitted(
    services: Services,
    staff: StaffMember,
    action: StaffAction,
    *,
    detail: str = "",
    author: int | None = None,
) -> DomainError | None:
    """None if `staff` may do `action`; else the refusal (already audited) to show."""
    try:
        await services.staff_desk.permit(staff, action, detail=detail, author=author)
    except DomainError as error:
        return error
    return None


# Why an action changed nothing, as the audit log records it.
_USAGE = "usage"
_TOO_BIG = "file too big"
_NOT_DOWNLOADED = "file not downloaded"
_NO_ROWS = "no acceptable rows"
_DECIDED = "draft already decided"
_NOT_RUNNING = "notice not found or not running"
_NOT_OPEN = "outage not found or not open"


# Imports -------------------------------------------------------------------------------------


def _import_usage(texts: Texts) -> str:
    return texts.get("staff-notice-import-usage", max=MAX_FILE_MB)


async def cmd_import(
    message: Message,
    bot: Bot,
    services: Services,
    texts: Texts,
    config: AppConfig,
    notice_desk: NoticeDesk,
    staff: StaffMember,
) -> None:
    """A document captioned `/import KIND`: the dry run, a draft, «Запланировать»/«Отмена»."""
    document = message.document
    words = _argument(message).split()
    kind = _import_kind(words[0]) if words else None
    action = StaffAction.NOTICE_IMPORT
    detail = words[0][:32] if words else ""
    refusal = await _permitted(services, staff, action, detail=detail)
    if refusal is not None:
        _send(services, config, message, _error_text(texts, refusal))
        return
    desk = services.staff_desk
    if document is None or kind is None:
        await desk.refused(staff, action, _USAGE, detail=detail)
        _send(services, config, message, _import_usage(texts))
        return
    if document.file_size is not None and document.file_size > MAX_FILE_BYTES:
        await desk.refused(staff, action, _TOO_BIG, detail=detail)
        _send(services, config, message, texts.get("staff-notice-file-too-big", max=MAX_FILE_MB))
        return
    await _release(services)
    raw = await _download(bot, document)
    if raw is None:
        await desk.refused(staff, action, _NOT_DOWNLOADED, detail=detail)
        _send(services, config, message, texts.get("staff-notice-file-failed"))
        return
    if len(raw) > MAX_FILE_BYTES:
        await desk.refused(staff, action, _TOO_BIG, detail=detail)
        _send(services, config, message, texts.get("staff-notice-file-too-big", max=MAX_FILE_MB))
        return
    user_id = staff.user_id
    file_name = (document.file_name or "")[:_FILE_NAME_MAX]
    try:
        result = await notice_desk.import_file(
            kind, raw, dry_run=True, source=f"staff:{file_name}", created_by=user_id
        )
    except ImportFileError as error:
        await desk.refused(staff, action, error.reason, detail=f"{detail} «{file_name}»")
        _send(services, config, message, texts.get(error.reason, detail=error.detail))
        return
    head = texts.get(
        "staff-notice-import-head",
        name=file_name or NONE_NAME,
        kind=texts.plain(f"staff-notice-import-kind-{kind.value}"),
    )
    body = _words(texts, config).import_result(result, _refused_line(texts))
    if not result.accepted:
        await desk.refused(staff, action, _NO_ROWS, detail=f"{detail} «{file_name}»")
        _send(
            services,
            config,
            message,
            f"{head}\n{body}\n\n{texts.get('staff-notice-import-nothing')}",
        )
        return
    draft_id = await SqlNoticeStore(services.uow).add_draft(
        kind=kind.value,
        topic="",
        file_name=file_name,
        content=raw.decode("utf-8-sig"),
        created_by=user_id,
        created_at=services.clock.now(),
    )
    await desk.done(
        staff,
        action,
        detail=f"draft {draft_id}: {kind.value} «{file_name}», {result.accepted} rows, "
        f"{result.people} people",
    )
    _send(
        services,
        config,
        message,
        f"{head}\n{body}\n\n{texts.get('staff-notice-import-confirm')}",
        markup=_draft_keyboard(texts, draft_id, "staff-notice-button-schedule"),
    )


def _import_kind(word: str) -> ImportKind | None:
    try:
        return ImportKind(word.strip().lower())
    except ValueError:
        return None


async def _download(bot: Bot, document: Document) -> bytes | None:
    try:
        stream = await bot.download(document)
    except Exception as error:  # Telegram refused, the network failed: ask to send again
        logger.warning("notice file not downloaded: %s", type(error).__name__)
        return None
    return None if stream is None else stream.read()


# One-off messages ----------------------------------------------------------------------------


def _notify_usage(texts: Texts, problem: str | None = None) -> str:
    lines = [problem] if problem else []
    lines.append(texts.get("staff-notice-notify-usage", max=MESSAGE_MAX))
    lines.extend(
        texts.get(
            "staff-notice-topic-line",
            topic=topic.value,
            name=texts.plain(f"settings-topic-{topic.value}"),
        )
        for topic in Topic
    )
    return "\n".join(lines)


def _parse_notify(texts: Texts, message: Message) -> tuple[Topic, str] | str:
    """(topic, text), or the usage message saying what is wrong."""
    argument = _argument(message)
    if not argument:
        return _notify_usage(texts)
    parts = argument.split(maxsplit=1)
    word = parts[0]
    try:
        topic = Topic(word.lower())
    except ValueError:
        problem = texts.get("staff-notice-unknown-topic", topic=word[:40])
        return _notify_usage(texts, problem)
    text = parts[1].strip() if len(parts) > 1 else ""
    if not text:
        return _notify_usage(texts, texts.get("staff-notice-empty-text"))
    if len(text) > MESSAGE_MAX:
        problem = texts.get("staff-notice-too-long", max=MESSAGE_MAX, length=len(text))
        return _notify_usage(texts, problem)
    return topic, text


def _preview_notice(topic: Topic, text: str, services: Services, user_id: int) -> Notice:
    """The notice `compose` will store, to render it as subscribers will see it."""
    now = services.clock.now()
    return Notice(
        id=0,
        kind="contract" if topic is Topic.CONTRACT else "message",
        topic=topic,
        audience="topic",
        urgent=topic is Topic.EMERGENCY_OUTAGE,
        params={"text": text},
        outage_id=None,
        status=SCHEDULED,
        send_at=now,
        source="staff",
        created_by=user_id,
        created_at=now,
        queued_at=None,
        planned=0,
        finished_at=None,
        cancelled_at=None,
    )


async def cmd_notify(
    message: Message,
    services: Services,
    texts: Texts,
    config: AppConfig,
    notice_desk: NoticeDesk,
    staff: StaffMember,
) -> None:
    """/notify TOPIC text: the preview, the audience, «Отправить»/«Отмена»."""
    action = StaffAction.NOTICE_COMPOSE
    words = _argument(message).split(maxsplit=1)
    detail = words[0][:32] if words else ""
    refusal = await _permitted(services, staff, action, detail=detail)
    if refusal is not None:
        _send(services, config, message, _error_text(texts, refusal))
        return
    parsed = _parse_notify(texts, message)
    if isinstance(parsed, str):
        await services.staff_desk.refused(staff, action, _USAGE, detail=detail)
        _send(services, config, message, parsed)
        return
    topic, text = parsed
    user_id = staff.user_id
    await _release(services)
    audience = await notice_desk.audience_size(topic)
    rendered = notice_desk.render(_preview_notice(topic, text, services, user_id), [])
    draft_id = await SqlNoticeStore(services.uow).add_draft(
        kind=_DRAFT_MESSAGE,
        topic=topic.value,
        file_name="",
        content=text,
        created_by=user_id,
        created_at=services.clock.now(),
    )
    await services.staff_desk.done(
        staff, action, detail=f"draft {draft_id}: {topic.value}, {audience} people"
    )
    preview = "\n\n".join(
        (
            texts.get(
                "staff-notice-preview-head", name=texts.plain(f"settings-topic-{topic.value}")
            ),
            rendered,
            texts.get("staff-notice-preview-foot", count=audience),
        )
    )
    _send(
        services,
        config,
        message,
        preview,
        markup=_draft_keyboard(texts, draft_id, "staff-notice-button-send"),
    )


# Buttons -------------------------------------------------------------------------------------


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
    if action in ("ok", "no"):
        await _decide(
            callback, target, action == "ok", services, texts, config, notice_desk, staff
        )
    elif action in ("ref", "stop"):
        await _report_button(
            callback, target, action == "stop", services, texts, config, notice_desk, staff
        )
    elif action == "close":
        refusal = await _permitted(
            services, staff, StaffAction.OUTAGE_CLOSE, detail=f"outage {target}"
        )
        if refusal is not None:
            await _answer(callback, _error_text(texts, refusal), alert=True)
            return
        await _release(services)
        text, markup = await _close(target, services, staff, texts, config, notice_desk)
        if markup is None:
            await _answer(callback, texts.plain("notice-outage-not-open", id=target), alert=True)
            return
        await _answer(callback, texts.plain("staff-notice-done"))
        if isinstance(callback.message, Message):
            _send(services, config, callback.message, text, markup=markup)
    else:
        await _answer(callback, None)


async def _answer(callback: CallbackQuery, text: str | None, *, alert: bool = False) -> None:
    """The answer to a press (an old press Telegram no longer takes changes nothing)."""
    try:
        await callback.answer(text, show_alert=alert)
    except TelegramAPIError as error:
        logger.info("notice button not answered: %s", type(error).__name__)


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
    store = SqlNoticeStore(services.uow)
    desk = services.staff_desk
    action = StaffAction.NOTICE_CONFIRM if confirm else StaffAction.NOTICE_CANCEL
    detail = f"draft {draft_id}"
    draft = await store.draft(draft_id)
    if draft is not None:
        named = f"«{draft.file_name}»" if draft.kind != _DRAFT_MESSAGE else draft.topic
        detail = f"draft {draft_id}: {draft.kind} {named}"
        refusal = await _permitted(services, staff, action, detail=detail, author=draft.created_by)
        if refusal is not None:
            await _answer(callback, _error_text(texts, refusal), alert=True)
            return
    status = _CONFIRMED if confirm else _CANCELLED
    if draft is None or not await store.decide_draft(draft_id, status, at=services.clock.now()):
        await desk.refused(staff, action, _DECIDED, detail=detail)
        await _answer(callback, texts.plain("staff-notice-already"))
        return
    # The decision is stored first, with its audit record: a second press, even a concurrent
    # one, finds it made.
    await desk.done(staff, action, detail=detail)
    await _release(services)
    await _answer(callback, texts.plain("staff-notice-done"))
    if not confirm:
        await _settle(callback, texts.get("staff-notice-cancelled"))
        return
    await _settle(callback, texts.get("staff-notice-confirmed"))
    user_id = staff.user_id
    words = _words(texts, config)
    markup: InlineKeyboardMarkup | None = None
    if draft.kind == _DRAFT_MESSAGE:
        notice_id = await notice_desk.compose(
            Topic(draft.topic), draft.content, created_by=user_id, source="staff"
        )
        await notice_desk.settle(at_most=SETTLE_SECONDS)
        report = await notice_desk.report(notice_id)
        if report is None:  # pragma: no cover - it was stored a moment ago
            text = texts.get("notice-not-found", id=notice_id)
        else:
            text, markup = words.report(report), _report_keyboard(texts, report)
    else:
        kind = ImportKind(draft.kind)
        try:
            result = await notice_desk.import_file(
                kind,
                draft.content.encode("utf-8"),
                dry_run=False,
                source=f"staff:{draft.file_name}",
                created_by=user_id,
            )
        except ImportFileError as error:
            text = texts.get(error.reason, detail=error.detail)
        else:
            head = texts.get(
                "staff-notice-import-result-head",
                name=draft.file_name or NONE_NAME,
                kind=texts.plain(f"staff-notice-import-kind-{kind.value}"),
            )
            text = f"{head}\n{words.import_result(result, _refused_line(texts))}"
    if isinstance(callback.message, Message):
        _send(services, config, callback.message, text, markup=markup)


async def _report_button(
    callback: CallbackQuery,
    notice_id: int,
    stop: bool,
    services: Services,
    texts: Texts,
    config: AppConfig,
    notice_desk: NoticeDesk,
    staff: StaffMember,
) -> None:
    """«Обновить» re-renders the report in place; «Остановить рассылку» stops it first."""
    action, detail = StaffAction.NOTICE_STOP, f"notice {notice_id}"
    if stop:
        refusal = await _permitted(services, staff, action, detail=detail)
        if refusal is not None:
            await _answer(callback, _error_text(texts, refusal), alert=True)
            return
    await _release(services)
    stopped = await notice_desk.cancel(notice_id) if stop else None
    if stop:
        if stopped is None:
            await services.staff_desk.refused(staff, action, _NOT_RUNNING, detail=detail)
        else:
            await services.staff_desk.done(staff, action, detail=detail)
    report = stopped or await notice_desk.report(notice_id)
    if report is None or (stop and stopped is None):
        await _answer(callback, texts.plain("notice-not-found", id=notice_id), alert=True)
    else:
        await _answer(
            callback, texts.plain("staff-notice-stopped" if stop else "staff-notice-updated")
        )
    if report is not None:
        await _edit(
            callback, _words(texts, config).report(report), _report_keyboard(texts, report)
        )


# Reports and outages -------------------------------------------------------------------------


async def cmd_notices(
    message: Message,
    services: Services,
    texts: Texts,
    config: AppConfig,
    notice_desk: NoticeDesk,
) -> None:
    """/notices: the latest ten, one line each."""
    await _release(services)
    reports = await notice_desk.recent(limit=10)
    if not reports:
        _send(services, config, message, texts.get("notice-report-empty"))
        return
    words = _words(texts, config)
    lines = [texts.get("staff-notice-list-title"), *(words.short(r) for r in reports)]
    _send(services, config, message, "\n".join(lines))


async def cmd_notice(
    message: Message,
    services: Services,
    texts: Texts,
    config: AppConfig,
    notice_desk: NoticeDesk,
) -> None:
    """/notice ID: the full report with «Обновить» (and «Остановить рассылку» while it runs)."""
    notice_id = _parse_id(_argument(message))
    if notice_id is None:
        _send(services, config, message, texts.get("staff-notice-id-usage"))
        return
    await _release(services)
    report = await notice_desk.report(notice_id)
    if report is None:
        _send(services, config, message, texts.get("notice-not-found", id=notice_id))
        return
    _send(
        services,
        config,
        message,
        _words(texts, config).report(report),
        markup=_report_keyboard(texts, report),
    )


async def cmd_outages(
    message: Message,
    services: Services,
    texts: Texts,
    config: AppConfig,
    notice_desk: NoticeDesk,
) -> None:
    """/outages: the open ones, each with «Свет дали (№ N)»."""
    await _release(services)
    outages = await notice_desk.outages()
    if not outages:
        _send(services, config, message, texts.get("notice-outages-empty"))
        return
    words = _words(texts, config)
    lines = [texts.get("staff-notice-outages-title"), *(words.outage(o) for o in outages)]
    markup = _keyboard(
        [
            [
                (
                    texts.plain("staff-notice-button-restored", id=o.id),
                    NoticeCb(action="close", id=o.id),
                )
            ]
            for o in outages
        ]
    )
    _send(services, config, message, "\n".join(lines), markup=markup)


async def cmd_outage_close(
    message: Message,
    services: Services,
    texts: Texts,
    config: AppConfig,
    notice_desk: NoticeDesk,
    staff: StaffMember,
) -> None:
    """/outage_close ID: power is back; the report of the "power restored" notice."""
    action = StaffAction.OUTAGE_CLOSE
    raw = _argument(message)
    refusal = await _permitted(services, staff, action, detail=f"outage {raw[:32]}")
    if refusal is not None:
        _send(services, config, message, _error_text(texts, refusal))
        return
    outage_id = _parse_id(raw)
    if outage_id is None:
        await services.staff_desk.refused(staff, action, _USAGE, detail=raw[:32])
        _send(services, config, message, texts.get("staff-notice-outage-usage"))
        return
    await _release(services)
    text, markup = await _close(outage_id, services, staff, texts, config, notice_desk)
    _send(services, config, message, text, markup=markup)


async def _close(
    outage_id: int,
    services: Services,
    staff: StaffMember,
    texts: Texts,
    config: AppConfig,
    notice_desk: NoticeDesk,
) -> tuple[str, InlineKeyboardMarkup | None]:
    """(what to say, the report's buttons); no buttons if there was no such open outage.
    The caller checked the role; the outcome is audited here."""
    action, detail = StaffAction.OUTAGE_CLOSE, f"outage {outage_id}"
    notice_id = await notice_desk.close_outage(outage_id, by=staff.user_id)
    if notice_id is None:
        await services.staff_desk.refused(staff, action, _NOT_OPEN, detail=detail)
    else:
        await services.staff_desk.done(staff, action, detail=f"{detail}: notice {notice_id}")
    await notice_desk.settle(at_most=SETTLE_SECONDS)
    if notice_id is None:
        return texts.get("notice-outage-not-open", id=outage_id), None
    report = await notice_desk.report(notice_id)
    if report is None:  # pragma: no cover - it was stored a moment ago
        return texts.get("notice-not-found", id=notice_id), None
    return _words(texts, config).report(report), _report_keyboard(texts, report)


# The router ----------------------------------------------------------------------------------

# The staff chat's command menu gets these too (handlers/staff.py STAFF_COMMANDS).
NOTICE_COMMANDS = ("import", "notify", "notices", "notice", "outages", "outage_close")


def build_router() -> Router:
    """Staff-chat only, behind the staff gate: a child of the staff chat's parent router
    (handlers/staff/__init__.py), included before the appeal desk, whose catch-all thread
    handlers would otherwise take these commands and documents."""
    router = Router(name="staff_notices")

    router.message.register(cmd_import, Cmd("import"))
    router.message.register(cmd_notify, Cmd("notify"))
    router.message.register(cmd_notices, Cmd("notices"))
    router.message.register(cmd_notice, Cmd("notice"))
    router.message.register(cmd_outages, Cmd("outages"))
    router.message.register(cmd_outage_close, Cmd("outage_close"))
    router.callback_query.register(on_notice_button, NoticeCb.filter())
    return router
