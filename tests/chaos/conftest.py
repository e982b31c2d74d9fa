"""The chaos suite (docs/testing.md): short smoke runs in the normal test run, full
runs by hand — `bench/chaos.py`, or these tests with bigger sizes:

    CHAOS_TRIALS=50 CHAOS_UPDATES=5000 CHAOS_CONSUMERS=20 CHAOS_SUBSCRIBERS=300 \\
        .venv/bin/python -m pytest tests/chaos -m chaos -s

Every test here has the `chaos` marker (`-m "not chaos"` leaves them out); the kill trials
also have `e2e` (they need Node for the emulator). The seed is CHAOS_SEED (default 1) and is
printed with every report, so a failure can be replayed.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHAOS_DIR = Path(__file__).resolve().parent


def size(name: str, default: int) -> int:
    """A run size from the environment (CHAOS_<NAME>), else the smoke default."""
    return int(os.environ.get(f"CHAOS_{name}", default))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if CHAOS_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.chaos)


# The emulator of the end-to-end tests, for the kill trials (skipped without Node).
from tests.e2e.conftest import emulator  # noqa: E402, F401 - a fixture, used by name
