from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from domain.linking import AttemptPolicy

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
POLICY = AttemptPolicy(max_failures=5, window=timedelta(hours=1))


def test_four_failures_still_allow_a_try() -> None:
    failures = [NOW - timedelta(minutes=m) for m in (1, 2, 3, 4)]
    assert POLICY.blocked_until(failures, NOW) is None
    assert POLICY.remaining(failures, NOW) == 1


def test_the_fifth_failure_blocks_until_the_oldest_leaves_the_window() -> None:
    failures = [NOW - timedelta(minutes=m) for m in (50, 40, 30, 20, 10)]
    assert POLICY.blocked_until(failures, NOW) == NOW + timedelta(minutes=10)


def test_failures_older_than_the_window_do_not_count() -> None:
    failures = [NOW - timedelta(minutes=61 + m) for m in range(10)]
    assert POLICY.blocked_until(failures, NOW) is None


@given(st.lists(st.integers(min_value=0, max_value=180), max_size=20))
def test_blocked_exactly_when_five_recent_failures(minutes_ago: list[int]) -> None:
    failures = [NOW - timedelta(minutes=m) for m in minutes_ago]
    recent = [m for m in minutes_ago if m < 60]
    blocked = POLICY.blocked_until(failures, NOW)
    assert (blocked is not None) == (len(recent) >= 5)
    if blocked is not None:
        assert NOW < blocked <= NOW + POLICY.window
        # At that moment fewer than five failures are left in the window.
        assert POLICY.blocked_until(failures, blocked) is None
