"""What the staff notice handlers share (handlers/staff_notices.py): the buttons, the
replies in the staff chat (a long text in several messages), parsing the commands, and the
role check that audits a refusal."""

from __future__ import annotations

import logging
from collections.abc import Callable
from enum import StrEnum
from typing import Any

from aiogram.exceptions import TelegramAPIError
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from app.services import Services
from core.callback_fields import RowId
from core.config import AppConfig
from core.texts import Texts
from domain.errors import DomainError
from domain.notice_lifecycle import RUNNING, NoticeReport
from domain.staff import StaffAction, StaffMember
from handlers.staff import staff_reply
from notifier.notice_texts import NoticeTexts
from services.csv_import import RefusedRow

logger = logging.getLogger(__name__)

MAX_FILE_MB = 5
MAX_FILE_BYTES = MAX_FILE_MB * 1024 * 1024
# Telegram takes 4096 characters a message; the HTML source is counted, which is longer.
CHUNK = 4000
# A reply to staff waits this long for a new notice to be queued, so that a small one shows
# its recipients; a large one is shown under way (refresh with the button).
SETTLE_SECONDS = 3.0
_MAX_ID = 2**31 - 1  # an id the database can hold
NONE_NAME = "-"  # a document sent without a file name


class NoticeButton(StrEnum):
    OK = "ok"  # a draft (import or message) confirmed
    NO = "no"  # a draft cancelled
    REFRESH = "ref"  # a notice's report again
    STOP = "stop"  # a notice stopped
    CLOSE = "close"  # an outage closed


class NoticeCb(CallbackData, prefix="ntc"):
    """A button under a draft, a notice's report or an outage (typed: core/callback_fields)."""

    action: NoticeButton
    id: RowId


# Saying things -------------------------------------------------------------------------------


def chunks(text: str, limit: int = CHUNK) -> list[str]:
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


def send(
    services: Services,
    config: AppConfig,
    message: Message,
    text: str,
    *,
    markup: InlineKeyboardMarkup | None = None,
) -> None:
    """A reply in the staff chat (in the same topic), queued urgently; a long text goes in
    several messages, the buttons under the last."""
    pieces = chunks(text)
    for index, piece in enumerate(pieces):
        last = index == len(pieces) - 1
        staff_reply(services, config, message, piece, markup=markup if last else None)


def keyboard(rows: list[list[tuple[str, NoticeCb]]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=label, callback_data=data.pack()) for label, data in row]
            for row in rows
        ]
    )


def draft_keyboard(texts: Texts, draft_id: int, confirm_key: str) -> InlineKeyboardMarkup:
    return keyboard(
        [
            [
                (texts.plain(confirm_key), NoticeCb(action=NoticeButton.OK, id=draft_id)),
                (
                    texts.plain("staff-notice-button-cancel"),
                    NoticeCb(action=NoticeButton.NO, id=draft_id),
                ),
            ]
        ]
    )


def report_keyboard(texts: Texts, report: NoticeReport) -> InlineKeyboardMarkup:
    notice_id = report.notice.id
    row = [
        (
            texts.plain("staff-notice-button-refresh"),
            NoticeCb(action=NoticeButton.REFRESH, id=notice_id),
        )
    ]
    if report.notice.status in RUNNING:
        row.append(
            (
                texts.plain("staff-notice-button-stop"),
                NoticeCb(action=NoticeButton.STOP, id=notice_id),
            )
        )
    return keyboard([row])


async def edit(callback: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None) -> None:
    """The pressed message, rewritten in place (a failure, "not modified" say, changes
    nothing)."""
    message = callback.message
    if not isinstance(message, Message):
        return
    try:
        await message.edit_text(chunks(text)[0], reply_markup=markup)
    except TelegramAPIError as error:
        logger.info("notice message not edited: %s", type(error).__name__)


async def settle(callback: CallbackQuery, note: str) -> None:
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


def argument(message: Message) -> str:
    """What follows the command (on the same line or the next ones)."""
    words = (message.text or message.caption or "").split(maxsplit=1)
    return words[1].strip() if len(words) > 1 else ""


def parse_id(raw: str) -> int | None:
    value = raw.strip().lstrip("№#").strip()
    if not value.isdigit() or not value.isascii():
        return None
    number = int(value)
    return number if 0 < number <= _MAX_ID else None


def refused_line(texts: Texts) -> Callable[[RefusedRow], str]:
    def line(row: RefusedRow) -> str:
        reason = texts.plain(row.reason, detail=row.detail)
        return texts.get("import-refused-line", line=row.line, reason=reason)

    return line


def words(texts: Texts, config: AppConfig) -> NoticeTexts:
    return NoticeTexts(texts, config.zone)


def error_text(texts: Texts, error: DomainError) -> str:
    return texts.get(error.text_key, value=str(getattr(error, "role", "")))


async def permitted(
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
USAGE = "usage"
TOO_BIG = "file too big"
NOT_DOWNLOADED = "file not downloaded"
NO_ROWS = "no acceptable rows"
DECIDED = "draft already decided"
NOT_RUNNING = "notice not found or not running"
NOT_OPEN = "outage not found or not open"


def reply_rows(
    message: Message, text: str, markup: InlineKeyboardMarkup | None = None
) -> list[tuple[int, dict[str, Any]]]:
    """What `send` queues, as (chat, payload) rows: for a reply queued later, by a job
    (notifier/notices.py `report_after_commit`)."""
    pieces = chunks(text)
    rows: list[tuple[int, dict[str, Any]]] = []
    for index, piece in enumerate(pieces):
        payload: dict[str, Any] = {"text": piece}
        if message.is_topic_message and message.message_thread_id is not None:
            payload["message_thread_id"] = message.message_thread_id
        payload["reply_parameters"] = {
            "message_id": message.message_id,
            "allow_sending_without_reply": True,
        }
        if markup is not None and index == len(pieces) - 1:
            payload["reply_markup"] = markup.model_dump(exclude_none=True)
        rows.append((message.chat.id, payload))
    return rows


def report_replies(
    texts: Texts, config: AppConfig, message: Message, notice_id: int
) -> Callable[[NoticeReport | None], list[tuple[int, dict[str, Any]]]]:
    """The reply with a new notice's report (its buttons too), rendered once it is queued."""

    def render(report: NoticeReport | None) -> list[tuple[int, dict[str, Any]]]:
        if report is None:  # pragma: no cover - it was stored a moment ago
            return reply_rows(message, texts.get("notice-not-found", id=notice_id))
        return reply_rows(
            message, words(texts, config).report(report), report_keyboard(texts, report)
        )

    return render


async def answer(callback: CallbackQuery, text: str | None, *, alert: bool = False) -> None:
    """The answer to a press (an old press Telegram no longer takes changes nothing)."""
    try:
        await callback.answer(text, show_alert=alert)
    except TelegramAPIError as error:
        logger.info("notice button not answered: %s", type(error).__name__)
