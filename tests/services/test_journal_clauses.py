"""The journal import and the lifecycle's terms (issue 13, part 2): the journal's date is the
received date, kept on the appeal; a letter without a name or a contact is registered and
closed on the ground of §15.10, not refused at the door; a phone call without one still is."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.appeals import AppealStatus, RejectionGround
from domain.clock import FixedClock
from storage.models import AppealEventRow, AppealRow
from tests.services.test_appeal_import import ZONE, _import

HEADER = (
    "received_at,form,kind,subject,full_name,answer_channel,contact,address,text,"
    "answered_at,answer_text"
)
LETTER = (
    "2026-11-05 09:40,post,complaint,service_quality,,post,,,"
    '"Письмо без подписи: в диспетчерской не берут трубку.",,'
)
CALL = (
    "2026-11-06 11:00,phone,complaint,service_quality,,phone,,,"
    '"Звонок без имени: в диспетчерской не берут трубку.",,'
)


async def test_reg_15_2_no_contact_registered_then_closed(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    report = await _import(sessionmaker, clock, "\n".join([HEADER, LETTER, CALL]))
    assert report.registered == ["VE-2026-000001"]
    assert [(r.line, r.reason, r.detail) for r in report.refused] == [
        (3, "import-row-missing", "full_name")
    ]
    async with sessionmaker() as session:
        row = await session.scalar(select(AppealRow))
        events = (await session.scalars(select(AppealEventRow.action))).all()
    assert row is not None
    assert row.status == AppealStatus.REJECTED.value
    assert row.rejection_ground == RejectionGround.NO_CONTACT_DATA.value
    assert list(events) == ["register", "reject"]  # registered first (§15.2), then closed
    received = datetime(2026, 11, 5, 9, 40, tzinfo=ZONE)
    assert row.received_at == received and row.registered_at == received
