"""Unit of work: one per update (or job), lazily opened, committed once per batch of writes.

Two rules keep reads cheap and SQLite's single connection free:
- a session (and with it the pooled connection) is opened only when something reads or
  writes; an update that touches nothing costs nothing;
- the connection is never held across a network call: before any Bot API request the
  current unit of work commits what it has (see `CommitBeforeSend` in bot/middlewares.py),
  so whatever a person is told has been stored first.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable, Hashable
from contextvars import ContextVar
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, bindparam, false, insert, text, update
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from domain.clock import Clock
from storage.models import ProcessedUpdateRow
from storage.sqlite_driver import InlineConnection

logger = logging.getLogger(__name__)

_RECORD_UPDATE = insert(ProcessedUpdateRow)
_AWAIT_ANSWER = (
    update(ProcessedUpdateRow)
    .where(ProcessedUpdateRow.update_id == bindparam("waiting_id"))
    .values(answered=false())  # a literal: only the given parameters are bound on SQLite
)

_current: ContextVar[UnitOfWork | None] = ContextVar("reception_uow", default=None)


class DuplicateUpdate(Exception):
    """The update's id is already recorded as processed: its effects must not apply twice."""


def current_uow() -> UnitOfWork | None:
    return _current.get()


@lru_cache(maxsize=256)
def _compiled(dialect: Dialect, statement: Any, columns: tuple[str, ...]) -> tuple[str, list[str]]:
    compiled = statement.compile(dialect=dialect, column_keys=list(columns))
    return compiled.string, list(compiled.positiontup or ())


_PLAIN = frozenset({str, int, bool, float, bytes, type(None)})


def sqlite_value(value: Any) -> Any:
    """What SQLAlchemy's bind processing would hand sqlite3 for our column types."""
    if type(value) in _PLAIN:
        return value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use Clock.now()")
        # "%Y-%m-%d %H:%M:%S.%f", without strftime's parsing of the format each time
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def _sqlite_statement(
    dialect: Dialect, statement: Any, parameters: dict[str, Any]
) -> tuple[str, list[Any]]:
    sql, names = _compiled(dialect, statement, tuple(sorted(parameters)))
    return sql, [sqlite_value(parameters[name]) for name in names]


class LazyConnection:
    """What a unit of work hands to repositories: an engine connection, checked out on the
    first statement. A Core connection, not an ORM Session: repositories use Core
    statements only, and a Session's bookkeeping measured ~30% of a short transaction."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.bind = engine
        self._connection: AsyncConnection | None = None
        # Writes whose results nobody reads, held back to travel with the COMMIT. Any read
        # sends them first, so a unit of work always reads its own writes.
        self.deferred: list[tuple[Any, dict[str, Any]]] = []

    async def _open(self) -> AsyncConnection:
        if self._connection is None:
            self._connection = await self.bind.connect()
        return self._connection

    async def _ready(self) -> AsyncConnection:
        connection = await self._open()
        if self.deferred:
            deferred, self.deferred = self.deferred, []
            for statement, parameters in deferred:
                await connection.execute(statement, parameters)
        return connection

    async def execute(self, statement: Any, parameters: Any = None) -> Any:
        return await (await self._ready()).execute(statement, parameters)

    async def scalars(self, statement: Any, parameters: Any = None) -> Any:
        return await (await self._ready()).scalars(statement, parameters)

    async def scalar(self, statement: Any, parameters: Any = None) -> Any:
        return await (await self._ready()).scalar(statement, parameters)

    async def run_sync(self, fn: Callable[[Connection], Any]) -> Any:
        """Several reads in one call into SQLAlchemy's synchronous side (one greenlet)."""
        return await (await self._ready()).run_sync(fn)

    async def driver_connection(self) -> Any:
        """The driver's own connection (asyncpg's, or storage/sqlite_driver.py's), for a
        read too long for SQLAlchemy's row processing: the reports' register
        (storage/reports.py)."""
        return (await (await self._ready()).get_raw_connection()).driver_connection

    async def commit(self) -> None:
        """Execute the deferred statements and commit. On SQLite they go to the driver
        together with the COMMIT, in one call (storage/sqlite_driver.py)."""
        deferred, self.deferred = self.deferred, []
        if not deferred:
            if self._connection is not None:
                await self._connection.commit()
            return
        if self._connection is None and await self._commit_pooled(deferred):
            return
        connection = await self._open()
        sync = connection.sync_connection
        if sync is not None and not sync.invalidated:
            # Checked out already: reading the DBAPI connection does no I/O (no greenlet).
            raw = sync.connection.driver_connection
        else:
            raw = (await connection.get_raw_connection()).driver_connection
        if isinstance(raw, InlineConnection):
            await raw.batch_and_commit(
                [_sqlite_statement(connection.dialect, s, p) for s, p in deferred]
            )
            if connection.in_transaction():
                await connection.commit()  # SQLAlchemy's bookkeeping; SQLite has nothing open
            return
        for statement, parameters in deferred:
            await connection.execute(statement, parameters)
        await connection.commit()

    async def _commit_pooled(self, deferred: list[tuple[Any, dict[str, Any]]]) -> bool:
        """Nothing was read, so no connection is open: on SQLite, take the pool's DBAPI
        connection itself for the batch and its COMMIT, without building a SQLAlchemy
        Connection around it (its checkout, events and close measured about a tenth of a
        dialog step's CPU). False, with the connection back in the pool, for any other
        driver."""
        if self.bind.dialect.name != "sqlite":
            return False
        pooled = await self.bind.raw_connection()
        try:
            raw = pooled.driver_connection
            if not isinstance(raw, InlineConnection):
                return False
            await raw.batch_and_commit(
                [_sqlite_statement(self.bind.dialect, s, p) for s, p in deferred]
            )
            return True
        finally:
            pooled.close()

    async def rollback(self) -> None:
        self.deferred = []
        if self._connection is not None:
            await self._connection.rollback()

    async def close(self) -> None:
        if self._connection is not None:
            connection, self._connection = self._connection, None
            await connection.close()


