"""Submitted drafts over SQLAlchemy Core: the token of a dialog's final button and the record
it became (domain/drafts.py). The token is the primary key, so one draft never becomes two
records, even if two presses raced past every check."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, insert, select

from domain.drafts import DraftKind, DraftToken
from storage.models import SubmittedDraftRow
from storage.uow import UnitOfWork

_FIND = select(SubmittedDraftRow.record_id).where(
    SubmittedDraftRow.token == bindparam("token"),
    SubmittedDraftRow.kind == bindparam("kind"),
)
_ADD = insert(SubmittedDraftRow)


class SqlSubmittedDrafts:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def record_of(self, kind: DraftKind, token: DraftToken) -> int | None:
        found = await self._uow.session.scalar(_FIND, {"token": token, "kind": kind.value})
        return int(found) if found is not None else None

    async def remember(
        self, kind: DraftKind, token: DraftToken, record_id: int, *, at: datetime
    ) -> None:
        # Nobody reads it back within the update: it travels with the COMMIT.
        self._uow.defer(
            _ADD,
            {"token": token, "kind": kind.value, "record_id": record_id, "submitted_at": at},
            effect=True,
        )
