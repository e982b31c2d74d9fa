"""Feature routers and the function that assembles them in a fixed order."""

from __future__ import annotations

from aiogram import Router

from handlers.filters import PrivateChat


def build_routers() -> list[Router]:
    """The routers for the Dispatcher, in order. Consumer features answer in private chats
    only; commands and menu buttons come before dialog steps, dialogs before the free-text
    fallback. The tree is kept shallow: every level costs each update a propagation step,
    and the errors router comes last, so that no ordinary update has to pass through it."""
    from dialogs.account import router as account
    from dialogs.appeal import router as appeal
    from handlers import errors, fallback, info, my_appeals, mydata, start

    private = Router(name="private")
    private.message.filter(PrivateChat())
    private.callback_query.filter(PrivateChat())
    private.include_routers(
        start.build_router(),
        info.build_router(),
        mydata.build_router(),
        account.build_router(),
        my_appeals.build_router(),
        appeal.build_router(),
        fallback.build_router(),
    )
    return [private, errors.build_router()]
