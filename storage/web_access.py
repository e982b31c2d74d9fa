"""The web desk's login links and sessions (services/web_access.py) over SQLAlchemy Core."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select, update

from services.web_access import WebSession
from storage.models import WebLoginRow, WebSessionRow
from storage.uow import UnitOfWork


class SqlWebLogins:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def add_link(
        self, token_hash: str, *, user_id: int, at: datetime, expires_at: datetime
    ) -> None:
        await self._uow.session.execute(
            insert(WebLoginRow).values(
                token_hash=token_hash, user_id=user_id, created_at=at, expires_at=expires_at
            )
        )
        self._uow.mark_written()

    async def use_link(self, token_hash: str, *, at: datetime) -> int | None:
        # One conditional UPDATE: two tabs opening the same link cannot both win.
        result = await self._uow.session.execute(
            update(WebLoginRow)
            .where(
                WebLoginRow.token_hash == token_hash,
                WebLoginRow.used_at.is_(None),
                WebLoginRow.expires_at > at,
            )
            .values(used_at=at)
            .returning(WebLoginRow.user_id)
        )
        user_id = result.scalar_one_or_none()
        if user_id is None:
            return None
        self._uow.mark_written()
        return int(user_id)

    async def add_session(self, session: WebSession) -> None:
        await self._uow.session.execute(
            insert(WebSessionRow).values(
                id_hash=session.id_hash,
                user_id=session.user_id,
                created_at=session.created_at,
                seen_at=session.seen_at,
                ended_at=session.ended_at,
            )
        )
        self._uow.mark_written()

    async def session(self, id_hash: str) -> WebSession | None:
        row = (
            await self._uow.session.execute(
                select(
                    WebSessionRow.id_hash,
                    WebSessionRow.user_id,
                    WebSessionRow.created_at,
                    WebSessionRow.seen_at,
                    WebSessionRow.ended_at,
                ).where(WebSessionRow.id_hash == id_hash)
            )
        ).first()
        if row is None:
            return None
        return WebSession(
            id_hash=row.id_hash,
            user_id=int(row.user_id),
            created_at=row.created_at,
            seen_at=row.seen_at,
            ended_at=row.ended_at,
        )

    async def touch(self, id_hash: str, *, at: datetime) -> None:
        await self._uow.session.execute(
            update(WebSessionRow).where(WebSessionRow.id_hash == id_hash).values(seen_at=at)
        )
        self._uow.mark_written(effect=False)

    async def end(self, id_hash: str, *, at: datetime) -> None:
        await self._uow.session.execute(
            update(WebSessionRow)
            .where(WebSessionRow.id_hash == id_hash, WebSessionRow.ended_at.is_(None))
            .values(ended_at=at)
        )
        self._uow.mark_written()
