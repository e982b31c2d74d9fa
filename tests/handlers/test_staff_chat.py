"""The staff chat (SPEC §3) through the real dispatcher: cards, actions, relay both ways,
who may act, the survey. The outbox is delivered by `harness.deliver()`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from aiogram.methods import (
    AnswerCallbackQuery,
    CopyMessage,
    CreateForumTopic,
    EditMessageText,
    SendMessage,
    SendPhoto,
    TelegramMethod,
)
from aiogram.types import Message
from sqlalchemy import func, select

from bot.settings import Settings
from core.texts import Texts
from domain.appeals import AppealStatus
from domain.clock import FixedClock
from domain.content import ContentLibrary
from storage.models import AppealRow, StaffAuditRow
from tests.fakes import inline_buttons, texts_of
from tests.handlers.signing import signing_department
from tests.handlers.test_appeal_dialog import _file_one, _linked, _photo
from tests.harness import STAFF_CHAT_ID, BotHarness, Person, StaffPerson

pytestmark = pytest.mark.usefixtures("registry")

PROFILE = "/profile Петрова Анна Сергеевна; ведущий специалист; +7 831 000-00-01; petrova@vyksa.ru"


@pytest_asyncio.fixture
async def harness(
    engine: Any, settings: Settings, clock: FixedClock, texts: Texts, content: ContentLibrary
) -> AsyncIterator[BotHarness]:
    staff_settings = settings.with_values(staff_chat_id=STAFF_CHAT_ID)
    bot_harness = await BotHarness.start(staff_settings, clock=clock, texts=texts, content=content)
    yield bot_harness
    await bot_harness.close()


def _group_messages(calls: list[TelegramMethod[Any]]) -> list[SendMessage]:
    return [c for c in calls if isinstance(c, SendMessage) and int(c.chat_id) == STAFF_CHAT_ID]


def _card(harness: BotHarness) -> Message:
    """The last card the bot posted (a group message with the card's buttons)."""
    for call, result in zip(
        reversed(harness.last_calls), reversed(harness.last_results), strict=True
    ):
        if (
            isinstance(call, SendMessage)
            and int(call.chat_id) == STAFF_CHAT_ID
            and any(data.startswith("sa:take") for _, data in inline_buttons(call))
        ):
            assert isinstance(result, Message)
            return result
    raise AssertionError("no card was posted")


async def _status(harness: BotHarness) -> AppealStatus:
    async with harness.app.sessionmaker() as session:
        return AppealStatus(str(await session.scalar(select(AppealRow.status))))


async def _filed(harness: BotHarness, texts: Texts) -> tuple[Person, Message]:
    person = await _linked(harness, texts)
    await _file_one(person, texts)
    calls = await harness.deliver()
    cards = _group_messages(calls)
    assert len(cards) == 1
    return person, _card(harness)


async def _with_profile(harness: BotHarness, user_id: int = 8_000_001) -> StaffPerson:
    """A staff member who can sign answers: a full profile, in a department with a signing
    head (§15.5)."""
    staff = harness.staff(user_id)
    await staff.send(PROFILE)
    await harness.deliver()
    await signing_department(harness.app, user_id)
    return staff


async def _register_offline(
    harness: BotHarness,
    texts: Texts,
    staff: StaffPerson,
    *,
    form: str,
    channel: str,
    contact: str,
    kind: str,
    subject: str,
    text: str,
    name: str = "Сидоров Пётр Ильич",
    received: str = "сегодня",
) -> Message:
    """/register of an appeal received (`received`: today) by `form`, answered by
    `channel`; its card."""
    await staff.send("/register")
    await harness.deliver()
    await staff.press(texts.plain(f"staff-form-{form}").capitalize())
    await staff.send(received)
    await harness.deliver()
    await staff.send(name)
    await harness.deliver()
    await staff.press(texts.plain(f"appeal-channel-{channel}"))
    await staff.send(contact)
    await harness.deliver()
    await staff.press(texts.plain(f"appeal-kind-{kind}"))
    await harness.deliver()
    await staff.press(texts.plain(f"appeal-subject-{subject}"))
    await staff.send(text)
    await harness.deliver()
    await staff.press(texts.plain("staff-register-save"))
    await harness.deliver()
    return _card(harness)


async def test_a_new_appeal_reaches_the_staff_chat_as_a_card_with_its_buttons(
    harness: BotHarness, texts: Texts
) -> None:
    _person, card = await _filed(harness, texts)
    text = card.text or ""
    assert "ВЭ-2026-000001" in text
    assert texts.get("appeal-kind-complaint") in text
    assert texts.get("appeal-status-registered") in text
    assert "Иванова Мария Петровна" in text
    assert "24.12.2026" in text  # registered 24.11.2026, 30 calendar days
    assert [label for label, _ in _buttons(card)][:2] == [
        texts.get("staff-button-take"),
        texts.get("staff-button-assign"),
    ]


async def test_take_ask_clarify_answer_rate_closes_the_appeal(
    harness: BotHarness, texts: Texts
) -> None:
    person, card = await _filed(harness, texts)
    staff = await _with_profile(harness)

    staff.last_inline = [(label, data, card) for label, data in _buttons(card)]
    calls = await staff.press(texts.get("staff-button-take"))
    assert any(isinstance(c, AnswerCallbackQuery) for c in calls)
    assert await _status(harness) is AppealStatus.IN_PROGRESS
    delivered = await harness.deliver()
    edits = [c for c in delivered if isinstance(c, EditMessageText)]
    assert edits and texts.get("appeal-status-in_progress") in str(edits[-1].text)

    # A clarifying question: the button, then the text as the next message.
    await staff.press(texts.get("staff-button-ask"))
    await harness.deliver()
    await staff.send("Уточните, пожалуйста, номер опоры рядом с домом.")
    delivered = await harness.deliver()
    to_consumer = [
        c for c in delivered if isinstance(c, SendMessage) and c.chat_id == person.chat.id
    ]
    assert to_consumer and "номер опоры" in to_consumer[0].text
    assert await _status(harness) is AppealStatus.CLARIFICATION_REQUESTED

    # The consumer answers with a photo; it lands in the thread.
    person._remember_buttons()
    await person.press(texts.get("clarify-button"))
    await person.send(None, photo=_photo("pole"), caption="Опора № 17")
    delivered = await harness.deliver()
    # «сохранено» is queued with the addition (notifier/replies.py).
    told = [c for c in delivered if getattr(c, "chat_id", None) == person.chat.id]
    assert texts_of(told) == [texts.get("appeal-info-added", number="ВЭ-2026-000001")]
    assert any(isinstance(c, CopyMessage) for c in delivered)
    lines = [c.text for c in _group_messages(delivered)]
    assert any("Опора № 17" in line for line in lines)
    assert await _status(harness) is AppealStatus.IN_PROGRESS

    # A plain reply to the card is offered as the final answer, previewed, confirmed.
    await staff.reply(card, "Опора заменена, напряжение в норме.")
    await harness.deliver()
    await staff.press(texts.get("staff-button-send-answer"))
    delivered = await harness.deliver()
    preview = _group_messages(delivered)[-1].text
    assert "Петрова Анна Сергеевна" in preview and "+78310000001" in preview
    await staff.press(texts.get("staff-button-send-answer"))
    assert await _status(harness) is AppealStatus.ANSWERED
    delivered = await harness.deliver()
    to_consumer = [
        c for c in delivered if isinstance(c, SendMessage) and c.chat_id == person.chat.id
    ]
    answer, survey = to_consumer[0].text, to_consumer[1]
    assert "Опора заменена" in answer
    assert "Петрова Анна Сергеевна" in answer and "petrova@vyksa.ru" in answer
    assert [label for label, _ in inline_buttons(survey)] == ["1", "2", "3", "4", "5"]

    # The consumer rates 5: the appeal is closed, the card shows it and the rating.
    await person.press("5")
    assert await _status(harness) is AppealStatus.CLOSED
    delivered = await harness.deliver()
    card_edit = [c for c in delivered if isinstance(c, EditMessageText)][-1]
    assert texts.get("appeal-status-closed") in str(card_edit.text)
    assert "5 из 5" in str(card_edit.text)
    await person.press(texts.get("survey-yes"))
    await person.send("Спасибо, всё быстро!")
    delivered = await harness.deliver()
    assert any("Спасибо, всё быстро!" in c.text for c in _group_messages(delivered))


def _buttons(message: Message) -> list[tuple[str, str]]:
    markup = message.reply_markup
    assert markup is not None
    return [(b.text, b.callback_data or "") for row in markup.inline_keyboard for b in row]


async def test_a_non_member_changes_nothing_with_buttons_or_commands(
    harness: BotHarness, texts: Texts
) -> None:
    _person, card = await _filed(harness, texts)
    outsider = harness.outsider()
    outsider.last_inline = [(label, data, card) for label, data in _buttons(card)]
    for label in ("staff-button-take", "staff-button-answer", "staff-button-reject"):
        calls = await outsider.press(texts.get(label))
        refusal = [c for c in calls if isinstance(c, AnswerCallbackQuery)]
        assert refusal and refusal[0].text == texts.get("staff-only")
    for command in ("/take", "/close", "/answer Готово", "/profile X; Y; +78310000000"):
        await outsider.reply(card, command)
    assert await _status(harness) is AppealStatus.REGISTERED
    delivered = await harness.deliver()
    assert all(texts.get("staff-only") == c.text for c in _group_messages(delivered))
    async with harness.app.sessionmaker() as session:
        refused = await session.scalar(
            select(func.count())
            .select_from(StaffAuditRow)
            .where(StaffAuditRow.outcome == "refused")
        )
        assert refused == 7
        done = await session.scalar(
            select(func.count()).select_from(StaffAuditRow).where(StaffAuditRow.outcome == "done")
        )
        assert done == 0


async def test_one_gate_refuses_a_non_member_once_in_every_staff_feature(
    harness: BotHarness, texts: Texts
) -> None:
    """The gate sits on the staff chat's parent router only: a non-member's card press, /notify
    (the notices) and /register (the registration dialog) are each refused and audited once."""
    _person, card = await _filed(harness, texts)
    outsider = harness.outsider()
    outsider.last_inline = [(label, data, card) for label, data in _buttons(card)]
    calls = await outsider.press(texts.get("staff-button-take"))
    answers = [c for c in calls if isinstance(c, AnswerCallbackQuery)]
    assert [(c.text, c.show_alert) for c in answers] == [(texts.get("staff-only"), True)]
    await outsider.send("/notify tariff Новые тарифы с 1 января.")
    await outsider.send("/register")
    delivered = await harness.deliver()
    assert [c.text for c in _group_messages(delivered)] == [texts.get("staff-only")] * 2
    async with harness.app.sessionmaker() as session:
        audited = (
            await session.execute(
                select(StaffAuditRow.action, StaffAuditRow.outcome).order_by(StaffAuditRow.id)
            )
        ).all()
    assert [tuple(row) for row in audited] == [
        ("take", "refused"),
        ("/notify", "refused"),
        ("/register", "refused"),
    ]


def test_every_staff_handler_is_behind_the_gate_once_and_the_desk_behind_one_renderer() -> None:
    """aiogram runs a handler's inner middlewares from its own router and every parent: the
    parent's gate covers each child router, and none adds another."""
    from handlers import build_routers
    from handlers.errors import DomainErrors
    from handlers.staff import StaffGate

    staff_chat = next(router for router in build_routers() if router.name == "staff")
    covered: dict[str, tuple[int, int]] = {}
    for router in staff_chat.chain_tail:
        for event in ("message", "callback_query"):
            if not router.observers[event].handlers:
                continue
            above = [m for r in router.chain_head for m in r.observers[event].middleware]
            gates = sum(isinstance(m, StaffGate) for m in above)
            renderers = sum(isinstance(m, DomainErrors) for m in above)
            covered[f"{router.name} {event}"] = (gates, renderers)
    assert covered == {
        "staff_notices message": (1, 0),
        "staff_notices callback_query": (1, 0),
        "staff_questionnaires message": (1, 1),
        "staff_questionnaires callback_query": (1, 1),
        "handlers.staff.settings message": (1, 1),
        "handlers.staff.web message": (1, 1),
        "handlers.staff.office message": (1, 1),
        "handlers.staff.reports message": (1, 1),
        "handlers.staff.reports callback_query": (1, 1),
        "handlers.staff.commands message": (1, 1),
        "dialogs.registration.router message": (1, 1),
        "dialogs.registration.router callback_query": (1, 1),
        "dialogs.registration.pp55 message": (1, 1),
        "dialogs.registration.pp55 callback_query": (1, 1),
        "handlers.staff.profile message": (1, 1),
        "handlers.staff.profile callback_query": (1, 1),
        "handlers.staff.thread message": (1, 1),
        "handlers.staff.card callback_query": (1, 1),
        "handlers.staff.lookups callback_query": (1, 1),
    }


async def test_a_member_who_left_the_chat_is_refused_after_the_cache_expires(
    harness: BotHarness, texts: Texts
) -> None:
    _person, card = await _filed(harness, texts)
    staff = harness.staff()
    harness.session.members[staff.user.id] = "left"
    staff.last_inline = [(label, data, card) for label, data in _buttons(card)]
    await staff.press(texts.get("staff-button-take"))
    assert await _status(harness) is AppealStatus.REGISTERED


async def test_an_internal_note_is_never_relayed(harness: BotHarness, texts: Texts) -> None:
    person, card = await _filed(harness, texts)
    staff = await _with_profile(harness)
    await staff.reply(card, "!звонил в РЭС, ждём бригаду")
    delivered = await harness.deliver()
    assert not [c for c in delivered if getattr(c, "chat_id", None) == person.chat.id]
    async with harness.app.sessionmaker() as session:
        note = await session.scalar(
            select(StaffAuditRow.detail).where(StaffAuditRow.action == "note")
        )
    assert note == "звонил в РЭС, ждём бригаду"


async def test_answer_without_a_profile_asks_for_the_signature_first(
    harness: BotHarness, texts: Texts
) -> None:
    _person, card = await _filed(harness, texts)
    staff = harness.staff()
    await staff.reply(card, "/answer Всё сделано.")
    delivered = await harness.deliver()
    # The profile dialog starts with the name (handlers/staff/profile.py); nothing is sent.
    [asked] = [c.text for c in _group_messages(delivered)]
    assert asked.endswith(texts.get("staff-profile-ask-full-name"))
    assert await _status(harness) is AppealStatus.REGISTERED


async def test_extend_needs_a_head_and_tells_the_consumer_the_new_date(
    harness: BotHarness, texts: Texts
) -> None:
    person, card = await _filed(harness, texts)
    staff = await _with_profile(harness)
    await staff.reply(card, "/take")
    await staff.reply(card, "/extend 10 нужен выезд на место")
    delivered = await harness.deliver()
    assert any("руководитель" in c.text for c in _group_messages(delivered))
    head = harness.staff(8_000_002)
    harness.configure(admin_ids=frozenset({8_000_002}))  # a listed admin may everything
    await head.reply(card, "/extend 10 нужен выезд на место")
    delivered = await harness.deliver()
    told = [
        c.text for c in delivered if isinstance(c, SendMessage) and c.chat_id == person.chat.id
    ]
    assert told and "нужен выезд на место" in told[0]
    await head.reply(card, "/extend 5 ещё раз")
    delivered = await harness.deliver()
    assert texts.get("appeal-error-already-extended") in [
        c.text for c in _group_messages(delivered)
    ]


async def test_reject_with_a_ground_sends_the_matching_explanation(
    harness: BotHarness, texts: Texts
) -> None:
    person, card = await _filed(harness, texts)
    staff = await _with_profile(harness)
    staff.last_inline = [(label, data, card) for label, data in _buttons(card)]
    await staff.press(texts.get("staff-button-reject"))
    await harness.deliver()
    await staff.press(texts.plain("staff-ground-illegible"))
    assert await _status(harness) is AppealStatus.REJECTED
    delivered = await harness.deliver()
    told = [
        c.text for c in delivered if isinstance(c, SendMessage) and c.chat_id == person.chat.id
    ]
    assert told == [texts.get("consumer-rejected-illegible", number="ВЭ-2026-000001")]


async def test_forum_groups_get_a_topic_per_appeal_and_staff_write_in_it(
    harness: BotHarness, texts: Texts
) -> None:
    harness.session.forum = True
    person = await _linked(harness, texts)
    await _file_one(person, texts)
    delivered = await harness.deliver()
    topics = [c for c in delivered if isinstance(c, CreateForumTopic)]
    assert len(topics) == 1 and topics[0].name.startswith("ВЭ-2026-000001")
    card = _card(harness)
    assert card.message_thread_id is not None
    staff = await _with_profile(harness)
    await staff.send("/take", message_thread_id=card.message_thread_id, is_topic_message=True)
    assert await _status(harness) is AppealStatus.IN_PROGRESS


async def test_a_failed_topic_creation_falls_back_to_a_card(
    harness: BotHarness, texts: Texts
) -> None:
    from aiogram.exceptions import TelegramBadRequest
    from aiogram.methods import CreateForumTopic as Create

    harness.session.forum = True
    harness.session.failures["CreateForumTopic"] = [
        TelegramBadRequest(
            method=Create(chat_id=1, name="x"), message="Bad Request: not enough rights"
        )
    ]
    person = await _linked(harness, texts)
    await _file_one(person, texts)
    await harness.deliver()
    card = _card(harness)
    assert card.message_thread_id is None
    staff = await _with_profile(harness)
    await staff.reply(card, "/take")
    assert await _status(harness) is AppealStatus.IN_PROGRESS


async def test_attachments_are_copied_into_the_thread(harness: BotHarness, texts: Texts) -> None:
    person = await _linked(harness, texts)
    from tests.handlers.test_appeal_dialog import COMPLAINT_TEXT, _to_text_step

    await _to_text_step(person, texts)
    await person.send(COMPLAINT_TEXT)
    await person.send(None, photo=_photo("a"))
    await person.press(texts.get("appeal-attachments-done"))
    await person.press("Иванова Мария Петровна")
    await person.press(texts.get("appeal-skip"))
    await person.press(texts.get("appeal-channel-chat"))
    await person.press(texts.get("appeal-vulnerable-none"))
    await person.press(texts.get("appeal-summary-submit"))
    delivered = await harness.deliver()
    photos = [c for c in delivered if isinstance(c, SendPhoto)]
    assert len(photos) == 1 and int(photos[0].chat_id) == STAFF_CHAT_ID
    card = _card(harness)
    assert photos[0].reply_parameters is not None
    assert photos[0].reply_parameters.message_id == card.message_id
