"""SQLite without a thread hop, unless SQLite makes us wait.

SQLAlchemy's aiosqlite adapter sends every statement to aiosqlite's worker thread, and
back: four hops per statement (cursor, execute, fetchall, close). A hop is cheap on an idle
machine (~50 µs) but on a busy one each of its two wake-ups waits for a CPU: measured 0.5–
2 ms per hop in bench/throughput.py, more than everything else a dialog step costs. SQLite
itself, on the bot's small hot database in WAL mode, answers in microseconds.

So this look-alike of `aiosqlite.Connection` runs each statement (with its fetch), each
batch of writes with its COMMIT, and each rollback right here, on the event loop's thread,
with SQLite's busy timeout at zero: SQLite never waits for a lock on this thread. When it
would have to (another process — an import, the console — holds the write lock, SQLite
answers SQLITE_BUSY before changing anything), the same work is handed to aiosqlite's
worker thread with the busy timeout set (`busy_timeout`, 5 s from storage/engine.py), where
SQLite waits as it always did; until that is done, everything else on the connection goes
to that thread too, in order. So a locked database still never blocks the event loop, and
what SQLite does — the same statements, transactions and commits — is unchanged.

aiosqlite is kept for opening and closing the connection and for that worker thread
(SQLAlchemy's dialect needs it); this relies on three of its private attributes:
`Connection._execute(fn)` (run fn in its thread), `_conn` (the sqlite3 connection) and
`_thread` (the worker). tests/storage/test_sqlite_driver.py checks they are there, and
pyproject.toml pins aiosqlite to the versions tested.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterable, Sequence
from typing import Any, cast

import aiosqlite

_Result = tuple[Any, int, int | None, list[Any], bool]
_BUSY = sqlite3.SQLITE_BUSY


def _execute(conn: Any, sql: str, parameters: Any) -> _Result:
    cursor = conn.cursor()
    try:
        cursor.execute(sql, parameters)
        rows = cursor.fetchall() if cursor.description else []
        return cursor.description, cursor.rowcount, cursor.lastrowid, rows, conn.in_transaction
    finally:
        cursor.close()


def _executemany(conn: Any, sql: str, seq_of_parameters: Iterable[Any]) -> _Result:
    cursor = conn.cursor()
    try:
        cursor.executemany(sql, seq_of_parameters)
        return cursor.description, cursor.rowcount, cursor.lastrowid, [], conn.in_transaction
    finally:
        cursor.close()


def _open_cursor(conn: Any, sql: str, parameters: Sequence[Any]) -> Any:
    cursor = conn.cursor()
    try:
        cursor.execute(sql, parameters)
    except BaseException:
        cursor.close()
        raise
    return cursor


def _fetch(_conn: Any, cursor: Any, size: int) -> list[Any]:
    return cast(list[Any], cursor.fetchmany(size))


def _close(_conn: Any, cursor: Any) -> None:
    cursor.close()


# What a connection saw of the database at one moment (storage/freshness.py): the WAL-index
# header (None when it cannot be read), then `PRAGMA data_version`, read in this order.
Observation = tuple[bytes | None, int]
HeaderReader = Callable[[], bytes | None]


def _observe(conn: Any, read_header: HeaderReader | None) -> Observation:
    header = read_header() if read_header is not None else None
    return header, int(conn.execute("PRAGMA data_version").fetchone()[0])


def _commit(conn: Any, read_header: HeaderReader | None) -> Observation:
    conn.commit()
    return _observe(conn, read_header)


def _rollback(conn: Any) -> None:
    conn.rollback()


class _Busy(Exception):
    """SQLite would have to wait for a lock: do the rest in the worker thread."""

    def __init__(self, done: int) -> None:
        super().__init__(done)
        self.done = done  # statements of a batch that went through before it


def _is_busy(error: sqlite3.OperationalError) -> bool:
    return (getattr(error, "sqlite_errorcode", 0) & 0xFF) == _BUSY


def _batch_and_commit(
    conn: Any,
    statements: Sequence[tuple[str, Sequence[Any]]],
    read_header: HeaderReader | None,
    *,
    waits: bool = True,
) -> Observation:
    """Run the statements and commit; on error roll back and raise. With `waits=False` (the
    event loop's thread, busy timeout zero) SQLITE_BUSY raises `_Busy` instead, with nothing
    rolled back: a statement SQLite answers BUSY has changed nothing, so the worker thread
    goes on from it."""
    done = 0
    try:
        for sql, parameters in statements:
            conn.execute(sql, parameters)
            done += 1
        conn.commit()
    except sqlite3.OperationalError as error:
        if not waits and _is_busy(error):
            raise _Busy(done) from error
        conn.rollback()
        raise
    except BaseException:
        conn.rollback()
        raise
    return _observe(conn, read_header)


def _in_thread(connection: aiosqlite.Connection) -> Callable[..., Awaitable[Any]]:
    """aiosqlite's `Connection._execute(fn, *args)`: run fn in its thread (untyped upstream)."""
    return cast(Callable[..., Awaitable[Any]], connection._execute)


def _waiting(fn: Callable[..., Any], busy_timeout_ms: int) -> Callable[..., Any]:
    """fn, run with SQLite's busy timeout set (in the worker thread), then zero again."""

    def run(conn: Any, *args: Any) -> Any:
        conn.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        try:
            return fn(conn, *args)
        finally:
            conn.execute("PRAGMA busy_timeout=0")

    return run


class InlineCursor:
    arraysize = 1

    def __init__(self, owner: InlineConnection) -> None:
        self._owner = owner
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self._rows: list[Any] = []

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *_: object) -> None:
        return None

    def _take(self, result: _Result) -> None:
        self.description, self.rowcount, self.lastrowid, rows, in_transaction = result
        self._rows = rows
        self._owner.in_transaction = in_transaction

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> InlineCursor:
        self._take(await self._owner.run(_execute, sql, parameters or ()))
        return self

    async def executemany(self, sql: str, seq_of_parameters: Iterable[Any]) -> InlineCursor:
        rows = list(seq_of_parameters)
        self._take(await self._owner.run(_executemany, sql, rows))
        return self

    async def fetchall(self) -> list[Any]:
        rows, self._rows = self._rows, []
        return rows

    async def fetchone(self) -> Any:
        return self._rows.pop(0) if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        count = size or self.arraysize
        rows, self._rows = self._rows[:count], self._rows[count:]
        return rows

    async def close(self) -> None:
        self._rows = []


