"""Repositories: the ports of services/ports.py over SQLAlchemy Core. They return domain
objects, may flush, never commit (the unit of work does). Hot reads go through the optional
per-process cache (storage/cache.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from aiogram.fsm.storage.base import BaseStorage, StorageKey
from sqlalchemy import Row, bindparam, delete, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from domain.accounts import Account, AccountCategory, Address, Meter
from domain.consent import ConsentDecision, ConsentRecord
from domain.ids import AccountNumber, UserId
from domain.notices import place_key
from services.ports import Contacts, LinkedAccount
from storage.cache import MISSING, PersonCache
from storage.fsm import DatabaseStorage
from storage.models import (
    AccountLinkRow,
    AccountRow,
    ConsentRow,
    LinkFailureRow,
    MeterRow,
    PersonRow,
)
from storage.uow import UnitOfWork

# Hot statements are built once: building a select and its cache key on every call cost
# more than executing it on SQLite (bench/throughput.py).
_CONSENT_CURRENT = (
    select(ConsentRow.decision, ConsentRow.text_version, ConsentRow.decided_at)
    .where(ConsentRow.user_id == bindparam("user_id"))
    .order_by(ConsentRow.decided_at.desc(), ConsentRow.id.desc())
    .limit(1)
)
_CONSENT_INSERT = insert(ConsentRow)
_LINKS_OF_USER = (
    select(AccountLinkRow.account_number, AccountLinkRow.linked_at)
    .where(AccountLinkRow.user_id == bindparam("user_id"))
    .order_by(AccountLinkRow.linked_at, AccountLinkRow.id)
)
_FAILURES_OF_USER = select(LinkFailureRow.failed_at).where(
    LinkFailureRow.user_id == bindparam("user_id")
)
_FAILURE_INSERT = insert(LinkFailureRow)
_CONTACTS_OF_USER = select(PersonRow.full_name, PersonRow.phone, PersonRow.email).where(
    PersonRow.user_id == bindparam("user_id")
)


@lru_cache(maxsize=4)
def _account_upsert(dialect: str) -> Any:
    """Built once per dialect and run with many rows at once (executemany): a statement with
    the rows in `.values()` took ~0.5 ms a row to compile."""
    statement = (pg_insert if dialect == "postgresql" else sqlite_insert)(AccountRow)
    replaced = (
        "full_name",
        "settlement",
        "street",
        "house",
        "flat",
        "phone",
        "email",
        "category",
        "imported_at",
        "place_key",
    )
    return statement.on_conflict_do_update(
        index_elements=[AccountRow.number],
        set_={name: statement.excluded[name] for name in replaced},
    )


@lru_cache(maxsize=4)
def _meter_upsert(dialect: str) -> Any:
    statement = (pg_insert if dialect == "postgresql" else sqlite_insert)(MeterRow)
    return statement.on_conflict_do_update(
        index_elements=[MeterRow.account_number, MeterRow.serial],
        set_={"digits": statement.excluded.digits, "zones": statement.excluded.zones},
    )


@lru_cache(maxsize=4)
def _link_insert(dialect: str) -> Any:
    insert_ = pg_insert if dialect == "postgresql" else sqlite_insert
    return insert_(AccountLinkRow).on_conflict_do_nothing()


class _Repository:
    def __init__(self, uow: UnitOfWork, cache: PersonCache | None = None) -> None:
        self._uow = uow
        self._cache = cache

    def _dialect(self) -> str:
        return str(self._uow.session.bind.dialect.name)

    def _upsert(self) -> Callable[..., Any]:
        return pg_insert if self._dialect() == "postgresql" else sqlite_insert

    def _cached(self, key: tuple[str, int], empty: Any = MISSING) -> Any:
        """The cached value; `empty` if the person surely has no rows of this kind."""
        if self._cache is None:
            return MISSING
        value = self._cache.get(self._uow, key)
        if value is MISSING and empty is not MISSING and self._cache.surely_empty(key):
            return empty
        return value

    def _epoch(self) -> int:
        """Taken before a read from the database, given back to `_remember` with its value."""
        return self._cache.epoch if self._cache is not None else 0

    def _remember(self, key: tuple[str, int], value: Any, epoch: int) -> None:
        if self._cache is not None:
            self._cache.put(self._uow, key, value, epoch=epoch)

    def _wrote(self, key: tuple[str, int], value: Any = MISSING) -> None:
        self._uow.mark_written()
        if self._cache is not None:
            self._cache.written(self._uow, key, value)


_ACCOUNT_COLUMNS = (
    AccountRow.number,
    AccountRow.full_name,
    AccountRow.settlement,
    AccountRow.street,
    AccountRow.house,
    AccountRow.flat,
    AccountRow.phone,
    AccountRow.email,
    AccountRow.category,
    MeterRow.serial,
    MeterRow.digits,
    MeterRow.zones,
)


_ACCOUNTS_WITH_METERS = (
    select(*_ACCOUNT_COLUMNS)
    .outerjoin(MeterRow, MeterRow.account_number == AccountRow.number)
    .where(AccountRow.number.in_(bindparam("numbers", expanding=True)))
    .order_by(AccountRow.number, MeterRow.id)
)
# One account (linking, the readings dialog): an expanding IN is rendered anew at each
# execution; an equality is compiled once.
_ACCOUNT_WITH_METERS = (
    select(*_ACCOUNT_COLUMNS)
    .outerjoin(MeterRow, MeterRow.account_number == AccountRow.number)
    .where(AccountRow.number == bindparam("number"))
    .order_by(MeterRow.id)
)


_EXISTING_ACCOUNTS = select(AccountRow.number).where(
    AccountRow.number.in_(bindparam("numbers", expanding=True))
)


def _accounts_from_rows(rows: Sequence[Row[Any]]) -> dict[AccountNumber, Account]:
    """Rows of accounts outer-joined with their meters, in meter order."""
    accounts: dict[AccountNumber, Account] = {}
    meters: dict[AccountNumber, list[Meter]] = {}
    for row in rows:
        number = AccountNumber(row.number)
        if number not in accounts:
            accounts[number] = Account(
                number=number,
                full_name=row.full_name,
                address=Address(row.settlement, row.street, row.house, row.flat),
                category=AccountCategory(row.category),
                phone=row.phone,
                email=row.email,
            )
            meters[number] = []
        if row.serial is not None:
            meters[number].append(Meter(serial=row.serial, digits=row.digits, zones=row.zones))
    return {
        number: Account(
            number=a.number,
            full_name=a.full_name,
            address=a.address,
            category=a.category,
            phone=a.phone,
            email=a.email,
            meters=tuple(meters[number]),
        )
        for number, a in accounts.items()
    }


@dataclass(frozen=True, slots=True)
class PreparedAccounts:
    accounts: list[dict[str, Any]]
    meters: list[dict[str, Any]]


class SqlAccountRegistry(_Repository):
    async def get(self, number: AccountNumber) -> Account | None:
        rows = (
            await self._uow.session.execute(_ACCOUNT_WITH_METERS, {"number": str(number)})
        ).all()
        return _accounts_from_rows(rows).get(number)

    async def many(self, numbers: Sequence[AccountNumber]) -> dict[AccountNumber, Account]:
        if not numbers:
            return {}
        rows = (
            await self._uow.session.execute(_ACCOUNTS_WITH_METERS, {"numbers": list(numbers)})
        ).all()
        return _accounts_from_rows(rows)

    async def existing(self, numbers: Sequence[AccountNumber]) -> set[AccountNumber]:
        if not numbers:
            return set()
        return {
            AccountNumber(number)
            for number in await self._uow.session.scalars(
                _EXISTING_ACCOUNTS, {"numbers": list(numbers)}
            )
        }

    async def upsert(self, accounts: Sequence[Account], *, now: datetime) -> tuple[int, int]:
        if not accounts:
            return 0, 0
        existing = await self.existing([a.number for a in accounts])
        await self.write(accounts, now=now)
        return len(accounts) - len(existing), len(existing)

    async def write(self, accounts: Sequence[Account], *, now: datetime) -> None:
        """Insert new accounts and replace existing ones in place, with their meters (meters
        not listed are kept: readings refer to them)."""
        await self.write_prepared(self.prepare(accounts, now=now))

    @staticmethod
    def prepare(accounts: Sequence[Account], *, now: datetime) -> PreparedAccounts:
        """The rows `write_prepared` stores: made before a transaction, to keep it short."""
        return PreparedAccounts(
            accounts=[
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
                    "place_key": place_key(a.address.settlement, a.address.street),
                }
                for a in accounts
            ],
            meters=[
                {
                    "account_number": a.number,
                    "serial": m.serial,
                    "digits": m.digits,
                    "zones": m.zones,
                }
                for a in accounts
                for m in a.meters
            ],
        )

    async def write_prepared(self, prepared: PreparedAccounts) -> None:
        if not prepared.accounts:
            return
        session = self._uow.session
        dialect = self._dialect()
        await session.execute(_account_upsert(dialect), prepared.accounts)
        if prepared.meters:
            await session.execute(_meter_upsert(dialect), prepared.meters)
        self._uow.mark_written()
        if self._cache is not None:
            # Linked-account lists embed registry data: an import makes them stale, now and
            # again after the commit (a read in between could bring the old rows back).
            self._cache.clear()
            self._uow.after_commit(self._cache.clear)


class SqlAccountLinks(_Repository):
    async def linked(self, user_id: UserId) -> list[LinkedAccount]:
        key = ("links", user_id)
        cached = self._cached(key, empty=())
        if cached is not MISSING:
            return list(cached)
        epoch = self._epoch()
        links = (await self._uow.session.execute(_LINKS_OF_USER, {"user_id": user_id})).all()
        result: list[LinkedAccount] = []
        if links:
            accounts = await SqlAccountRegistry(self._uow).many(
                [AccountNumber(link.account_number) for link in links]
            )
            result = [
                LinkedAccount(account=accounts[number], linked_at=link.linked_at)
                for link in links
                if (number := AccountNumber(link.account_number)) in accounts
            ]
        self._remember(key, tuple(result), epoch)
        return result

    async def link(self, user_id: UserId, account: Account, *, at: datetime) -> None:
        key = ("links", user_id)
        before = self._cached(key, empty=())
        self._uow.defer(
            _link_insert(self._dialect()),
            {"user_id": user_id, "account_number": account.number, "linked_at": at},
            effect=True,
        )
        after = MISSING
        if before is not MISSING and all(i.account.number != account.number for i in before):
            after = (*before, LinkedAccount(account=account, linked_at=at))
        self._wrote(key, after)

    async def unlink(self, user_id: UserId, number: AccountNumber) -> bool:
        result = await self._uow.session.execute(
            delete(AccountLinkRow).where(
                AccountLinkRow.user_id == user_id, AccountLinkRow.account_number == number
            )
        )
        self._wrote(("links", user_id))
        return bool(getattr(result, "rowcount", 0))

    async def unlink_all(self, user_id: UserId) -> int:
        result = await self._uow.session.execute(
            delete(AccountLinkRow).where(AccountLinkRow.user_id == user_id)
        )
        self._wrote(("links", user_id))
        return int(getattr(result, "rowcount", 0) or 0)


class SqlLinkFailures(_Repository):
    async def since(self, user_id: UserId, since: datetime) -> list[datetime]:
        key = ("failures", user_id)
        cached = self._cached(key, empty=())
        if cached is MISSING:
            epoch = self._epoch()
            cached = tuple(
                await self._uow.session.scalars(_FAILURES_OF_USER, {"user_id": user_id})
            )
            self._remember(key, cached, epoch)
        return [moment for moment in cached if moment >= since]

    async def record(self, user_id: UserId, *, at: datetime) -> None:
        before = self._cached(("failures", user_id), empty=())
        self._uow.defer(_FAILURE_INSERT, {"user_id": user_id, "failed_at": at}, effect=True)
        self._wrote(("failures", user_id), MISSING if before is MISSING else (*before, at))

    async def clear(self, user_id: UserId) -> None:
        if self._cached(("failures", user_id), empty=()) == ():
            return  # nothing to delete: spare the statement
        await self._uow.session.execute(
            delete(LinkFailureRow).where(LinkFailureRow.user_id == user_id)
        )
        self._wrote(("failures", user_id), ())


async def purge_link_failures(uow: UnitOfWork, *, before: datetime) -> int:
    """Delete expired failures. Run by the bot's own scheduler; a cached list may still
    hold them, which is harmless: `since` filters by time anyway."""
    result = await uow.session.execute(
        delete(LinkFailureRow).where(LinkFailureRow.failed_at < before)
    )
    uow.mark_written()
    return int(getattr(result, "rowcount", 0) or 0)


_CONSENT_HISTORY = (
    select(ConsentRow.decision, ConsentRow.text_version, ConsentRow.decided_at)
    .where(ConsentRow.user_id == bindparam("user_id"))
    .order_by(ConsentRow.decided_at, ConsentRow.id)
)


class SqlConsents(_Repository):
    async def current(self, user_id: UserId) -> ConsentRecord | None:
        key = ("consent", user_id)
        cached = self._cached(key, empty=None)
        if cached is not MISSING:
            return cached  # type: ignore[no-any-return]
        epoch = self._epoch()
        row = (await self._uow.session.execute(_CONSENT_CURRENT, {"user_id": user_id})).first()
        record = (
            None
            if row is None
            else ConsentRecord(
                user_id, ConsentDecision(row.decision), row.text_version, row.decided_at
            )
        )
        self._remember(key, record, epoch)
        return record

    async def record(self, record: ConsentRecord) -> None:
        self._uow.defer(
            _CONSENT_INSERT,
            {
                "user_id": record.user_id,
                "decision": record.decision.value,
                "text_version": record.text_version,
                "decided_at": record.decided_at,
            },
            effect=True,
        )
        self._wrote(("consent", record.user_id), record)

    async def history(self, user_id: UserId) -> list[ConsentRecord]:
        rows = await self._uow.session.execute(_CONSENT_HISTORY, {"user_id": user_id})
        return [
            ConsentRecord(user_id, ConsentDecision(row.decision), row.text_version, row.decided_at)
            for row in rows
        ]


class SqlPeople(_Repository):
    async def contacts(self, user_id: UserId) -> Contacts | None:
        key = ("contacts", user_id)
        cached = self._cached(key, empty=None)
        if cached is not MISSING:
            return cached  # type: ignore[no-any-return]
        epoch = self._epoch()
        row = (await self._uow.session.execute(_CONTACTS_OF_USER, {"user_id": user_id})).first()
        contacts = (
            None
            if row is None
            else Contacts(full_name=row.full_name, phone=row.phone, email=row.email)
        )
        self._remember(key, contacts, epoch)
        return contacts

    async def save_contacts(self, user_id: UserId, contacts: Contacts, *, at: datetime) -> None:
        values = {
            "full_name": contacts.full_name,
            "phone": contacts.phone,
            "email": contacts.email,
            "updated_at": at,
        }
        statement = self._upsert()(PersonRow).values(user_id=user_id, **values)
        await self._uow.session.execute(
            statement.on_conflict_do_update(index_elements=[PersonRow.user_id], set_=values)
        )
        self._wrote(("contacts", user_id), contacts)

    async def delete_contacts(self, user_id: UserId) -> bool:
        result = await self._uow.session.execute(
            delete(PersonRow).where(PersonRow.user_id == user_id)
        )
        self._wrote(("contacts", user_id), None)
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
        if isinstance(self._storage, DatabaseStorage):
            return await self._storage.has_any(self._uow, user_id)
        key = self._key(user_id)
        return await self._storage.get_state(key) is not None or bool(
            await self._storage.get_data(key)
        )
