"""Who a notice reaches, for every audience kind, when two people decide about consent in
either order (issue 11, point 14): each person's own latest decision counts, never someone
else's. The SQL rule (storage/notices.py `eligible`) must agree with the Python one
(domain/subscriptions.py `may_notify`, through SubscriptionService) for every person."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.clock import FixedClock
from domain.ids import UserId
from domain.notices import place_key
from domain.subscriptions import Topic
from services.subscriptions import SubscriptionService
from storage.models import (
    AccountLinkRow,
    AccountRow,
    ConsentRow,
    NoticeRow,
    NoticeTargetRow,
    OutboxRow,
)
from storage.notices import SqlNoticeStore
from storage.repositories import SqlConsents
from storage.subscriptions import SqlSubscriptionStore
from storage.uow import UnitOfWork

A, B = 7_000_001, 7_000_002
ACCOUNTS = {A: "1000000001", B: "1000000002"}
GIVEN, WITHDRAWN = "given", "withdrawn"

# (who, decision, minutes before now), in the order they were recorded; then who may be told.
SCENARIOS: dict[str, tuple[list[tuple[int, str, int]], set[int]]] = {
    "A withdraws, then B consents": (
        [(A, GIVEN, 60), (A, WITHDRAWN, 30), (B, GIVEN, 10)],
        {B},
    ),
    "B consents, then A withdraws": (
        [(A, GIVEN, 60), (B, GIVEN, 30), (A, WITHDRAWN, 10)],
        {B},
    ),
    "A withdraws and consents again, B withdraws last": (
        [(A, GIVEN, 60), (B, GIVEN, 50), (A, WITHDRAWN, 40), (A, GIVEN, 20), (B, WITHDRAWN, 10)],
        {A},
    ),
    "both consent, A re-consents after withdrawing": (
        [(B, GIVEN, 50), (A, GIVEN, 40), (A, WITHDRAWN, 30), (A, GIVEN, 5)],
        {A, B},
    ),
    "A decides twice at the same instant: the later record counts": (
        [(B, GIVEN, 30), (A, GIVEN, 10), (A, WITHDRAWN, 10)],
        {B},
    ),
    "nobody consents any more": (
        [(A, GIVEN, 60), (B, GIVEN, 50), (B, WITHDRAWN, 20), (A, WITHDRAWN, 10)],
        set(),
    ),
}
AUDIENCES = ("topic", "address", "accounts", "told", "linked")


async def _seed(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    decisions: list[tuple[int, str, int]],
) -> tuple[int, int]:
    """Two people on one street, each linked to an account; their consent decisions; a debt
    notice listing both accounts; an outage notice that reached both. Returns the two
    notices' ids."""
    now = clock.now()
    async with sessionmaker() as session:
        for user, number in ACCOUNTS.items():
            await session.execute(
                insert(AccountRow).values(
                    number=number,
                    full_name="X",
                    settlement="Выкса",
                    street="ул. Ленина",
                    house=str(user % 10),
                    flat="",
                    category="household",
                    imported_at=now,
                )
            )
            await session.execute(
                insert(AccountLinkRow).values(
                    user_id=user, account_number=number, linked_at=now - timedelta(days=2)
                )
            )
        for user, decision, minutes in decisions:  # recorded in this order (ids ascending)
            await session.execute(
                insert(ConsentRow).values(
                    user_id=user,
                    decision=decision,
                    text_version="v1",
                    decided_at=now - timedelta(minutes=minutes),
                )
            )
        ids = []
        for kind, audience in (("debt", "accounts"), ("emergency_outage", "address")):
            result = await session.execute(
                insert(NoticeRow)
                .values(
                    kind=kind,
                    topic=kind,
                    audience=audience,
                    params={},
                    status="sending",
                    send_at=now,
                    created_at=now,
                    planned=0,
                )
                .returning(NoticeRow.id)
            )
            ids.append(int(result.scalar_one()))
        debt, outage = ids
        await session.execute(
            insert(NoticeTargetRow),
            [
                {"notice_id": debt, "account_number": number, "params": {"amount": "1"}}
                for number in ACCOUNTS.values()
            ],
        )
        for user in ACCOUNTS:
            await session.execute(
                insert(OutboxRow).values(
                    chat_id=user,
                    method="send_message",
                    payload={"text": "-"},
                    status="sent",
                    not_before=now,
                    created_at=now,
                    sent_at=now,
                    notice_id=outage,
                )
            )
        await session.commit()
    return debt, outage


async def _reached(
    store: SqlNoticeStore, audience: str, debt: int, outage: int, *, size: int
) -> list[int]:
    """Everyone the audience reaches, read page after page of `size`."""
    users: list[int] = []
    if audience == "topic":
        after = 0
        while page := await store.topic_page(Topic.TARIFF, after=after, size=size):
            users += page
            after = page[-1]
    elif audience == "told":
        after = 0
        while page := await store.told_page(
            [outage], Topic.EMERGENCY_OUTAGE, after=after, size=size
        ):
            users += page
            after = page[-1]
    elif audience == "linked":
        users = sorted(u for u, _ in await store.linked(list(ACCOUNTS.values()), Topic.DEBT))
    else:
        key = place_key("Выкса", "ул. Ленина")
        cursor: tuple[int, str] = (0, "")
        while True:
            if audience == "address":
                rows = await store.address_page(Topic.PLANNED_OUTAGE, key, after=cursor, size=size)
                found = [(r[0], r[1]) for r in rows]
            else:
                targets = await store.target_page(debt, Topic.DEBT, after=cursor, size=size)
                found = [(r[0], r[1]) for r in targets]
            if not found:
                break
            users += [user for user, _ in found]
            cursor = found[-1]
    return users


@pytest.mark.parametrize("audience", AUDIENCES)
@pytest.mark.parametrize("scenario", list(SCENARIOS))
async def test_each_person_is_told_by_their_own_latest_consent_decision(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    scenario: str,
    audience: str,
) -> None:
    decisions, expected = SCENARIOS[scenario]
    debt, outage = await _seed(sessionmaker, clock, decisions)
    async with UnitOfWork(sessionmaker, clock=clock) as uow:
        store = SqlNoticeStore(uow)
        for size in (1, 500):  # one person a page, and everyone in one
            reached = await _reached(store, audience, debt, outage, size=size)
            assert reached == sorted(expected), (scenario, audience, size)
        # The same answer as the rule applied to one person at a time.
        service = SubscriptionService(
            store=SqlSubscriptionStore(uow), consents=SqlConsents(uow), clock=clock
        )
        topic = {
            "topic": Topic.TARIFF,
            "address": Topic.PLANNED_OUTAGE,
            "accounts": Topic.DEBT,
            "told": Topic.EMERGENCY_OUTAGE,
            "linked": Topic.DEBT,
        }[audience]
        one_by_one = {user for user in ACCOUNTS if await service.may_notify(UserId(user), topic)}
        assert one_by_one == expected, scenario
