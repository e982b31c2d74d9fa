"""personal data: archived consent texts, appeals anonymised after their retention period,
the health-revealing "disabled" group replaced by a neutral "needs help"

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 19:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "consent_texts",
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("archived_at", storage.models.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_consent_texts")),
    )
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("anonymised_at", storage.models.UtcDateTime(timezone=True), nullable=True)
        )
    # 152-ФЗ ст. 10: disability is health data; the appeal asks only whether help or special
    # conditions are needed (domain/appeal_model.py VulnerableGroup.NEEDS_HELP).
    op.execute("UPDATE appeals SET vulnerable = 'needs_help' WHERE vulnerable = 'disabled'")


def downgrade() -> None:
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.drop_column("anonymised_at")
    op.drop_table("consent_texts")
