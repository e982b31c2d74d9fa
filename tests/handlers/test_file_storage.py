"""Files people send are kept in the company's own storage (152-ФЗ ст. 18 ч. 5): recorded
with the dialog step, fetched into the storage with their checksum right after, refused with
a clear message when too large or of a refused type, and uploaded to staff from the storage
once Telegram no longer knows their id."""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import SendPhoto
from aiogram.types import BufferedInputFile
from sqlalchemy import select, update

from bot.delivery import build_file_fetcher
from bot.settings import Settings
from core.texts import Texts
from domain.clock import FixedClock
from domain.content import ContentLibrary
from domain.files import MAX_FETCH_ATTEMPTS
from storage.models import StoredFileRow
from tests.fakes import texts_of
from tests.handlers.test_appeal_dialog import (
    COMPLAINT_TEXT,
    _linked,
    _to_text_step,
    submit_from_files,
)
from tests.handlers.test_readings_dialog import SINGLE
from tests.handlers.test_readings_dialog import _linked as _linked_reader
from tests.harness import STAFF_CHAT_ID, BotHarness, Person

pytestmark = pytest.mark.usefixtures("registry")

PHOTO_BYTES = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40  # a JPEG's start, then anything
WRONG_ID = "Bad Request: wrong file identifier/HTTP URL specified"


@pytest_asyncio.fixture
async def harness(
    engine: Any, settings: Settings, clock: FixedClock, texts: Texts, content: ContentLibrary
) -> AsyncIterator[BotHarness]:
    staff_settings = settings.with_values(staff_chat_id=STAFF_CHAT_ID)
    bot_harness = await BotHarness.start(staff_settings, clock=clock, texts=texts, content=content)
    yield bot_harness
    await bot_harness.close()


def _photo(file_id: str, size: int | None = None) -> list[dict[str, Any]]:
    return [
        {
            "file_id": file_id,
            "file_unique_id": f"{file_id}-u",
            "width": 800,
            "height": 600,
            "file_size": size if size is not None else len(PHOTO_BYTES),
        }
    ]


async def _rows(harness: BotHarness) -> list[Any]:
    async with harness.app.sessionmaker() as session:
        return list((await session.execute(select(StoredFileRow.__table__))).all())


async def _at_attachments(harness: BotHarness, texts: Texts) -> Person:
    person = await _linked(harness, texts)
    await _to_text_step(person, texts)
    await person.send(COMPLAINT_TEXT)
    return person


async def _filed_with_stored_photo(harness: BotHarness, texts: Texts, file_id: str) -> None:
    """An appeal with one photo, fetched into the company's storage before it is filed."""
    person = await _at_attachments(harness, texts)
    harness.session.files[file_id] = PHOTO_BYTES
    await person.send(None, photo=_photo(file_id))
    await build_file_fetcher(harness.app, harness.bot).run_once()
    await submit_from_files(person, texts)


async def test_152fz_st18_ch5_photo_stored_in_company_storage_with_checksum(
    harness: BotHarness, texts: Texts
) -> None:
    person = await _at_attachments(harness, texts)
    harness.session.files["photo-1"] = PHOTO_BYTES
    calls = await person.send(None, photo=_photo("photo-1"))
    assert texts.get("appeal-attachment-added", count=1, max=10) in texts_of(calls)
    # Recorded with the step, before anything is downloaded: a crash now leaves a row.
    [row] = await _rows(harness)
    assert (row.state, row.kind, row.file_id, row.user_id) == (
        "pending",
        "photo",
        "photo-1",
        person.user.id,
    )
    assert await build_file_fetcher(harness.app, harness.bot).run_once() == 1
    [row] = await _rows(harness)
    digest = hashlib.sha256(PHOTO_BYTES).hexdigest()
    assert (row.state, row.sha256) == ("stored", digest)
    stored = harness.app.settings.files.directory / digest[:2] / digest[2:4] / digest
    assert stored.read_bytes() == PHOTO_BYTES
    assert row.storage_key == f"{digest[:2]}/{digest[2:4]}/{digest}"


