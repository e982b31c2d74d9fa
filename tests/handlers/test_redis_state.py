"""With REDIS_URL set (several workers), dialog state lives in aiogram's RedisStorage."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from aiogram.fsm.storage.redis import RedisStorage
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.settings import Settings
from core.texts import Texts
from domain.clock import FixedClock
from domain.content import ContentLibrary
from tests.fakes import texts_of
from tests.harness import BotHarness

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest_asyncio.fixture
async def redis_settings(settings: Settings, engine: AsyncEngine) -> AsyncIterator[Settings]:
    """`engine`: the test database migrated and emptied, as for the other harnesses."""
    client = Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except (RedisConnectionError, OSError):
        if os.environ.get("REQUIRE_REDIS"):
            raise
        pytest.skip(f"no Redis at {REDIS_URL} (CI sets REQUIRE_REDIS=1 and runs it)")
    finally:
        await client.aclose()
    yield settings.with_values(redis_url=REDIS_URL)


@pytest_asyncio.fixture
async def redis_harness(
    redis_settings: Settings, clock: FixedClock, texts: Texts, content: ContentLibrary
) -> AsyncIterator[BotHarness]:
    harness = await BotHarness.start(redis_settings, clock=clock, texts=texts, content=content)
    yield harness
    await harness.close()


async def _import(harness: BotHarness, registry_csv: bytes, clock: FixedClock) -> None:
    from services.account_import import AccountImportService
    from storage.repositories import SqlAccountRegistry
    from storage.uow import UnitOfWork

    uow = UnitOfWork(harness.app.sessionmaker, clock=clock)
    await AccountImportService(registry=SqlAccountRegistry(uow)).import_registry(
        registry_csv, now=clock.now()
    )
    await uow.commit()


async def test_dialog_state_survives_a_restart_in_redis_and_withdrawal_erases_it(
    redis_harness: BotHarness,
    redis_settings: Settings,
    texts: Texts,
    clock: FixedClock,
    content: ContentLibrary,
    registry_csv: bytes,
) -> None:
    assert isinstance(redis_harness.app.storage, RedisStorage)
    assert redis_harness.app.cache is None  # no per-process cache with several workers
    await _import(redis_harness, registry_csv, clock)
    user_id = 8_000_000 + uuid.uuid4().int % 1_000_000
    person = redis_harness.person(user_id=user_id)
    await person.send("/start")
    await person.press(texts.get("consent-accept"))
    await person.send("/accounts")
    await person.press(texts.get("accounts-link-button"))
    await person.send("1000000003")

    other_worker = await BotHarness.start(
        redis_settings, clock=clock, texts=texts, content=content
    )
    try:
        again = other_worker.person(user_id=user_id)
        await again.send("033456789")
        assert "1000000003" in texts_of(await again.deliver())[0]
        await again.send("/accounts")
        await again.press(texts.get("accounts-link-button"))
        await again.send("1000000001")
        await again.send("/mydata")
        await again.press(texts.get("mydata-withdraw-button"))
        await again.press(texts.get("mydata-withdraw-yes"))
        storage = other_worker.app.storage
        key = redis_harness.app.dispatcher.fsm.get_context(
            other_worker.bot, chat_id=user_id, user_id=user_id
        ).key
        assert await storage.get_state(key) is None
        assert await storage.get_data(key) == {}
    finally:
        await other_worker.close()


async def test_a_dialog_left_by_menu_is_parked_and_offered_back_in_redis_too(
    redis_harness: BotHarness, texts: Texts, clock: FixedClock, registry_csv: bytes
) -> None:
    """dialogs/parked.py keeps a parked draft under a StorageKey destiny of its own: the
    Redis key builder must know destinies (bot/factory.py)."""
    await _import(redis_harness, registry_csv, clock)
    user_id = 8_000_000 + uuid.uuid4().int % 1_000_000
    person = redis_harness.person(user_id=user_id)
    await person.send("/start")
    await person.press(texts.get("consent-accept"))
    await person.send(texts.get("menu-appeal"))
    await person.press(texts.get("appeal-kind-complaint"))
    await person.press(texts.get("appeal-subject-service_quality"))
    await person.send("Третий день не могу дозвониться в абонентский отдел по поводу счёта.")
    said = texts_of(await person.send("/menu"))
    assert texts.get("parked-kept") in said
    calls = await person.press(texts.get("parked-resume-appeal"))
    assert texts.get("appeal-ask-attachments", max=10, mb=20) in texts_of(calls)
