"""«Мои обращения» (SPEC §2): the person's own appeals — list, details with history and the
answer, adding information to an open appeal, reopening within the set days."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Self

from aiogram import Router
from aiogram.filters import StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from pydantic import model_validator

from app.services import Services
from core.callback_fields import Page, RowIdOrNone
from core.config import AppConfig
from core.texts import Texts
from dialogs.appeal.states import AddInformation
from domain.appeals import AppealId, AppealStatus
from domain.errors import DomainError
from domain.ids import UserId
from handlers.filters import Button, Cmd
from handlers.keyboards import dialog_nav, inline_column, main_menu
from handlers.render import answer_in_parts, error_text, local_time
from services.files import received_file
from services.ports import Attachment, MessageRef

PAGE_SIZE = 5


class MyAppealsAction(StrEnum):
    PAGE = "page"
    OPEN = "open"
    ADD = "add"
    REOPEN = "reopen"


class MyAppeals(CallbackData, prefix="ma"):
    action: MyAppealsAction
    page: Page = 1
    appeal: RowIdOrNone = 0  # every action but PAGE names an appeal

    @model_validator(mode="after")
    def _appeal_named(self) -> Self:
        if self.action is not MyAppealsAction.PAGE and not self.appeal:
            raise ValueError("this action needs an appeal")
        return self


def _day(moment: datetime, config: AppConfig) -> str:
    return moment.astimezone(config.zone).strftime("%d.%m.%Y")


async def show_page(
    message: Message,
    user_id: UserId,
    page: int,
    services: Services,
    texts: Texts,
    config: AppConfig,
) -> None:
    result = await services.appeals.mine(user_id, page=page, page_size=PAGE_SIZE)
    if not result.total:
        await message.answer(texts.get("appeals-none"))
        return
    lines = [
        texts.get("appeals-list-title", total=result.total, page=result.page, pages=result.pages)
    ]
    buttons = []
    for appeal in result.appeals:
        assert appeal.id is not None
        item = texts.get(
            "appeals-list-item",
            number=appeal.number,
            kind=texts.get(f"appeal-kind-{appeal.kind.value}"),
            status=texts.get(f"appeal-status-{appeal.status.value}"),
            due=_day(appeal.due_at, config),
        )
        lines.append(item)
        buttons.append(
            (appeal.number, MyAppeals(action=MyAppealsAction.OPEN, appeal=appeal.id, page=page))
        )
    if result.page > 1:
        buttons.append(
            (texts.get("appeals-prev"), MyAppeals(action=MyAppealsAction.PAGE, page=page - 1))
        )
    if result.page < result.pages:
        buttons.append(
            (texts.get("appeals-next"), MyAppeals(action=MyAppealsAction.PAGE, page=page + 1))
        )
    await message.answer("\n".join(lines), reply_markup=inline_column(buttons))


async def cmd_my_appeals(
    message: Message, services: Services, texts: Texts, config: AppConfig
) -> None:
    assert message.from_user is not None
    await show_page(message, UserId(message.from_user.id), 1, services, texts, config)


async def on_my_appeals(
    query: CallbackQuery,
    callback_data: MyAppeals,
    state: FSMContext,
    services: Services,
    texts: Texts,
    config: AppConfig,
) -> None:
    message = query.message
    if not isinstance(message, Message):
        await query.answer()
        return
    user_id = UserId(query.from_user.id)
    action = callback_data.action
    if action is MyAppealsAction.PAGE:
        await query.answer()
        await show_page(message, user_id, callback_data.page, services, texts, config)
        return
    appeal_id = AppealId(callback_data.appeal)
    try:
        if action is MyAppealsAction.OPEN:
            # Answered once shown: a refusal (not the person's appeal) is the only answer.
            await show_details(
                message, user_id, appeal_id, callback_data.page, services, texts, config
            )
            await query.answer()
        elif action is MyAppealsAction.ADD:
            details = await services.appeals.details(user_id, appeal_id)
            await query.answer()
            await state.set_state(AddInformation.text)
            await state.set_data({"appeal": appeal_id, "number": details.appeal.number})
            await message.answer(
                texts.get("appeal-ask-add-info", number=details.appeal.number),
                reply_markup=dialog_nav(texts, back=False),
            )
        elif action is MyAppealsAction.REOPEN:
            appeal = await services.appeals.reopen(user_id, appeal_id)
            # Queued with the change (notifier/replies.py); query.answer commits both.
            services.replies.send(
                message.chat.id, texts.get("appeal-reopened", number=appeal.number)
            )
            await query.answer()
    except DomainError as error:
        # Someone else's appeal (hand-made callback data) is "not found", like a missing one.
        await query.answer(texts.get(error.text_key, value="", date=""), show_alert=True)


async def show_details(
    message: Message,
    user_id: UserId,
    appeal_id: AppealId,
    page: int,
    services: Services,
    texts: Texts,
    config: AppConfig,
) -> None:
    details = await services.appeals.details(user_id, appeal_id)
    appeal = details.appeal
    text = appeal.text or texts.get("appeal-voice-text")
    lines = [
        texts.get(
            "appeal-details",
            number=appeal.number,
            date=_day(appeal.registered_at, config),
            kind=texts.get(f"appeal-kind-{appeal.kind.value}"),
            subject=texts.get(f"appeal-subject-{appeal.subject.value}"),
            status=texts.get(f"appeal-status-{appeal.status.value}"),
            due=_day(appeal.due_at, config),
            text=text if len(text) <= 1500 else text[:1500] + "…",
            files=len(details.attachments),
        ),
        "",
        texts.get("appeal-details-history"),
    ]
    for event in details.history[-15:]:
        reason = f": {event.reason[:200]}" if event.reason else ""
        lines.append(
            texts.get(
                "appeal-history-line",
                date=local_time(event.at, config.zone),
                action=texts.get(f"appeal-action-{event.action.value}"),
                reason=reason,
            )
        )
    if appeal.answer_text:
        lines += ["", texts.get("appeal-details-answer", answer=appeal.answer_text[:2000])]
    buttons = []
    assert appeal.id is not None
    if appeal.is_open:
        buttons.append(
            (
                texts.get("appeal-add-info-button"),
                MyAppeals(action=MyAppealsAction.ADD, appeal=appeal.id, page=page),
            )
        )
    if appeal.status in {AppealStatus.ANSWERED, AppealStatus.CLOSED}:
        buttons.append(
            (
                texts.get("appeal-reopen-button"),
                MyAppeals(action=MyAppealsAction.REOPEN, appeal=appeal.id, page=page),
            )
        )
    buttons.append(
        (texts.get("appeal-back-to-list"), MyAppeals(action=MyAppealsAction.PAGE, page=page))
    )
    # The text, the history and the answer can together be longer than one message.
    await answer_in_parts(message, "\n".join(lines), reply_markup=inline_column(buttons))


async def on_information(
    message: Message, state: FSMContext, services: Services, texts: Texts
) -> None:
    assert message.from_user is not None
    data = await state.get_data()
    attachments: list[Attachment] = []
    if message.photo:
        photo = message.photo[-1]
        attachments.append(
            Attachment("photo", photo.file_id, photo.file_unique_id, size=photo.file_size)
        )
    elif message.document:
        document = message.document
        attachments.append(
            Attachment(
                "document",
                document.file_id,
                document.file_unique_id,
                document.file_name or "",
                document.mime_type or "",
                document.file_size,
            )
        )
    text = (message.text or message.caption or "").strip()
    if not text and not attachments:
        await message.answer(texts.get("appeal-dialog-text-expected"))
        return
    try:
        # Kept in the company's storage too (152-ФЗ ст. 18 ч. 5, services/files.py); a file
        # too large or of a refused type is refused and the step stays open for another.
        for item in attachments:
            await services.files.take(received_file(item), user_id=UserId(message.chat.id))
    except DomainError as error:
        await message.answer(error_text(texts, error))
        return
    album = message.media_group_id
    # Telegram delivers an album as one message per file: the first is answered, the rest
    # of the same album are added quietly (the step stays open for them).
    further_part = album is not None and data.get("album") == album
    try:
        await services.appeals.add_information(
            UserId(message.from_user.id),
            AppealId(int(data["appeal"])),
            text=text,
            attachments=attachments,
            # Staff see the file itself in the appeal's thread; a text is in the event line.
            copies=[MessageRef(message.chat.id, message.message_id)] if attachments else [],
        )
    except DomainError as error:
        await state.clear()
        await message.answer(
            texts.get(error.text_key, value=str(getattr(error, "limit", "")), date=""),
            reply_markup=main_menu(texts),
        )
        return
    if further_part:
        return
    if album is not None:
        await state.update_data(album=album)
    else:
        await state.clear()
    # Queued with the addition (notifier/replies.py): a crash after the commit delays it.
    services.replies.send(
        message.chat.id,
        texts.get("appeal-info-added", number=str(data.get("number", ""))),
        markup=main_menu(texts),
    )


async def reask(message: Message, state: FSMContext, texts: Texts) -> None:
    """Ask for the addition again (after a restart, handlers/resume.py)."""
    data = await state.get_data()
    await message.answer(
        texts.get("appeal-ask-add-info", number=str(data.get("number", ""))),
        reply_markup=dialog_nav(texts, back=False),
    )


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_my_appeals, Cmd("appeals"))
    router.message.register(cmd_my_appeals, Button("menu-my-appeals"))
    router.callback_query.register(on_my_appeals, MyAppeals.filter())
    return router


def build_steps_router() -> Router:
    """The addition a person types or sends (see handlers.build_routers)."""
    steps = Router(name=f"{__name__}.steps")
    steps.message.filter(StateFilter(AddInformation.text))
    steps.message.register(on_information)
    return steps
