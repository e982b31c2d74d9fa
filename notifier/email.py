"""E-mail answers (§17.6): when SMTP settings are given, an answer to a consumer who chose
e-mail is sent by the bot through the outbox (method `email`), and its task in the staff
chat is marked done. Without SMTP the task stays for staff to send by hand.

A mail server that does not answer or disconnects is retried with backoff; a refusal (a bad
address, a refused sender) fails the row and leaves the task open in the thread, where staff
see it has no "done" mark."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import aiosmtplib
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.texts import Texts
from domain.appeals import AppealId
from domain.clock import Clock
from domain.staff import StaffMember
from notifier.appeal_notices import OutboxAppealNotices
from notifier.outbox import OutboxCall, TransientError
from storage.appeals import SqlAppealRepository
from storage.staff import SqlAppealTasks
from storage.uow import UnitOfWork

logger = logging.getLogger(__name__)

# Who marks an e-mailed answer's task done in the audit trail: the bot itself.
BOT_ACTOR_ID = 0

_TRANSIENT = (
    aiosmtplib.SMTPConnectError,
    aiosmtplib.SMTPServerDisconnected,
    aiosmtplib.SMTPTimeoutError,
    aiosmtplib.SMTPConnectTimeoutError,
    OSError,
)


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = None
    starttls: bool = True
    ssl: bool = False
    timeout: float = 30.0


class EmailChannel:
    """The outbox handler of `email` rows: payload `to`, `subject`, `body`, `appeal_id`,
    `task_id`."""

    def __init__(
        self,
        config: SmtpConfig,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        clock: Clock,
        texts: Texts,
        zone: ZoneInfo,
        staff_chat_id: int | None,
    ) -> None:
        self._zone = zone
        self._config = config
        self._sessionmaker = sessionmaker
        self._clock = clock
        self._texts = texts
        self._staff_chat_id = staff_chat_id

    async def __call__(self, call: OutboxCall) -> int | None:
        payload = call.payload
        message = EmailMessage()
        message["From"] = self._config.sender
        message["To"] = str(payload["to"])
        message["Subject"] = str(payload["subject"])
        message.set_content(str(payload["body"]))
        config = self._config
        try:
            await aiosmtplib.send(
                message,
                hostname=config.host,
                port=config.port,
                username=config.username,
                password=config.password,
                start_tls=config.starttls and not config.ssl,
                use_tls=config.ssl,
                timeout=config.timeout,
            )
        except _TRANSIENT as error:
            raise TransientError(f"smtp: {type(error).__name__}") from error
        await self._task_done(int(payload["appeal_id"]), int(payload["task_id"]))
        return None

    async def _task_done(self, appeal_id: int, task_id: int) -> None:
        uow = UnitOfWork(self._sessionmaker, clock=self._clock)
        try:
            tasks = SqlAppealTasks(uow)
            task = await tasks.get(task_id)
            appeal = await SqlAppealRepository(uow).get(AppealId(appeal_id))
            if task is None or appeal is None or task.done_at is not None:
                await uow.rollback()
                return
            done = await tasks.mark_done(task_id, by=BOT_ACTOR_ID, at=self._clock.now())
            notices = OutboxAppealNotices(
                uow,
                texts=self._texts,
                zone=self._zone,
                clock=self._clock,
                staff_chat_id=self._staff_chat_id,
            )
            robot = StaffMember(user_id=BOT_ACTOR_ID, full_name=self._texts.plain("email-robot"))
            await notices.task_done(appeal, done, robot)
            await uow.commit()
        except BaseException:
            await uow.rollback()
            raise
