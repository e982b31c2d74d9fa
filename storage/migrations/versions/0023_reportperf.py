"""the reports' covering index on appeals (issue 14's performance goal): the facts of table
4.1, the indicators and the figures are grouped in the index's order and read from it alone

Revision ID: 0023_reportperf
Revises: 0022_retention
Create Date: 2026-12-04 23:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023_reportperf"
down_revision: str | None = "0022_retention"
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
_SQLITE_STAT = "1000000 200000 50000 5000 1000 500 200 1 1 1 1 1 1 1 1 1"


def upgrade() -> None:
    op.create_index(
        "ix_appeals_report",
        "appeals",
        [sa.text(term) if term.startswith("(") else term for term in _TERMS],
    )
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ANALYZE sqlite_schema")  # creates sqlite_stat1, reads no user table
        op.execute("DELETE FROM sqlite_stat1 WHERE idx = 'ix_appeals_report'")
        op.execute(
            "INSERT INTO sqlite_stat1 (tbl, idx, stat) "
            f"VALUES ('appeals', 'ix_appeals_report', '{_SQLITE_STAT}')"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DELETE FROM sqlite_stat1 WHERE idx = 'ix_appeals_report'")
    op.drop_index("ix_appeals_report", table_name="appeals")
