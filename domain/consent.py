"""Consent to personal-data processing (152-ФЗ art. 9): versioned, timed, revocable."""

from __future__ import annotations

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
