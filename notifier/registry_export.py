"""The appeals registry as CSV (SPEC §9, the per-appeal register), with what the issue-13
audit asked for: the notices sent outside Telegram (letters, calls, e-mails: open or done)
and how the survey went after the answer (in the chat, by e-mail, at the next contact, not
surveyed) — so an appeal answered by post is neither missing from the figures nor counted as
a Telegram one. No personal data: numbers, dates, categories, outcomes."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select

from core.texts import Texts
from domain.appeals import AppealAction
from domain.registry import RegistryFilter, RegistryScope, RegistrySort
from domain.screening import FlagKind
from domain.spreadsheet import csv_writer, safe_cell
from domain.surveys import SurveyFigure
from services.ports import AppealTask
from storage.models import AppealEventRow, AppealRow, AppealSurveyRow
from storage.registry import SqlRegistry
from storage.staff import SqlAppealTasks
from storage.uow import UnitOfWork

REGISTRY_HEADER = (
    "number",
    "registered_at",
    "received_at",
    "form",
    "kind",
    "subject",
    "status",
    "due_at",
    "answered_at",
    "answer_channel",
    "notices_outside_telegram",
    "survey",
    "rating",
    "resolved",
    "illegible_notice",
)
# When the appellant was told their text is illegible: the first rejection (ст. 11 ч. 4).
_REJECTED_AT = (
    select(func.min(AppealEventRow.at))
    .where(
        AppealEventRow.appeal_id == AppealRow.id,
        AppealEventRow.action == AppealAction.REJECT.value,
    )
    .correlate(AppealRow)
    .scalar_subquery()
)
SURVEY_HEADER = ("survey", "answers", "rated", "rated_by_staff", "mean_rating", "resolved")


@dataclass(frozen=True, slots=True)
class RegistryRow:
    number: str
    registered_at: datetime
    # 59-ФЗ ст. 8 ч. 2: when it reached the company (None before it was kept apart).
    received_at: datetime | None
    form: str
    kind: str
    subject: str
    status: str
    due_at: datetime
    answered_at: datetime | None
    answer_channel: str
    tasks: tuple[AppealTask, ...]
    survey: str | None
    rating: int | None
    resolved: bool | None
    # 59-ФЗ ст. 11 ч. 4 for an appeal staff marked illegible: the 7 days' end, and when the
    # appellant was told (the rejection on that ground); None when not marked / not told.
    illegible_tell_by: datetime | None = None
    illegible_told_at: datetime | None = None


_REGISTRY_COLUMNS = (
    AppealRow.id,
    AppealRow.number,
    AppealRow.registered_at,
    AppealRow.received_at,
    AppealRow.form,
    AppealRow.kind,
    AppealRow.subject,
    AppealRow.status,
    AppealRow.due_at,
    AppealRow.answered_at,
    AppealRow.answer_channel,
    AppealRow.rating,
    AppealRow.resolved,
    AppealSurveyRow.mode,
    AppealRow.flags,
    _REJECTED_AT.label("rejected_at"),
)


def _registry_select() -> Select[Any]:
    return select(*_REGISTRY_COLUMNS).outerjoin(
        AppealSurveyRow, AppealSurveyRow.appeal_id == AppealRow.id
    )


async def registry_rows(uow: UnitOfWork, since: datetime, until: datetime) -> list[RegistryRow]:
    """The appeals registered in [since, until), oldest first, with their tasks."""
    result = await uow.session.execute(
        _registry_select()
        .where(AppealRow.registered_at >= since, AppealRow.registered_at < until)
        .order_by(AppealRow.registered_at, AppealRow.id)
    )
    return await _with_tasks(uow, result.all())


async def registry_rows_of(uow: UnitOfWork, ids: Sequence[int]) -> list[RegistryRow]:
    """The appeals `ids` (a batch of a filtered export: storage/registry.py), in that order."""
    result = await uow.session.execute(_registry_select().where(AppealRow.id.in_(ids)))
    place = {appeal_id: n for n, appeal_id in enumerate(ids)}
    return await _with_tasks(uow, sorted(result.all(), key=lambda row: place[int(row.id)]))


async def filtered_registry_rows(
    uow: UnitOfWork,
    wanted: RegistryFilter,
    scope: RegistryScope,
    *,
    now: datetime,
    sort: RegistrySort,
) -> AsyncIterator[list[RegistryRow]]:
    """What the web registry shows for a filter, as export rows, a batch at a time."""
    async for ids in SqlRegistry(uow).ids(wanted, scope, now=now, sort=sort):
        yield await registry_rows_of(uow, ids)


async def _with_tasks(uow: UnitOfWork, rows: Sequence[Any]) -> list[RegistryRow]:
    tasks = await SqlAppealTasks(uow).of_appeals([int(row.id) for row in rows])
    return [
        RegistryRow(
            number=row.number,
            registered_at=row.registered_at,
            received_at=row.received_at,
            form=row.form,
            kind=row.kind,
            subject=row.subject,
            status=row.status,
            due_at=row.due_at,
            answered_at=row.answered_at,
            answer_channel=row.answer_channel,
            tasks=tuple(task for task in tasks.get(int(row.id), ()) if task.kind is not None),
            survey=row.mode,
            rating=row.rating,
            resolved=row.resolved,
            illegible_tell_by=_tell_by(row.flags),
            illegible_told_at=row.rejected_at,
        )
        for row in rows
    ]


def _tell_by(flags: list[dict[str, str]] | None) -> datetime | None:
    for flag in flags or []:
        if flag.get("kind") == FlagKind.ILLEGIBLE.value:
            return datetime.fromisoformat(flag["detail"])
    return None


def illegible_notice(row: RegistryRow, now: datetime) -> str:
    """ст. 11 ч. 4 stage of a marked appeal: `in_time` or `late` once told (rejected), `open`
    while its 7 days run, `late` once they are over untold; "" when not marked."""
    if row.illegible_tell_by is None:
        return ""
    told = row.illegible_told_at
    if told is None:
        return "late" if now > row.illegible_tell_by else "open"
    return "late" if told > row.illegible_tell_by else "in_time"


def _moment(value: datetime | None, zone: ZoneInfo) -> str:
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M") if value is not None else ""


def _tasks(tasks: Sequence[AppealTask], texts: Texts, zone: ZoneInfo) -> str:
    """`letter: extension — done 2026-12-04 10:00; call: answer — open`, in Russian."""
    parts = []
    for task in tasks:
        done = _moment(task.done_at, zone)
        parts.append(
            texts.plain(
                "registry-task",
                channel=task.channel,
                what=texts.plain("notice-kind", kind=task.kind or ""),
                state="done" if done else ("retry" if task.attempts else "open"),
                done=done,
                attempts=task.attempts,
            )
        )
    return "; ".join(parts)


def registry_cells(
    row: RegistryRow, texts: Texts, *, zone: ZoneInfo, now: datetime
) -> tuple[Any, ...]:
    """One appeal's row of the registry file, in REGISTRY_HEADER's order."""
    return (
        row.number,
        _moment(row.registered_at, zone),
        _moment(row.received_at or row.registered_at, zone),
        row.form,
        row.kind,
        row.subject,
        row.status,
        _moment(row.due_at, zone),
        _moment(row.answered_at, zone),
        row.answer_channel,
        _tasks(row.tasks, texts, zone),
        row.survey or "",
        row.rating if row.rating is not None else "",
        "" if row.resolved is None else ("yes" if row.resolved else "no"),
        illegible_notice(row, now),
    )


def registry_csv(
    rows: Sequence[RegistryRow], texts: Texts, *, zone: ZoneInfo, now: datetime, first: bool = True
) -> bytes:
    """UTF-8 with a BOM (Excel shows the Cyrillic), comma-separated, one row per appeal. A
    streamed file is written in parts: only the `first` has the BOM and the header."""
    buffer = io.StringIO()
    writer = csv_writer(buffer, lineterminator="\r\n")
    if first:
        writer.writerow(REGISTRY_HEADER)
    for row in rows:
        writer.writerow(registry_cells(row, texts, zone=zone, now=now))
    return buffer.getvalue().encode("utf-8-sig" if first else "utf-8")


async def registry_csv_stream(
    batches: AsyncIterator[Sequence[RegistryRow]],
    texts: Texts,
    *,
    zone: ZoneInfo,
    now: datetime,
) -> AsyncIterator[bytes]:
    """The registry file a batch at a time (a web download), the header first even when
    there is no row."""
    yield registry_csv((), texts, zone=zone, now=now)
    async for batch in batches:
        yield registry_csv(batch, texts, zone=zone, now=now, first=False)


async def write_registry_xlsx(
    batches: AsyncIterator[Sequence[RegistryRow]],
    target: str | IO[bytes],
    texts: Texts,
    *,
    zone: ZoneInfo,
    now: datetime,
) -> int:
    """The registry as a one-sheet workbook, the same columns as the CSV, written in
    constant memory (xlsxwriter writes each row out as it goes). Returns the row count."""
    import xlsxwriter

    book = xlsxwriter.Workbook(
        target,
        {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False},
    )
    count = 0
    try:
        sheet = book.add_worksheet("registry")
        sheet.write_row(0, 0, REGISTRY_HEADER, book.add_format({"bold": True}))
        sheet.freeze_panes(1, 0)
        async for batch in batches:
            for row in batch:
                count += 1
                # Text cells of an XLSX are never run, but a user may save it as CSV.
                cells = [
                    safe_cell(cell) for cell in registry_cells(row, texts, zone=zone, now=now)
                ]
                sheet.write_row(count, 0, cells)
    finally:
        book.close()
    return count


def survey_csv(figures: Sequence[SurveyFigure]) -> bytes:
    """The satisfaction figures by how the survey went, one row per way."""
    buffer = io.StringIO()
    writer = csv_writer(buffer, lineterminator="\r\n")
    writer.writerow(SURVEY_HEADER)
    for figure in figures:
        mean = f"{figure.mean_rating:.2f}" if figure.mean_rating is not None else ""
        writer.writerow(
            (
                figure.mode.value,
                figure.answers,
                figure.rated,
                figure.rated_by_staff,
                mean,
                figure.resolved,
            )
        )
    return buffer.getvalue().encode("utf-8-sig")
