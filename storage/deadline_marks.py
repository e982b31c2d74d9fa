"""The deadline check's SQL (notifier/deadlines.py): the open appeals whose warning stage
moved past the last one queued for them, and the digest's groups, without loading every
open appeal. `deadline_marks` keeps, per appeal, the stage last warned of (1 D-5, 2 D-1,
3 overdue) with the due date it was for, and whether the early warning went; the bounds of
each stage come from domain/deadlines.py `stage_bounds`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, and_, case, cast, func, not_, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from domain.appeals import OPEN_STATUSES, Appeal
from domain.deadlines import StageBounds
from storage.appeals import _APPEAL, _appeal
from storage.models import DeadlineMarkRow
from storage.uow import UnitOfWork

_MARK = DeadlineMarkRow.__table__
_OPEN = _APPEAL.c.status.in_([status.value for status in OPEN_STATUSES])
# Marked illegible by staff (domain/screening.py FlagKind.ILLEGIBLE, in the flags' JSON).
_ILLEGIBLE = cast(_APPEAL.c.flags, String).like('%"illegible"%')


async def to_warn(uow: UnitOfWork, bounds: StageBounds) -> list[tuple[Appeal, bool, int]]:
    """The open appeals with a warning to queue at `bounds.now`, by (due_at, id): each with
    whether its early warning is due and not sent, and the stage rank already warned of for
    its current due date (0: none)."""
    due_at = _APPEAL.c.due_at
    reached = case(
        (due_at < bounds.now, 3),
        (due_at < bounds.d1_before, 2),
        else_=1,
    )
    warned = case((_MARK.c.due_at == due_at, _MARK.c.stage), else_=0)
    early_due = and_(
        _APPEAL.c.registered_at >= bounds.early_from,
        _APPEAL.c.registered_at < bounds.early_before,
        not_(func.coalesce(_MARK.c.early, False)),
    )
    stage_due = and_(due_at < bounds.d5_before, func.coalesce(warned, 0) < reached)
    query = (
        select(_APPEAL, early_due.label("early_due"), func.coalesce(warned, 0).label("warned"))
        .select_from(_APPEAL.outerjoin(_MARK, _MARK.c.appeal_id == _APPEAL.c.id))
        .where(_OPEN, or_(stage_due, early_due, _ILLEGIBLE))
        .order_by(due_at, _APPEAL.c.id)
    )
    rows = (await uow.session.execute(query)).all()
    return [(_appeal(row), bool(row.early_due), int(row.warned)) for row in rows]


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


async def mark(
    uow: UnitOfWork, appeal_id: int, *, due_at: datetime | None, stage: int, early: bool
) -> None:
    """Record what was queued for the appeal, in the caller's transaction (`early` only
    ever turns true)."""
    await uow.session.execute(
        _upsert(uow.session.bind.dialect.name),
        {"appeal_id": appeal_id, "due_at": due_at, "stage": stage, "early": early},
    )
    uow.mark_written()


async def digest_groups(
    uow: UnitOfWork, *, now: datetime, today_ends: datetime, shown: int
) -> list[tuple[int, list[Appeal]]]:
    """The digest's groups among the open appeals: due today (not yet missed), overdue,
    unassigned; each as (how many, the first `shown` by due date and id)."""
    due_at = _APPEAL.c.due_at
    groups = [
        and_(due_at >= now, due_at < today_ends),
        due_at < now,
        _APPEAL.c.assignee_id.is_(None),
    ]
    result: list[tuple[int, list[Appeal]]] = []
    for condition in groups:
        count = await uow.session.scalar(
            select(func.count()).select_from(_APPEAL).where(_OPEN, condition)
        )
        rows = (
            await uow.session.execute(
                select(_APPEAL).where(_OPEN, condition).order_by(due_at, _APPEAL.c.id).limit(shown)
            )
        ).all()
        result.append((int(count or 0), [_appeal(row) for row in rows]))
    return result


async def illegible_open(uow: UnitOfWork) -> list[Appeal]:
    """The open appeals staff marked illegible (few: the 7 days' stage is checked on them)."""
    rows = (await uow.session.execute(select(_APPEAL).where(_OPEN, _ILLEGIBLE))).all()
    return [_appeal(row) for row in rows]
