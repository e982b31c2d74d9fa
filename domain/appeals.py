"""Appeals (обращения, regulation §3.9, §15–§17): what they are, what they must contain, and
the lifecycle from registration to the answer, as data plus one pure function, `apply`.

Codes are ASCII; the Russian names live in the locale files, keyed by these codes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import NewType

from domain.contacts import AnswerChannel as AnswerChannel
from domain.contacts import normalize_ru_phone, validate_email
from domain.deadlines import MAX_EXTENSION_DAYS
from domain.errors import (
    ActionNotAllowed,
    AlreadyExtended,
    AnonymousAppeal,
    AttachmentTooLarge,
    EmptyAnswer,
    ExtensionTooLong,
    ExtensionTooShort,
    IllegalTransition,
    InvalidAppealNumber,
    InvalidRating,
    LinkedAppealRequired,
    RejectionGroundRequired,
    ReopenWindowClosed,
    SurveyNotOpen,
    TextTooLong,
    TextTooShort,
    TooManyAttachments,
)
from domain.ids import AccountNumber, UserId
from domain.limits import Field, check_length
from domain.screening import ScreeningFlag

AppealId = NewType("AppealId", int)
"""The database id of a registered appeal (None on an Appeal not saved yet)."""

TEXT_MIN = 10
TEXT_MAX = 4000
MAX_ATTACHMENTS = 10
# getFile lets a bot download files of at most 20 MB:
# https://core.telegram.org/bots/api#getfile
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024


class AppealKind(StrEnum):
    """§3.9 (предложение, заявление, жалоба, запрос информации) and §17.3 (благодарность,
    отзыв)."""

    COMPLAINT = "complaint"  # жалоба / претензия
    APPLICATION = "application"  # заявление / заявка
    INFORMATION_REQUEST = "information_request"  # запрос информации / вопрос
    SUGGESTION = "suggestion"  # предложение
    GRATITUDE = "gratitude"  # благодарность
    FEEDBACK = "feedback"  # отзыв о деятельности


class Subject(StrEnum):
    """Order 186, Приложение 7, tables 4.1 and 4.9: the reporting categories (requirements.md
    §3). The three lists share the codes of the items they share."""

    # All appeals.
    TRANSMISSION = "transmission"  # оказание услуг по передаче электрической энергии
    GRID_CONNECTION = "grid_connection"  # осуществление технологического присоединения
    METERING = "metering"  # коммерческий учёт электрической энергии
    SERVICE_QUALITY = "service_quality"  # качество обслуживания потребителей
    GRID_MAINTENANCE = "grid_maintenance"  # техническое обслуживание электросетевых объектов
    OTHER = "other"  # прочее
    # Appeals containing a complaint, besides the items above.
    TRANSMISSION_QUALITY = "transmission_quality"  # качество услуг по передаче э/э
    POWER_QUALITY = "power_quality"  # качество электрической энергии
    # Appeals containing an application (заявка), besides "other".
    CONNECTION_APPLICATION = "connection_application"  # по технологическому присоединению
    TRANSMISSION_CONTRACT = "transmission_contract"  # договор на услуги по передаче э/э
    METERING_ORGANISATION = "metering_organisation"  # организация коммерческого учёта


GENERAL_SUBJECTS: tuple[Subject, ...] = (
    Subject.TRANSMISSION,
    Subject.GRID_CONNECTION,
    Subject.METERING,
    Subject.SERVICE_QUALITY,
    Subject.GRID_MAINTENANCE,
    Subject.OTHER,
)
COMPLAINT_SUBJECTS: tuple[Subject, ...] = (
    Subject.TRANSMISSION_QUALITY,
    Subject.POWER_QUALITY,
    Subject.GRID_CONNECTION,
    Subject.METERING,
    Subject.SERVICE_QUALITY,
    Subject.GRID_MAINTENANCE,
    Subject.OTHER,
)
APPLICATION_SUBJECTS: tuple[Subject, ...] = (
    Subject.CONNECTION_APPLICATION,
    Subject.TRANSMISSION_CONTRACT,
    Subject.METERING_ORGANISATION,
    Subject.OTHER,
)
# ПП 442 as amended by ПП 55: a complaint about the reliability or the quality of supply
# carries extra fields (requirements.md §2).
QUALITY_SUBJECTS = frozenset({Subject.TRANSMISSION_QUALITY, Subject.POWER_QUALITY})


def subjects_for(kind: AppealKind) -> tuple[Subject, ...]:
    """The subject list offered for a kind, in the order of the report form."""
    if kind is AppealKind.COMPLAINT:
        return COMPLAINT_SUBJECTS
    if kind is AppealKind.APPLICATION:
        return APPLICATION_SUBJECTS
    return GENERAL_SUBJECTS


def is_quality_complaint(kind: AppealKind, subject: Subject) -> bool:
    """A complaint the ПП 55 fields (time of the violation, device address, contract) belong to."""
    return kind is AppealKind.COMPLAINT and subject in QUALITY_SUBJECTS


class ServiceForm(StrEnum):
    """Form of service, Order 186 Приложение 7 table 4.1 columns."""

    IN_PERSON = "in_person"  # очная
    PHONE = "phone"  # заочная по телефону
    INTERNET = "internet"  # электронная через Интернет (the bot)
    POST = "post"  # письменная почтой
    OTHER = "other"  # прочее


class RejectionGround(StrEnum):
    """The grounds on which no answer on the merits is given (§15.6–15.10, 59-ФЗ ст. 11)."""

    OBSCENE_OR_THREATS = "obscene_or_threats"  # §15.6, first item
    ILLEGIBLE = "illegible"  # §15.6, second item; §15.7 the consumer is told
    REPEAT_WITHOUT_NEW_ARGUMENTS = "repeat_without_new_arguments"  # §15.8
    CONFIDENTIAL = "confidential"  # §15.9
    NO_CONTACT_DATA = "no_contact_data"  # §15.10


class VulnerableGroup(StrEnum):
    """§5.1, §10.1: shown on the staff card so that the answer is plain and, where allowed,
    prioritised."""

    PENSIONER = "pensioner"
    DISABLED = "disabled"
    VETERAN = "veteran"
    LARGE_FAMILY = "large_family"
    SMALL_BUSINESS = "small_business"  # without legal staff


class AppealStatus(StrEnum):
    REGISTERED = "registered"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    CLARIFICATION_REQUESTED = "clarification_requested"
    ANSWERED = "answered"
    CLOSED = "closed"
    FORWARDED = "forwarded"  # outside the company's competence (59-ФЗ ст. 8 ч. 3)
    REJECTED = "rejected"  # no answer on the merits, one of RejectionGround


# The consumer may add information to these; the deadline runs for them.
OPEN_STATUSES = frozenset(
    {
        AppealStatus.REGISTERED,
        AppealStatus.ASSIGNED,
        AppealStatus.IN_PROGRESS,
        AppealStatus.CLARIFICATION_REQUESTED,
    }
)


class AppealAction(StrEnum):
    REGISTER = "register"  # only by `register`, never by `apply`
    ASSIGN = "assign"
    TAKE = "take"
    REQUEST_CLARIFICATION = "request_clarification"
    RECEIVE_CLARIFICATION = "receive_clarification"
    ANSWER = "answer"
    CLOSE = "close"
    EXTEND = "extend"
    FORWARD = "forward"
    REJECT = "reject"
    REOPEN = "reopen"
    ADD_INFORMATION = "add_information"
    RATE = "rate"  # the consumer's satisfaction survey after the answer (SPEC §9)


class ActorKind(StrEnum):
    CONSUMER = "consumer"
    STAFF = "staff"
    SYSTEM = "system"


_S = AppealStatus
_A = AppealAction

TRANSITIONS: Mapping[tuple[AppealStatus, AppealAction], AppealStatus] = MappingProxyType(
    {
        # §15.3: the head assigns the appeal to a department and an executor; reassigning
        # hands it to someone else who has to take it again.
        (_S.REGISTERED, _A.ASSIGN): _S.ASSIGNED,
        (_S.ASSIGNED, _A.ASSIGN): _S.ASSIGNED,
        (_S.IN_PROGRESS, _A.ASSIGN): _S.ASSIGNED,
        (_S.REGISTERED, _A.TAKE): _S.IN_PROGRESS,
        (_S.ASSIGNED, _A.TAKE): _S.IN_PROGRESS,
        # §15.4, §16.6: missing data is asked for before or during the work.
        (_S.REGISTERED, _A.REQUEST_CLARIFICATION): _S.CLARIFICATION_REQUESTED,
        (_S.ASSIGNED, _A.REQUEST_CLARIFICATION): _S.CLARIFICATION_REQUESTED,
        (_S.IN_PROGRESS, _A.REQUEST_CLARIFICATION): _S.CLARIFICATION_REQUESTED,
        (_S.CLARIFICATION_REQUESTED, _A.RECEIVE_CLARIFICATION): _S.IN_PROGRESS,
        # An answer may also be given on the data at hand while a clarification is pending.
        (_S.REGISTERED, _A.ANSWER): _S.ANSWERED,
        (_S.ASSIGNED, _A.ANSWER): _S.ANSWERED,
        (_S.IN_PROGRESS, _A.ANSWER): _S.ANSWERED,
        (_S.CLARIFICATION_REQUESTED, _A.ANSWER): _S.ANSWERED,
        (_S.ANSWERED, _A.CLOSE): _S.CLOSED,
        # 59-ФЗ ст. 12 ч. 2: an extension changes the due date, not the status.
        (_S.ASSIGNED, _A.EXTEND): _S.ASSIGNED,
        (_S.IN_PROGRESS, _A.EXTEND): _S.IN_PROGRESS,
        (_S.CLARIFICATION_REQUESTED, _A.EXTEND): _S.CLARIFICATION_REQUESTED,
        # 59-ФЗ ст. 8 ч. 3 (forward) and §15.6–15.10 (reject) end the appeal here.
        (_S.REGISTERED, _A.FORWARD): _S.FORWARDED,
        (_S.ASSIGNED, _A.FORWARD): _S.FORWARDED,
        (_S.IN_PROGRESS, _A.FORWARD): _S.FORWARDED,
        (_S.CLARIFICATION_REQUESTED, _A.FORWARD): _S.FORWARDED,
        (_S.REGISTERED, _A.REJECT): _S.REJECTED,
        (_S.ASSIGNED, _A.REJECT): _S.REJECTED,
        (_S.IN_PROGRESS, _A.REJECT): _S.REJECTED,
        (_S.CLARIFICATION_REQUESTED, _A.REJECT): _S.REJECTED,
        # SPEC §2: reopened within N days of the answer, under the same number.
        (_S.ANSWERED, _A.REOPEN): _S.IN_PROGRESS,
        (_S.CLOSED, _A.REOPEN): _S.IN_PROGRESS,
        # The survey after the answer closes the appeal; a rating after a staff close is
        # still welcome.
        (_S.ANSWERED, _A.RATE): _S.CLOSED,
        (_S.CLOSED, _A.RATE): _S.CLOSED,
        # The consumer adds information to an open appeal; the status stays.
        **{(status, _A.ADD_INFORMATION): status for status in OPEN_STATUSES},
    }
)

# What a consumer may do to their own appeal; staff and the system may do everything the
# transition table allows (who is staff is decided outside the domain).
CONSUMER_ACTIONS = frozenset(
    {_A.ADD_INFORMATION, _A.RECEIVE_CLARIFICATION, _A.REOPEN, _A.CLOSE, _A.RATE}
)
# Only the consumer rates their answer.
CONSUMER_ONLY_ACTIONS = frozenset({_A.RATE})
RATING_MIN = 1
RATING_MAX = 5


@dataclass(frozen=True, slots=True)
class Actor:
    kind: ActorKind
    id: int | None
    name: str = ""


SYSTEM = Actor(ActorKind.SYSTEM, None)


@dataclass(frozen=True, slots=True, kw_only=True)
class QualityComplaintDetails:
    """The fields ПП 442 (as amended by ПП 55) lists for a reliability or quality complaint."""

    violation_time: datetime | None = None
    device_address: str = ""
    contract_number: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class AppealDraft:
    """What the consumer dialog (or a specialist registering a phone/post appeal) collected."""

    user_id: UserId | None
    kind: AppealKind
    subject: Subject
    form: ServiceForm
    text: str
    full_name: str
    address: str = ""
    account_number: AccountNumber | None = None
    answer_channel: AnswerChannel = AnswerChannel.CHAT
    contact: str = ""
    vulnerable: VulnerableGroup | None = None
    pp55: QualityComplaintDetails | None = None
    # A voice message stands in for the text: staff listen to it (SPEC §2).
    voice: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Appeal:
    id: AppealId | None
    number: str
    user_id: UserId | None  # None for phone, post and in-person appeals without Telegram
    kind: AppealKind
    subject: Subject
    form: ServiceForm
    status: AppealStatus
    registered_at: datetime
    due_at: datetime
    text: str
    full_name: str
    address: str
    answer_channel: AnswerChannel
    contact: str = ""  # e-mail, phone, postal address; empty for the chat
    account_number: AccountNumber | None = None
    extended: bool = False
    vulnerable: VulnerableGroup | None = None
    pp55: QualityComplaintDetails | None = None
    flags: tuple[ScreeningFlag, ...] = ()
    assignee_id: int | None = None
    answered_at: datetime | None = None
    answer_text: str | None = None
    rejection_ground: RejectionGround | None = None
    linked_appeal_id: AppealId | None = None
    reopen_count: int = 0
    # The satisfaction survey (SPEC §9): rating 1–5, "is the question resolved", a comment.
    rating: int | None = None
    resolved: bool | None = None
    survey_comment: str = ""

    def __post_init__(self) -> None:
        for moment in (self.registered_at, self.due_at, self.answered_at):
            if moment is not None:
                _require_aware(moment)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, now: datetime) -> bool:
        return self.is_open and now > self.due_at


@dataclass(frozen=True, slots=True, kw_only=True)
class AppealEvent:
    """One line of an appeal's history: who did what, when and why (SPEC §2)."""

    action: AppealAction
    actor: Actor
    at: datetime
    reason: str
    from_status: AppealStatus | None  # None only for the registration
    to_status: AppealStatus
    details: tuple[tuple[str, str], ...] = ()

    def detail(self, key: str) -> str | None:
        return next((value for name, value in self.details if name == key), None)


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("an aware datetime is required")


