"""The reports' SQL (domain/reports.py): the registry grouped by the database into facts
(one GROUP BY per month over the covering index ix_appeals_report, migration 0023; see
docs/reports.md «Performance»), and register 4.9 streamed row by row (a server-side cursor on
PostgreSQL, keyset pages on SQLite). The same statements on SQLite and PostgreSQL; the day
arithmetic differs by dialect, and SQLite is told which index to use (INDEXED BY)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    and_,
    case,
    cast,
    extract,
    func,
    insert,
    literal,
    select,
    true,
    tuple_,
    update,
)
from sqlalchemy.exc import IntegrityError

from domain.appeal_model import OPEN_STATUSES, AppealStatus
from domain.reports import (
    AnswerTimes,
    AppealFact,
    Facts,
    Outcome,
    Period,
    RegisterEntry,
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
from storage.uow import UnitOfWork

A = AppealRow
# SQLite's planner picks the registered_at index for a period's range (then sorts a million
# rows to group them) unless told; with the index's statistics (migration 0023) it skip-scans
# the reports' index to the range inside each group. PostgreSQL ignores the hint.
REPORT_INDEX = "ix_appeals_report"
_NOT_ANSWERED = (AppealStatus.REJECTED.value, AppealStatus.FORWARDED.value)


def _outcome() -> ColumnElement[str]:
    """domain.reports.outcome, in SQL."""
    return case(
        (
            and_(A.first_answered_at.is_not(None), A.first_answered_at <= A.due_at),
            literal(Outcome.ON_TIME.value),
        ),
        (A.first_answered_at.is_not(None), literal(Outcome.LATE.value)),
        (A.status.in_(_NOT_ANSWERED), literal(Outcome.UNANSWERED.value)),
        else_=literal(Outcome.OPEN.value),
    )


def _ground() -> ColumnElement[str | None]:
    return case(
        (A.status == AppealStatus.FORWARDED.value, literal("forwarded")),
        else_=A.rejection_ground,
    )


def _in(period: Period, zone: ZoneInfo) -> ColumnElement[bool]:
    start, end = period.bounds(zone)
    return and_(A.registered_at >= start, A.registered_at < end)


def _answer_days(dialect: str) -> ColumnElement[float]:
    """Days (fractional) from registration to the first answer. On PostgreSQL migration
    0023 keeps statistics on the whole days of exactly this expression (so the planner knows
    they are a few dozen and aggregates in parallel): change both together."""
    if dialect == "sqlite":
        return cast(func.julianday(A.first_answered_at) - func.julianday(A.registered_at), Float)
    return cast(extract("epoch", A.first_answered_at - A.registered_at) / 86400.0, Float)


_PAGE = 5000


def _entry(row: Any, zone: ZoneInfo) -> RegisterEntry:
    return RegisterEntry(
        number=row[0],
        registered_at=row[1].astimezone(zone),
        form=row[2],
        kind=row[3],
        subject=row[4],
        outcome=Outcome(row[5]),
        ground=row[6],
        measures_taken=row[7] or "",
        measures_planned=row[8] or "",
    )


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

    async def register(self, period: Period, zone: ZoneInfo) -> AsyncIterator[RegisterEntry]:
        """Register 4.9's appeals, oldest first, in constant memory: a server-side cursor on
        PostgreSQL; on SQLite (whose async driver reads a streamed result whole) pages of
        `_PAGE` rows, each after the last one's (registered_at, id) — the index's order."""
        columns = (
            A.number,
            A.registered_at,
            A.form,
            A.kind,
            A.subject,
            _outcome(),
            _ground(),
            A.measures_taken,
            A.measures_planned,
            A.id,
        )
        ordered = select(*columns).where(_in(period, zone)).order_by(A.registered_at, A.id)
        if self._dialect != "sqlite":
            result = await self._uow.session.stream(ordered.execution_options(yield_per=2000))
            try:
                async for partition in result.partitions():
                    for row in partition:
                        yield _entry(row, zone)
            finally:
                await result.close()
            return
        after: tuple[datetime, int] | None = None
        while True:
            page = ordered.limit(_PAGE)
            if after is not None:
                # A row value: SQLite seeks the index to it (an OR of the two parts costs
                # a filter on every row of the page's range).
                page = page.where(
                    tuple_(A.registered_at, A.id)
                    > tuple_(literal(after[0], A.registered_at.type), literal(after[1]))
                )
            rows = (await self._uow.session.execute(page)).all()
            for row in rows:
                yield _entry(row, zone)
            if len(rows) < _PAGE:
                return
            after = (rows[-1][1], int(rows[-1][9]))

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
