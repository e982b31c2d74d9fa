from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.clock import FixedClock
from domain.consent import ConsentDecision, ConsentRecord
from domain.ids import AccountNumber, UserId
from services.account_import import AccountImportService, parse_registry
from services.csv_import import decode
from services.ports import Contacts
from storage.repositories import (
    SqlAccountLinks,
    SqlAccountRegistry,
    SqlConsents,
    SqlLinkFailures,
    SqlPeople,
    purge_link_failures,
)
from storage.uow import UnitOfWork

USER = UserId(7)


async def test_registry_upsert_counts_added_and_updated_and_keeps_meters(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock, registry_csv: bytes
) -> None:
    uow = UnitOfWork(sessionmaker, clock=clock)
    service = AccountImportService(registry=SqlAccountRegistry(uow))
    first = await service.import_registry(registry_csv, now=clock.now())
    await uow.commit()
    changed = registry_csv.replace("Иванова Мария".encode(), "Смирнова Мария".encode())
    second = await service.import_registry(changed, now=clock.now())
    await uow.commit()
    assert (first.added, first.updated, second.added, second.updated) == (4, 0, 0, 4)
    account = await SqlAccountRegistry(uow).get(AccountNumber("1000000001"))
    assert account is not None and account.full_name.startswith("Смирнова")
    three = await SqlAccountRegistry(uow).get(AccountNumber("1000000003"))
    assert three is not None and [m.zones for m in three.meters] == [1, 3]
    expected = parse_registry(decode(registry_csv)).accounts[AccountNumber("1000000003")]
    assert three == expected
    await uow.rollback()


async def test_links_consents_failures_and_contacts_round_trip(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock, registry_csv: bytes
) -> None:
    uow = UnitOfWork(sessionmaker, clock=clock)
    await AccountImportService(registry=SqlAccountRegistry(uow)).import_registry(
        registry_csv, now=clock.now()
    )
    links = SqlAccountLinks(uow)
    account = await SqlAccountRegistry(uow).get(AccountNumber("1000000002"))
    assert account is not None
    await links.link(USER, account, at=clock.now())
    await links.link(USER, account, at=clock.now())  # idempotent
    consents = SqlConsents(uow)
    await consents.record(ConsentRecord(USER, ConsentDecision.GIVEN, "v1", clock.now()))
    await consents.record(
        ConsentRecord(USER, ConsentDecision.WITHDRAWN, "v1", clock.now() + timedelta(minutes=1))
    )
    failures = SqlLinkFailures(uow)
    await failures.record(USER, at=clock.now() - timedelta(hours=3))
    await failures.record(USER, at=clock.now())
    await SqlPeople(uow).save_contacts(
        USER, Contacts("Иванов", "+79200000000", None), at=clock.now()
    )
    await uow.commit()

    linked = await links.linked(USER)
    assert [(i.account.number, i.linked_at) for i in linked] == [("1000000002", clock.now())]
    current = await consents.current(USER)
    assert current is not None and current.decision is ConsentDecision.WITHDRAWN
    assert await failures.since(USER, clock.now() - timedelta(hours=1)) == [clock.now()]
    assert await purge_link_failures(uow, before=clock.now() - timedelta(hours=2)) == 1
    assert (await SqlPeople(uow).contacts(USER)) == Contacts("Иванов", "+79200000000", None)
    assert await SqlPeople(uow).delete_contacts(USER)
    assert await links.unlink_all(USER) == 1
    await uow.commit()
    assert await links.linked(USER) == []
    await uow.rollback()
