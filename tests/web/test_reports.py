"""The reports page over tests/registry_data.py's four appeals (November 2026: two, one by
the Internet, one by phone): the picker, table 4.1, the indicators and figures, the chart and
the XLSX; heads and admins only, as /report in the chat."""

from __future__ import annotations

import io
import re
from typing import Any

import openpyxl
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.clock import FixedClock
from domain.staff import StaffRole
from storage.models import StaffAuditRow
from tests.registry_data import NOW, fill
from tests.web.conftest import DeskClient, LoginAs

PAGES = ("/reports", "/reports/chart.png", "/reports/report.xlsx")


@pytest.fixture
async def registry(engine: AsyncEngine, clock: FixedClock, harness: Any) -> None:
    clock.set(NOW)
    await fill(engine)


def _figure(page: str, label: str) -> str:
    found = re.search(rf"<td>{label}</td><td class=\"num\">([^<]*)</td>", page)
    assert found is not None, label
    return found.group(1)


async def test_a_logged_out_request_is_refused(anonymous: DeskClient) -> None:
    for path in PAGES:
        assert (await anonymous.get(path)).status_code == 401


@pytest.mark.usefixtures("registry")
async def test_a_specialist_is_refused_and_audited(login_as: LoginAs, engine: AsyncEngine) -> None:
    desk = await login_as(StaffRole.SPECIALIST)
    for path in PAGES:
        response = await desk.get(path, params={"period": "2026-11"})
        assert response.status_code == 403
        assert "Всего обращений" not in response.text
    async with engine.connect() as connection:
        outcomes = (
            await connection.scalars(
                select(StaffAuditRow.outcome).where(
                    StaffAuditRow.user_id == desk.user_id, StaffAuditRow.action == "report"
                )
            )
        ).all()
    assert outcomes == ["refused"] * 3


@pytest.mark.usefixtures("registry")
@pytest.mark.parametrize("role", [StaffRole.HEAD, StaffRole.ADMIN])
async def test_a_head_sees_the_month_with_the_one_before(
    login_as: LoginAs, role: StaffRole
) -> None:
    desk = await login_as(role)
    page = (await desk.get("/reports")).text
    assert "Отчёт за 2026-12" in page  # this month by default
    assert "прошлый месяц (2026-11)" in page
    november = await desk.get("/reports", params={"period": "2026-11"})
    assert november.status_code == 200
    page = november.text
    assert "Отчёт за 2026-11" in page
    assert "4.1. Обращения потребителей" in page
    assert "Исполнительность" in page
    assert _figure(page, "Всего обращений") == "2"
    assert '/reports/chart.png?period=2026-11"' in page
    assert '/reports/report.xlsx?period=2026-11"' in page


@pytest.mark.usefixtures("registry")
async def test_custom_dates_and_a_bad_period(login_as: LoginAs) -> None:
    desk = await login_as(StaffRole.HEAD)
    page = (await desk.get("/reports", params={"from": "2026-10-01", "to": "2026-11-30"})).text
    assert "Отчёт за 2026-10-01..2026-11-30" in page
    assert _figure(page, "Всего обращений") == "3"
    for params in ({"period": "когда-нибудь"}, {"from": "2026-11-30", "to": "2026-11-01"}):
        response = await desk.get("/reports", params=params)
        assert response.status_code == 200
        assert "Период не удалось прочитать" in response.text
        assert "Отчёт за 2026-12" in response.text


@pytest.mark.usefixtures("registry")
async def test_the_chart_and_the_workbook(login_as: LoginAs) -> None:
    desk = await login_as(StaffRole.HEAD)
    chart = await desk.get("/reports/chart.png", params={"period": "2026-11"})
    assert chart.status_code == 200
    assert chart.headers["content-type"] == "image/png"
    assert chart.content.startswith(b"\x89PNG")
    workbook = await desk.get("/reports/report.xlsx", params={"period": "2026-Q4"})
    assert workbook.status_code == 200
    assert "report-2026-Q4.xlsx" in workbook.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(workbook.content), read_only=True)
    assert len(book.sheetnames) >= 4