# Submission -------------------------------------------------------------------------------


def check_submittable(draft: AppealDraft) -> None:
    """Refuse what may not be registered: anonymous appeals (§15.10, 59-ФЗ ст. 11 ч. 1: no
    name, or nowhere to send the answer), a text too short or too long, a name, an address
    or a contact longer than the registry holds (domain/limits.py), a subject that does not
    belong to the kind."""
    if draft.subject not in subjects_for(draft.kind):
        raise ValueError(f"subject {draft.subject} does not belong to kind {draft.kind}")
    if not draft.full_name.strip():
        raise AnonymousAppeal("full_name")
    check_length(Field.FULL_NAME, " ".join(draft.full_name.split()))
    check_length(Field.ADDRESS, draft.address.strip())
    check_length(Field.CONTACT, _normalized_contact(draft))
    if draft.pp55 is not None:
        check_length(Field.DEVICE_ADDRESS, draft.pp55.device_address)
        check_length(Field.CONTRACT_NUMBER, draft.pp55.contract_number)
    text = draft.text.strip()
    if len(text) > TEXT_MAX:
        raise TextTooLong(TEXT_MAX)
    if len(text) < TEXT_MIN and not (draft.voice and not text):
        raise TextTooShort(TEXT_MIN)


def _normalized_contact(draft: AppealDraft) -> str:
    """The contact the answer goes to (59-ФЗ ст. 7 ч. 3, ст. 10 ч. 4), in canonical form."""
    channel = draft.answer_channel
    contact = draft.contact.strip()
    if channel is AnswerChannel.CHAT:
        if draft.user_id is None:
            raise AnonymousAppeal("contact")
        return ""
    if not contact:
        raise AnonymousAppeal("contact")
    if channel is AnswerChannel.EMAIL:
        return validate_email(contact)
    if channel is AnswerChannel.PHONE:
        return normalize_ru_phone(contact)
    return " ".join(contact.split())


