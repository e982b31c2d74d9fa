"""delivery records: every forum topic of an appeal; what an outbox row to a consumer is about;
tasks made once per undelivered message

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "appeal_topics",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("topic_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("appeal_id", sa.Integer(), nullable=False),
        sa.Column("created_at", storage.models.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["appeal_id"],
            ["appeals.id"],
            name=op.f("fk_appeal_topics_appeal_id_appeals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("chat_id", "topic_id", name=op.f("pk_appeal_topics")),
    )
    with op.batch_alter_table("appeal_topics", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_appeal_topics_appeal_id"), ["appeal_id"], unique=False
        )
    # The topics known so far: each appeal's current one.
    op.execute(
        "INSERT INTO appeal_topics (chat_id, topic_id, appeal_id, created_at)"
        " SELECT chat_id, topic_id, appeal_id, updated_at FROM appeal_threads"
        " WHERE topic_id IS NOT NULL"
    )

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("appeal_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("purpose", sa.String(length=32), nullable=True))

    with op.batch_alter_table("appeal_tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("origin", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_appeal_tasks_appeal_id"), ["appeal_id", "origin"]
        )


def downgrade() -> None:
    with op.batch_alter_table("appeal_tasks", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_appeal_tasks_appeal_id"), type_="unique")
        batch_op.drop_column("origin")

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("purpose")
        batch_op.drop_column("appeal_id")

    with op.batch_alter_table("appeal_topics", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appeal_topics_appeal_id"))

    op.drop_table("appeal_topics")
