"""consents: an index on (user_id, decided_at, id) for a person's latest decision

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 12:40:00.000000

Every notice query asks, per recipient, for that person's latest consent decision
(storage/notices.py `consent_given`); with this index it is one probe that reads one row.
It replaces the index on user_id alone, which it covers.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.create_index(
            "ix_consents_user_decided", ["user_id", "decided_at", "id"], unique=False
        )
        batch_op.drop_index(batch_op.f("ix_consents_user_id"))


def downgrade() -> None:
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consents_user_id"), ["user_id"], unique=False)
        batch_op.drop_index("ix_consents_user_decided")
