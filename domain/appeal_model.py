"""What an appeal is (regulation §3.9, §15–§17): its codes (kinds, subjects, forms of
service, statuses, actions, rejection grounds) and its records (the draft, the registered
appeal, one event of its history). The rules over them live in domain/appeal_lifecycle.py
(what may happen next) and domain/appeals.py (what may be registered).

Codes are ASCII; the Russian names live in the locale files, keyed by these codes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import NewType

from domain.contacts import AnswerChannel
from domain.ids import AccountNumber, UserId
from domain.pp55 import ApplicantType, Identity, Pp55Item, missing_items
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


# §15.2: every written appeal is registered, even one without a name or a contact; it is then
# closed on the ground of §15.10 instead of being refused at the door.
WRITTEN_FORMS = frozenset({ServiceForm.POST})


class RejectionGround(StrEnum):
    """The grounds on which no answer on the merits is given (§15.6–15.10, 59-ФЗ ст. 11)."""

    OBSCENE_OR_THREATS = "obscene_or_threats"  # §15.6, first item
    ILLEGIBLE = "illegible"  # §15.6, second item; §15.7 the consumer is told
    REPEAT_WITHOUT_NEW_ARGUMENTS = "repeat_without_new_arguments"  # §15.8
    CONFIDENTIAL = "confidential"  # §15.9
    NO_CONTACT_DATA = "no_contact_data"  # §15.10


class VulnerableGroup(StrEnum):
    """§5.1, §10.1: shown on the staff card so that the answer is plain and, where allowed,
    prioritised. No group names a health condition: disability is health data (152-ФЗ
    ст. 10), which needs a written consent of its own; a person who needs help or special
    conditions says so without saying why."""

    PENSIONER = "pensioner"
    NEEDS_HELP = "needs_help"
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
    # Staff found the text illegible (59-ФЗ ст. 11 ч. 4): a deadline stage of its own, the
    # appellant told (a rejection on that ground) within 7 days of registration.
    MARK_ILLEGIBLE = "mark_illegible"


class ActorKind(StrEnum):
    CONSUMER = "consumer"
    STAFF = "staff"
    SYSTEM = "system"


@dataclass(frozen=True, slots=True)
class Actor:
    kind: ActorKind
    id: int | None
    name: str = ""


SYSTEM = Actor(ActorKind.SYSTEM, None)


@dataclass(frozen=True, slots=True, kw_only=True)
class QualityComplaintDetails:
    """The fields ПП 442 (as amended by ПП 55) lists for a reliability or quality complaint
    (domain/pp55.py). `identity` is the person's identity data as entered, on a draft and on
    an appeal not stored yet; an appeal read back carries only which of them are kept
    (`identity_items`): the data itself is sealed (storage/crypto.py) and read on purpose.
    `applicant` is None on an appeal filed before the whole set was asked."""

    violation_time: datetime | None = None
    # The end of the time named when it was a range («с 18:00 до 21:00», «вечером»,
    # «2 декабря»: domain/when.py); None for a moment.
    violation_end: datetime | None = None
    device_address: str = ""
    contract_number: str = ""
    applicant: ApplicantType | None = None
    residence: str = ""
    company: str = ""
    phone: str = ""
    email: str = ""
    demand: str = ""
    identity: Identity | None = field(default=None, repr=False, compare=False)
    identity_items: frozenset[Pp55Item] = frozenset()

    def given(self) -> frozenset[Pp55Item]:
        plain = {
            Pp55Item.TIME: self.violation_time is not None,
            Pp55Item.DEVICE: bool(self.device_address),
            Pp55Item.CONTRACT: bool(self.contract_number),
            Pp55Item.RESIDENCE: bool(self.residence),
            Pp55Item.COMPANY: bool(self.company),
            Pp55Item.PHONE: bool(self.phone),
            Pp55Item.EMAIL: bool(self.email),
            Pp55Item.DEMAND: bool(self.demand),
        }
        sealed = self.identity.given() if self.identity is not None else self.identity_items
        return frozenset({item for item, has in plain.items() if has} | sealed)

    def missing(self) -> tuple[Pp55Item, ...]:
        """What the consumer has still to send (answered «Отправлю позже»)."""
        if self.applicant is None:
            return ()
        return missing_items(self.applicant, self.given())


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
    # When the appeal reached the company (59-ФЗ ст. 8 ч. 2), if before its registration:
    # a letter read on Monday, a journal row. None: received as it is registered.
    received_at: datetime | None = None
    # Order 186 register 4.9 (a journal row may carry them; staff add them later otherwise).
    measures_taken: str = ""
    measures_planned: str = ""
    contract_concluded: bool = False
    # The known outage the person was told of when starting a complaint about no power
    # (domain/known_outage.py); staff see the link on the card.
    outage_id: int | None = None


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
    # 59-ФЗ ст. 8 ч. 2: kept apart from the registration for every channel (None on an
    # appeal built before it was recorded: received as registered).
    received_at: datetime | None = None
    # The first answer's time: a reopen clears `answered_at` for the new answer, never this
    # (whether the appeal was answered on time is told by it).
    first_answered_at: datetime | None = None
    # Order 186 register 4.9 and table 4.1 row 4: the measures taken and planned after the
    # appeal, and whether it led to a connection or a transmission contract (staff fill them).
    measures_taken: str = ""
    measures_planned: str = ""
    contract_concluded: bool = False

    def __post_init__(self) -> None:
        for moment in (
            self.registered_at,
            self.due_at,
            self.answered_at,
            self.received_at,
            self.first_answered_at,
        ):
            if moment is not None:
                require_aware(moment)

    @property
    def received(self) -> datetime:
        """When the appeal reached the company (its registration if not told apart)."""
        return self.received_at if self.received_at is not None else self.registered_at

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


def require_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("an aware datetime is required")
