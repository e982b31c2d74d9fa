"""A notice to subscribers (SPEC §8) as data: its kind, who it goes to, what it says (typed
per kind), and its lifecycle — scheduled, queued a page at a time, sending, done or
cancelled — as a transition table and one pure function, `apply`, like domain/appeals.py.
Outages and the drafts staff prepare in the chat have lifecycles of their own, here too.

The database changes a status with a conditional UPDATE from the statuses `sources` names,
so that two processes deciding at once cannot both win (storage/notices.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from domain.notices import NoticeKind, OutageKind
from domain.subscriptions import Topic


class NoticeStatus(StrEnum):
    SCHEDULED = "scheduled"  # waiting for its send time
    QUEUING = "queuing"  # its recipients are being queued, a page at a time
    SENDING = "sending"  # every recipient queued; the outbox is delivering
    DONE = "done"  # nothing of it is pending any more
    CANCELLED = "cancelled"  # stopped by staff, or its outage was closed


class NoticeAction(StrEnum):
    QUEUE = "queue"  # its time came: the fan-out starts (or starts again after a crash)
    QUEUED = "queued"  # the last page is queued
    FINISH = "finish"  # nothing pending is left
    CANCEL = "cancel"


_S, _A = NoticeStatus, NoticeAction
NOTICE_TRANSITIONS: Mapping[tuple[NoticeStatus, NoticeAction], NoticeStatus] = MappingProxyType(
    {
        (_S.SCHEDULED, _A.QUEUE): _S.QUEUING,
        # A fan-out cut short (a crash, a restart) simply runs again: what is queued stays
        # queued once (one outbox row per notice and recipient).
        (_S.QUEUING, _A.QUEUE): _S.QUEUING,
        (_S.QUEUING, _A.QUEUED): _S.SENDING,
        (_S.SENDING, _A.FINISH): _S.DONE,
        # Staff stop a notice at any point before it is done; what is queued and not yet
        # sent is dropped with it.
        (_S.SCHEDULED, _A.CANCEL): _S.CANCELLED,
        (_S.QUEUING, _A.CANCEL): _S.CANCELLED,
        (_S.SENDING, _A.CANCEL): _S.CANCELLED,
    }
)
# Statuses of a notice still under way: it may be stopped.
RUNNING = frozenset({NoticeStatus.SCHEDULED, NoticeStatus.QUEUING, NoticeStatus.SENDING})


class IllegalNoticeTransition(ValueError):
    """The action is not allowed in the current status (a notice, an outage, a draft)."""

    def __init__(self, status: str, action: str) -> None:
        super().__init__(f"action {action!s} is not allowed in status {status!s}")
        self.status = status
        self.action = action


def apply(status: NoticeStatus, action: NoticeAction) -> NoticeStatus:
    """The notice's status after `action`; IllegalNoticeTransition if it may not happen."""
    after = NOTICE_TRANSITIONS.get((status, action))
    if after is None:
        raise IllegalNoticeTransition(status, action)
    return after


def sources(action: NoticeAction) -> tuple[NoticeStatus, ...]:
    """The statuses `action` may start from, in the order of NoticeStatus."""
    return tuple(s for s in NoticeStatus if (s, action) in NOTICE_TRANSITIONS)


# The topic a notice of each kind belongs to (who turned it off is not told).
KIND_TOPIC: Mapping[NoticeKind, Topic] = MappingProxyType(
    {
        NoticeKind.DEBT: Topic.DEBT,
        NoticeKind.PAYMENT_DUE: Topic.PAYMENT_DUE,
        NoticeKind.TARIFF: Topic.TARIFF,
        NoticeKind.PLANNED_OUTAGE: Topic.PLANNED_OUTAGE,
        NoticeKind.OUTAGE_EVENING: Topic.PLANNED_OUTAGE,
        NoticeKind.EMERGENCY_OUTAGE: Topic.EMERGENCY_OUTAGE,
        NoticeKind.RESTRICTION: Topic.RESTRICTION,
        NoticeKind.CONTRACT: Topic.CONTRACT,
        NoticeKind.READINGS_REMINDER: Topic.READINGS_REMINDER,
    }
)


class Audience(StrEnum):
    TOPIC = "topic"  # everyone who may be told of the topic
    ADDRESS = "address"  # the people linked to an account at the outage's address
    ACCOUNTS = "accounts"  # the people linked to the accounts the notice lists
    TOLD = "told"  # the people earlier notices reached ("power restored")


# Outages -------------------------------------------------------------------------------------


class OutageStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"  # power is back
    CANCELLED = "cancelled"  # a planned outage called off before it began


