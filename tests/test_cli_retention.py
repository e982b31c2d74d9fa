"""`reception retention`: personal data past its period goes, exactly what the dry run
counted, and only once (152-ФЗ ст. 5 ч. 7, ст. 21 ч. 4; SPEC §11)."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cli_retention import cmd_retention
from bot.settings import Settings
from core.texts import Texts
from domain.clock import FixedClock
from domain.retention import DataCategory, RetentionPolicy
from storage.files import FolderFileStore, content_key
from storage.models import (
    AccountRow,
    AppealAttachmentRow,
    AppealEventRow,
    AppealIdentityRow,
    AppealRow,
    BookingRow,
    BookingSlotRow,
    DialogStateRow,
    NoticeDraftRow,
    NoticeRecipientRow,
    NoticeRow,
    NoticeTargetRow,
    OutboxRow,
    QuestionnaireAnswerRow,
    QuestionnaireRow,
    ReadingSubmissionRow,
    ReadingValueRow,
    StoredFileLinkRow,
    StoredFileRow,
)
from tests.conftest import NOW
from tests.test_cli import run

POLICY = RetentionPolicy.default()
# Just past the boundary goes; just inside it stays.
EDGE = timedelta(minutes=1)


def _old(category: DataCategory) -> datetime:
    return POLICY.cutoff(category, NOW) - EDGE


def _recent(category: DataCategory) -> datetime:
    return POLICY.cutoff(category, NOW) + EDGE


async def _appeal(
    connection: Any, number: int, *, status: str, closed_at: datetime, anonymised: bool = False
) -> None:
    registered = closed_at - timedelta(days=20)
    await connection.execute(
        insert(AppealRow).values(
            id=number,
            number=f"2020-{number:05d}",
            year=2020,
            sequence=number,
            user_id=7_000_000 + number,
            kind="complaint",
            subject="quality",
            form="internet",
            status=status,
            registered_at=registered,
            received_at=registered,
            due_at=registered + timedelta(days=30),
            text="Текст обращения с персональными данными",
            full_name="Иванова Мария Петровна",
            address="Выкса, ул. Ленина, 1",
            account_number="1000000001",
            answer_channel="telegram",
            contact="+79000000000",
            answer_text="Ответ по существу",
            anonymised_at=closed_at if anonymised else None,
        )
    )
    for action, at in (("register", registered), ("answer", closed_at)):
        await connection.execute(
            insert(AppealEventRow).values(
                appeal_id=number,
                action=action,
                actor_kind="consumer",
                at=at,
                reason="Мария Петровна просит перезвонить",
                to_status=status,
            )
        )
    await connection.execute(
        insert(AppealIdentityRow).values(appeal_id=number, sealed=f"sealed-passport-{number}")
    )
    await connection.execute(
        insert(AppealAttachmentRow).values(
            appeal_id=number,
            kind="photo",
            file_id=f"file-{number}",
            file_unique_id=f"unique-{number}",
            added_at=registered,
        )
    )


async def _reading(connection: Any, reading_id: int, at: datetime) -> None:
    await connection.execute(
        insert(ReadingSubmissionRow).values(
            id=reading_id,
            account_number="1000000001",
            meter_serial="033456789",
            period=f"{at:%Y-%m}",
            submitted_at=at,
            channel="bot",
            user_id=7_000_001,
        )
    )
    await connection.execute(
        insert(ReadingValueRow).values(submission_id=reading_id, zone=1, value_milli=1_000)
    )


async def _booking(connection: Any, booking_id: int, at: datetime) -> None:
    await connection.execute(insert(BookingSlotRow).values(starts_at=at, capacity=2, taken=1))
    await connection.execute(
        insert(BookingRow).values(
            id=booking_id,
            starts_at=at,
            topic="other",
            status="active",
            user_id=7_000_001,
            full_name="Иванова Мария Петровна",
            phone="+79000000000",
            channel="bot",
            created_at=at - timedelta(days=3),
        )
    )


async def _notice(connection: Any, notice_id: int, at: datetime, status: str) -> None:
    await connection.execute(
        insert(NoticeRow).values(
            id=notice_id,
            kind="debt",
            topic="debt",
            audience="accounts",
            params={},
            status=status,
            send_at=at,
            created_at=at,
        )
    )
    await connection.execute(
        insert(NoticeTargetRow).values(
            notice_id=notice_id, account_number="1000000001", params={"amount": "1234.50"}
        )
    )
    await connection.execute(
        insert(NoticeRecipientRow).values(
            notice_id=notice_id, user_id=7_000_001, account_number="1000000001"
        )
    )
    await _outbox(connection, at, status="sent", notice_id=notice_id)


async def _outbox(
    connection: Any, at: datetime, *, status: str, notice_id: int | None = None
) -> None:
    await connection.execute(
        insert(OutboxRow).values(
            chat_id=7_000_001,
            method="send_message",
            payload={"text": "Ваш долг 1234,50 ₽"},
            status=status,
            not_before=at,
            created_at=at,
            notice_id=notice_id,
        )
    )


async def _stored_file(
    connection: Any,
    store: FolderFileStore,
    unique: str,
    data: bytes,
    links: list[tuple[str, int, bool]],
    user_id: int = 7_000_001,
) -> None:
    """A file kept in the company's store, linked to the rows it came with (owner, id,
    released already)."""
    sha256 = hashlib.sha256(data).hexdigest()
    key = await store.put(data, sha256=sha256)
    file_id = await connection.scalar(
        insert(StoredFileRow)
        .values(
            file_unique_id=unique,
            file_id=f"id-{unique}",
            kind="photo",
            size=len(data),
            user_id=user_id,
            received_at=NOW - timedelta(days=5000),
            state="stored",
            not_before=NOW - timedelta(days=5000),
            sha256=sha256,
            storage_key=key,
        )
        .returning(StoredFileRow.id)
    )
    for owner, owner_id, released in links:
        await connection.execute(
            insert(StoredFileLinkRow).values(
                stored_file_id=file_id,
                owner=owner,
                owner_id=owner_id,
                released_at=NOW - timedelta(days=1) if released else None,
            )
        )


async def _files(connection: Any, store: FolderFileStore) -> None:
    """Files of the appeals and readings: what goes with the erased ones, what a kept row
    still needs, bytes another record keeps, and a file a cut-short run left behind."""
    appeals, readings = DataCategory.APPEALS.value, DataCategory.READINGS.value
    for unique, data, links in (
        ("a1", b"A" * 100, [(appeals, 1, False)]),  # goes with appeal 1
        ("a1-doc", b"A" * 100, [(appeals, 2, False)]),  # the same bytes, kept by appeal 2
        ("shared", b"S" * 10, [(appeals, 1, False), (appeals, 2, False)]),  # appeal 2 keeps it
        ("a2", b"B" * 20, [(appeals, 2, False)]),
        ("a3", b"C" * 40, [(appeals, 3, False)]),  # an open appeal's
        ("a4", b"D" * 50, [(appeals, 4, True)]),  # released before: goes now
        ("r1", b"R" * 30, [(readings, 1, False)]),  # goes with reading 1
        ("r2", b"Q" * 60, [(readings, 2, False)]),
    ):
        await _stored_file(connection, store, unique, data, links)
    # Sent in dialogs never finished: of someone gone (goes with the drafts), and of someone
    # whose dialog is still going (stays).
    await _stored_file(connection, store, "orphan", b"O" * 70, [], user_id=7_000_009)
    await _stored_file(connection, store, "in-dialog", b"L" * 80, [], user_id=7_000_001)


async def _generate(engine: AsyncEngine, store: FolderFileStore) -> None:
    """Rows on both sides of each category's boundary, and rows that never go."""
    async with engine.begin() as connection:
        await connection.execute(
            insert(AccountRow).values(
                number="1000000001",
                full_name="Иванова Мария Петровна",
                settlement="Выкса",
                street="ул. Ленина",
                house="1",
                category="household",
                imported_at=NOW - timedelta(days=5000),
            )
        )
        appeals = DataCategory.APPEALS
        await _appeal(connection, 1, status="closed", closed_at=_old(appeals))  # goes
        await _appeal(connection, 2, status="answered", closed_at=_recent(appeals))
        await _appeal(connection, 3, status="in_progress", closed_at=_old(appeals))  # open
        await _appeal(connection, 4, status="rejected", closed_at=_old(appeals), anonymised=True)
        await _reading(connection, 1, _old(DataCategory.READINGS))  # goes
        await _reading(connection, 2, _recent(DataCategory.READINGS))
        await _booking(connection, 1, _old(DataCategory.BOOKINGS))  # goes
        await _booking(connection, 2, _recent(DataCategory.BOOKINGS))
        notices = DataCategory.NOTICES
        await _notice(connection, 1, _old(notices), "done")  # goes
        await _notice(connection, 2, _recent(notices), "done")
        await _notice(connection, 3, _old(notices), "scheduled")  # not sent yet
        for at in (_old(notices), _recent(notices)):  # the old one goes
            await connection.execute(
                insert(NoticeDraftRow).values(
                    kind="debts",
                    content="account,amount",
                    status="confirmed",
                    created_by=1,
                    created_at=at,
                )
            )
        outbox = DataCategory.OUTBOX
        await _outbox(connection, _old(outbox), status="sent")  # goes
        await _outbox(connection, _recent(outbox), status="sent")
        await _outbox(connection, _old(outbox), status="pending")  # not sent yet
        for key, at in (("old", _old(DataCategory.DRAFTS)), ("new", _recent(DataCategory.DRAFTS))):
            await connection.execute(
                insert(DialogStateRow).values(
                    key=key,
                    user_id=7_000_001,
                    chat_id=7_000_001,
                    state="FileAppeal:text",
                    data={"text": "черновик"},
                    updated_at=at,
                )
            )
        await _files(connection, store)
        await _answers(connection)


