"""The consent texts' archive (services/ports.py ConsentArchive)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from storage.models import ConsentTextRow
from storage.uow import UnitOfWork


class SqlConsentArchive:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self._known: dict[str, str] = {}

    async def keep(self, *, version: str, body: str, digest: str, at: datetime) -> str:
        if version in self._known:
            return self._known[version]
        session = self._uow.session
        stored = await session.scalar(
            select(ConsentTextRow.digest).where(ConsentTextRow.version == version)
        )
        if stored is None:
            insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
            await session.execute(
                insert(ConsentTextRow)
                .values(version=version, body=body, digest=digest, archived_at=at)
                .on_conflict_do_nothing(index_elements=["version"])
            )
            self._uow.mark_written()
            stored = digest
        self._known[version] = stored
        return stored

    async def text(self, version: str) -> str | None:
        return await self._uow.session.scalar(
            select(ConsentTextRow.body).where(ConsentTextRow.version == version)
        )
