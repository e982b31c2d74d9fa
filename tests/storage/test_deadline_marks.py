"""The deadline jobs' SQL (storage/deadline_marks.py; issue 16 point 6): the appeals at a
stage are found slice by slice of the index, none lost at a slice's edge, only those past
their mark; the early term's, the illegible and the digest's appeals are found in their own
indexes (on SQLite: the plans read no appeal outside them); a long check commits in batches
and queues each warning once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

import notifier.deadlines
from core.texts import Texts
from domain.clock import FixedClock
from domain.deadlines import SetCalendar, StageBounds
from notifier.deadlines import DeadlinePolicy, check_deadlines
from storage import deadline_marks
from storage.models import AppealRow, DeadlineMarkRow, OutboxRow
from storage.uow import UnitOfWork

NOW = datetime(2026, 12, 4, 6, 0, tzinfo=UTC)
BOUNDS = StageBounds(
    now=NOW,
    d5_before=NOW + timedelta(days=5),
    d1_before=NOW + timedelta(days=1),
    early_from=NOW - timedelta(days=9),
    early_before=NOW - timedelta(days=4),
)
ILLEGIBLE = [{"kind": "illegible", "detail": (NOW - timedelta(days=1)).isoformat()}]


def _row(
    appeal_id: int,
    *,
    due_at: datetime,
    status: str = "in_progress",
    registered_at: datetime | None = None,
    assignee_id: int | None = None,
    flags: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    registered = registered_at or due_at - timedelta(days=30)
    return {
        "id": appeal_id,
        "number": f"Ж-2026-{appeal_id:07d}",
        "year": 2026,
        "sequence": appeal_id,
        "user_id": None,
        "kind": "complaint",
        "subject": "service_quality",
        "form": "phone",
        "status": status,
        "registered_at": registered,
        "received_at": registered,
        "due_at": due_at,
        "extended": False,
        "text": "Текст обращения",
        "full_name": "Иванов Иван Иванович",
        "address": "",
        "answer_channel": "phone",
        "contact": "+7 920 000 00 00",
        "flags": flags or [],
        "reopen_count": 0,
        "assignee_id": assignee_id,
        "survey_comment": "",
    }


async def _insert(
    engine: AsyncEngine, rows: list[dict[str, Any]], marks: list[dict[str, Any]] | None = None
) -> None:
    async with engine.begin() as connection:
        await connection.execute(insert(AppealRow), rows)
        if marks:
            await connection.execute(insert(DeadlineMarkRow), marks)


def _uow(sessionmaker: async_sessionmaker[AsyncSession]) -> UnitOfWork:
    return UnitOfWork(sessionmaker, clock=FixedClock(NOW))


async def _walk(uow: UnitOfWork, size: int) -> list[int]:
    found: list[int] = []
    for status in deadline_marks.OPEN:
        after: datetime | None = None
        slices = 0
        while True:
            ids, after = await deadline_marks.stage_slice(
                uow, BOUNDS, status=status, after=after, size=size
            )
            found += ids
            slices += 1
            assert slices < 100, "the slices never end"
            if after is None:
                break
    return found


async def test_stage_slices_find_exactly_the_appeals_past_their_mark(
    engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    # Three appeals share each due date, so a slice of 2 ends inside a group of them.
    overdue = [NOW - timedelta(days=d) for d in (40, 3)]
    d1 = [NOW + timedelta(hours=5)]
    d5 = [NOW + timedelta(days=3)]
    later = [NOW + timedelta(days=6)]
    rows: list[dict[str, Any]] = []
    for due in overdue + d1 + d5 + later:
        for _ in range(3):
            rows.append(_row(len(rows) + 1, due_at=due))
    rows.append(_row(len(rows) + 1, due_at=overdue[0], status="closed"))
    rows.append(_row(len(rows) + 1, due_at=d1[0], status="registered"))
    marks = [
        {"appeal_id": 1, "due_at": overdue[0], "stage": 3, "early": False},  # warned: skip
        # warned of the due date before an extension: armed again
        {"appeal_id": 2, "due_at": overdue[0] - timedelta(days=30), "stage": 3, "early": False},
        {"appeal_id": 7, "due_at": d1[0], "stage": 1, "early": False},  # D-5 warned, now D-1
        {"appeal_id": 10, "due_at": d5[0], "stage": 1, "early": True},  # warned: skip
    ]
    await _insert(engine, rows, marks)
    expected = {2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 17}  # not 1, 10, later ones, closed 16

    uow = _uow(sessionmaker)
    try:
        for size in (1, 2, 5, 1000):
            found = await _walk(uow, size)
            assert sorted(found) == sorted(set(found)), "an appeal found twice"
            assert set(found) == expected, size
    finally:
        await uow.rollback()


async def test_early_illegible_and_digest_groups_are_the_ones_the_rules_say(
    engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    today_ends = NOW + timedelta(hours=12)
    in_term = NOW - timedelta(days=6)
    rows = [
        _row(1, due_at=NOW + timedelta(days=20), registered_at=in_term),  # early: due
        _row(2, due_at=NOW + timedelta(days=20), registered_at=in_term),  # early: sent
        _row(3, due_at=NOW + timedelta(days=20), registered_at=in_term, status="closed"),
        _row(4, due_at=NOW + timedelta(days=25), registered_at=NOW - timedelta(days=2)),
        _row(5, due_at=NOW + timedelta(hours=3), flags=ILLEGIBLE),  # due today, illegible
        _row(6, due_at=NOW + timedelta(hours=3), assignee_id=77),  # due today
        _row(7, due_at=NOW - timedelta(days=2), assignee_id=77),  # overdue
        _row(8, due_at=NOW - timedelta(days=9)),  # overdue
        _row(9, due_at=NOW - timedelta(days=9), status="closed", flags=ILLEGIBLE),
    ]
    marks = [{"appeal_id": 2, "due_at": None, "stage": 0, "early": True}]
    await _insert(engine, rows, marks)

    uow = _uow(sessionmaker)
    try:
        assert sorted(await deadline_marks.early_due(uow, BOUNDS)) == [1]
        assert await deadline_marks.illegible_ids(uow) == [5]
        groups = await deadline_marks.digest_groups(uow, now=NOW, today_ends=today_ends, shown=1)
    finally:
        await uow.rollback()
    summary = [(count, [appeal.id for appeal in shown]) for count, shown in groups]
    assert summary == [(2, [5]), (2, [8]), (5, [8])]


async def test_a_long_check_commits_in_batches_and_queues_each_warning_once(
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
    texts: Texts,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(notifier.deadlines, "_WARN_BATCH", 2)
    monkeypatch.setattr(notifier.deadlines, "_SLICE", 3)
    rows = [_row(i, due_at=NOW - timedelta(days=i), assignee_id=9_000 + i) for i in range(1, 8)]
    await _insert(engine, rows)
    policy = DeadlinePolicy(
        zone=ZoneInfo("Europe/Moscow"), calendar=SetCalendar(), staff_chat_id=None
    )
    commits: list[int] = []
    commit = UnitOfWork.commit

    async def counted(self: UnitOfWork) -> None:
        commits.append(1)
        await commit(self)

    monkeypatch.setattr(UnitOfWork, "commit", counted)
    for later in (0, 1):
        uow = _uow(sessionmaker)
        try:
            now = NOW + timedelta(minutes=later)
            warned = await check_deadlines(uow, texts=texts, policy=policy, now=now)
            await uow.commit()
        except BaseException:
            await uow.rollback()
            raise
        assert warned == (7 if later == 0 else 0)
    async with sessionmaker() as session:
        queued = await session.scalar(select(func.count()).select_from(OutboxRow))
        marked = await session.scalar(
            select(func.count()).select_from(DeadlineMarkRow).where(DeadlineMarkRow.stage == 3)
        )
    assert (queued, marked) == (7, 7)  # one warning to each executor, each appeal marked
    assert len(commits) == 4 + 1  # 7 appeals, 2 a batch; the second run's commit


async def test_sqlite_plans_read_only_the_indexes_of_the_jobs(
    engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("checks the plans of SQLite's planner; PostgreSQL plans by its statistics")
    await _insert(engine, [_row(1, due_at=NOW - timedelta(days=1))])
    caught: list[tuple[str, Any]] = []

    def catch(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().startswith("SELECT") and "FROM appeals" in statement:
            caught.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", catch)
    try:
        uow = _uow(sessionmaker)
        try:
            await _walk(uow, 2)
            await deadline_marks.early_due(uow, BOUNDS)
            await deadline_marks.illegible_ids(uow)
            await deadline_marks.digest_groups(
                uow, now=NOW, today_ends=NOW + timedelta(hours=12), shown=20
            )
        finally:
            await uow.rollback()
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", catch)

    used: set[str] = set()
    async with engine.connect() as connection:
        for statement, parameters in caught:
            plan = (
                await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            ).all()
            for row in plan:
                step = str(tuple(row)[3])
                if "appeals" in step and "deadline_marks" not in step:
                    # Never the whole table, nor every open appeal by status alone.
                    assert "INDEX" in step or "INTEGER PRIMARY KEY" in step, (statement, step)
                    if "ix_appeals_illegible" not in step:  # the partial index: a few rows
                        assert "(status=?)" not in step, (statement, step)
                    used.update(word for word in step.split() if word.startswith("ix_"))
    assert {
        "ix_appeals_status_due",
        "ix_appeals_status_registered",
        "ix_appeals_status_assignee",
        "ix_appeals_illegible",
    } <= used
