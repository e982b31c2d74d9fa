"""/mydata: everything stored about the person, and withdrawal of consent (152-ФЗ art. 9, 14)."""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import StrEnum
from zoneinfo import ZoneInfo

from aiogram import Router
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, Message

from app.services import Services
from core.config import AppConfig
from core.texts import Texts
from domain.ids import UserId
from domain.personal_data import PersonalRecords
from domain.questionnaires import QuestionKind
from handlers.filters import Button, Cmd
from handlers.keyboards import inline_column, main_menu
from handlers.render import answer_in_parts, local_time
from services.onboarding import PersonalData


class MyDataChoice(StrEnum):
    FILE = "file"
    WITHDRAW = "withdraw"
    WITHDRAW_YES = "withdraw-yes"
    WITHDRAW_NO = "withdraw-no"


class MyDataAction(CallbackData, prefix="mydata"):
    action: MyDataChoice


Say = Callable[..., str]
_TAGS = re.compile(r"</?[a-z]+>")


def _kwh(value_milli: int) -> str:
    whole, milli = divmod(value_milli, 1000)
    return f"{whole}.{milli:03d}".rstrip("0").rstrip(".")


def render(data: PersonalData, *, user_id: int, say: Say, zone: ZoneInfo) -> list[str]:
    """Everything stored about the person (152-ФЗ ст. 14), a line each: the chat's message
    (`say` = texts.get) and the file's text (`say` = texts.plain) are the same lines."""
    lines = [say("mydata-title"), ""]
    consent = data.consent
    if consent is None:
        lines.append(say("mydata-consent-none"))
    else:
        lines.append(
            say(
                "mydata-consent",
                decision=consent.decision.value,
                version=consent.text_version,
                date=local_time(consent.decided_at, zone),
            )
        )
    if data.consent_history:
        lines.append(say("mydata-consent-history"))
        lines += [
            say(
                "mydata-consent-event",
                decision=record.decision.value,
                version=record.text_version,
                date=local_time(record.decided_at, zone),
            )
            for record in data.consent_history
        ]
    lines.append(say("mydata-telegram-id", id=str(user_id)))
    if data.accounts:
        lines.append(say("mydata-accounts"))
        for item in data.accounts:
            address = item.account.address
            lines.append(
                say(
                    "mydata-account",
                    number=item.account.number,
                    name=item.account.full_name,
                    address=f"{address.settlement}, {address.street}, {address.house}"
                    + (f"-{address.flat}" if address.flat else ""),
                    date=local_time(item.linked_at, zone),
                )
            )
    else:
        lines.append(say("mydata-accounts-none"))
    contacts = data.contacts
    if contacts is not None:
        lines.append(
            say(
                "mydata-contacts",
                name=contacts.full_name or "—",
                phone=contacts.phone or "—",
                email=contacts.email or "—",
            )
        )
    else:
        lines.append(say("mydata-contacts-none"))
    lines += _records(data.records, say=say, zone=zone)
    lines.append(say("mydata-dialog-yes" if data.has_dialog_state else "mydata-dialog-no"))
    return lines


def _records(records: PersonalRecords, *, say: Say, zone: ZoneInfo) -> list[str]:
    lines = [say("mydata-appeals") if records.appeals else say("mydata-appeals-none")]
    lines += [
        say(
            "mydata-appeal",
            number=appeal.number,
            date=local_time(appeal.registered_at, zone),
            kind=say(f"appeal-kind-{appeal.kind}"),
            status=say(f"appeal-status-{appeal.status}"),
        )
        for appeal in records.appeals
    ]
    lines.append(say("mydata-readings") if records.readings else say("mydata-readings-none"))
    lines += [
        say(
            "mydata-reading",
            date=local_time(reading.submitted_at, zone),
            account=reading.account_number,
            serial=reading.meter_serial,
            period=reading.period,
            values=" / ".join(_kwh(value) for value in reading.values_milli),
        )
        for reading in records.readings
    ]
    lines.append(say("mydata-bookings") if records.bookings else say("mydata-bookings-none"))
    lines += [
        say(
            "mydata-booking",
            date=local_time(booking.starts_at, zone),
            topic=say(f"booking-topic-{booking.topic}"),
            status=booking.status,
            number=booking.number or "—",
            name=booking.full_name or "—",
            phone=booking.phone or "—",
        )
        for booking in records.bookings
    ]
    notices = records.notices
    if notices.stopped:
        lines.append(say("mydata-notices-stopped"))
    else:
        wanted = [
            say(f"settings-topic-{topic.value}") for topic, on in notices.topics().items() if on
        ]
        lines.append(say("mydata-notices", topic=", ".join(wanted) or "—"))
    return lines