async def test_152fz_st18_ch5_staff_get_the_photo_uploaded_after_its_file_id_is_invalid(
    harness: BotHarness, texts: Texts
) -> None:
    await _filed_with_stored_photo(harness, texts, "photo-2")
    # Telegram no longer knows the id: the photo goes from the company's storage.
    refused = SendPhoto(chat_id=STAFF_CHAT_ID, photo="photo-2")
    harness.session.failures["SendPhoto"] = [TelegramBadRequest(refused, WRONG_ID)]
    calls = await harness.deliver()
    photos = [call for call in calls if isinstance(call, SendPhoto)]
    assert [type(call.photo) for call in photos] == [str, BufferedInputFile]
    assert photos[0].photo == "photo-2"
    upload = photos[1].photo
    assert isinstance(upload, BufferedInputFile) and upload.data == PHOTO_BYTES
    assert int(photos[1].chat_id) == STAFF_CHAT_ID


async def test_152fz_st18_ch5_staff_get_the_photo_by_file_id_while_telegram_keeps_it(
    harness: BotHarness, texts: Texts
) -> None:
    await _filed_with_stored_photo(harness, texts, "photo-3")
    calls = await harness.deliver()
    photos = [call for call in calls if isinstance(call, SendPhoto)]
    assert [call.photo for call in photos] == ["photo-3"]


async def test_152fz_st18_ch5_a_lost_file_id_not_stored_yet_is_retried_by_the_outbox(
    harness: BotHarness, texts: Texts
) -> None:
    person = await _at_attachments(harness, texts)
    await person.send(None, photo=_photo("photo-4"))  # never fetched
    await submit_from_files(person, texts)
    refused = SendPhoto(chat_id=STAFF_CHAT_ID, photo="photo-4")
    harness.session.failures["SendPhoto"] = [TelegramBadRequest(refused, WRONG_ID)]
    calls = await harness.deliver()
    photos = [call for call in calls if isinstance(call, SendPhoto)]
    assert [call.photo for call in photos] == ["photo-4"]  # no upload of bytes it lacks


async def test_152fz_st18_ch5_file_of_refused_type_is_refused_and_dialog_stays(
    harness: BotHarness, texts: Texts
) -> None:
    person = await _at_attachments(harness, texts)
    document = {
        "file_id": "doc-exe",
        "file_unique_id": "doc-exe-u",
        "file_name": "счёт.exe",
        "mime_type": "application/x-msdownload",
        "file_size": 10_000,
    }
    calls = await person.send(None, document=document)
    assert texts_of(calls) == [texts.get("file-type-refused")]
    assert await _rows(harness) == []
    # Still at the files step: a PDF is taken.
    pdf = {**document, "file_name": "акт.pdf", "mime_type": "application/pdf"}
    calls = await person.send(None, document={**pdf, "file_unique_id": "doc-pdf-u"})
    assert texts.get("appeal-attachment-added", count=1, max=10) in texts_of(calls)
    [row] = await _rows(harness)
    assert (row.kind, row.file_name, row.mime_type) == ("document", "акт.pdf", "application/pdf")


async def test_152fz_st18_ch5_file_too_large_to_store_is_refused_and_dialog_stays(
    harness: BotHarness, texts: Texts
) -> None:
    person = await _at_attachments(harness, texts)
    calls = await person.send(None, photo=_photo("photo-big", size=21 * 1024 * 1024))
    assert texts_of(calls) == [texts.get("appeal-attachment-too-large", mb=20)]
    assert await _rows(harness) == []
    calls = await person.send(None, photo=_photo("photo-small"))
    assert texts.get("appeal-attachment-added", count=1, max=10) in texts_of(calls)


async def test_152fz_st18_ch5_voice_appeal_stored_in_company_storage(
    harness: BotHarness, texts: Texts
) -> None:
    person = await _linked(harness, texts)
    await _to_text_step(person, texts)
    voice = {
        "file_id": "voice-1",
        "file_unique_id": "voice-1-u",
        "duration": 12,
        "mime_type": "audio/ogg",
        "file_size": 2_000,
    }
    harness.session.files["voice-1"] = b"OggS" + b"\x00" * 1996
    await person.send(None, voice=voice)
    await build_file_fetcher(harness.app, harness.bot).run_once()
    [row] = await _rows(harness)
    assert (row.kind, row.state) == ("voice", "stored")
    assert row.sha256 == hashlib.sha256(harness.session.files["voice-1"]).hexdigest()