async def _answers(connection: Any) -> None:
    """A questionnaire's answers: one person's long ago (released), another's lately."""
    questionnaires = DataCategory.QUESTIONNAIRES
    qid = await connection.scalar(
        insert(QuestionnaireRow)
        .values(title="Качество", status="sent", created_by=1, created_at=_old(questionnaires))
        .returning(QuestionnaireRow.id)
    )
    for user_id, at in ((7_000_001, _old(questionnaires)), (7_000_002, _recent(questionnaires))):
        await connection.execute(
            insert(QuestionnaireAnswerRow).values(
                questionnaire_id=qid, position=0, user_id=user_id, text="Иванов", answered_at=at
            )
        )


EXPECTED = {
    "appeals": 1,
    "readings": 1,
    "bookings": 1,
    "notices": 2,
    "outbox": 1,
    "drafts": 1,
    "questionnaires": 1,
}


def _counts(texts: Texts, output: str) -> dict[str, int]:
    counts = {}
    for category in DataCategory:
        label = texts.plain("retention-line", kind=category.value, count=0)[: -len("0")]
        lines = [line for line in output.splitlines() if line.startswith(label)]
        assert len(lines) == 1, output
        counts[category.value] = int(lines[0][len(label) :])
    return counts


# Files (and their bytes) that go with the erased appeals and readings.
EXPECTED_FILES = {"appeals": (2, 150), "readings": (1, 30), "drafts": (1, 70)}


