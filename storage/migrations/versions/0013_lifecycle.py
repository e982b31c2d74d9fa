"""appeals: the received date kept apart from the registration (59-ФЗ ст. 8 ч. 2) and the
first answer's time kept over a reopen

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 19:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("received_at", storage.models.UtcDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "first_answered_at", storage.models.UtcDateTime(timezone=True), nullable=True
            )
        )
    # Before this revision an appeal was received as it was registered; an answer then was
    # its first (a reopened one lost it: the history's answer event still has the time).
    op.execute("UPDATE appeals SET received_at = registered_at")
    op.execute("UPDATE appeals SET first_answered_at = answered_at")
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.alter_column(
            "received_at",
            existing_type=storage.models.UtcDateTime(timezone=True),
            nullable=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.drop_column("first_answered_at")
        batch_op.drop_column("received_at")
