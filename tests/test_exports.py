"""Every CSV the bot or the command line writes is safe to open in a spreadsheet (issue 11
point 10): text that would start a formula is written with a leading "'"; numbers, and text
that is a plain number, stay as they are (domain/spreadsheet.py)."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.cli_notices import _evidence
from bot.settings import Settings
from core.texts import Texts
from domain.booking import (
    Booking,
    BookingChannel,
    BookingId,
    BookingStatus,
    BookingTopic,
    day_csv,
)
from domain.readings import ReadingChannel
from domain.spreadsheet import csv_writer, safe_cell
from services.readings import ExportRow, readings_csv

MOSCOW = ZoneInfo("Europe/Moscow")
AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
FORMULAS = ("=1+1", "+1+1", "-1+1", "@SUM(A1:A2)", "\t=1+1", "\r=1+1", '=HYPERLINK("x")')


@pytest.mark.parametrize("value", FORMULAS)
def test_text_that_would_start_a_formula_is_kept_as_text(value: str) -> None:
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize(
    "value", ["Иванова", "", "1 + 1", " =1", "12345.6", "+79200000001", "-12,5"]
)
def test_plain_text_and_plain_numbers_are_left_as_they_are(value: str) -> None:
    assert safe_cell(value) == value


def test_numbers_are_left_as_numbers() -> None:
    out = io.StringIO()
    csv_writer(out, lineterminator="\n").writerow([-5, 3, None, "=1"])
    assert out.getvalue() == "-5,3,,'=1\n"


def _cells(data: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data)))


def test_the_readings_file_for_billing_neutralises_registry_values() -> None:
    rows = [
        ExportRow(
            account_number="1000000001",
            meter_serial=serial,
            zone=1,
            value_milli=12_345_600,
            submitted_at=AT,
            channel=ReadingChannel.BOT,
            reference="П-2026-000001",
            period="2026-11",
        )
        for serial in ("=1+1", "@SUM(A1)", "011234567")
    ]
    cells = _cells(readings_csv(rows, zone=MOSCOW).decode("utf-8-sig"))
    assert [row[1] for row in cells[1:]] == ["'=1+1", "'@SUM(A1)", "011234567"]
    assert cells[1][3] == "12345.6"  # the value stays a number


def test_the_days_bookings_neutralise_names_and_odd_phones() -> None:
    def booking(booking_id: int, name: str, phone: str) -> Booking:
        return Booking(
            id=BookingId(booking_id),
            number=f"З-2026-{booking_id:06d}",
            starts_at=AT + timedelta(minutes=30 * booking_id),
            topic=BookingTopic.METERING,
            status=BookingStatus.ACTIVE,
            user_id=None,
            full_name=name,
            phone=phone,
            channel=BookingChannel.PHONE,
            created_at=AT,
        )

    text = day_csv(
        [booking(1, "\t=cmd|' /C calc'!A0", "+7 (920) =1"), booking(2, "Иванова", "+79200000002")],
        zone=MOSCOW,
    )
    cells = _cells(text)
    assert cells[1][3:5] == ["'\t=cmd|' /C calc'!A0", "'+7 (920) =1"]
    assert cells[2][3:5] == ["Иванова", "+79200000002"]


async def test_the_notice_evidence_neutralises_accounts_and_errors(
    tmp_path: Path, texts: Texts
) -> None:
    class Desk:
        async def report(self, notice_id: int) -> object:
            return object()

        async def evidence(self, notice_id: int) -> AsyncIterator[Any]:
            yield SimpleNamespace(
                user_id=11,
                account_number="-1+1000000001",
                status="failed",
                sent_at=None,
                telegram_message_id=None,
                last_error='=HYPERLINK("http://x")',
            )
            yield SimpleNamespace(
                user_id=12,
                account_number="1000000003",
                status="sent",
                sent_at=AT,
                telegram_message_id=5,
                last_error="",
            )

    output = tmp_path / "evidence.csv"
    settings = Settings(_env_file=None)
    assert await _evidence(Desk(), settings, texts, 1, output) == 0
    cells = _cells(output.read_text(encoding="utf-8-sig"))
    assert cells[1] == ["11", "'-1+1000000001", "failed", "", "", '\'=HYPERLINK("http://x")']
    assert cells[2][:2] == ["12", "1000000003"] and cells[2][4] == "5"
