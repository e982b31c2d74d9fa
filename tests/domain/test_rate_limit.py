from __future__ import annotations

import itertools
from collections import deque
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.rate_limit import RateLimiter

START = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
CHATS = st.sampled_from([1, 2, 3, 4, 5, -100, -200])
STEPS = st.lists(
    st.tuples(CHATS, st.floats(min_value=0, max_value=5, allow_nan=False), st.booleans()),
    max_size=300,
)
MINUTE = timedelta(seconds=60)


def _simulate(
    limiter: RateLimiter, steps: list[tuple[int, float, bool]]
) -> list[tuple[int, datetime, bool]]:
    """A sender that waits for `earliest` and sends, with gaps between wanting to send;
    each send interactive (a staff member waits for it) or bulk."""
    now = START
    sent: list[tuple[int, datetime, bool]] = []
    for chat_id, gap, interactive in steps:
        now += timedelta(seconds=gap)
        at = limiter.earliest(chat_id, now, interactive=interactive)
        assert at >= limiter.chat_earliest(chat_id, now, interactive=interactive) >= now
        limiter.record(chat_id, at, interactive=interactive)
        sent.append((chat_id, at, interactive))
        now = at
    return sent


def _in_window(times: list[datetime], at: datetime) -> int:
    """Sends in the 60 s up to and including `at` (one exactly 60 s earlier is out)."""
    return sum(1 for t in times if at - MINUTE < t <= at)


@settings(max_examples=200, deadline=None)
@given(STEPS)
def test_limits_hold_for_any_sequence(steps: list[tuple[int, float, bool]]) -> None:
    sent = _simulate(RateLimiter(), steps)
    times = [at for _, at, _ in sent]
    for i in range(len(times) - 25):
        assert times[i + 25] - times[i] >= timedelta(seconds=1)
    for chat in {chat for chat, _, _ in sent}:
        mine = [at for c, at, _ in sent if c == chat]
        for a, b in itertools.pairwise(mine):
            assert b - a >= timedelta(seconds=1)
        if chat < 0:
            # Never more than 19 in any minute; a bulk send always leaves 4 for replies.
            for i in range(len(mine) - 19):
                assert mine[i + 19] - mine[i] >= MINUTE
            window: deque[datetime] = deque()
            for c, at, interactive in sent:
                if c != chat:
                    continue
                while window and window[0] <= at - MINUTE:
                    window.popleft()
                if not interactive:
                    assert len(window) < 15
                window.append(at)


@settings(max_examples=100, deadline=None)
@given(STEPS)
def test_many_chats_share_the_global_limit(steps: list[tuple[int, float, bool]]) -> None:
    limiter = RateLimiter()
    now = START
    times = []
    for index, (_, gap, _) in enumerate(steps):
        now += timedelta(seconds=gap / 100)
        at = limiter.earliest(index, now)  # a new chat each time
        limiter.record(index, at)
        times.append(at)
        now = at
    for i in range(len(times) - 25):
        assert times[i + 25] - times[i] >= timedelta(seconds=1)


def test_bulk_to_a_group_goes_one_every_four_seconds_replies_after_a_second() -> None:
    limiter = RateLimiter()
    limiter.record(-100, START)
    assert limiter.earliest(-100, START) == START + timedelta(seconds=4)
    assert limiter.earliest(-100, START, interactive=True) == START + timedelta(seconds=1)
    assert limiter.earliest(7, START) == START


def test_replies_go_at_once_through_a_surge_of_bulk_sends() -> None:
    """100 cards waiting all the time, a staff reply every 7 s: each reply waits at most
    the one second a chat needs between two messages, and no minute holds more than 19."""
    limiter = RateLimiter()
    now = START
    sent: list[datetime] = []
    waits: list[timedelta] = []
    next_reply = START + timedelta(seconds=0.5)
    cards = 100
    while cards:
        card_at = limiter.earliest(-100, now)
        if next_reply <= card_at:
            at = limiter.earliest(-100, next_reply, interactive=True)
            waits.append(at - next_reply)
            limiter.record(-100, at, interactive=True)
            next_reply += timedelta(seconds=7)
        else:
            at = card_at
            limiter.record(-100, at)
            cards -= 1
        sent.append(at)
        now = at
    assert len(waits) >= 50
    assert max(waits) <= timedelta(seconds=1)
    assert all(_in_window(sent, at) <= 19 for at in sent)