async def test_152fz_st18_ch5_meter_photo_stored_in_company_storage(
    harness: BotHarness, texts: Texts
) -> None:
    person = await _linked_reader(harness, texts, SINGLE)
    await person.send(texts.get("menu-readings"))
    await person.send("1000")
    harness.session.files["meter-1"] = PHOTO_BYTES
    calls = await person.send(None, photo=_photo("meter-1"))
    assert texts.get("reading-photo-yes") in texts_of(calls)[0]
    await build_file_fetcher(harness.app, harness.bot).run_once()
    [row] = await _rows(harness)
    assert (row.kind, row.state, row.user_id) == ("photo", "stored", person.user.id)
    assert row.sha256 == hashlib.sha256(PHOTO_BYTES).hexdigest()


async def test_152fz_st18_ch5_a_failed_fetch_is_retried_then_given_up(
    harness: BotHarness, texts: Texts, clock: FixedClock
) -> None:
    person = await _at_attachments(harness, texts)
    await person.send(None, photo=_photo("photo-gone"))  # Telegram will not give it
    fetcher = build_file_fetcher(harness.app, harness.bot)
    assert await fetcher.run_once() == 1
    [row] = await _rows(harness)
    assert (row.state, row.attempts) == ("pending", 1)
    assert row.not_before > clock.now()
    assert await fetcher.run_once() == 0  # not due yet
    async with harness.app.sessionmaker() as session:
        await session.execute(
            update(StoredFileRow).values(attempts=MAX_FETCH_ATTEMPTS - 1, not_before=clock.now())
        )
        await session.commit()
    assert await fetcher.run_once() == 1
    [row] = await _rows(harness)
    assert (row.state, row.attempts) == ("failed", MAX_FETCH_ATTEMPTS)


async def test_152fz_st18_ch5_the_same_file_sent_twice_is_one_record(
    harness: BotHarness, texts: Texts
) -> None:
    person = await _at_attachments(harness, texts)
    await person.send(None, photo=_photo("photo-5"))
    await person.send(None, photo=_photo("photo-5"))
    assert len(await _rows(harness)) == 1


async def test_152fz_st18_ch5_mydata_lists_the_stored_files_with_checksum(
    harness: BotHarness, texts: Texts
) -> None:
    person = await _at_attachments(harness, texts)
    harness.session.files["photo-6"] = PHOTO_BYTES
    await person.send(None, photo=_photo("photo-6"))
    calls = await person.send("/mydata")
    assert texts.get("mydata-file-pending") in "".join(texts_of(calls))
    await build_file_fetcher(harness.app, harness.bot).run_once()
    shown = "".join(texts_of(await person.send("/mydata")))
    assert texts.get("mydata-files", count=1) in shown
    assert hashlib.sha256(PHOTO_BYTES).hexdigest() in shown


async def test_152fz_st18_ch5_a_file_added_to_an_appeal_later_is_stored_too(
    harness: BotHarness, texts: Texts
) -> None:
    person = await _at_attachments(harness, texts)
    await submit_from_files(person, texts)
    await person.deliver()
    listing = texts_of(await person.send(texts.get("menu-my-appeals")))[0]
    number = re.search(r"ВЭ-2026-\d{6}", listing)
    assert number is not None
    await person.press(number.group(0))
    await person.press(texts.get("appeal-add-info-button"))
    exe = {
        "file_id": "doc-later-exe",
        "file_unique_id": "doc-later-exe-u",
        "file_name": "акт.exe",
        "mime_type": "application/octet-stream",
        "file_size": 1_000,
    }
    calls = await person.send(None, document=exe)
    assert texts_of(calls) == [texts.get("file-type-refused")]
    assert await _rows(harness) == []
    harness.session.files["photo-later"] = PHOTO_BYTES
    await person.send(None, photo=_photo("photo-later"), caption="Вот ещё фото опоры.")
    await build_file_fetcher(harness.app, harness.bot).run_once()
    [row] = await _rows(harness)
    assert (row.file_id, row.state) == ("photo-later", "stored")


async def test_152fz_st18_ch5_meter_photo_too_large_to_store_is_refused_and_step_stays(
    harness: BotHarness, texts: Texts
) -> None:
    person = await _linked_reader(harness, texts, SINGLE)
    await person.send(texts.get("menu-readings"))
    await person.send("1000")
    calls = await person.send(None, photo=_photo("meter-big", size=25 * 1024 * 1024))
    assert texts_of(calls) == [texts.get("file-too-large", mb=20)]
    assert await _rows(harness) == []
    calls = await person.send(None, photo=_photo("meter-ok"))
    assert texts.get("reading-photo-yes") in texts_of(calls)[0]
