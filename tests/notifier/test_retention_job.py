"""The daily retention job (SPEC §11; 152-ФЗ ст. 21 ч. 4: destroyed once the purpose is
reached): what is past its period goes, its counts are logged without personal data."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.runner import deadline_jobs
from bot.settings import Settings
from domain.clock import FixedClock
from domain.retention import DataCategory, RetentionPolicy
from notifier.retention import (
    DRAFTS_ERASED_KEY,
    FILE_STORE_KEY,
    POLICY_KEY,
    RETENTION_JOB,
    run_retention,
)
from notifier.scheduler import JobContext, clear_job_context, set_job_context
from storage.files import FolderFileStore
from storage.models import DialogStateRow


async def test_152fz_st21_ch4_daily_job_erases_abandoned_drafts_and_logs_counts_only(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    now = clock.now()
    async with sessionmaker() as session, session.begin():
        for key, age in (("left", 31), ("here", 29)):
            await session.execute(
                insert(DialogStateRow).values(
                    key=key,
                    user_id=7_000_001,
                    chat_id=7_000_001,
                    state="FileAppeal:full_name",
                    data={"full_name": "Иванова Мария Петровна"},
                    updated_at=now - timedelta(days=age),
                )
            )
    forgotten: list[bool] = []
    set_job_context(
        JobContext(
            sessionmaker=sessionmaker,
            clock=clock,
            link_policy=None,  # type: ignore[arg-type]
            zone=ZoneInfo("Europe/Moscow"),
            extra={
                POLICY_KEY: RetentionPolicy.default(),
                FILE_STORE_KEY: FolderFileStore(tmp_path),
                DRAFTS_ERASED_KEY: lambda: forgotten.append(True),
            },
        )
    )
    try:
        with caplog.at_level(logging.INFO):
            report = await run_retention()
            again = await run_retention()
    finally:
        clear_job_context()
    assert report.counts[DataCategory.DRAFTS] == 1 and again.total == 0
    assert forgotten == [True]  # the bot's dialog cache forgets the erased draft
    async with sessionmaker() as session:
        assert (await session.scalars(select(DialogStateRow.key))).all() == ["here"]
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "drafts 1" in logged and "Иванова" not in logged and "7000001" not in logged


def test_the_retention_job_is_daily_at_its_hour() -> None:
    from notifier.retention import retention_job

    settings = Settings(_env_file=None, retention_hour="5")
    spec = retention_job(settings.retention.hour)
    assert (spec.func, spec.trigger, spec.trigger_kwargs["hour"]) == (RETENTION_JOB, "cron", 5)
    assert spec.id not in {job.id for job in deadline_jobs(settings)}
