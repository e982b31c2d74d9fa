"""Moving the bot's data from one database to another (`reception migrate-data`, SQLite to
PostgreSQL): both migrated to the current schema, then every table copied in dependency
order (`Base.metadata.sorted_tables`), a batch at a time in primary-key order, the target's
sequences set past the highest id, and the row counts compared.

The target must be empty: a table with rows refuses the move unless `force`, which empties
the target first. On PostgreSQL the copy runs with foreign-key triggers off for its own
transaction (`session_replication_role = replica`, a superuser's right) where allowed,
since a table may refer to itself (an appeal linked to a later one); without that right
the dependency order alone is used.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Integer, Table, func, insert, select, text, tuple_
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from storage.migrate import upgrade
from storage.models import Base

logger = logging.getLogger(__name__)


class TargetNotEmpty(Exception):
    def __init__(self, tables: list[str]) -> None:
        super().__init__(", ".join(tables))
        self.tables = tables


class CountMismatch(Exception):
    def __init__(self, table: str, source: int, target: int) -> None:
        super().__init__(f"{table}: {source} rows in the source, {target} in the target")
        self.table, self.source, self.target = table, source, target


@dataclass(frozen=True, slots=True)
class MoveReport:
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


async def _count(connection: AsyncConnection, table: Table) -> int:
    return int(await connection.scalar(select(func.count()).select_from(table)) or 0)


async def non_empty_tables(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as connection:
        return [t.name for t in Base.metadata.sorted_tables if await _count(connection, t)]


async def move_data(
    source: AsyncEngine,
    target: AsyncEngine,
    *,
    force: bool = False,
    batch: int = 1000,
    progress: Callable[[str, int], None] | None = None,
) -> MoveReport:
    """Copy every table of `source` into `target` (see the module docstring)."""
    await upgrade(source)
    await upgrade(target)
    filled = await non_empty_tables(target)
    if filled and not force:
        raise TargetNotEmpty(filled)
    tables = Base.metadata.sorted_tables
    counts: dict[str, int] = {}
    async with source.connect() as reading, target.begin() as writing:
        if target.dialect.name == "postgresql":
            try:
                async with writing.begin_nested():
                    await writing.execute(text("SET LOCAL session_replication_role = replica"))
            except DBAPIError:
                logger.info("migrate-data: foreign keys stay on (not a superuser)")
        for table in reversed(tables):
            if filled:
                await writing.execute(table.delete())
        for table in tables:
            counts[table.name] = await _copy(reading, writing, table, batch)
            if progress is not None:
                progress(table.name, counts[table.name])
        if target.dialect.name == "postgresql":
            await _reset_sequences(writing, tables)
        for table in tables:
            moved = await _count(writing, table)
            if moved != counts[table.name]:
                raise CountMismatch(table.name, counts[table.name], moved)
    return MoveReport(counts)


async def _copy(
    reading: AsyncConnection, writing: AsyncConnection, table: Table, batch: int
) -> int:
    key = list(table.primary_key.columns)
    copied = 0
    after: tuple[object, ...] | None = None
    while True:
        query = select(table).order_by(*key).limit(batch)
        if after is not None:
            query = query.where(
                tuple_(*key) > tuple_(*after) if len(key) > 1 else key[0] > after[0]
            )
        rows = (await reading.execute(query)).all()
        if not rows:
            return copied
        await writing.execute(insert(table), [dict(row._mapping) for row in rows])
        copied += len(rows)
        last = rows[-1]._mapping
        after = tuple(last[column.name] for column in key)
        if len(rows) < batch:
            return copied


async def _reset_sequences(writing: AsyncConnection, tables: list[Table]) -> None:
    """Every serial id's sequence set past the highest id copied (else the next insert
    would collide with a copied row)."""
    for table in tables:
        key = list(table.primary_key.columns)
        if len(key) != 1 or not isinstance(key[0].type, Integer):
            continue
        sequence = await writing.scalar(
            text("SELECT pg_get_serial_sequence(:table, :column)"),
            {"table": table.name, "column": key[0].name},
        )
        if sequence is None:
            continue
        await writing.execute(
            text(
                f'SELECT setval(:sequence, COALESCE((SELECT MAX("{key[0].name}") FROM '
                f'"{table.name}"), 0) + 1, false)'
            ),
            {"sequence": sequence},
        )
