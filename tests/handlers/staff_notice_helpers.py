"""What the staff notice tests share (tests/handlers/test_staff_notices.py and
test_staff_notice_roles.py): the source files, the staff members, and reading back the
bot's calls and the database."""

from __future__ import annotations

from typing import Any

from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageText,
    SendMessage,
    TelegramMethod,
)
from aiogram.types import Document
from sqlalchemy import func, select

from core.texts import Texts
from domain.staff import StaffMember, StaffRole
from domain.subscriptions import Topic
from storage.models import NoticeDraftRow, NoticeRow, StaffAuditRow
from storage.staff import SqlStaffDirectory
from storage.uow import UnitOfWork
from tests.handlers.conftest import consented
from tests.harness import STAFF_CHAT_ID, BotHarness, Person, StaffPerson

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
