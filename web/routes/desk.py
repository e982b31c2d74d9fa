"""The office's pages (issue 17 "Also"): the day's bookings with a date picker, the notices
with their delivery reports, and the readings export by month. Any staff member, as /day,
/notices, /notice and /readings in the chat; the same services and the same texts."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi import APIRouter, Request
from starlette.responses import Response

from core.texts import Texts
from domain.booking import BookingChannel, BookingTopic
from domain.readings import InvalidPeriod
from domain.readings import parse_period as parse_billing_month
from notifier.notice_texts import NoticeTexts
from services.readings import readings_csv
from web.deps import CurrentStaff, RequestServices, web_deps
from web.templating import render, telegram_html

router = APIRouter()

NOTICES_SHOWN = 20
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _texts(request: Request) -> Texts:
    texts = web_deps(request).config.texts
    assert texts is not None  # the composition root always hands them in
    return texts


def _today(request: Request) -> date:
    deps = web_deps(request)
    return deps.clock.now().astimezone(deps.config.zone).date()


@router.get("/bookings", name="bookings")
async def bookings_page(
    request: Request, staff: CurrentStaff, services: RequestServices
) -> Response:
    """Who comes to the office on a day (today unless `day` names one)."""
    raw = request.query_params.get("day", "").strip()
    invalid = False
    day = _today(request)
    if raw:
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            invalid = True
    texts = _texts(request)
    bookings = sorted(await services.booking.day(day), key=lambda b: (b.starts_at, b.id or 0))
    context = {
        "day": day,
        "invalid": invalid,
        "weekday": texts.plain(f"booking-weekday-{WEEKDAYS[day.weekday()]}"),
        "bookings": bookings,
        "topics": {t.value: texts.plain(f"booking-topic-{t.value}") for t in BookingTopic},
        "channels": {c.value: texts.plain(f"booking-channel-{c.value}") for c in BookingChannel},
        "before": day - timedelta(days=1),
        "after": day + timedelta(days=1),
    }
    return render(request, "bookings.html", context)


@router.get("/notices", name="notices")
async def notices_page(
    request: Request, staff: CurrentStaff, services: RequestServices
) -> Response:
    """The latest notices, each with its delivery figures, as /notices in the chat."""
    said = NoticeTexts(_texts(request), web_deps(request).config.zone)
    reports = await services.notice_service.recent(limit=NOTICES_SHOWN)
    lines = [(report.notice.id, telegram_html(said.short(report))) for report in reports]
    return render(request, "notices.html", {"lines": lines})


@router.get("/notices/{notice_id}", name="notice")
async def notice_page(
    request: Request, notice_id: int, staff: CurrentStaff, services: RequestServices
) -> Response:
    """One notice's delivery report, as /notice ID in the chat."""
    report = await services.notice_service.report(notice_id)
    if report is None:
        return render(request, "not_found.html", {"status": 404}, status_code=404)
    said = NoticeTexts(_texts(request), web_deps(request).config.zone)
    return render(
        request,
        "notice.html",
        {"notice_id": notice_id, "text": telegram_html(said.report(report))},
    )


@router.get("/readings", name="readings")
async def readings_page(request: Request, staff: CurrentStaff) -> Response:
    """The month picker of the readings file for billing."""
    return render(request, "readings.html", {"month": _today(request).strftime("%Y-%m")})


@router.get("/readings/export.csv", name="readings_csv")
async def readings_export(
    request: Request, staff: CurrentStaff, services: RequestServices
) -> Response:
    """The month's readings for billing, the file /readings sends in the chat and `reception
    export readings` writes."""
    period = request.query_params.get("period", "").strip()
    try:
        parse_billing_month(period)
    except InvalidPeriod:
        context = {"month": period, "invalid": True}
        return render(request, "readings.html", context, status_code=422)
    rows = await services.readings.export(period)
    data = readings_csv(rows, zone=web_deps(request).config.zone)
    return Response(
        data,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="readings-{period}.csv"'},
    )
