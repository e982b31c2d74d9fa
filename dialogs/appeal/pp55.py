"""The ПП 55 steps of the appeal dialog (a complaint about the reliability or the quality of
supply, domain/pp55.py): why these items are asked, person or business, then one step per
item. Every item may be answered «Отправлю позже»: the appeal records it as missing and staff
see it on the card. The passport and the birth data are sealed as soon as they are typed, so
not even the dialog's stored state holds them in plain (storage/crypto.py)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiogram.fsm.state import State
from aiogram.types import InlineKeyboardMarkup, Message

from core.texts import Texts
from core.when import describe, parse_when, span_text
from dialogs.appeal.keyboards import AppealPick, pick
from dialogs.appeal.outage import tell_known_outage
from dialogs.appeal.states import AppealDialogState, FileAppeal
from dialogs.steps import Asker, Step, Turn
from domain.appeals import QualityComplaintDetails, is_quality_complaint
from domain.clock import Clock
from domain.contacts import normalize_ru_phone, validate_email
from domain.errors import DomainError
from domain.ids import UserId
from domain.limits import Field, check_length
from domain.pp55 import (
    SEALED_ITEMS,
    ApplicantType,
    Identity,
    Pp55Item,
    birth_date,
    birth_place,
    company,
    demand,
    items_for,
    passport,
    residence,
)
from domain.when import When
from handlers.keyboards import dialog_nav, inline_column
from handlers.render import error_text
from services.ports import SecretBox

Data = AppealDialogState
STATE_OF: dict[Pp55Item, State] = {
    item: getattr(FileAppeal, f"pp55_{item.value}") for item in Pp55Item
}
ITEM_OF: dict[str | None, Pp55Item] = {state.state: item for item, state in STATE_OF.items()}


def pp55_order(data: Data) -> list[State]:
    applicant = data.pp55_applicant or ApplicantType.PERSON
    return [FileAppeal.pp55_applicant, *(STATE_OF[item] for item in items_for(applicant))]


# Questions -------------------------------------------------------------------------------


async def _ask_applicant(turn: Turn, data: Data) -> None:
    texts = turn.texts
    await tell_known_outage(turn, data)  # before the first question (issue 15)
    await turn.say(texts.get("pp55-why"), dialog_nav(texts))
    options = [(f"pp55-applicant-{a.value}", a.value) for a in ApplicantType]
    await turn.say(texts.get("pp55-ask-applicant"), pick(texts, "applicant", options))


async def _later_keyboard(turn: Turn, item: Pp55Item) -> InlineKeyboardMarkup:
    buttons: list[tuple[str, AppealPick]] = []
    if item is Pp55Item.DEVICE:  # the address of the linked account, as before
        prefill = await turn.services.appeals.prefill(UserId(turn.message.chat.id))
        if prefill is not None and prefill.address:
            label = turn.texts.get("appeal-use-button", value=prefill.address[:40])
            buttons.append((label, AppealPick(field="prefill", value="device")))
    buttons.append((turn.texts.get("pp55-later"), AppealPick(field="later", value=item.value)))
    return inline_column(buttons)


def _asker(item: Pp55Item) -> Asker[Data]:
    async def ask(turn: Turn, data: Data) -> None:
        question = turn.texts.get(f"pp55-ask-{item.value}")
        await turn.say(question, await _later_keyboard(turn, item))

    return ask


def steps() -> list[Step[Data]]:
    """The ПП 55 steps for the dialog's table; an edit that turns the subject into a quality
    complaint goes through all of them."""

    def unanswered(data: Data) -> bool:
        return not data.pp55_asked

    return [
        Step(FileAppeal.pp55_applicant, _ask_applicant, unanswered=unanswered),
        *(Step(STATE_OF[item], _asker(item), unanswered=unanswered) for item in Pp55Item),
    ]


# Answers ---------------------------------------------------------------------------------


def read_date(text: str, today: date) -> date | None:
    """Everyday Russian dates ("12.03.1956", "12 марта 1956 г.") through dateparser."""
    # Imported when a date is first typed, not at start: with its language data it adds
    # seconds to a start on a busy machine (a restart must answer quickly, tests/e2e).
    import dateparser

    parsed = dateparser.parse(
        text,
        languages=["ru", "en"],
        settings={
            "DATE_ORDER": "DMY",
            "PREFER_DATES_FROM": "past",
            "STRICT_PARSING": True,
            "REQUIRE_PARTS": ["day", "month", "year"],
            "RELATIVE_BASE": datetime(today.year, today.month, today.day),  # noqa: DTZ001
        },
    )
    return parsed.date() if parsed is not None else None


def _limited(field: Field) -> Callable[[str], str]:
    def check(raw: str) -> str:
        return check_length(field, " ".join(raw.split()))

    return check


_PLAIN_CHECKS: dict[Pp55Item, Callable[[str], str]] = {
    Pp55Item.DEVICE: _limited(Field.DEVICE_ADDRESS),
    Pp55Item.CONTRACT: _limited(Field.CONTRACT_NUMBER),
    Pp55Item.RESIDENCE: residence,
    Pp55Item.COMPANY: company,
    Pp55Item.PHONE: normalize_ru_phone,
    Pp55Item.EMAIL: validate_email,
    Pp55Item.DEMAND: demand,
}


def typed_value(
    item: Pp55Item, raw: str, *, box: SecretBox | None, zone: ZoneInfo, now: datetime
) -> str | When:
    """What is kept for a typed item (the appeal dialog, /register): checked (a DomainError
    says what is wrong), the identity data sealed at once; the time as everyday words read
    it (domain/when.py)."""
    if item is Pp55Item.TIME:
        return parse_when(raw, now=now, zone=zone)
    if item in _PLAIN_CHECKS:
        return _PLAIN_CHECKS[item](raw)
    if item is Pp55Item.PASSPORT:
        value = " ".join(passport(raw))
    elif item is Pp55Item.BIRTH_DATE:
        today = now.astimezone(zone).date()
        value = birth_date(raw, today=today, read=read_date).isoformat()
    else:
        value = birth_place(raw)
    if box is None:  # the composition root always sets one (bot/factory.py)
        raise RuntimeError("no secret box: PD_ENCRYPTION_KEY is not wired")
    return box.seal(value)


async def on_item(message: Message, turn: Turn, clock: Clock) -> None:
    """A typed answer to any ПП 55 item: checked (a wrong form is told, the step stays),
    sealed where it is identity data, then the next step."""
    from dialogs.appeal.steps import TABLE  # the table includes these steps

    assert message.text is not None
    item = ITEM_OF[await turn.fsm.get_state()]
    data = await TABLE.load(turn.fsm)
    try:
        value = typed_value(
            item, message.text, box=turn.config.secret_box, zone=turn.config.zone, now=clock.now()
        )
    except DomainError as error:
        await turn.say(error_text(turn.texts, error))
        return
    if isinstance(value, When):  # shown back first: «Понял: … — верно?»
        data.pp55_time_read, data.pp55_time_read_end = value.start, value.end
        await data.save(turn.fsm)
        understood = describe(value, turn.texts, turn.config.zone)
        await turn.say(turn.texts.get("when-understood", when=understood), _when_keyboard(turn))
        return
    setattr(data, f"pp55_{item.value}", value)
    if item is Pp55Item.DEVICE and isinstance(value, str):
        await tell_known_outage(turn, data, typed=value)
    await advance(turn, item, data)


def _when_keyboard(turn: Turn) -> InlineKeyboardMarkup:
    return inline_column(
        [
            (turn.texts.get("when-yes"), AppealPick(field="when", value="yes")),
            (turn.texts.get("when-fix"), AppealPick(field="when", value="fix")),
        ]
    )


async def on_when(turn: Turn, value: str, current: str | None) -> None:
    """«Да»: the time read is the violation's, the next step; «Исправить»: asked again."""
    from dialogs.appeal.steps import TABLE

    if current != FileAppeal.pp55_time.state:
        return
    data = await TABLE.load(turn.fsm)
    if data.pp55_time_read is None:
        return
    if value == "yes":
        data.pp55_time, data.pp55_time_end = data.pp55_time_read, data.pp55_time_read_end
        data.pp55_time_read = data.pp55_time_read_end = None
        await advance(turn, Pp55Item.TIME, data)
        return
    data.pp55_time_read = data.pp55_time_read_end = None
    await data.save(turn.fsm)
    await _asker(Pp55Item.TIME)(turn, data)


