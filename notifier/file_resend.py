"""Staff get a file by its Telegram id while Telegram keeps it, and by upload after: a send
of a photo, document or voice by file id that Telegram refuses as an unknown file is made
again with the bytes from the company's storage (152-ФЗ ст. 18 ч. 5; services/files.py).

A request middleware of the bot's session, so every such send is covered in one place: the
staff card's files and the thread's (notifier/staff_channel.py), the outbox's built-in media
rows (notifier/outbox_calls.py) and a handler's direct send."""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import (
    SendAudio,
    SendDocument,
    SendPhoto,
    SendVideo,
    SendVoice,
    TelegramMethod,
)
from aiogram.methods.base import Response, TelegramType
from aiogram.types import BufferedInputFile
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.clock import Clock
from domain.files import FileKind, StoredFile
from services.files import FileKeeper
from storage.files import SqlFileRegistry
from storage.uow import UnitOfWork

logger = logging.getLogger(__name__)

# What Telegram answers for a file id it no longer knows (or never knew for this bot).
FILE_GONE = (
    "wrong file identifier",
    "wrong remote file identifier",
    "file not found",
    "invalid file_id",
    "file reference expired",
    "wrong file_id",
)
_FIELDS: dict[type[TelegramMethod[Any]], str] = {
    SendPhoto: "photo",
    SendDocument: "document",
    SendVoice: "voice",
    SendAudio: "audio",
    SendVideo: "video",
}
_DEFAULT_NAMES = {FileKind.PHOTO: "photo.jpg", FileKind.VOICE: "voice.ogg"}


def file_gone(error: TelegramBadRequest) -> bool:
    text = error.message.lower()
    return any(needle in text for needle in FILE_GONE)


def upload_name(record: StoredFile) -> str:
    return record.file_name or _DEFAULT_NAMES.get(record.kind, "file")


class StoredFileResend(BaseRequestMiddleware):
    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], *, clock: Clock, keeper: FileKeeper
    ) -> None:
        self._sessionmaker = sessionmaker
        self._clock = clock
        self._keeper = keeper

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        try:
            return await make_request(bot, method)
        except TelegramBadRequest as error:
            field = _FIELDS.get(type(method))
            file_id = getattr(method, field, None) if field is not None else None
            if not isinstance(file_id, str) or not file_gone(error):
                raise
            found = await self._stored(file_id)
            if found is None:
                raise  # not stored (yet): the outbox tries again later
            record, data = found
            logger.info("file %d: Telegram lost its id; uploading the stored copy", record.id)
            assert field is not None
            upload = BufferedInputFile(data, filename=upload_name(record))
            return await make_request(bot, method.model_copy(update={field: upload}))

    async def _stored(self, file_id: str) -> tuple[StoredFile, bytes] | None:
        uow = UnitOfWork(self._sessionmaker, clock=self._clock)
        try:
            record = await SqlFileRegistry(uow).by_telegram_id(file_id)
        finally:
            await uow.rollback()
        if record is None:
            return None
        data = await self._keeper.content(record)
        return (record, data) if data is not None else None
