"""/illegible in an appeal's thread (59-ФЗ ст. 11 ч. 4): the appeal is marked, audited, the
card says by when the appellant is told, and a second mark is refused."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from aiogram.methods import EditMessageText
from sqlalchemy import select

from bot.settings import Settings
from core.texts import Texts
from domain.clock import FixedClock
from domain.content import ContentLibrary
from storage.models import AppealRow, StaffAuditRow
from tests.handlers.test_offline_notices import HEAD_ID, register
from tests.handlers.test_staff_chat import _group_messages
from tests.harness import STAFF_CHAT_ID, BotHarness

pytestmark = pytest.mark.usefixtures("registry")


@pytest_asyncio.fixture
async def harness(
    engine: Any, settings: Settings, clock: FixedClock, texts: Texts, content: ContentLibrary
) -> AsyncIterator[BotHarness]:
    staff_settings = settings.with_values(staff_chat_id=STAFF_CHAT_ID)
    bot_harness = await BotHarness.start(staff_settings, clock=clock, texts=texts, content=content)
    bot_harness.configure(admin_ids=frozenset({HEAD_ID}))
    yield bot_harness
    await bot_harness.close()


async def test_59fz_st11_ch4_staff_mark_an_appeal_illegible(
    harness: BotHarness, texts: Texts
) -> None:
    staff, card = await register(harness, texts, "phone", "8 920 000-00-07")
    await staff.reply(card, "/illegible")
    delivered = await harness.deliver()
    # Registered 24.11.2026 (Tuesday): the 7 days end on 01.12.2026.
    line = texts.get("staff-card-flag-illegible", date="01.12.2026")
    edits = [c.text or "" for c in delivered if isinstance(c, EditMessageText)]
    assert any(line in text for text in edits), edits
    async with harness.app.sessionmaker() as session:
        flags: list[Any] = list(await session.scalar(select(AppealRow.flags)) or [])
        audited = (
            await session.execute(
                select(StaffAuditRow.__table__).where(StaffAuditRow.action == "mark_illegible")
            )
        ).all()
    assert [flag["kind"] for flag in flags] == ["illegible"]
    assert [row.outcome for row in audited] == ["done"]
    await staff.reply(card, "/illegible")
    posted = [c.text for c in _group_messages(await harness.deliver())]
    assert texts.get("appeal-error-illegal-transition") in posted
    async with harness.app.sessionmaker() as session:
        assert len(await session.scalar(select(AppealRow.flags)) or []) == 1
