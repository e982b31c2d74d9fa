"""Feature routers and the function that assembles them in a fixed order."""

from __future__ import annotations

from aiogram import Router

from handlers.filters import PrivateChat


def build_router() -> Router:
    """Consumer features in private chats only; order matters: commands and menu buttons
    before dialog steps, dialogs before the free-text fallback."""
    from dialogs.account import router as account
    from handlers import errors, fallback, info, mydata, start

    root = Router(name="root")
    root.include_router(errors.build_router())

    private = Router(name="private")
    private.message.filter(PrivateChat())
    private.callback_query.filter(PrivateChat())
    private.include_routers(
        start.build_router(),
        info.build_router(),
        mydata.build_router(),
        account.build_router(),
        fallback.build_router(),
    )
    root.include_router(private)
    return root
