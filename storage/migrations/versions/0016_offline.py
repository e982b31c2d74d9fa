"""notices to appellants without Telegram as tasks (kind, text, contact, e-mail tries); how
the satisfaction survey was offered after each answer

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 19:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("appeal_tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("text", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("contact", sa.String(length=300), nullable=True))
        batch_op.add_column(
            sa.Column("attempts", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("error", sa.String(length=64), nullable=True))
    # Tasks made before: answers by their channel, or undelivered messages.
    op.execute(
        "UPDATE appeal_tasks SET kind = 'answer' WHERE channel IN ('post', 'email', 'phone')"
    )

    op.create_table(
        "appeal_surveys",
        sa.Column("appeal_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("at", storage.models.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["appeal_id"],
            ["appeals.id"],
            name=op.f("fk_appeal_surveys_appeal_id_appeals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("appeal_id", name=op.f("pk_appeal_surveys")),
    )


def downgrade() -> None:
    op.drop_table("appeal_surveys")
    with op.batch_alter_table("appeal_tasks", schema=None) as batch_op:
        batch_op.drop_column("error")
        batch_op.drop_column("attempts")
        batch_op.drop_column("contact")
        batch_op.drop_column("text")
        batch_op.drop_column("kind")
