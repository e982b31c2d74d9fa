"""Notices to send outside Telegram, as tasks of an appeal (issue 13): the record and its
port (re-exported by services/ports.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from domain.appeals import AppealId


@dataclass(frozen=True, slots=True)
class AppealTask:
    """Something staff (or the bot, for e-mail) must send the appellant outside Telegram
    (§17.6; 59-ФЗ ст. 8 ч. 3, ст. 11, ст. 12 ч. 2): `kind` is the notice (an answer, an
    extension, a question...), `text` the full text to send, `contact` where to (a postal
    address, a phone, an e-mail). A message that did not reach a chat is one too
    (`channel` "undelivered"). `attempts`/`error`: an e-mail the bot could not send yet."""

    id: int
    appeal_id: AppealId
    channel: str
    done_at: datetime | None = None
    done_by: int | None = None
    kind: str | None = None
    text: str = ""
    contact: str = ""
    attempts: int = 0
    error: str | None = None


class AppealTasks(Protocol):
    async def add(
        self,
        appeal_id: AppealId,
        channel: str,
        *,
        at: datetime,
        kind: str | None = None,
        text: str = "",
        contact: str = "",
    ) -> AppealTask: ...

    async def add_once(
        self, appeal_id: AppealId, channel: str, *, origin: str, at: datetime
    ) -> AppealTask | None:
        """A task made once per `origin` for the appeal; None if it was made before."""
        ...

    async def get(self, task_id: int) -> AppealTask | None: ...

    async def mark_done(self, task_id: int, *, by: int, at: datetime) -> AppealTask: ...

    async def of_appeal(self, appeal_id: AppealId) -> list[AppealTask]:
        """The appeal's tasks, oldest first."""
        ...
