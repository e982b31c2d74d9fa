"""the web desk's registry (issue 17): indexes for its sort orders and executor filter, and
a trigram search over the number, the appellant's name and the text (PostgreSQL: pg_trgm
GIN index; SQLite: an FTS5 table with the trigram tokenizer kept by triggers)

Revision ID: 0027_webpages
Revises: 0026_webdesk
Create Date: 2026-12-05 01:00:00.000000
"""

import logging
from collections.abc import Sequence

from alembic import op
from sqlalchemy.exc import DBAPIError

revision: str = "0027_webpages"
down_revision: str | None = "0026_webdesk"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

logger = logging.getLogger(__name__)

# As storage/registry.py PG_SEARCH_TEXT (copied: a migration never changes with the code).
_PG_SEARCH_TEXT = "(number || ' ' || full_name || ' ' || text)"
_FTS_COLUMNS = "number, full_name, text"
_FTS_NEW = "new.id, new.number, new.full_name, new.text"
_FTS_OLD = "'delete', old.id, old.number, old.full_name, old.text"


def upgrade() -> None:
    op.create_index("ix_appeals_received", "appeals", ["received_at", "id"])
    op.create_index("ix_appeals_assignee", "appeals", ["assignee_id", "received_at"])
    if op.get_bind().dialect.name == "postgresql":
        _postgres_search()
    elif op.get_bind().dialect.name == "sqlite":
        _sqlite_search()


def _postgres_search() -> None:
    # pg_trgm is a trusted extension (PostgreSQL 13+): a database owner may create it. Where
    # the role may not, the search still works, by a scan, and the log says why.
    bind = op.get_bind()
    savepoint = bind.begin_nested()
    try:
        bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DBAPIError:
        savepoint.rollback()
        logger.warning("pg_trgm is not available: the registry's search will scan")
        return
    savepoint.commit()
    op.execute(
        f"CREATE INDEX ix_appeals_search ON appeals USING gin ({_PG_SEARCH_TEXT} gin_trgm_ops)"
    )


def _sqlite_search() -> None:
    op.execute(
        f"CREATE VIRTUAL TABLE appeals_search USING fts5({_FTS_COLUMNS}, "
        "content='appeals', content_rowid='id', tokenize='trigram')"
    )
    op.execute(
        "CREATE TRIGGER appeals_search_insert AFTER INSERT ON appeals BEGIN "
        f"INSERT INTO appeals_search(rowid, {_FTS_COLUMNS}) VALUES ({_FTS_NEW}); END"
    )
    op.execute(
        "CREATE TRIGGER appeals_search_delete AFTER DELETE ON appeals BEGIN "
        f"INSERT INTO appeals_search(appeals_search, rowid, {_FTS_COLUMNS}) "
        f"VALUES ({_FTS_OLD}); END"
    )
    op.execute(
        f"CREATE TRIGGER appeals_search_update AFTER UPDATE OF {_FTS_COLUMNS} ON appeals BEGIN "
        f"INSERT INTO appeals_search(appeals_search, rowid, {_FTS_COLUMNS}) "
        f"VALUES ({_FTS_OLD}); "
        f"INSERT INTO appeals_search(rowid, {_FTS_COLUMNS}) VALUES ({_FTS_NEW}); END"
    )
    op.execute("INSERT INTO appeals_search(appeals_search) VALUES ('rebuild')")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_appeals_search")
    elif op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS appeals_search_{trigger}")
        op.execute("DROP TABLE IF EXISTS appeals_search")
    op.drop_index("ix_appeals_assignee", table_name="appeals")
    op.drop_index("ix_appeals_received", table_name="appeals")
