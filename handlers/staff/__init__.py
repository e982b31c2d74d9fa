"""The staff chat (SPEC §3): the supergroup `STAFF_CHAT_ID` where every appeal has a card and
a thread. Staff act with the card's buttons or with commands in the thread; a plain reply is
offered to be sent as the final answer or as a question; a message starting with "!" is an
internal note.

One parent router takes the staff chat's updates and lets only staff through (gate.py), once
for every feature below it; a refusal (a `DomainError`) is told by one renderer
(handlers/errors.py `DomainErrors`). Everything the bot says in the staff chat goes through
the outbox (replies.py).
"""

from __future__ import annotations

from aiogram import Router

from dialogs.registration import router as registration
from handlers.errors import DomainErrors
from handlers.staff import (
    card,
    commands,
    lookups,
    office,
    profile,
    reports,
    settings,
    thread,
    web,
)
from handlers.staff.commands import APPEAL_COMMANDS
from handlers.staff.gate import MembershipCache as MembershipCache
from handlers.staff.gate import StaffChat as StaffChat
from handlers.staff.gate import StaffGate as StaffGate
from handlers.staff.replies import reply_refusal
from handlers.staff.replies import staff_reply as staff_reply
from handlers.staff.states import StaffInput as StaffInput

# The staff chat's command menu (set with BotCommandScopeChat at start).
STAFF_COMMANDS = (
    *APPEAL_COMMANDS,
    "register",
    "digest",
    "readings",
    "reading",
    "today",
    "day",
    "book",
    "unbook",
    "profile",
    "staff",
    "import",
    "notify",
    "notices",
    "notice",
    "outages",
    "outage_close",
    "questionnaire",
    "report",
    "measures",
    "planned",
    "contract",
    "web",
    "help",
    "cancel",
)


def build_router(membership: MembershipCache | None = None, *first: Router) -> Router:
    """The staff chat's parent router: the staff-chat filter and the gate, applied once to
    every router below it (aiogram resolves a handler's inner middlewares along its routers'
    parents). `first` go before the appeal desk (the notices, handlers/staff_notices.py),
    whose thread handlers take any text or document left over.

    The desk's refusals are told by one renderer, inside the update's unit of work; the
    routers in `first` tell their own."""
    staff_chat = Router(name="staff")
    staff_chat.message.filter(StaffChat())
    staff_chat.callback_query.filter(StaffChat())
    gate = StaffGate(membership or MembershipCache())
    staff_chat.message.middleware(gate)
    staff_chat.callback_query.middleware(gate)

    desk = Router(name="staff.desk")
    refusals = DomainErrors(reply_refusal)
    desk.message.middleware(refusals)
    desk.callback_query.middleware(refusals)
    # Commands first; then the typed steps (registration's, then the thread's), where any
    # text is an answer; then the thread's catch-all.
    desk.include_routers(
        settings.build_router(),
        web.build_router(),
        office.build_router(),
        reports.build_router(),
        commands.build_router(),
        registration.build_router(),
        profile.build_router(),
        thread.build_router(),
        card.build_router(),
        lookups.build_router(),
    )
    staff_chat.include_routers(*first, desk)
    return staff_chat
