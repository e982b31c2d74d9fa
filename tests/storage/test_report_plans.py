"""The reports' queries keep their fast plans (issue 14: the annual tables at a million
appeals in about 2 s): on SQLite the facts and the answer-time histogram read only their
indexes, in the order of the GROUP BY (no sort of the period's rows), and skip-scan to the
period — with the statistics migration 0023 seeds, before any ANALYZE. The statements are
the ones SqlReports runs, caught as they go to the database."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from domain.clock import FixedClock
from domain.reports import year
from storage.reports import SqlReports
from storage.uow import UnitOfWork
from tests.report_data import MOSCOW, REPORT_NOW


async def test_sqlite_facts_and_answer_times_read_their_indexes_without_sorting(
    engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's planner; PostgreSQL hash-aggregates")
    caught: list[tuple[str, Any]] = []

    def catch(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "GROUP BY" in statement and "FROM appeals" in statement:
            caught.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", catch)
    try:
        uow = UnitOfWork(sessionmaker, clock=FixedClock(REPORT_NOW))
        try:
            await SqlReports(uow).facts(year(2026), MOSCOW, now=REPORT_NOW)
        finally:
            await uow.rollback()
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", catch)

    plans: list[tuple[str, list[str]]] = []
    async with engine.connect() as connection:
        for statement, parameters in caught:
            rows = (
                await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            ).all()
            plans.append((statement, [str(tuple(row)[3]) for row in rows]))
        seeded = (
            await connection.execute(text("SELECT idx FROM sqlite_stat1 WHERE tbl = 'appeals'"))
        ).scalars()
        indexes = {str(name) for name in seeded}
    assert {"ix_appeals_report", "ix_appeals_answer_days"} <= indexes
    facts = [
        plan
        for statement, plan in plans
        if "ix_appeals_report" in statement and "GROUP BY appeals.form" in statement
    ]
    answers = [plan for statement, plan in plans if "ix_appeals_answer_days" in statement]
    assert len(facts) == 12  # one per month
    assert len(answers) == 1
    for plan in facts + answers:
        assert len(plan) == 1, plan  # no "USE TEMP B-TREE FOR GROUP BY"
        (step,) = plan
        assert "COVERING INDEX" in step and "registered_at>?" in step, step


async def test_postgresql_has_statistics_on_the_very_expression_the_histogram_groups_by(
    engine: AsyncEngine,
) -> None:
    """The planner uses expression statistics only for an identical expression: the one of
    the migration (0025) and the one storage/reports.py writes must stay the same."""
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's extended statistics")
    from sqlalchemy import Integer, cast, func, select

    from storage.models import AppealRow
    from storage.reports import _answer_days

    whole = cast(func.floor(_answer_days("postgresql")), Integer)
    query = select(whole).select_from(AppealRow)
    sql = str(query.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))
    async with engine.connect() as connection:
        await connection.exec_driver_sql(f"CREATE TEMPORARY VIEW answer_days AS {sql}")
        written = await connection.scalar(text("SELECT pg_get_viewdef('answer_days')"))
        (kept,) = (
            await connection.execute(
                text(
                    "SELECT pg_get_statisticsobjdef_expressions(oid) FROM pg_statistic_ext "
                    "WHERE stxname = 'st_appeals_answer_days'"
                )
            )
        ).scalar_one()
        await connection.rollback()
    # The view's text is "SELECT <expression> AS <label> FROM appeals;", the columns
    # qualified; the statistics' the bare expression.
    expression = str(written).split("SELECT", 1)[1].rsplit(" AS ", 1)[0].strip()
    assert expression.replace("appeals.", "") == kept
