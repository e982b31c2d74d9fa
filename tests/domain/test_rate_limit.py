from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.rate_limit import RateLimiter

START = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
CHATS = st.sampled_from([1, 2, 3, 4, 5, -100, -200])
STEPS = st.lists(
    st.tuples(CHATS, st.floats(min_value=0, max_value=5, allow_nan=False)), max_size=300
)


def _simulate(limiter: RateLimiter, steps: list[tuple[int, float]]) -> list[tuple[int, datetime]]:
    """A sender that waits for `earliest` and sends, with gaps between wanting to send."""
    now = START
    sent: list[tuple[int, datetime]] = []
    for chat_id, gap in steps:
        now += timedelta(seconds=gap)
        at = limiter.earliest(chat_id, now)
        assert at >= limiter.chat_earliest(chat_id, now) >= now
        limiter.record(chat_id, at)
        sent.append((chat_id, at))
        now = at
    return sent


@settings(max_examples=200, deadline=None)
@given(STEPS)
def test_limits_hold_for_any_sequence(steps: list[tuple[int, float]]) -> None:
    sent = _simulate(RateLimiter(), steps)
    times = [at for _, at in sent]
    for i in range(len(times) - 25):
        assert times[i + 25] - times[i] >= timedelta(seconds=1)
    for chat in {chat for chat, _ in sent}:
        mine = [at for c, at in sent if c == chat]
        for a, b in itertools.pairwise(mine):
            assert b - a >= timedelta(seconds=1)
        if chat < 0:
            for i in range(len(mine) - 20):
                assert mine[i + 20] - mine[i] >= timedelta(seconds=60)


@settings(max_examples=100, deadline=None)
@given(STEPS)
def test_many_chats_share_the_global_limit(steps: list[tuple[int, float]]) -> None:
    limiter = RateLimiter()
    now = START
    times = []
    for index, (_, gap) in enumerate(steps):
        now += timedelta(seconds=gap / 100)
        at = limiter.earliest(index, now)  # a new chat each time
        limiter.record(index, at)
        times.append(at)
        now = at
    for i in range(len(times) - 25):
        assert times[i + 25] - times[i] >= timedelta(seconds=1)


def test_a_group_gets_one_message_every_three_seconds() -> None:
    limiter = RateLimiter()
    limiter.record(-100, START)
    assert limiter.earliest(-100, START) == START + timedelta(seconds=3)
    assert limiter.earliest(7, START) == START


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
    assert limiter.chat_earliest(-100, START) == START + timedelta(seconds=3)
    assert limiter.chat_earliest(7, START) == START + timedelta(seconds=1)
    assert limiter.chat_earliest(99, START) == START
    assert limiter.earliest(99, START) == START + timedelta(seconds=10)
    later = START + timedelta(seconds=20)
    assert limiter.chat_earliest(-100, later) == later
