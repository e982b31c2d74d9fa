"""The deadline check's SQL (notifier/deadlines.py): the open appeals whose warning stage
moved past the last one queued for them, and the digest's groups, without loading every
open appeal. `deadline_marks` keeps, per appeal, the stage last warned of (1 D-5, 2 D-1,
3 overdue) with the due date it was for, and whether the early warning went; the bounds of
each stage come from domain/deadlines.py `stage_bounds`.

Every statement here reads a bounded part of an index, so none holds SQLite (which answers
on the event loop's thread, storage/sqlite_driver.py) for long: the appeals at a stage are
walked a slice of `ix_appeals_status_due` at a time (`stage_slice`), the early term's in
`ix_appeals_status_registered`, the illegible ones in the partial `ix_appeals_illegible`;
only the appeals that get a warning are read whole (`with_marks`). The digest counts in the
indexes and reads whole only the appeals it lists."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import and_, case, func, not_, or_, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from domain.appeals import OPEN_STATUSES, Appeal
from domain.deadlines import StageBounds
from storage.appeals import _APPEAL, _appeal
from storage.models import DeadlineMarkRow
from storage.models.appeals import ILLEGIBLE_WHERE
from storage.uow import UnitOfWork

_MARK = DeadlineMarkRow.__table__
OPEN = sorted(status.value for status in OPEN_STATUSES)
_OPEN = _APPEAL.c.status.in_(OPEN)
# Marked illegible by staff (domain/screening.py FlagKind.ILLEGIBLE, in the flags' JSON): the
# very predicate of the partial index (a literal, not a bound parameter), which SQLite is
# told to use (`_ILLEGIBLE_HINT`: its planner has no statistics to prefer it by).
_ILLEGIBLE = text(ILLEGIBLE_WHERE)
_ILLEGIBLE_HINT = "INDEXED BY ix_appeals_illegible"
_FROM_MARKS = _APPEAL.outerjoin(_MARK, _MARK.c.appeal_id == _APPEAL.c.id)


def _reached(bounds: StageBounds) -> Any:
    """The stage rank an appeal at a stage has reached by `bounds.now` (by its due date)."""
    due_at = _APPEAL.c.due_at
    return case((due_at < bounds.now, 3), (due_at < bounds.d1_before, 2), else_=1)


# The stage already warned of for the appeal's current due date (0: none, or an older date).
_WARNED = func.coalesce(case((_MARK.c.due_at == _APPEAL.c.due_at, _MARK.c.stage), else_=0), 0)


async def stage_slice(
    uow: UnitOfWork, bounds: StageBounds, *, status: str, after: datetime | None, size: int
) -> tuple[list[int], datetime | None]:
    """Of the appeals in `status` at a stage (due before `bounds.d5_before`), the next slice
    by due date after `after` (None: from the first): about `size` index entries, every
    appeal of the slice's last due date included. Returns the ids of those whose stage moved
    past their mark, and the slice's last due date (None: this slice was the last)."""
    due_at = _APPEAL.c.due_at
    at_stage = [_APPEAL.c.status == status, due_at < bounds.d5_before]
    if after is not None:
        at_stage.append(due_at > after)
    end = await uow.session.scalar(
        select(due_at).where(*at_stage).order_by(due_at).limit(1).offset(size - 1)
    )
    if end is not None:
        at_stage.append(due_at <= end)
    query = (
        select(_APPEAL.c.id)
        .select_from(_FROM_MARKS)
        .where(*at_stage, _reached(bounds) > _WARNED)
        .order_by(due_at, _APPEAL.c.id)
    )
    return [int(row[0]) for row in (await uow.session.execute(query)).all()], end


async def early_due(uow: UnitOfWork, bounds: StageBounds) -> list[int]:
    """The open appeals in the early term's days (registered within the bounds) whose early
    warning has not gone."""
    query = (
        select(_APPEAL.c.id)
        .select_from(_FROM_MARKS)
        .where(
            _OPEN,
            _APPEAL.c.registered_at >= bounds.early_from,
            _APPEAL.c.registered_at < bounds.early_before,
            not_(func.coalesce(_MARK.c.early, False)),
        )
    )
    return [int(row[0]) for row in (await uow.session.execute(query)).all()]