async def _file_lines(user_id: int, services: Services, say: Say, zone: ZoneInfo) -> list[str]:
    """The files the person sent, kept in the company's storage (152-ФЗ ст. 18 ч. 5)."""
    files = await services.files.of_user(UserId(user_id))
    return [say("mydata-files", count=len(files))] + [
        say(
            "mydata-file",
            kind=say(f"mydata-file-kind-{file.kind.value}"),
            date=local_time(file.received_at, zone),
            size=str(round((file.size or 0) / 1024)),
            sha256=file.sha256 or say("mydata-file-pending"),
        )
        for file in files
    ]


async def _answer_lines(user_id: int, services: Services, say: Say, zone: ZoneInfo) -> list[str]:
    """The answers the person gave to questionnaires (handlers/questionnaire.py)."""
    answers = await services.questionnaires.answers_of(user_id)
    if not answers:
        return []
    lines = [say("mydata-questionnaires", count=len(answers))]
    for stored in answers:
        shown = stored.shown()
        if stored.question.kind is QuestionKind.YES_NO:
            shown = say("quest-yes" if shown == "yes" else "quest-no")
        lines.append(
            say(
                "mydata-questionnaire-answer",
                date=local_time(stored.answered_at, zone),
                title=stored.title,
                question=stored.question.text,
                answer=shown,
            )
        )
    return lines


async def cmd_mydata(
    message: Message, services: Services, texts: Texts, config: AppConfig
) -> None:
    assert message.from_user is not None
    user_id = message.from_user.id
    data = await services.onboarding.my_data(UserId(user_id))
    lines = render(data, user_id=user_id, say=texts.get, zone=config.zone)
    lines += await _file_lines(user_id, services, texts.get, config.zone)
    lines += await _answer_lines(user_id, services, texts.get, config.zone)
    lines += ["", texts.get("mydata-footer")]
    buttons = [(texts.get("mydata-file-button"), MyDataAction(action=MyDataChoice.FILE))]
    if data.consent is not None and data.consent.is_active:
        buttons.append(
            (texts.get("mydata-withdraw-button"), MyDataAction(action=MyDataChoice.WITHDRAW))
        )
    # Many linked accounts, appeals or readings can make it longer than one message.
    await answer_in_parts(message, "\n".join(lines), reply_markup=inline_column(buttons))


async def _send_file(
    message: Message, user_id: int, services: Services, texts: Texts, config: AppConfig
) -> None:
    """The same, as a text file the person keeps (152-ФЗ ст. 14 ч. 7)."""
    data = await services.onboarding.my_data(UserId(user_id))
    lines = render(data, user_id=user_id, say=texts.plain, zone=config.zone)
    lines += await _file_lines(user_id, services, texts.plain, config.zone)
    lines += await _answer_lines(user_id, services, texts.plain, config.zone)
    body = _TAGS.sub("", "\n".join(lines)) + "\n"
    now = local_time(services.clock.now(), config.zone)
    await message.answer_document(
        BufferedInputFile(body.encode("utf-8"), filename="mydata.txt"),
        caption=texts.get("mydata-file-caption", date=now),
    )


async def on_mydata_action(
    query: CallbackQuery,
    callback_data: MyDataAction,
    state: FSMContext,
    services: Services,
    texts: Texts,
    config: AppConfig,
) -> None:
    message = query.message
    if not isinstance(message, Message):
        await query.answer()
        return
    if callback_data.action is MyDataChoice.FILE:
        await query.answer()
        await _send_file(message, query.from_user.id, services, texts, config)
        return
    if callback_data.action is MyDataChoice.WITHDRAW:
        await query.answer()
        markup = inline_column(
            [
                (texts.get("mydata-withdraw-yes"), MyDataAction(action=MyDataChoice.WITHDRAW_YES)),
                (texts.get("mydata-withdraw-no"), MyDataAction(action=MyDataChoice.WITHDRAW_NO)),
            ]
        )
        await message.answer(texts.get("mydata-withdraw-confirm"), reply_markup=markup)
        return
    if callback_data.action is MyDataChoice.WITHDRAW_YES:
        user_id = UserId(query.from_user.id)
        result = await services.onboarding.withdraw(user_id)
        # In the same transaction: upcoming visits cancelled, their reminders dropped.
        bookings = await services.booking.forget(user_id)
        await services.subscriptions.forget(user_id)
        await services.questionnaires.forget(user_id)
        await state.clear()
        # What is kept and why, queued with the withdrawal (notifier/replies.py): a crash
        # after the commit delays it, never loses it.
        services.replies.send(
            message.chat.id,
            texts.get("mydata-withdrawn", accounts=result.accounts_unlinked, bookings=bookings),
            markup=main_menu(texts),
        )
        await query.answer()
        await message.edit_reply_markup(reply_markup=None)
        return
    await query.answer(texts.get("mydata-withdraw-kept"))
    await message.edit_reply_markup(reply_markup=None)


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_mydata, Cmd("mydata"))
    router.message.register(cmd_mydata, Button("menu-mydata"))
    router.callback_query.register(on_mydata_action, MyDataAction.filter())
    return router
