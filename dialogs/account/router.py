"""Linking personal accounts: list, link (account number → surname or meter serial), unlink."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from typing import Self

from aiogram import Router
from aiogram.filters import StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from pydantic import model_validator

from bot.callback_fields import AccountNumberText
from bot.container import AppConfig, Services
from bot.texts import Texts
from dialogs.account.states import LinkAccount
from domain.accounts import Account, mask_name
from domain.errors import (
    AccountAlreadyLinked,
    AccountNotLinked,
    ConsentRequired,
    DomainError,
    InvalidAccountNumber,
    LinkRefused,
    TooManyAccounts,
    TooManyLinkAttempts,
)
from domain.ids import UserId
from handlers.filters import Button, Cmd, HasText, NoText
from handlers.keyboards import dialog_nav, inline_column, main_menu
from handlers.render import local_time
from handlers.start import ConsentAction, ConsentChoice


class AccountChoice(StrEnum):
    LINK = "link"
    UNLINK = "unlink"
    UNLINK_YES = "unlink-yes"
    UNLINK_NO = "unlink-no"


class AccountAction(CallbackData, prefix="acc"):
    action: AccountChoice
    number: AccountNumberText = ""  # every action but LINK names the account

    @model_validator(mode="after")
    def _number_named(self) -> Self:
        if self.action is not AccountChoice.LINK and not self.number:
            raise ValueError("this action needs an account number")
        return self


def _address(account: Account) -> str:
    address = account.address
    parts = [address.settlement, address.street, address.house]
    if address.flat:
        parts[-1] = f"{address.house}-{address.flat}"
    return ", ".join(parts)


def accounts_keyboard(numbers: list[str], texts: Texts) -> InlineKeyboardMarkup:
    buttons: list[tuple[str, CallbackData]] = [
        (
            texts.get("accounts-unlink-button", number=number),
            AccountAction(action=AccountChoice.UNLINK, number=number),
        )
        for number in numbers
    ]
    buttons.append((texts.get("accounts-link-button"), AccountAction(action=AccountChoice.LINK)))
    return inline_column(buttons)


@lru_cache(maxsize=8)
def consent_needed_keyboard(texts: Texts) -> InlineKeyboardMarkup:
    return inline_column(
        [(texts.get("consent-show-button"), ConsentChoice(action=ConsentAction.SHOW))]
    )


async def cmd_accounts(message: Message, services: Services, texts: Texts) -> None:
    assert message.from_user is not None
    user_id = UserId(message.from_user.id)
    if not await services.onboarding.has_consent(user_id):
        await message.answer(
            texts.get("consent-required"), reply_markup=consent_needed_keyboard(texts)
        )
        return
    linked = await services.accounts.linked(user_id)
    if not linked:
        await message.answer(texts.get("accounts-none"), reply_markup=accounts_keyboard([], texts))
        return
    lines = [
        texts.get(
            "accounts-item",
            number=item.account.number,
            name=item.account.full_name,
            address=_address(item.account),
        )
        for item in linked
    ]
    await message.answer(
        texts.get("accounts-list") + "\n\n" + "\n".join(lines),
        reply_markup=accounts_keyboard([item.account.number for item in linked], texts),
    )


async def on_account_action(
    query: CallbackQuery,
    callback_data: AccountAction,
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
    if action is AccountChoice.LINK:
        await query.answer()
        await start_linking(message, user_id, state, services, texts, config)
    elif action is AccountChoice.UNLINK:
        await query.answer()
        number = callback_data.number
        markup = inline_column(
            [
                (
                    texts.get("accounts-unlink-yes"),
                    AccountAction(action=AccountChoice.UNLINK_YES, number=number),
                ),
                (
                    texts.get("accounts-unlink-no"),
                    AccountAction(action=AccountChoice.UNLINK_NO, number=number),
                ),
            ]
        )
        await message.answer(
            texts.get("accounts-unlink-confirm", number=number), reply_markup=markup
        )
    elif action is AccountChoice.UNLINK_YES:
        try:
            await services.accounts.unlink(user_id, callback_data.number)
        except (AccountNotLinked, InvalidAccountNumber):
            await query.answer(texts.get("unlink-not-linked"), show_alert=True)
            return
        await query.answer()
        await message.edit_reply_markup(reply_markup=None)
        await message.answer(texts.get("accounts-unlinked", number=callback_data.number))
    else:
        await query.answer(texts.get("accounts-unlink-kept"))
        await message.edit_reply_markup(reply_markup=None)


async def start_linking(
    message: Message,
    user_id: UserId,
    state: FSMContext,
    services: Services,
    texts: Texts,
    config: AppConfig,
) -> None:
    try:
        await services.accounts.ensure_may_try(user_id)
    except ConsentRequired:
        await message.answer(
            texts.get("consent-required"), reply_markup=consent_needed_keyboard(texts)
        )
        return
    except TooManyLinkAttempts as blocked:
        await message.answer(
            texts.get("link-too-many", time=local_time(blocked.retry_at, config.zone))
        )
        return
    await state.set_state(LinkAccount.number)
    await message.answer(texts.get("link-ask-number"), reply_markup=dialog_nav(texts))


async def on_back(message: Message, state: FSMContext, texts: Texts) -> None:
    if await state.get_state() == LinkAccount.second_factor.state:
        data = await state.get_data()
        await state.set_state(LinkAccount.number)
        await message.answer(
            texts.get("link-ask-number-again", number=str(data.get("number", ""))),
            reply_markup=dialog_nav(texts),
        )
        return
    await state.clear()
    await message.answer(texts.get("cancel-done"), reply_markup=main_menu(texts))


async def on_number(message: Message, state: FSMContext, services: Services, texts: Texts) -> None:
    assert message.text is not None
    try:
        number = services.accounts.parse_number(message.text)
    except InvalidAccountNumber:
        await message.answer(texts.get("link-account-invalid"))
        return
    await state.update_data(number=number)
    await state.set_state(LinkAccount.second_factor)
    await message.answer(
        texts.get("link-ask-factor", number=number), reply_markup=dialog_nav(texts)
    )


async def on_second_factor(
    message: Message,
    state: FSMContext,
    services: Services,
    texts: Texts,
    config: AppConfig,
) -> None:
    assert message.text is not None
    assert message.from_user is not None
    data = await state.get_data()
    number = str(data.get("number", ""))
    if not number:
        # Dialog data lost (e.g. erased by consent withdrawal elsewhere): ask again.
        await state.set_state(LinkAccount.number)
        await message.answer(texts.get("link-ask-number"), reply_markup=dialog_nav(texts))
        return
    try:
        account = await services.accounts.link(
            UserId(message.from_user.id), number=number, second_factor=message.text
        )
    except LinkRefused as refused:
        await message.answer(texts.get("link-failed", left=refused.attempts_left))
        return
    except TooManyLinkAttempts as blocked:
        await state.clear()
        await message.answer(
            texts.get("link-too-many", time=local_time(blocked.retry_at, config.zone)),
            reply_markup=main_menu(texts),
        )
        return
    except (AccountAlreadyLinked, TooManyAccounts, ConsentRequired) as error:
        await state.clear()
        await message.answer(texts.get(error.text_key), reply_markup=main_menu(texts))
        return
    except DomainError as error:
        await message.answer(texts.get(error.text_key))
        return
    await state.clear()
    # Queued with the link (notifier/replies.py): a crash after the commit delays it.
    services.replies.send(
        message.chat.id,
        texts.get(
            "link-done",
            number=account.number,
            name=mask_name(account.full_name),
            address=_address(account),
        ),
        markup=main_menu(texts),
    )


async def reask(message: Message, state: FSMContext, texts: Texts) -> None:
    """Ask the current step's question again (after a restart, handlers/resume.py)."""
    data = await state.get_data()
    if await state.get_state() == LinkAccount.second_factor.state and data.get("number"):
        text = texts.get("link-ask-factor", number=str(data["number"]))
    else:
        await state.set_state(LinkAccount.number)
        text = texts.get("link-ask-number")
    await message.answer(text, reply_markup=dialog_nav(texts))


async def on_not_text(message: Message, texts: Texts) -> None:
    await message.answer(texts.get("dialog-text-expected"))


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_accounts, Cmd("accounts"))
    router.message.register(cmd_accounts, Button("menu-accounts"))
    router.callback_query.register(on_account_action, AccountAction.filter())
    return router


def build_steps_router() -> Router:
    """What the person types at each step (see handlers.build_routers)."""
    steps = Router(name=f"{__name__}.steps")
    steps.message.filter(StateFilter(LinkAccount.number, LinkAccount.second_factor))
    steps.message.register(on_back, Button("nav-back"))
    steps.message.register(on_number, StateFilter(LinkAccount.number), HasText())
    steps.message.register(on_second_factor, StateFilter(LinkAccount.second_factor), HasText())
    steps.message.register(on_not_text, NoText())
    return steps
