"""The appeal page and its actions, through StaffDesk: what the chat's card shows, the
refusals by role, and the staff chat's card and the consumer's chat updated through the
outbox as if the action was done in the chat."""

from __future__ import annotations

import re
from typing import Any

import pytest
from aiogram.methods import EditMessageText, SendMessage, TelegramMethod
from sqlalchemy import select

from domain.appeals import AppealStatus
from domain.staff import StaffRole
from storage.models import AppealRow, StaffAuditRow
from tests.handlers.signing import signing_department
from tests.harness import STAFF_CHAT_ID, BotHarness, Person
from tests.web.conftest import ROLE_IDS, DeskClient, LoginAs

pytestmark = pytest.mark.usefixtures("registry")

Filed = tuple[Person, int]


async def _status(harness: BotHarness, appeal_id: int) -> AppealStatus:
    async with harness.app.sessionmaker() as session:
        value = await session.scalar(select(AppealRow.status).where(AppealRow.id == appeal_id))
    return AppealStatus(str(value))


async def _audit(harness: BotHarness, action: str) -> list[tuple[int, str, str]]:
    async with harness.app.sessionmaker() as session:
        rows = await session.execute(
            select(StaffAuditRow.user_id, StaffAuditRow.outcome, StaffAuditRow.detail).where(
                StaffAuditRow.action == action
            )
        )
        return [(int(r.user_id), r.outcome, r.detail) for r in rows]


def _texts_to(calls: list[TelegramMethod[Any]], chat_id: int) -> list[str]:
    return [
        str(call.text)
        for call in calls
        if isinstance(call, SendMessage | EditMessageText) and int(call.chat_id or 0) == chat_id
    ]


async def test_the_page_shows_the_card_without_contacts_until_asked(
    login_as: LoginAs, filed: Filed, harness: BotHarness
) -> None:
    _, appeal_id = filed
    desk = await login_as(StaffRole.SPECIALIST)
    page = await desk.get(f"/appeals/{appeal_id}")
    assert page.status_code == 200
    assert "Иванова Мария Петровна" not in page.text
    assert "Показать контакты" in page.text
    assert "Взять в работу" in page.text
    assert "Карточка" in page.text and "История" in page.text and "Журнал действий" in page.text
    shown = await desk.post_form(f"/appeals/{appeal_id}/contacts")
    assert shown.status_code == 200
    assert "Иванова Мария Петровна" in shown.text
    assert await _audit(harness, "contacts") == [(ROLE_IDS[StaffRole.SPECIALIST], "done", "")]


async def test_an_unknown_appeal_is_not_found(login_as: LoginAs, filed: Filed) -> None:
    desk = await login_as(StaffRole.HEAD)
    assert (await desk.get("/appeals/999999")).status_code == 404
    assert (await desk.post_form("/appeals/999999/take")).status_code == 404


async def test_a_logged_out_request_sees_no_appeal(anonymous: DeskClient, filed: Filed) -> None:
    _, appeal_id = filed
    page = await anonymous.get(f"/appeals/{appeal_id}")
    assert page.status_code == 401
    assert "Мария" not in page.text
    assert (await anonymous.post(f"/appeals/{appeal_id}/take", data={})).status_code == 403


