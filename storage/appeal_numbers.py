"""Registration numbers: a sequence per year, no gaps, no duplicates (SPEC §2).

The next number is taken with one atomic upsert on the year's row, inside the transaction
that registers the appeal: concurrent registrations queue on that row (PostgreSQL's row
lock; SQLite's single writer), and a registration that rolls back gives its number back.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from storage.models import AppealSequenceRow
from storage.uow import UnitOfWork


@lru_cache(maxsize=4)
def _take_next(dialect: str) -> Any:
    insert_ = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert_(AppealSequenceRow)
    return statement.on_conflict_do_update(
        index_elements=[AppealSequenceRow.year], set_={"last": AppealSequenceRow.last + 1}
    ).returning(AppealSequenceRow.last)


async def next_sequence(uow: UnitOfWork, year: int) -> int:
    session = uow.session
    statement = _take_next(session.bind.dialect.name)
    result = await session.execute(statement, {"year": year, "last": 1})
    uow.mark_written()
    return int(result.scalar_one())