def check_attachment(*, size: int | None, already_attached: int) -> None:
    """One more file to an appeal: at most MAX_ATTACHMENTS, each within the bot download limit.

    `size` is what Telegram reports; it may be unknown for some files."""
    if already_attached >= MAX_ATTACHMENTS:
        raise TooManyAttachments(MAX_ATTACHMENTS)
    if size is not None and size > MAX_ATTACHMENT_BYTES:
        raise AttachmentTooLarge(MAX_ATTACHMENT_BYTES)


def register(
    draft: AppealDraft,
    *,
    number: str,
    actor: Actor,
    at: datetime,
    due_at: datetime,
    flags: tuple[ScreeningFlag, ...] = (),
) -> tuple[Appeal, AppealEvent]:
    """The appeal as registered (§15.2): checked, contact normalised, due date given (computed
    by the caller with `domain.deadlines.due_date`), plus the first history event."""
    check_submittable(draft)
    _require_aware(at)
    if not number:
        raise ValueError("a registered appeal has a number")
    appeal = Appeal(
        id=None,
        number=number,
        user_id=draft.user_id,
        kind=draft.kind,
        subject=draft.subject,
        form=draft.form,
        status=AppealStatus.REGISTERED,
        registered_at=at,
        due_at=due_at,
        text=draft.text.strip(),
        full_name=" ".join(draft.full_name.split()),
        address=draft.address.strip(),
        answer_channel=draft.answer_channel,
        contact=_normalized_contact(draft),
        account_number=draft.account_number,
        vulnerable=draft.vulnerable,
        pp55=draft.pp55,
        flags=flags,
    )
    event = AppealEvent(
        action=AppealAction.REGISTER,
        actor=actor,
        at=at,
        reason="",
        from_status=None,
        to_status=AppealStatus.REGISTERED,
        details=(("number", number), ("due_at", due_at.isoformat())),
    )
    return appeal, event


