"""Fetching the files people sent into the company's storage (services/files.py): woken by
each commit that recorded one, and every few seconds for retries and for what a crash left
pending. A download never holds a database connection: the due records are read, the
connection is given back, then each file is downloaded and its outcome stored."""

from __future__ import annotations

import asyncio
import logging

from aiogram import Bot
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.clock import Clock
from domain.files import StoredFile
from services.files import FileKeeper
from storage.files import SqlFileRegistry
from storage.uow import UnitOfWork

logger = logging.getLogger(__name__)


class BotFileSource:
    """The bytes of a Telegram file id, through aiogram (getFile, then its download URL;
    https://core.telegram.org/bots/api#getfile)."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def download(self, file_id: str) -> bytes:
        file = await self._bot.get_file(file_id)
        if file.file_path is None:
            raise LookupError("Telegram gave no path for the file")
        buffer = await self._bot.download_file(file.file_path)
        assert buffer is not None
        return buffer.read()


class FileFetcher:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        clock: Clock,
        keeper: FileKeeper,
        batch: int = 8,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._clock = clock
        self._keeper = keeper
        self._batch = batch
        self._wakeup: asyncio.Event | None = None

    async def run_once(self) -> int:
        """Fetches the due files (one batch); how many were tried."""
        uow = UnitOfWork(self._sessionmaker, clock=self._clock)
        try:
            due = await SqlFileRegistry(uow).due(now=self._clock.now(), limit=self._batch)
        finally:
            await uow.rollback()
        for record in due:
            await self._fetch(record)
        return len(due)

    async def _fetch(self, record: StoredFile) -> None:
        error = ""
        try:
            fetched = await self._keeper.fetch(record)
        except Exception as exc:  # anything Telegram or the store says: retried later
            # The type only: a message may quote a file name, which is personal data.
            error = type(exc).__name__
            logger.warning("file %d not fetched (%s); retrying later", record.id, error)
        uow = UnitOfWork(self._sessionmaker, clock=self._clock)
        try:
            registry = SqlFileRegistry(uow)
            if error:
                await self._keeper.failed(registry, record, error)
            else:
                await self._keeper.save(registry, record, fetched)
            await uow.commit()
        except BaseException:
            await uow.rollback()
            raise

    def _event(self) -> asyncio.Event:
        if self._wakeup is None:
            self._wakeup = asyncio.Event()
        return self._wakeup

    def wake(self) -> None:
        """A commit recorded a file: fetch now (`uow.after_commit(fetcher.wake)`)."""
        self._event().set()

    async def run_forever(self, stop: asyncio.Event, idle: float = 5.0) -> None:
        wakeup = self._event()
        while not stop.is_set():
            wakeup.clear()
            tried = 0
            try:
                tried = await self.run_once()
            except Exception:
                logger.exception("fetching files failed; retrying")
            if tried >= self._batch:
                continue  # more may be due
            waits = [
                asyncio.ensure_future(stop.wait()),
                asyncio.ensure_future(wakeup.wait()),
            ]
            try:
                await asyncio.wait(waits, timeout=idle, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for waiting in waits:
                    waiting.cancel()
                await asyncio.gather(*waits, return_exceptions=True)