class UnitOfWork:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        clock: Clock,
        update_id: int | None = None,
        chat_id: int | None = None,
        piggyback: Callable[[UnitOfWork], None] | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._clock = clock
        self.update_id = update_id
        self.chat_id = chat_id
        # Set once the update's handler has returned: a record of the update written from
        # then on is written as answered, one written before waits for `awaits_answer`.
        self.handled = False
        # Set by the dialog storage when this commit leaves a dialog waiting for the person's
        # next answer: only then does a crash before the reply leave them without a question.
        self.dialog_continues = False
        # Called at each commit that writes anything, to add writes that cost nothing extra
        # when they travel with another (the answered marks of storage/dedup.py).
        self._piggyback = piggyback
        self._session: LazyConnection | None = None
        self._written = False
        self._effects = False
        self._update_recorded = False
        self._recorded_unanswered = False
        # Deferred writes that are cheaper to do once at commit (dialog state).
        self.pending: dict[str, Any] = {}
        self._before_commit: list[Callable[[UnitOfWork], Any]] = []
        self._after_commit: list[Callable[[], None]] = []
        self._commit_failed: list[Callable[[], None]] = []
        # Cache keys this unit of work has written (storage/cache.py).
        self.touched: set[Hashable] = set()

    # -- access -------------------------------------------------------------------------
    @property
    def session(self) -> LazyConnection:
        if self._session is None:
            bind = self._sessionmaker.kw["bind"]
            self._session = LazyConnection(bind)
        return self._session

    @property
    def has_session(self) -> bool:
        return self._session is not None

    @property
    def awaits_answer(self) -> bool:
        """The update moved a dialog on and was recorded before its handler finished (a
        commit before the next question): its record says unanswered until
        `UpdateDeduplicator.answered` is stored (storage/dedup.py)."""
        return self._recorded_unanswered

    def mark_written(self, *, effect: bool = True) -> None:
        """Something was written. Every write of an update records the update as processed
        in the same transaction, dialog steps included: a redelivered step is skipped rather
        than applied to the step after it (a T1 reading taken as T2). `effect=False` is for
        bookkeeping that is no effect of the update (it may be repeated harmlessly)."""
        self._written = True
        self._effects = self._effects or effect

    def defer(self, statement: Any, parameters: dict[str, Any], *, effect: bool) -> None:
        """A write whose result nobody reads: executed at commit, with the COMMIT."""
        self.session.deferred.append((statement, parameters))
        self.mark_written(effect=effect)

    def before_commit(self, callback: Callable[[UnitOfWork], Any]) -> None:
        """Register an async callback(uow) that writes deferred data at commit."""
        if callback not in self._before_commit:
            self._before_commit.append(callback)

    def after_commit(self, callback: Callable[[], None]) -> None:
        self._after_commit.append(callback)

    def if_commit_fails(self, callback: Callable[[], None]) -> None:
        """Called if the commit under way fails (after its rollback)."""
        self._commit_failed.append(callback)

    # -- lifecycle ----------------------------------------------------------------------
    def bind(self) -> object:
        return _current.set(self)

    @staticmethod
    def unbind(token: object) -> None:
        _current.reset(token)  # type: ignore[arg-type]

    async def commit(self) -> None:
        """Store everything written so far; a no-op (and no connection) if nothing was."""
        if (
            not self._written
            and self._session is None
            and not self._before_commit
            and not self._after_commit
            and not self.pending
            and not self.touched
            and not self.dialog_continues
        ):
            return  # before every Bot API request (bot/middlewares.py): mostly this
        try:
            for callback in self._before_commit:
                await callback(self)
            if self._written:
                waiting = self.dialog_continues and not self.handled
                now_waiting = False
                if self.update_id is not None and self._effects and not self._update_recorded:
                    self.session.deferred.append(
                        (
                            _RECORD_UPDATE,
                            {
                                "update_id": self.update_id,
                                "processed_at": self._clock.now(),
                                "chat_id": self.chat_id,
                                "answered": not waiting,
                            },
                        )
                    )
                    self._update_recorded = True
                    now_waiting = waiting
                elif self._update_recorded and waiting and not self._recorded_unanswered:
                    # Recorded by an earlier commit of this update; the dialog moves on now.
                    self.session.deferred.append((_AWAIT_ANSWER, {"waiting_id": self.update_id}))
                    now_waiting = True
                if self._piggyback is not None:
                    self._piggyback(self)
                await self.session.commit()
                if now_waiting:
                    self._recorded_unanswered = True
                for after in self._after_commit:
                    after()
            elif self._session is not None:
                await self._session.rollback()
        except (IntegrityError, sqlite3.IntegrityError) as exc:
            self._failed()
            await self.rollback()
            where = str(getattr(exc, "statement", "") or exc)
            if self.update_id is not None and "processed_updates" in where:
                raise DuplicateUpdate(self.update_id) from None
            raise
        except BaseException:
            self._failed()
            await self.rollback()
            raise
        finally:
            self._reset()
        await self._release()

    def _failed(self) -> None:
        failed, self._commit_failed = self._commit_failed, []
        for callback in failed:
            callback()

    async def rollback(self) -> None:
        if self._session is not None:
            try:
                await self._session.rollback()
            finally:
                await self._release()
        self._reset()

    async def _release(self) -> None:
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()

    def _reset(self) -> None:
        self._written = False
        self._effects = False
        self.dialog_continues = False
        self.touched = set()
        self.pending = {}
        self._before_commit = []
        self._after_commit = []
        self._commit_failed = []

    async def close(self) -> None:
        await self.rollback()

    async def __aenter__(self) -> UnitOfWork:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        """Leaving the block without `commit()` (or by an exception) rolls back."""
        await self.close()


async def skip_flush_wait(uow: UnitOfWork) -> None:
    """Let this transaction's commit return before PostgreSQL flushes its WAL (no-op on
    SQLite, whose commits in WAL mode with synchronous=NORMAL do not wait for a flush either).

    For writes that only narrow an at-least-once window — the outcome of a Bot API call that
    already went out, a forum topic just created — so the window between the call and this
    commit is one round trip, not a disk flush. The row survives a crash of the bot (the
    server has it), which is the threat; a crash of the database server itself may lose it
    and then costs a repeated message or topic, never a record. Records keep full
    durability: they are never written through this."""
    if uow.session.bind.dialect.name == "postgresql":
        await uow.session.execute(text("SET LOCAL synchronous_commit TO OFF"))
