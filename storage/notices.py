"""Notices, outages and drafts over SQLAlchemy Core (SPEC §8).

Recipients are read a page at a time (keyset pagination on the user id), each page in a
short transaction of its own, so that a notice to 100 000 people never holds them all in
memory, nor a connection or SQLite's single writer for the whole fan-out. Who may be sent
a notice of a topic is decided here, in SQL, by the rule of domain/subscriptions.py:
consent given (the person's own latest decision), not stopped, not blocked, the topic not
turned off (`eligible`, applied by every recipient query)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    exists,
    false,
    func,
    insert,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import aliased

from domain.consent import ConsentDecision
from domain.notice_lifecycle import (
    Audience,
    Counts,
    Notice,
    NoticeParams,
    NoticeStatus,
    Outage,
    OutageStatus,
    params_from_json,
    params_to_json,
)
from domain.notices import NoticeKind, OutageKind
from domain.subscriptions import DEFAULTS, Topic
from storage.models import (
    AccountLinkRow,
    AccountRow,
    ConsentRow,
    NoticePreferenceRow,
    NoticeRecipientRow,
    NoticeRow,
    NoticeTargetRow,
    OutageRow,
    OutboxRow,
    SubscriptionRow,
)
from storage.uow import UnitOfWork

SCHEDULED = NoticeStatus.SCHEDULED
QUEUING = NoticeStatus.QUEUING
SENDING = NoticeStatus.SENDING
OUTAGE_OPEN = OutageStatus.OPEN

_PENDING = "pending"
_SOURCE_LENGTH = 200  # the column's width
_SENT = "sent"
_DROPPED = "dropped"


def consent_given(user: Any) -> ColumnElement[bool]:
    """SQL for "the latest consent decision of THIS person is `given`" (domain/consent.py).

    The subquery reads its own alias of `consents`, correlated to `user` and to nothing else:
    with the plain table it would compare `consents.user_id` with itself whenever `user` is
    a column of `consents` (the topic audience reads people from it) and so read the latest
    decision of anyone. One probe of the index (user_id, decided_at, id) per person."""
    decided = aliased(ConsentRow, name="decided")
    latest = (
        select(decided.decision)
        .where(decided.user_id == user)
        .order_by(decided.decided_at.desc(), decided.id.desc())
        .limit(1)
        .correlate_except(decided)
        .scalar_subquery()
    )
    return latest == ConsentDecision.GIVEN.value


def eligible(user: Any, topic: Topic) -> ColumnElement[bool]:
    """SQL for "this user may be sent a notice of `topic`": domain/subscriptions.py
    `may_notify` — consent given (their own latest decision), not stopped, not blocked,
    the topic not turned off. Every recipient query applies it."""
    held = exists().where(
        NoticePreferenceRow.user_id == user,
        or_(NoticePreferenceRow.stopped == true(), NoticePreferenceRow.blocked_at.is_not(None)),
    )
    choice = (
        select(SubscriptionRow.enabled)
        .where(SubscriptionRow.user_id == user, SubscriptionRow.topic == topic.value)
        .scalar_subquery()
    )
    wants = or_(choice == true(), choice.is_(None) if DEFAULTS[topic] else false())
    return and_(consent_given(user), ~held, wants)


def _notice(row: Any) -> Notice:
    kind = NoticeKind(row.kind)
    return Notice(
        id=row.id,
        kind=kind,
        topic=Topic(row.topic),
        audience=Audience(row.audience),
        urgent=bool(row.urgent),
        params=params_from_json(kind, row.params or {}),
        outage_id=row.outage_id,
        status=NoticeStatus(row.status),
        send_at=row.send_at,
        source=row.source,
        created_by=row.created_by,
        created_at=row.created_at,
        queued_at=row.queued_at,
        planned=row.planned,
        finished_at=row.finished_at,
        cancelled_at=row.cancelled_at,
    )


def _outage(row: Any) -> Outage:
    return Outage(
        id=row.id,
        kind=OutageKind(row.kind),
        settlement=row.settlement,
        street=row.street,
        houses=row.houses,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        reason=row.reason,
        status=OutageStatus(row.status),
        created_at=row.created_at,
        closed_at=row.closed_at,
    )


class SqlNoticeStore:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    @property
    def _session(self) -> Any:
        return self._uow.session

    def _dialect(self) -> str:
        return str(self._uow.session.bind.dialect.name)

    # -- outages ----------------------------------------------------------------------------

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
    ) -> int:
        values = {
            "kind": kind.value,
            "settlement": settlement,
            "street": street,
            "houses": houses,
            "starts_at": starts_at,
            "ends_at": ends_at,
            "reason": reason,
            "created_at": created_at,
            "created_by": created_by,
        }
        result = await self._session.execute(
            insert(OutageRow).values(status=OUTAGE_OPEN.value, **values).returning(OutageRow.id)
        )
        self._uow.mark_written()
        return int(result.scalar_one())

    async def outage(self, outage_id: int) -> Outage | None:
        row = (
            await self._session.execute(select(OutageRow).where(OutageRow.id == outage_id))
        ).first()
        return None if row is None else _outage(row)

    async def outages(
        self, *, status: OutageStatus | None = OUTAGE_OPEN, limit: int = 50
    ) -> list[Outage]:
        query = select(OutageRow).order_by(OutageRow.starts_at.desc()).limit(limit)
        if status is not None:
            query = query.where(OutageRow.status == status)
        return [_outage(row) for row in (await self._session.execute(query)).all()]

    async def set_outage_status(
        self, outage_id: int, status: OutageStatus, *, at: datetime
    ) -> bool:
        """Open -> closed or cancelled; False if it was not open (a second close, say)."""
        result = await self._session.execute(
            update(OutageRow)
            .where(OutageRow.id == outage_id, OutageRow.status == OUTAGE_OPEN)
            .values(status=status.value, closed_at=at)
        )
        self._uow.mark_written()
        return bool(result.rowcount)

    # -- notices ----------------------------------------------------------------------------

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
    ) -> int:
        values = {
            "kind": kind.value,
            "topic": topic.value,
            "audience": audience.value,
            "urgent": urgent,
            "params": params_to_json(params),
            "send_at": send_at,
            "source": source[:_SOURCE_LENGTH],
            "created_by": created_by,
            "created_at": created_at,
        }
        if outage_id is not None:
            values["outage_id"] = outage_id
        result = await self._session.execute(
            insert(NoticeRow)
            .values(status=SCHEDULED.value, planned=0, **values)
            .returning(NoticeRow.id)
        )
        self._uow.mark_written()
        return int(result.scalar_one())

    async def add_targets(
        self, notice_id: int, targets: Sequence[tuple[str, dict[str, Any]]]
    ) -> None:
        if targets:
            await self._session.execute(
                insert(NoticeTargetRow),
                [
                    {"notice_id": notice_id, "account_number": account, "params": params}
                    for account, params in targets
                ],
            )
            self._uow.mark_written()

    async def notice(self, notice_id: int) -> Notice | None:
        row = (
            await self._session.execute(select(NoticeRow).where(NoticeRow.id == notice_id))
        ).first()
        return None if row is None else _notice(row)

    async def due(self, now: datetime, *, limit: int = 20) -> list[Notice]:
        """Notices whose time has come and whose recipients are not all queued yet."""
        query = (
            select(NoticeRow)
            .where(
                NoticeRow.status.in_((SCHEDULED.value, QUEUING.value)), NoticeRow.send_at <= now
            )
            .order_by(NoticeRow.urgent.desc(), NoticeRow.send_at, NoticeRow.id)
            .limit(limit)
        )
        return [_notice(row) for row in (await self._session.execute(query)).all()]

    async def recent(self, *, limit: int = 10) -> list[Notice]:
        query = select(NoticeRow).order_by(NoticeRow.id.desc()).limit(limit)
        return [_notice(row) for row in (await self._session.execute(query)).all()]

    async def of_outage(self, outage_id: int) -> list[Notice]:
        query = select(NoticeRow).where(NoticeRow.outage_id == outage_id).order_by(NoticeRow.id)
        return [_notice(row) for row in (await self._session.execute(query)).all()]

    async def set_status(
        self,
        notice_id: int,
        status: NoticeStatus,
        *,
        expect: Sequence[NoticeStatus],
        **values: Any,
    ) -> bool:
        """`status` if the notice is in one of `expect` (domain/notice_lifecycle.py)."""
        result = await self._session.execute(
            update(NoticeRow)
            .where(NoticeRow.id == notice_id, NoticeRow.status.in_([s.value for s in expect]))
            .values(status=status.value, **values)
        )
        self._uow.mark_written()
        return bool(result.rowcount)

    async def add_planned(self, notice_id: int, count: int) -> None:
        if count:
            await self._session.execute(
                update(NoticeRow)
                .where(NoticeRow.id == notice_id)
                .values(planned=NoticeRow.planned + count)
            )
            self._uow.mark_written()

    async def sending(self) -> list[Notice]:
        query = select(NoticeRow).where(NoticeRow.status == SENDING.value).order_by(NoticeRow.id)
        return [_notice(row) for row in (await self._session.execute(query)).all()]

    # -- recipients (one page each) ---------------------------------------------------------

    async def topic_page(self, topic: Topic, *, after: int, size: int) -> list[int]:
        """Everyone who may be told of `topic`, by user id, the page after `after`.

        People are read from their consent records, one row each — the latest (no later
        record of the same person) — walking the index (user_id, decided_at, id) from
        `after`: a page reads about `size` people, not the whole table."""
        current = aliased(ConsentRow, name="current")
        later = aliased(ConsentRow, name="later")
        superseded = exists().where(
            later.user_id == current.user_id,
            or_(
                later.decided_at > current.decided_at,
                and_(later.decided_at == current.decided_at, later.id > current.id),
            ),
        )
        user = current.user_id
        query = (
            select(user)
            .where(user > after, ~superseded, eligible(user, topic))
            .order_by(user)
            .limit(size)
        )
        return [int(row[0]) for row in (await self._session.execute(query)).all()]

    async def address_page(
        self, topic: Topic, key: str, *, after: tuple[int, str], size: int
    ) -> list[tuple[int, str, str, str, str]]:
        """Linked accounts on the street `key` (domain/notices.py place_key) of people who may
        be told of `topic`: (user, account, settlement, street, house), ordered by (user,
        account), the page after `after`. The houses are matched by the caller (ranges
        are not SQL)."""
        user = AccountLinkRow.user_id
        account = AccountLinkRow.account_number
        query = (
            select(user, account, AccountRow.settlement, AccountRow.street, AccountRow.house)
            .join(AccountRow, AccountRow.number == account)
            .where(
                AccountRow.place_key == key,
                or_(user > after[0], and_(user == after[0], account > after[1])),
                eligible(user, topic),
            )
            .order_by(user, account)
            .limit(size)
        )
        rows = (await self._session.execute(query)).all()
        return [(int(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4])) for r in rows]

    async def target_page(
        self, notice_id: int, topic: Topic, *, after: tuple[int, str], size: int
    ) -> list[tuple[int, str, dict[str, Any]]]:
        """(user, account, the target's figures) for the accounts a personal notice is
        about, by (user, account), for linked people who may be told of `topic`."""
        user = AccountLinkRow.user_id
        account = AccountLinkRow.account_number
        query = (
            select(user, account, NoticeTargetRow.params)
            .join(NoticeTargetRow, NoticeTargetRow.account_number == account)
            .where(
                NoticeTargetRow.notice_id == notice_id,
                or_(user > after[0], and_(user == after[0], account > after[1])),
                eligible(user, topic),
            )
            .order_by(user, account)
            .limit(size)
        )
        rows = (await self._session.execute(query)).all()
        return [(int(r[0]), str(r[1]), dict(r[2] or {})) for r in rows]

    async def told_page(
        self, notice_ids: Sequence[int], topic: Topic, *, after: int, size: int
    ) -> list[int]:
        """People these notices reached (sent), who may still be told of `topic`."""
        chat = OutboxRow.chat_id
        query = (
            select(chat)
            .where(
                OutboxRow.notice_id.in_(tuple(notice_ids)),
                OutboxRow.status == _SENT,
                chat > after,
                eligible(chat, topic),
            )
            .group_by(chat)
            .order_by(chat)
            .limit(size)
        )
        return [int(row[0]) for row in (await self._session.execute(query)).all()]

    async def linked(self, accounts: Sequence[str], topic: Topic) -> list[tuple[int, str]]:
        """(user, account) for these accounts' linked people who may be told of `topic`."""
        user = AccountLinkRow.user_id
        query = select(user, AccountLinkRow.account_number).where(
            AccountLinkRow.account_number.in_(tuple(accounts)), eligible(user, topic)
        )
        return [(int(r[0]), str(r[1])) for r in (await self._session.execute(query)).all()]

    async def exists_source(self, kind: str, source: str) -> bool:
        query = select(exists().where(NoticeRow.kind == kind, NoticeRow.source == source))
        return bool((await self._session.execute(query)).scalar())

    async def count_targets(self, notice_id: int) -> int:
        query = select(func.count()).where(NoticeTargetRow.notice_id == notice_id)
        return int((await self._session.execute(query)).scalar_one())

    async def add_recipients(self, notice_id: int, rows: Sequence[tuple[int, str]]) -> None:
        """(user, account) pairs queued this notice: the record of who was told for what."""
        if not rows:
            return
        insert_ = pg_insert if self._dialect() == "postgresql" else sqlite_insert
        statement = insert_(NoticeRecipientRow).on_conflict_do_nothing()
        await self._session.execute(
            statement,
            [{"notice_id": notice_id, "user_id": u, "account_number": a} for u, a in rows],
        )
        self._uow.mark_written()

    # -- delivery ---------------------------------------------------------------------------

    async def counts(self, notice_id: int) -> Counts:
        query = (
            select(
                OutboxRow.status,
                func.count(),
                func.min(OutboxRow.sent_at),
                func.max(OutboxRow.sent_at),
            )
            .where(OutboxRow.notice_id == notice_id)
            .group_by(OutboxRow.status)
        )
        values: dict[str, int] = {}
        first: datetime | None = None
        last: datetime | None = None
        for status, count, low, high in (await self._session.execute(query)).all():
            values[str(status)] = int(count)
            if low is not None and (first is None or low < first):
                first = low
            if high is not None and (last is None or high > last):
                last = high
        return Counts(
            pending=values.get(_PENDING, 0),
            sent=values.get(_SENT, 0),
            blocked=values.get("blocked", 0),
            failed=values.get("failed", 0),
            dropped=values.get(_DROPPED, 0),
            first_sent=first,
            last_sent=last,
        )

    async def queued(self, notice_id: int) -> int:
        """How many rows the notice has in the outbox: counted in the (notice, chat) unique
        index alone, not by reading each row's status as `counts` does (at 100 000 rows a
        block of the event loop on SQLite; issue 16 point 6)."""
        query = select(func.count()).select_from(OutboxRow).where(OutboxRow.notice_id == notice_id)
        return int(await self._session.scalar(query) or 0)

    async def has_pending(self, notice_id: int) -> bool:
        query = select(
            exists().where(OutboxRow.notice_id == notice_id, OutboxRow.status == _PENDING)
        )
        return bool((await self._session.execute(query)).scalar())

    async def drop_pending(self, notice_id: int) -> int:
        result = await self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.notice_id == notice_id, OutboxRow.status == _PENDING)
            .values(status=_DROPPED, last_error="cancelled")
        )
        self._uow.mark_written()
        return int(result.rowcount or 0)

    async def hold_until(self, until: datetime) -> int:
        """Quiet hours: the pending rows of non-urgent notices wait until `until`."""
        quiet = select(NoticeRow.id).where(
            NoticeRow.urgent == false(), NoticeRow.status.in_((QUEUING.value, SENDING.value))
        )
        result = await self._session.execute(
            update(OutboxRow)
            .where(
                OutboxRow.status == _PENDING,
                OutboxRow.notice_id.in_(quiet),
                OutboxRow.not_before < until,
            )
            .values(not_before=until)
        )
        self._uow.mark_written()
        return int(result.rowcount or 0)

    async def evidence(self, notice_id: int, *, after: tuple[int, str], size: int) -> list[Any]:
        """Who was queued the notice for which account, and what became of it."""
        recipient = NoticeRecipientRow
        query = (
            select(
                recipient.user_id,
                recipient.account_number,
                OutboxRow.status,
                OutboxRow.sent_at,
                OutboxRow.telegram_message_id,
                OutboxRow.last_error,
            )
            .join(
                OutboxRow,
                and_(
                    OutboxRow.notice_id == recipient.notice_id,
                    OutboxRow.chat_id == recipient.user_id,
                ),
            )
            .where(
                recipient.notice_id == notice_id,
                or_(
                    recipient.user_id > after[0],
                    and_(recipient.user_id == after[0], recipient.account_number > after[1]),
                ),
            )
            .order_by(recipient.user_id, recipient.account_number)
            .limit(size)
        )
        return list((await self._session.execute(query)).all())


async def drop_pending_of_user(uow: UnitOfWork, user_id: int, topic: Topic | None) -> int:
    """The person turned a topic off (or everything, `topic` None): what is still queued
    for them of it is dropped, so a notice under way does not reach them after all."""
    notices = select(NoticeRow.id)
    if topic is not None:
        notices = notices.where(NoticeRow.topic == topic.value)
    result = await uow.session.execute(
        update(OutboxRow)
        .where(
            OutboxRow.chat_id == user_id,
            OutboxRow.status == _PENDING,
            OutboxRow.notice_id.in_(notices),
        )
        .values(status=_DROPPED, last_error="unsubscribed")
    )
    uow.mark_written()
    return int(result.rowcount or 0)
