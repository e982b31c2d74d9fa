"""/mydata: everything stored about the person, and withdrawal of consent (152-ФЗ art. 9, 14)."""

from __future__ import annotations

from enum import StrEnum

from aiogram import Router
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from app.services import Services
from core.config import AppConfig
from core.texts import Texts
from domain.ids import UserId
from handlers.filters import Button, Cmd
from handlers.keyboards import inline_column, main_menu
from handlers.render import answer_in_parts, local_time


class MyDataChoice(StrEnum):
    WITHDRAW = "withdraw"
    WITHDRAW_YES = "withdraw-yes"
    WITHDRAW_NO = "withdraw-no"


class MyDataAction(CallbackData, prefix="mydata"):
    action: MyDataChoice


async def cmd_mydata(
    message: Message, services: Services, texts: Texts, config: AppConfig
) -> None:
    assert message.from_user is not None
    data = await services.onboarding.my_data(UserId(message.from_user.id))
    lines = [texts.get("mydata-title"), ""]
    consent = data.consent
    if consent is None:
        lines.append(texts.get("mydata-consent-none"))
    else:
        lines.append(
            texts.get(
                "mydata-consent",
                decision=consent.decision.value,
                version=consent.text_version,
                date=local_time(consent.decided_at, config.zone),
            )
        )
    lines.append(texts.get("mydata-telegram-id", id=str(message.from_user.id)))
    if data.accounts:
        lines.append(texts.get("mydata-accounts"))
        for item in data.accounts:
            address = item.account.address
            lines.append(
                texts.get(
                    "mydata-account",
                    number=item.account.number,
                    name=item.account.full_name,
                    address=f"{address.settlement}, {address.street}, {address.house}"
                    + (f"-{address.flat}" if address.flat else ""),
                    date=local_time(item.linked_at, config.zone),
                )
            )
    else:
        lines.append(texts.get("mydata-accounts-none"))
    contacts = data.contacts
    if contacts is not None:
        lines.append(
            texts.get(
                "mydata-contacts",
                name=contacts.full_name or "—",
                phone=contacts.phone or "—",
                email=contacts.email or "—",
            )
        )
    else:
        lines.append(texts.get("mydata-contacts-none"))
    lines.append(texts.get("mydata-dialog-yes" if data.has_dialog_state else "mydata-dialog-no"))
    # Files sent to the bot, kept in the company's storage (152-ФЗ ст. 18 ч. 5).
    files = await services.files.of_user(UserId(message.from_user.id))
    lines.append(texts.get("mydata-files", count=len(files)))
    for file in files:
        lines.append(
            texts.get(
                "mydata-file",
                kind=texts.get(f"mydata-file-kind-{file.kind.value}"),
                date=local_time(file.received_at, config.zone),
                size=str(round((file.size or 0) / 1024)),
                sha256=file.sha256 or texts.get("mydata-file-pending"),
            )
        )
    lines.append("")
    lines.append(texts.get("mydata-footer"))
    markup = None
    if consent is not None and consent.is_active:
        markup = inline_column(
            [(texts.get("mydata-withdraw-button"), MyDataAction(action=MyDataChoice.WITHDRAW))]
        )
    # Many linked accounts can make it longer than one message.
    await answer_in_parts(message, "\n".join(lines), reply_markup=markup)


async def on_mydata_action(
    query: CallbackQuery,
    callback_data: MyDataAction,
    state: FSMContext,
    services: Services,
    texts: Texts,
) -> None:
    message = query.message
    if not isinstance(message, Message):
        await query.answer()
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
