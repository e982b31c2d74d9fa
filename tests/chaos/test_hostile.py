"""Hostile updates in every dialog state and the staff chat (tests/chaos/hostile.py): nothing
raises, everything is answered, nothing the bot sends breaks a Telegram limit. The smoke size
is 300 hostile updates in short bursts, so every scenario's state is entered; CHAOS_UPDATES
sets more (acceptance: 5 000)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.settings import Settings
from core.texts import Texts
from domain.clock import FixedClock
from domain.content import ContentLibrary
from tests.chaos.conftest import size
from tests.chaos.hostile import run_hostile
from tests.chaos.hostile_scenarios import SCENARIOS


async def test_hostile_updates_raise_nothing_are_all_answered_and_keep_to_telegram_limits(
    engine: AsyncEngine,
    settings: Settings,
    clock: FixedClock,
    texts: Texts,
    content: ContentLibrary,
) -> None:
    updates = size("UPDATES", 300)
    seed = size("SEED", 1)
    report = await run_hostile(
        settings,
        clock=clock,
        texts=texts,
        content=content,
        updates=updates,
        seed=seed,
        burst=(2, 4) if updates < 1000 else (8, 18),
    )
    print("\n" + report.table())
    assert report.hostile >= updates
    assert set(report.by_scenario) == {scenario.name for scenario in SCENARIOS}
    assert report.error_groups() == {}, report.table()
    assert report.unanswered_groups() == {}, report.table()
    assert dict(report.breaches) == {}, report.table()
    assert report.outbox["failed"] == 0, report.table()
