"""Keeping personal data no longer than needed (152-ФЗ ст. 5 ч. 7, SPEC §11): what the
retention policy says goes is counted (a dry run) or erased, a batch per transaction, and
the counts logged — numbers only, never the data."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from domain.clock import Clock
from domain.retention import DataCategory, RetentionPolicy, RetentionReport
from services.ports import RetentionStore

logger = logging.getLogger(__name__)

BATCH = 500

# The stored files of anonymised appeals go with them: given their ids, erase the files and
# say how many. Called after each batch's commit, so it must forgive ids already done.
AppealFilesEraser = Callable[[Sequence[int]], Awaitable[int]]


class RetentionService:
    def __init__(
        self,
        *,
        store: RetentionStore,
        policy: RetentionPolicy,
        clock: Clock,
        erase_appeal_files: AppealFilesEraser | None = None,
        batch: int = BATCH,
    ) -> None:
        self._store = store
        self._policy = policy
        self._clock = clock
        self._erase_files = erase_appeal_files
        self._batch = batch

    async def run(self, *, dry_run: bool) -> RetentionReport:
        now = self._clock.now()
        counts: dict[DataCategory, int] = {}
        for category, cutoff in self._policy.cutoffs(now).items():
            if dry_run:
                counts[category] = await self._store.count(category, cutoff=cutoff)
                continue
            total = 0
            while True:
                done, appeals = await self._store.erase_batch(
                    category, cutoff=cutoff, now=now, limit=self._batch
                )
                total += done
                if appeals and self._erase_files is not None:
                    await self._erase_files(appeals)
                if done < self._batch:
                    break
            counts[category] = total
        report = RetentionReport(counts=counts, dry_run=dry_run)
        logger.info(
            "retention%s: %s",
            " (dry run)" if dry_run else "",
            ", ".join(f"{category.value} {count}" for category, count in counts.items()),
        )
        return report
