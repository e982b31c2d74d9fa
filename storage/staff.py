"""Staff storage over SQLAlchemy Core: profiles and departments, the audit log, answer
tasks, and where each appeal lives in the staff chat (topic, card, every bot message)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from domain.appeals import AppealId
from domain.errors import DepartmentNotFound
from domain.staff import Department, StaffMember, StaffRole
from services.ports import AppealTask
from storage.models import (
    AppealRow,
    AppealTaskRow,
    AppealThreadRow,
    AppealTopicRow,
    DepartmentRow,
    StaffAuditRow,
    StaffMemberRow,
    StaffMessageRow,
)
from storage.uow import UnitOfWork
from storage.upsert import upsert

_MEMBER_COLUMNS = (
    "role",
    "full_name",
    "position",
    "phone",
    "email",
    "department_id",
    "updated_at",
)
_THREAD_COLUMNS = ("chat_id", "topic_id", "card_message_id", "updated_at")


@lru_cache(maxsize=4)
def _insert_task_once(dialect: str) -> Any:
    insert_ = pg_insert if dialect == "postgresql" else sqlite_insert
    return (
        insert_(AppealTaskRow)
        .on_conflict_do_nothing(index_elements=[AppealTaskRow.appeal_id, AppealTaskRow.origin])
        .returning(AppealTaskRow.id)
    )


@lru_cache(maxsize=4)
def _insert_topic(dialect: str) -> Any:
    insert_ = pg_insert if dialect == "postgresql" else sqlite_insert
    return insert_(AppealTopicRow).on_conflict_do_nothing(
        index_elements=[AppealTopicRow.chat_id, AppealTopicRow.topic_id]
    )


@lru_cache(maxsize=4)
def _insert_message(dialect: str) -> Any:
    insert_ = pg_insert if dialect == "postgresql" else sqlite_insert
    return insert_(StaffMessageRow).on_conflict_do_nothing(
        index_elements=[StaffMessageRow.chat_id, StaffMessageRow.message_id]
    )


def _member(row: Any) -> StaffMember:
    return StaffMember(
        user_id=int(row.user_id),
        role=StaffRole(row.role),
        full_name=row.full_name,
        position=row.position,
        phone=row.phone,
        email=row.email,
        department_id=row.department_id,
    )


def _department(row: Any) -> Department:
    head = row.head_user_id
    return Department(id=int(row.id), name=row.name, head_user_id=int(head) if head else None)


class SqlStaffDirectory:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def member(self, user_id: int) -> StaffMember | None:
        row = (
            await self._uow.session.execute(
                select(StaffMemberRow.__table__).where(StaffMemberRow.user_id == user_id)
            )
        ).first()
        return _member(row) if row is not None else None

    async def save_member(self, member: StaffMember, *, at: datetime) -> None:
        if member.department_id is not None:
            known = await self._uow.session.scalar(
                select(DepartmentRow.id).where(DepartmentRow.id == member.department_id)
            )
            if known is None:
                raise DepartmentNotFound(str(member.department_id))
        dialect = self._uow.session.bind.dialect.name
        statement = upsert(dialect, StaffMemberRow, ("user_id",), _MEMBER_COLUMNS)
        await self._uow.session.execute(
            statement,
            {
                "user_id": member.user_id,
                "role": member.role.value,
                "full_name": member.full_name,
                "position": member.position,
                "phone": member.phone,
                "email": member.email,
                "department_id": member.department_id,
                "updated_at": at,
            },
        )
        self._uow.mark_written()

    async def members(self) -> list[StaffMember]:
        rows = (
            await self._uow.session.execute(
                select(StaffMemberRow.__table__).order_by(
                    StaffMemberRow.full_name, StaffMemberRow.user_id
                )
            )
        ).all()
        return [_member(row) for row in rows]

    async def departments(self) -> list[Department]:
        rows = (
            await self._uow.session.execute(
                select(DepartmentRow.id, DepartmentRow.name, DepartmentRow.head_user_id)
                .where(DepartmentRow.active.is_(True))
                .order_by(DepartmentRow.name)
            )
        ).all()
        return [_department(row) for row in rows]

    async def department(self, department_id: int) -> Department | None:
        row = (
            await self._uow.session.execute(
                select(DepartmentRow.id, DepartmentRow.name, DepartmentRow.head_user_id).where(
                    DepartmentRow.id == department_id
                )
            )
        ).first()
        return _department(row) if row is not None else None

    async def set_department_head(self, department_id: int, user_id: int) -> Department:
        result = await self._uow.session.execute(
            update(DepartmentRow)
            .where(DepartmentRow.id == department_id)
            .values(head_user_id=user_id)
            .returning(DepartmentRow.id, DepartmentRow.name, DepartmentRow.head_user_id)
        )
        row = result.first()
        if row is None:
            raise DepartmentNotFound(str(department_id))
        self._uow.mark_written()
        return _department(row)

    async def add_department(self, name: str) -> Department:
        clean = " ".join(name.split())
        existing = await self._uow.session.scalar(
            select(DepartmentRow.id).where(DepartmentRow.name == clean)
        )
        if existing is not None:
            await self._uow.session.execute(
                update(DepartmentRow).where(DepartmentRow.id == existing).values(active=True)
            )
            self._uow.mark_written()
            return Department(id=int(existing), name=clean)
        result = await self._uow.session.execute(
            insert(DepartmentRow).returning(DepartmentRow.id), {"name": clean, "active": True}
        )
        self._uow.mark_written()
        return Department(id=int(result.scalar_one()), name=clean)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: datetime
    user_id: int
    action: str
    outcome: str
    detail: str


class SqlStaffAudit:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def of_appeal(self, appeal_id: int, *, limit: int = 200) -> list[AuditEntry]:
        """The appeal's audit lines, oldest first (the web desk's «Журнал»)."""
        rows = (
            await self._uow.session.execute(
                select(
                    StaffAuditRow.at,
                    StaffAuditRow.user_id,
                    StaffAuditRow.action,
                    StaffAuditRow.outcome,
                    StaffAuditRow.detail,
                )
                .where(StaffAuditRow.appeal_id == appeal_id)
                .order_by(StaffAuditRow.id.desc())
                .limit(limit)
            )
        ).all()
        return [
            AuditEntry(
                at=row.at,
                user_id=int(row.user_id),
                action=row.action,
                outcome=row.outcome,
                detail=row.detail or "",
            )
            for row in reversed(rows)
        ]

    async def record(
        self,
        *,
        at: datetime,
        user_id: int,
        action: str,
        appeal_id: int | None,
        outcome: str,
        detail: str = "",
    ) -> None:
        self._uow.defer(
            insert(StaffAuditRow),
            {
                "at": at,
                "user_id": user_id,
                "action": action,
                "appeal_id": appeal_id,
                "outcome": outcome,
                "detail": detail,
            },
            effect=True,
        )


def _task(row: Any) -> AppealTask:
    return AppealTask(
        id=int(row.id),
        appeal_id=AppealId(row.appeal_id),
        channel=row.channel,
        done_at=row.done_at,
        done_by=row.done_by,
        kind=row.kind,
        text=row.text or "",
        contact=row.contact or "",
        attempts=int(row.attempts or 0),
        error=row.error,
    )


class SqlAppealTasks:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def add(
        self,
        appeal_id: AppealId,
        channel: str,
        *,
        at: datetime,
        kind: str | None = None,
        text: str = "",
        contact: str = "",
    ) -> AppealTask:
        result = await self._uow.session.execute(
            insert(AppealTaskRow).returning(AppealTaskRow.id),
            {
                "appeal_id": appeal_id,
                "channel": channel,
                "created_at": at,
                "kind": kind,
                "text": text,
                "contact": contact,
                "attempts": 0,
            },
        )
        self._uow.mark_written()
        return AppealTask(
            id=int(result.scalar_one()),
            appeal_id=appeal_id,
            channel=channel,
            kind=kind,
            text=text,
            contact=contact,
        )

    async def add_once(
        self, appeal_id: AppealId, channel: str, *, origin: str, at: datetime
    ) -> AppealTask | None:
        """A task made once per `origin` for the appeal; None if it was made before."""
        result = await self._uow.session.execute(
            _insert_task_once(self._uow.session.bind.dialect.name),
            {
                "appeal_id": appeal_id,
                "channel": channel,
                "created_at": at,
                "origin": origin,
                "attempts": 0,
            },
        )
        self._uow.mark_written()
        task_id = result.scalar()
        if task_id is None:
            return None
        return AppealTask(id=int(task_id), appeal_id=appeal_id, channel=channel)

    async def open_count(self, appeal_id: AppealId, channel: str) -> int:
        """How many of the appeal's tasks of this channel are not done yet."""
        count = await self._uow.session.scalar(
            select(func.count())
            .select_from(AppealTaskRow)
            .where(
                AppealTaskRow.appeal_id == appeal_id,
                AppealTaskRow.channel == channel,
                AppealTaskRow.done_at.is_(None),
            )
        )
        return int(count or 0)

    async def get(self, task_id: int) -> AppealTask | None:
        row = (
            await self._uow.session.execute(
                select(AppealTaskRow.__table__).where(AppealTaskRow.id == task_id)
            )
        ).first()
        return _task(row) if row is not None else None

    async def of_appeal(self, appeal_id: AppealId) -> list[AppealTask]:
        """The appeal's tasks, oldest first."""
        rows = await self._uow.session.execute(
            select(AppealTaskRow.__table__)
            .where(AppealTaskRow.appeal_id == appeal_id)
            .order_by(AppealTaskRow.id)
        )
        return [_task(row) for row in rows]

    async def of_appeals(self, appeal_ids: Sequence[int]) -> dict[int, list[AppealTask]]:
        """The tasks of several appeals (a registry page or export), oldest first."""
        found: dict[int, list[AppealTask]] = {}
        if not appeal_ids:
            return found
        rows = await self._uow.session.execute(
            select(AppealTaskRow.__table__)
            .where(AppealTaskRow.appeal_id.in_(list(appeal_ids)))
            .order_by(AppealTaskRow.id)
        )
        for row in rows:
            found.setdefault(int(row.appeal_id), []).append(_task(row))
        return found

    async def failed_try(self, task_id: int, error: str) -> AppealTask | None:
        """An e-mail the bot could not send (yet): one more try counted, the reason kept."""
        await self._uow.session.execute(
            update(AppealTaskRow)
            .where(AppealTaskRow.id == task_id)
            .values(attempts=AppealTaskRow.attempts + 1, error=error[:64])
        )
        self._uow.mark_written()
        return await self.get(task_id)

    async def mark_done(self, task_id: int, *, by: int, at: datetime) -> AppealTask:
        await self._uow.session.execute(
            update(AppealTaskRow)
            .where(AppealTaskRow.id == task_id, AppealTaskRow.done_at.is_(None))
            .values(done_at=at, done_by=by)
        )
        self._uow.mark_written()
        task = await self.get(task_id)
        assert task is not None
        return task


