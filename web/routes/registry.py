"""The registry page (issue 17): the appeals table with its filter form (GET parameters, the
table reloaded by HTMX), the counts, sort links, pages of 50, and for heads the export of
what is filtered as CSV (streamed) or XLSX (written in constant memory)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, TypeVar
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from starlette.background import BackgroundTask
from starlette.datastructures import QueryParams
from starlette.responses import FileResponse, Response, StreamingResponse

from domain.appeal_model import OPEN_STATUSES, AppealKind, AppealStatus, ServiceForm, Subject
from domain.registry import (
    DUE_WITHIN_MAX,
    RegistryFilter,
    RegistrySort,
    day_bounds,
    registry_scope,
)
from domain.staff import StaffAction, StaffMember
from notifier.registry_export import (
    RegistryRow,
    filtered_registry_rows,
    registry_csv_stream,
    write_registry_xlsx,
)
from services.registry import RegistryService
from storage.registry import SqlRegistry
from storage.uow import UnitOfWork
from web.deps import CurrentStaff, RequestServices, web_deps
from web.permits import permit
from web.templating import render

router = APIRouter()

E = TypeVar("E", bound=StrEnum)
_RATINGS = range(1, 6)
# The parameters of the filter form; `sort` and `page` are the table's own links.
FILTER_FIELDS = (
    "q",
    "status",
    "kind",
    "subject",
    "form",
    "department",
    "executor",
    "received_from",
    "received_to",
    "due_from",
    "due_to",
    "overdue",
    "due_within",
    "rating",
)


@dataclass(frozen=True, slots=True)
class RegistryQuery:
    """A registry request read from its GET parameters: the filter, the order, the page and
    the fields that could not be read (named on the page; the rest of the filter applies)."""

    wanted: RegistryFilter
    sort: RegistrySort
    page: int
    problems: tuple[str, ...] = ()
    params: tuple[tuple[str, str], ...] = field(default=())

    def link(self, **changes: Any) -> str:
        """The query string of this request with `changes` (None drops a parameter)."""
        kept = [(key, value) for key, value in self.params if key not in changes]
        kept += [(key, str(value)) for key, value in changes.items() if value is not None]
        return "?" + urlencode(kept)


def _codes(params: QueryParams, name: str, enum: type[E], problems: list[str]) -> frozenset[E]:
    chosen: set[E] = set()
    for value in params.getlist(name):
        if not value:
            continue
        try:
            chosen.add(enum(value))
        except ValueError:
            problems.append(name)
    return frozenset(chosen)


def _number(
    params: QueryParams, name: str, problems: list[str], allowed: range | None = None
) -> int | None:
    value = params.get(name, "").strip()
    if not value:
        return None
    if not value.isdigit() or (allowed is not None and int(value) not in allowed):
        problems.append(name)
        return None
    return int(value)


def _day(params: QueryParams, name: str, problems: list[str]) -> date | None:
    value = params.get(name, "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.append(name)
        return None


def parse_registry_query(params: QueryParams, zone: ZoneInfo) -> RegistryQuery:
    problems: list[str] = []
    received = day_bounds(
        _day(params, "received_from", problems), _day(params, "received_to", problems), zone
    )
    due = day_bounds(_day(params, "due_from", problems), _day(params, "due_to", problems), zone)
    wanted = RegistryFilter(
        statuses=_codes(params, "status", AppealStatus, problems),
        kinds=_codes(params, "kind", AppealKind, problems),
        subjects=_codes(params, "subject", Subject, problems),
        forms=_codes(params, "form", ServiceForm, problems),
        department_id=_number(params, "department", problems),
        executor_id=_number(params, "executor", problems),
        received_from=received[0],
        received_until=received[1],
        due_from=due[0],
        due_until=due[1],
        overdue=params.get("overdue") == "1",
        due_within_days=_number(params, "due_within", problems, range(1, DUE_WITHIN_MAX + 1)),
        rating=_number(params, "rating", problems, _RATINGS),
        search=params.get("q", ""),
    )
    try:
        sort = RegistrySort(params.get("sort", RegistrySort.RECEIVED.value))
    except ValueError:
        sort = RegistrySort.RECEIVED
    page = _number(params, "page", []) or 1
    kept = tuple(
        (key, value) for key, value in params.multi_items() if key in FILTER_FIELDS and value
    )
    return RegistryQuery(wanted, sort, page, tuple(dict.fromkeys(problems)), kept)


def _labels(request: Request) -> dict[str, dict[str, str]]:
    """The Russian names of the codes, from the locale files (as the chat names them)."""
    texts = web_deps(request).config.texts
    assert texts is not None  # the composition root always hands them in

    def named(
        prefix: str, codes: Sequence[str], key: Callable[[str], str] = str
    ) -> dict[str, str]:
        return {code: texts.plain(f"{prefix}{key(code)}") for code in codes}

    return {
        "status": named("appeal-status-", [s.value for s in AppealStatus]),
        "kind": named("appeal-kind-", [k.value for k in AppealKind]),
        "subject": named("appeal-subject-", [s.value for s in Subject]),
        "form": named("report-form-", [f.value for f in ServiceForm], _hyphens),
    }


def _hyphens(code: str) -> str:
    return code.replace("_", "-")


@router.get("/registry", name="registry")
async def registry_page(
    request: Request, staff: CurrentStaff, services: RequestServices
) -> Response:
    deps = web_deps(request)
    query = parse_registry_query(request.query_params, deps.config.zone)
    service = RegistryService(SqlRegistry(services.uow), clock=deps.clock, zone=deps.config.zone)
    page = await service.page(staff, query.wanted, sort=query.sort, page=query.page)
    members = await services.staff_desk.members()
    context = {
        "query": query,
        "result": page,
        "labels": _labels(request),
        "departments": await services.staff_desk.departments(),
        "executors": sorted(members, key=lambda member: member.display_name),
        "open_statuses": {status.value for status in OPEN_STATUSES},
        "sorts": [sort.value for sort in RegistrySort],
        "may_export": staff.may(StaffAction.REPORT),
        "ratings": list(_RATINGS),
    }
    fragment = request.headers.get("HX-Request") and request.headers.get("HX-Target") == (
        "registry-table"
    )
    return render(request, "registry_table.html" if fragment else "registry.html", context)


async def _export_rows(
    request: Request, staff: StaffMember, query: RegistryQuery
) -> AsyncIterator[list[RegistryRow]]:
    """The filtered rows in batches, read in a unit of work of the download's own: a
    streamed response outlives the request's."""
    deps = web_deps(request)
    uow = UnitOfWork(deps.sessionmaker, clock=deps.clock)
    try:
        async for batch in filtered_registry_rows(
            uow, query.wanted, registry_scope(staff), now=deps.clock.now(), sort=query.sort
        ):
            yield batch
    finally:
        await uow.rollback()