def test_replies_use_the_reserve_bulk_does_not() -> None:
    limiter = RateLimiter()
    at = START
    for _ in range(15):
        limiter.record(-100, at)
        at += timedelta(seconds=1)
    # Bulk has had its 15: it waits until the first leaves the window.
    assert limiter.chat_earliest(-100, at) == START + MINUTE
    for _ in range(4):
        assert limiter.chat_earliest(-100, at, interactive=True) == at
        limiter.record(-100, at, interactive=True)
        at += timedelta(seconds=1)
    # The 20th would break Telegram's limit: even a reply waits for the window.
    assert limiter.chat_earliest(-100, at, interactive=True) == START + MINUTE
    assert limiter.chat_earliest(-100, START + MINUTE, interactive=True) == START + MINUTE
    # Replies used up what bulk could have had: 19 in the window, bulk needs fewer than 15.
    assert limiter.chat_earliest(-100, START + MINUTE) == START + MINUTE + timedelta(seconds=4)


def test_a_scaled_window_keeps_the_rule() -> None:
    limiter = RateLimiter(group_per_minute=5, group_reserve=2, group_window=timedelta(seconds=6))
    limiter.record(-100, START)
    assert limiter.chat_earliest(-100, START) == START + timedelta(seconds=2)
    with pytest.raises(ValueError, match="reserve"):
        RateLimiter(group_per_minute=4, group_reserve=4)


def test_a_private_chat_gets_one_message_a_second() -> None:
    limiter = RateLimiter()
    limiter.record(7, START)
    assert limiter.earliest(7, START) == START + timedelta(seconds=1)


def test_the_26th_message_in_a_second_waits() -> None:
    limiter = RateLimiter()
    for chat in range(25):
        assert limiter.earliest(chat, START) == START
        limiter.record(chat, START)
    assert limiter.earliest(99, START) == START + timedelta(seconds=1)


def test_pause_holds_everyone_until_the_moment() -> None:
    limiter = RateLimiter()
    limiter.pause_until(START + timedelta(seconds=3))
    assert limiter.earliest(1, START) == START + timedelta(seconds=3)
    assert limiter.earliest(-5, START + timedelta(seconds=4)) == START + timedelta(seconds=4)


def test_idle_chats_are_forgotten() -> None:
    limiter = RateLimiter()
    for chat in range(1000):
        limiter.record(chat, START + timedelta(milliseconds=40 * chat))
    late = START + timedelta(minutes=5)
    limiter.record(5000, late)
    assert limiter.tracked_chats == 1
    assert limiter.earliest(3, late) == late


def test_a_chats_own_schedule_ignores_the_global_rate_and_the_pause() -> None:
    limiter = RateLimiter()
    limiter.record(-100, START)
    for chat in range(24):
        limiter.record(chat, START)
    limiter.pause_until(START + timedelta(seconds=10))
    assert limiter.chat_earliest(-100, START) == START + timedelta(seconds=4)
    assert limiter.chat_earliest(7, START) == START + timedelta(seconds=1)
    assert limiter.chat_earliest(99, START) == START
    assert limiter.earliest(99, START) == START + timedelta(seconds=10)
    later = START + timedelta(seconds=20)
    assert limiter.chat_earliest(-100, later) == later


def _late_starts(lateness: list[float]) -> list[datetime]:
    """Sends at 29.4/s, one at a time (a broadcast at the cap), each starting `lateness`
    seconds after the limiter allows it (a timer's overshoot)."""
    limiter = RateLimiter(global_per_second=29.4, global_burst=1)
    now = START
    starts: list[datetime] = []
    for chat_id, late in enumerate(lateness, start=1):
        now = limiter.earliest(chat_id, now) + timedelta(seconds=late)
        limiter.record(chat_id, now)
        starts.append(now)
    return starts


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=0.030, allow_nan=False), min_size=31))
def test_late_evenly_spaced_sends_never_make_31_in_a_second(lateness: list[float]) -> None:
    starts = _late_starts(lateness)
    for first, last in zip(starts, starts[30:], strict=False):
        assert last - first >= timedelta(seconds=1)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=0.008, allow_nan=False), min_size=2))
def test_a_start_late_by_a_timer_overshoot_counts_at_its_turn(lateness: list[float]) -> None:
    """Up to a quarter of the spacing (8.5 ms at 29.4/s) late: the lateness never adds up,
    so the broadcast keeps its rate on a busy machine."""
    starts = _late_starts(lateness)
    spacing = timedelta(seconds=1 / 29.4)
    on_grid = starts[0] + spacing * (len(starts) - 1)  # the first send sets the grid
    assert abs(starts[-1] - (on_grid + timedelta(seconds=lateness[-1]))) < timedelta(
        microseconds=5
    )
