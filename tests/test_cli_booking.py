"""`reception bookings` and the OFFICE_HOURS check at start-up (SPEC §6; regulation §11.1),
run as a person would run them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.settings import Settings
from core.texts import Texts
from domain.booking import BookingChannel, BookingTopic
from domain.clock import FixedClock
from services.booking import BookingService
from storage.booking import SqlBookingRepository
from storage.engine import create_engine, create_sessionmaker
from storage.repositories import SqlAccountLinks, SqlConsents
from storage.uow import UnitOfWork
from tests.test_cli import run


def test_bookings_has_help() -> None:
    result = run("bookings", "--help")
    assert result.returncode == 0, result.stderr
    assert "usage: reception bookings" in result.stdout and "--day" in result.stdout


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("mon-tue 09:00-12:00", "6 h 00 min a week; regulation §11.1 requires at least 25"),
        ("mon-fri 9-18", "'9' is not a time HH:MM"),
    ],
)
def test_office_hours_below_25_a_week_or_unreadable_stop_start_up(value: str, says: str) -> None:
    result = run("run", env={"OFFICE_HOURS": value, "BOT_TOKEN": "123:abc"})
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("• ")]
    assert len(lines) == 1 and lines[0].startswith("• OFFICE_HOURS")
    assert says in lines[0]


def test_the_settings_accept_the_default_and_refuse_short_hours() -> None:
    assert Settings(_env_file=None).booking.office_hours.startswith("mon-thu")
    with pytest.raises(ValidationError, match=r"regulation §11\.1"):
        Settings(_env_file=None, office_hours="mon-fri 10:00-14:00")


async def test_bookings_prints_the_days_list_and_csv(tmp_path: Path, texts: Texts) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    env = {"DATABASE_URL": url}
    assert run("migrate", env=env).returncode == 0
    from bot.factory import booking_policy

    settings = Settings(_env_file=None, database_url=url)
    clock = FixedClock(datetime(2026, 11, 30, 7, 0, tzinfo=UTC))  # Monday 10:00
    engine = create_engine(url)
    try:
        uow = UnitOfWork(create_sessionmaker(engine), clock=clock)
        service = BookingService(
            bookings=SqlBookingRepository(uow),
            consents=SqlConsents(uow),
            links=SqlAccountLinks(uow),
            clock=clock,
            policy=booking_policy(settings, texts),
        )
        thursday_10 = datetime(2026, 12, 3, 7, 0, tzinfo=UTC)
        for starts_at, name, phone in (
            (thursday_10, "Сидоров Алексей", "+79200000003"),
            (thursday_10 - timedelta(hours=1), "Петров Сергей", "+79200000002"),
        ):
            await service.book_for_caller(
                staff_id=1,
                full_name=name,
                phone=phone,
                topic=BookingTopic.CONTRACTS,
                starts_at=starts_at,
                channel=BookingChannel.PHONE,
            )
        await uow.commit()
    finally:
        await engine.dispose()
    listing = run("bookings", "--day", "2026-12-03", env=env)
    assert listing.returncode == 0, listing.stderr
    lines = listing.stdout.splitlines()
    assert lines[0] == "Записи на приём на 03.12.2026 (чт): 2"
    assert lines[1].startswith("09:00 З-2026-") and "Петров Сергей, +79200000002" in lines[1]
    assert lines[2].startswith("10:00 З-2026-") and "Договоры (по телефону)" in lines[2]
    empty = run("bookings", "--day", "2026-12-04", env=env)
    assert empty.stdout.strip() == "Записей на приём на 04.12.2026 нет."
    as_csv = run("bookings", "--day", "2026-12-03", "--csv", env=env)
    rows = as_csv.stdout.splitlines()
    assert rows[0] == "время,номер,вопрос,ФИО,телефон,как записан"
    assert rows[1].startswith("09:00,З-2026-") and rows[1].endswith(
        ",Договоры,Петров Сергей,+79200000002,по телефону"
    )
    wrong = run("bookings", "--day", "03.12.2026", env=env)
    assert wrong.returncode == 2 and "Traceback" not in wrong.stderr
