"""The company's file storage (152-ФЗ ст. 18 ч. 5): the records of files (on SQLite and on
PostgreSQL), the folder store sharded by checksum, and the S3-compatible store (against
botocore's Stubber: no server)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.factory import file_store
from bot.settings import Settings
from domain.clock import FixedClock
from domain.files import (
    FileKind,
    FileState,
    FileTooLarge,
    FileTypeRefused,
    ReceivedFile,
    check_received,
)
from storage.files import FolderFileStore, SqlFileRegistry, content_key
from storage.files_s3 import S3FileStore
from storage.uow import UnitOfWork

DATA = b"%PDF-1.7\n" + b"x" * 5000
DIGEST = hashlib.sha256(DATA).hexdigest()


def _received(unique: str = "u-1", file_id: str = "id-1") -> ReceivedFile:
    return ReceivedFile(
        kind=FileKind.DOCUMENT,
        file_id=file_id,
        file_unique_id=unique,
        file_name="акт.pdf",
        mime_type="application/pdf",
        size=len(DATA),
    )


async def test_152fz_st18_ch5_file_record_pending_then_stored_with_checksum(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    uow = UnitOfWork(sessionmaker, clock=clock)
    woken: list[bool] = []
    registry = SqlFileRegistry(uow, wake=lambda: woken.append(True))
    record = await registry.record(_received(), user_id=7_000_001, at=clock.now())
    assert woken == []  # only once the step's transaction is committed
    await uow.commit()
    assert woken == [True]
    assert record.state is FileState.PENDING
    uow = UnitOfWork(sessionmaker, clock=clock)
    registry = SqlFileRegistry(uow)
    assert [due.id for due in await registry.due(now=clock.now(), limit=10)] == [record.id]
    await registry.stored(record.id, sha256=DIGEST, key=content_key(DIGEST), at=clock.now())
    await uow.commit()
    uow = UnitOfWork(sessionmaker, clock=clock)
    registry = SqlFileRegistry(uow)
    assert await registry.due(now=clock.now(), limit=10) == []
    found = await registry.by_telegram_id("id-1")
    assert found is not None and (found.state, found.sha256) == (FileState.STORED, DIGEST)
    assert [f.id for f in await registry.of_user(7_000_001)] == [record.id]
    await uow.rollback()


async def test_152fz_st18_ch5_the_same_file_is_one_record_with_the_newest_id(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    uow = UnitOfWork(sessionmaker, clock=clock)
    registry = SqlFileRegistry(uow)
    first = await registry.record(_received(), user_id=1, at=clock.now())
    again = await registry.record(_received(file_id="id-2"), user_id=1, at=clock.now())
    await uow.commit()
    assert again.id == first.id and again.file_id == "id-2"


async def test_152fz_st18_ch5_folder_store_keeps_bytes_under_their_checksum(
    tmp_path: Path,
) -> None:
    store = FolderFileStore(tmp_path / "files")
    key = await store.put(DATA, sha256=DIGEST)
    assert key == f"{DIGEST[:2]}/{DIGEST[2:4]}/{DIGEST}"
    assert (tmp_path / "files" / key).read_bytes() == DATA
    assert await store.put(DATA, sha256=DIGEST) == key  # stored once
    assert await store.get(key) == DATA
    assert await store.get(content_key("0" * 64)) is None
    assert not list((tmp_path / "files").rglob(".part-*"))
    with pytest.raises(ValueError, match="sha256"):
        content_key("../../etc/passwd")


def test_152fz_st18_ch5_size_and_type_checks() -> None:
    check_received(FileKind.PHOTO, mime_type="image/jpeg", file_name="", size=1_000)
    check_received(FileKind.DOCUMENT, mime_type="application/pdf", file_name="a.pdf", size=1)
    check_received(FileKind.VOICE, mime_type="audio/ogg", file_name="", size=1)
    with pytest.raises(FileTooLarge):
        check_received(FileKind.PHOTO, mime_type="image/jpeg", file_name="", size=21 << 20)
    with pytest.raises(FileTypeRefused):
        check_received(FileKind.DOCUMENT, mime_type="application/zip", file_name="a.zip", size=1)
    with pytest.raises(FileTypeRefused):  # a PDF's type on an executable's name
        check_received(FileKind.DOCUMENT, mime_type="application/pdf", file_name="a.exe", size=1)
    # No type, or the generic one: the name decides.
    check_received(FileKind.DOCUMENT, mime_type="", file_name="акт.pdf", size=1)
    check_received(
        FileKind.DOCUMENT, mime_type="application/octet-stream", file_name="a.docx", size=1
    )
    with pytest.raises(FileTypeRefused):
        check_received(FileKind.DOCUMENT, mime_type="", file_name="setup.exe", size=1)
    with pytest.raises(FileTypeRefused):
        check_received(FileKind.DOCUMENT, mime_type="", file_name="noname", size=1)


def test_152fz_st18_ch5_s3_store_needs_a_bucket() -> None:
    with pytest.raises(ValidationError, match="FILES_S3_BUCKET"):
        Settings(_env_file=None, files_store="s3")


def test_152fz_st18_ch5_folder_store_is_the_default(tmp_path: Path) -> None:
    store = file_store(Settings(_env_file=None, files_dir=tmp_path))
    assert isinstance(store, FolderFileStore) and store.root == tmp_path


async def test_152fz_st18_ch5_s3_store_puts_and_gets_objects_by_checksum() -> None:
    boto3: Any = pytest.importorskip("boto3")
    stub_module: Any = pytest.importorskip("botocore.stub")
    client = boto3.client(
        "s3",
        region_name="ru-central1",
        endpoint_url="http://127.0.0.1:9",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    store = S3FileStore(client, bucket="reception", prefix="files/")
    name = f"files/{content_key(DIGEST)}"
    with stub_module.Stubber(client) as stubber:
        stubber.add_response(
            "put_object",
            {},
            {"Bucket": "reception", "Key": name, "Body": DATA, "Metadata": {"sha256": DIGEST}},
        )
        stubber.add_response(
            "get_object",
            {"Body": _Body(DATA)},
            {"Bucket": "reception", "Key": name},
        )
        stubber.add_client_error("get_object", service_error_code="NoSuchKey")
        assert await store.put(DATA, sha256=DIGEST) == content_key(DIGEST)
        assert await store.get(content_key(DIGEST)) == DATA
        assert await store.get(content_key("0" * 64)) is None
        stubber.assert_no_pending_responses()


class _Body:
    """A response body as botocore's StreamingBody reads."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def read(self) -> bytes:
        return self._data


