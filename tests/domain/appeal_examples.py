"""What the appeal tests (test_appeals.py, test_appeal_lifecycle.py) work with: fixed
moments, actors, a complete draft, and an appeal in any status."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from domain.appeals import (
    Actor,
    ActorKind,
    AnswerChannel,
    Appeal,
    AppealDraft,
    AppealId,
    AppealKind,
    AppealStatus,
    ServiceForm,
    Subject,
)
from domain.ids import AccountNumber, UserId

REGISTERED_AT = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
DUE_AT = datetime(2026, 12, 24, 20, 59, 59, tzinfo=UTC)
ANSWERED_AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
AT = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
WINDOW = timedelta(days=30)

STAFF = Actor(ActorKind.STAFF, 501, "Иванова А. А.")
CONSUMER = Actor(ActorKind.CONSUMER, 1001)
SYSTEM = Actor(ActorKind.SYSTEM, None)

DRAFT = AppealDraft(
    user_id=UserId(1001),
    kind=AppealKind.COMPLAINT,
    subject=Subject.POWER_QUALITY,
    form=ServiceForm.INTERNET,
    text="Третий день напряжение в розетке около 180 вольт, холодильник не включается.",
    full_name="Королёва  Мария Петровна",
    address="Выкса, ул. Ленина, 12-5",
    account_number=AccountNumber("1000000001"),
)


def make_appeal(status: AppealStatus = AppealStatus.REGISTERED, **changes: Any) -> Appeal:
    answered = status in {AppealStatus.ANSWERED, AppealStatus.CLOSED}
    appeal = Appeal(
        id=AppealId(42),
        number="VE-2026-000042",
        user_id=UserId(1001),
        kind=AppealKind.COMPLAINT,
        subject=Subject.POWER_QUALITY,
        form=ServiceForm.INTERNET,
        status=status,
        registered_at=REGISTERED_AT,
        due_at=DUE_AT,
        text=DRAFT.text,
        full_name="Королёва Мария Петровна",
        address="Выкса, ул. Ленина, 12-5",
        answer_channel=AnswerChannel.CHAT,
        answered_at=ANSWERED_AT if answered else None,
        answer_text="Напряжение восстановлено." if answered else None,
    )
    return replace(appeal, **changes)
