"""Repositories: the ports of services/ports.py over SQLAlchemy. They return domain objects,
may flush, never commit (the unit of work does)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from aiogram.fsm.storage.base import BaseStorage, StorageKey
from sqlalchemy import delete, exists, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from domain.accounts import Account, AccountCategory, Address, Meter
from domain.consent import ConsentDecision, ConsentRecord
from domain.ids import AccountNumber, UserId
from services.ports import Contacts, LinkedAccount
from storage.fsm import DatabaseStorage
from storage.models import (
    AccountLinkRow,
    AccountRow,
    ConsentRow,
    DialogStateRow,
    LinkFailureRow,
    MeterRow,
    PersonRow,
)
from storage.uow import UnitOfWork


class _Repository:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def _insert(self):  # type: ignore[no-untyped-def]
        return pg_insert if self._uow.session.bind.dialect.name == "postgresql" else sqlite_insert


def _to_account(row: AccountRow, meters: Sequence[MeterRow]) -> Account:
    return Account(
        number=AccountNumber(row.number),
        full_name=row.full_name,
        address=Address(row.settlement, row.street, row.house, row.flat),
        category=AccountCategory(row.category),
        phone=row.phone,
        email=row.email,
        meters=tuple(
            Meter(serial=m.serial, digits=m.digits, zones=m.zones)
            for m in sorted(meters, key=lambda m: m.id)
        ),
    )


class SqlAccountRegistry(_Repository):
    async def get(self, number: AccountNumber) -> Account | None:
        session = self._uow.session
        row = await session.get(AccountRow, number)
        if row is None:
            return None
        meters = (
            await session.scalars(select(MeterRow).where(MeterRow.account_number == number))
        ).all()
        return _to_account(row, meters)

    async def many(self, numbers: Sequence[AccountNumber]) -> dict[AccountNumber, Account]:
        if not numbers:
            return {}
        session = self._uow.session
        rows = (await session.scalars(select(AccountRow).where(AccountRow.number.in_(numbers))))
        meters: dict[str, list[MeterRow]] = {}
        for meter in await session.scalars(
            select(MeterRow).where(MeterRow.account_number.in_(numbers))
        ):
            meters.setdefault(meter.account_number, []).append(meter)
        return {
            AccountNumber(row.number): _to_account(row, meters.get(row.number, []))
            for row in rows
        }

    async def upsert(self, accounts: Sequence[Account], *, now: datetime) -> tuple[int, int]:
        if not accounts:
            return 0, 0
        session = self._uow.session
        numbers = [a.number for a in accounts]
        existing = set(
            await session.scalars(select(AccountRow.number).where(AccountRow.number.in_(numbers)))
        )
        insert = self._insert()
        statement = insert(AccountRow).values(
            [
                {
                    "number": a.number,
                    "full_name": a.full_name,
                    "settlement": a.address.settlement,
                    "street": a.address.street,
                    "house": a.address.house,
                    "flat": a.address.flat,
                    "phone": a.phone,
                    "email": a.email,
                    "category": a.category.value,
                    "imported_at": now,
                }
                for a in accounts
            ]
        )
        excluded = statement.excluded
        statement = statement.on_conflict_do_update(
            index_elements=[AccountRow.number],
            set_={
                name: getattr(excluded, name)
                for name in (
                    "full_name",
                    "settlement",
                    "street",
                    "house",
                    "flat",
                    "phone",
                    "email",
                    "category",
                    "imported_at",
                )
            },
        )
        await session.execute(statement)
        meter_rows = [
            {"account_number": a.number, "serial": m.serial, "digits": m.digits, "zones": m.zones}
            for a in accounts
            for m in a.meters
        ]
        if meter_rows:
            meters = insert(MeterRow).values(meter_rows)
            meters = meters.on_conflict_do_update(
                index_elements=[MeterRow.account_number, MeterRow.serial],
                set_={"digits": meters.excluded.digits, "zones": meters.excluded.zones},
            )
            await session.execute(meters)
        self._uow.mark_written()
        return len(accounts) - len(existing), len(existing)


class SqlAccountLinks(_Repository):
    async def linked(self, user_id: UserId) -> list[LinkedAccount]:
        session = self._uow.session
        links = (
            await session.execute(
                select(AccountLinkRow.account_number, AccountLinkRow.linked_at)
                .where(AccountLinkRow.user_id == user_id)
                .order_by(AccountLinkRow.linked_at, AccountLinkRow.id)
            )
        ).all()
        if not links:
            return []
        accounts = await SqlAccountRegistry(self._uow).many(
            [AccountNumber(link.account_number) for link in links]
        )
        return [
            LinkedAccount(account=accounts[AccountNumber(link.account_number)], linked_at=link.linked_at)
            for link in links
            if AccountNumber(link.account_number) in accounts
        ]

    async def link(self, user_id: UserId, number: AccountNumber, *, at: datetime) -> None:
        statement = (
            self._insert()(AccountLinkRow)
            .values(user_id=user_id, account_number=number, linked_at=at)
            .on_conflict_do_nothing()
        )
        await self._uow.session.execute(statement)
        self._uow.mark_written()

    async def unlink(self, user_id: UserId, number: AccountNumber) -> bool:
        result = await self._uow.session.execute(
            delete(AccountLinkRow).where(
                AccountLinkRow.user_id == user_id, AccountLinkRow.account_number == number
            )
        )
        self._uow.mark_written()
        return bool(getattr(result, "rowcount", 0))

    async def unlink_all(self, user_id: UserId) -> int:
        result = await self._uow.session.execute(
            delete(AccountLinkRow).where(AccountLinkRow.user_id == user_id)
        )
        self._uow.mark_written()
        return int(getattr(result, "rowcount", 0) or 0)


class SqlLinkFailures(_Repository):
    async def since(self, user_id: UserId, since: datetime) -> list[datetime]:
        return list(
            await self._uow.session.scalars(
                select(LinkFailureRow.failed_at).where(
                    LinkFailureRow.user_id == user_id, LinkFailureRow.failed_at >= since
                )
            )
        )

    async def record(self, user_id: UserId, *, at: datetime) -> None:
        self._uow.session.add(LinkFailureRow(user_id=user_id, failed_at=at))
        await self._uow.session.flush()
        self._uow.mark_written()

    async def clear(self, user_id: UserId) -> None:
        await self._uow.session.execute(
            delete(LinkFailureRow).where(LinkFailureRow.user_id == user_id)
        )
        self._uow.mark_written()


async def purge_link_failures(uow: UnitOfWork, *, before: datetime) -> int:
    result = await uow.session.execute(
        delete(LinkFailureRow).where(LinkFailureRow.failed_at < before)
    )
    uow.mark_written()
    return int(getattr(result, "rowcount", 0) or 0)


class SqlConsents(_Repository):
    async def current(self, user_id: UserId) -> ConsentRecord | None:
        row = (
            await self._uow.session.execute(
                select(ConsentRow.decision, ConsentRow.text_version, ConsentRow.decided_at)
                .where(ConsentRow.user_id == user_id)
                .order_by(ConsentRow.decided_at.desc(), ConsentRow.id.desc())
                .limit(1)
            )
        ).first()
        if row is None:
            return None
        return ConsentRecord(
            user_id, ConsentDecision(row.decision), row.text_version, row.decided_at
        )

    async def record(self, record: ConsentRecord) -> None:
        self._uow.session.add(
            ConsentRow(
                user_id=record.user_id,
                decision=record.decision.value,
                text_version=record.text_version,
                decided_at=record.decided_at,
            )
        )
        await self._uow.session.flush()
        self._uow.mark_written()


class SqlPeople(_Repository):
    async def contacts(self, user_id: UserId) -> Contacts | None:
        row = await self._uow.session.get(PersonRow, user_id)
        if row is None:
            return None
        return Contacts(full_name=row.full_name, phone=row.phone, email=row.email)

    async def save_contacts(self, user_id: UserId, contacts: Contacts, *, at: datetime) -> None:
        await self._uow.session.merge(
            PersonRow(
                user_id=user_id,
                full_name=contacts.full_name,
                phone=contacts.phone,
                email=contacts.email,
                updated_at=at,
            )
        )
        await self._uow.session.flush()
        self._uow.mark_written()

    async def delete_contacts(self, user_id: UserId) -> bool:
        result = await self._uow.session.execute(
            delete(PersonRow).where(PersonRow.user_id == user_id)
        )
        self._uow.mark_written()
        return bool(getattr(result, "rowcount", 0))


class FsmDialogStates(_Repository):
    """Dialog state of a person's private chat, in whichever aiogram storage the bot uses."""

    def __init__(self, uow: UnitOfWork, storage: BaseStorage, *, bot_id: int) -> None:
        super().__init__(uow)
        self._storage = storage
        self._bot_id = bot_id

    def _key(self, user_id: UserId) -> StorageKey:
        return StorageKey(bot_id=self._bot_id, chat_id=user_id, user_id=user_id)

    async def erase(self, user_id: UserId) -> None:
        if isinstance(self._storage, DatabaseStorage):
            await self._storage.erase_user(self._uow, user_id)
            return
        await self._storage.set_state(self._key(user_id), None)
        await self._storage.set_data(self._key(user_id), {})

    async def has_any(self, user_id: UserId) -> bool:
        key = self._key(user_id)
        if await self._storage.get_state(key) is not None or await self._storage.get_data(key):
            return True
        if isinstance(self._storage, DatabaseStorage):
            return bool(
                await self._uow.session.scalar(
                    select(exists().where(DialogStateRow.user_id == user_id))
                )
            )
        return False
