from __future__ import annotations

import pytest_asyncio

from core.texts import Texts
from domain.clock import FixedClock
from services.account_import import AccountImportService
from storage.repositories import SqlAccountRegistry
from storage.uow import UnitOfWork
from tests.harness import BotHarness, Person


@pytest_asyncio.fixture
async def registry(harness: BotHarness, registry_csv: bytes, clock: FixedClock) -> None:
    """The example account registry, imported as staff would."""
    uow = UnitOfWork(harness.app.sessionmaker, clock=clock)
    await AccountImportService(registry=SqlAccountRegistry(uow)).import_registry(
        registry_csv, now=clock.now()
    )
    await uow.commit()


async def consented(harness: BotHarness, texts: Texts, user_id: int = 7_000_001) -> Person:
    person = harness.person(user_id=user_id)
    await person.send("/start")
    await person.press(texts.get("consent-accept"))
    return person
