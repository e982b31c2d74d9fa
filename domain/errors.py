"""Domain errors. Each maps to one text key in the handlers; none carries personal data."""

from __future__ import annotations

from datetime import datetime


class DomainError(Exception):
    """Base class: an expected refusal the person must be told about."""

    text_key: str = "error-domain"


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
