"""Notices from the staff chat (SPEC §8), continued: reports and the stop button, that
nobody but staff can do any of it, that mass notices need the head (or the role
MASS_NOTICE_ROLE names) and that every such action, done or refused, is in the staff audit
log. The clock stands at 10:00 Moscow, outside quiet hours; `harness.deliver()` runs the
outbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
import pytest_asyncio
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import (
    GetFile,
    SendMessage,
)
from sqlalchemy import select

from bot.settings import Settings
from core.texts import Texts
from domain.clock import FixedClock
from domain.content import ContentLibrary
from domain.staff import StaffRole
from domain.subscriptions import Topic
from storage.models import NoticeDraftRow, OutageRow, OutboxRow
from tests.fakes import inline_buttons
from tests.handlers.conftest import consented
from tests.handlers.staff_notice_helpers import (
    DEBTS,
    NOTICE_TEXT,
    OUTAGES,
    _answers,
    _audit,
    _draft_statuses,
    _edits,
    _head,
    _member,
    _message_notice,
    _notices,
    _send_file,
    _staff_texts,
    _to,
    _two_linked,
)
from tests.harness import STAFF_CHAT_ID, BotHarness

pytestmark = pytest.mark.usefixtures("registry")


@pytest_asyncio.fixture
async def harness(
    engine: Any, settings: Settings, clock: FixedClock, texts: Texts, content: ContentLibrary
) -> AsyncIterator[BotHarness]:
    staff_settings = settings.with_values(staff_chat_id=STAFF_CHAT_ID)
    bot_harness = await BotHarness.start(staff_settings, clock=clock, texts=texts, content=content)
    yield bot_harness
    await bot_harness.close()


# Reports and the stop button -----------------------------------------------------------------


async def test_notices_list_notice_report_and_the_stop_button_drops_pending_rows(
    harness: BotHarness, texts: Texts, clock: FixedClock
) -> None:
    staff = await _head(harness)
    await staff.send("/notices")
    assert _staff_texts(await harness.deliver()) == [texts.get("notice-report-empty")]

    maria = await consented(harness, texts, 7_000_001)
    await harness.deliver()
    # Telegram does not answer for Maria's chat: her message stays pending, to be retried.
    harness.session.traps.append(
        (
            lambda m: isinstance(m, SendMessage) and int(m.chat_id) == maria.user.id,
            TelegramNetworkError(
                method=SendMessage(chat_id=maria.user.id, text="-"), message="timeout"
            ),
        )
    )
    await staff.send(f"/notify readings_reminder {NOTICE_TEXT}")
    await harness.deliver()
    await staff.press(texts.get("staff-notice-button-send"))
    delivered = await harness.deliver()
    assert _to(delivered, maria) == [_message_notice(texts, Topic.READINGS_REMINDER, NOTICE_TEXT)]
    [(notice_id, _, status)] = await _notices(harness)
    assert status == "sending"

    await staff.send("/notices")
    listing = _staff_texts(await harness.deliver())
    assert len(listing) == 1
    assert f"№ {notice_id} · {texts.get('notice-kind-message')}" in listing[0]
    assert "ждут 1" in listing[0]

    await staff.send(f"/notice {notice_id}")
    report = _staff_texts(await harness.deliver())
    assert len(report) == 1 and f"№ {notice_id}" in report[0] and "ждут отправки: 1" in report[0]
    assert texts.get("staff-notice-button-stop") in [label for label, _, _ in staff.last_inline]

    calls = await staff.press(texts.get("staff-notice-button-stop"))
    assert _answers(calls) == [texts.get("staff-notice-stopped")]
    edits = _edits(calls)
    assert len(edits) == 1
    assert texts.get("notice-status-cancelled") in str(edits[0].text)
    assert "ждут отправки: 0" in str(edits[0].text) and "нет чата): 1" in str(edits[0].text)
    assert [label for label, _ in inline_buttons(edits[0])] == [
        texts.get("staff-notice-button-refresh")
    ]
    async with harness.app.sessionmaker() as session:
        statuses = list(
            await session.scalars(select(OutboxRow.status).where(OutboxRow.notice_id == notice_id))
        )
    assert statuses == ["dropped"]

    # The retry time comes: nothing goes to Maria.
    clock.advance(timedelta(hours=1))
    assert _to(await harness.deliver(), maria) == []

    # Unknown ids and bad arguments.
    await staff.send("/notice 987654")
    assert _staff_texts(await harness.deliver()) == [texts.get("notice-not-found", id=987654)]
    for bad in ("/notice", "/notice abc", "/notice 99999999999999999999"):
        await staff.send(bad)
        assert _staff_texts(await harness.deliver()) == [texts.get("staff-notice-id-usage")]
    await staff.send("/outage_close x")
    assert _staff_texts(await harness.deliver()) == [texts.get("staff-notice-outage-usage")]


# Nobody but staff ----------------------------------------------------------------------------


async def test_outsiders_and_consumers_can_neither_import_nor_notify_nor_confirm(
    harness: BotHarness, texts: Texts
) -> None:
    maria, _sergey = await _two_linked(harness, texts)
    outsider = harness.outsider()

    calls = await _send_file(harness, outsider, DEBTS, "/import debts")
    assert not any(isinstance(c, GetFile) for c in calls)
    await outsider.send(f"/notify tariff {NOTICE_TEXT}")
    await outsider.send("/outages")
    replies = _staff_texts(await harness.deliver())
    assert replies == [texts.get("staff-only"), texts.get("staff-only")]

    # In a private chat these commands are nobody's: no draft, no notice.
    await maria.send(f"/notify tariff {NOTICE_TEXT}")
    await maria.send("/import debts")
    await harness.deliver()
    assert await _draft_statuses(harness) == []

    # A staff member's draft: an outsider's press is refused, and nothing is scheduled.
    staff = await _head(harness)
    await _send_file(harness, staff, DEBTS, "/import debts")
    await harness.deliver()
    outsider.last_inline = list(staff.last_inline)
    calls = await outsider.press(texts.get("staff-notice-button-schedule"))
    assert _answers(calls) == [texts.get("staff-only")]
    assert await _draft_statuses(harness) == ["draft"]
    assert await _notices(harness) == []
    assert _to(await harness.deliver(), maria) == []


# Roles and the audit log -----------------------------------------------------------------------


def _role_refusal(texts: Texts) -> str:
    return texts.get("staff-error-role", value="head")


async def _outage_status(harness: BotHarness, outage_id: int | None) -> str:
    async with harness.app.sessionmaker() as session:
        return str(await session.scalar(select(OutageRow.status).where(OutageRow.id == outage_id)))


async def _draft_ids(harness: BotHarness) -> list[int]:
    async with harness.app.sessionmaker() as session:
        return list(await session.scalars(select(NoticeDraftRow.id).order_by(NoticeDraftRow.id)))


async def test_a_specialist_is_refused_every_mass_notice_action_and_each_refusal_is_audited(
    harness: BotHarness, texts: Texts
) -> None:
    maria, sergey = await _two_linked(harness, texts)
    head = await _head(harness)
    specialist = await _member(harness, StaffRole.SPECIALIST, 8_000_002)
    # What the head prepared: an outages file (confirmed: the emergency goes at once), a debts
    # draft and a /notify draft waiting for a decision.
    await _send_file(harness, head, OUTAGES, "/import outages")
    await harness.deliver()
    await head.press(texts.get("staff-notice-button-schedule"))
    await harness.deliver()
    [emergency_notice] = [
        n for n, kind, _ in await _notices(harness) if kind == "emergency_outage"
    ]
    async with harness.app.sessionmaker() as session:
        open_outage = await session.scalar(
            select(OutageRow.id).where(OutageRow.kind == "emergency")
        )
    await _send_file(harness, head, DEBTS, "/import debts")
    await harness.deliver()
    await head.send(f"/notify tariff {NOTICE_TEXT}")
    await harness.deliver()
    draft_buttons = list(specialist.last_inline)
    notices_before = await _notices(harness)
    specialist_id = specialist.user.id

    # Commands: a reply naming the role, no download, no draft.
    calls = await _send_file(harness, specialist, DEBTS, "/import debts")
    assert not any(isinstance(c, GetFile) for c in calls)
    await specialist.send(f"/notify tariff {NOTICE_TEXT}")
    await specialist.send(f"/outage_close {open_outage}")
    assert _staff_texts(await harness.deliver()) == [_role_refusal(texts)] * 3

    # Buttons: an alert; the head's drafts stay undecided.
    specialist.last_inline = draft_buttons
    calls = await specialist.press(texts.get("staff-notice-button-send"))
    assert _answers(calls) == [_role_refusal(texts)]
    calls = await specialist.press(texts.get("staff-notice-button-cancel"))
    assert _answers(calls) == [texts.get("staff-notice-not-author")]
    await head.send("/outages")
    await harness.deliver()
    specialist.last_inline = list(head.last_inline)
    calls = await specialist.press(texts.get("staff-notice-button-restored", id=open_outage or 0))
    assert _answers(calls) == [_role_refusal(texts)]
    await head.send(f"/notice {emergency_notice}")
    await harness.deliver()
    specialist.last_inline = list(head.last_inline)
    calls = await specialist.press(texts.get("staff-notice-button-stop"))
    assert _answers(calls) == [_role_refusal(texts)]
    # «Обновить» only shows the report: anyone in the staff chat may.
    calls = await specialist.press(texts.get("staff-notice-button-refresh"))
    assert _answers(calls) == [texts.get("staff-notice-updated")]

    # Nothing changed, nobody was told anything more.
    assert await _draft_statuses(harness) == ["confirmed", "draft", "draft"]
    assert await _notices(harness) == notices_before
    assert await _outage_status(harness, open_outage) == "open"
    delivered = await harness.deliver()
    assert _to(delivered, maria) == [] and _to(delivered, sergey) == []

    # Every attempt is in the audit log, refused, with the reason.
    audit = await _audit(harness, specialist_id)
    assert [(action, outcome) for action, outcome, _ in audit] == [
        ("notice_import", "refused"),
        ("notice_compose", "refused"),
        ("outage_close", "refused"),
        ("notice_confirm", "refused"),
        ("notice_cancel", "refused"),
        ("outage_close", "refused"),
        ("notice_stop", "refused"),
    ]
    reasons = [detail.split(":")[0] for _, _, detail in audit]
    assert (
        reasons
        == ["RoleRequired(head)"] * 4 + ["DraftOfAnother(head)"] + ["RoleRequired(head)"] * 2
    )
    assert audit[2][2] == f"RoleRequired(head): outage {open_outage}"
    assert audit[6][2] == f"RoleRequired(head): notice {emergency_notice}"


async def test_a_head_does_each_mass_notice_action_and_each_is_audited(
    harness: BotHarness, texts: Texts
) -> None:
    await _two_linked(harness, texts)
    head = await _head(harness)

    await _send_file(harness, head, OUTAGES, "/import outages", name="outages.csv")
    await harness.deliver()
    await head.press(texts.get("staff-notice-button-schedule"))
    await harness.deliver()
    await head.send(f"/notify tariff {NOTICE_TEXT}")
    await harness.deliver()
    await head.press(texts.get("staff-notice-button-cancel"))
    await head.send(f"/notify debt {NOTICE_TEXT}")
    await harness.deliver()
    await head.press(texts.get("staff-notice-button-send"))
    await harness.deliver()
    [(message_notice, _, _)] = [n for n in await _notices(harness) if n[1] == "message"]
    await head.send(f"/notice {message_notice}")
    await harness.deliver()
    await head.press(texts.get("staff-notice-button-stop"))
    async with harness.app.sessionmaker() as session:
        outages = {
            str(kind): int(outage_id)
            for outage_id, kind in await session.execute(select(OutageRow.id, OutageRow.kind))
        }
    await head.send(f"/outage_close {outages['emergency']}")
    await harness.deliver()
    # A second close changes nothing: refused, with the reason.
    await head.send(f"/outage_close {outages['emergency']}")
    await harness.deliver()

    audit = await _audit(harness, head.user.id)
    assert [(action, outcome) for action, outcome, _ in audit] == [
        ("notice_import", "done"),
        ("notice_confirm", "done"),
        ("notice_compose", "done"),
        ("notice_cancel", "done"),
        ("notice_compose", "done"),
        ("notice_confirm", "done"),
        ("notice_stop", "done"),
        ("outage_close", "done"),
        ("outage_close", "refused"),
    ]
    details = [detail for _, _, detail in audit]
    outages_draft, tariff_draft, debt_draft = await _draft_ids(harness)
    assert details[0] == f"draft {outages_draft}: outages «outages.csv», 2 rows, 2 people"
    assert details[1] == f"draft {outages_draft}: outages «outages.csv»"
    assert details[2] == f"draft {tariff_draft}: tariff, 2 people"
    assert details[3] == f"draft {tariff_draft}: message tariff"
    assert details[4] == f"draft {debt_draft}: debt, 2 people"
    assert details[6] == f"notice {message_notice}"
    assert details[7].startswith(f"outage {outages['emergency']}: notice ")
    assert details[8] == f"outage not found or not open: outage {outages['emergency']}"


async def test_the_mass_notice_role_is_a_setting_and_a_draft_is_decided_by_its_author_or_a_head(
    harness: BotHarness, texts: Texts
) -> None:
    await _two_linked(harness, texts)
    harness.configure(notice_role=StaffRole.SPECIALIST)  # MASS_NOTICE_ROLE=specialist
    author = await _member(harness, StaffRole.SPECIALIST, 8_000_011, "Автор")
    colleague = await _member(harness, StaffRole.SPECIALIST, 8_000_012, "Коллега")
    head = await _head(harness, 8_000_013)

    await author.send(f"/notify tariff {NOTICE_TEXT}")
    await harness.deliver()
    assert await _draft_statuses(harness) == ["draft"]
    colleague.last_inline = list(author.last_inline)
    calls = await colleague.press(texts.get("staff-notice-button-send"))
    assert _answers(calls) == [texts.get("staff-notice-not-author")]
    calls = await author.press(texts.get("staff-notice-button-send"))
    assert _answers(calls) == [texts.get("staff-notice-done")]
    assert await _draft_statuses(harness) == ["confirmed"]

    await colleague.send(f"/notify debt {NOTICE_TEXT}")
    await harness.deliver()
    head.last_inline = list(colleague.last_inline)
    await head.press(texts.get("staff-notice-button-cancel"))
    assert await _draft_statuses(harness) == ["confirmed", "cancelled"]

    # MASS_NOTICE_ROLE=admin: a head is refused too.
    harness.configure(notice_role=StaffRole.ADMIN)
    await head.send(f"/notify tariff {NOTICE_TEXT}")
    assert _staff_texts(await harness.deliver()) == [texts.get("staff-error-role", value="admin")]
    assert await _draft_statuses(harness) == ["confirmed", "cancelled"]
    assert [o for _, o, _ in await _audit(harness, colleague.user.id)] == [
        "refused",
        "done",
    ]
    _first, second = await _draft_ids(harness)
    assert await _audit(harness, head.user.id) == [
        ("notice_cancel", "done", f"draft {second}: message debt"),
        ("notice_compose", "refused", "RoleRequired(admin): tariff"),
    ]
