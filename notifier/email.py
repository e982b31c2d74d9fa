"""E-mail notices (§17.6; 59-ФЗ ст. 8 ч. 3, ст. 11, ст. 12 ч. 2): when SMTP settings are
given, a notice to an appellant who chose e-mail — the answer, an extension, a question... —
is sent by the bot through the outbox (method `email`), and its task in the staff chat is
marked done. Without SMTP the task stays for staff to send by hand.

A mail server that does not answer or disconnects is retried with backoff, each failed try
counted on the task (the card shows it); a refusal (a bad address, a refused sender), or the
last try, fails the row and tells the thread, where the task waits for staff with its
button."""

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

# The outbox sender's tries for a row (OutboxSender's max_attempts): the last is told.
GIVE_UP_AFTER = 8

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
        give_up_after: int = GIVE_UP_AFTER,
    ) -> None:
        self._give_up_after = give_up_after
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
            final = call.attempts + 1 >= self._give_up_after
            await self._failed(payload, type(error).__name__, final=final)
            raise TransientError(f"smtp: {type(error).__name__}") from error
        except aiosmtplib.SMTPException as error:
            await self._failed(payload, type(error).__name__, final=True)
            raise
        await self._task_done(int(payload["appeal_id"]), int(payload["task_id"]))
        return None

    async def _failed(self, payload: dict[str, object], reason: str, *, final: bool) -> None:
        """A try that failed, counted on the task; the last one told in the thread."""
        uow = UnitOfWork(self._sessionmaker, clock=self._clock)
        try:
            task = await SqlAppealTasks(uow).failed_try(int(str(payload["task_id"])), reason)
            appeal = await SqlAppealRepository(uow).get(AppealId(int(str(payload["appeal_id"]))))
            if task is None or appeal is None or task.done_at is not None:
                await uow.rollback()
                return
            await self._notices(uow).email_failed(appeal, task, final=final)
            await uow.commit()
        except BaseException:
            await uow.rollback()
            raise

    def _notices(self, uow: UnitOfWork) -> OutboxAppealNotices:
        return OutboxAppealNotices(
            uow,
            texts=self._texts,
            zone=self._zone,
            clock=self._clock,
            staff_chat_id=self._staff_chat_id,
        )

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
            notices = self._notices(uow)
            robot = StaffMember(user_id=BOT_ACTOR_ID, full_name=self._texts.plain("email-robot"))
            await notices.task_done(appeal, done, robot)
            await uow.commit()
        except BaseException:
            await uow.rollback()
            raise
