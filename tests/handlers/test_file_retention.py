"""The files people sent go with their appeal or reading when retention erases it
(152-ФЗ ст. 5 ч. 7, ст. 21 ч. 4): each stored file is linked to the row it came with as the
row is written, and the retention run erases its bytes from the company's store and its
record once no kept row needs it."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import select, update

from bot.delivery import build_file_fetcher
from bot.settings import Settings
from core.texts import Texts
from domain.clock import FixedClock
from domain.content import ContentLibrary
from domain.retention import DataCategory, RetentionPolicy
from services.retention import RetentionService
from storage.files import FolderFileStore
from storage.models import (
    AppealEventRow,
    AppealRow,
    ReadingSubmissionRow,
    StoredFileLinkRow,
    StoredFileRow,
)
from storage.retention import SqlRetention
from tests.handlers.test_file_storage import PHOTO_BYTES, _filed_with_stored_photo, _photo
from tests.handlers.test_readings_dialog import SINGLE
from tests.handlers.test_readings_dialog import _linked as _linked_reader
from tests.harness import STAFF_CHAT_ID, BotHarness

pytestmark = pytest.mark.usefixtures("registry")


@pytest_asyncio.fixture
async def harness(
    engine: Any, settings: Settings, clock: FixedClock, texts: Texts, content: ContentLibrary
) -> AsyncIterator[BotHarness]:
    staff_settings = settings.with_values(staff_chat_id=STAFF_CHAT_ID)
    bot_harness = await BotHarness.start(staff_settings, clock=clock, texts=texts, content=content)
    yield bot_harness
    await bot_harness.close()


async def _links(harness: BotHarness) -> list[Any]:
    async with harness.app.sessionmaker() as session:
        return list((await session.execute(select(StoredFileLinkRow.__table__))).all())


async def _retention(harness: BotHarness, clock: FixedClock) -> RetentionService:
    later = FixedClock(clock.now() + timedelta(days=5 * 365 + 30))
    return RetentionService(
        store=SqlRetention(harness.app.sessionmaker),
        files=FolderFileStore(harness.app.settings.files.directory),
        policy=RetentionPolicy.default(),
        clock=later,
    )


async def test_152fz_st5_ch7_an_appeals_stored_photo_goes_with_the_anonymised_appeal(
    harness: BotHarness, texts: Texts, clock: FixedClock
) -> None:
    await _filed_with_stored_photo(harness, texts, "photo-r1")
    async with harness.app.sessionmaker() as session:
        appeal_id = await session.scalar(select(AppealRow.id))
        [file] = (await session.execute(select(StoredFileRow.__table__))).all()
    [link] = await _links(harness)
    assert (link.stored_file_id, link.owner, link.owner_id, link.released_at) == (
        file.id,
        "appeals",
        appeal_id,
        None,
    )
    digest = hashlib.sha256(PHOTO_BYTES).hexdigest()
    on_disk = harness.app.settings.files.directory / digest[:2] / digest[2:4] / digest
    assert on_disk.exists()
    service = await _retention(harness, clock)
    # Open, the appeal keeps its file however old.
    report = await service.run(dry_run=True)
    assert report.files[DataCategory.APPEALS] == 0
    async with harness.app.sessionmaker() as session, session.begin():
        await session.execute(update(AppealRow).values(status="closed"))
        await session.execute(update(AppealEventRow).values(at=clock.now()))
    report = await service.run(dry_run=True)
    assert (report.files[DataCategory.APPEALS], report.file_bytes[DataCategory.APPEALS]) == (
        1,
        file.size,
    )
    report = await service.run(dry_run=False)
    assert report.counts[DataCategory.APPEALS] == 1 and report.files[DataCategory.APPEALS] == 1
    assert not on_disk.exists()
    async with harness.app.sessionmaker() as session:
        assert (await session.execute(select(StoredFileRow.id))).all() == []
    assert await _links(harness) == []
    again = await service.run(dry_run=False)
    assert again.total == 0 and again.files[DataCategory.APPEALS] == 0


async def test_152fz_st5_ch7_a_meter_photo_goes_with_its_reading(
    harness: BotHarness, texts: Texts, clock: FixedClock
) -> None:
    person = await _linked_reader(harness, texts, SINGLE)
    await person.send(texts.get("menu-readings"))
    await person.send("1000")
    harness.session.files["meter-r1"] = PHOTO_BYTES
    await person.send(None, photo=_photo("meter-r1"))
    await build_file_fetcher(harness.app, harness.bot).run_once()
    await person.press(texts.get("reading-submit-button"))
    async with harness.app.sessionmaker() as session:
        reading_id = await session.scalar(select(ReadingSubmissionRow.id))
    [link] = await _links(harness)
    assert (link.owner, link.owner_id) == ("readings", reading_id)
    report = await (await _retention(harness, clock)).run(dry_run=False)
    assert report.counts[DataCategory.READINGS] == 1
    assert report.files[DataCategory.READINGS] == 1
    assert report.file_bytes[DataCategory.READINGS] == len(PHOTO_BYTES)
    async with harness.app.sessionmaker() as session:
        assert (await session.execute(select(StoredFileRow.id))).all() == []
