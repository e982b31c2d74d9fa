"""the reports' covering index on appeals (issue 14's performance goal): the facts of table
4.1, the indicators and the figures are grouped in the index's order and read from it alone

Revision ID: 0024_reportperf
Revises: 0023_ops
Create Date: 2026-12-04 23:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024_reportperf"
down_revision: str | None = "0023_ops"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As storage/models/appeals.py REPORT_INDEX_TERMS at this revision (copied: a migration
# never changes with the models).
_TERMS = (
    "form",
    "kind",
    "subject",
    "status",
    "rejection_ground",
    "(first_answered_at <= due_at)",
    "registered_at",
    "first_answered_at",
    "due_at",
    "contract_concluded",
    "extended",
    "reopen_count",
    "rating",
    "resolved",
    "assignee_id",
)


# SQLite's planner skip-scans an index (here: to the period's registered_at range inside each
# group of its leading columns) only when sqlite_stat1 says the leading columns repeat; a new
# database has no statistics. These are the index's shape at a million appeals (rows; then
# rows per distinct form, form+kind, ... prefix); a later ANALYZE replaces them with measured
# ones of the same shape. SQLite documents writing sqlite_stat1 to steer the planner.
_SQLITE_STATS = {
    "ix_appeals_report": "1000000 200000 50000 5000 1000 500 200 1 1 1 1 1 1 1 1 1",
    "ix_appeals_answer_days": "1000000 20000 1 1",
}
# SQLite only (PostgreSQL has the statistics below): the whole days from registration to the
# first answer, as storage/reports.py _answer_times groups them, so the histogram is read in
# the index's order instead of sorting the period's answered appeals.
_SQLITE_ANSWER_DAYS = (
    "CAST(CAST(julianday(first_answered_at) - julianday(registered_at) AS FLOAT) AS INTEGER)"
)


# PostgreSQL estimates a GROUP BY over an expression as about one group per row, so the
# answer-time histogram (storage/reports.py _answer_times: whole days from registration to
# the first answer, a few dozen values) was aggregated by one process. Statistics on the
# very expression the query groups by (as SQLAlchemy writes it) give the planner the real
# number and it aggregates in parallel.
_ANSWER_DAYS = (
    "CAST(floor(CAST(EXTRACT(epoch FROM first_answered_at - registered_at)"
    " / CAST(86400.0 AS DOUBLE PRECISION) AS FLOAT)) AS INTEGER)"
)


def upgrade() -> None:
    op.create_index(
        "ix_appeals_report",
        "appeals",
        [sa.text(term) if term.startswith("(") else term for term in _TERMS],
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE STATISTICS st_appeals_answer_days ON ({_ANSWER_DAYS}) FROM appeals")
        op.execute("ANALYZE appeals")
    if op.get_bind().dialect.name == "sqlite":
        op.create_index(
            "ix_appeals_answer_days",
            "appeals",
            [sa.text(_SQLITE_ANSWER_DAYS), "registered_at", "first_answered_at"],
            sqlite_where=sa.text("first_answered_at IS NOT NULL"),
        )
        op.execute("ANALYZE sqlite_master")  # creates sqlite_stat1, reads no user table
        for index, stat in _SQLITE_STATS.items():
            op.execute(f"DELETE FROM sqlite_stat1 WHERE idx = '{index}'")
            op.execute(
                "INSERT INTO sqlite_stat1 (tbl, idx, stat) "
                f"VALUES ('appeals', '{index}', '{stat}')"
            )
        # SQLite reads sqlite_stat1 when it loads the schema or after an ANALYZE: this one
        # makes the connection that migrated (a bot's pooled one) plan with the rows above.
        op.execute("ANALYZE sqlite_master")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP STATISTICS IF EXISTS st_appeals_answer_days")
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "DELETE FROM sqlite_stat1 WHERE idx IN ('ix_appeals_report', 'ix_appeals_answer_days')"
        )
        op.drop_index("ix_appeals_answer_days", table_name="appeals")
    op.drop_index("ix_appeals_report", table_name="appeals")
