"""One thread hop per SQL statement on SQLite.

SQLAlchemy's aiosqlite adapter makes four hops to aiosqlite's worker thread for every
statement (cursor, execute, fetchall, close), and on a small machine each hop costs tens of
microseconds of event-loop wake-ups: more than the statement itself. This look-alike of
`aiosqlite.Connection` runs a whole statement, with its fetch, in one hop, keeping the
worker thread (a locked database never blocks the event loop). It relies on aiosqlite's
`Connection._execute(fn)`, which runs a function in that thread; tests cover it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, cast

import aiosqlite

_Result = tuple[Any, int, int | None, list[Any], bool]


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


def _batch_and_commit(
    conn: Any, statements: Sequence[tuple[str, Sequence[Any]]], read_header: HeaderReader | None
) -> Observation:
    try:
        for sql, parameters in statements:
            conn.execute(sql, parameters)
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    return _observe(conn, read_header)


def _in_thread(connection: aiosqlite.Connection) -> Callable[..., Awaitable[Any]]:
    """aiosqlite's `Connection._execute(fn, *args)`: run fn in its thread (untyped upstream)."""
    return cast(Callable[..., Awaitable[Any]], connection._execute)


class OneHopCursor:
    arraysize = 1

    def __init__(self, owner: OneHopConnection) -> None:
        self._owner = owner
        self._connection = owner._inner
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self._rows: list[Any] = []

    async def __aenter__(self) -> OneHopCursor:
        return self

    async def __aexit__(self, *_: object) -> None:
        return None

    def _take(self, result: _Result) -> None:
        self.description, self.rowcount, self.lastrowid, rows, in_transaction = result
        self._rows = rows
        self._owner.in_transaction = in_transaction

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> OneHopCursor:
        connection = self._connection
        run = _in_thread(connection)
        self._take(await run(_execute, connection._conn, sql, parameters or ()))
        return self

    async def executemany(self, sql: str, seq_of_parameters: Iterable[Any]) -> OneHopCursor:
        connection = self._connection
        run = _in_thread(connection)
        rows = list(seq_of_parameters)
        self._take(await run(_executemany, connection._conn, sql, rows))
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


class OneHopConnection:
    """Delegates to aiosqlite.Connection, except for cursors, commit and rollback.

    It knows whether SQLite has a transaction open (the worker thread reports it with every
    result), so committing or rolling back nothing costs no hop: a unit of work that only
    read gives its connection back for free.

    With an `observer` (storage/freshness.py), every commit also reports, from the same hop,
    what the connection saw right after it: so a process knows which changes were its own.
    """

    _own = frozenset({"_inner", "in_transaction", "observer", "read_header"})
    _inner: aiosqlite.Connection
    in_transaction: bool
    observer: Callable[[Observation], None] | None
    read_header: HeaderReader | None

    def __init__(self, connection: aiosqlite.Connection) -> None:
        object.__setattr__(self, "_inner", connection)
        object.__setattr__(self, "in_transaction", False)
        object.__setattr__(self, "observer", None)
        object.__setattr__(self, "read_header", None)

    def cursor(self) -> OneHopCursor:
        return OneHopCursor(self)

    async def commit(self) -> None:
        if not self.in_transaction:
            return
        inner = self._inner
        observer = self.observer
        try:
            if observer is None:
                await inner.commit()
            else:
                observer(await _in_thread(inner)(_commit, inner._conn, self.read_header))
        finally:
            self.in_transaction = False

    async def rollback(self) -> None:
        if self.in_transaction:
            await self._inner.rollback()
            self.in_transaction = False

    async def batch_and_commit(self, statements: Sequence[tuple[str, Sequence[Any]]]) -> None:
        """Run the statements and commit, in one hop; on error, roll back and raise."""
        inner = self._inner
        run = _in_thread(inner)
        try:
            observation = await run(_batch_and_commit, inner._conn, statements, self.read_header)
        finally:
            self.in_transaction = False
        if self.observer is not None:
            self.observer(observation)

    async def observe(self) -> Observation:
        """The WAL-index header, then `PRAGMA data_version`, which changes when another
        connection has committed (never for this connection's own commits). One hop; no
        transaction is begun."""
        inner = self._inner
        observation: Observation = await _in_thread(inner)(_observe, inner._conn, self.read_header)
        return observation

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self._own:
            object.__setattr__(self, name, value)
        else:
            setattr(self._inner, name, value)


async def connect(database: str) -> OneHopConnection:
    connection = aiosqlite.connect(database)
    # aiosqlite's worker thread must not keep the process alive at exit (as SQLAlchemy's own
    # aiosqlite dialect does); it has to be set before the thread starts.
    connection._thread.daemon = True
    return OneHopConnection(await connection)