class InlineConnection:
    """Delegates to aiosqlite.Connection, except for cursors, commit and rollback, which run
    on the calling thread (see the module docstring).

    It knows whether SQLite has a transaction open (every result reports it), so committing
    or rolling back nothing costs nothing: a unit of work that only read gives its
    connection back for free.

    With an `observer` (storage/freshness.py), every commit also reports what the connection
    saw right after it: so a process knows which changes were its own.
    """

    _own = frozenset(
        {"_inner", "_busy_timeout_ms", "_in_worker", "in_transaction", "observer", "read_header"}
    )
    _inner: aiosqlite.Connection
    _busy_timeout_ms: int
    _in_worker: int
    in_transaction: bool
    observer: Callable[[Observation], None] | None
    read_header: HeaderReader | None

    def __init__(self, connection: aiosqlite.Connection, *, busy_timeout_ms: int) -> None:
        object.__setattr__(self, "_inner", connection)
        object.__setattr__(self, "_busy_timeout_ms", busy_timeout_ms)
        # Work handed to the worker thread and not finished: while there is any, all work
        # goes there, in order (the connection is never used from two threads at once).
        object.__setattr__(self, "_in_worker", 0)
        object.__setattr__(self, "in_transaction", False)
        object.__setattr__(self, "observer", None)
        object.__setattr__(self, "read_header", None)

    async def _in_worker_thread(self, fn: Callable[..., Any], *args: Any) -> Any:
        self._in_worker += 1
        try:
            inner = self._inner
            return await _in_thread(inner)(_waiting(fn, self._busy_timeout_ms), inner._conn, *args)
        finally:
            self._in_worker -= 1

    async def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        """fn(sqlite3 connection, *args) here; in the worker thread if SQLite is busy (fn must
        then have changed nothing: true of one statement) or the thread has work queued."""
        if not self._in_worker:
            try:
                return fn(self._inner._conn, *args)
            except sqlite3.OperationalError as error:
                if not _is_busy(error):
                    raise
        return await self._in_worker_thread(fn, *args)

    def cursor(self) -> InlineCursor:
        return InlineCursor(self)

    async def pages(
        self, sql: str, parameters: Sequence[Any], size: int
    ) -> AsyncGenerator[list[Any], None]:
        """A long read (the reports' register) in pages of `size` rows: one cursor, stepped
        a page at a time, each page as any statement here (on this thread unless SQLite is
        busy), so memory stays one page and the event loop serves others between pages. The
        rows are the driver's own tuples (no SQLAlchemy result processing)."""
        cursor = await self.run(_open_cursor, sql, parameters)
        try:
            while page := await self.run(_fetch, cursor, size):
                yield page
        finally:
            await self.run(_close, cursor)

    async def commit(self) -> None:
        if not self.in_transaction:
            return
        try:
            observation: Observation = await self.run(_commit, self.read_header)
        finally:
            self.in_transaction = False
        if self.observer is not None:
            self.observer(observation)

    async def rollback(self) -> None:
        if self.in_transaction:
            try:
                await self.run(_rollback)
            finally:
                self.in_transaction = False

    async def batch_and_commit(self, statements: Sequence[tuple[str, Sequence[Any]]]) -> None:
        """Run the statements and commit; on error, roll back and raise."""
        try:
            observation: Observation | None = None
            if not self._in_worker:
                try:
                    observation = _batch_and_commit(
                        self._inner._conn, statements, self.read_header, waits=False
                    )
                except _Busy as busy:
                    statements = statements[busy.done :]
            if observation is None:
                observation = await self._in_worker_thread(
                    _batch_and_commit, statements, self.read_header
                )
        finally:
            self.in_transaction = False
        if self.observer is not None:
            self.observer(observation)

    async def observe(self) -> Observation:
        """The WAL-index header, then `PRAGMA data_version`, which changes when another
        connection has committed (never for this connection's own commits). No transaction
        is begun."""
        observation: Observation = await self.run(_observe, self.read_header)
        return observation

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self._own:
            object.__setattr__(self, name, value)
        else:
            setattr(self._inner, name, value)


async def connect(database: str, *, busy_timeout: float) -> InlineConnection:
    """Open `database`; SQLite waits up to `busy_timeout` seconds for a lock, in the worker
    thread only (the connection's own timeout is zero)."""
    # check_same_thread=False: the connection is used from this thread and the worker, never
    # from both at once (`InlineConnection._in_worker`).
    connection = aiosqlite.connect(database, timeout=0, check_same_thread=False)
    # aiosqlite's worker thread must not keep the process alive at exit (as SQLAlchemy's own
    # aiosqlite dialect does); it has to be set before the thread starts.
    connection._thread.daemon = True
    return InlineConnection(await connection, busy_timeout_ms=int(busy_timeout * 1000))
