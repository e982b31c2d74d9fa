"""Keeping personal data no longer than needed (152-ФЗ ст. 5 ч. 7, SPEC §11): what the
retention policy says goes is counted (a dry run) or erased, a batch per transaction, and
the counts logged — numbers only, never the data.

The files people sent with an appeal or a reading go with it: once a category's rows are
erased, the stored files no kept row needs have their bytes erased from the company's store
(FileStore.delete), then their records removed. Bytes first: a run cut short between the two
leaves records whose bytes are gone, which the next run erases again (a delete of what is not
there is no error) — never bytes without a record, which nobody could find."""

from __future__ import annotations

import logging
from datetime import datetime

from domain.clock import Clock
from domain.retention import FILE_CATEGORIES, DataCategory, RetentionPolicy, RetentionReport
from services.files_ports import FileStore
from services.ports import RetentionStore

logger = logging.getLogger(__name__)

BATCH = 500


class RetentionService:
    def __init__(
        self,
        *,
        store: RetentionStore,
        files: FileStore,
        policy: RetentionPolicy,
        clock: Clock,
        batch: int = BATCH,
    ) -> None:
        self._store = store
        self._files = files
        self._policy = policy
        self._clock = clock
        self._batch = batch

    async def run(self, *, dry_run: bool) -> RetentionReport:
        now = self._clock.now()
        counts: dict[DataCategory, int] = {}
        files: dict[DataCategory, int] = {}
        file_bytes: dict[DataCategory, int] = {}
        for category, cutoff in self._policy.cutoffs(now).items():
            if dry_run:
                counts[category] = await self._store.count(category, cutoff=cutoff)
                if category in FILE_CATEGORIES:
                    files[category], file_bytes[category] = await self._store.count_files(
                        category, cutoff=cutoff
                    )
                continue
            total = 0
            while True:
                done = await self._store.erase_batch(
                    category, cutoff=cutoff, now=now, limit=self._batch
                )
                total += done
                if done < self._batch:
                    break
            counts[category] = total
            if category in FILE_CATEGORIES:
                files[category], file_bytes[category] = await self._erase_files(category, cutoff)
        report = RetentionReport(
            counts=counts, dry_run=dry_run, files=files, file_bytes=file_bytes
        )
        logger.info(
            "retention%s: %s; files %s",
            " (dry run)" if dry_run else "",
            ", ".join(f"{category.value} {count}" for category, count in counts.items()),
            ", ".join(
                f"{category.value} {count} ({file_bytes[category]} bytes)"
                for category, count in files.items()
            ),
        )
        return report

    async def _erase_files(self, category: DataCategory, cutoff: datetime) -> tuple[int, int]:
        """The stored files the category's erased rows released: bytes, then records."""
        count = size = 0
        while True:
            released = await self._store.released_files(category, cutoff=cutoff, limit=self._batch)
            if not released:
                break
            for file in released:
                if file.key is not None and not file.shared:
                    await self._files.delete(file.key)
            count += await self._store.forget_files([file.id for file in released])
            size += sum(file.size for file in released)
            if len(released) < self._batch:
                break
        return count, size
