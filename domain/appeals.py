"""Appeals (обращения, regulation §3.9, §15–§17), in four modules behind this one:

- domain/appeal_model.py: what an appeal is (kinds, subjects, statuses, the records);
- domain/appeal_lifecycle.py: the transition table and `apply`, from registration to the
  answer, and which refusal as a repeat needs the earlier appeal's number;
- domain/appeal_numbers.py: registration numbers;
- here: what may be registered (`check_submittable`, `register`).

Every name is importable from here, as before the split.
"""

from __future__ import annotations

from datetime import datetime

from domain.appeal_lifecycle import CONSUMER_ACTIONS as CONSUMER_ACTIONS
from domain.appeal_lifecycle import CONSUMER_ONLY_ACTIONS as CONSUMER_ONLY_ACTIONS
from domain.appeal_lifecycle import RATING_MAX as RATING_MAX
from domain.appeal_lifecycle import RATING_MIN as RATING_MIN
from domain.appeal_lifecycle import TRANSITIONS as TRANSITIONS
from domain.appeal_lifecycle import apply as apply
from domain.appeal_lifecycle import flagged_repeat_of as flagged_repeat_of
from domain.appeal_lifecycle import repeat_needs_earlier_number as repeat_needs_earlier_number
from domain.appeal_lifecycle import with_survey_answers as with_survey_answers
from domain.appeal_model import APPLICATION_SUBJECTS as APPLICATION_SUBJECTS
from domain.appeal_model import COMPLAINT_SUBJECTS as COMPLAINT_SUBJECTS
from domain.appeal_model import GENERAL_SUBJECTS as GENERAL_SUBJECTS
from domain.appeal_model import MAX_ATTACHMENT_BYTES as MAX_ATTACHMENT_BYTES
from domain.appeal_model import MAX_ATTACHMENTS as MAX_ATTACHMENTS
from domain.appeal_model import OPEN_STATUSES as OPEN_STATUSES
from domain.appeal_model import QUALITY_SUBJECTS as QUALITY_SUBJECTS
from domain.appeal_model import SYSTEM as SYSTEM
from domain.appeal_model import TEXT_MAX as TEXT_MAX
from domain.appeal_model import TEXT_MIN as TEXT_MIN
from domain.appeal_model import WRITTEN_FORMS as WRITTEN_FORMS
from domain.appeal_model import Actor as Actor
from domain.appeal_model import ActorKind as ActorKind
from domain.appeal_model import Appeal as Appeal
from domain.appeal_model import AppealAction as AppealAction
from domain.appeal_model import AppealDraft as AppealDraft
from domain.appeal_model import AppealEvent as AppealEvent
from domain.appeal_model import AppealId as AppealId
from domain.appeal_model import AppealKind as AppealKind
from domain.appeal_model import AppealStatus as AppealStatus
from domain.appeal_model import QualityComplaintDetails as QualityComplaintDetails
from domain.appeal_model import RejectionGround as RejectionGround
from domain.appeal_model import ServiceForm as ServiceForm
from domain.appeal_model import Subject as Subject
from domain.appeal_model import VulnerableGroup as VulnerableGroup
from domain.appeal_model import is_quality_complaint as is_quality_complaint
from domain.appeal_model import require_aware
from domain.appeal_model import subjects_for as subjects_for
from domain.appeal_numbers import format_number as format_number
from domain.appeal_numbers import leading_number as leading_number
from domain.appeal_numbers import parse_number as parse_number
from domain.contacts import AnswerChannel as AnswerChannel
from domain.contacts import normalize_ru_phone, validate_email
from domain.errors import (
    AnonymousAppeal,
    AttachmentTooLarge,
    ReceivedAfterRegistration,
    TextTooLong,
    TextTooShort,
    TooManyAttachments,
)
from domain.limits import Field, check_length
from domain.screening import ScreeningFlag


def check_submittable(draft: AppealDraft) -> None:
    """Refuse what may not be registered: anonymous appeals (§15.10, 59-ФЗ ст. 11 ч. 1: no
    name, or nowhere to send the answer), a text too short or too long, a name, an address
    or a contact longer than the registry holds (domain/limits.py), a subject that does not
    belong to the kind."""
    if draft.subject not in subjects_for(draft.kind):
        raise ValueError(f"subject {draft.subject} does not belong to kind {draft.kind}")
    # §15.2: a written appeal is registered even without them (then closed, §15.10).
    anonymous = lacks_contact_data(draft)
    if anonymous and draft.form not in WRITTEN_FORMS:
        raise AnonymousAppeal("full_name" if not draft.full_name.strip() else "contact")
    check_length(Field.FULL_NAME, " ".join(draft.full_name.split()))
    check_length(Field.ADDRESS, draft.address.strip())
    if not anonymous:
        check_length(Field.CONTACT, _normalized_contact(draft))
    if draft.pp55 is not None:
        check_length(Field.DEVICE_ADDRESS, draft.pp55.device_address)
        check_length(Field.CONTRACT_NUMBER, draft.pp55.contract_number)
        check_length(Field.ADDRESS, draft.pp55.residence)
        check_length(Field.FULL_NAME, draft.pp55.company)
        check_length(Field.DEMAND, draft.pp55.demand)
    text = draft.text.strip()
    if len(text) > TEXT_MAX:
        raise TextTooLong(TEXT_MAX)
    if len(text) < TEXT_MIN and not (draft.voice and not text):
        raise TextTooShort(TEXT_MIN)


def lacks_contact_data(draft: AppealDraft) -> bool:
    """No name, or nowhere to send the answer (§15.10, 59-ФЗ ст. 11 ч. 1)."""
    if not draft.full_name.strip():
        return True
    if draft.answer_channel is AnswerChannel.CHAT:
        return draft.user_id is None
    return not draft.contact.strip()


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
    require_aware(at)
    if not number:
        raise ValueError("a registered appeal has a number")
    received_at = draft.received_at if draft.received_at is not None else at
    require_aware(received_at)
    if received_at > at:
        raise ReceivedAfterRegistration("received after the registration")
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
        contact="" if lacks_contact_data(draft) else _normalized_contact(draft),
        account_number=draft.account_number,
        vulnerable=draft.vulnerable,
        pp55=draft.pp55,
        flags=flags,
        received_at=received_at,
        measures_taken=draft.measures_taken.strip(),
        measures_planned=draft.measures_planned.strip(),
        contract_concluded=draft.contract_concluded,
    )
    event = AppealEvent(
        action=AppealAction.REGISTER,
        actor=actor,
        at=at,
        reason="",
        from_status=None,
        to_status=AppealStatus.REGISTERED,
        details=(
            ("number", number),
            ("due_at", due_at.isoformat()),
            ("received_at", received_at.isoformat()),
        ),
    )
    return appeal, event
