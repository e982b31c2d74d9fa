"""The daily retention job (SPEC §11): what is past its period goes (services/retention.py).
Its policy, the company's file store (the files of erased rows go too), and what to tell when
dialog drafts were erased, come from the job context."""

from __future__ import annotations

from collections.abc import Callable

from domain.retention import DataCategory, RetentionPolicy, RetentionReport
from notifier.scheduler import JobSpec, job_context
from services.files_ports import FileStore
from services.retention import RetentionService
from storage.retention import SqlRetention

RETENTION_JOB = "notifier.retention:run_retention"
# The job context's extra: the policy, and a callable that makes the bot's dialog-state
# cache forget what the job erased behind it (storage/fsm.py `reset`).
POLICY_KEY = "retention_policy"
DRAFTS_ERASED_KEY = "retention_drafts_erased"
# The FileStore (services/files_ports.py) where the bytes of the files people sent live.
FILE_STORE_KEY = "retention_file_store"


def retention_job(hour: int) -> JobSpec:
    return JobSpec(
        id="retention",
        func=RETENTION_JOB,
        trigger="cron",
        trigger_kwargs={"hour": hour, "minute": 17},
    )


async def run_retention() -> RetentionReport:
    ctx = job_context()
    policy: RetentionPolicy = ctx.extra.get(POLICY_KEY) or RetentionPolicy.default()
    files: FileStore | None = ctx.extra.get(FILE_STORE_KEY)
    if files is None:
        raise RuntimeError(f"the retention job needs the file store in extra[{FILE_STORE_KEY!r}]")
    service = RetentionService(
        store=SqlRetention(ctx.sessionmaker), files=files, policy=policy, clock=ctx.clock
    )
    report = await service.run(dry_run=False)
    forget: Callable[[], None] | None = ctx.extra.get(DRAFTS_ERASED_KEY)
    if report.counts.get(DataCategory.DRAFTS) and forget is not None:
        forget()
    return report
