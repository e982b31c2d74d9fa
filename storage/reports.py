"""The reports' SQL (domain/reports.py): the registry grouped by the database into facts
(one GROUP BY per month over the covering index ix_appeals_report, migration 0023; see
docs/reports.md «Performance»), and register 4.9 streamed row by row (a server-side cursor on
PostgreSQL, keyset pages on SQLite). The same statements on SQLite and PostgreSQL; the day
arithmetic differs by dialect, and SQLite is told which index to use (INDEXED BY)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import nullcontext
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Float,
    Integer,
    String,
    and_,
    case,
    cast,
    extract,
    func,
    insert,
    literal_column,
    select,
    true,
    update,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import Select

from domain.appeal_model import OPEN_STATUSES, AppealStatus
from domain.reports import (
    AnswerTimes,
    AppealFact,
    Facts,
    Outcome,
    Period,
    RegisterRow,
    utc_offsets,
)
from storage.models import (
    AppealRow,
    AppealSurveyRow,
    BookingRow,
    DepartmentRow,
    OutboxRow,
    ReadingSubmissionRow,
    ReportPostingRow,
    StaffMemberRow,
)
from storage.sqlite_driver import InlineConnection
from storage.uow import UnitOfWork, sqlite_value

A = AppealRow
# SQLite's planner picks the registered_at index for a period's range (then sorts a million
# rows to group them) unless told; with the index's statistics (migration 0023) it skip-scans
# the reports' index to the range inside each group. PostgreSQL ignores the hint.
REPORT_INDEX = "ix_appeals_report"
_NOT_ANSWERED = (AppealStatus.REJECTED.value, AppealStatus.FORWARDED.value)


def _in(period: Period, zone: ZoneInfo) -> ColumnElement[bool]:
    start, end = period.bounds(zone)
    return and_(A.registered_at >= start, A.registered_at < end)


def _answer_days(dialect: str) -> ColumnElement[float]:
    """Days (fractional) from registration to the first answer. On PostgreSQL migration
    0025 keeps statistics on the whole days of exactly this expression (so the planner knows
    they are a few dozen and aggregates in parallel): change both together. date_part, not
    EXTRACT: since PostgreSQL 14 EXTRACT gives a numeric, whose arithmetic took half of the
    histogram's time at a million appeals (date_part gives a double)."""
    if dialect == "sqlite":
        return cast(func.julianday(A.first_answered_at) - func.julianday(A.registered_at), Float)
    epoch = func.date_part(_code("epoch"), A.first_answered_at - A.registered_at)
    return cast(epoch / literal_column("86400.0"), Float)


# Register rows per page: one fetch each (a round trip on PostgreSQL, a step of SQLite on the
# event loop's thread), and what the writers turn into XLSX rows before the next await.
_PAGE = 2000
# date.toordinal() of 1970-01-01: day 0 of the Unix epoch.
_EPOCH_ORDINAL = 719163
_SECONDS_A_DAY = 86400


def _local_seconds(dialect: str, period: Period, zone: ZoneInfo) -> ColumnElement[int]:
    """Whole seconds since the Unix epoch, in the company's local time, of each appeal's
    registration: the stored UTC moment plus the zone's offset, a constant per piece of the
    period (domain.reports.utc_offsets), so the database does the conversion."""
    if dialect == "sqlite":
        # unixepoch(): SQLite 3.38 (2022); the text moments parse in C.
        utc: ColumnElement[int] = func.unixepoch(A.registered_at)
    else:
        utc = cast(func.floor(extract("epoch", A.registered_at)), BigInteger)
    pieces = utc_offsets(*period.bounds(zone), zone)
    offset: ColumnElement[int] = literal_column(str(pieces[-1][1]))
    if len(pieces) > 1:
        offset = case(
            *(
                (A.registered_at < following[0], literal_column(str(piece[1])))
                for piece, following in pairwise(pieces)
            ),
            else_=offset,
        )
    return utc + offset


def _code(value: str) -> ColumnElement[str]:
    """One of our own codes as a literal of the statement (no bound parameter)."""
    return literal_column(f"'{value}'", String)