async def illegible_ids(uow: UnitOfWork) -> list[int]:
    """The open appeals staff marked illegible (few: the 7 days' stage is checked on them)."""
    query = (
        select(_APPEAL.c.id)
        .where(_ILLEGIBLE, _OPEN)
        .with_hint(_APPEAL, _ILLEGIBLE_HINT, dialect_name="sqlite")
    )
    return [int(row[0]) for row in (await uow.session.execute(query)).all()]


async def with_marks(
    uow: UnitOfWork, ids: Sequence[int], bounds: StageBounds
) -> list[tuple[Appeal, bool, int]]:
    """The appeals `ids`, by (due_at, id), each with whether its early warning is due and not
    sent, and the stage rank already warned of for its current due date (0: none)."""
    if not ids:
        return []
    early = and_(
        _APPEAL.c.registered_at >= bounds.early_from,
        _APPEAL.c.registered_at < bounds.early_before,
        not_(func.coalesce(_MARK.c.early, False)),
    )
    query = (
        select(_APPEAL, early.label("early_due"), _WARNED.label("warned"))
        .select_from(_FROM_MARKS)
        .where(_APPEAL.c.id.in_(ids))
        .order_by(_APPEAL.c.due_at, _APPEAL.c.id)
    )
    rows = (await uow.session.execute(query)).all()
    return [(_appeal(row), bool(row.early_due), int(row.warned)) for row in rows]


@lru_cache(maxsize=4)
def _upsert(dialect: str) -> Any:
    insert_ = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert_(DeadlineMarkRow)
    return statement.on_conflict_do_update(
        index_elements=[DeadlineMarkRow.appeal_id],
        set_={
            "due_at": statement.excluded.due_at,
            "stage": statement.excluded.stage,
            # Once sent, the early warning stays sent.
            "early": or_(DeadlineMarkRow.early, statement.excluded.early),
        },
    )


def mark(
    uow: UnitOfWork, appeal_id: int, *, due_at: datetime | None, stage: int, early: bool
) -> None:
    """Record what was queued for the appeal, written with the caller's commit together with
    the warnings (`early` only ever turns true)."""
    uow.defer(
        _upsert(uow.session.bind.dialect.name),
        {"appeal_id": appeal_id, "due_at": due_at, "stage": stage, "early": early},
        effect=True,
    )


async def digest_groups(
    uow: UnitOfWork, *, now: datetime, today_ends: datetime, shown: int
) -> list[tuple[int, list[Appeal]]]:
    """The digest's groups among the open appeals: due today (not yet missed), overdue,
    unassigned; each as (how many, the first `shown` by due date and id). Counted and
    chosen in the indexes (`ix_appeals_status_due`, `ix_appeals_status_assignee`); only the
    appeals shown are read whole."""
    due_at = _APPEAL.c.due_at
    groups = [
        and_(due_at >= now, due_at < today_ends),
        due_at < now,
        _APPEAL.c.assignee_id.is_(None),
    ]
    counted: list[tuple[int, list[int]]] = []
    for condition in groups:
        count = await uow.session.scalar(
            select(func.count()).select_from(_APPEAL).where(_OPEN, condition)
        )
        first = await uow.session.execute(
            select(_APPEAL.c.id)
            .where(_OPEN, condition)
            .order_by(due_at, _APPEAL.c.id)
            .limit(shown)
        )
        counted.append((int(count or 0), [int(row[0]) for row in first.all()]))
    wanted = sorted({appeal_id for _, ids in counted for appeal_id in ids})
    appeals = await by_ids(uow, wanted)
    return [(count, [appeals[i] for i in ids]) for count, ids in counted]


async def by_ids(uow: UnitOfWork, ids: Sequence[int]) -> dict[int, Appeal]:
    if not ids:
        return {}
    rows = (await uow.session.execute(select(_APPEAL).where(_APPEAL.c.id.in_(ids)))).all()
    return {int(row.id): _appeal(row) for row in rows}


async def illegible_open(uow: UnitOfWork) -> list[Appeal]:
    """The open appeals staff marked illegible, whole."""
    return list((await by_ids(uow, await illegible_ids(uow))).values())
