"""The office's pages: the day's bookings, the notices with their delivery reports, the
readings file by month; any staff member, as in the chat; none logged out."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.clock import FixedClock
from domain.staff import StaffRole
from storage.models import BookingRow, BookingSlotRow, NoticeRow
from tests.web.conftest import DeskClient, LoginAs

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)  # Thursday, 12:00 in Moscow
VISIT = datetime(2026, 12, 4, 7, 30, tzinfo=UTC)  # Friday, 10:30 in Moscow
PAGES = ("/bookings", "/notices", "/notices/1", "/readings", "/readings/export.csv")


@pytest.fixture
async def office(engine: AsyncEngine, clock: FixedClock, harness: object) -> None:
    clock.set(NOW)
    async with engine.begin() as connection:
        await connection.execute(insert(BookingSlotRow), {"starts_at": VISIT, "capacity": 2})
        await connection.execute(
            insert(BookingRow),
            {
                "number": "З-2026-000045",
                "starts_at": VISIT,
                "topic": "metering",
                "status": "active",
                "full_name": "Волкова Ирина",
                "phone": "+79200000001",
                "channel": "phone",
                "created_at": NOW,
            },
        )
        await connection.execute(
            insert(NoticeRow),
            {
                "id": 1,
                "kind": "debt",
                "topic": "debt",
                "audience": "accounts",
                "status": "done",
                "send_at": NOW,
                "created_at": NOW,
                "planned": 0,
            },
        )


async def test_a_logged_out_request_is_refused(anonymous: DeskClient) -> None:
    for path in PAGES:
        assert (await anonymous.get(path)).status_code == 401


@pytest.mark.usefixtures("office")
async def test_the_day_of_bookings(login_as: LoginAs) -> None:
    desk = await login_as(StaffRole.SPECIALIST)
    today = (await desk.get("/bookings")).text
    assert "03.12.2026, чт" in today and "На этот день записей нет" in today
    friday = (await desk.get("/bookings", params={"day": "2026-12-04"})).text
    assert "04.12.2026, пт" in friday
    for shown in ("10:30", "З-2026-000045", "Волкова Ирина", "+79200000001", "по телефону"):
        assert shown in friday
    assert "?day=2026-12-05" in friday and "?day=2026-12-03" in friday
    wrong = (await desk.get("/bookings", params={"day": "завтра?"})).text
    assert "Дату не удалось прочитать" in wrong and "03.12.2026" in wrong


@pytest.mark.usefixtures("office")
async def test_the_notices_and_a_delivery_report(login_as: LoginAs) -> None:
    desk = await login_as(StaffRole.SPECIALIST)
    listed = (await desk.get("/notices")).text
    assert "№ 1 · Задолженность" in listed
    assert "/notices/1" in listed
    report = await desk.get("/notices/1")
    assert report.status_code == 200
    assert "<b>Уведомление № 1</b>" in report.text
    assert (await desk.get("/notices/99")).status_code == 404
    assert (await desk.get("/notices/x")).status_code == 422


@pytest.mark.usefixtures("office")
async def test_the_readings_file_by_month(login_as: LoginAs) -> None:
    desk = await login_as(StaffRole.SPECIALIST)
    page = (await desk.get("/readings")).text
    assert 'value="2026-12"' in page
    done = await desk.get("/readings/export.csv", params={"period": "2026-11"})
    assert done.status_code == 200
    assert 'filename="readings-2026-11.csv"' in done.headers["content-disposition"]
    assert done.content.startswith(b"\xef\xbb\xbf")  # the BOM, as the CLI writes it
    refused = await desk.get("/readings/export.csv", params={"period": "ноябрь"})
    assert refused.status_code == 422
    assert "ГГГГ-ММ" in refused.text