async def test_take_updates_the_staff_card_through_the_outbox(
    login_as: LoginAs, filed: Filed, harness: BotHarness
) -> None:
    _, appeal_id = filed
    desk = await login_as(StaffRole.SPECIALIST)
    done = await desk.post_form(f"/appeals/{appeal_id}/take")
    assert done.status_code == 303
    assert done.headers["location"].endswith(f"/appeals/{appeal_id}?done=take")
    assert await _status(harness, appeal_id) is AppealStatus.IN_PROGRESS
    card = _texts_to(await harness.deliver(), STAFF_CHAT_ID)
    assert any("в работе" in text and "Петрова Анна Сергеевна" in text for text in card)
    page = await desk.get(done.headers["location"])
    assert "Обращение взято в работу." in page.text


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("assign", {"assignee_id": str(ROLE_IDS[StaffRole.SPECIALIST])}),
        ("extend", {"days": "5", "reason": "нужен выезд на место"}),
        ("forward", {"where": "в администрацию района"}),
    ],
)
async def test_a_specialist_is_refused_head_actions(
    login_as: LoginAs, filed: Filed, harness: BotHarness, action: str, data: dict[str, str]
) -> None:
    _, appeal_id = filed
    desk = await login_as(StaffRole.SPECIALIST)
    page = (await desk.get(f"/appeals/{appeal_id}")).text
    assert f'action="http://desk.test/appeals/{appeal_id}/{action}"' not in page
    assert "Только руководителю: назначить исполнителя" in page
    refused = await desk.post_form(f"/appeals/{appeal_id}/{action}", data)
    assert refused.status_code == 403
    assert "руководител" in refused.text
    assert await _status(harness, appeal_id) is AppealStatus.REGISTERED
    assert [outcome for _, outcome, _ in await _audit(harness, action)] == ["refused"]


async def test_a_head_assigns_extends_and_forwards(
    login_as: LoginAs, filed: Filed, harness: BotHarness
) -> None:
    _, appeal_id = filed
    specialist = await login_as(StaffRole.SPECIALIST)
    head = await login_as(StaffRole.HEAD)
    assigned = await head.post_form(
        f"/appeals/{appeal_id}/assign", {"assignee_id": str(specialist.user_id)}
    )
    assert assigned.status_code == 303
    assert await _status(harness, appeal_id) is AppealStatus.ASSIGNED
    extended = await head.post_form(
        f"/appeals/{appeal_id}/extend", {"days": "5", "reason": "нужен выезд на место"}
    )
    assert extended.status_code == 303
    again = await head.post_form(
        f"/appeals/{appeal_id}/extend", {"days": "5", "reason": "ещё раз"}
    )
    assert again.status_code == 409  # 59-ФЗ: once
    forwarded = await head.post_form(
        f"/appeals/{appeal_id}/forward", {"where": "в администрацию района"}
    )
    assert forwarded.status_code == 303
    assert await _status(harness, appeal_id) is AppealStatus.FORWARDED
    consumer = _texts_to(await harness.deliver(), 7_000_001)
    assert any("администрацию района" in text for text in consumer)


async def test_a_question_reaches_the_consumer(
    login_as: LoginAs, filed: Filed, harness: BotHarness
) -> None:
    _, appeal_id = filed
    desk = await login_as(StaffRole.SPECIALIST)
    await signing_department(harness.app, desk.user_id)
    harness.session.take()
    asked = await desk.post_form(f"/appeals/{appeal_id}/ask", {"question": "Укажите адрес"})
    assert asked.status_code == 303
    assert await _status(harness, appeal_id) is AppealStatus.CLARIFICATION_REQUESTED
    assert any("Укажите адрес" in t for t in _texts_to(await harness.deliver(), 7_000_001))
    page = (await desk.get(f"/appeals/{appeal_id}")).text
    assert "Укажите адрес" in page  # in the thread


async def test_an_answer_reaches_the_consumer_and_the_card_says_so(
    login_as: LoginAs, filed: Filed, harness: BotHarness
) -> None:
    _, appeal_id = filed
    desk = await login_as(StaffRole.SPECIALIST)
    await signing_department(harness.app, desk.user_id)
    await desk.post_form(f"/appeals/{appeal_id}/take")
    page = (await desk.get(f"/appeals/{appeal_id}")).text
    assert "Смирнов Олег Иванович" in page  # the signature preview: the signing head
    answered = await desk.post_form(
        f"/appeals/{appeal_id}/answer", {"text": "Напряжение восстановлено 3 декабря."}
    )
    assert answered.status_code == 303
    assert await _status(harness, appeal_id) is AppealStatus.ANSWERED
    calls = await harness.deliver()
    assert any("Напряжение восстановлено" in t for t in _texts_to(calls, 7_000_001))
    # The card's status (appeal-status-answered); the issue words it «ответ дан».
    assert any("дан ответ" in t for t in _texts_to(calls, STAFF_CHAT_ID))


