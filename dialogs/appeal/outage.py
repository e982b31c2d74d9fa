"""A complaint about no power at an address where an outage is already known (issue 15,
domain/known_outage.py): the person is told at once, before the first question — what,
since when, the expected end, that staff know — and offered the outage notices for the
address; the complaint may still be filed, and is then marked as linked to that outage
(a screening flag on the staff card)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardMarkup

from core.texts import Texts
from dialogs.appeal.keyboards import AppealPick
from dialogs.appeal.states import AppealDialogState
from dialogs.steps import Turn
from domain.errors import DomainError
from domain.ids import UserId
from domain.notice_lifecycle import Outage
from domain.subscriptions import Topic
from handlers.keyboards import inline_column

OUTAGE_TOPICS = (Topic.EMERGENCY_OUTAGE, Topic.PLANNED_OUTAGE)


def outage_text(texts: Texts, outage: Outage, zone: ZoneInfo) -> str:
    houses = outage.houses.strip()
    address = (
        texts.plain(
            "outage-known-houses",
            settlement=outage.settlement,
            street=outage.street,
            houses=houses,
        )
        if houses
        else texts.plain("outage-known-street", settlement=outage.settlement, street=outage.street)
    )
    return texts.get(
        "outage-known",
        kind=outage.kind.value,
        address=address,
        starts=outage.starts_at.astimezone(zone).strftime("%d.%m.%Y %H:%M"),
        ends=outage.ends_at.astimezone(zone).strftime("%d.%m.%Y %H:%M"),
        reason=outage.reason.strip() or "none",
    )


async def _offer(turn: Turn, *, linked: bool) -> tuple[str, InlineKeyboardMarkup | None]:
    """What is said about the notices for the address: already coming, a button to get
    them, or how to get them (typed addresses are told through a linked account only)."""
    texts = turn.texts
    if not linked:
        return texts.get("outage-known-link"), None
    try:
        preferences = await turn.services.subscriptions.preferences(UserId(turn.message.chat.id))
    except DomainError:  # no consent to the bot's notices: nothing to offer here
        return texts.get("outage-known-link"), None
    if not preferences.stopped and all(preferences.wants(topic) for topic in OUTAGE_TOPICS):
        return texts.get("outage-known-subscribed"), None
    button = AppealPick(field="outage", value="subscribe")
    return texts.get("outage-known-offer"), inline_column(
        [(texts.get("outage-subscribe"), button)]
    )


async def tell_known_outage(turn: Turn, data: AppealDialogState, *, typed: str = "") -> None:
    """Tells of the outage known at the person's linked address (or the one they typed), once
    per dialog, and keeps its id on the draft."""
    if data.outage_id is not None:
        return
    known = turn.services.known_outages
    if typed:
        outage = await known.at_typed(typed)
    else:
        outage = await known.at_linked(UserId(turn.message.chat.id))
    if outage is None:
        return
    data.outage_id = outage.id
    await data.save(turn.fsm)
    offer, keyboard = await _offer(turn, linked=not typed)
    await turn.say(outage_text(turn.texts, outage, turn.config.zone) + "\n\n" + offer, keyboard)


async def on_subscribe(turn: Turn, value: str, current: str | None) -> None:
    """«Сообщать об отключениях по моему адресу»: both outage topics on, at any step."""
    try:
        await turn.services.subscriptions.enable(UserId(turn.message.chat.id), OUTAGE_TOPICS)
    except DomainError:
        await turn.say(turn.texts.get("outage-known-link"))
        return
    await turn.say(turn.texts.get("outage-subscribed"))
