"""The reports page (issue 17): the period picker (this month, last month, the quarter, the
year, or dates), table 4.1, the four indicators and the operational figures with the period
before, the charts (the chat's PNG, served by a route) and the XLSX the chat sends. Heads and
admins only, as /report in the chat: each request is checked and audited by StaffDesk. The
figures are the chat's own (services/reports.py, notifier/report_files.py)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from domain.reports import (
    FORM_NAMES,
    FORMS,
    TABLE_41_SUBHEAD,
    InvalidReportPeriod,
    Period,
    PeriodChoice,
    Report,
    chosen_period,
    custom,
    parse_period,
)
from domain.staff import StaffAction
from notifier.report_export import build_report, xlsx_builder
from notifier.report_files import (
    figure_sections,
    indicator_lines,
    percent,
    render_png,
)
from web.deps import CurrentStaff, RequestServices, web_deps
from web.permits import permit
from web.templating import render

router = APIRouter()


@dataclass(frozen=True, slots=True)
class PeriodPick:
    """The period a request names (`period`, or the dates `from`..`to`), this month when it
    names none; `invalid` when what it named could not be read."""

    period: Period
    invalid: bool = False


def picked_period(request: Request) -> PeriodPick:
    deps = web_deps(request)
    today = deps.clock.now().astimezone(deps.config.zone).date()
    params = request.query_params
    first, last = params.get("from", "").strip(), params.get("to", "").strip()
    label = params.get("period", "").strip()
    try:
        if first or last:
            return PeriodPick(custom(date.fromisoformat(first), date.fromisoformat(last)))
        if label:
            return PeriodPick(parse_period(label))
    except (ValueError, InvalidReportPeriod):
        return PeriodPick(chosen_period(PeriodChoice.THIS_MONTH, today), invalid=True)
    return PeriodPick(chosen_period(PeriodChoice.THIS_MONTH, today))


def _choices(request: Request) -> list[tuple[str, str]]:
    """(choice, period label) of the picker's links, for today in the company's zone."""
    deps = web_deps(request)
    today = deps.clock.now().astimezone(deps.config.zone).date()
    return [
        (choice.value, chosen_period(choice, today).label)
        for choice in PeriodChoice
        if choice is not PeriodChoice.CUSTOM
    ]


def _share(value: object) -> str:
    return percent(value if isinstance(value, float) else None)


def _table(report: Report, texts: Any) -> dict[str, Any]:
    return {
        "forms": [texts.plain(FORM_NAMES[form]) for form in FORMS],
        "subhead": [texts.plain(key) for key in TABLE_41_SUBHEAD],
        "rows": [
            (row.number, texts.plain(row.title), "." not in row.number, cells)
            for row, cells in report.table.rows
        ],
    }


@router.get("/reports", name="reports")
async def reports_page(
    request: Request, staff: CurrentStaff, services: RequestServices
) -> Response:
    pick = picked_period(request)
    await permit(services, staff, StaffAction.REPORT, pick.period.label)
    deps = web_deps(request)
    texts = deps.config.texts
    assert texts is not None
    report = await build_report(
        services.uow, pick.period.label, zone=deps.config.zone, clock=deps.clock
    )
    context = {
        "report": report,
        "invalid": pick.invalid,
        "choices": _choices(request),
        "table": _table(report, texts),
        "indicators": [
            (name, formula, _share(now), _share(before))
            for name, formula, now, before in indicator_lines(report, texts)
        ],
        "sections": figure_sections(report, texts),
        "table_title": texts.plain("report-table-title"),
    }
    return render(request, "reports.html", context)


@router.get("/reports/chart.png", name="report_chart")
async def report_chart(
    request: Request, staff: CurrentStaff, services: RequestServices
) -> Response:
    pick = picked_period(request)
    await permit(services, staff, StaffAction.REPORT, f"png {pick.period.label}")
    deps = web_deps(request)
    texts = deps.config.texts
    assert texts is not None
    report = await build_report(
        services.uow, pick.period.label, zone=deps.config.zone, clock=deps.clock
    )
    # matplotlib takes about a second: off the event loop.
    picture = await asyncio.to_thread(render_png, report, texts)
    return Response(picture, media_type="image/png")


@router.get("/reports/report.xlsx", name="report_xlsx")
async def report_xlsx(
    request: Request, staff: CurrentStaff, services: RequestServices
) -> Response:
    pick = picked_period(request)
    await permit(services, staff, StaffAction.REPORT, f"xlsx {pick.period.label}")
    deps = web_deps(request)
    texts = deps.config.texts
    assert texts is not None
    build = xlsx_builder(texts, zone=deps.config.zone, clock=deps.clock)
    name, data, _ = await build(services.uow, pick.period.label)
    return Response(
        data,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
