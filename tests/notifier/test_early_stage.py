"""The early deadline stage (issue 13, part 2): on the 5th day after registration staff are
warned that the 7 days to forward an appeal (59-ФЗ ст. 8 ч. 3) and to tell the appellant that
its text cannot be read (ст. 11 ч. 4) end soon; once, and never after the term."""

from __future__ import annotations

from sqlalchemy import select

from bot.factory import App
from core.texts import Texts
from storage.models import OutboxRow
from tests.notifier.test_deadline_warnings import (
    EXECUTOR,
    HEAD,
    STAFF_CHAT,
    _appeal,
    _check_at,
    _warnings,
    msk,
)
from tests.notifier.test_deadline_warnings import app as app


async def test_59fz_st11_ch4_illegible_answered_within_7_days(app: App, texts: Texts) -> None:
    """Registered Tuesday 08.12.2026: the 7 days end on 15.12.2026, the warning comes on the
    5th day, 13.12.2026 (a Sunday: the term is counted in calendar days)."""
    await _appeal(app)
    assert await _check_at(app, msk(2026, 12, 12, 23)) == 0
    assert await _warnings(app) == []
    assert await _check_at(app, msk(2026, 12, 13, 0, 5)) == 1
    early = {chat for chat, stage in await _warnings(app) if stage == "early"}
    assert early == {EXECUTOR, HEAD, STAFF_CHAT}
    async with app.sessionmaker() as session:
        payloads = (
            await session.scalars(
                select(OutboxRow.payload).where(OutboxRow.dedup_key.like("deadline:%early%"))
            )
        ).all()
    expected = texts.get(
        "deadline-early", number="ВЭ-2026-000001", date="15.12.2026", executor="Петрова А. С."
    )
    assert {payload["text"] for payload in payloads} == {expected}
    # Once: later runs within the term queue nothing more; after it, nothing at all.
    await _check_at(app, msk(2026, 12, 15, 20))
    assert len(await _warnings(app)) == 3
    assert await _check_at(app, msk(2026, 12, 16, 9)) == 0
