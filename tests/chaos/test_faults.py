"""Answers and broadcasts through the real outbox sender while the Bot API injects 429s,
403s, 502s and dropped connections (tests/chaos/faults.py): nothing owed is lost, and a
message goes twice only where the connection dropped after delivering it. Smoke size: 3
consumers, 20 more subscribers, one staff registration, each fault once (besides the 403s);
CHAOS_CONSUMERS, CHAOS_SUBSCRIBERS, CHAOS_REGISTRATIONS and CHAOS_FAULT_PERCENT (the chance of
each fault per message call) set more."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.settings import Settings
from core.texts import Texts
from domain.content import ContentLibrary
from tests.chaos.conftest import size
from tests.chaos.faults import run_faults


async def test_faults_lose_nothing_and_repeat_only_what_a_dropped_connection_delivered(
    engine: AsyncEngine, settings: Settings, texts: Texts, content: ContentLibrary
) -> None:
    report = await run_faults(
        settings,
        texts=texts,
        content=content,
        consumers=size("CONSUMERS", 3),
        subscribers=size("SUBSCRIBERS", 20),
        registrations=size("REGISTRATIONS", 1),
        seed=size("SEED", 1),
        rate=size("FAULT_PERCENT", 0) / 100,
    )
    print("\n" + report.table())
    assert all(report.faults[kind] for kind in ("429", "5xx", "drop-before", "drop-after", "403"))
    assert report.not_driven == [], report.table()
    assert {name: n for name, n in report.failures.items() if n} == {}, report.table()