# Lifecycle --------------------------------------------------------------------------------

# The keyword arguments of `apply` that belong to each action; any other is a caller's mistake.
_ARGUMENTS: Mapping[AppealAction, tuple[str, ...]] = MappingProxyType(
    {
        AppealAction.ASSIGN: ("assignee_id",),
        AppealAction.ANSWER: ("answer_text",),
        AppealAction.EXTEND: ("days", "new_due_at"),
        AppealAction.REJECT: ("ground", "linked_appeal_id"),
        AppealAction.REOPEN: ("reopen_window", "new_due_at"),
        AppealAction.RATE: ("rating",),
    }
)


def apply(
    appeal: Appeal,
    action: AppealAction,
    *,
    actor: Actor,
    at: datetime,
    reason: str = "",
    assignee_id: int | None = None,
    answer_text: str | None = None,
    days: int | None = None,
    new_due_at: datetime | None = None,
    ground: RejectionGround | None = None,
    linked_appeal_id: AppealId | None = None,
    reopen_window: timedelta | None = None,
    rating: int | None = None,
    **details: str,
) -> tuple[Appeal, AppealEvent]:
    """The appeal after `action`, and the event to store with it.

    The keyword arguments each belong to one action: `assignee_id` to assign; `answer_text`
    to answer; `days` and `new_due_at` (from `domain.deadlines.extend_due`) to extend;
    `ground` and `linked_appeal_id` to reject; `reopen_window` (and optionally `new_due_at`)
    to reopen. Anything else in `details` is recorded in the event as is.
    """
    to_status = TRANSITIONS.get((appeal.status, action))
    if to_status is None:
        raise IllegalTransition(appeal.status, action)
    if actor.kind is ActorKind.CONSUMER and (
        action not in CONSUMER_ACTIONS or actor.id is None or actor.id != appeal.user_id
    ):
        raise ActionNotAllowed(action, actor.kind)
    if action in CONSUMER_ONLY_ACTIONS and actor.kind is not ActorKind.CONSUMER:
        raise ActionNotAllowed(action, actor.kind)
    _require_aware(at)
    given = {
        "assignee_id": assignee_id,
        "answer_text": answer_text,
        "days": days,
        "new_due_at": new_due_at,
        "ground": ground,
        "linked_appeal_id": linked_appeal_id,
        "reopen_window": reopen_window,
        "rating": rating,
    }
    stray = sorted(
        name
        for name, value in given.items()
        if value is not None and name not in _ARGUMENTS.get(action, ())
    )
    if stray:
        raise ValueError(f"{action} takes no {', '.join(stray)}")
    recorded: list[tuple[str, str]] = []
    updated = replace(appeal, status=to_status)

    if action is AppealAction.ASSIGN:
        if assignee_id is None:
            raise ValueError("assign needs an assignee_id")
        updated = replace(updated, assignee_id=assignee_id)
        recorded.append(("assignee_id", str(assignee_id)))
    elif action is AppealAction.TAKE:
        updated = replace(updated, assignee_id=actor.id)
        if actor.id is not None:
            recorded.append(("assignee_id", str(actor.id)))
    elif action is AppealAction.ANSWER:
        text = (answer_text or "").strip()
        if not text:
            raise EmptyAnswer("an answer needs a text")
        updated = replace(updated, answered_at=at, answer_text=text)
        # The answer text also goes into the history: a reopen clears it from the appeal.
        recorded.append(("answer_text", text))
    elif action is AppealAction.EXTEND:
        updated = _extended(updated, days=days, new_due_at=new_due_at)
        recorded += [
            ("days", str(days)),
            ("previous_due_at", appeal.due_at.isoformat()),
            ("due_at", updated.due_at.isoformat()),
        ]
    elif action is AppealAction.REJECT:
        updated = _rejected(updated, ground=ground, linked_appeal_id=linked_appeal_id)
        recorded.append(("ground", str(ground)))
        if linked_appeal_id is not None:
            recorded.append(("linked_appeal_id", str(linked_appeal_id)))
    elif action is AppealAction.REOPEN:
        updated = _reopened(updated, at=at, window=reopen_window, new_due_at=new_due_at)
        recorded += [
            ("previous_answered_at", _iso(appeal.answered_at)),
            ("reopen_count", str(updated.reopen_count)),
            ("due_at", updated.due_at.isoformat()),
        ]

    elif action is AppealAction.RATE:
        if appeal.rating is not None:
            raise SurveyNotOpen("the answer is already rated")
        if rating is None or not RATING_MIN <= rating <= RATING_MAX:
            raise InvalidRating("a rating is 1 to 5")
        updated = replace(updated, rating=rating)
        recorded.append(("rating", str(rating)))

    recorded += sorted(details.items())
    event = AppealEvent(
        action=action,
        actor=actor,
        at=at,
        reason=reason.strip(),
        from_status=appeal.status,
        to_status=to_status,
        details=tuple(recorded),
    )
    return updated, event


