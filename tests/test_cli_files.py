"""`reception export files`: the registry of files people sent, with their checksums
(152-ФЗ ст. 18 ч. 5)."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import UTC, datetime
from pathlib import Path

from domain.clock import FixedClock
from domain.files import FileKind, ReceivedFile
from storage.engine import create_engine, create_sessionmaker
from storage.files import SqlFileRegistry, content_key
from storage.migrate import upgrade
from storage.uow import UnitOfWork
from tests.test_cli import run

AT = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
DIGEST = hashlib.sha256(b"photo").hexdigest()


async def _seed(url: str) -> None:
    engine = create_engine(url)
    try:
        await upgrade(engine)
        uow = UnitOfWork(create_sessionmaker(engine), clock=FixedClock(AT))
        registry = SqlFileRegistry(uow)
        for user_id, unique in ((7_000_001, "a"), (7_000_002, "b")):
            received = ReceivedFile(
                kind=FileKind.PHOTO,
                file_id=f"id-{unique}",
                file_unique_id=unique,
                mime_type="image/jpeg",
                size=5,
            )
            record = await registry.record(received, user_id=user_id, at=AT)
            if unique == "a":
                await registry.stored(record.id, sha256=DIGEST, key=content_key(DIGEST), at=AT)
        await uow.commit()
    finally:
        await engine.dispose()


async def test_152fz_st18_ch5_registry_export_lists_stored_files_with_checksum(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    await _seed(url)
    target = tmp_path / "files.csv"
    result = run("export", "files", "--output", str(target), env={"DATABASE_URL": url})
    assert result.returncode == 0, result.stderr
    assert "Выгружено файлов: 2" in result.stderr
    rows = list(csv.reader(io.StringIO(target.read_bytes().decode("utf-8-sig"))))
    assert rows[0][:3] == ["id", "user_id", "kind"]
    assert rows[1][1:] == [
        "7000001",
        "photo",
        "2026-11-24 10:00",
        "",
        "image/jpeg",
        "5",
        DIGEST,
        content_key(DIGEST),
        "stored",
    ]
    assert (rows[2][1], rows[2][7], rows[2][9]) == ("7000002", "", "pending")
    only = run("export", "files", "--user", "7000002", env={"DATABASE_URL": url})
    assert only.returncode == 0, only.stderr
    assert len(only.stdout.lstrip("\ufeff").splitlines()) == 2
