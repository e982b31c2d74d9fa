"""the deadline jobs' indexes (issue 16 point 6): the early term's appeals by registration,
the digest's unassigned ones, and the few marked illegible (a partial index), so that
neither the deadline check nor the digest reads every open appeal

Revision ID: 0028_jobs
Revises: 0027_webpages
Create Date: 2026-12-05 01:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028_jobs"
down_revision: str | None = "0027_webpages"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As storage/models/appeals.py ILLEGIBLE_WHERE at this revision (copied: a migration never
# changes with the models).
_ILLEGIBLE_WHERE = "CAST(flags AS VARCHAR) LIKE '%\"illegible\"%'"


def upgrade() -> None:
    op.create_index("ix_appeals_status_registered", "appeals", ["status", "registered_at"])
    op.create_index("ix_appeals_status_assignee", "appeals", ["status", "assignee_id", "due_at"])
    op.create_index(
        "ix_appeals_illegible",
        "appeals",
        ["status"],
        sqlite_where=sa.text(_ILLEGIBLE_WHERE),
        postgresql_where=sa.text(_ILLEGIBLE_WHERE),
    )


def downgrade() -> None:
    op.drop_index("ix_appeals_illegible", table_name="appeals")
    op.drop_index("ix_appeals_status_assignee", table_name="appeals")
    op.drop_index("ix_appeals_status_registered", table_name="appeals")