def with_survey_answers(
    appeal: Appeal, *, resolved: bool | None = None, comment: str | None = None
) -> Appeal:
    """The survey's later questions ("is it resolved", a comment) on a rated appeal."""
    if appeal.rating is None:
        raise SurveyNotOpen("rate the answer first")
    if comment is not None and len(comment.strip()) > TEXT_MAX:
        raise TextTooLong(TEXT_MAX)
    return replace(
        appeal,
        resolved=appeal.resolved if resolved is None else resolved,
        survey_comment=appeal.survey_comment if comment is None else comment.strip(),
    )


def _iso(moment: datetime | None) -> str:
    return moment.isoformat() if moment is not None else ""


def _extended(appeal: Appeal, *, days: int | None, new_due_at: datetime | None) -> Appeal:
    """59-ФЗ ст. 12 ч. 2: once, by at most 30 days."""
    if days is None or new_due_at is None:
        raise ValueError("extend needs days and new_due_at")
    if appeal.extended:
        raise AlreadyExtended("the answer time was already extended")
    if days > MAX_EXTENSION_DAYS:
        raise ExtensionTooLong(MAX_EXTENSION_DAYS)
    if days < 1:
        raise ExtensionTooShort()
    _require_aware(new_due_at)
    if new_due_at <= appeal.due_at:
        raise ValueError("an extension moves the due date later")
    return replace(appeal, due_at=new_due_at, extended=True)


