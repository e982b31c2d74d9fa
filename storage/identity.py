"""The identity data of ПП 55 complaints, sealed at rest (storage/crypto.py): one row per
appeal in `appeal_identities`, the whole set encrypted as one JSON object. Opened only by
`identity`, which staff reach through StaffDesk.identity (a role check and an audit line)."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.appeals import AppealId
from domain.errors import SealBroken
from domain.pp55 import Identity
from services.ports import SecretBox
from storage.crypto import FernetBox
from storage.models import AppealIdentityRow
from storage.uow import UnitOfWork


def identity_json(identity: Identity) -> str:
    return json.dumps(
        {
            "passport_series": identity.passport_series,
            "passport_number": identity.passport_number,
            "birth_date": identity.birth_date.isoformat() if identity.birth_date else "",
            "birth_place": identity.birth_place,
        },
        ensure_ascii=False,
    )


def identity_of_json(text: str) -> Identity:
    value = json.loads(text)
    born = str(value.get("birth_date") or "")
    return Identity(
        passport_series=str(value.get("passport_series", "")),
        passport_number=str(value.get("passport_number", "")),
        birth_date=date.fromisoformat(born) if born else None,
        birth_place=str(value.get("birth_place", "")),
    )


class SqlIdentityVault:
    def __init__(self, uow: UnitOfWork, box: SecretBox | None) -> None:
        self._uow = uow
        self._box = box

    def _sealer(self) -> SecretBox:
        if self._box is None:  # a tool built without the settings' key: never store plain
            raise RuntimeError("no PD_ENCRYPTION_KEY box configured")
        return self._box

    async def keep(self, appeal_id: AppealId, identity: Identity) -> None:
        sealed = self._sealer().seal(identity_json(identity))
        await self._uow.session.execute(
            insert(AppealIdentityRow), {"appeal_id": appeal_id, "sealed": sealed}
        )
        self._uow.mark_written()

    async def identity(self, appeal_id: AppealId) -> Identity | None:
        sealed = await self._uow.session.scalar(
            select(AppealIdentityRow.sealed).where(AppealIdentityRow.appeal_id == appeal_id)
        )
        if sealed is None:
            return None
        return identity_of_json(self._sealer().open(sealed))


async def reseal_identities(
    sessionmaker: async_sessionmaker[AsyncSession], box: FernetBox, *, batch: int = 200
) -> tuple[int, int]:
    """Every sealed identity sealed again with the box's first key (a key rotation: `reception
    pdata rotate`), a batch per transaction. Returns (re-sealed, unreadable): a row no
    configured key opens is left as it is, and counted."""
    resealed = unreadable = 0
    after = -1
    while True:
        async with sessionmaker() as session, session.begin():
            rows = (
                await session.execute(
                    select(AppealIdentityRow.appeal_id, AppealIdentityRow.sealed)
                    .where(AppealIdentityRow.appeal_id > after)
                    .order_by(AppealIdentityRow.appeal_id)
                    .limit(batch)
                )
            ).all()
            for appeal_id, sealed in rows:
                try:
                    fresh = box.rotate(sealed)
                except SealBroken:
                    unreadable += 1
                    continue
                await session.execute(
                    update(AppealIdentityRow)
                    .where(AppealIdentityRow.appeal_id == appeal_id)
                    .values(sealed=fresh)
                )
                resealed += 1
        if len(rows) < batch:
            return resealed, unreadable
        after = rows[-1].appeal_id
