"""Feature routers and the function that assembles them in a fixed order."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiogram import Router

from handlers.filters import Never, PlainInput, PrivateChat

if TYPE_CHECKING:
    from handlers.staff import MembershipCache


def build_routers(membership: MembershipCache | None = None) -> list[Router]:
    """The routers for the Dispatcher, in order.

    Consumer features answer in private chats only. What a person types or sends as an
    answer (not a command, not a menu button) goes first to the dialog steps and the
    free-text search; commands, menu buttons and inline buttons go to the features. Every
    router level costs each update a propagation step, so the tree is kept shallow, and
    the errors router comes last, where no ordinary update has to pass through it.
    """
    from dialogs import parked
    from dialogs.account import router as account
    from dialogs.appeal import router as appeal
    from dialogs.booking import router as booking
    from dialogs.readings import router as readings
    from handlers import (
        errors,
        fallback,
        info,
        my_appeals,
        mydata,
        questionnaire,
        resume,
        settings,
        staff,
        staff_notices,
        staff_questionnaires,
        start,
        survey,
    )

    private = Router(name="private")
    private.message.filter(PrivateChat())
    private.callback_query.filter(PrivateChat())

    inputs = Router(name="inputs")
    inputs.message.filter(PlainInput())
    inputs.callback_query.filter(Never())
    inputs.include_routers(
        fallback.build_free_text_router(),
        appeal.build_steps_router(),
        account.build_steps_router(),
        my_appeals.build_steps_router(),
        survey.build_steps_router(),
        questionnaire.build_steps_router(),
        readings.build_steps_router(),
        booking.build_steps_router(),
    )
    private.include_routers(
        inputs,
        start.build_router(),
        info.build_router(),
        appeal.build_router(),
        my_appeals.build_router(),
        survey.build_router(),
        questionnaire.build_router(),
        settings.build_router(),
        readings.build_router(),
        booking.build_router(),
        mydata.build_router(),
        account.build_router(),
        resume.build_router(),
        parked.build_router(),
        fallback.build_router(),
    )
    # The staff chat comes after the private router: consumers' updates never reach it.
    # One parent router filters the staff chat and gates its members for all its features;
    # the notice commands go before the appeal desk, whose thread handlers take any text or
    # document.
    return [
        private,
        staff.build_router(
            membership, staff_notices.build_router(), staff_questionnaires.build_router()
        ),
        fallback.build_callback_router(),
        errors.build_router(),
    ]
