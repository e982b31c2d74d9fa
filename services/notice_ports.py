"""Ports of the notices use case and of the outbox (services/notices.py, notifier/outbox.py);
re-exported by services/ports.py."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from domain.notice_lifecycle import (
    Audience,
    Counts,
    Draft,
    DraftStatus,
    Notice,
    NoticeParams,
    NoticeStatus,
    Outage,
    OutageStatus,
)
from domain.notices import NoticeKind, OutageKind
from domain.subscriptions import Topic


class Outbox(Protocol):
    """Bot API calls to make, queued in the caller's transaction: a message exists exactly
    when the change it reports was stored, and goes at least once (notifier/outbox.py).
    `payload` is the call's keyword arguments except `chat_id`; a `dedup_key` already queued
    makes this a no-op; an `urgent` row goes before the chat's other pending rows; a message
    about an appeal names the appeal and its `purpose` (the staff learn if it never
    arrives)."""

    def enqueue(
        self,
        *,
        chat_id: int,
        method: str,
        payload: dict[str, Any],
        dedup_key: str | None = None,
        not_before: datetime | None = None,
        urgent: bool = False,
        notice_id: int | None = None,
        appeal_id: int | None = None,
        purpose: str | None = None,
    ) -> None: ...

    async def drop_pending(self, dedup_keys: Sequence[str]) -> int:
        """Drop the rows with these keys not sent yet (reminders of something called off)."""
        ...


class NoticeStore(Protocol):
    """Notices and outages in the caller's transaction (storage/notices.py).
    A status changes only from the statuses `expect` names: False if it was in none."""

    async def add_notice(
        self,
        *,
        kind: NoticeKind,
        topic: Topic,
        audience: Audience,
        urgent: bool,
        params: NoticeParams,
        send_at: datetime,
        source: str,
        created_by: int | None,
        created_at: datetime,
        outage_id: int | None = None,
    ) -> int: ...

    async def add_targets(
        self, notice_id: int, targets: Sequence[tuple[str, dict[str, Any]]]
    ) -> None:
        """The accounts a personal notice is about, each with its own figures."""
        ...

    async def notice(self, notice_id: int) -> Notice | None: ...

    async def recent(self, *, limit: int = 10) -> list[Notice]: ...

    async def of_outage(self, outage_id: int) -> list[Notice]: ...

    async def set_status(
        self,
        notice_id: int,
        status: NoticeStatus,
        *,
        expect: Sequence[NoticeStatus],
        **values: Any,
    ) -> bool: ...

    async def drop_pending(self, notice_id: int) -> int:
        """The notice's outbox rows not sent yet are dropped."""
        ...

    async def counts(self, notice_id: int) -> Counts: ...

    async def exists_source(self, kind: str, source: str) -> bool: ...

    async def add_outage(
        self,
        *,
        kind: OutageKind,
        settlement: str,
        street: str,
        houses: str,
        starts_at: datetime,
        ends_at: datetime,
        reason: str,
        created_at: datetime,
        created_by: int | None,
    ) -> int: ...

    async def outage(self, outage_id: int) -> Outage | None: ...

    async def outages(self) -> list[Outage]:
        """The open outages, the latest start first."""
        ...

    async def set_outage_status(
        self, outage_id: int, status: OutageStatus, *, at: datetime
    ) -> bool:
        """Open -> `status`; False if it was not open."""
        ...

    # Who may be told (the rule of domain/subscriptions.py), a page at a time.
    async def topic_page(self, topic: Topic, *, after: int, size: int) -> list[int]: ...

    async def address_page(
        self, topic: Topic, key: str, *, after: tuple[int, str], size: int
    ) -> list[tuple[int, str, str, str, str]]:
        """(user, account, settlement, street, house) on the street `key`, by (user,
        account); the houses are matched by the caller."""
        ...

    async def linked(self, accounts: Sequence[str], topic: Topic) -> list[tuple[int, str]]: ...


class NoticeDrafts(Protocol):
    """Drafts staff prepare in the chat (storage/notice_drafts.py)."""

    async def add_draft(
        self,
        *,
        kind: str,
        topic: str,
        file_name: str,
        content: str,
        created_by: int,
        created_at: datetime,
    ) -> int: ...

    async def draft(self, draft_id: int) -> Draft | None: ...

    async def decide_draft(self, draft_id: int, status: DraftStatus, *, at: datetime) -> bool:
        """draft -> `status`, once; False if it was decided before."""
        ...


class NoticeQueue(Protocol):
    """Notices written in this transaction may be due: they are queued (their recipients
    fanned out, notifier/notices.py) once it is committed, by a job of its own."""

    def after_commit(self) -> None: ...
