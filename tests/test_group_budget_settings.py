"""The staff group's sending budget is configurable (OUTBOX_GROUP_*), checked at start, and
reaches the running bot's limiter (bot/delivery.py `group_budget`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from pydantic import ValidationError

from bot.delivery import group_budget
from bot.settings import Settings, describe_errors

START = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


def _app(settings: Settings) -> Any:
    """What `group_budget` reads of the running app: its settings."""
    return SimpleNamespace(settings=settings)


def test_the_reserve_must_leave_bulk_sends_a_slot() -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(_env_file=None, outbox_group_limit=4, outbox_group_reserve=4)
    assert "OUTBOX_GROUP_RESERVE" in str(describe_errors(refused.value))


def test_the_configured_budget_reaches_the_limiter() -> None:
    settings = Settings(
        _env_file=None, outbox_group_limit=6, outbox_group_reserve=2, outbox_group_window=8
    )

    limiter = group_budget(_app(settings))
    # Bulk: 4 of the 8 s window, one every 2 s; replies may use the other 2 at once.
    limiter.record(-100, START)
    assert limiter.chat_earliest(-100, START) == START + timedelta(seconds=2)
    assert limiter.chat_earliest(-100, START, interactive=True) == START + timedelta(seconds=1)
    defaults = group_budget(_app(Settings(_env_file=None)))
    defaults.record(-100, START)
    assert defaults.chat_earliest(-100, START) == START + timedelta(seconds=4)