@dataclass(frozen=True, slots=True)
class Thread:
    appeal_id: int
    chat_id: int
    topic_id: int | None
    card_message_id: int | None


_THREAD = select(AppealThreadRow.__table__).where(
    AppealThreadRow.appeal_id == bindparam("appeal_id")
)
_BY_TOPIC = select(AppealTopicRow.appeal_id).where(
    AppealTopicRow.chat_id == bindparam("chat_id"),
    AppealTopicRow.topic_id == bindparam("topic_id"),
)
_BY_NUMBER = select(AppealRow.id).where(AppealRow.number == bindparam("number"))
_BY_MESSAGE = select(StaffMessageRow.appeal_id).where(
    StaffMessageRow.chat_id == bindparam("chat_id"),
    StaffMessageRow.message_id == bindparam("message_id"),
)


class SqlAppealThreads:
    """Where each appeal lives in the staff chat."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def get(self, appeal_id: int) -> Thread | None:
        row = (await self._uow.session.execute(_THREAD, {"appeal_id": appeal_id})).first()
        if row is None:
            return None
        return Thread(
            appeal_id=int(row.appeal_id),
            chat_id=int(row.chat_id),
            topic_id=row.topic_id,
            card_message_id=row.card_message_id,
        )

    async def save(self, thread: Thread, *, at: datetime) -> None:
        """Where the appeal's thread is now; a topic is also kept among the appeal's topics."""
        if thread.topic_id is not None:
            self.add_topic(thread.chat_id, thread.topic_id, thread.appeal_id, at=at)
        await self._uow.session.execute(
            upsert(
                self._uow.session.bind.dialect.name,
                AppealThreadRow,
                ("appeal_id",),
                _THREAD_COLUMNS,
            ),
            {
                "appeal_id": thread.appeal_id,
                "chat_id": thread.chat_id,
                "topic_id": thread.topic_id,
                "card_message_id": thread.card_message_id,
                "updated_at": at,
            },
        )
        self._uow.mark_written()

    def remember(self, chat_id: int, message_id: int, appeal_id: int) -> None:
        """A bot message about `appeal_id` in the staff chat: a reply to it finds the appeal."""
        self._uow.defer(
            _insert_message(self._uow.session.bind.dialect.name),
            {"chat_id": chat_id, "message_id": message_id, "appeal_id": appeal_id},
            effect=True,
        )

    def add_topic(self, chat_id: int, topic_id: int, appeal_id: int, *, at: datetime) -> None:
        """A forum topic of `appeal_id` (kept for good: a message in it finds the appeal)."""
        self._uow.defer(
            _insert_topic(self._uow.session.bind.dialect.name),
            {"chat_id": chat_id, "topic_id": topic_id, "appeal_id": appeal_id, "created_at": at},
            effect=True,
        )

    async def appeal_for(
        self,
        chat_id: int,
        *,
        topic_id: int | None,
        reply_to: int | None,
        topic_number: str | None = None,
        at: datetime | None = None,
    ) -> int | None:
        """The appeal a staff message belongs to: by its forum topic (any the appeal ever had),
        else by the bot message it replies to. A topic we never stored (the process died
        between Telegram creating it and our write) is known by `topic_number`, the appeal
        number its name starts with: it is remembered as the appeal's from then on (`at`)."""
        session = self._uow.session
        if topic_id is not None:
            found = await session.scalar(_BY_TOPIC, {"chat_id": chat_id, "topic_id": topic_id})
            if found is not None:
                return int(found)
        if reply_to is not None:
            found = await session.scalar(_BY_MESSAGE, {"chat_id": chat_id, "message_id": reply_to})
            if found is not None:
                return int(found)
        if topic_id is not None and topic_number is not None and at is not None:
            found = await session.scalar(_BY_NUMBER, {"number": topic_number})
            if found is not None:
                self.add_topic(chat_id, topic_id, int(found), at=at)
                return int(found)
        return None
