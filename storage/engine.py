"""Engine and session factory, built once at start."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects.sqlite.base import SQLiteCompiler
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import AsyncAdaptedQueuePool

from storage import sqlite_driver


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


class _SQLiteHintCompiler(SQLiteCompiler):
    """SQLAlchemy renders no FROM hints for SQLite; this renders `.with_hint(table, "INDEXED
    BY ix", dialect_name="sqlite")` after the table's name (the reports name their covering
    index this way, storage/reports.py; other dialects ignore the hint)."""

    def get_from_hint_text(self, table: Any, text: str | None) -> str | None:
        return text


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """SQLite gets WAL and ONE pooled connection: several connections fighting over SQLite's
    single write lock measured 3.4x slower under concurrent updates than one shared
    connection. Every update therefore releases it before any network call (storage/uow.py).

    `hide_parameters`: a database error's message (and so any traceback or log line that
    quotes it) names the statement but never its values, which are names, phones, texts.
    """
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        path = database or ":memory:"
        engine = create_async_engine(
            url,
            echo=echo,
            hide_parameters=True,
            # SQLite waits up to 5 s for a lock held by another process (an import, the
            # console): in aiosqlite's thread, never on the event loop (storage/sqlite_driver.py).
            async_creator=lambda: sqlite_driver.connect(path, busy_timeout=5.0),
            poolclass=AsyncAdaptedQueuePool,
            pool_size=1,
            max_overflow=0,
            pool_timeout=30,
            # The unit of work always commits or rolls back before it closes a session, so
            # the pool's own rollback on return would be one more hop to aiosqlite's thread.
            pool_reset_on_return=None,
        )

        engine.sync_engine.dialect.statement_compiler = _SQLiteHintCompiler

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    # A name of its own for every engine: the triggers that tell other processes about a
    # write name the writer, so that a process can ignore its own (storage/freshness.py).
    name = f"reception-{os.getpid()}-{secrets.token_hex(4)}"
    return create_async_engine(
        url,
        echo=echo,
        hide_parameters=True,
        pool_size=10,
        max_overflow=10,
        pool_pre_ping=True,
        connect_args={"server_settings": {"application_name": name}},
    )


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