async def test_an_answer_without_a_signature_is_refused_with_the_chat_s_words(
    login_as: LoginAs, filed: Filed, harness: BotHarness
) -> None:
    _, appeal_id = filed
    desk = await login_as(StaffRole.SPECIALIST)
    await desk.post_form(f"/appeals/{appeal_id}/take")
    refused = await desk.post_form(f"/appeals/{appeal_id}/answer", {"text": "Ответ"})
    assert refused.status_code == 409
    assert await _status(harness, appeal_id) is AppealStatus.IN_PROGRESS
    empty = await desk.post_form(f"/appeals/{appeal_id}/answer", {"text": "   "})
    assert empty.status_code == 409


async def test_reject_with_a_ground_and_close(
    login_as: LoginAs, filed: Filed, harness: BotHarness
) -> None:
    _, appeal_id = filed
    desk = await login_as(StaffRole.SPECIALIST)
    rejected = await desk.post_form(
        f"/appeals/{appeal_id}/reject", {"ground": "obscene_or_threats"}
    )
    assert rejected.status_code == 303
    assert await _status(harness, appeal_id) is AppealStatus.REJECTED
    head_only = await desk.post_form(
        f"/appeals/{appeal_id}/reject", {"ground": "repeat_without_new_arguments"}
    )
    assert head_only.status_code in (403, 409)
    bad = await desk.post_form(f"/appeals/{appeal_id}/reject", {"ground": "whatever"})
    assert bad.status_code == 422
    assert "Неверные данные" in bad.text
    closed = await desk.post_form(f"/appeals/{appeal_id}/close")
    assert closed.status_code in (303, 409)


async def test_a_note_is_in_the_thread_and_never_reaches_the_consumer(
    login_as: LoginAs, filed: Filed, harness: BotHarness
) -> None:
    _, appeal_id = filed
    desk = await login_as(StaffRole.SPECIALIST)
    harness.session.take()
    noted = await desk.post_form(f"/appeals/{appeal_id}/note", {"text": "Позвонить в РЭС"})
    assert noted.status_code == 303
    page = (await desk.get(f"/appeals/{appeal_id}")).text
    assert "Позвонить в РЭС" in page and "внутренняя заметка" in page
    assert not any("РЭС" in t for t in _texts_to(await harness.deliver(), 7_000_001))


async def test_htmx_actions_carry_the_token_in_a_header(
    login_as: LoginAs, filed: Filed, harness: BotHarness
) -> None:
    _, appeal_id = filed
    desk = await login_as(StaffRole.SPECIALIST)
    done = await desk.post_htmx(f"/appeals/{appeal_id}/take")
    assert done.status_code == 303
    without = await desk.post(f"/appeals/{appeal_id}/close", headers={"HX-Request": "true"})
    assert without.status_code == 403
    assert await _status(harness, appeal_id) is AppealStatus.IN_PROGRESS


async def test_the_page_has_no_inline_script_or_style(login_as: LoginAs, filed: Filed) -> None:
    _, appeal_id = filed
    desk = await login_as(StaffRole.HEAD)
    page = (await desk.get(f"/appeals/{appeal_id}")).text
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)
    assert " style=" not in page and "<style" not in page
    assert not re.search(r"<[^>]*\son[a-z]+=", page)  # no event handler attributes
    assert "hx-on" not in page


