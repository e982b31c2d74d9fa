"""The registry of appeals as the web desk lists it (issue 17): the viewer's scope and the
moments the counts are taken at are decided here, the query is the port's."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from domain.clock import Clock
from domain.registry import (
    RegistryFilter,
    RegistryPage,
    RegistryScope,
    RegistrySort,
    registry_scope,
    week_end,
)
from domain.staff import StaffMember


class RegistryQueries(Protocol):
    async def page(
        self,
        wanted: RegistryFilter,
        scope: RegistryScope,
        *,
        now: datetime,
        week_end: datetime,
        sort: RegistrySort,
        page: int,
    ) -> RegistryPage: ...


class RegistryService:
    def __init__(self, queries: RegistryQueries, *, clock: Clock, zone: ZoneInfo) -> None:
        self._queries = queries
        self._clock = clock
        self._zone = zone

    async def page(
        self, member: StaffMember, wanted: RegistryFilter, *, sort: RegistrySort, page: int
    ) -> RegistryPage:
        """The page of what `member` may see, with the counts (open, overdue, due before the
        company's Sunday midnight) of the same filter."""
        now = self._clock.now()
        return await self._queries.page(
            wanted,
            registry_scope(member),
            now=now,
            week_end=week_end(now, self._zone),
            sort=sort,
            page=page,
        )
