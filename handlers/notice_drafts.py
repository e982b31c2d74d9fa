"""Drafts of notices in the staff chat: a source file captioned `/import KIND` is checked
with a dry run and kept as a draft; `/notify TOPIC` with the text shows the notice as
subscribers will see it and how many will get it. Nothing is scheduled until the draft is
confirmed (handlers/notice_buttons.py)."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.types import Document, Message

from app.services import Services
from core.config import AppConfig
from core.texts import Texts
from domain.staff import StaffAction, StaffMember
from domain.subscriptions import Topic
from handlers.notice_replies import (
    MAX_FILE_BYTES,
    MAX_FILE_MB,
    NO_ROWS,
    NONE_NAME,
    NOT_DOWNLOADED,
    TOO_BIG,
    USAGE,
    argument,
    draft_keyboard,
    error_text,
    permitted,
    refused_line,
    send,
    words,
)
from notifier.notice_texts import render_notice
from services.csv_import import ImportFileError
from services.notice_import import ImportKind
from services.notices import DRAFT_MESSAGE, MESSAGE_MAX

logger = logging.getLogger(__name__)

_FILE_NAME_MAX = 150  # drafts keep 200 characters; the source adds "staff:"


def _import_usage(texts: Texts) -> str:
    return texts.get("staff-notice-import-usage", max=MAX_FILE_MB)


async def cmd_import(
    message: Message,
    bot: Bot,
    services: Services,
    texts: Texts,
    config: AppConfig,
    staff: StaffMember,
) -> None:
    """A document captioned `/import KIND`: the dry run, a draft, «Запланировать»/«Отмена»."""
    document = message.document
    given = argument(message).split()
    kind = _import_kind(given[0]) if given else None
    action = StaffAction.NOTICE_IMPORT
    detail = given[0][:32] if given else ""
    refusal = await permitted(services, staff, action, detail=detail)
    if refusal is not None:
        send(services, config, message, error_text(texts, refusal))
        return
    desk = services.staff_desk
    if document is None or kind is None:
        await desk.refused(staff, action, USAGE, detail=detail)
        send(services, config, message, _import_usage(texts))
        return
    if document.file_size is not None and document.file_size > MAX_FILE_BYTES:
        await desk.refused(staff, action, TOO_BIG, detail=detail)
        send(services, config, message, texts.get("staff-notice-file-too-big", max=MAX_FILE_MB))
        return
    raw = await _download(bot, document)
    if raw is None:
        await desk.refused(staff, action, NOT_DOWNLOADED, detail=detail)
        send(services, config, message, texts.get("staff-notice-file-failed"))
        return
    if len(raw) > MAX_FILE_BYTES:
        await desk.refused(staff, action, TOO_BIG, detail=detail)
        send(services, config, message, texts.get("staff-notice-file-too-big", max=MAX_FILE_MB))
        return
    user_id = staff.user_id
    file_name = (document.file_name or "")[:_FILE_NAME_MAX]
    notices = services.notice_service
    try:
        result = await notices.import_file(
            kind, raw, dry_run=True, source=f"staff:{file_name}", created_by=user_id
        )
    except ImportFileError as error:
        await desk.refused(staff, action, error.reason, detail=f"{detail} «{file_name}»")
        send(services, config, message, texts.get(error.reason, detail=error.detail))
        return
    head = texts.get(
        "staff-notice-import-head",
        name=file_name or NONE_NAME,
        kind=texts.plain(f"staff-notice-import-kind-{kind.value}"),
    )
    body = words(texts, config).import_result(result, refused_line(texts))
    if not result.accepted:
        await desk.refused(staff, action, NO_ROWS, detail=f"{detail} «{file_name}»")
        send(
            services,
            config,
            message,
            f"{head}\n{body}\n\n{texts.get('staff-notice-import-nothing')}",
        )
        return
    draft_id = await notices.add_draft(
        kind=kind.value,
        topic="",
        file_name=file_name,
        content=raw.decode("utf-8-sig"),
        created_by=user_id,
    )
    await desk.done(
        staff,
        action,
        detail=f"draft {draft_id}: {kind.value} «{file_name}», {result.accepted} rows, "
        f"{result.people} people",
    )
    send(
        services,
        config,
        message,
        f"{head}\n{body}\n\n{texts.get('staff-notice-import-confirm')}",
        markup=draft_keyboard(texts, draft_id, "staff-notice-button-schedule"),
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
    given = argument(message)
    if not given:
        return _notify_usage(texts)
    parts = given.split(maxsplit=1)
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


async def cmd_notify(
    message: Message,
    services: Services,
    texts: Texts,
    config: AppConfig,
    staff: StaffMember,
) -> None:
    """/notify TOPIC text: the preview, the audience, «Отправить»/«Отмена»."""
    action = StaffAction.NOTICE_COMPOSE
    given = argument(message).split(maxsplit=1)
    detail = given[0][:32] if given else ""
    refusal = await permitted(services, staff, action, detail=detail)
    if refusal is not None:
        send(services, config, message, error_text(texts, refusal))
        return
    parsed = _parse_notify(texts, message)
    if isinstance(parsed, str):
        await services.staff_desk.refused(staff, action, USAGE, detail=detail)
        send(services, config, message, parsed)
        return
    topic, text = parsed
    user_id = staff.user_id
    notices = services.notice_service
    audience = await notices.audience_size(topic)
    preview_notice = notices.preview(topic, text, created_by=user_id)
    rendered = render_notice(texts, config.zone, preview_notice, [])
    draft_id = await notices.add_draft(
        kind=DRAFT_MESSAGE, topic=topic.value, file_name="", content=text, created_by=user_id
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
    send(
        services,
        config,
        message,
        preview,
        markup=draft_keyboard(texts, draft_id, "staff-notice-button-send"),
    )
