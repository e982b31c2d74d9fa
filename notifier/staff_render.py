"""What staff and consumers read about an appeal: the staff card, its buttons, the thread
lines, and the consumer's messages (answer with signature, question, extension, forward,
rejection). Pure functions of the appeal and the texts; queued by notifier/appeal_notices.py,
sent by notifier/staff_channel.py."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Self
from zoneinfo import ZoneInfo

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from pydantic import Field, model_validator

from core.callback_fields import RowId
from core.texts import Texts
from core.when import span_text
from domain.appeals import (
    RATING_MAX,
    RATING_MIN,
    TRANSITIONS,
    AnswerChannel,
    Appeal,
    AppealAction,
    AppealEvent,
    AppealStatus,
    QualityComplaintDetails,
    RejectionGround,
    ServiceForm,
)
from domain.deadlines import days_left
from domain.limits import ROW_ID_MAX, TELEGRAM_ID_MAX
from domain.pp55 import SEALED_ITEMS, ApplicantType, Identity, Pp55Item, items_for
from domain.screening import FlagKind
from domain.signature import Signature
from domain.text_limits import MESSAGE_MAX, fits, shorten, split_html, visible_length
from services.ports import AppealTask

# Fluent selects on strings only: an empty optional value is passed as this key.
NONE = "none"
# The card shows at most this much of the appeal's text (and less if the rest of the card
# needs the room): it is edited in place, so it must stay one message under Telegram's 4096.
# A longer text is posted whole in the thread (`CardView.full_text`).
_CARD_TEXT_MAX = 2500
# A forum topic name is at most 128 characters.
_TOPIC_NAME_MAX = 128


class StaffButton(StrEnum):
    TAKE = "take"
    ASSIGN = "assign"
    ASK = "ask"
    ANSWER = "answer"
    EXTEND = "extend"
    FORWARD = "forward"
    REJECT = "reject"
    CLOSE = "close"
    TASK = "task"  # value: the task done
    DEPT = "dept"  # value: the department picked (0: all executors)
    EXEC = "exec"  # value: the executor's Telegram id
    GROUND = "ground"  # value: the rejection ground's position in RejectionGround
    SEND = "send"  # the pending text as the final answer
    QUESTION = "question"  # the pending text as a question
    FILE = "file"  # the pending file to the consumer
    DROP = "drop"  # the pending text or file dropped
    IDENTITY = "identity"  # ПП 55: the sealed passport and birth data, to the presser only
    PROFILE_NAME = "pname"  # the profile dialog: the offered name accepted
    PROFILE_POSITION = "ppos"  # value: the common position's place in PROFILE_POSITIONS
    OTHERS = "others"  # the appellant's other appeals, listed in the thread
    READINGS = "readings"  # the account's latest readings, listed in the thread


# The positions offered as buttons in the profile dialog (handlers/staff/profile.py): their
# text keys, in the order shown; any other position is typed.
PROFILE_POSITIONS = (
    "staff-position-specialist",
    "staff-position-lead-specialist",
    "staff-position-engineer",
    "staff-position-head",
)

# The values each picker's button may carry (the others carry 0).
_STAFF_VALUES: Mapping[StaffButton, range] = {
    StaffButton.TASK: range(1, ROW_ID_MAX + 1),
    StaffButton.DEPT: range(0, ROW_ID_MAX + 1),
    StaffButton.EXEC: range(1, TELEGRAM_ID_MAX + 1),
    StaffButton.GROUND: range(len(RejectionGround)),
    StaffButton.PROFILE_POSITION: range(len(PROFILE_POSITIONS)),
}


class StaffCb(CallbackData, prefix="sa"):
    """A staff button: `action` on `appeal`; `value` for pickers (department, executor,
    ground, task). Typed and bounded (core/callback_fields.py)."""

    action: StaffButton
    appeal: RowId
    value: Annotated[int, Field(ge=0, le=TELEGRAM_ID_MAX)] = 0

    @model_validator(mode="after")
    def _value_fits_the_action(self) -> Self:
        if self.value not in _STAFF_VALUES.get(self.action, range(1)):
            raise ValueError("not a value of this action")
        return self


class SurveyAction(StrEnum):
    RATE = "rate"  # value: 1..5
    RESOLVED = "resolved"  # value: 1 yes, 0 no
    SKIP = "skip"


_SURVEY_VALUES: Mapping[SurveyAction, range] = {
    SurveyAction.RATE: range(RATING_MIN, RATING_MAX + 1),
    SurveyAction.RESOLVED: range(2),
    SurveyAction.SKIP: range(1),
}


class SurveyCb(CallbackData, prefix="sv"):
    action: SurveyAction
    appeal: RowId
    value: Annotated[int, Field(ge=0, le=RATING_MAX)] = 0

    @model_validator(mode="after")
    def _value_fits_the_action(self) -> Self:
        if self.value not in _SURVEY_VALUES[self.action]:
            raise ValueError("not a value of this action")
        return self


class ClarifyCb(CallbackData, prefix="cq"):
    appeal: RowId


# Card buttons: (action key, the lifecycle action it needs to be possible).
_CARD_BUTTONS: tuple[tuple[tuple[str, AppealAction], ...], ...] = (
    (("take", AppealAction.TAKE), ("assign", AppealAction.ASSIGN)),
    (("ask", AppealAction.REQUEST_CLARIFICATION), ("answer", AppealAction.ANSWER)),
    (
        ("extend", AppealAction.EXTEND),
        ("forward", AppealAction.FORWARD),
        ("reject", AppealAction.REJECT),
    ),
    (("close", AppealAction.CLOSE),),
)


@dataclass(frozen=True, slots=True)
class CardView:
    title: str  # the forum topic name
    text: str
    markup: InlineKeyboardMarkup | None
    # The appeal's whole text for the thread when the card shows it shortened.
    full_text: str | None = None


def _day(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%d.%m.%Y")


def topic_name(appeal: Appeal, texts: Texts) -> str:
    name = texts.plain(
        "staff-topic-name",
        number=appeal.number,
        kind=texts.plain(f"appeal-kind-{appeal.kind.value}"),
        subject=texts.plain(f"appeal-subject-{appeal.subject.value}"),
    )
    return name[:_TOPIC_NAME_MAX]


def card_markup(appeal: Appeal, texts: Texts) -> InlineKeyboardMarkup | None:
    assert appeal.id is not None
    rows = []
    for row in _CARD_BUTTONS:
        buttons = [
            InlineKeyboardButton(
                text=texts.get(f"staff-button-{key}"),
                callback_data=StaffCb(action=key, appeal=appeal.id).pack(),
            )
            for key, action in row
            if (appeal.status, action) in TRANSITIONS
            and not (action is AppealAction.EXTEND and appeal.extended)
        ]
        if buttons:
            rows.append(buttons)
    # Whatever the status: what else the appellant asked, what the account submitted.
    lookups = [
        InlineKeyboardButton(
            text=texts.get("staff-button-others"),
            callback_data=StaffCb(action=StaffButton.OTHERS, appeal=appeal.id).pack(),
        )
    ]
    if appeal.account_number:
        lookups.append(
            InlineKeyboardButton(
                text=texts.get("staff-button-readings"),
                callback_data=StaffCb(action=StaffButton.READINGS, appeal=appeal.id).pack(),
            )
        )
    rows.append(lookups)
    if appeal.pp55 is not None and appeal.pp55.given() & SEALED_ITEMS:
        # Opened in an alert to the one who pressed (a head or the assignee), never posted.
        button = StaffCb(action=StaffButton.IDENTITY, appeal=appeal.id).pack()
        rows.append(
            [InlineKeyboardButton(text=texts.get("staff-button-identity"), callback_data=button)]
        )
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


# answerCallbackQuery: the alert's text is 0-200 characters
# (https://core.telegram.org/bots/api#answercallbackquery).
ALERT_MAX = 200


def _pp55_lines(pp55: QualityComplaintDetails, texts: Texts) -> list[str]:
    """The rest of the ПП 55 set: what was given in plain, that the identity data is kept
    (sealed: the button opens it), and what the consumer is to send later (staff /ask)."""
    lines = []
    for item in (Pp55Item.COMPANY, Pp55Item.RESIDENCE, Pp55Item.PHONE, Pp55Item.EMAIL):
        value = getattr(pp55, item.value)
        if value:
            lines.append(texts.get("pp55-summary-item", item=item.value, value=value))
    if pp55.demand:
        lines.append(texts.get("pp55-summary-item", item="demand", value=pp55.demand))
    asked = items_for(pp55.applicant or ApplicantType.PERSON)
    kept = [item for item in asked if item in SEALED_ITEMS and item in pp55.given()]
    if kept:
        names = ", ".join(texts.plain(f"pp55-item-{item.value}") for item in kept)
        lines.append(texts.get("staff-card-pp55-sealed", items=names))
    missing = pp55.missing()
    if missing:
        names = ", ".join(texts.plain(f"pp55-item-{item.value}") for item in missing)
        lines.append(texts.get("staff-card-pp55-missing", items=names))
    return lines


def identity_text(identity: Identity, texts: Texts) -> str:
    """The alert a head or the assignee sees (Telegram: at most 200 characters)."""
    born = identity.birth_date.strftime("%d.%m.%Y") if identity.birth_date else "—"
    text = texts.plain(
        "staff-identity",
        passport=f"{identity.passport_series} {identity.passport_number}".strip() or "—",
        born=born,
        place=identity.birth_place or "—",
    )
    return shorten(text, ALERT_MAX)


def measures_lines(appeal: Appeal, texts: Texts) -> list[str]:
    """Order 186 register 4.9: the measures and the contract outcome once given; after the
    answer, a reminder while the measures are empty (they are optional, the report is not)."""
    lines = []
    if appeal.measures_taken:
        lines.append(texts.get("staff-card-measures-taken", text=appeal.measures_taken[:300]))
    if appeal.measures_planned:
        lines.append(texts.get("staff-card-measures-planned", text=appeal.measures_planned[:300]))
    if appeal.contract_concluded:
        lines.append(texts.get("staff-card-contract"))
    answered = appeal.first_answered_at is not None or appeal.answered_at is not None
    if answered and not (appeal.measures_taken or appeal.measures_planned):
        lines.append(texts.get("staff-card-measures-missing"))
    return lines


def render_card(
    appeal: Appeal,
    texts: Texts,
    *,
    zone: ZoneInfo,
    now: datetime,
    executor: str | None,
    earlier: Mapping[int, str],
    attachments: int,
    undelivered: int = 0,
    tasks: Sequence[AppealTask] = (),
) -> CardView:
    """The staff card (SPEC §3). `earlier`: numbers of the appeals a repeat flag points to;
    `undelivered`: open tasks to reach the consumer another way (a message did not arrive);
    `tasks`: notices to send by post, e-mail or phone, open and done."""
    left = days_left(appeal.due_at, now, zone)
    lines = [
        texts.get(
            "staff-card-head",
            number=appeal.number,
            kind=texts.get(f"appeal-kind-{appeal.kind.value}"),
            subject=texts.get(f"appeal-subject-{appeal.subject.value}"),
        ),
        texts.get(
            "staff-card-status",
            status=texts.get(f"appeal-status-{appeal.status.value}"),
            executor=executor or texts.get("staff-card-nobody"),
        ),
    ]
    if undelivered:
        lines.append(texts.get("staff-card-undelivered", count=undelivered))
    lines.extend(task_lines(tasks, texts, zone))
    if appeal.is_open:
        lines.append(
            texts.get(
                "staff-card-due-open",
                due=_day(appeal.due_at, zone),
                state="today" if left == 0 else ("overdue" if left < 0 else "left"),
                days=abs(left),
                extended="yes" if appeal.extended else "no",
            )
        )
    else:
        lines.append(texts.get("staff-card-due", due=_day(appeal.due_at, zone)))
    lines.append(
        texts.get(
            "staff-card-form",
            form=texts.get(f"staff-form-{appeal.form.value}"),
            registered=appeal.registered_at.astimezone(zone).strftime("%d.%m.%Y %H:%M"),
        )
    )
    # 59-ФЗ ст. 8 ч. 2: the day it reached the company, where it is not the registration's
    # own — and always for a letter, a call or a visit, whose term counts from it.
    received = appeal.received.astimezone(zone).date()
    registered = appeal.registered_at.astimezone(zone).date()
    if appeal.form is not ServiceForm.INTERNET or received != registered:
        lines.append(texts.get("staff-card-received", day=f"{received:%d.%m.%Y}"))
    # Personal data only as far as the answer needs it (SPEC "Personal data").
    contact = "" if appeal.answer_channel is AnswerChannel.CHAT else appeal.contact
    lines.append(
        texts.get(
            "staff-card-consumer",
            name=appeal.full_name,
            account=appeal.account_number or NONE,
            channel=texts.get(f"appeal-channel-{appeal.answer_channel.value}").lower(),
            contact=contact or NONE,
        )
    )
    if appeal.vulnerable is not None:
        lines.append(
            texts.get(
                "staff-card-vulnerable",
                group=texts.get(f"appeal-vulnerable-{appeal.vulnerable.value}"),
            )
        )
    for flag in appeal.flags:
        if flag.kind is FlagKind.REPEAT:
            number = earlier.get(int(flag.detail)) if flag.detail.isdigit() else None
            lines.append(texts.get("staff-card-flag-repeat", number=number or flag.detail))
        elif flag.kind is FlagKind.OBSCENE:
            lines.append(texts.get("staff-card-flag-obscene"))
        elif flag.kind is FlagKind.ILLEGIBLE:
            tell_by = datetime.fromisoformat(flag.detail)
            lines.append(texts.get("staff-card-flag-illegible", date=_day(tell_by, zone)))
        elif flag.kind is FlagKind.OUTAGE:
            lines.append(texts.get("staff-card-flag-outage", id=flag.detail))
    if appeal.pp55 is not None:
        moment = appeal.pp55.violation_time
        lines.append(
            texts.get(
                "staff-card-pp55",
                time=span_text(moment, appeal.pp55.violation_end, zone) if moment else "—",
                device=appeal.pp55.device_address or "—",
                contract=appeal.pp55.contract_number or "—",
            )
        )
        lines += _pp55_lines(appeal.pp55, texts)
    text_at = len(lines)
    if attachments:
        lines.append(texts.get("staff-card-attachments", count=attachments))
    if appeal.rejection_ground is not None:
        lines.append(
            texts.get(
                "staff-card-ground",
                ground=texts.get(f"staff-ground-{appeal.rejection_ground.value}"),
            )
        )
    lines.extend(measures_lines(appeal, texts))
    if appeal.rating is not None:
        lines.append(
            texts.get(
                "staff-card-rating",
                rating=appeal.rating,
                resolved=_yes_no(appeal.resolved),
            )
        )
    # The appeal's text gets what the rest of the card leaves of Telegram's limit.
    room = MESSAGE_MAX - visible_length(
        "\n".join([*lines, texts.get("staff-card-text", text="", cut="yes")])
    )
    body = shorten(appeal.text, max(0, min(_CARD_TEXT_MAX, room)))
    cut = body != appeal.text
    lines.insert(
        text_at,
        texts.get(
            "staff-card-text",
            text=body or (texts.plain("staff-card-voice") if not appeal.text else ""),
            cut="yes" if cut else "no",
        ),
    )
    card = "\n".join(lines)
    if not fits(card):  # only a card whose other fields alone are too long
        card = split_html(card)[0]
    return CardView(
        title=topic_name(appeal, texts),
        text=card,
        markup=card_markup(appeal, texts),
        full_text=texts.get("staff-full-text", number=appeal.number, text=appeal.text)
        if cut
        else None,
    )


def _yes_no(value: bool | None) -> str:
    if value is None:
        return "unknown"
    return "yes" if value else "no"


def event_line(appeal: Appeal, event: AppealEvent, texts: Texts, zone: ZoneInfo) -> str | None:
    """One line in the appeal's thread for a lifecycle event; None for the registration (the
    card says it all)."""
    action = event.action
    if action is AppealAction.REGISTER:
        return None
    who = event.actor.name or (str(event.actor.id) if event.actor.id is not None else "")
    values: dict[str, str | int] = {
        "number": appeal.number,
        "who": who,
        "reason": event.reason,
        "status": texts.get(f"appeal-status-{appeal.status.value}"),
    }
    if action is AppealAction.ASSIGN:
        values["assignee"] = event.detail("assignee_name") or event.detail("assignee_id") or ""
    elif action is AppealAction.EXTEND:
        values["due"] = _day(appeal.due_at, zone)
        values["days"] = event.detail("days") or ""
    elif action is AppealAction.REJECT and appeal.rejection_ground is not None:
        values["ground"] = texts.plain(f"staff-ground-{appeal.rejection_ground.value}")
    elif action is AppealAction.RATE:
        values["rating"] = appeal.rating or 0
    elif action is AppealAction.MARK_ILLEGIBLE:
        tell_by = event.detail("tell_by")
        values["date"] = _day(datetime.fromisoformat(tell_by), zone) if tell_by else ""
    elif action is AppealAction.ANSWER:
        values["text"] = appeal.answer_text or ""
        values["channel"] = texts.get(f"appeal-channel-{appeal.answer_channel.value}").lower()
    return texts.get(f"staff-event-{action.value}", **values)


def signature(event: AppealEvent, texts: Texts, *, plain: bool = False) -> str:
    """§15.5: the signature kept with the answer's event (`plain`: for an e-mail, not
    escaped for HTML)."""
    return signature_text(Signature.from_details(event.detail), texts, plain=plain)


def signature_text(signed: Signature, texts: Texts, *, plain: bool = False) -> str:
    """§15.5: the executor's name, position, phone and e-mail, and the head who signs; the
    one renderer of the preview, the chat and the e-mail."""
    render = texts.plain if plain else texts.get
    executor = render(
        "answer-signature",
        name=signed.executor_name,
        position=signed.executor_position or NONE,
        phone=signed.executor_phone,
        email=signed.executor_email or NONE,
    )
    if not signed.signer_name:  # an answer given before signers were kept
        return executor
    signer = render("answer-signer", name=signed.signer_name, position=signed.signer_position)
    return f"{executor}\n{signer}"


def task_lines(tasks: Sequence[AppealTask], texts: Texts, zone: ZoneInfo) -> list[str]:
    """The card's list of notices to send outside Telegram: each with its channel, what it
    is, and done (when) or open (an e-mail: tries that failed)."""
    lines = []
    for task in tasks:
        if task.kind is None:
            continue  # an undelivered message: counted in its own line
        done = task.done_at.astimezone(zone).strftime("%d.%m %H:%M") if task.done_at else ""
        state = "done" if done else ("retry" if task.attempts else "open")
        lines.append(
            texts.get(
                "staff-card-task",
                what=texts.plain("notice-kind", kind=task.kind),
                channel=task.channel,
                state=state,
                done=done,
                attempts=task.attempts,
            )
        )
    return lines


def consumer_message(
    appeal: Appeal, event: AppealEvent, texts: Texts, zone: ZoneInfo
) -> tuple[str, InlineKeyboardMarkup | None] | None:
    """What the consumer is told in the chat about a staff action, if anything."""
    assert appeal.id is not None
    action = event.action
    if action is AppealAction.REQUEST_CLARIFICATION:
        markup = InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    InlineKeyboardButton(
                        text=texts.get("clarify-button"),
                        callback_data=ClarifyCb(appeal=appeal.id).pack(),
                    )
                ]
            ]
        )
        return texts.get(
            "consumer-clarification", number=appeal.number, question=event.reason
        ), markup
    if action is AppealAction.ANSWER:
        text = texts.get(
            "consumer-answer",
            number=appeal.number,
            answer=appeal.answer_text or "",
            signature=signature(event, texts),
        )
        return text, None
    if action is AppealAction.EXTEND:
        return (
            texts.get(
                "consumer-extended",
                number=appeal.number,
                due=_day(appeal.due_at, zone),
                reason=event.reason,
            ),
            None,
        )
    if action is AppealAction.FORWARD:
        return texts.get("consumer-forwarded", number=appeal.number, where=event.reason), None
    if action is AppealAction.REJECT and appeal.rejection_ground is not None:
        return (
            texts.get(
                f"consumer-rejected-{appeal.rejection_ground.value}",
                number=appeal.number,
                # §15.8: a repeat names the earlier appeal the answer was given to.
                earlier=event.detail("linked_number") or NONE,
            ),
            None,
        )
    return None


def survey_markup(appeal_id: int, texts: Texts) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=str(value),
                    callback_data=SurveyCb(action="rate", appeal=appeal_id, value=value).pack(),
                )
                for value in range(1, 6)
            ]
        ]
    )


def escape(text: str) -> str:
    return html.escape(text)


# Statuses in which the consumer has something to wait for (the digest's "unassigned").
UNASSIGNED = frozenset({AppealStatus.REGISTERED})
