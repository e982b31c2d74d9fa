"""INSERT … ON CONFLICT DO UPDATE, the same statement on SQLite and PostgreSQL; built once
per (dialect, table, key, columns)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert


@lru_cache(maxsize=32)
def upsert(dialect: str, model: type[Any], keys: tuple[str, ...], columns: tuple[str, ...]) -> Any:
    """Insert a row of `model`; on a conflict on `keys`, set `columns` from the new row."""
    insert_ = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert_(model)
    return statement.on_conflict_do_update(
        index_elements=[getattr(model, key) for key in keys],
        set_={name: statement.excluded[name] for name in columns},
    )