def _file_counts(texts: Texts, output: str, expected: dict[str, tuple[int, int]]) -> None:
    for kind, (count, size) in expected.items():
        line = texts.plain("retention-files-line", kind=kind, count=count, size=size)
        assert line in output.splitlines(), output


def _on_disk(root: Path, data: bytes) -> bool:
    return (root / content_key(hashlib.sha256(data).hexdigest())).exists()


async def _count(engine: AsyncEngine, model: Any) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(model)) or 0)


async def test_152fz_st5_ch7_retention_dry_run_counts_then_erases_exactly_those_once(
    engine: AsyncEngine,
    settings: Settings,
    texts: Texts,
    capsys: pytest.CaptureFixture[str],
) -> None:
    store = FolderFileStore(settings.files.directory)
    await _generate(engine, store)
    rows = {
        model: await _count(engine, model)
        for model in (ReadingSubmissionRow, BookingRow, NoticeRow, NoticeDraftRow, OutboxRow)
    }
    clock = FixedClock(NOW)

    assert await cmd_retention(settings, texts, dry_run=True, clock=clock) == 0
    dry = capsys.readouterr().out
    assert texts.plain("retention-dry-run-title") in dry
    assert _counts(texts, dry) == EXPECTED
    _file_counts(texts, dry, EXPECTED_FILES)
    assert await _count(engine, ReadingSubmissionRow) == rows[ReadingSubmissionRow]  # untouched
    assert await _count(engine, StoredFileRow) == 10

    assert await cmd_retention(settings, texts, dry_run=False, clock=clock) == 0
    real = capsys.readouterr().out
    assert texts.plain("retention-done-title") in real
    assert _counts(texts, real) == EXPECTED
    _file_counts(texts, real, EXPECTED_FILES)
    assert await _count(engine, ReadingSubmissionRow) == rows[ReadingSubmissionRow] - 1
    assert await _count(engine, ReadingValueRow) == 1
    assert await _count(engine, BookingRow) == rows[BookingRow] - 1
    assert await _count(engine, NoticeRow) == rows[NoticeRow] - 1
    assert await _count(engine, NoticeDraftRow) == rows[NoticeDraftRow] - 1
    # The old notice's delivery row went with it, and the old sent message.
    assert await _count(engine, OutboxRow) == rows[OutboxRow] - 2
    async with engine.connect() as connection:
        answers = (
            await connection.execute(
                select(QuestionnaireAnswerRow.user_id, QuestionnaireAnswerRow.text).order_by(
                    QuestionnaireAnswerRow.id
                )
            )
        ).all()
        drafts = set((await connection.scalars(select(DialogStateRow.key))).all())
        appeals = {row.id: row for row in (await connection.execute(select(AppealRow))).all()}
        files = set((await connection.scalars(select(AppealAttachmentRow.appeal_id))).all())
        sealed = set((await connection.scalars(select(AppealIdentityRow.appeal_id))).all())
        reasons = set(
            (
                await connection.scalars(
                    select(AppealEventRow.reason).where(AppealEventRow.appeal_id == 1)
                )
            ).all()
        )
    assert drafts == {"new"}
    # The old answer stays counted, no longer the person's and without its free text.
    [(old_user, old_text), (new_user, new_text)] = answers
    assert old_user < 0 and old_text is None
    assert (new_user, new_text) == (7_000_002, "Иванов")
    # The anonymised appeal stays in the registry with its number, dates and outcome.
    gone = appeals[1]
    assert (gone.number, gone.status, gone.kind, gone.subject) == (
        "2020-00001",
        "closed",
        "complaint",
        "quality",
    )
    assert (gone.full_name, gone.text, gone.address, gone.contact) == ("", "", "", "")
    assert gone.user_id is None and gone.account_number is None and gone.answer_text is None
    assert gone.anonymised_at is not None
    assert reasons == {""}
    assert files == {2, 3, 4}
    assert sealed == {2, 3, 4}  # the anonymised appeal's passport data went with it
    for kept in (2, 3):
        assert appeals[kept].full_name == "Иванова Мария Петровна"

    assert await cmd_retention(settings, texts, dry_run=False, clock=clock) == 0
    again = capsys.readouterr().out
    assert _counts(texts, again) == dict.fromkeys(EXPECTED, 0)
    _file_counts(texts, again, dict.fromkeys(EXPECTED_FILES, (0, 0)))