async def test_the_card_look_ups_list_other_appeals_and_readings_audited(
    login_as: LoginAs, filed: Filed, harness: BotHarness
) -> None:
    _, appeal_id = filed
    desk = await login_as(StaffRole.SPECIALIST)
    others = await desk.post_form(f"/appeals/{appeal_id}/others")
    assert others.status_code == 200
    assert "Другие обращения заявителя" in others.text and "Других обращений нет." in others.text
    readings = await desk.post_form(f"/appeals/{appeal_id}/readings")
    assert readings.status_code == 200
    assert "Показания по лицевому счёту" in readings.text
    details = sorted(detail for _, _, detail in await _audit(harness, "view"))
    assert details == ["other appeals", "readings"]
    page = (await desk.get(f"/appeals/{appeal_id}")).text
    assert "просмотр (other appeals)" in page  # the audit, in Russian where it has words


async def test_register_4_9_measures_are_saved_as_the_chat_s_commands_save_them(
    login_as: LoginAs, filed: Filed, harness: BotHarness
) -> None:
    _, appeal_id = filed
    desk = await login_as(StaffRole.SPECIALIST)
    harness.session.take()
    saved = await desk.post_form(
        f"/appeals/{appeal_id}/measures",
        {
            "measures_taken": "  Заменена опора № 17  ",
            "measures_planned": "Замена провода в 2027 году",
            "contract": "yes",
        },
    )
    assert saved.status_code == 303
    assert saved.headers["location"].endswith(f"/appeals/{appeal_id}?done=measures")
    async with harness.app.sessionmaker() as session:
        row = (
            await session.execute(select(AppealRow).where(AppealRow.id == appeal_id))
        ).scalar_one()
    assert (row.measures_taken, row.measures_planned, row.contract_concluded) == (
        "Заменена опора № 17",
        "Замена провода в 2027 году",
        True,
    )
    assert await _audit(harness, "measures") == [(ROLE_IDS[StaffRole.SPECIALIST], "done", "web")]
    # The staff chat's card is edited, as after /measures.
    assert any("Заменена опора" in t for t in _texts_to(await harness.deliver(), STAFF_CHAT_ID))
    page = (await desk.get(saved.headers["location"])).text
    assert "Меры по обращению сохранены." in page and "Заменена опора № 17" in page
    # Too long: refused with a message, nothing stored.
    too_long = await desk.post_form(
        f"/appeals/{appeal_id}/measures", {"measures_taken": "я" * 2001, "contract": "no"}
    )
    assert too_long.status_code == 409
    async with harness.app.sessionmaker() as session:
        kept = await session.scalar(
            select(AppealRow.measures_taken).where(AppealRow.id == appeal_id)
        )
    assert kept == "Заменена опора № 17"


async def test_a_two_page_answer_pasted_in_the_browser_reaches_the_consumer_whole(
    login_as: LoginAs, filed: Filed, harness: BotHarness
) -> None:
    """A specialist pastes a long answer (over Telegram's 4 096 characters): it is stored
    whole and reaches the consumer in full, in as many messages as it takes."""
    _, appeal_id = filed
    desk = await login_as(StaffRole.SPECIALIST)
    await signing_department(harness.app, desk.user_id)
    await desk.post_form(f"/appeals/{appeal_id}/take")
    paragraphs = [
        f"{n}. По результатам проверки на ТП-{n} выполнены работы по замене вводов и "
        "регулировке напряжения; замеры показали норму по ГОСТ 32144-2013." * 2
        for n in range(1, 31)
    ]
    text = "\n\n".join(paragraphs)
    assert len(text) > 6000
    answered = await desk.post_form(f"/appeals/{appeal_id}/answer", {"text": text})
    assert answered.status_code == 303
    async with harness.app.sessionmaker() as session:
        stored = await session.scalar(
            select(AppealRow.answer_text).where(AppealRow.id == appeal_id)
        )
    assert stored == text
    sent = "\n".join(_texts_to(await harness.deliver(), 7_000_001))
    for n in (1, 15, 30):
        assert f"на ТП-{n} выполнены" in sent