def _rejected(
    appeal: Appeal, *, ground: RejectionGround | None, linked_appeal_id: AppealId | None
) -> Appeal:
    if ground is None:
        raise RejectionGroundRequired("a rejection names its ground")
    if ground is RejectionGround.REPEAT_WITHOUT_NEW_ARGUMENTS and linked_appeal_id is None:
        raise LinkedAppealRequired("a repeat points to the earlier appeal")
    if linked_appeal_id is not None and linked_appeal_id == appeal.id:
        raise ValueError("an appeal cannot repeat itself")
    return replace(
        appeal,
        rejection_ground=ground,
        linked_appeal_id=(
            linked_appeal_id if linked_appeal_id is not None else appeal.linked_appeal_id
        ),
    )


def _reopened(
    appeal: Appeal, *, at: datetime, window: timedelta | None, new_due_at: datetime | None
) -> Appeal:
    """Back to work under the same number. The due date stays unless the caller gives a new
    one (a setting decides whether a reopened appeal gets a fresh term)."""
    if window is None:
        raise ValueError("reopen needs the reopen_window")
    if appeal.answered_at is None:
        raise ValueError("only an answered appeal can be reopened")
    closes_at = appeal.answered_at + window
    if at > closes_at:
        raise ReopenWindowClosed(closes_at)
    if new_due_at is not None:
        _require_aware(new_due_at)
    return replace(
        appeal,
        answered_at=None,
        answer_text=None,
        # A new answer gets a new survey; the old rating stays in the history.
        rating=None,
        resolved=None,
        survey_comment="",
        reopen_count=appeal.reopen_count + 1,
        due_at=new_due_at if new_due_at is not None else appeal.due_at,
    )