class OutageAction(StrEnum):
    CLOSE = "close"
    CALL_OFF = "call_off"


OUTAGE_TRANSITIONS: Mapping[tuple[OutageStatus, OutageAction], OutageStatus] = MappingProxyType(
    {
        (OutageStatus.OPEN, OutageAction.CLOSE): OutageStatus.CLOSED,
        (OutageStatus.OPEN, OutageAction.CALL_OFF): OutageStatus.CANCELLED,
    }
)


def apply_to_outage(status: OutageStatus, action: OutageAction) -> OutageStatus:
    after = OUTAGE_TRANSITIONS.get((status, action))
    if after is None:
        raise IllegalNoticeTransition(status, action)
    return after


def closing_action(kind: OutageKind, *, starts_at: datetime, now: datetime) -> OutageAction:
    """Closing a planned outage before it began calls it off; anything else is power back."""
    if kind is OutageKind.PLANNED and now < starts_at:
        return OutageAction.CALL_OFF
    return OutageAction.CLOSE


# Drafts staff prepare in the chat --------------------------------------------------------


class DraftStatus(StrEnum):
    DRAFT = "draft"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


class DraftAction(StrEnum):
    CONFIRM = "confirm"
    CANCEL = "cancel"


DRAFT_TRANSITIONS: Mapping[tuple[DraftStatus, DraftAction], DraftStatus] = MappingProxyType(
    {
        # Decided once: a second press of a button finds it decided.
        (DraftStatus.DRAFT, DraftAction.CONFIRM): DraftStatus.CONFIRMED,
        (DraftStatus.DRAFT, DraftAction.CANCEL): DraftStatus.CANCELLED,
    }
)


def apply_to_draft(status: DraftStatus, action: DraftAction) -> DraftStatus:
    after = DRAFT_TRANSITIONS.get((status, action))
    if after is None:
        raise IllegalNoticeTransition(status, action)
    return after


# What a notice says, by kind -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AccountsParams:
    """A debt or a restriction: the figures are each account's own (NoticeTarget)."""


@dataclass(frozen=True, slots=True)
class PaymentDueParams:
    due_date: date


@dataclass(frozen=True, slots=True)
class TariffParams:
    text: str
    effective: date


@dataclass(frozen=True, slots=True)
class MessageParams:
    """A one-off notice staff compose (a message, a contract change)."""

    text: str


@dataclass(frozen=True, slots=True)
class ReadingsParams:
    month: str  # YYYY-MM
    start: int = 1
    end: int = 25


@dataclass(frozen=True, slots=True)
class OutageParams:
    """A planned outage, its evening repeat, an emergency one."""

    settlement: str
    street: str
    houses: str
    starts_at: datetime | None
    ends_at: datetime | None
    reason: str = ""
    kind: OutageKind | None = None


@dataclass(frozen=True, slots=True)
class ClosureParams:
    """Power restored, or a planned outage called off: told to those `notices` reached."""

    settlement: str
    street: str
    houses: str
    starts_at: datetime | None
    ends_at: datetime | None
    notices: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class QuestionnaireParams:
    """A questionnaire (domain/questionnaires.py) sent to a topic's subscribers: the message
    is its first question with the answer buttons; the rest follow the answers."""

    questionnaire_id: int
    title: str
    count: int  # questions in all
    kind: str  # the first question's QuestionKind value
    text: str
    options: tuple[str, ...] = ()


NoticeParams = (
    AccountsParams
    | PaymentDueParams
    | TariffParams
    | MessageParams
    | ReadingsParams
    | OutageParams
    | ClosureParams
    | QuestionnaireParams
)

PARAMS_OF: Mapping[NoticeKind, type[NoticeParams]] = MappingProxyType(
    {
        NoticeKind.DEBT: AccountsParams,
        NoticeKind.RESTRICTION: AccountsParams,
        NoticeKind.PAYMENT_DUE: PaymentDueParams,
        NoticeKind.TARIFF: TariffParams,
        NoticeKind.PLANNED_OUTAGE: OutageParams,
        NoticeKind.OUTAGE_EVENING: OutageParams,
        NoticeKind.EMERGENCY_OUTAGE: OutageParams,
        NoticeKind.POWER_RESTORED: ClosureParams,
        NoticeKind.OUTAGE_CANCELLED: ClosureParams,
        NoticeKind.CONTRACT: MessageParams,
        NoticeKind.MESSAGE: MessageParams,
        NoticeKind.READINGS_REMINDER: ReadingsParams,
        NoticeKind.QUESTIONNAIRE: QuestionnaireParams,
    }
)


def _moment(value: Any) -> datetime | None:
    return datetime.fromisoformat(str(value)) if value else None


