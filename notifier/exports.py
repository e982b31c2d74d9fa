"""Files staff ask for in the staff chat (the month's readings for billing, the day's
bookings): queued as an outbox row of method `export` with what to build, and built from the
database when the row is sent, so the file is current and the row stays small JSON."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiogram.methods import SendDocument
from aiogram.types import BufferedInputFile, ReplyParameters
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.clock import Clock
from notifier.outbox import OutboxCall, register_method
from storage.uow import UnitOfWork

EXPORT_METHOD = "export"
register_method(EXPORT_METHOD)

# (unit of work, argument such as "2026-11") → (file name, content, caption)
Builder = Callable[[UnitOfWork, str], Awaitable[tuple[str, bytes, str]]]


def export_payload(
    kind: str, argument: str, *, reply_to: int | None = None, thread_id: int | None = None
) -> dict[str, Any]:
    payload: dict[str, Any] = {"kind": kind, "argument": argument}
    if reply_to is not None:
        payload["reply_to"] = reply_to
    if thread_id is not None:
        payload["thread_id"] = thread_id
    return payload


class ExportChannel:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        clock: Clock,
        builders: Mapping[str, Builder],
    ) -> None:
        self._sessionmaker = sessionmaker
        self._clock = clock
        self._builders = dict(builders)

    async def __call__(self, call: OutboxCall) -> int | None:
        payload = call.payload
        build = self._builders.get(str(payload["kind"]))
        if build is None:
            raise ValueError(f"no export named {payload['kind']!r}")
        uow = UnitOfWork(self._sessionmaker, clock=self._clock)
        try:
            name, content, caption = await build(uow, str(payload["argument"]))
        finally:
            await uow.rollback()  # read only; no connection is held across the upload
        reply_to = payload.get("reply_to")
        message = await call.send(
            SendDocument(
                chat_id=call.chat_id,
                document=BufferedInputFile(content, filename=name),
                caption=caption,
                message_thread_id=payload.get("thread_id"),
                reply_parameters=ReplyParameters(
                    message_id=int(reply_to), allow_sending_without_reply=True
                )
                if reply_to is not None
                else None,
            )
        )
        return int(message.message_id)
