"""The drafts staff prepare in the chat (a source file's dry run, a /notify text), decided
once by a conditional UPDATE: a second press of a button, even a concurrent one, finds the
draft decided (domain/notice_lifecycle.py DRAFT_TRANSITIONS)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update

from domain.notice_lifecycle import Draft, DraftStatus
from storage.models import NoticeDraftRow
from storage.uow import UnitOfWork


class SqlNoticeDrafts:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    @property
    def _session(self) -> Any:
        return self._uow.session

    async def add_draft(
        self,
        *,
        kind: str,
        topic: str,
        file_name: str,
        content: str,
        created_by: int,
        created_at: datetime,
    ) -> int:
        result = await self._session.execute(
            insert(NoticeDraftRow)
            .values(
                status=DraftStatus.DRAFT.value,
                kind=kind,
                topic=topic,
                file_name=file_name,
                content=content,
                created_by=created_by,
                created_at=created_at,
            )
            .returning(NoticeDraftRow.id)
        )
        self._uow.mark_written()
        return int(result.scalar_one())

    async def draft(self, draft_id: int) -> Draft | None:
        row = (
            await self._session.execute(
                select(NoticeDraftRow).where(NoticeDraftRow.id == draft_id)
            )
        ).first()
        if row is None:
            return None
        return Draft(
            id=row.id,
            kind=row.kind,
            topic=row.topic,
            file_name=row.file_name,
            content=row.content,
            status=DraftStatus(row.status),
            created_by=row.created_by,
            created_at=row.created_at,
        )

    async def decide_draft(self, draft_id: int, status: DraftStatus, *, at: datetime) -> bool:
        """draft -> confirmed | cancelled, once: a second press finds it decided."""
        result = await self._session.execute(
            update(NoticeDraftRow)
            .where(NoticeDraftRow.id == draft_id, NoticeDraftRow.status == DraftStatus.DRAFT.value)
            .values(status=status.value, decided_at=at)
        )
        self._uow.mark_written()
        return bool(result.rowcount)
