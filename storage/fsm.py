"""aiogram dialog state kept in our database, so a restart or crash loses nobody's place.

Reads are served from an in-process cache (filled from the database on first use), and
writes are deferred to the update's unit of work and stored in the same transaction as
the update's other effects, together with the update's id (storage/dedup.py): a dialog step
Telegram delivers again after a restart is skipped, not applied to the step after it. The
cache is per process: a commit by another process (the console, a second worker) makes the
bot drop it before its next update (storage/freshness.py), so it stays exact, but a busy
second writer would leave it nearly always empty; with several workers set REDIS_URL and the
bot uses aiogram's RedisStorage instead (bot/factory.py).
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, StateType, StorageKey
from sqlalchemy import bindparam, delete, exists, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.clock import Clock
from storage.models import DialogStateRow
from storage.uow import LazyConnection, UnitOfWork, current_uow

_PENDING = "fsm"
_EMPTY = "{}"


@dataclass(frozen=True, slots=True)
class _Record:
    state: str | None
    data: str  # JSON text: what the cache holds is exactly what the database holds

    @property
    def empty(self) -> bool:
        return self.state is None and self.data == _EMPTY


_NOTHING = _Record(None, _EMPTY)


def storage_key_id(key: StorageKey) -> str:
    return ":".join(
        (
            str(key.bot_id),
            str(key.chat_id),
            str(key.thread_id or 0),
            str(key.user_id),
            key.business_connection_id or "",
            key.destiny,
        )
    )


class DatabaseStorage(BaseStorage):
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        clock: Clock,
        cache_size: int = 100_000,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._clock = clock
        self._cache: OrderedDict[str, _Record] = OrderedDict()
        self._cache_size = cache_size
        # True while the cache holds every row of the table: then a miss means "no dialog"
        # without asking the database. Rows exist only for people in the middle of a dialog
        # (finished dialogs are deleted), so the table is small enough to load at start.
        self._complete = False
        # Moves on every reset: a row loaded before it may be older than what is stored now.
        self._epoch = 0

    async def warm_up(self) -> int:
        """Load every stored dialog at start; returns how many."""
        async with self._sessionmaker() as session:
            total = await session.scalar(select(func.count()).select_from(DialogStateRow))
            if not total or total > self._cache_size:
                self._complete = not total
                return int(total or 0)
            rows = await session.execute(
                select(DialogStateRow.key, DialogStateRow.state, DialogStateRow.data)
            )
            for row in rows:
                self._cache[row.key] = _Record(
                    row.state, json.dumps(row.data or {}, ensure_ascii=False, sort_keys=True)
                )
        self._complete = True
        return int(total)

    # -- BaseStorage -------------------------------------------------------------------
    async def get_state(self, key: StorageKey) -> str | None:
        return (await self._read(key)).state

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((await self._read(key)).data)
        return data

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        current = await self._read(key)
        value = state.state if isinstance(state, State) else state
        await self._write(key, _Record(value, current.data))

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        current = await self._read(key)
        # Serialised now, so a value the database cannot store fails in the handler that
        # put it there, not later at commit.
        encoded = json.dumps(dict(data), ensure_ascii=False, sort_keys=True)
        await self._write(key, _Record(current.state, encoded))

    async def close(self) -> None:
        self._cache.clear()

    def reset(self) -> None:
        """Another process wrote dialog states (storage/freshness.py): forget the copies; each
        is loaded again when next read."""
        self._cache.clear()
        self._complete = False
        self._epoch += 1

    async def has_any(self, uow: UnitOfWork, user_id: int) -> bool:
        """Is any dialog of this person (in any chat) stored or pending?"""
        pending = uow.pending.get(_PENDING) or {}
        if any(_user_of(k) == user_id and not r.empty for k, (_key, r) in pending.items()):
            return True
        if self._complete:
            return any(_user_of(k) == user_id and not r.empty for k, r in self._cache.items())
        return bool(
            await uow.session.scalar(select(exists().where(DialogStateRow.user_id == user_id)))
        )

    # -- erasure (consent withdrawal) ---------------------------------------------------
    async def erase_user(self, uow: UnitOfWork, user_id: int) -> None:
        """Delete every dialog state of a person, in the caller's transaction."""
        await uow.session.execute(delete(DialogStateRow).where(DialogStateRow.user_id == user_id))
        uow.mark_written()
        pending = self._pending(uow)
        for key_id in [k for k in pending if _user_of(k) == user_id]:
            pending[key_id] = (pending[key_id][0], _NOTHING)

        def forget() -> None:
            for key_id in [k for k in self._cache if _user_of(k) == user_id]:
                self._remember(key_id, _NOTHING)

        uow.after_commit(forget)

    # -- internals -----------------------------------------------------------------------
    @staticmethod
    def _pending(uow: UnitOfWork) -> dict[str, tuple[StorageKey, _Record]]:
        pending: dict[str, tuple[StorageKey, _Record]] = uow.pending.setdefault(_PENDING, {})
        return pending

    async def _read(self, key: StorageKey) -> _Record:
        key_id = storage_key_id(key)
        uow = current_uow()
        if uow is not None:
            pending = uow.pending.get(_PENDING)
            if pending and key_id in pending:
                record: _Record = pending[key_id][1]
                return record
        cached = self._cache.get(key_id)
        if cached is not None:
            self._cache.move_to_end(key_id)
            return cached
        if self._complete:
            return _NOTHING
        epoch = self._epoch
        if uow is not None:
            loaded = await self._load(uow.session, key_id)
        else:
            async with self._sessionmaker() as session:
                loaded = await self._load(session, key_id)
        if epoch == self._epoch:
            self._remember(key_id, loaded)
        return loaded

    @staticmethod
    async def _load(session: LazyConnection | AsyncSession, key_id: str) -> _Record:
        row = (await session.execute(_LOAD, {"key": key_id})).first()
        if row is None:
            return _NOTHING
        return _Record(row.state, json.dumps(row.data or {}, ensure_ascii=False, sort_keys=True))

    def _remember(self, key_id: str, record: _Record) -> None:
        if record.empty and self._complete:
            self._cache.pop(key_id, None)  # absent means empty while the cache is complete
            return
        self._cache[key_id] = record
        self._cache.move_to_end(key_id)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
            self._complete = False

    async def _write(self, key: StorageKey, record: _Record) -> None:
        if record == await self._read(key):
            return  # clearing an empty state (/start, /menu) writes nothing
        key_id = storage_key_id(key)
        uow = current_uow()
        if uow is None:
            # Outside an update (a job, the CLI): a transaction of its own.
            async with self._sessionmaker() as session:
                await self._store(session, {key_id: (key, record)})
                await session.commit()
            self._remember(key_id, record)
            return
        self._pending(uow)[key_id] = (key, record)
        uow.before_commit(self._flush)

    async def _flush(self, uow: UnitOfWork) -> None:
        pending = uow.pending.get(_PENDING)
        if not pending:
            return
        snapshot = dict(pending)
        now = self._clock.now()
        dialect = uow.session.bind.dialect.name
        for key_id, (key, record) in snapshot.items():
            if record.empty:
                uow.defer(_DELETE_ONE, {"key": key_id}, effect=True)
            else:
                uow.defer(_upsert(dialect), _row(key_id, key, record, now), effect=True)
                # A dialog in the middle: its next question is what a crash could lose.
                uow.dialog_continues = uow.dialog_continues or record.state is not None

        def apply() -> None:
            for key_id, (_key, record) in snapshot.items():
                self._remember(key_id, record)

        uow.after_commit(apply)

    async def _store(
        self,
        session: LazyConnection | AsyncSession,
        records: Mapping[str, tuple[StorageKey, _Record]],
    ) -> None:
        now = self._clock.now()
        empty = [key_id for key_id, (_key, record) in records.items() if record.empty]
        if empty:
            await session.execute(_DELETE, {"keys": empty})
        rows = [
            _row(key_id, key, record, now)
            for key_id, (key, record) in records.items()
            if not record.empty
        ]
        if rows:
            bind = session.bind
            statement = _upsert(bind.dialect.name if bind else "sqlite")
            await session.execute(statement, rows[0] if len(rows) == 1 else rows)


_LOAD = select(DialogStateRow.state, DialogStateRow.data).where(
    DialogStateRow.key == bindparam("key")
)
_DELETE_ONE = delete(DialogStateRow).where(DialogStateRow.key == bindparam("key"))
_DELETE = delete(DialogStateRow).where(DialogStateRow.key.in_(bindparam("keys", expanding=True)))


def _row(key_id: str, key: StorageKey, record: _Record, now: datetime) -> dict[str, Any]:
    return {
        "key": key_id,
        "user_id": key.user_id,
        "chat_id": key.chat_id,
        "state": record.state,
        "data": json.loads(record.data),
        "updated_at": now,
    }


@lru_cache(maxsize=4)
def _upsert(dialect: str) -> Any:
    """Built once per dialect, so SQLAlchemy compiles it once: a statement with the rows in
    `.values()` is a new statement every time and measured ~1 ms to compile on each write."""
    insert_ = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert_(DialogStateRow)
    return statement.on_conflict_do_update(
        index_elements=[DialogStateRow.key],
        set_={
            "state": statement.excluded.state,
            "data": statement.excluded.data,
            "updated_at": statement.excluded.updated_at,
        },
    )


def _user_of(key_id: str) -> int:
    return int(key_id.split(":")[3])
