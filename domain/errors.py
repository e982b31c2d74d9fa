"""Domain errors. Each maps to one text key in the handlers; none carries personal data."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any


class DomainError(Exception):
    """Base class: an expected refusal the person must be told about."""

    text_key: str = "error-domain"

    @property
    def text_args(self) -> Mapping[str, Any]:
        """What the text of `text_key` needs besides the key (most texts need nothing)."""
        return {}


class TooLong(DomainError):
    """A text longer than its field holds (domain/limits.py). The value itself is not kept:
    it may be personal data."""

    text_key = "error-too-long"

    def __init__(self, field: str, limit: int, length: int) -> None:
        super().__init__(f"{field} is longer than {limit} characters")
        self.field = field
        self.limit = limit
        self.length = length

    @property
    def text_args(self) -> Mapping[str, Any]:
        return {"field": self.field, "limit": self.limit, "length": self.length}


class ConsentRequired(DomainError):
    text_key = "consent-required"


class InvalidAccountNumber(DomainError):
    text_key = "link-account-invalid"


class LinkRefused(DomainError):
    """No such account, or the second factor does not match: told apart to nobody."""

    text_key = "link-failed"

    def __init__(self, attempts_left: int) -> None:
        super().__init__("account linking refused")
        self.attempts_left = attempts_left


class AccountNotFound(LinkRefused):
    pass


class SecondFactorMismatch(LinkRefused):
    pass


class AccountAlreadyLinked(DomainError):
    text_key = "link-already"


class AccountNotLinked(DomainError):
    text_key = "unlink-not-linked"


class TooManyLinkAttempts(DomainError):
    text_key = "link-too-many"

    def __init__(self, retry_at: datetime) -> None:
        super().__init__("too many linking attempts")
        self.retry_at = retry_at


class TooManyAccounts(DomainError):
    text_key = "link-too-many-accounts"


class ContentSectionNotFound(DomainError):
    text_key = "info-not-found"


# Appeals (обращения): lifecycle, submission checks, contacts, deadlines.


class IllegalTransition(DomainError):
    """The action is not allowed in the appeal's current status."""

    text_key = "appeal-error-illegal-transition"

    def __init__(self, status: str, action: str) -> None:
        super().__init__(f"action {action!s} is not allowed in status {status!s}")
        self.status = status
        self.action = action


class ActionNotAllowed(DomainError):
    """This kind of actor (a consumer) may not perform this action (a staff one)."""

    text_key = "appeal-error-action-not-allowed"

    def __init__(self, action: str, actor_kind: str) -> None:
        super().__init__(f"a {actor_kind!s} may not {action!s}")
        self.action = action
        self.actor_kind = actor_kind


class AlreadyExtended(DomainError):
    """59-ФЗ ст. 12 ч. 2: the answer time may be extended once."""

    text_key = "appeal-error-already-extended"


class ExtensionTooLong(DomainError):
    """59-ФЗ ст. 12 ч. 2: an extension is at most 30 days."""

    text_key = "appeal-error-extension-too-long"

    def __init__(self, max_days: int) -> None:
        super().__init__(f"an extension is at most {max_days} days")
        self.max_days = max_days


class ExtensionTooShort(DomainError):
    text_key = "appeal-error-extension-too-short"

    def __init__(self) -> None:
        super().__init__("an extension is at least one day")


class RejectionGroundRequired(DomainError):
    """A refusal to answer on the merits names one of the grounds of §15.6–15.10."""

    text_key = "appeal-error-ground-required"


class LinkedAppealRequired(DomainError):
    """§15.8: a repeat without new arguments points to the earlier, answered appeal."""

    text_key = "appeal-error-linked-appeal-required"


class ReopenWindowClosed(DomainError):
    text_key = "appeal-error-reopen-window-closed"

    def __init__(self, closed_at: datetime) -> None:
        super().__init__("the appeal can no longer be reopened")
        self.closed_at = closed_at


class EmptyAnswer(DomainError):
    text_key = "appeal-error-empty-answer"


class AnonymousAppeal(DomainError):
    """§15.10, 59-ФЗ ст. 11 ч. 1: no name, or no contact to send the answer to."""

    text_key = "appeal-error-anonymous"

    def __init__(self, missing: str) -> None:
        super().__init__(f"the appeal has no {missing}")
        self.missing = missing


class TextTooShort(DomainError):
    text_key = "appeal-error-text-too-short"

    def __init__(self, limit: int) -> None:
        super().__init__(f"the text is shorter than {limit} characters")
        self.limit = limit


class TextTooLong(DomainError):
    text_key = "appeal-error-text-too-long"

    def __init__(self, limit: int) -> None:
        super().__init__(f"the text is longer than {limit} characters")
        self.limit = limit


class TooManyAttachments(DomainError):
    text_key = "appeal-error-too-many-attachments"

    def __init__(self, limit: int) -> None:
        super().__init__(f"at most {limit} attachments")
        self.limit = limit


class AttachmentTooLarge(DomainError):
    text_key = "appeal-error-attachment-too-large"

    def __init__(self, limit_bytes: int) -> None:
        super().__init__(f"an attachment is at most {limit_bytes} bytes")
        self.limit_bytes = limit_bytes


