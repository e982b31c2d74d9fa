"""Subscriptions and notice preferences over SQLAlchemy Core."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, select

from domain.ids import UserId
from domain.subscriptions import Preferences, Topic
from storage.models import NoticePreferenceRow, SubscriptionRow
from storage.notices import drop_pending_of_user
from storage.uow import UnitOfWork
from storage.upsert import upsert

_TOPICS = select(SubscriptionRow.topic, SubscriptionRow.enabled).where(
    SubscriptionRow.user_id == bindparam("user_id")
)
_PREFERENCE = select(NoticePreferenceRow.stopped, NoticePreferenceRow.blocked_at).where(
    NoticePreferenceRow.user_id == bindparam("user_id")
)


class SqlSubscriptionStore:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def _dialect(self) -> str:
        return str(self._uow.session.bind.dialect.name)

    async def get(self, user_id: UserId) -> Preferences:
        session = self._uow.session
        chosen = {
            Topic(row.topic): bool(row.enabled)
            for row in (await session.execute(_TOPICS, {"user_id": user_id})).all()
            if row.topic in Topic.__members__.values()
        }
        row = (await session.execute(_PREFERENCE, {"user_id": user_id})).first()
        return Preferences(
            chosen=chosen,
            stopped=bool(row.stopped) if row is not None else False,
            blocked=row is not None and row.blocked_at is not None,
        )

    async def set_topic(
        self, user_id: UserId, topic: Topic, enabled: bool, *, at: datetime
    ) -> None:
        statement = upsert(
            self._dialect(), SubscriptionRow, ("user_id", "topic"), ("enabled", "updated_at")
        )
        await self._uow.session.execute(
            statement,
            {"user_id": user_id, "topic": topic.value, "enabled": enabled, "updated_at": at},
        )
        self._uow.mark_written()
        if not enabled:  # nothing of the topic still queued reaches them
            await drop_pending_of_user(self._uow, user_id, topic)

    async def _preference(self, user_id: UserId, at: datetime, **values: Any) -> None:
        statement = upsert(
            self._dialect(), NoticePreferenceRow, ("user_id",), (*values, "updated_at")
        )
        row = (await self._uow.session.execute(_PREFERENCE, {"user_id": user_id})).first()
        current = {
            "stopped": bool(row.stopped) if row is not None else False,
            "blocked_at": row.blocked_at if row is not None else None,
        }
        await self._uow.session.execute(
            statement, {"user_id": user_id, **current, **values, "updated_at": at}
        )
        self._uow.mark_written()

    async def set_stopped(self, user_id: UserId, stopped: bool, *, at: datetime) -> None:
        await self._preference(user_id, at, stopped=stopped)
        if stopped:
            await drop_pending_of_user(self._uow, user_id, None)

    async def mark_blocked(self, user_id: UserId, *, at: datetime) -> None:
        await self._preference(user_id, at, blocked_at=at)
        await drop_pending_of_user(self._uow, user_id, None)

    async def clear_blocked(self, user_id: UserId, *, at: datetime) -> None:
        await self._preference(user_id, at, blocked_at=None)

    async def forget(self, user_id: UserId) -> None:
        """Consent withdrawn: the person's choices go (the consent text promises it)."""
        session = self._uow.session
        await session.execute(delete(SubscriptionRow).where(SubscriptionRow.user_id == user_id))
        await session.execute(
            delete(NoticePreferenceRow).where(NoticePreferenceRow.user_id == user_id)
        )
        self._uow.mark_written()
        await drop_pending_of_user(self._uow, user_id, None)
