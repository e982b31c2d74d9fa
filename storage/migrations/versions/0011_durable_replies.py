"""durable replies: processed updates keep their chat and whether they were answered;
submitted drafts (the token of a dialog's final button and the record it became)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("processed_updates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chat_id", sa.BigInteger(), nullable=True))
        # Rows stored before this revision were answered as far as anyone can tell.
        batch_op.add_column(
            sa.Column("answered", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
    op.create_table(
        "submitted_drafts",
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("submitted_at", storage.models.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_submitted_drafts")),
    )
    with op.batch_alter_table("submitted_drafts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_submitted_drafts_submitted_at"), ["submitted_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("submitted_drafts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_submitted_drafts_submitted_at"))
    op.drop_table("submitted_drafts")
    with op.batch_alter_table("processed_updates", schema=None) as batch_op:
        batch_op.drop_column("answered")
        batch_op.drop_column("chat_id")