def test_152fz_st18_ch5_s3_store_is_built_from_the_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pytest.importorskip("boto3")
    # Credentials and region as boto3 reads them; never the cloud's metadata service.
    for name, value in (
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("AWS_DEFAULT_REGION", "ru-central1"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ):
        monkeypatch.setenv(name, value)
    settings = Settings(
        _env_file=None,
        files_store="s3",
        files_s3_bucket="reception",
        files_s3_endpoint="http://127.0.0.1:9000",
        files_s3_prefix="bot",
    )
    store = file_store(settings)
    assert isinstance(store, S3FileStore)
    assert store._object("ab/cd/abcd") == "bot/ab/cd/abcd"


async def test_152fz_st5_ch7_folder_store_deletes_bytes_and_forgives_a_second_delete(
    tmp_path: Path,
) -> None:
    store = FolderFileStore(tmp_path)
    key = await store.put(DATA, sha256=DIGEST)
    await store.delete(key)
    assert await store.get(key) is None
    assert not (tmp_path / key).exists()
    await store.delete(key)  # a run cut short and started again


async def test_152fz_st5_ch7_s3_store_deletes_the_object() -> None:
    boto3: Any = pytest.importorskip("boto3")
    stub_module: Any = pytest.importorskip("botocore.stub")
    client = boto3.client(
        "s3",
        region_name="ru-central1",
        endpoint_url="http://127.0.0.1:9",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    store = S3FileStore(client, bucket="reception", prefix="files/")
    with stub_module.Stubber(client) as stubber:
        stubber.add_response(
            "delete_object", {}, {"Bucket": "reception", "Key": f"files/{content_key(DIGEST)}"}
        )
        await store.delete(content_key(DIGEST))
        stubber.assert_no_pending_responses()