def _iso(moment: datetime | None) -> str:
    return moment.isoformat() if moment is not None else ""


def params_from_json(kind: NoticeKind, data: Mapping[str, Any]) -> NoticeParams:
    """The typed params of a notice of `kind`, from what the database keeps (JSON)."""
    shape = PARAMS_OF[kind]
    if shape is AccountsParams:
        return AccountsParams()
    if shape is PaymentDueParams:
        return PaymentDueParams(date.fromisoformat(str(data["due_date"])))
    if shape is TariffParams:
        return TariffParams(str(data.get("text", "")), date.fromisoformat(str(data["effective"])))
    if shape is MessageParams:
        return MessageParams(str(data.get("text", "")))
    if shape is QuestionnaireParams:
        return QuestionnaireParams(
            questionnaire_id=int(data.get("questionnaire_id", 0)),
            title=str(data.get("title", "")),
            count=int(data.get("count", 0)),
            kind=str(data.get("kind", "")),
            text=str(data.get("text", "")),
            options=tuple(str(o) for o in data.get("options", [])),
        )
    if shape is ReadingsParams:
        return ReadingsParams(
            str(data.get("month", "")), int(data.get("start", 1)), int(data.get("end", 25))
        )
    place = (
        str(data.get("settlement", "")),
        str(data.get("street", "")),
        str(data.get("houses", "")),
        _moment(data.get("starts_at")),
        _moment(data.get("ends_at")),
    )
    if shape is OutageParams:
        kind_value = data.get("kind")
        return OutageParams(
            *place,
            reason=str(data.get("reason", "")),
            kind=OutageKind(kind_value) if kind_value else None,
        )
    return ClosureParams(*place, notices=tuple(int(n) for n in data.get("notices", [])))


def params_to_json(params: NoticeParams) -> dict[str, Any]:
    """What the database keeps of `params`: the keys and ISO strings stored since SPEC §8."""
    if isinstance(params, AccountsParams):
        return {}
    if isinstance(params, PaymentDueParams):
        return {"due_date": params.due_date.isoformat()}
    if isinstance(params, TariffParams):
        return {"text": params.text, "effective": params.effective.isoformat()}
    if isinstance(params, MessageParams):
        return {"text": params.text}
    if isinstance(params, QuestionnaireParams):
        return {
            "questionnaire_id": params.questionnaire_id,
            "title": params.title,
            "count": params.count,
            "kind": params.kind,
            "text": params.text,
            "options": list(params.options),
        }
    if isinstance(params, ReadingsParams):
        return {"month": params.month, "start": params.start, "end": params.end}
    place = {
        "settlement": params.settlement,
        "street": params.street,
        "houses": params.houses,
        "starts_at": _iso(params.starts_at),
        "ends_at": _iso(params.ends_at),
    }
    if isinstance(params, OutageParams):
        kind = {"kind": params.kind.value} if params.kind is not None else {}
        return {**place, "reason": params.reason, **kind}
    return {**place, "notices": list(params.notices)}


# The notice, its outage, its delivery ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class Notice:
    id: int
    kind: NoticeKind
    topic: Topic
    audience: Audience
    urgent: bool
    params: NoticeParams
    outage_id: int | None
    status: NoticeStatus
    send_at: datetime
    source: str
    created_by: int | None
    created_at: datetime
    queued_at: datetime | None = None
    planned: int = 0
    finished_at: datetime | None = None
    cancelled_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Outage:
    id: int
    kind: OutageKind
    settlement: str
    street: str
    houses: str
    starts_at: datetime
    ends_at: datetime
    reason: str
    status: OutageStatus
    created_at: datetime
    closed_at: datetime | None


@dataclass(frozen=True, slots=True)
class Counts:
    """A notice's outbox rows by outcome, and when the first and the last went."""

    pending: int = 0
    sent: int = 0
    blocked: int = 0
    failed: int = 0
    dropped: int = 0
    first_sent: datetime | None = None
    last_sent: datetime | None = None

    @property
    def total(self) -> int:
        return self.pending + self.sent + self.blocked + self.failed + self.dropped


@dataclass(frozen=True, slots=True)
class Draft:
    """A file or a message staff prepared in the chat, waiting for «Запланировать» or
    «Отправить» (kind: an ImportKind's value, or "message" with the topic)."""

    id: int
    kind: str
    topic: str
    file_name: str
    content: str
    status: DraftStatus
    created_by: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class NoticeReport:
    notice: Notice
    counts: Counts
    outage: Outage | None = None


@dataclass
class Recipient:
    """One person a notice goes to, with the accounts it is about (and each one's figures)."""

    user_id: int
    accounts: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
