"""The registry page over tests/registry_data.py's four appeals: filters, the HTMX table,
the counts, sorting, a bad filter, and the export (heads only, audited)."""

from __future__ import annotations

import io
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


@pytest.fixture
async def registry(engine: AsyncEngine, clock: FixedClock, harness: Any) -> None:
    clock.set(NOW)
    await fill(engine)


def _numbers(page: str) -> list[str]:
    return [
        n for n in ("2026-0000001", "2026-0000002", "2026-0000003", "2026-0000004") if n in page
    ]


async def test_a_logged_out_request_is_refused(anonymous: DeskClient) -> None:
    for path in ("/registry", "/registry/export.csv", "/registry/export.xlsx"):
        assert (await anonymous.get(path)).status_code == 401


@pytest.mark.usefixtures("registry")
async def test_a_specialist_sees_every_appeal_with_the_counts(login_as: LoginAs) -> None:
    desk = await login_as(StaffRole.SPECIALIST)
    response = await desk.get("/registry")
    assert response.status_code == 200
    page = response.text
    assert _numbers(page) == ["2026-0000001", "2026-0000002", "2026-0000003", "2026-0000004"]
    assert "Найдено: <strong>4</strong>" in page
    assert "В работе: <strong>3</strong>" in page
    assert 'Просрочено: <strong class="bad">1</strong>' in page
    assert "Срок на этой неделе: <strong>1</strong>" in page
    assert 'href="/appeals/' in page
    assert "01.11.2026 10:00" in page  # received, in Moscow time
    assert "Жалоба или претензия" in page and "в работе" in page
    assert "Орлова Анна" in page  # the executor
    # The appellants' names are on the appeal page, on request (audited), not in the list.
    assert "Иванова" not in page and "Сидоров" not in page
    assert "Выгрузить" not in page  # the export is the heads'


@pytest.mark.usefixtures("registry")
async def test_the_filter_form_narrows_the_table(login_as: LoginAs) -> None:
    desk = await login_as(StaffRole.SPECIALIST)
    overdue = (await desk.get("/registry", params={"kind": "complaint", "overdue": "1"})).text
    assert _numbers(overdue) == ["2026-0000001"]
    assert "Найдено: <strong>1</strong>" in overdue
    searched = (await desk.get("/registry", params={"q": "петров подключить"})).text
    assert _numbers(searched) == ["2026-0000002"]
    november = {"received_from": "2026-11-01", "received_to": "2026-11-30", "department": "1"}
    assert _numbers((await desk.get("/registry", params=november)).text) == ["2026-0000001"]
    rated = (await desk.get("/registry", params={"rating": "5", "status": "answered"})).text
    assert _numbers(rated) == ["2026-0000003"]
    # The chosen values stay in the form.
    assert '<option value="answered" selected>' in rated


@pytest.mark.usefixtures("registry")
async def test_htmx_gets_the_table_alone(login_as: LoginAs) -> None:
    desk = await login_as(StaffRole.SPECIALIST)
    response = await desk.get(
        "/registry",
        params={"executor": "102"},
        headers={"HX-Request": "true", "HX-Target": "registry-table"},
    )
    assert response.status_code == 200
    assert "<html" not in response.text and "<form" not in response.text
    assert _numbers(response.text) == ["2026-0000003"]


@pytest.mark.usefixtures("registry")
async def test_sort_links_keep_the_filter(login_as: LoginAs) -> None:
    desk = await login_as(StaffRole.SPECIALIST)
    page = (await desk.get("/registry", params={"kind": "complaint", "sort": "due"})).text
    assert page.index("2026-0000001") < page.index("2026-0000004")
    assert "/registry?kind=complaint&amp;sort=number" in page
    by_number = (await desk.get("/registry", params={"kind": "complaint", "sort": "number"})).text
    assert by_number.index("2026-0000004") < by_number.index("2026-0000001")


@pytest.mark.usefixtures("registry")
async def test_a_bad_filter_value_is_named_not_a_traceback(login_as: LoginAs) -> None:
    desk = await login_as(StaffRole.SPECIALIST)
    response = await desk.get(
        "/registry",
        params={
            "received_from": "2026-13-01",
            "rating": "9",
            "kind": "nonsense",
            "sort": "x",
            "page": "-1",
            "q": "д. Ленина",
        },
    )
    assert response.status_code == 200
    page = response.text
    assert "Не удалось прочитать: поступило с, вид, оценка (1–5)" in page
    assert "Слова короче трёх знаков не ищутся: д." in page
    assert _numbers(page) == ["2026-0000001"]  # the rest of the filter applies


@pytest.mark.usefixtures("registry")
async def test_a_head_exports_what_is_filtered(login_as: LoginAs, engine: AsyncEngine) -> None:
    desk = await login_as(StaffRole.HEAD)
    page = (await desk.get("/registry", params={"kind": "complaint"})).text
    assert "/registry/export.csv?kind=complaint" in page
    csv = await desk.get("/registry/export.csv", params={"kind": "complaint", "sort": "number"})
    assert csv.status_code == 200
    assert csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv.headers["content-disposition"]
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert [line.split(",")[0] for line in lines] == ["number", "2026-0000004", "2026-0000001"]
    xlsx = await desk.get("/registry/export.xlsx", params={"overdue": "1"})
    assert xlsx.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content), read_only=True).active
    assert sheet is not None
    assert [row[0] for row in sheet.iter_rows(values_only=True)] == ["number", "2026-0000001"]
    async with engine.connect() as connection:
        details = (
            await connection.scalars(
                select(StaffAuditRow.detail).where(
                    StaffAuditRow.user_id == desk.user_id, StaffAuditRow.outcome == "done"
                )
            )
        ).all()
    assert {"registry csv", "registry xlsx"} <= set(details)


@pytest.mark.usefixtures("registry")
async def test_a_specialist_may_not_export(login_as: LoginAs, engine: AsyncEngine) -> None:
    desk = await login_as(StaffRole.SPECIALIST)
    for path in ("/registry/export.csv", "/registry/export.xlsx"):
        response = await desk.get(path)
        assert response.status_code == 403
        assert "number," not in response.text
    async with engine.connect() as connection:
        refused = (
            await connection.scalars(
                select(StaffAuditRow.outcome).where(
                    StaffAuditRow.user_id == desk.user_id, StaffAuditRow.action == "report"
                )
            )
        ).all()
    assert refused and all(outcome != "done" for outcome in refused)
