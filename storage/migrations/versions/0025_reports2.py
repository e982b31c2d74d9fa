"""the reports on PostgreSQL: register 4.9 read in order without a sort (appeals by
(registered_at, id)); the answer-time statistics on the histogram's new expression

Revision ID: 0025_reports2
Revises: 0024_reportperf
Create Date: 2026-12-05 00:50:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0025_reports2"
down_revision: str | None = "0024_reportperf"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# As storage/reports.py _answer_days groups by it on PostgreSQL (date_part: a double, where
# EXTRACT gives a numeric since PostgreSQL 14), written as SQLAlchemy renders it: the
# statistics must be on the very expression the query groups by (see 0024).
_ANSWER_DAYS = (
    "CAST(floor(CAST(date_part('epoch', first_answered_at - registered_at)"
    " / CAST(86400.0 AS NUMERIC) AS FLOAT)) AS INTEGER)"
)
_ANSWER_DAYS_0024 = (
    "CAST(floor(CAST(EXTRACT(epoch FROM first_answered_at - registered_at)"
    " / CAST(86400.0 AS DOUBLE PRECISION) AS FLOAT)) AS INTEGER)"
)


def _answer_days_statistics(expression: str) -> None:
    op.execute("DROP STATISTICS IF EXISTS st_appeals_answer_days")
    op.execute(f"CREATE STATISTICS st_appeals_answer_days ON ({expression}) FROM appeals")
    op.execute("ANALYZE appeals")


def upgrade() -> None:
    # The register is read ORDER BY registered_at, id (storage/reports.py): with the
    # registered_at index alone PostgreSQL sorts each group of equal moments (an incremental
    # sort, a quarter of the read at a million appeals). SQLite's registered_at index already
    # ends with the rowid, which is the id.
    if op.get_bind().dialect.name == "postgresql":
        op.create_index("ix_appeals_register", "appeals", ["registered_at", "id"])
        _answer_days_statistics(_ANSWER_DAYS)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_appeals_register", table_name="appeals")
        _answer_days_statistics(_ANSWER_DAYS_0024)
