"""cost that does not grow with the data: the outbox sender's page index, the open appeals
by due date, and the deadline marks (the last warning queued per appeal)

Revision ID: 0023_ops
Revises: 0022_retention
Create Date: 2026-12-04 22:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0023_ops"
down_revision: str | None = "0022_retention"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_outbox_due", "outbox", ["status", "urgent", "id"], unique=False)
    op.create_index(
        "ix_outbox_chat_due", "outbox", ["chat_id", "status", "urgent", "id"], unique=False
    )
    op.create_index("ix_appeals_status_due", "appeals", ["status", "due_at"], unique=False)
    op.create_table(
        "deadline_marks",
        sa.Column("appeal_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("due_at", storage.models.UtcDateTime(timezone=True), nullable=True),
        sa.Column("stage", sa.Integer(), nullable=False),
        sa.Column("early", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["appeal_id"],
            ["appeals.id"],
            name=op.f("fk_deadline_marks_appeal_id_appeals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("appeal_id", name=op.f("pk_deadline_marks")),
    )


def downgrade() -> None:
    op.drop_table("deadline_marks")
    op.drop_index("ix_appeals_status_due", table_name="appeals")
    op.drop_index("ix_outbox_chat_due", table_name="outbox")
    op.drop_index("ix_outbox_due", table_name="outbox")
