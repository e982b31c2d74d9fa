"""Attachments from the company's file store (images inline, files downloaded, each look
audited), tasks marked «Выполнено», and the ПП 55 identity button's role rule."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import insert, select

from domain.appeals import AppealId
from domain.staff import StaffRole
from storage.models import AppealAttachmentRow, StaffAuditRow, StoredFileRow
from storage.staff import SqlAppealTasks
from storage.uow import UnitOfWork
from tests.harness import BotHarness, Person
from tests.web.conftest import DeskClient, LoginAs

pytestmark = pytest.mark.usefixtures("registry")

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
PDF = b"%PDF-1.4\n% a letter\n"


async def _attach(
    harness: BotHarness,
    appeal_id: int,
    *,
    name: str,
    kind: str,
    mime: str,
    data: bytes | None,
    unique: str,
) -> None:
    """An attachment of the appeal, fetched into the store (`data`) or not yet (None)."""
    assert harness.app.files is not None
    now = harness.app.clock.now()
    sha = hashlib.sha256(data or b"").hexdigest()
    key = await harness.app.files.put(data, sha256=sha) if data is not None else None
    async with harness.app.sessionmaker() as session:
        await session.execute(
            insert(StoredFileRow).values(
                file_unique_id=unique,
                file_id=f"id-{unique}",
                kind=kind,
                file_name=name,
                mime_type=mime,
                size=len(data or b""),
                user_id=7_000_001,
                received_at=now,
                state="stored" if key else "pending",
                attempts=0,
                not_before=now,
                last_error="",
                sha256=sha if key else None,
                storage_key=key,
                stored_at=now if key else None,
            )
        )
        await session.execute(
            insert(AppealAttachmentRow).values(
                appeal_id=appeal_id,
                kind=kind,
                file_id=f"id-{unique}",
                file_unique_id=unique,
                file_name=name,
                mime_type=mime,
                size=len(data or b""),
                added_at=now,
            )
        )
        await session.commit()


async def test_images_inline_and_files_as_downloads_from_the_store(
    login_as: LoginAs, filed: tuple[Person, int], harness: BotHarness
) -> None:
    _, appeal_id = filed
    await _attach(harness, appeal_id, name="", kind="photo", mime="", data=PNG, unique="p1")
    await _attach(
        harness,
        appeal_id,
        name="акт.pdf",
        kind="document",
        mime="application/pdf",
        data=PDF,
        unique="d1",
    )
    await _attach(
        harness,
        appeal_id,
        name="скан.pdf",
        kind="document",
        mime="application/pdf",
        data=None,
        unique="d2",
    )
    desk = await login_as(StaffRole.SPECIALIST)
    page = (await desk.get(f"/appeals/{appeal_id}")).text
    assert f'<img src="http://desk.test/appeals/{appeal_id}/files/0"' in page
    assert "акт.pdf" in page and "ещё не получен" in page
    image = await desk.get(f"/appeals/{appeal_id}/files/0")
    assert image.status_code == 200 and image.content == PNG
    assert image.headers["content-type"] == "image/jpeg"
    assert image.headers["content-disposition"].startswith("inline")
    document = await desk.get(f"/appeals/{appeal_id}/files/1")
    assert document.content == PDF
    assert document.headers["content-type"] == "application/octet-stream"
    assert document.headers["content-disposition"] == (
        "attachment; filename*=UTF-8''%D0%B0%D0%BA%D1%82.pdf"
    )
    assert "sandbox" in document.headers["content-security-policy"]
    assert (await desk.get(f"/appeals/{appeal_id}/files/2")).status_code == 404  # not fetched
    assert (await desk.get(f"/appeals/{appeal_id}/files/9")).status_code == 404
    assert (await desk.get(f"/appeals/{appeal_id + 1}/files/0")).status_code == 404
    async with harness.app.sessionmaker() as session:
        looks = list(
            await session.scalars(
                select(StaffAuditRow.detail).where(StaffAuditRow.action == "view")
            )
        )
    assert looks == ["file 0", "file 1"]


async def test_a_logged_out_request_gets_no_file(
    anonymous: DeskClient, filed: tuple[Person, int], harness: BotHarness
) -> None:
    _, appeal_id = filed
    await _attach(harness, appeal_id, name="", kind="photo", mime="", data=PNG, unique="p1")
    response = await anonymous.get(f"/appeals/{appeal_id}/files/0")
    assert response.status_code == 401
    assert response.content != PNG


async def test_a_task_is_marked_done(
    login_as: LoginAs, filed: tuple[Person, int], harness: BotHarness
) -> None:
    _, appeal_id = filed
    uow = UnitOfWork(harness.app.sessionmaker, clock=harness.app.clock)
    task = await SqlAppealTasks(uow).add(
        AppealId(appeal_id), "post", at=harness.app.clock.now(), kind="answer", text="Письмо"
    )
    await uow.commit()
    desk = await login_as(StaffRole.SPECIALIST)
    page = (await desk.get(f"/appeals/{appeal_id}")).text
    assert "Выполнено" in page
    wrong = await desk.post_form(f"/appeals/{appeal_id + 1}/tasks/{task.id}/done")
    assert wrong.status_code == 404
    done = await desk.post_form(f"/appeals/{appeal_id}/tasks/{task.id}/done")
    assert done.status_code == 303
    uow = UnitOfWork(harness.app.sessionmaker, clock=harness.app.clock)
    stored = await SqlAppealTasks(uow).get(task.id)
    await uow.rollback()
    assert stored is not None and stored.done_by == desk.user_id
    assert "выполнено" in (await desk.get(f"/appeals/{appeal_id}")).text


async def test_identity_is_refused_to_a_specialist_who_is_not_the_assignee(
    login_as: LoginAs, filed: tuple[Person, int], harness: BotHarness
) -> None:
    _, appeal_id = filed
    desk = await login_as(StaffRole.SPECIALIST)
    refused = await desk.post_form(f"/appeals/{appeal_id}/identity")
    assert refused.status_code == 403
    async with harness.app.sessionmaker() as session:
        outcomes = list(
            await session.scalars(
                select(StaffAuditRow.outcome).where(StaffAuditRow.action == "identity")
            )
        )
    assert outcomes == ["refused"]
    head = await login_as(StaffRole.HEAD)
    not_kept = await head.post_form(f"/appeals/{appeal_id}/identity")
    assert not_kept.status_code == 409  # no ПП 55 data with this appeal