def _register_statement(dialect: str, period: Period, zone: ZoneInfo) -> Select[Any]:
    """Register 4.9's rows in RegisterRow's order, oldest first; everything per row that
    SQL can do is done there (the outcome, the ground, the local date and time, empty
    measures), so a row reaches the writers as the driver made it."""
    local = _local_seconds(dialect, period, zone)
    outcome = case(
        (
            and_(A.first_answered_at.is_not(None), A.first_answered_at <= A.due_at),
            _code(Outcome.ON_TIME.value),
        ),
        (A.first_answered_at.is_not(None), _code(Outcome.LATE.value)),
        (A.status.in_([_code(s) for s in _NOT_ANSWERED]), _code(Outcome.UNANSWERED.value)),
        else_=_code(Outcome.OPEN.value),
    )
    ground = case(
        (A.status == _code(AppealStatus.FORWARDED.value), _code("forwarded")),
        else_=A.rejection_ground,
    )
    return (
        select(
            A.number,
            local // _SECONDS_A_DAY + _EPOCH_ORDINAL,
            local % _SECONDS_A_DAY,
            A.form,
            A.kind,
            A.subject,
            outcome,
            ground,
            func.coalesce(A.measures_taken, _code("")),
            func.coalesce(A.measures_planned, _code("")),
        )
        .where(_in(period, zone))
        .order_by(A.registered_at, A.id)
    )


def _driver_statement(statement: Select[Any], dialect: Dialect) -> tuple[str, list[Any]]:
    """The statement as the driver takes it: its SQL and its parameters (the period's bounds)
    as SQLAlchemy would bind them."""
    compiled = statement.compile(dialect=dialect)
    values = [compiled.params[name] for name in compiled.positiontup or ()]
    if dialect.name == "sqlite":
        values = [sqlite_value(value) for value in values]
    return compiled.string, values