async def test_152fz_st5_ch7_retention_erases_stored_files_with_their_appeals_and_readings(
    engine: AsyncEngine,
    settings: Settings,
    texts: Texts,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = settings.files.directory
    await _generate(engine, FolderFileStore(root))
    assert await cmd_retention(settings, texts, dry_run=False, clock=FixedClock(NOW)) == 0
    capsys.readouterr()
    async with engine.connect() as connection:
        kept = set((await connection.scalars(select(StoredFileRow.file_unique_id))).all())
        links = (await connection.execute(select(StoredFileLinkRow))).all()
    # Files still needed by a kept appeal or reading stay; the rest and their links go.
    assert kept == {"a1-doc", "shared", "a2", "a3", "r2", "in-dialog"}
    released = {(link.owner, link.owner_id) for link in links if link.released_at is not None}
    assert released == {("appeals", 1)}  # the shared file's link to the anonymised appeal
    assert not _on_disk(root, b"R" * 30) and not _on_disk(root, b"D" * 50)
    assert not _on_disk(root, b"O" * 70) and _on_disk(root, b"L" * 80)
    # Bytes under one checksum are one copy: kept while another record needs them.
    assert _on_disk(root, b"A" * 100)
    for data in (b"S" * 10, b"B" * 20, b"C" * 40, b"Q" * 60):
        assert _on_disk(root, data)


def test_retention_command_has_a_dry_run(tmp_path: Any) -> None:
    result = run("retention", "--help")
    assert result.returncode == 0, result.stderr
    assert "--dry-run" in result.stdout
    empty = run(
        "retention", "--dry-run", env={"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'r.db'}"}
    )
    assert empty.returncode == 0, empty.stderr
    assert "0" in empty.stdout.splitlines()[-1]
