"""The reports' SQL (domain/reports.py): the registry grouped by the database into facts
(GROUP BY with CASE over the registration-date range, which is indexed), and register 4.9
streamed row by row with a server-side cursor. The same statements on SQLite and PostgreSQL;
only the day arithmetic differs by dialect."""

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
    or_,
    select,
    true,
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
    """Days (fractional) from registration to the first answer."""
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
        return Facts(
            period=period,
            appeals=await self._appeal_facts(period, zone),
            answer_times=await self._answer_times(period, zone),
            overdue_now=await self._overdue(period, zone, now),
            surveyed=await self._surveyed(period, zone),
            by_department=await self._by_department(period, zone),
            by_executor=await self._by_executor(period, zone),
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

    async def _appeal_facts(self, period: Period, zone: ZoneInfo) -> tuple[AppealFact, ...]:
        months = period.months()
        bounds = [datetime(m.year, m.month, 1, tzinfo=zone).astimezone(UTC) for m in months[1:]]
        month_index: ColumnElement[int] = (
            case(
                *((A.registered_at < bound, i) for i, bound in enumerate(bounds)),
                else_=len(bounds),
            )
            if bounds
            else literal(0, Integer)
        )
        outcome, ground = _outcome(), _ground()
        keys = (month_index, A.form, A.kind, A.subject, outcome, ground)

        def how_many(condition: ColumnElement[bool]) -> ColumnElement[int]:
            return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

        statement = (
            select(
                *keys,
                func.count(),
                how_many(A.contract_concluded == true()),
                how_many(A.extended == true()),
                how_many(A.reopen_count > 0),
                func.count(A.rating),
                func.coalesce(func.sum(A.rating), 0),
                how_many(A.resolved == true()),
            )
            .select_from(A)
            .where(_in(period, zone))
            .group_by(*keys)
        )
        rows = (await self._uow.session.execute(statement)).all()
        return tuple(
            AppealFact(
                month_index=int(row[0]),
                form=row[1],
                kind=row[2],
                subject=row[3],
                outcome=Outcome(row[4]),
                ground=row[5],
                count=int(row[6]),
                contracts=int(row[7]),
                extended=int(row[8]),
                reopened=int(row[9]),
                rated=int(row[10]),
                rating_sum=int(row[11]),
                resolved=int(row[12]),
            )
            for row in rows
        )

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

    async def _overdue(self, period: Period, zone: ZoneInfo, now: datetime) -> int:
        value = await self._uow.session.scalar(
            select(func.count())
            .select_from(A)
            .where(
                _in(period, zone),
                A.status.in_([status.value for status in OPEN_STATUSES]),
                A.due_at < now,
            )
        )
        return int(value or 0)

    async def _by_executor(self, period: Period, zone: ZoneInfo) -> Mapping[str, int]:
        name = func.coalesce(StaffMemberRow.full_name, literal(""))
        rows = (
            await self._uow.session.execute(
                select(A.assignee_id, name, func.count())
                .select_from(A)
                .outerjoin(StaffMemberRow, StaffMemberRow.user_id == A.assignee_id)
                .where(_in(period, zone))
                .group_by(A.assignee_id, name)
            )
        ).all()
        out: dict[str, int] = {}
        for assignee, full_name, count in rows:
            label = "" if assignee is None else (full_name or f"id {assignee}")
            out[label] = out.get(label, 0) + int(count)
        return dict(sorted(out.items(), key=lambda item: (-item[1], item[0])))

    async def _by_department(self, period: Period, zone: ZoneInfo) -> Mapping[str, int]:
        rows = (
            await self._uow.session.execute(
                select(DepartmentRow.name, func.count())
                .select_from(A)
                .outerjoin(StaffMemberRow, StaffMemberRow.user_id == A.assignee_id)
                .outerjoin(DepartmentRow, DepartmentRow.id == StaffMemberRow.department_id)
                .where(_in(period, zone))
                .group_by(DepartmentRow.name)
            )
        ).all()
        out = {str(name or ""): int(count) for name, count in rows}
        return dict(sorted(out.items(), key=lambda item: (-item[1], item[0])))

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
                page = page.where(
                    or_(
                        A.registered_at > after[0],
                        and_(A.registered_at == after[0], A.id > after[1]),
                    )
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
