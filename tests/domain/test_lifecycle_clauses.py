"""The lifecycle's legal terms (issue 13, part 2), each test named after its clause: the
extension (59-ФЗ ст. 12 ч. 2), forwarding (ст. 8 ч. 3), registration after receipt (ст. 8
ч. 2), the illegible text's 7 days (ст. 11 ч. 4), the written appeal without contact data
(§15.2, §15.10), the repeat (ст. 11 ч. 5, §15.8) and the reopen that keeps the first answer."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.appeal_lifecycle import GROUNDS_FOR_HEAD
from domain.appeals import (
    AnswerChannel,
    AppealAction,
    AppealStatus,
    RejectionGround,
    ServiceForm,
    apply,
    check_submittable,
    lacks_contact_data,
    register,
)
from domain.deadlines import (
    SetCalendar,
    early_warning_due,
    extend_due,
    forward_deadline,
    registered_late,
)
from domain.errors import (
    AlreadyExtended,
    AnonymousAppeal,
    ExtensionAfterDueDate,
    ForwardingTooLate,
    ReceivedAfterRegistration,
)
from tests.domain.appeal_examples import (
    ANSWERED_AT,
    DRAFT,
    DUE_AT,
    REGISTERED_AT,
    STAFF,
    WINDOW,
    make_appeal,
)

MSK = ZoneInfo("Europe/Moscow")
CALENDAR = SetCalendar()


def msk(year: int, month: int, day: int, hour: int = 12) -> datetime:
    return datetime(year, month, day, hour, tzinfo=MSK).astimezone(UTC)


def _extend(appeal_status: AppealStatus, at: datetime, days: int = 30) -> datetime:
    appeal = make_appeal(appeal_status)
    new_due = extend_due(due_at=appeal.due_at, days=days, calendar=CALENDAR, zone=MSK)
    extended, _event = apply(
        appeal, AppealAction.EXTEND, actor=STAFF, at=at, days=days, new_due_at=new_due
    )
    return extended.due_at


# 59-ФЗ ст. 12 ч. 2 ---------------------------------------------------------------------


def test_59fz_st12_ch2_extension_only_before_due_date() -> None:
    # On the due date itself it is still possible...
    assert _extend(AppealStatus.IN_PROGRESS, DUE_AT) > DUE_AT
    # ...a second later it would hide the violation: refused.
    with pytest.raises(ExtensionAfterDueDate):
        _extend(AppealStatus.IN_PROGRESS, DUE_AT + timedelta(seconds=1))
    with pytest.raises(ExtensionAfterDueDate):
        _extend(AppealStatus.IN_PROGRESS, DUE_AT + timedelta(days=10))


def test_59fz_st12_ch2_extension_counts_from_the_original_due_date_not_from_today() -> None:
    early = _extend(AppealStatus.IN_PROGRESS, REGISTERED_AT + timedelta(days=2), days=30)
    late = _extend(AppealStatus.IN_PROGRESS, DUE_AT - timedelta(hours=1), days=30)
    assert early == late  # whenever asked for, 30 days after the original due date
    # 24.12.2026 + 30 = 23.01.2027 is a Saturday: the next working day, 25.01.2027.
    assert early.astimezone(MSK).date() == date(2027, 1, 25)


def test_59fz_st12_ch2_extension_once_and_the_total_stays_within_60_days() -> None:
    """The probe that reached 70 days: an overdue appeal extended, then again."""
    appeal = make_appeal(AppealStatus.IN_PROGRESS)
    new_due = extend_due(due_at=appeal.due_at, days=30, calendar=CALENDAR, zone=MSK)
    extended, event = apply(
        appeal, AppealAction.EXTEND, actor=STAFF, at=REGISTERED_AT, days=30, new_due_at=new_due
    )
    assert event.detail("previous_due_at") == DUE_AT.isoformat()
    again = extend_due(due_at=extended.due_at, days=10, calendar=CALENDAR, zone=MSK)
    with pytest.raises(AlreadyExtended):
        apply(extended, AppealAction.EXTEND, actor=STAFF, at=DUE_AT, days=10, new_due_at=again)
    total = extended.due_at.astimezone(MSK).date() - REGISTERED_AT.astimezone(MSK).date()
    assert total.days <= 60 + 3  # 30 + 30, plus at most a weekend to the next working day


# 59-ФЗ ст. 8 ч. 3 ----------------------------------------------------------------------


def test_59fz_st8_ch3_forwarding_refused_after_7_days() -> None:
    registered = msk(2026, 12, 1)  # Tuesday
    forward_by = forward_deadline(registered_at=registered, calendar=CALENDAR, zone=MSK)
    assert forward_by.astimezone(MSK).date() == date(2026, 12, 8)
    appeal = make_appeal(AppealStatus.IN_PROGRESS, registered_at=registered)
    forwarded, event = apply(
        appeal,
        AppealAction.FORWARD,
        actor=STAFF,
        at=msk(2026, 12, 8, 23),
        reason="Администрация округа",
        forward_by=forward_by,
    )
    assert forwarded.status is AppealStatus.FORWARDED
    assert event.detail("forward_by") == forward_by.isoformat()
    with pytest.raises(ForwardingTooLate):
        apply(
            appeal,
            AppealAction.FORWARD,
            actor=STAFF,
            at=msk(2026, 12, 9, 0) + timedelta(minutes=1),
            reason="Администрация округа",
            forward_by=forward_by,
        )


def test_59fz_st8_ch3_forwarding_warned_from_the_5th_day() -> None:
    registered = msk(2026, 12, 1)

    def warned(at: datetime) -> bool:
        return early_warning_due(registered_at=registered, now=at, calendar=CALENDAR, zone=MSK)

    assert not warned(msk(2026, 12, 5, 23))
    assert warned(msk(2026, 12, 6, 0))
    assert warned(msk(2026, 12, 8, 23))
    assert not warned(msk(2026, 12, 9, 1))


def test_59fz_st11_ch4_illegible_answered_within_7_days() -> None:
    """The 7-day term of the illegible-text notice is the forwarding's: it ends on the next
    working day when the 7th day is a day off."""
    registered = msk(2026, 12, 5)  # Saturday: + 7 = Saturday 12.12, so Monday 14.12
    forward_by = forward_deadline(registered_at=registered, calendar=CALENDAR, zone=MSK)
    assert forward_by.astimezone(MSK).date() == date(2026, 12, 14)


# 59-ФЗ ст. 8 ч. 2 ----------------------------------------------------------------------


def test_59fz_st8_ch2_registration_more_than_3_days_after_receipt_is_late() -> None:
    registered = msk(2026, 12, 7, 9)
    assert not registered_late(
        received_at=msk(2026, 12, 4, 18), registered_at=registered, zone=MSK
    )
    assert registered_late(received_at=msk(2026, 12, 3, 18), registered_at=registered, zone=MSK)


def test_59fz_st8_ch2_received_and_registered_dates_are_kept_apart() -> None:
    received = REGISTERED_AT - timedelta(days=4)
    draft = replace(DRAFT, received_at=received)
    appeal, event = register(
        draft, number="VE-2026-000001", actor=STAFF, at=REGISTERED_AT, due_at=DUE_AT
    )
    assert appeal.received_at == received
    assert appeal.registered_at == REGISTERED_AT
    assert event.detail("received_at") == received.isoformat()
    plain, _ = register(
        DRAFT, number="VE-2026-000002", actor=STAFF, at=REGISTERED_AT, due_at=DUE_AT
    )
    assert plain.received == plain.registered_at == REGISTERED_AT
    with pytest.raises(ReceivedAfterRegistration):
        register(
            replace(DRAFT, received_at=REGISTERED_AT + timedelta(hours=1)),
            number="VE-2026-000003",
            actor=STAFF,
            at=REGISTERED_AT,
            due_at=DUE_AT,
        )


# §15.2, §15.10 -------------------------------------------------------------------------


def test_reg_15_2_written_appeal_without_name_or_contact_is_registrable() -> None:
    letter = replace(
        DRAFT,
        user_id=None,
        form=ServiceForm.POST,
        answer_channel=AnswerChannel.POST,
        full_name="",
        contact="",
    )
    assert lacks_contact_data(letter)
    check_submittable(letter)  # registered at the door, closed after (§15.10)
    appeal, _ = register(
        letter, number="VE-2026-000004", actor=STAFF, at=REGISTERED_AT, due_at=DUE_AT
    )
    assert appeal.full_name == "" and appeal.contact == ""
    # A phone call without a name is still refused: it is not a written appeal.
    with pytest.raises(AnonymousAppeal):
        check_submittable(replace(letter, form=ServiceForm.PHONE))


# 59-ФЗ ст. 11 ч. 5, §15.8 --------------------------------------------------------------


def test_59fz_st11_ch5_only_the_repeat_is_a_heads_ground() -> None:
    assert frozenset({RejectionGround.REPEAT_WITHOUT_NEW_ARGUMENTS}) == GROUNDS_FOR_HEAD


# Reopen --------------------------------------------------------------------------------


def test_reopen_keeps_the_first_answers_date_and_text() -> None:
    answered = make_appeal(AppealStatus.IN_PROGRESS)
    answered, _ = apply(
        answered, AppealAction.ANSWER, actor=STAFF, at=ANSWERED_AT, answer_text="Ответ один."
    )
    assert answered.first_answered_at == ANSWERED_AT
    at = ANSWERED_AT + timedelta(days=2)
    reopened, event = apply(
        answered, AppealAction.REOPEN, actor=STAFF, at=at, reopen_window=WINDOW
    )
    assert reopened.answered_at is None
    assert reopened.first_answered_at == ANSWERED_AT  # answered on time stays on time
    assert event.detail("previous_answered_at") == ANSWERED_AT.isoformat()
    assert event.detail("previous_answer_text") == "Ответ один."
    second, _ = apply(
        reopened, AppealAction.ANSWER, actor=STAFF, at=at + timedelta(days=1), answer_text="Два."
    )
    assert second.first_answered_at == ANSWERED_AT
    assert second.answered_at == at + timedelta(days=1)
