"""Order 186 reports: the measures taken and planned and the "led to a contract" outcome of an
appeal (register 4.9, table 4.1 row 4); the months whose report was posted to the staff chat

Revision ID: 0021_reports
Revises: 0020_staffux
Create Date: 2026-12-04 22:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0021_reports"
down_revision: str | None = "0020_staffux"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("measures_taken", sa.Text(), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("measures_planned", sa.Text(), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "contract_concluded", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
    op.create_table(
        "report_postings",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("posted_at", storage.models.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("month", name=op.f("pk_report_postings")),
    )


def downgrade() -> None:
    op.drop_table("report_postings")
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.drop_column("contract_concluded")
        batch_op.drop_column("measures_planned")
        batch_op.drop_column("measures_taken")