# Registration numbers ---------------------------------------------------------------------

_PREFIX_RE = re.compile(r"[^\W_]+")
_NUMBER_RE = re.compile(r"(?P<prefix>[^\W_]+)-(?P<year>[0-9]{4})-(?P<sequence>[0-9]{6,})")


def format_number(prefix: str, year: int, sequence: int) -> str:
    """`VE-2026-000123`: the prefix from the settings (upper-cased), the year, the sequence
    within the year padded to six digits (a seventh digit simply widens it)."""
    if not _PREFIX_RE.fullmatch(prefix):
        raise ValueError("the prefix is letters and digits")
    if not 1000 <= year <= 9999:
        raise ValueError("the year has four digits")
    if sequence < 1:
        raise ValueError("sequences start at 1")
    return f"{prefix.upper()}-{year}-{sequence:06d}"


def parse_number(number: str) -> tuple[str, int, int]:
    """(prefix, year, sequence) of a number as `format_number` writes it; the prefix may be
    typed in any case and is returned upper-cased."""
    match = _NUMBER_RE.fullmatch(number.strip())
    if match is None or int(match["sequence"]) < 1:
        raise InvalidAppealNumber("not an appeal number")
    return match["prefix"].upper(), int(match["year"]), int(match["sequence"])


def leading_number(text: str) -> str | None:
    """The appeal number a text starts with, as `format_number` writes it (a staff-chat
    topic's name starts with its appeal's number), or None."""
    words = text.split(maxsplit=1)
    if not words:
        return None
    try:
        prefix, year, sequence = parse_number(words[0])
    except InvalidAppealNumber:
        return None
    return format_number(prefix, year, sequence)
