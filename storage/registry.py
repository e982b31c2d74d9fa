"""The registry of appeals for the web desk (issue 17) over SQLAlchemy Core: a filter
(domain/registry.py) as one WHERE clause, the page of 50 rows, the counts at the top, and
the filtered rows in batches for an export.

The search (number, the appellant's name, the text: the plain columns; see
domain/registry.py) uses a trigram index on both databases, created by migration
0027_webpages: on PostgreSQL a pg_trgm GIN index on the three columns joined, queried with
ILIKE; on SQLite an FTS5 table with the trigram tokenizer, kept by triggers, queried with
MATCH. Both find any run of three or more characters, case-insensitively; a shorter word is
not searched (domain/registry.py TRIGRAM).
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    case,
    false,
    func,
    literal_column,
    select,
    text,
    true,
)

from domain.appeal_model import OPEN_STATUSES
from domain.registry import (
    PAGE_SIZE,
    RegistryCounts,
    RegistryEntry,
    RegistryFilter,
    RegistryPage,
    RegistryScope,
    RegistrySort,
)
from storage.models import AppealRow, StaffMemberRow
from storage.uow import UnitOfWork

A = AppealRow
# The searched text as the PostgreSQL index holds it (migration 0027_webpages): the query
# must use the very expression for the planner to use the index.
PG_SEARCH_TEXT = "(appeals.number || ' ' || appeals.full_name || ' ' || appeals.text)"
SQLITE_SEARCH_TABLE = "appeals_search"
_OPEN = tuple(sorted(status.value for status in OPEN_STATUSES))
# SQLite without statistics (a bot's database is never ANALYZEd after its migrations) takes
# an equality on an indexed column for a narrow one: `status = 'answered'` read 90 000 rows
# through the status index and sorted them (300 ms at 100 000 appeals). When the counts say
# the filter keeps many rows, the page is read in the sort's own index instead and stops
# after 50 (SQLite documents INDEXED BY for such planner corrections; storage/reports.py
# does the same). PostgreSQL keeps statistics per value and plans this itself.
DENSE_ROWS = 2000
_SORT_INDEX: dict[RegistrySort, str] = {
    RegistrySort.RECEIVED: "ix_appeals_received",
    RegistrySort.DUE: "ix_appeals_due_at",
    RegistrySort.STATUS: "ix_appeals_status_due",
}
_ORDER: dict[RegistrySort, tuple[Any, ...]] = {
    RegistrySort.RECEIVED: (A.received_at.desc(), A.id.desc()),
    RegistrySort.DUE: (A.due_at, A.id),
    RegistrySort.NUMBER: (A.year.desc(), A.sequence.desc()),
    RegistrySort.STATUS: (A.status, A.due_at, A.id),
}


def _like_pattern(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _fts_phrase(word: str) -> str:
    """A word as an FTS5 string (a phrase): quotes doubled, so no query syntax gets through."""
    return '"' + word.replace('"', '""') + '"'


def _search_clause(words: tuple[str, ...], dialect: str) -> ColumnElement[bool]:
    """Every word (TRIGRAM characters or more) occurs in the number, the name or the text."""
    if dialect == "postgresql":
        joined: ColumnElement[str] = literal_column(PG_SEARCH_TEXT)
        return and_(*(joined.ilike(_like_pattern(word), escape="\\") for word in words))
    found = text(
        f"SELECT rowid FROM {SQLITE_SEARCH_TABLE} WHERE {SQLITE_SEARCH_TABLE} MATCH :phrases"
    ).bindparams(phrases=" AND ".join(_fts_phrase(word) for word in words))
    return A.id.in_(found.columns(rowid=Integer))


def _executors_of(department_id: int) -> Select[Any]:
    return select(StaffMemberRow.user_id).where(StaffMemberRow.department_id == department_id)


def registry_clause(
    wanted: RegistryFilter, scope: RegistryScope, *, now: datetime, dialect: str
) -> ColumnElement[bool]:
    """The WHERE clause of a filter, the viewer's scope included (never filtered in Python)."""
    terms: list[ColumnElement[bool]] = [true() if scope.everything else false()]
    if wanted.statuses:
        terms.append(A.status.in_(sorted(wanted.statuses)))
    if wanted.kinds:
        terms.append(A.kind.in_(sorted(wanted.kinds)))
    if wanted.subjects:
        terms.append(A.subject.in_(sorted(wanted.subjects)))
    if wanted.forms:
        terms.append(A.form.in_(sorted(wanted.forms)))
    if wanted.executor_id is not None:
        terms.append(A.assignee_id == wanted.executor_id)
    if wanted.department_id is not None:
        terms.append(A.assignee_id.in_(_executors_of(wanted.department_id)))
    if wanted.received_from is not None:
        terms.append(A.received_at >= wanted.received_from)
    if wanted.received_until is not None:
        terms.append(A.received_at < wanted.received_until)
    if wanted.due_from is not None:
        terms.append(A.due_at >= wanted.due_from)
    if wanted.due_until is not None:
        terms.append(A.due_at < wanted.due_until)
    if wanted.overdue or wanted.due_within_days is not None:
        terms.append(A.status.in_(_OPEN))
    if wanted.overdue:
        terms.append(A.due_at < now)
    if wanted.due_within_days is not None:
        terms.append(A.due_at >= now)
        terms.append(A.due_at < now + timedelta(days=wanted.due_within_days))
    if wanted.rating is not None:
        terms.append(A.rating == wanted.rating)
    if wanted.words:
        terms.append(_search_clause(wanted.words, dialect))
    return and_(*terms)