class SqlReports:
    """The ReportStore port (services/reports.py) over a unit of work."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    @property
    def _dialect(self) -> str:
        return str(self._uow.session.bind.dialect.name)

    async def facts(self, period: Period, zone: ZoneInfo, *, now: datetime) -> Facts:
        by_executor, by_department = await self._by_assignee(period, zone)
        appeals, overdue_now = await self._appeal_facts(period, zone, now)
        return Facts(
            period=period,
            appeals=appeals,
            answer_times=await self._answer_times(period, zone),
            overdue_now=overdue_now,
            surveyed=await self._surveyed(period, zone),
            by_department=by_department,
            by_executor=by_executor,
            readings_by_channel=await self._count_by(
                ReadingSubmissionRow.channel,
                ReadingSubmissionRow.submitted_at,
                period,
                zone,
            ),
            readings_by_window=await self._count_by(
                ReadingSubmissionRow.period,
                ReadingSubmissionRow.submitted_at,
                period,
                zone,
            ),
            bookings=await self._count_by(BookingRow.status, BookingRow.starts_at, period, zone),
            notices=await self._count_by(
                OutboxRow.status,
                OutboxRow.created_at,
                period,
                zone,
                OutboxRow.notice_id.is_not(None),
            ),
        )

    async def _appeal_facts(
        self, period: Period, zone: ZoneInfo, now: datetime
    ) -> tuple[tuple[AppealFact, ...], int]:
        """One GROUP BY per month of the period over plain columns and the on-time test —
        the first terms of `ix_appeals_report`, so SQLite aggregates in the index's order
        without sorting and PostgreSQL estimates the groups right (a hash aggregate); the
        outcome and the ground are then named per group (a few thousand) from the status.
        Also the appeals still open whose term has passed by `now` (in the same pass)."""
        start, end = period.bounds(zone)
        months = period.months()
        edges = [
            start,
            *(datetime(m.year, m.month, 1, tzinfo=zone).astimezone(UTC) for m in months[1:]),
            end,
        ]
        on_time = A.first_answered_at <= A.due_at
        keys = (A.form, A.kind, A.subject, A.status, A.rejection_ground, on_time)

        def how_many(condition: ColumnElement[bool]) -> ColumnElement[int]:
            return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

        aggregates = (
            func.count(),
            how_many(A.contract_concluded == true()),
            how_many(A.extended == true()),
            how_many(A.reopen_count > 0),
            func.count(A.rating),
            func.coalesce(func.sum(A.rating), 0),
            how_many(A.resolved == true()),
            how_many(A.due_at < now),
        )
        open_statuses = {status.value for status in OPEN_STATUSES}
        overdue = 0
        merged: dict[tuple[int, str, str, str, Outcome, str | None], list[int]] = {}
        for index in range(len(edges) - 1):
            statement = (
                select(*keys, *aggregates)
                .select_from(A)
                .with_hint(A, f"INDEXED BY {REPORT_INDEX}", dialect_name="sqlite")
                .where(A.registered_at >= edges[index], A.registered_at < edges[index + 1])
                .group_by(*keys)
            )
            for row in (await self._uow.session.execute(statement)).all():
                form, kind, subject, status, rejection, timely = row[:6]
                if status in open_statuses:
                    overdue += int(row[13])
                if timely is not None:
                    outcome = Outcome.ON_TIME if timely else Outcome.LATE
                elif status in _NOT_ANSWERED:
                    outcome = Outcome.UNANSWERED
                else:
                    outcome = Outcome.OPEN
                ground = "forwarded" if status == AppealStatus.FORWARDED.value else rejection
                sums = merged.setdefault((index, form, kind, subject, outcome, ground), [0] * 7)
                for position, value in enumerate(row[6:13]):
                    sums[position] += int(value)
        facts = tuple(
            AppealFact(
                month_index=key[0],
                form=key[1],
                kind=key[2],
                subject=key[3],
                outcome=key[4],
                ground=key[5],
                count=sums[0],
                contracts=sums[1],
                extended=sums[2],
                reopened=sums[3],
                rated=sums[4],
                rating_sum=sums[5],
                resolved=sums[6],
            )
            for key, sums in merged.items()
        )
        return facts, overdue

    async def _answer_times(self, period: Period, zone: ZoneInfo) -> AnswerTimes:
        days = _answer_days(self._dialect)
        answered = and_(_in(period, zone), A.first_answered_at.is_not(None))
        whole = (
            cast(func.floor(days), Integer) if self._dialect != "sqlite" else cast(days, Integer)
        )
        # One pass: per whole day, the count, the exact sum and the longest; the mean and
        # the maximum come from them exactly, the median from the histogram.
        rows = (
            await self._uow.session.execute(
                select(whole, func.count(), func.sum(days), func.max(days))
                .select_from(A)
                .with_hint(A, "INDEXED BY ix_appeals_answer_days", dialect_name="sqlite")
                .where(answered)
                .group_by(whole)
            )
        ).all()
        count = sum(int(row[1]) for row in rows)
        return AnswerTimes(
            answered=count,
            mean_days=round(sum(float(row[2]) for row in rows) / count, 2) if count else None,
            max_days=round(max(float(row[3]) for row in rows), 2) if rows else None,
            histogram={int(row[0]): int(row[1]) for row in rows},
        )

    async def _surveyed(self, period: Period, zone: ZoneInfo) -> int:
        """Answers after which the survey was offered (in the chat, by e-mail, at the next
        contact): from the surveys' table, joined to the period's appeals."""
        value = await self._uow.session.scalar(
            select(func.count())
            .select_from(AppealSurveyRow)
            .join(A, A.id == AppealSurveyRow.appeal_id)
            .where(_in(period, zone), AppealSurveyRow.mode != "none")
        )
        return int(value or 0)

    async def _by_assignee(
        self, period: Period, zone: ZoneInfo
    ) -> tuple[Mapping[str, int], Mapping[str, int]]:
        """The period's appeals by executor and by the executor's department: one GROUP BY
        over the appeals (the assignee is in the reports' index), then the few staff rows."""
        counts = (
            await self._uow.session.execute(
                select(A.assignee_id, func.count())
                .select_from(A)
                .with_hint(A, f"INDEXED BY {REPORT_INDEX}", dialect_name="sqlite")
                .where(_in(period, zone))
                .group_by(A.assignee_id)
            )
        ).all()
        assignees = [int(assignee) for assignee, _ in counts if assignee is not None]
        staff: dict[int, tuple[str, str]] = {}
        if assignees:
            rows = (
                await self._uow.session.execute(
                    select(StaffMemberRow.user_id, StaffMemberRow.full_name, DepartmentRow.name)
                    .outerjoin(DepartmentRow, DepartmentRow.id == StaffMemberRow.department_id)
                    .where(StaffMemberRow.user_id.in_(assignees))
                )
            ).all()
            staff = {int(user): (full_name or "", name or "") for user, full_name, name in rows}
        executors: dict[str, int] = {}
        departments: dict[str, int] = {}
        for assignee, count in counts:
            full_name, department = ("", "")
            if assignee is not None:
                full_name, department = staff.get(int(assignee), ("", ""))
            label = "" if assignee is None else (full_name or f"id {assignee}")
            executors[label] = executors.get(label, 0) + int(count)
            departments[department] = departments.get(department, 0) + int(count)

        def ordered(out: dict[str, int]) -> dict[str, int]:
            return dict(sorted(out.items(), key=lambda item: (-item[1], item[0])))

        return ordered(executors), ordered(departments)

    async def _count_by(
        self,
        key: Any,
        moment: Any,
        period: Period,
        zone: ZoneInfo,
        *where: ColumnElement[bool],
    ) -> Mapping[str, int]:
        start, end = period.bounds(zone)
        rows = (
            await self._uow.session.execute(
                select(key, func.count())
                .where(moment >= start, moment < end, *where)
                .group_by(key)
            )
        ).all()
        return dict(sorted((str(k), int(c)) for k, c in rows))

    async def register(
        self, period: Period, zone: ZoneInfo
    ) -> AsyncIterator[Sequence[RegisterRow]]:
        """Register 4.9's rows, oldest first, in pages of `_PAGE`, in constant memory: one
        statement read through the driver itself (SQLAlchemy's row processing measured most
        of the time): a server-side cursor on PostgreSQL; on SQLite a cursor stepped a page
        at a time (storage/sqlite_driver.py `pages`)."""
        dialect = self._uow.session.bind.dialect
        sql, parameters = _driver_statement(
            _register_statement(dialect.name, period, zone), dialect
        )
        driver = await self._uow.session.driver_connection()
        if isinstance(driver, InlineConnection):
            async for rows in driver.pages(sql, parameters, _PAGE):
                yield rows
            return
        # asyncpg: a cursor needs a transaction; SQLAlchemy begins one at its first
        # statement, which may not have run yet in this unit of work.
        began = driver.is_in_transaction()
        async with nullcontext() if began else driver.transaction(readonly=True):
            cursor = await driver.cursor(sql, *parameters)
            while page := await cursor.fetch(_PAGE):
                yield page

    # The monthly report, posted once ----------------------------------------------------

    async def claim_month(self, label: str, at: datetime) -> bool:
        """Records that the report of `label` (`2026-11`) is posted; False when it already
        was (by an earlier run, or another worker)."""
        session = self._uow.session
        exists = await session.scalar(
            select(ReportPostingRow.month).where(ReportPostingRow.month == label)
        )
        if exists is not None:
            return False
        try:
            await session.execute(insert(ReportPostingRow).values(month=label, posted_at=at))
        except IntegrityError:
            return False
        self._uow.mark_written()
        return True

    # Staff fill the measures and the contract outcome ------------------------------------

    async def set_outcome(
        self,
        appeal_id: int,
        *,
        measures_taken: str | None = None,
        measures_planned: str | None = None,
        contract_concluded: bool | None = None,
    ) -> None:
        values: dict[str, Any] = {}
        if measures_taken is not None:
            values["measures_taken"] = measures_taken
        if measures_planned is not None:
            values["measures_planned"] = measures_planned
        if contract_concluded is not None:
            values["contract_concluded"] = contract_concluded
        if not values:
            return
        await self._uow.session.execute(update(A).where(A.id == appeal_id).values(**values))
        self._uow.mark_written()
