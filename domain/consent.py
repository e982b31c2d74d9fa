"""Consent to personal-data processing (152-ФЗ art. 9): versioned, timed, revocable."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.ids import UserId


class ConsentDecision(StrEnum):
    GIVEN = "given"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True, slots=True)
class ConsentRecord:
    user_id: UserId
    decision: ConsentDecision
    text_version: str
    decided_at: datetime

    @property
    def is_active(self) -> bool:
        return self.decision is ConsentDecision.GIVEN


def text_digest(body: str) -> str:
    """What a consent text is archived under besides its version: a changed text under the
    same version is caught (services/onboarding.py)."""
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def is_current(record: ConsentRecord | None, version: str) -> bool:
    """Consent given to the text people are asked now. A consent to an earlier version stays
    valid for what it said, but the person is asked the new text at their next visit."""
    return record is not None and record.is_active and record.text_version == version


def asks_renewal(record: ConsentRecord | None, version: str) -> bool:
    """Consent given to an earlier text: the person is asked again."""
    return record is not None and record.is_active and record.text_version != version