def _file_name(request: Request, extension: str) -> str:
    today = web_deps(request).clock.now().astimezone(web_deps(request).config.zone).date()
    return f"registry-{today.isoformat()}.{extension}"


# Export is the heads' (the registry's figures are the management's, as /report in the chat).


@router.get("/registry/export.csv", name="registry_csv")
async def registry_csv(
    request: Request, staff: CurrentStaff, services: RequestServices
) -> Response:
    await permit(services, staff, StaffAction.REPORT, "registry csv")
    deps = web_deps(request)
    texts = deps.config.texts
    assert texts is not None
    query = parse_registry_query(request.query_params, deps.config.zone)
    chunks = registry_csv_stream(
        _export_rows(request, staff, query), texts, zone=deps.config.zone, now=deps.clock.now()
    )
    name = _file_name(request, "csv")
    return StreamingResponse(
        chunks,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/registry/export.xlsx", name="registry_xlsx")
async def registry_xlsx(
    request: Request, staff: CurrentStaff, services: RequestServices
) -> Response:
    await permit(services, staff, StaffAction.REPORT, "registry xlsx")
    deps = web_deps(request)
    texts = deps.config.texts
    assert texts is not None
    query = parse_registry_query(request.query_params, deps.config.zone)
    handle, path = tempfile.mkstemp(prefix="registry-", suffix=".xlsx")
    os.close(handle)
    try:
        await write_registry_xlsx(
            _export_rows(request, staff, query),
            path,
            texts,
            zone=deps.config.zone,
            now=deps.clock.now(),
        )
    except BaseException:
        os.unlink(path)
        raise
    return FileResponse(
        path,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        filename=_file_name(request, "xlsx"),
        background=BackgroundTask(os.unlink, path),
    )
