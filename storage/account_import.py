"""Registry imports staged in the database and applied in short transactions: the port
RegistryImports of services/ports.py (what is promised: services/account_import.py,
StagedAccountImport).

Each method is a unit of work of its own, committed before it returns. A step reads and
prepares its rows first, then takes the run's row (on SQLite: the write lock, on PostgreSQL:
the row lock that makes two processes applying one run take turns), checks that the batch
is still there, and writes.

SQLite's write lock is not fair: a connection waiting for it sleeps and retries (1, 2, 5 …
25, 50, then 100 ms apart), and a writer that commits and at once begins its next
transaction can keep it away for seconds (measured: a 4.2 s wait behind back-to-back
batches; with 50 ms pauses still 0.4–1 s now and then, a waiter that had fallen into its
100 ms rhythm missing the pauses). So after each step that wrote, the import leaves the
database alone for LOCK_PAUSE, as long as the longest retry gap: whoever waits gets in at
the next pause at the latest.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.accounts import Account, AccountCategory, Address, Meter
from domain.clock import Clock
from domain.ids import AccountNumber
from services.ports import AppliedBatch, ImportOutcome
from storage.cache import PersonCache
from storage.models import AccountImportRow, AccountRow, StagedAccountRow
from storage.repositories import SqlAccountRegistry
from storage.uow import UnitOfWork

STAGING = "staging"
SEALED = "sealed"
APPLIED = "applied"
_DISCARD_BATCH = 5_000
LOCK_PAUSE = 0.1  # seconds, SQLite only: SQLite's longest busy-retry sleep


def _staged(account: Account) -> dict[str, Any]:
    return {
        "number": account.number,
        "full_name": account.full_name,
        "settlement": account.address.settlement,
        "street": account.address.street,
        "house": account.address.house,
        "flat": account.address.flat,
        "category": account.category.value,
        "phone": account.phone,
        "email": account.email,
        "meters": [[m.serial, m.digits, m.zones] for m in account.meters],
    }


def _account(data: dict[str, Any]) -> Account:
    return Account(
        number=AccountNumber(data["number"]),
        full_name=data["full_name"],
        address=Address(data["settlement"], data["street"], data["house"], data["flat"]),
        category=AccountCategory(data["category"]),
        phone=data["phone"],
        email=data["email"],
        meters=tuple(
            Meter(serial=serial, digits=digits, zones=zones)
            for serial, digits, zones in data["meters"]
        ),
    )


_NEXT_STAGED = (
    select(StagedAccountRow.id, StagedAccountRow.account)
    .where(StagedAccountRow.import_id == bindparam("run"))
    .order_by(StagedAccountRow.id)
    .limit(bindparam("limit"))
)
_FIRST_STAGED = select(func.min(StagedAccountRow.id)).where(
    StagedAccountRow.import_id == bindparam("run")
)
_BATCH = (
    StagedAccountRow.import_id == bindparam("run"),
    StagedAccountRow.id.between(bindparam("first"), bindparam("last")),
)
# How many accounts of the batch are in the registry already (the rest are new).
_KNOWN_STAGED = (
    select(func.count())
    .select_from(StagedAccountRow)
    .join(AccountRow, AccountRow.number == StagedAccountRow.number)
    .where(*_BATCH)
)
_DROP_STAGED = delete(StagedAccountRow).where(*_BATCH)
_CHECKPOINT = text("PRAGMA wal_checkpoint(PASSIVE)")


class SqlRegistryImports:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        clock: Clock,
        cache: PersonCache | None = None,
        checkpoints: bool = True,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._clock = clock
        # The running bot's read cache, when the bot itself applies a run (bot/runner.py).
        self._cache = cache
        # Off in the bot: a checkpoint there would hold its only connection meanwhile.
        self._checkpoints = checkpoints
        bind = sessionmaker.kw["bind"]
        self._pause = LOCK_PAUSE if bind.dialect.name == "sqlite" else 0.0

    def _unit(self) -> UnitOfWork:
        return UnitOfWork(self._sessionmaker, clock=self._clock)

    async def _let_others_write(self) -> None:
        if not self._pause:
            return
        # Copy the WAL into the database now, while nobody waits for this process: else the
        # bot's next commit may find the WAL past its auto-checkpoint size and do the copy
        # itself, holding its only connection meanwhile. PASSIVE blocks no reader or writer.
        if self._checkpoints:
            async with self._unit() as uow:
                await uow.session.execute(_CHECKPOINT)
        await asyncio.sleep(self._pause)

    async def existing(self, numbers: Sequence[AccountNumber]) -> set[AccountNumber]:
        async with self._unit() as uow:
            return await SqlAccountRegistry(uow).existing(numbers)

    async def begin(self) -> int:
        now = self._clock.now()
        async with self._unit() as uow:
            run = await uow.session.scalar(
                insert(AccountImportRow)
                .values(status=STAGING, started_at=now, touched_at=now)
                .returning(AccountImportRow.id)
            )
            uow.mark_written()
            await uow.commit()
        return int(run)

    async def stage(self, run: int, accounts: Sequence[Account]) -> None:
        if not accounts:
            return
        rows = [{"import_id": run, "number": a.number, "account": _staged(a)} for a in accounts]
        async with self._unit() as uow:
            await uow.session.execute(insert(StagedAccountRow), rows)
            await uow.session.execute(
                update(AccountImportRow)
                .where(AccountImportRow.id == run)
                .values(
                    touched_at=self._clock.now(),
                    accounts=AccountImportRow.accounts + len(accounts),
                )
            )
            uow.mark_written()
            await uow.commit()
        await self._let_others_write()

    async def seal(self, run: int) -> None:
        async with self._unit() as uow:
            await uow.session.execute(
                update(AccountImportRow)
                .where(AccountImportRow.id == run, AccountImportRow.status == STAGING)
                .values(status=SEALED, touched_at=self._clock.now())
            )
            uow.mark_written()
            await uow.commit()

    async def sealed(self) -> list[int]:
        async with self._unit() as uow:
            return list(
                await uow.session.scalars(
                    select(AccountImportRow.id)
                    .where(AccountImportRow.status == SEALED)
                    .order_by(AccountImportRow.id)
                )
            )

    async def apply_next(self, run: int, *, limit: int, now: datetime) -> AppliedBatch:
        async with self._unit() as uow:
            session = uow.session
            # Read and prepare the batch before taking the write lock (on SQLite a read runs
            # outside any transaction), so the lock is held for the writes alone.
            rows = (await session.execute(_NEXT_STAGED, {"run": run, "limit": limit})).all()
            accounts = [_account(row.account) for row in rows]
            registry = SqlAccountRegistry(uow, self._cache)
            prepared = registry.prepare(accounts, now=now)
            claimed = await session.execute(
                update(AccountImportRow)
                .where(AccountImportRow.id == run, AccountImportRow.status == SEALED)
                .values(touched_at=self._clock.now())
            )
            uow.mark_written()
            if not claimed.rowcount:
                await uow.commit()  # applied meanwhile, by another process
                return AppliedBatch(accounts=0, added=0, updated=0, finished=True)
            first = await session.scalar(_FIRST_STAGED, {"run": run})
            if not rows or first is None:
                await session.execute(
                    update(AccountImportRow)
                    .where(AccountImportRow.id == run)
                    .values(status=APPLIED, finished_at=self._clock.now())
                )
                await uow.commit()
                return AppliedBatch(accounts=0, added=0, updated=0, finished=True)
            if first != rows[0].id:
                await uow.rollback()  # another process applied this batch meanwhile
                return AppliedBatch(accounts=0, added=0, updated=0, finished=False)
            bounds = {"run": run, "first": rows[0].id, "last": rows[-1].id}
            updated = int(await session.scalar(_KNOWN_STAGED, bounds) or 0)
            added = len(accounts) - updated
            await registry.write_prepared(prepared)
            await session.execute(_DROP_STAGED, bounds)
            await session.execute(
                update(AccountImportRow)
                .where(AccountImportRow.id == run)
                .values(
                    applied=AccountImportRow.applied + len(accounts),
                    added=AccountImportRow.added + added,
                    updated=AccountImportRow.updated + updated,
                )
            )
            await uow.commit()
        await self._let_others_write()
        return AppliedBatch(accounts=len(accounts), added=added, updated=updated, finished=False)

    async def outcome(self, run: int) -> ImportOutcome:
        async with self._unit() as uow:
            row = (
                await uow.session.execute(
                    select(
                        AccountImportRow.applied, AccountImportRow.added, AccountImportRow.updated
                    ).where(AccountImportRow.id == run)
                )
            ).one()
        return ImportOutcome(accounts=row.applied, added=row.added, updated=row.updated)

    async def discard_abandoned(self, *, idle: timedelta) -> int:
        before = self._clock.now() - idle
        async with self._unit() as uow:
            runs = list(
                await uow.session.scalars(
                    select(AccountImportRow.id).where(
                        AccountImportRow.status == STAGING, AccountImportRow.touched_at < before
                    )
                )
            )
        for run in runs:
            while True:  # a page at a time: never one long transaction
                async with self._unit() as uow:
                    page = select(StagedAccountRow.id).where(StagedAccountRow.import_id == run)
                    result = await uow.session.execute(
                        delete(StagedAccountRow).where(
                            StagedAccountRow.id.in_(
                                page.order_by(StagedAccountRow.id)
                                .limit(_DISCARD_BATCH)
                                .scalar_subquery()
                            )
                        )
                    )
                    if not result.rowcount:
                        await uow.session.execute(
                            delete(AccountImportRow).where(AccountImportRow.id == run)
                        )
                    uow.mark_written()
                    await uow.commit()
                await self._let_others_write()
                if not result.rowcount:
                    break
        return len(runs)