async def advance(turn: Turn, item: Pp55Item, data: Data) -> None:
    from dialogs.appeal.steps import TABLE

    applicant = data.pp55_applicant or ApplicantType.PERSON
    if item is items_for(applicant)[-1]:
        data.pp55_asked = True
    await TABLE.advance(turn, STATE_OF[item], data)


async def on_later(turn: Turn, value: str, current: str | None) -> None:
    """«Отправлю позже»: the item stays empty (missing on the appeal), the next step."""
    from dialogs.appeal.steps import TABLE

    item = Pp55Item(value)
    if current != STATE_OF[item].state:
        return
    data = await TABLE.load(turn.fsm)
    setattr(data, f"pp55_{item.value}", None if item is Pp55Item.TIME else "")
    if item is Pp55Item.TIME:
        data.pp55_time_end = data.pp55_time_read = data.pp55_time_read_end = None
    await advance(turn, item, data)


# The draft and the summary ----------------------------------------------------------------


def details(data: Data, box: SecretBox | None) -> QualityComplaintDetails | None:
    """The ПП 55 part of the appeal dialog's draft; none once the subject was edited away
    from a quality complaint (its answers stay behind in the dialog's state)."""
    if not (data.kind and data.subject and is_quality_complaint(data.kind, data.subject)):
        return None
    return details_from(data.model_dump(), box)