def registry_order(sort: RegistrySort) -> tuple[Any, ...]:
    return _ORDER[sort]


class SqlRegistry:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    @property
    def _dialect(self) -> str:
        return str(self._uow.session.bind.dialect.name)

    def clause(
        self, wanted: RegistryFilter, scope: RegistryScope, *, now: datetime
    ) -> ColumnElement[bool]:
        return registry_clause(wanted, scope, now=now, dialect=self._dialect)

    async def counts(
        self, wanted: RegistryFilter, scope: RegistryScope, *, now: datetime, week_end: datetime
    ) -> RegistryCounts:
        """Total, open, overdue and due before `week_end` (not yet overdue), in one pass."""
        is_open = A.status.in_(_OPEN)
        row = (
            await self._uow.session.execute(
                select(
                    func.count(),
                    func.coalesce(func.sum(case((is_open, 1), else_=0)), 0),
                    func.coalesce(func.sum(case((and_(is_open, A.due_at < now), 1), else_=0)), 0),
                    func.coalesce(
                        func.sum(
                            case(
                                (and_(is_open, A.due_at >= now, A.due_at < week_end), 1),
                                else_=0,
                            )
                        ),
                        0,
                    ),
                ).where(self.clause(wanted, scope, now=now))
            )
        ).one()
        total, opened, overdue, week = (int(value) for value in row)
        return RegistryCounts(total=total, open=opened, overdue=overdue, due_this_week=week)

    async def entries(
        self,
        wanted: RegistryFilter,
        scope: RegistryScope,
        *,
        now: datetime,
        sort: RegistrySort,
        offset: int,
        limit: int = PAGE_SIZE,
        dense: bool = False,
    ) -> list[RegistryEntry]:
        """A page of rows; `dense`: the filter keeps many rows (DENSE_ROWS or more)."""
        query = (
            select(*_ENTRY_COLUMNS)
            .outerjoin(StaffMemberRow, StaffMemberRow.user_id == A.assignee_id)
            .where(self.clause(wanted, scope, now=now))
            .order_by(*registry_order(sort))
            .offset(offset)
            .limit(limit)
        )
        if dense and sort in _SORT_INDEX:
            query = query.with_hint(A, f"INDEXED BY {_SORT_INDEX[sort]}", dialect_name="sqlite")
        result = await self._uow.session.execute(query)
        return [_entry(row) for row in result]

    async def page(
        self,
        wanted: RegistryFilter,
        scope: RegistryScope,
        *,
        now: datetime,
        week_end: datetime,
        sort: RegistrySort,
        page: int,
    ) -> RegistryPage:
        """Page `page` (from 1; past the last one gives the last) with the counts."""
        counts = await self.counts(wanted, scope, now=now, week_end=week_end)
        pages = max(1, math.ceil(counts.total / PAGE_SIZE))
        page = min(max(1, page), pages)
        entries = await self.entries(
            wanted,
            scope,
            now=now,
            sort=sort,
            offset=(page - 1) * PAGE_SIZE,
            dense=counts.total >= DENSE_ROWS,
        )
        return RegistryPage(entries=tuple(entries), counts=counts, page=page, pages=pages)

    async def ids(
        self,
        wanted: RegistryFilter,
        scope: RegistryScope,
        *,
        now: datetime,
        sort: RegistrySort,
        batch: int = 1000,
    ) -> AsyncIterator[list[int]]:
        """The filtered appeals' ids in the registry's order, a batch at a time: an export
        reads each batch's rows in turn. The ids are read at once (100 000 are a few MB):
        no cursor stays open while the batches are read on the same connection."""
        result = await self._uow.session.execute(
            select(A.id).where(self.clause(wanted, scope, now=now)).order_by(*registry_order(sort))
        )
        ids = [int(appeal_id) for appeal_id in result.scalars()]
        for start in range(0, len(ids), batch):
            yield ids[start : start + batch]


_ENTRY_COLUMNS = (
    A.id,
    A.number,
    A.received_at,
    A.kind,
    A.subject,
    A.form,
    A.status,
    A.due_at,
    A.answered_at,
    A.extended,
    A.assignee_id,
    StaffMemberRow.full_name.label("executor_name"),
    A.rating,
)


def _entry(row: Any) -> RegistryEntry:
    return RegistryEntry(
        id=int(row.id),
        number=row.number,
        received_at=row.received_at,
        kind=row.kind,
        subject=row.subject,
        form=row.form,
        status=row.status,
        due_at=row.due_at,
        answered_at=row.answered_at,
        extended=bool(row.extended),
        assignee_id=row.assignee_id,
        executor_name=row.executor_name or "",
        rating=row.rating,
    )
