"""Linking personal accounts: list, link (account number → surname or meter serial), unlink."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import StateFilter
from aiogram.types import CallbackQuery, Message

from app.services import Services
from core.texts import Texts
from dialogs.account.keyboards import (
    AccountAction,
    AccountChoice,
    accounts_keyboard,
    unlink_keyboard,
)
from dialogs.account.states import LinkAccount
from dialogs.account.steps import TABLE
from dialogs.guards import TurnMiddleware, consent_needed_keyboard, has_consent
from dialogs.steps import Turn
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
from handlers.keyboards import dialog_nav, main_menu
from handlers.render import local_time

# Kept importable from here: other features link to the accounts the same way.
__all__ = [
    "AccountAction",
    "AccountChoice",
    "accounts_keyboard",
    "build_router",
    "build_steps_router",
    "consent_needed_keyboard",
]


def _address(account: Account) -> str:
    address = account.address
    parts = [address.settlement, address.street, address.house]
    if address.flat:
        parts[-1] = f"{address.house}-{address.flat}"
    return ", ".join(parts)


async def cmd_accounts(message: Message, services: Services, texts: Texts) -> None:
    assert message.from_user is not None
    user_id = UserId(message.from_user.id)
    if not await has_consent(message, services, texts, "consent-required"):
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
    query: CallbackQuery, callback_data: AccountAction, turn: Turn
) -> None:
    message, texts = turn.message, turn.texts
    user_id = UserId(query.from_user.id)
    action = callback_data.action
    if action is AccountChoice.LINK:
        await query.answer()
        await start_linking(turn, user_id)
    elif action is AccountChoice.UNLINK:
        await query.answer()
        number = callback_data.number
        question = texts.get("accounts-unlink-confirm", number=number)
        await turn.say(question, unlink_keyboard(texts, number))
    elif action is AccountChoice.UNLINK_YES:
        try:
            await turn.services.accounts.unlink(user_id, callback_data.number)
        except (AccountNotLinked, InvalidAccountNumber):
            await query.answer(texts.get("unlink-not-linked"), show_alert=True)
            return
        await query.answer()
        await message.edit_reply_markup(reply_markup=None)
        await turn.say(texts.get("accounts-unlinked", number=callback_data.number))
    else:
        await query.answer(texts.get("accounts-unlink-kept"))
        await message.edit_reply_markup(reply_markup=None)


async def start_linking(turn: Turn, user_id: UserId) -> None:
    texts = turn.texts
    try:
        await turn.services.accounts.ensure_may_try(user_id)
    except ConsentRequired:
        await turn.say(texts.get("consent-required"), consent_needed_keyboard(texts))
        return
    except TooManyLinkAttempts as blocked:
        await turn.say(
            texts.get("link-too-many", time=local_time(blocked.retry_at, turn.config.zone))
        )
        return
    await TABLE.ask(turn, LinkAccount.number, await TABLE.load(turn.fsm))


async def on_back(message: Message, turn: Turn) -> None:
    if await turn.fsm.get_state() != LinkAccount.second_factor.state:
        await turn.leave()
        return
    # Not the first question again: the number typed is shown, to be typed anew.
    data = await TABLE.load(turn.fsm)
    await turn.fsm.set_state(LinkAccount.number)
    question = turn.texts.get("link-ask-number-again", number=data.number)
    await turn.say(question, dialog_nav(turn.texts))


async def on_number(message: Message, turn: Turn) -> None:
    assert message.text is not None
    try:
        number = turn.services.accounts.parse_number(message.text)
    except InvalidAccountNumber:
        await turn.say(turn.texts.get("link-account-invalid"))
        return
    data = await TABLE.load(turn.fsm)
    data.number = number
    await TABLE.ask(turn, LinkAccount.second_factor, data)


async def on_second_factor(message: Message, turn: Turn) -> None:
    assert message.text is not None
    assert message.from_user is not None
    services, texts, config = turn.services, turn.texts, turn.config
    data = await TABLE.load(turn.fsm)
    number = data.number
    if not number:
        await TABLE.ask_current(turn)  # the data was lost: the number is asked again
        return
    state = turn.fsm
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


async def on_not_text(message: Message, texts: Texts) -> None:
    await message.answer(texts.get("dialog-text-expected"))


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_accounts, Cmd("accounts"))
    router.message.register(cmd_accounts, Button("menu-accounts"))
    router.callback_query.middleware(TurnMiddleware())
    router.callback_query.register(on_account_action, AccountAction.filter())
    return router


def build_steps_router() -> Router:
    """What the person types at each step (see handlers.build_routers)."""
    steps = Router(name=f"{__name__}.steps")
    steps.message.filter(StateFilter(*TABLE.states))
    steps.message.middleware(TurnMiddleware())
    steps.message.register(on_back, Button("nav-back"))
    steps.message.register(on_number, StateFilter(LinkAccount.number), HasText())
    steps.message.register(on_second_factor, StateFilter(LinkAccount.second_factor), HasText())
    steps.message.register(on_not_text, NoText())
    return steps
