"""What the bot posts in the staff chat in answer to a staff member is interactive (an urgent
outbox row: sent at once within the group's budget, domain/rate_limit.py); what a consumer's
action posts there (a new card) is bulk (issue 15)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.texts import Texts
from notifier.appeal_notices import STAFF_METHOD
from storage.models import OutboxRow
from tests.handlers import test_staff_chat
from tests.handlers.test_staff_chat import _buttons, _filed
from tests.harness import STAFF_CHAT_ID, BotHarness

pytestmark = pytest.mark.usefixtures("registry")
harness = test_staff_chat.harness  # the staff chat's harness (STAFF_CHAT_ID set)


async def _staff_rows(harness: BotHarness) -> list[tuple[str, bool]]:
    async with harness.app.sessionmaker() as session:
        rows = (
            await session.scalars(
                select(OutboxRow)
                .where(OutboxRow.chat_id == STAFF_CHAT_ID, OutboxRow.method == STAFF_METHOD)
                .order_by(OutboxRow.id)
            )
        ).all()
    return [(str(row.payload["op"]), bool(row.urgent)) for row in rows]


async def test_a_press_posts_interactively_a_new_card_is_bulk(
    harness: BotHarness, texts: Texts
) -> None:
    _person, card = await _filed(harness, texts)
    assert await _staff_rows(harness) == [("card", False)]
    staff = harness.staff()
    staff.last_inline = [(label, data, card) for label, data in _buttons(card)]

    await staff.press(texts.get("staff-button-take"))

    rows = await _staff_rows(harness)
    assert rows[0] == ("card", False)
    assert rows[1:] and all(urgent for _, urgent in rows[1:]), rows
    assert "edit" in [op for op, _ in rows[1:]]
