"""RegistryService: the viewer's scope and the moments of the counts go to the query."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from domain.clock import FixedClock
from domain.registry import (
    RegistryCounts,
    RegistryFilter,
    RegistryPage,
    RegistryScope,
    RegistrySort,
)
from domain.staff import StaffMember, StaffRole
from services.registry import RegistryService

MOSCOW = ZoneInfo("Europe/Moscow")


class RecordingQueries:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    async def page(
        self,
        wanted: RegistryFilter,
        scope: RegistryScope,
        *,
        now: datetime,
        week_end: datetime,
        sort: RegistrySort,
        page: int,
    ) -> RegistryPage:
        self.calls.append(
            {"scope": scope, "now": now, "week_end": week_end, "sort": sort, "page": page}
        )
        counts = RegistryCounts(total=0, open=0, overdue=0, due_this_week=0)
        return RegistryPage(entries=(), counts=counts, page=1, pages=1)


async def test_the_page_is_asked_with_the_scope_and_the_company_week() -> None:
    queries = RecordingQueries()
    # Sunday 6 December 2026, 23:30 in Moscow: the week ends in half an hour.
    now = datetime(2026, 12, 6, 20, 30, tzinfo=UTC)
    service = RegistryService(queries, clock=FixedClock(now), zone=MOSCOW)
    specialist = StaffMember(user_id=5, role=StaffRole.SPECIALIST)
    await service.page(specialist, RegistryFilter(), sort=RegistrySort.DUE, page=2)
    (call,) = queries.calls
    assert call["scope"] == RegistryScope(everything=True)  # as in the staff chat
    assert call["now"] == now
    assert call["week_end"] == datetime(2026, 12, 7, tzinfo=MOSCOW)
    assert (call["sort"], call["page"]) == (RegistrySort.DUE, 2)
