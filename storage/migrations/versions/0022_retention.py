"""retention of stored files: each stored file linked to the appeals and readings it came
with, so that it goes with them (152-ФЗ ст. 5 ч. 7); links made for the files kept so far;
the channel of a rating staff entered (a survey answered by phone, letter or e-mail)

Revision ID: 0022_retention
Revises: 0021_reports
Create Date: 2026-12-04 22:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0022_retention"
down_revision: str | None = "0021_reports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "stored_file_links",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("stored_file_id", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=16), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("released_at", storage.models.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["stored_file_id"],
            ["stored_files.id"],
            name=op.f("fk_stored_file_links_stored_file_id_stored_files"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stored_file_links")),
        sa.UniqueConstraint(
            "stored_file_id",
            "owner",
            "owner_id",
            name=op.f("uq_stored_file_links_stored_file_id"),
        ),
    )
    op.create_index(
        "ix_stored_file_links_owner", "stored_file_links", ["owner", "owner_id"], unique=False
    )
    op.create_index(
        op.f("ix_stored_file_links_stored_file_id"),
        "stored_file_links",
        ["stored_file_id"],
        unique=False,
    )
    # A rating given by phone, letter or e-mail, entered by staff (domain/surveys.py).
    with op.batch_alter_table("appeal_surveys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rated_via", sa.String(length=16), nullable=True))
    # The files kept so far: an appeal's attachments by Telegram's unique id, a reading's
    # photo by its file id (what the readings dialog keeps).
    op.execute(
        "INSERT INTO stored_file_links (stored_file_id, owner, owner_id) "
        "SELECT DISTINCT f.id, 'appeals', a.appeal_id FROM appeal_attachments a "
        "JOIN stored_files f ON f.file_unique_id = a.file_unique_id"
    )
    op.execute(
        "INSERT INTO stored_file_links (stored_file_id, owner, owner_id) "
        "SELECT DISTINCT f.id, 'readings', r.id FROM reading_submissions r "
        "JOIN stored_files f ON f.file_id = r.photo_file_id"
    )


def downgrade() -> None:
    with op.batch_alter_table("appeal_surveys", schema=None) as batch_op:
        batch_op.drop_column("rated_via")
    op.drop_index(op.f("ix_stored_file_links_stored_file_id"), table_name="stored_file_links")
    op.drop_index("ix_stored_file_links_owner", table_name="stored_file_links")
    op.drop_table("stored_file_links")
