"""Notices from the staff chat (SPEC §8) through the real dispatcher: a file's dry run and
its confirmation, "power restored", a message to a topic's subscribers (reports, the stop
button, staff only, roles and the audit log: test_staff_notice_roles.py). The clock stands
at 10:00 Moscow, outside quiet hours; `harness.deliver()` runs the outbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from aiogram.methods import (
    GetFile,
)
from sqlalchemy import select

from bot.settings import Settings
from core.texts import Texts
from domain.clock import FixedClock
from domain.content import ContentLibrary
from domain.subscriptions import Topic
from notifier.notice_texts import money
from services.notice_import import COLUMNS, ImportKind
from services.notices import MESSAGE_MAX
from storage.models import OutageRow
from tests.handlers.conftest import consented
from tests.handlers.staff_notice_helpers import (
    DEBTS,
    NOTICE_TEXT,
    OUTAGES,
    _answers,
    _count,
    _draft_statuses,
    _edits,
    _head,
    _message_notice,
    _notices,
    _refused,
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


# Imports -------------------------------------------------------------------------------------


async def test_a_debts_file_is_dry_run_then_scheduled_and_each_person_gets_their_amount(
    harness: BotHarness, texts: Texts
) -> None:
    maria, sergey = await _two_linked(harness, texts)
    staff = await _head(harness)

    calls = await _send_file(harness, staff, DEBTS, "/import debts", name="debts-11.csv")
    assert any(isinstance(c, GetFile) for c in calls)
    replies = _staff_texts(await harness.deliver())
    assert len(replies) == 1
    preview = replies[0]
    assert (
        texts.get("notice-import-summary", accepted=3, refused=2, people=2, unreached=1) in preview
    )
    assert _refused(texts, 5, "import-row-account", "12") in preview
    assert _refused(texts, 6, "import-row-amount", "-5") in preview
    assert texts.get("notice-import-dry-run") in preview
    assert "debts-11.csv" in preview
    # The debt notice now, the payment reminder 3 days before the due date at 10:00.
    assert (
        texts.get(
            "notice-import-planned", kind=texts.get("notice-kind-debt"), at="24.11.2026 10:00"
        )
        in preview
    )
    assert "07.12.2026 10:00" in preview
    assert [label for label, _, _ in staff.last_inline] == [
        texts.get("staff-notice-button-schedule"),
        texts.get("staff-notice-button-cancel"),
    ]
    # A dry run writes nothing but the draft, and tells nobody.
    assert await _notices(harness) == []
    assert await _draft_statuses(harness) == ["draft"]

    calls = await staff.press(texts.get("staff-notice-button-schedule"))
    assert _answers(calls) == [texts.get("staff-notice-done")]
    assert _edits(calls) and texts.get("staff-notice-confirmed") in str(_edits(calls)[0].text)
    assert await _draft_statuses(harness) == ["confirmed"]
    notices = await _notices(harness)
    assert [(kind, status) for _, kind, status in notices] == [
        ("debt", "sending"),
        ("payment_due", "scheduled"),
    ]
    delivered = await harness.deliver()
    result = _staff_texts(delivered)
    assert len(result) == 1
    assert texts.get("notice-import-done") in result[0]
    assert f"(№ {notices[0][0]})" in result[0] and f"(№ {notices[1][0]})" in result[0]

    to_maria, to_sergey = _to(delivered, maria), _to(delivered, sergey)
    assert len(to_maria) == 1 and len(to_sergey) == 1
    assert "1000000001" in to_maria[0] and money("1234.50") in to_maria[0]
    assert money("99.99") not in to_maria[0]
    assert "1000000002" in to_sergey[0] and money("99.99") in to_sergey[0]
    assert money("1234.50") not in to_sergey[0]

    # A second press of «Запланировать» finds the draft decided: nothing happens.
    calls = await staff.press(texts.get("staff-notice-button-schedule"))
    assert _answers(calls) == [texts.get("staff-notice-already")]
    assert _edits(calls) == []
    assert len(await _notices(harness)) == 2
    again = await harness.deliver()
    assert _to(again, maria) == [] and _staff_texts(again) == []


async def test_cancel_schedules_nothing_and_a_later_confirm_is_refused(
    harness: BotHarness, texts: Texts
) -> None:
    maria, _sergey = await _two_linked(harness, texts)
    staff = await _head(harness)
    await _send_file(harness, staff, DEBTS, "/import debts")
    await harness.deliver()

    calls = await staff.press(texts.get("staff-notice-button-cancel"))
    assert _answers(calls) == [texts.get("staff-notice-done")]
    edits = _edits(calls)
    assert len(edits) == 1 and texts.get("staff-notice-cancelled") in str(edits[0].text)
    assert edits[0].reply_markup is None
    assert await _draft_statuses(harness) == ["cancelled"]

    calls = await staff.press(texts.get("staff-notice-button-schedule"))
    assert _answers(calls) == [texts.get("staff-notice-already")]
    assert await _notices(harness) == []
    assert _to(await harness.deliver(), maria) == []


async def test_an_outages_file_the_emergency_goes_at_once_and_power_restored_follows(
    harness: BotHarness, texts: Texts
) -> None:
    maria, sergey = await _two_linked(harness, texts)
    staff = await _head(harness)

    await _send_file(harness, staff, OUTAGES, "/import outages", name="outages.csv")
    preview = _staff_texts(await harness.deliver())[0]
    # Maria (Lenina 12) for the emergency, Sergey (Ostrovskogo 7) for the planned one.
    assert (
        texts.get("notice-import-summary", accepted=2, refused=1, people=2, unreached=0) in preview
    )
    assert _refused(texts, 4, "import-row-outage-kind", "someday") in preview
    assert await _count(harness, OutageRow) == 0

    await staff.press(texts.get("staff-notice-button-schedule"))
    delivered = await harness.deliver()
    emergency = _to(delivered, maria)
    assert len(emergency) == 1
    assert texts.get("notice-kind-emergency_outage").split()[0] in emergency[0]
    assert "обрыв провода" in emergency[0]
    assert _to(delivered, sergey) == []  # the planned outage is told 3 days ahead

    # /outages: both open, each with its button.
    await staff.send("/outages")
    listing = _staff_texts(await harness.deliver())
    assert len(listing) == 1
    async with harness.app.sessionmaker() as session:
        outages = {
            str(kind): int(outage_id)
            for outage_id, kind in await session.execute(select(OutageRow.id, OutageRow.kind))
        }
    assert "ул. Ленина" in listing[0] and "ул. Островского" in listing[0]
    # The latest start first.
    assert [label for label, _, _ in staff.last_inline] == [
        texts.get("staff-notice-button-restored", id=outages["planned"]),
        texts.get("staff-notice-button-restored", id=outages["emergency"]),
    ]
    outage_buttons = list(staff.last_inline)

    restored = texts.get("staff-notice-button-restored", id=outages["emergency"])
    calls = await staff.press(restored)
    assert _answers(calls) == [texts.get("staff-notice-done")]
    delivered = await harness.deliver()
    report = _staff_texts(delivered)
    assert len(report) == 1 and texts.get("notice-kind-power_restored") in report[0]
    told = _to(delivered, maria)
    assert len(told) == 1 and "ул. Ленина" in told[0]
    assert (
        texts.get(
            "notice-power-restored", settlement="Выкса", street="ул. Ленина", houses="10-14 чёт"
        ).split("\n")[0]
        in told[0]
    )
    assert _to(delivered, sergey) == []

    # Closed once: the button and the command both say so.
    staff.last_inline = outage_buttons
    calls = await staff.press(restored)
    assert _answers(calls) == [texts.get("notice-outage-not-open", id=outages["emergency"])]
    await staff.send(f"/outage_close {outages['emergency']}")
    assert _staff_texts(await harness.deliver()) == [
        texts.get("notice-outage-not-open", id=outages["emergency"])
    ]
    # The command closes the planned one before it began: it is called off; nobody was told
    # of it yet, so nobody is told now.
    await staff.send(f"/outage_close {outages['planned']}")
    delivered = await harness.deliver()
    assert texts.get("notice-kind-outage_cancelled") in _staff_texts(delivered)[0]
    assert _to(delivered, sergey) == [] and _to(delivered, maria) == []
    await staff.send("/outages")
    assert _staff_texts(await harness.deliver()) == [texts.get("notice-outages-empty")]


async def test_a_file_that_cannot_be_read_is_refused_as_a_whole(
    harness: BotHarness, texts: Texts
) -> None:
    staff = await _head(harness)
    await _send_file(harness, staff, b"account,sum\n1000000001,10\n", "/import debts")
    assert _staff_texts(await harness.deliver()) == [
        texts.get("import-debts-header", detail="amount, as_of, due_date")
    ]
    await _send_file(harness, staff, "account,amount".encode("utf-16"), "/import debts")
    replies = _staff_texts(await harness.deliver())
    assert len(replies) == 1 and replies[0].startswith(
        texts.get("import-file-encoding", detail="0")[:20]
    )
    # Every row refused: the report, but nothing to schedule.
    await _send_file(harness, staff, b"account,amount,as_of,due_date\n12,1,x,y\n", "/import debts")
    replies = _staff_texts(await harness.deliver())
    assert len(replies) == 1 and texts.get("staff-notice-import-nothing") in replies[0]
    assert await _draft_statuses(harness) == []


async def test_import_usage_size_limit_and_unknown_kind(harness: BotHarness, texts: Texts) -> None:
    staff = await _head(harness)
    usage = texts.get("staff-notice-import-usage", max=5)
    for kind in ImportKind:
        assert ",".join(COLUMNS[kind]) in usage

    await staff.send("/import debts")  # no document
    assert _staff_texts(await harness.deliver()) == [usage]
    await _send_file(harness, staff, DEBTS, "/import")
    assert _staff_texts(await harness.deliver()) == [usage]
    await _send_file(harness, staff, DEBTS, "/import gas")
    assert _staff_texts(await harness.deliver()) == [usage]

    calls = await _send_file(harness, staff, DEBTS, "/import debts", size=6 * 1024 * 1024)
    assert not any(isinstance(c, GetFile) for c in calls)
    assert _staff_texts(await harness.deliver()) == [texts.get("staff-notice-file-too-big", max=5)]
    assert await _draft_statuses(harness) == []


# Messages to a topic's subscribers ---------------------------------------------------------


async def test_notify_previews_counts_and_sends_to_subscribers_of_the_topic_only(
    harness: BotHarness, texts: Texts
) -> None:
    maria = await consented(harness, texts, 7_000_001)
    olga = await consented(harness, texts, 7_000_003)
    await olga.send("/settings")
    await olga.press(
        texts.get(
            "settings-topic", mark="on", name=texts.get(f"settings-topic-{Topic.TARIFF.value}")
        )
    )
    await harness.deliver()
    staff = await _head(harness)

    await staff.send(f"/notify tariff\n{NOTICE_TEXT}")
    preview = _staff_texts(await harness.deliver())
    assert len(preview) == 1
    expected = _message_notice(texts, Topic.TARIFF, NOTICE_TEXT)
    assert expected in preview[0]
    assert "&lt;для населения&gt;" in preview[0]
    assert texts.get("staff-notice-preview-foot", count=1) in preview[0]
    assert [label for label, _, _ in staff.last_inline] == [
        texts.get("staff-notice-button-send"),
        texts.get("staff-notice-button-cancel"),
    ]
    assert await _notices(harness) == []

    await staff.press(texts.get("staff-notice-button-send"))
    notices = await _notices(harness)
    assert [(kind, status) for _, kind, status in notices] == [("message", "sending")]
    delivered = await harness.deliver()
    assert _to(delivered, maria) == [expected]
    assert _to(delivered, olga) == []
    report = _staff_texts(delivered)
    assert len(report) == 1
    assert report[0].startswith(
        texts.get(
            "notice-report",
            id=notices[0][0],
            kind=texts.get("notice-kind-message"),
            status=texts.get("notice-status-sending"),
            created="",
            source="staff",
            send_at="",
            planned=1,
            sent=0,
            blocked=0,
            failed=0,
            pending=1,
            dropped=0,
            first="",
            last="",
            duration="none",
        ).split("\n")[0]
    )
    assert [label for label, _, _ in staff.last_inline] == [
        texts.get("staff-notice-button-refresh"),
        texts.get("staff-notice-button-stop"),
    ]
    # «Обновить»: the report in place, everything sent now.
    calls = await staff.press(texts.get("staff-notice-button-refresh"))
    assert _answers(calls) == [texts.get("staff-notice-updated")]
    edits = _edits(calls)
    assert len(edits) == 1
    assert "Доставлено: 1" in str(edits[0].text)

    # The same text on the same line as the topic, to the contract topic (its own kind).
    await staff.send("/notify contract Новая редакция договора с 1 января.")
    preview = _staff_texts(await harness.deliver())
    assert (
        _message_notice(texts, Topic.CONTRACT, "Новая редакция договора с 1 января.")
        in (preview[0])
    )
    assert texts.get("staff-notice-preview-foot", count=2) in preview[0]
    await staff.press(texts.get("staff-notice-button-cancel"))
    assert await _draft_statuses(harness) == ["confirmed", "cancelled"]
    assert len(await _notices(harness)) == 1


async def test_notify_usage_for_a_missing_or_unknown_topic_an_empty_or_too_long_text(
    harness: BotHarness, texts: Texts
) -> None:
    staff = await _head(harness)
    await staff.send("/notify")
    usage = _staff_texts(await harness.deliver())
    assert len(usage) == 1
    assert usage[0].startswith(texts.get("staff-notice-notify-usage", max=MESSAGE_MAX))
    for topic in Topic:
        assert (
            texts.get(
                "staff-notice-topic-line",
                topic=topic.value,
                name=texts.plain(f"settings-topic-{topic.value}"),
            )
            in usage[0]
        )

    cases = {
        "/notify gas Газ отключат": texts.get("staff-notice-unknown-topic", topic="gas"),
        "/notify debt": texts.get("staff-notice-empty-text"),
        "/notify debt   \n  ": texts.get("staff-notice-empty-text"),
        f"/notify debt {'я' * (MESSAGE_MAX + 1)}": texts.get(
            "staff-notice-too-long", max=MESSAGE_MAX, length=MESSAGE_MAX + 1
        ),
    }
    for command, problem in cases.items():
        await staff.send(command)
        replies = _staff_texts(await harness.deliver())
        assert len(replies) == 1 and replies[0].startswith(problem), command
        assert texts.get("staff-notice-notify-usage", max=MESSAGE_MAX) in replies[0]
    assert await _draft_statuses(harness) == []

    # Exactly the limit is fine.
    await staff.send(f"/notify debt {'я' * MESSAGE_MAX}")
    await harness.deliver()
    assert await _draft_statuses(harness) == ["draft"]
