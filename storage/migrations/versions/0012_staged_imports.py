"""staged account imports (applied in short transactions), appeal journal fingerprints, and
on PostgreSQL the triggers that tell other processes a cached table changed

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# storage/freshness.py: the notification channel and the tables other processes keep copies of.
CHANNEL = "reception_data"
CACHED_TABLES = (
    "consents",
    "people",
    "account_links",
    "link_failures",
    "accounts",
    "meters",
    "dialog_states",
)


def upgrade() -> None:
    op.create_table(
        "account_imports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("started_at", storage.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("touched_at", storage.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", storage.models.UtcDateTime(timezone=True), nullable=True),
        sa.Column("accounts", sa.Integer(), nullable=False),
        sa.Column("applied", sa.Integer(), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_imports")),
    )
    with op.batch_alter_table("account_imports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_account_imports_status"), ["status"], unique=False)
    op.create_table(
        "account_import_rows",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("account", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["account_imports.id"],
            name=op.f("fk_account_import_rows_import_id_account_imports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_import_rows")),
    )
    with op.batch_alter_table("account_import_rows", schema=None) as batch_op:
        batch_op.create_index("ix_account_import_rows_run", ["import_id", "id"], unique=False)
    op.create_table(
        "appeal_journal_keys",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("appeal_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["appeal_id"],
            ["appeals.id"],
            name=op.f("fk_appeal_journal_keys_appeal_id_appeals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_appeal_journal_keys")),
    )
    with op.batch_alter_table("appeal_journal_keys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_appeal_journal_keys_appeal_id"), ["appeal_id"], unique=False
        )

    if op.get_bind().dialect.name == "postgresql":
        # Other processes keep copies of these tables (storage/freshness.py): every write
        # sends a notification naming the writer, delivered when its transaction commits
        # (identical ones in a transaction are sent once).
        op.execute(
            "CREATE OR REPLACE FUNCTION reception_data_changed() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            f"PERFORM pg_notify('{CHANNEL}', current_setting('application_name')); "
            "RETURN NULL; END $$"
        )
        for table in CACHED_TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION reception_data_changed()"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in CACHED_TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_changed ON {table}")
        op.execute("DROP FUNCTION IF EXISTS reception_data_changed()")
    with op.batch_alter_table("appeal_journal_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appeal_journal_keys_appeal_id"))
    op.drop_table("appeal_journal_keys")
    with op.batch_alter_table("account_import_rows", schema=None) as batch_op:
        batch_op.drop_index("ix_account_import_rows_run")
    op.drop_table("account_import_rows")
    with op.batch_alter_table("account_imports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_imports_status"))
    op.drop_table("account_imports")
