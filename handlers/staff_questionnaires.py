"""Questionnaires from the staff chat (regulation §19.17–19.18): a button-led composer and the
results.

- `/questionnaire` asks for the title; then «➕ Шкала 1–5», «➕ Да/нет», «➕ Выбор»,
  «➕ Свободный ответ» add a question each (its text; for a choice, then its options, one a
  line), up to five; «Готово» shows every question as people will see it and the topics;
  a topic shows how many people will get it, with «Отправить» and «Отмена».
- `/questionnaire results [N]`: the recent questionnaires, or N's results per question;
  `/questionnaire close N`: no more answers.

The draft and its questions are rows (storage/questionnaires.py) from the first step; the
composer's place (which question is being typed) is the dialog state, which lives in the
database too, so a restart loses nothing. Composing, sending and closing need the role for
mass notices (MASS_NOTICE_ROLE, head unless set); every one of them, done or refused, is in
the staff audit log. Refusals are told by one renderer (handlers/errors.py `DomainErrors`),
the step staying where it was. Sending goes through the notices (services/questionnaires.py);
the notice's delivery report follows, as for /notify."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Filter, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from app.services import Services
from core.config import AppConfig
from core.texts import Texts
from domain.questionnaires import (
    MAX_OPTIONS,
    MIN_OPTIONS,
    QuestionKind,
    Questionnaire,
    check_add,
    check_sendable,
    clean_question,
)
from domain.staff import StaffAction, StaffMember
from domain.subscriptions import Topic
from handlers.errors import DomainErrors
from handlers.filters import Cmd
from handlers.notice_replies import (
    SETTLE_SECONDS,
    answer,
    argument,
    parse_id,
    report_replies,
    send,
    settle,
)
from handlers.staff.replies import reply_refusal
from notifier.notices import NoticeDesk
from notifier.questionnaire_texts import (
    QuestStaffAction,
    QuestStaffCb,
    ResultTexts,
    draft_text,
    render_question,
)

COMMANDS = ("questionnaire",)


class QuestCompose(StatesGroup):
    title = State()
    question = State()  # data: id, kind
    options = State()  # data: id, text


def _button(
    label: str, action: QuestStaffAction, qid: int, value: str = ""
) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=label, callback_data=QuestStaffCb(action=action, id=qid, value=value).pack()
    )


def _kind_key(kind: QuestionKind) -> str:
    return kind.value.replace("_", "-")


def _menu(texts: Texts, questionnaire: Questionnaire) -> InlineKeyboardMarkup:
    qid = questionnaire.id
    rows: list[list[InlineKeyboardButton]] = []
    if questionnaire.can_add():
        adds = [
            _button(
                texts.plain(f"quest-staff-add-{_kind_key(kind)}"),
                QuestStaffAction.KIND,
                qid,
                kind.value,
            )
            for kind in QuestionKind
        ]
        rows.extend([adds[:2], adds[2:]])
    last = []
    if questionnaire.questions:
        last.append(_button(texts.plain("quest-staff-done"), QuestStaffAction.DONE, qid))
    last.append(_button(texts.plain("quest-staff-cancel"), QuestStaffAction.CANCEL, qid))
    rows.append(last)
    return InlineKeyboardMarkup(inline_keyboard=rows)


def _usage(texts: Texts) -> str:
    return texts.get("quest-staff-usage")


async def cmd_questionnaire(
    message: Message,
    state: FSMContext,
    services: Services,
    texts: Texts,
    config: AppConfig,
    staff: StaffMember,
) -> None:
    words = argument(message).split()
    questionnaires = services.questionnaires
    if not words:
        await services.staff_desk.permit(staff, StaffAction.QUESTIONNAIRE_COMPOSE, detail="new")
        await state.set_state(QuestCompose.title)
        await state.set_data({})
        send(services, config, message, texts.get("quest-staff-ask-title"))
        return
    verb = words[0].lower()
    target = parse_id(words[1]) if len(words) > 1 else None
    if verb in ("results", "list") and target is None:
        send(services, config, message, ResultTexts(texts).listing(await questionnaires.recent()))
    elif verb == "results" and target is not None:
        results = await questionnaires.results(target)
        send(services, config, message, ResultTexts(texts).results(results))
    elif verb == "close" and target is not None:
        action = StaffAction.QUESTIONNAIRE_CLOSE
        await services.staff_desk.permit(staff, action, detail=f"questionnaire {target}")
        closed = await questionnaires.close(target)
        await services.staff_desk.done(staff, action, detail=f"questionnaire {target}")
        results = await questionnaires.results(closed.id)
        text = texts.get("quest-staff-closed", id=closed.id)
        send(services, config, message, f"{text}\n\n{ResultTexts(texts).results(results)}")
    else:
        send(services, config, message, _usage(texts))


async def on_title(
    message: Message,
    state: FSMContext,
    services: Services,
    texts: Texts,
    config: AppConfig,
    staff: StaffMember,
) -> None:
    questionnaire = await services.questionnaires.create(
        message.text or "", created_by=staff.user_id
    )
    await services.staff_desk.done(
        staff, StaffAction.QUESTIONNAIRE_COMPOSE, detail=f"questionnaire {questionnaire.id}"
    )
    await state.clear()
    send(
        services,
        config,
        message,
        draft_text(texts, questionnaire),
        markup=_menu(texts, questionnaire),
    )


async def on_question_text(
    message: Message,
    state: FSMContext,
    services: Services,
    texts: Texts,
    config: AppConfig,
    staff: StaffMember,
) -> None:
    data = await state.get_data()
    qid, kind = int(data.get("id") or 0), QuestionKind(str(data.get("kind")))
    text = message.text or ""
    if kind is QuestionKind.CHOICE:
        await state.set_state(QuestCompose.options)
        await state.set_data({"id": qid, "text": clean_question(text)})
        send(
            services,
            config,
            message,
            texts.get("quest-staff-ask-options", min=MIN_OPTIONS, max=MAX_OPTIONS),
        )
        return
    await _add(message, state, services, texts, config, staff, qid, kind, text, ())


async def on_options(
    message: Message,
    state: FSMContext,
    services: Services,
    texts: Texts,
    config: AppConfig,
    staff: StaffMember,
) -> None:
    data = await state.get_data()
    options = (message.text or "").splitlines()
    await _add(
        message,
        state,
        services,
        texts,
        config,
        staff,
        int(data.get("id") or 0),
        QuestionKind.CHOICE,
        str(data.get("text") or ""),
        options,
    )


async def _add(
    message: Message,
    state: FSMContext,
    services: Services,
    texts: Texts,
    config: AppConfig,
    staff: StaffMember,
    qid: int,
    kind: QuestionKind,
    text: str,
    options: list[str] | tuple[str, ...],
) -> None:
    questionnaire = await services.questionnaires.add_question(qid, kind, text, options)
    await services.staff_desk.done(
        staff,
        StaffAction.QUESTIONNAIRE_COMPOSE,
        detail=f"questionnaire {qid}: question {len(questionnaire.questions)} {kind.value}",
    )
    await state.clear()
    send(
        services,
        config,
        message,
        draft_text(texts, questionnaire),
        markup=_menu(texts, questionnaire),
    )


def _preview(texts: Texts, questionnaire: Questionnaire) -> str:
    count = len(questionnaire.questions)
    parts = [texts.get("quest-staff-preview-head")]
    parts.extend(
        render_question(
            texts, title=questionnaire.title, position=i, count=count, question=question
        )
        for i, question in enumerate(questionnaire.questions)
    )
    parts.append(texts.get("quest-staff-choose-topic"))
    return "\n\n".join(parts)


def _topics(texts: Texts, qid: int) -> InlineKeyboardMarkup:
    rows = [
        [
            _button(
                texts.plain(f"settings-topic-{topic.value}"),
                QuestStaffAction.TOPIC,
                qid,
                topic.value,
            )
        ]
        for topic in Topic
    ]
    rows.append([_button(texts.plain("quest-staff-cancel"), QuestStaffAction.CANCEL, qid)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


async def on_button(
    callback: CallbackQuery,
    callback_data: QuestStaffCb,
    state: FSMContext,
    services: Services,
    texts: Texts,
    config: AppConfig,
    notice_desk: NoticeDesk,
    staff: StaffMember,
) -> None:
    message = callback.message
    if not isinstance(message, Message):
        await answer(callback, None)
        return
    questionnaires, desk = services.questionnaires, services.staff_desk
    action, qid = callback_data.action, callback_data.id
    detail = f"questionnaire {qid}"
    if action is QuestStaffAction.SEND:
        await desk.permit(staff, StaffAction.QUESTIONNAIRE_SEND, detail=detail)
        notice_id = await questionnaires.send(qid, by=staff.user_id)
        await desk.done(
            staff, StaffAction.QUESTIONNAIRE_SEND, detail=f"{detail}: notice {notice_id}"
        )
        await settle(callback, texts.get("quest-staff-sent", id=qid, notice=notice_id))
        await answer(callback, texts.get("staff-notice-done"))
        notice_desk.report_after_commit(
            services.uow,
            notice_id,
            report_replies(texts, config, message, notice_id),
            at_most=SETTLE_SECONDS,
        )
        return
    await desk.permit(staff, StaffAction.QUESTIONNAIRE_COMPOSE, detail=detail)
    if action is QuestStaffAction.CANCEL:
        await questionnaires.cancel(qid)
        await desk.done(staff, StaffAction.QUESTIONNAIRE_CLOSE, detail=f"{detail}: cancelled")
        await state.clear()
        await settle(callback, texts.get("quest-staff-cancelled", id=qid))
        await answer(callback, None)
        return
    questionnaire = await questionnaires.get(qid)
    if action is QuestStaffAction.KIND:
        check_add(questionnaire)
        kind = QuestionKind(callback_data.value)
        await state.set_state(QuestCompose.question)
        await state.set_data({"id": qid, "kind": kind.value})
        send(services, config, message, texts.get(f"quest-staff-ask-{_kind_key(kind)}"))
    elif action is QuestStaffAction.DONE:
        check_sendable(questionnaire)
        send(services, config, message, _preview(texts, questionnaire), markup=_topics(texts, qid))
    elif action is QuestStaffAction.TOPIC:
        topic = Topic(callback_data.value)
        chosen = await questionnaires.choose_topic(qid, topic)
        audience = await questionnaires.audience_size(topic)
        markup = InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    _button(texts.plain("quest-staff-send"), QuestStaffAction.SEND, qid),
                    _button(texts.plain("quest-staff-cancel"), QuestStaffAction.CANCEL, qid),
                ]
            ]
        )
        text = texts.get(
            "quest-staff-ready",
            id=chosen.id,
            topic=texts.plain(f"settings-topic-{topic.value}"),
            count=audience,
        )
        send(services, config, message, text, markup=markup)
    await answer(callback, None)


class _NotCommand(Filter):
    """A step's answer; a command (/cancel) goes on to its own handler."""

    async def __call__(self, message: Message) -> bool:
        return not (message.text or "").startswith("/")

    def decide(self, event: object, data: dict[str, object]) -> bool | None:
        """The answer without a coroutine (bot/dispatching.py asks for it where it can)."""
        return not (event.text or "").startswith("/") if isinstance(event, Message) else None


def build_router() -> Router:
    """Staff-chat only, behind the staff gate (a child of handlers/staff/__init__.py's parent
    router, before the appeal desk, whose thread handlers would take any text)."""
    router = Router(name="staff_questionnaires")
    refusals = DomainErrors(reply_refusal)
    router.message.middleware(refusals)
    router.callback_query.middleware(refusals)
    router.message.register(cmd_questionnaire, Cmd("questionnaire"))
    step = _NotCommand()
    router.message.register(on_title, StateFilter(QuestCompose.title), step)
    router.message.register(on_question_text, StateFilter(QuestCompose.question), step)
    router.message.register(on_options, StateFilter(QuestCompose.options), step)
    router.callback_query.register(on_button, QuestStaffCb.filter())
    return router