class InvalidAppealNumber(DomainError):
    text_key = "appeal-error-invalid-number"


class InvalidPhone(DomainError):
    """Not a Russian phone number. The raw input is not kept: it is personal data."""

    text_key = "contact-error-invalid-phone"


class InvalidEmail(DomainError):
    """Not an e-mail address. The raw input is not kept: it is personal data."""

    text_key = "contact-error-invalid-email"


class InvalidPassport(DomainError):
    """Not a passport series (4 digits) and number (6 digits). The raw input is not kept."""

    text_key = "pp55-passport-invalid"


class InvalidBirthDate(DomainError):
    """Not a real date of birth in the past. The raw input is not kept."""

    text_key = "pp55-birth-date-invalid"


class IdentityNotKept(DomainError):
    """The identity data of an appeal cannot be shown: none was given, or the key that sealed
    it is not the key in the settings."""

    text_key = "pp55-identity-none"


class SealBroken(DomainError):
    """A sealed value that the configured key does not open (a key changed without keeping
    the old one in PD_ENCRYPTION_KEY)."""

    text_key = "pp55-identity-unreadable"


class InvalidFullName(DomainError):
    """Not a full name (two words with letters, §15.2). The raw input is not kept."""

    text_key = "appeal-full-name-invalid"


class InvalidPostalAddress(DomainError):
    """Not a postal address a letter can reach (a postcode, a street, a house)."""

    text_key = "appeal-post-invalid"


class AppealNotFound(DomainError):
    """No such appeal among the person's own: another person's appeal is never shown."""

    text_key = "appeal-not-found"


# Staff (SPEC §3).


class RoleRequired(DomainError):
    """The staff member's role does not allow the action (head: assign, extend; admin:
    settings)."""

    text_key = "staff-error-role"

    def __init__(self, role: str) -> None:
        super().__init__(f"the action needs the role {role!s}")
        self.role = role


class DraftOfAnother(RoleRequired):
    """A notice's draft is confirmed or cancelled by its author or by a head (SPEC §8)."""

    text_key = "staff-notice-not-author"

    def __init__(self) -> None:
        super().__init__("head")


class SignatureIncomplete(DomainError):
    """§15.5: a final answer carries the executor's name, position, phone and e-mail; the
    profile lacks `missing` (the first such field)."""

    text_key = "staff-error-signature"

    def __init__(self, missing: str) -> None:
        super().__init__(f"the staff profile lacks {missing!s}")
        self.missing = missing

    @property
    def text_args(self) -> Mapping[str, Any]:
        return {"field": self.missing}


class SignerMissing(DomainError):
    """§15.5: an answer is signed by an authorised official — the head of the executor's
    department. `reason`: department (the executor has none), head (none set), role (the
    one set is not a head), profile (the head's name or position is missing)."""

    text_key = "staff-error-signer"

    def __init__(self, reason: str, department: str = "") -> None:
        super().__init__(f"no signer: {reason}")
        self.reason = reason
        self.department = department

    @property
    def text_args(self) -> Mapping[str, Any]:
        return {"reason": self.reason, "department": self.department or "none"}


class StaffNotFound(DomainError):
    text_key = "staff-error-not-found"


class DepartmentNotFound(DomainError):
    text_key = "staff-error-department-not-found"


class InvalidRating(DomainError):
    text_key = "survey-error-rating"


class SurveyNotOpen(DomainError):
    """A rating is given once, for an answered appeal of one's own."""

    text_key = "survey-error-closed"


class TextRequired(DomainError):
    """A question, a reason or an addressee is required and was empty."""

    text_key = "staff-error-text-required"


class NoTelegramChat(DomainError):
    """The appeal came by phone, post or in person: there is no chat to send a file to."""

    text_key = "staff-error-no-chat"


class ExtensionAfterDueDate(DomainError):
    """59-ФЗ ст. 12 ч. 2: the answer time is extended before it runs out, never after (an
    extension of an overdue appeal would hide the violation)."""

    text_key = "appeal-error-extension-after-due"

    def __init__(self, due_at: datetime) -> None:
        super().__init__("the due date has passed: no extension")
        self.due_at = due_at


class ForwardingTooLate(DomainError):
    """59-ФЗ ст. 8 ч. 3: an appeal outside the competence is forwarded within 7 days of its
    registration; later it is answered here."""

    text_key = "appeal-error-forward-too-late"

    def __init__(self, forward_by: datetime) -> None:
        super().__init__("forwarding is allowed within 7 days of registration")
        self.forward_by = forward_by


class ReceivedAfterRegistration(DomainError):
    """An appeal cannot be received after it was registered, nor in the future."""

    text_key = "appeal-error-received-after-registration"


class StaffRatingInvalid(DomainError):
    """/rating not as `/rating 1-5 [решён|не решён] [телефон|письмо|e-mail]`."""

    text_key = "staff-rating-usage"


class StaffRatingChannelRequired(DomainError):
    """A rating entered by staff says how it came (phone, letter, e-mail): the appeal's own
    answer channel says it unless the answer went to the chat."""

    text_key = "staff-rating-channel"


class LoginLinkInvalid(DomainError):
    """A web desk login link that is unknown, expired or used already (docs/web.md)."""

    text_key = "web-link-invalid"