def details_from(
    values: Mapping[str, Any], box: SecretBox | None
) -> QualityComplaintDetails | None:
    """The ПП 55 part of a draft from a dialog's `pp55_<item>` values: the sealed items
    opened for the registration, which seals them again in its own table
    (storage/identity.py)."""
    applicant = values.get("pp55_applicant") or None
    moment = values.get("pp55_time") or None
    end = values.get("pp55_time_end") or None
    if applicant is None and not (moment or values.get("pp55_device")):
        return None

    def text(item: Pp55Item) -> str:
        return str(values.get(f"pp55_{item.value}") or "")

    def opened(item: Pp55Item) -> str:
        token = text(item)
        return box.open(token) if token and box is not None else ""

    series_number = opened(Pp55Item.PASSPORT).split()
    born = opened(Pp55Item.BIRTH_DATE)
    identity = Identity(
        passport_series=series_number[0] if len(series_number) == 2 else "",
        passport_number=series_number[1] if len(series_number) == 2 else "",
        birth_date=date.fromisoformat(born) if born else None,
        birth_place=opened(Pp55Item.BIRTH_PLACE),
    )
    return QualityComplaintDetails(
        violation_time=datetime.fromisoformat(moment) if isinstance(moment, str) else moment,
        violation_end=datetime.fromisoformat(end) if isinstance(end, str) else end,
        device_address=text(Pp55Item.DEVICE),
        contract_number=text(Pp55Item.CONTRACT),
        applicant=ApplicantType(applicant) if applicant else None,
        residence=text(Pp55Item.RESIDENCE),
        company=text(Pp55Item.COMPANY),
        phone=text(Pp55Item.PHONE),
        email=text(Pp55Item.EMAIL),
        demand=text(Pp55Item.DEMAND),
        identity=None if identity.is_empty else identity,
    )


def summary_lines(turn: Turn, data: Data) -> Sequence[str]:
    pp55 = details(data, turn.config.secret_box)
    return pp55_lines(turn.texts, pp55, turn.config.zone) if pp55 is not None else ()


def pp55_lines(texts: Texts, pp55: QualityComplaintDetails, zone: ZoneInfo) -> list[str]:
    """The ПП 55 lines of a summary (the appeal dialog's, /register's): plain items as given,
    the sealed ones as «указано», and what is to be sent later."""
    none = texts.get("appeal-none")
    moment = pp55.violation_time
    lines = [
        texts.get(
            "appeal-summary-pp55",
            time=span_text(moment, pp55.violation_end, zone) if moment else none,
            device=pp55.device_address or none,
            contract=pp55.contract_number or none,
        )
    ]
    given = pp55.given()
    for item in items_for(pp55.applicant or ApplicantType.PERSON):
        if item in (Pp55Item.TIME, Pp55Item.DEVICE, Pp55Item.CONTRACT) or item not in given:
            continue
        shown = texts.get("pp55-sealed") if item in SEALED_ITEMS else getattr(pp55, item.value)
        lines.append(texts.get("pp55-summary-item", item=item.value, value=shown))
    missing = pp55.missing()
    if missing:
        lines.append(texts.get("pp55-missing", items=item_names(texts, missing)))
    return lines


def item_names(texts: Texts, items: Sequence[Pp55Item]) -> str:
    return ", ".join(texts.plain(f"pp55-item-{item.value}") for item in items)
