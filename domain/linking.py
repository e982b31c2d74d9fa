"""Brute-force protection for account linking: N wrong attempts per sliding window."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class AttemptPolicy:
    max_failures: int = 5
    window: timedelta = timedelta(hours=1)

    def blocked_until(self, failures: Sequence[datetime], now: datetime) -> datetime | None:
        """When the person may try again, or None if they may try now.

        `failures` are the times of wrong attempts; only those inside the window count.
        """
        recent = sorted(t for t in failures if now - t < self.window)
        if len(recent) < self.max_failures:
            return None
        # The oldest failure that keeps the count at the limit has to leave the window first.
        return recent[-self.max_failures] + self.window

    def remaining(self, failures: Sequence[datetime], now: datetime) -> int:
        recent = [t for t in failures if now - t < self.window]
        return max(0, self.max_failures - len(recent))
