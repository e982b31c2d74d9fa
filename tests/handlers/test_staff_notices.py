"""Notices from the staff chat (SPEC §8) through the real dispatcher: a file's dry run and
its confirmation, a message to a topic's subscribers, reports, the stop button, "power
restored", that nobody but staff can do any of it, that mass notices need the head (or the
role MASS_NOTICE_ROLE names) and that every such action, done or refused, is in the staff
audit log. The clock stands at 10:00 Moscow, outside quiet hours; `harness.deliver()` runs
the outbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
import pytest_asyncio
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageText,
    GetFile,
    SendMessage,
    TelegramMethod,
)
from aiogram.types import Document
from sqlalchemy import func, select

from bot.settings import Settings
from bot.texts import Texts
from domain.clock import FixedClock
from domain.content import ContentLibrary
from domain.staff import StaffMember, StaffRole
from domain.subscriptions import Topic
from notifier.notices import MESSAGE_MAX, money
from services.notice_import import COLUMNS, ImportKind
from storage.models import NoticeDraftRow, NoticeRow, OutageRow, OutboxRow, StaffAuditRow
from storage.staff import SqlStaffDirectory
from storage.uow import UnitOfWork
from tests.fakes import inline_buttons
from tests.handlers.conftest import consented
from tests.harness import STAFF_CHAT_ID, BotHarness, Person, StaffPerson

pytestmark = pytest.mark.usefixtures("registry")

# 1000000001: Иванова, Выкса, ул. Ленина 12; 1000000002: Петров, Выкса, ул. Островского 7;
# 1000000003: nobody in the bot (examples/accounts.csv).
DEBTS = (
    b"account,amount,as_of,due_date\n"
    b"1000000001,1234.50,2026-11-20,2026-12-10\n"
    b"1000000002,99.99,20.11.2026,10.12.2026\n"
    b"1000000003,500,2026-11-20,2026-12-10\n"
    b"12,10,2026-11-20,2026-12-10\n"
    b"2000000001,-5,2026-11-20,2026-12-10\n"
)
# An emergency under way on Lenina street, a planned outage in a week on Ostrovskogo, and a
# row whose kind is wrong. Local times (Moscow); now is 24.11.2026 10:00.
OUTAGES = (
    "settlement;street;houses;starts_at;ends_at;kind;reason\n"
    "Выкса;ул. Ленина;10-14 чёт;24.11.2026 09:00;24.11.2026 15:00;emergency;обрыв провода\n"
    "Выкса;ул. Островского;1-9;2026-12-01 10:00;2026-12-01 16:00;planned;ремонт ВЛ\n"
    "Выкса;ул. Ленина;12;2026-12-02 10:00;2026-12-02 12:00;someday;\n"
).encode()
NOTICE_TEXT = "С 1 декабря меняется тариф <для населения>."


@pytest_asyncio.fixture
async def harness(
    engine: Any, settings: Settings, clock: FixedClock, texts: Texts, content: ContentLibrary
) -> AsyncIterator[BotHarness]:
    staff_settings = settings.with_values(staff_chat_id=STAFF_CHAT_ID)
    bot_harness = await BotHarness.start(staff_settings, clock=clock, texts=texts, content=content)
    yield bot_harness
    await bot_harness.close()


# Helpers -------------------------------------------------------------------------------------


async def _member(
    harness: BotHarness, role: StaffRole, user_id: int, first_name: str = "Анна"
) -> StaffPerson:
    """A member of the staff chat whose profile has `role`."""
    person = harness.staff(user_id, first_name)
    uow = UnitOfWork(harness.app.sessionmaker, clock=harness.app.clock)
    await SqlStaffDirectory(uow).save_member(
        StaffMember(user_id=user_id, role=role), at=harness.app.clock.now()
    )
    await uow.commit()
    return person


async def _head(harness: BotHarness, user_id: int = 8_000_001) -> StaffPerson:
    return await _member(harness, StaffRole.HEAD, user_id, "Руководитель")


async def _audit(harness: BotHarness, user_id: int) -> list[tuple[str, str, str]]:
    """(action, outcome, detail) of a staff member's audit records, in order."""
    async with harness.app.sessionmaker() as session:
        rows = await session.execute(
            select(StaffAuditRow.action, StaffAuditRow.outcome, StaffAuditRow.detail)
            .where(StaffAuditRow.user_id == user_id)
            .order_by(StaffAuditRow.id)
        )
        return [(str(a), str(o), str(d)) for a, o, d in rows]


async def _linked(
    harness: BotHarness, texts: Texts, user_id: int, account: str, surname: str
) -> Person:
    person = await consented(harness, texts, user_id)
    await person.send("/accounts")
    await person.press(texts.get("accounts-link-button"))
    await person.send(account)
    await person.send(surname)
    await person.deliver()  # «счёт привязан» is queued with the link
    return person


async def _two_linked(harness: BotHarness, texts: Texts) -> tuple[Person, Person]:
    maria = await _linked(harness, texts, 7_000_001, "1000000001", "Иванова")
    sergey = await _linked(harness, texts, 7_000_002, "1000000002", "Петров")
    await harness.deliver()
    return maria, sergey


_file_ids = iter(range(1, 10_000))


async def _send_file(
    harness: BotHarness,
    sender: StaffPerson,
    content: bytes,
    caption: str,
    *,
    name: str = "file.csv",
    size: int | None = None,
) -> list[TelegramMethod[Any]]:
    file_id = f"doc-{next(_file_ids)}"
    harness.session.files[file_id] = content
    document = Document(
        file_id=file_id,
        file_unique_id=file_id,
        file_name=name,
        file_size=len(content) if size is None else size,
    )
    return await sender.send(None, document=document, caption=caption)


def _staff_texts(calls: list[TelegramMethod[Any]]) -> list[str]:
    return [
        str(c.text)
        for c in calls
        if isinstance(c, SendMessage) and int(c.chat_id) == STAFF_CHAT_ID
    ]


def _to(calls: list[TelegramMethod[Any]], person: Person) -> list[str]:
    return [
        str(c.text)
        for c in calls
        if isinstance(c, SendMessage) and int(c.chat_id) == person.user.id
    ]


def _answers(calls: list[TelegramMethod[Any]]) -> list[str | None]:
    return [c.text for c in calls if isinstance(c, AnswerCallbackQuery)]


def _edits(calls: list[TelegramMethod[Any]]) -> list[EditMessageText]:
    return [c for c in calls if isinstance(c, EditMessageText)]


async def _count(harness: BotHarness, table: Any) -> int:
    async with harness.app.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


async def _draft_statuses(harness: BotHarness) -> list[str]:
    async with harness.app.sessionmaker() as session:
        rows = await session.scalars(select(NoticeDraftRow.status).order_by(NoticeDraftRow.id))
        return list(rows)


async def _notices(harness: BotHarness) -> list[tuple[int, str, str]]:
    async with harness.app.sessionmaker() as session:
        rows = await session.execute(
            select(NoticeRow.id, NoticeRow.kind, NoticeRow.status).order_by(NoticeRow.id)
        )
        return [(int(r[0]), str(r[1]), str(r[2])) for r in rows]


def _refused(texts: Texts, line: int, reason: str, detail: str) -> str:
    return texts.get("import-refused-line", line=line, reason=texts.plain(reason, detail=detail))


def _message_notice(texts: Texts, topic: Topic, text: str) -> str:
    body = texts.get("notice-message", topic=texts.get(f"settings-topic-{topic.value}"), text=text)
    return f"{body}\n\n{texts.get('notice-footer')}"


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
