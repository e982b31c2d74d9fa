"""Order 186 reports (SPEC §9): a Report for a period, with the period before it and the
same days a year earlier beside it (domain/reports.py). The store counts; this puts the
counts together. Questionnaire results (another feature) come in as extra tables."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from domain.clock import Clock
from domain.reports import (
    ExtraTable,
    Facts,
    Period,
    RegisterRow,
    Report,
    figures,
    indicators,
    monthly,
    table_41,
)


class ReportStore(Protocol):
    async def facts(self, period: Period, zone: ZoneInfo, *, now: datetime) -> Facts: ...

    def register(self, period: Period, zone: ZoneInfo) -> AsyncIterator[Sequence[RegisterRow]]: ...


class ReportService:
    def __init__(self, store: ReportStore, *, clock: Clock, zone: ZoneInfo) -> None:
        self._store = store
        self._clock = clock
        self._zone = zone

    async def build(self, period: Period, extra: Sequence[ExtraTable] = ()) -> Report:
        now = self._clock.now()
        cache: dict[Period, Facts] = {}

        async def facts_of(which: Period) -> Facts:
            if which not in cache:
                cache[which] = await self._store.facts(which, self._zone, now=now)
            return cache[which]

        current = await facts_of(period)
        previous, year_before = period.preceding(), period.year_before()
        before = await facts_of(previous)
        last_year = await facts_of(year_before)
        trend_period = period.trend()
        trend_facts = current if trend_period == period else await facts_of(trend_period)
        return Report(
            period=period,
            previous=previous,
            year_before=year_before,
            generated_at=now,
            table=table_41(last_year.appeals, current.appeals),
            indicators=indicators(current.appeals),
            indicators_before=indicators(before.appeals),
            figures=figures(
                current.appeals, overdue_now=current.overdue_now, surveyed=current.surveyed
            ),
            figures_before=figures(
                before.appeals, overdue_now=before.overdue_now, surveyed=before.surveyed
            ),
            answer_times=current.answer_times,
            answer_times_before=before.answer_times,
            facts=current,
            trend=monthly(trend_period, trend_facts.appeals),
            extra=tuple(extra),
        )

    def register(self, period: Period) -> AsyncIterator[Sequence[RegisterRow]]:
        """Register 4.9's rows, oldest first, streamed in pages (RegisterEntry's order)."""
        return self._store.register(period, self._zone)
