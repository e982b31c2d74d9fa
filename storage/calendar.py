"""The Russian production calendar (производственный календарь) for deadlines and bookings:
the `holidays` package plus the company's overrides from the settings.

What `holidays` knows for "RU" (checked with 0.109): the fixed public holidays (Jan 1–8,
Feb 23, Mar 8, May 1, May 9, Jun 12, Nov 4), the days off moved by the government's yearly
decree (e.g. 2026-01-09, 2025-05-02) and, in `weekend_workdays`, the Saturdays made working
days by the same decree (e.g. 2024-11-02, 2025-11-01, 2027-02-20) — for the years it has the
decree for (up to 2027 in 0.109). For later years it knows only the fixed holidays, without
transfers: until the package is updated, the settings' overrides fill the gap
(`transfers_known` tells which years need them). It does not know regional or company days
off: `extra_days_off` and `extra_working_days` are for those.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import holidays

from domain.deadlines import WorkingCalendar

COUNTRY = "RU"


class ProductionCalendar(WorkingCalendar):
    """Working day = not an override day off, and either an override working day, a Saturday
    the decree made a working day, or a weekday that is no holiday."""

    def __init__(
        self,
        *,
        extra_days_off: Iterable[date] = (),
        extra_working_days: Iterable[date] = (),
    ) -> None:
        self.extra_days_off = frozenset(extra_days_off)
        self.extra_working_days = frozenset(extra_working_days)
        both = self.extra_days_off & self.extra_working_days
        if both:
            listed = ", ".join(day.isoformat() for day in sorted(both))
            raise ValueError(f"days both off and working in the overrides: {listed}")
        # year -> (holidays and days off of the decree, working weekend days), built once a year.
        self._years: dict[int, tuple[frozenset[date], frozenset[date]]] = {}

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_days_off:
            return False
        if day in self.extra_working_days:
            return True
        days_off, weekend_workdays = self._year(day.year)
        if day.weekday() >= 5:
            return day in weekend_workdays
        return day not in days_off

    def preload(self, years: Iterable[int]) -> None:
        """Load the given years now (at start), not at the first question about them."""
        for year in years:
            self._year(year)

    def _year(self, year: int) -> tuple[frozenset[date], frozenset[date]]:
        cached = self._years.get(year)
        if cached is None:
            # A transfer may cross the new year (a Saturday in December working for a day off
            # in January): the decree is filed under one year, the date is in the other.
            calendar = holidays.country_holidays(COUNTRY, years=(year - 1, year, year + 1))
            days_off = frozenset(day for day in calendar if day.year == year)
            workdays = frozenset(day for day in calendar.weekend_workdays if day.year == year)
            cached = self._years[year] = (days_off, workdays)
        return cached

    @staticmethod
    def transfers_known(year: int) -> bool:
        """Whether the installed `holidays` has the decree on transferred days for the year;
        if not, only the fixed holidays are known and the overrides should list the rest."""
        # Not public API: where the package keeps the decrees. Unknown if it moves.
        try:
            from holidays.countries.russia import RussiaStaticHolidays
        except ImportError:  # pragma: no cover - a future layout of the package
            return False
        return year in getattr(RussiaStaticHolidays, "special_public_holidays", {})
