"""`reception export readings`: the billing export, run as a person would run it."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from domain.clock import FixedClock
from domain.ids import AccountNumber
from domain.readings import Reading, ReadingChannel, ZoneValue
from services.account_import import AccountImportService
from storage.engine import create_engine, create_sessionmaker
from storage.migrate import upgrade
from storage.readings import SqlReadingRepository
from storage.repositories import SqlAccountRegistry
from storage.uow import UnitOfWork
from tests.test_cli import ROOT, run

AT = datetime(2026, 11, 20, 21, 30, tzinfo=UTC)  # 21.11.2026 00:30 in Moscow


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"


async def _seed(url: str) -> None:
    engine = create_engine(url)
    try:
        await upgrade(engine)
        clock = FixedClock(AT)
        uow = UnitOfWork(create_sessionmaker(engine), clock=clock)
        await AccountImportService(registry=SqlAccountRegistry(uow)).import_registry(
            (ROOT / "examples" / "accounts.csv").read_bytes(), now=AT
        )
        repository = SqlReadingRepository(uow)
        for account, serial, period, channel, values in (
            ("1000000001", "011234567", "2026-11", ReadingChannel.BOT, (12_345_600, 5_432_000)),
            ("1000000002", "022345678", "2026-11", ReadingChannel.PHONE, (99_999,)),
            ("1000000002", "022345678", "2026-12", ReadingChannel.BOT, (100_000,)),
        ):
            reading_id = await repository.add(
                Reading(
                    id=None,
                    reference=None,
                    account_number=AccountNumber(account),
                    meter_serial=serial,
                    period=period,
                    submitted_at=AT,
                    channel=channel,
                    values=tuple(ZoneValue(z, v) for z, v in enumerate(values, start=1)),
                )
            )
            await repository.set_reference(reading_id, f"П-2026-{reading_id:06d}")
        await uow.commit()
    finally:
        await engine.dispose()


def test_export_has_help() -> None:
    result = run("export", "readings", "--help")
    assert result.returncode == 0, result.stderr
    assert "--period" in result.stdout and "--output" in result.stdout


async def test_export_writes_the_months_readings_as_csv_to_a_file_and_stdout(
    db_url: str, tmp_path: Path
) -> None:
    await _seed(db_url)
    target = tmp_path / "readings-2026-11.csv"
    env = {"DATABASE_URL": db_url}
    result = run("export", "readings", "--period", "2026-11", "--output", str(target), env=env)
    assert result.returncode == 0, result.stderr
    assert "Выгружено строк: 3" in result.stderr
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [
        ["account", "meter", "zone", "value", "submitted_at", "channel", "reference"],
        ["1000000001", "011234567", "1", "12345.6", "2026-11-21 00:30", "bot", "П-2026-000001"],
        ["1000000001", "011234567", "2", "5432", "2026-11-21 00:30", "bot", "П-2026-000001"],
        ["1000000002", "022345678", "1", "99.999", "2026-11-21 00:30", "phone", "П-2026-000002"],
    ]
    to_stdout = run("export", "readings", "--period", "2026-12", env=env)
    assert to_stdout.returncode == 0, to_stdout.stderr
    lines = to_stdout.stdout.lstrip("\ufeff").splitlines()
    assert lines[1:] == ["1000000002,022345678,1,100,2026-11-21 00:30,bot,П-2026-000003"]


def test_export_refuses_a_malformed_period(db_url: str) -> None:
    result = run("export", "readings", "--period", "11.2026", env={"DATABASE_URL": db_url})
    assert result.returncode == 2
    assert "ГГГГ-ММ" in result.stderr
    assert "Traceback" not in result.stderr
