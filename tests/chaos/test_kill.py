"""Kill -9 of the real bot process (tests/chaos/kill.py) against the Bot API emulator: every
stored appeal, reading and booking is confirmed to its person exactly once after the restart,
a person killed mid-dialog has the question of their step and can go on, and the staff chat
has one forum topic per appeal. Smoke size: four trials (appeal killed 0–100 ms after submit,
reading after confirm, booking mid-dialog, appeal 0.1–3 s after submit); CHAOS_TRIALS sets
more (acceptance: 50, at random moments)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.engine import is_sqlite
from tests.chaos.conftest import size
from tests.chaos.kill import KillSetup, run_kill_trials
from tests.e2e.client import Emulator


@pytest.mark.e2e
@pytest.mark.timeout(900)
async def test_kills_lose_no_confirmation_repeat_none_and_leave_no_extra_topic(
    emulator: Emulator, engine: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    if is_sqlite(database_url):
        database_url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    report = await run_kill_trials(
        KillSetup(emulator, database_url, tmp_path),
        trials=size("TRIALS", 4),
        seed=size("SEED", 1),
        modes=("final", "final", "mid", "late"),
    )
    print("\n" + report.table())
    assert report.trials == size("TRIALS", 4)
    assert {name: n for name, n in report.failures.items() if n} == {}, report.table()
    assert not any(figures.errors for figures in report.flows.values()), report.table()
