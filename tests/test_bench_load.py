"""A smoke of bench/load.py (issue 16, point 7): a few simulated people over the webhook of a
real `reception webhook` process, on SQLite, or on the suite's PostgreSQL (with Redis when
one answers at TEST_REDIS_URL). The numbers are not checked (a timing belongs in the bench);
that every step was answered and the table printed, is."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from storage.engine import is_sqlite
from tests.safety import scrub_environment

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_answers() -> bool:
    client = Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        return bool(client.ping())
    except (RedisConnectionError, OSError):
        return False
    finally:
        client.close()


@pytest.mark.timeout(120)
def test_a_short_load_run_answers_every_step(database_url: str) -> None:
    command = [sys.executable, str(ROOT / "bench" / "load.py")]
    command += ["--users", "5", "--seconds", "1.5", "--warmup", "0.5", "--rounds", "1"]
    if not is_sqlite(database_url):
        command += ["--database-url", database_url, "--workers", "1"]
        if _redis_answers():
            command += ["--redis-url", REDIS_URL]
    env = dict(os.environ)
    scrub_environment(env)
    run = subprocess.run(
        command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=110, check=False
    )
    assert run.returncode == 0, run.stdout + run.stderr[-3000:]
    rows = [line for line in run.stdout.splitlines() if re.match(r"\| (SQLite|PostgreSQL)", line)]
    assert len(rows) == 1, run.stdout
    cells = [cell.strip() for cell in rows[0].strip("|").split("|")]
    updates_per_second, errors = float(cells[2]), int(cells[7])
    assert updates_per_second > 0 and errors == 0, rows[0]
    assert "think 0 s" in cells[0] and "ms" in cells[5]  # the reply's p99
