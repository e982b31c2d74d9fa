"""Appeals: classification (Order 186 Приложение 7), submission checks (§15.10, 59-ФЗ ст. 7,
11), the lifecycle (§15.3–15.10, 59-ФЗ ст. 8, 12), numbers and contacts."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.appeals import (
    APPLICATION_SUBJECTS,
    COMPLAINT_SUBJECTS,
    CONSUMER_ACTIONS,
    CONSUMER_ONLY_ACTIONS,
    GENERAL_SUBJECTS,
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS,
    OPEN_STATUSES,
    TEXT_MAX,
    TEXT_MIN,
    TRANSITIONS,
    Actor,
    ActorKind,
    AnswerChannel,
    Appeal,
    AppealAction,
    AppealDraft,
    AppealId,
    AppealKind,
    AppealStatus,
    QualityComplaintDetails,
    RejectionGround,
    ServiceForm,
    Subject,
    VulnerableGroup,
    apply,
    check_attachment,
    check_submittable,
    format_number,
    is_quality_complaint,
    parse_number,
    register,
    subjects_for,
)
from domain.contacts import normalize_ru_phone, validate_email
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
    InvalidEmail,
    InvalidPhone,
    LinkedAppealRequired,
    RejectionGroundRequired,
    ReopenWindowClosed,
    TextTooLong,
    TextTooShort,
    TooManyAttachments,
)
from domain.ids import AccountNumber, UserId
from domain.screening import FlagKind, ScreeningFlag

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


def _appeal(status: AppealStatus = AppealStatus.REGISTERED, **changes: Any) -> Appeal:
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


def _arguments(action: AppealAction) -> dict[str, Any]:
    """What each action needs to succeed."""
    needs: dict[AppealAction, dict[str, Any]] = {
        AppealAction.ASSIGN: {"assignee_id": 502},
        AppealAction.ANSWER: {"answer_text": "Напряжение восстановлено."},
        AppealAction.EXTEND: {"days": 10, "new_due_at": DUE_AT + timedelta(days=10)},
        AppealAction.REJECT: {"ground": RejectionGround.ILLEGIBLE},
        AppealAction.REOPEN: {"reopen_window": WINDOW},
        AppealAction.RATE: {"rating": 5},
    }
    return needs.get(action, {})


def _actor(action: AppealAction) -> Actor:
    """Staff may do everything the table allows except what only the consumer does."""
    return CONSUMER if action in CONSUMER_ONLY_ACTIONS else STAFF


# Classification --------------------------------------------------------------------------


def test_complaints_get_the_complaint_subjects_of_order_186_annex_7() -> None:
    subjects = subjects_for(AppealKind.COMPLAINT)
    assert subjects == COMPLAINT_SUBJECTS
    # Table 4.9 keeps "quality of transmission services" and "quality of electric energy"
    # apart from each other and from the "transmission services" of all appeals.
    assert Subject.TRANSMISSION_QUALITY in subjects
    assert Subject.POWER_QUALITY in subjects
    assert Subject.TRANSMISSION not in subjects
    assert len({Subject.TRANSMISSION, Subject.TRANSMISSION_QUALITY, Subject.POWER_QUALITY}) == 3


def test_applications_get_the_zayavka_subjects_of_order_186_annex_7() -> None:
    assert subjects_for(AppealKind.APPLICATION) == APPLICATION_SUBJECTS
    assert APPLICATION_SUBJECTS == (
        Subject.CONNECTION_APPLICATION,
        Subject.TRANSMISSION_CONTRACT,
        Subject.METERING_ORGANISATION,
        Subject.OTHER,
    )


@pytest.mark.parametrize(
    "kind",
    [
        AppealKind.INFORMATION_REQUEST,
        AppealKind.SUGGESTION,
        AppealKind.GRATITUDE,
        AppealKind.FEEDBACK,
    ],
)
def test_other_kinds_get_the_all_appeals_subjects(kind: AppealKind) -> None:
    assert subjects_for(kind) == GENERAL_SUBJECTS
    assert len(GENERAL_SUBJECTS) == 6


def test_every_subject_belongs_to_some_list_and_codes_are_ascii() -> None:
    listed = set(GENERAL_SUBJECTS) | set(COMPLAINT_SUBJECTS) | set(APPLICATION_SUBJECTS)
    assert listed == set(Subject)
    for enum in (AppealKind, Subject, ServiceForm, AnswerChannel, RejectionGround):
        assert all(member.value.isascii() for member in enum)


def test_rejection_grounds_are_those_of_clauses_15_6_to_15_10() -> None:
    assert {ground.value for ground in RejectionGround} == {
        "obscene_or_threats",
        "illegible",
        "repeat_without_new_arguments",
        "confidential",
        "no_contact_data",
    }


def test_form_of_service_has_the_five_columns_of_table_4_1() -> None:
    assert [form.value for form in ServiceForm] == [
        "in_person",
        "phone",
        "internet",
        "post",
        "other",
    ]


def test_only_quality_complaints_ask_the_pp55_fields() -> None:
    assert is_quality_complaint(AppealKind.COMPLAINT, Subject.POWER_QUALITY)
    assert is_quality_complaint(AppealKind.COMPLAINT, Subject.TRANSMISSION_QUALITY)
    assert not is_quality_complaint(AppealKind.COMPLAINT, Subject.METERING)
    assert not is_quality_complaint(AppealKind.INFORMATION_REQUEST, Subject.POWER_QUALITY)


# Submission ------------------------------------------------------------------------------


def test_a_complete_draft_is_submittable() -> None:
    check_submittable(DRAFT)


def test_anonymous_complaint_refused() -> None:
    """§15.10, 59-ФЗ ст. 11 ч. 1: without a name the appeal is not considered."""
    with pytest.raises(AnonymousAppeal) as refused:
        check_submittable(replace(DRAFT, full_name="  "))
    assert refused.value.missing == "full_name"


def test_chat_answer_without_a_telegram_user_is_anonymous() -> None:
    """§15.10: nowhere to send the answer. A phone appeal answered in the chat has no chat."""
    with pytest.raises(AnonymousAppeal) as refused:
        check_submittable(replace(DRAFT, user_id=None, form=ServiceForm.PHONE))
    assert refused.value.missing == "contact"


@pytest.mark.parametrize("channel", [AnswerChannel.EMAIL, AnswerChannel.POST, AnswerChannel.PHONE])
def test_answer_by_email_post_or_phone_needs_that_contact(channel: AnswerChannel) -> None:
    """59-ФЗ ст. 7 ч. 3, ст. 10 ч. 4: the e-mail or postal address the answer goes to."""
    with pytest.raises(AnonymousAppeal):
        check_submittable(replace(DRAFT, answer_channel=channel, contact=" "))


def test_a_post_appeal_without_telegram_is_submittable_with_a_postal_address() -> None:
    """§15.2: staff register post appeals too."""
    check_submittable(
        replace(
            DRAFT,
            user_id=None,
            form=ServiceForm.POST,
            answer_channel=AnswerChannel.POST,
            contact="607060, Выкса, ул. Ленина, 12-5",
        )
    )


def test_a_wrong_email_or_phone_contact_is_refused() -> None:
    with pytest.raises(InvalidEmail):
        check_submittable(replace(DRAFT, answer_channel=AnswerChannel.EMAIL, contact="mail@"))
    with pytest.raises(InvalidPhone):
        check_submittable(replace(DRAFT, answer_channel=AnswerChannel.PHONE, contact="112"))


def test_text_length_limits() -> None:
    with pytest.raises(TextTooShort) as short:
        check_submittable(replace(DRAFT, text="  свет   "))
    assert short.value.limit == TEXT_MIN
    with pytest.raises(TextTooLong) as long:
        check_submittable(replace(DRAFT, text="а" * (TEXT_MAX + 1)))
    assert long.value.limit == TEXT_MAX
    check_submittable(replace(DRAFT, text="а" * TEXT_MAX))
    check_submittable(replace(DRAFT, text="а" * TEXT_MIN))


def test_a_voice_message_stands_in_for_the_text() -> None:
    """SPEC §2: a voice message is accepted and kept for staff to hear."""
    check_submittable(replace(DRAFT, text="", voice=True))
    with pytest.raises(TextTooShort):
        check_submittable(replace(DRAFT, text="", voice=False))


def test_a_subject_from_another_list_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="subject"):
        check_submittable(replace(DRAFT, kind=AppealKind.APPLICATION))


def test_attachment_limits() -> None:
    check_attachment(size=MAX_ATTACHMENT_BYTES, already_attached=MAX_ATTACHMENTS - 1)
    check_attachment(size=None, already_attached=0)
    with pytest.raises(TooManyAttachments) as many:
        check_attachment(size=1, already_attached=MAX_ATTACHMENTS)
    assert many.value.limit == 10
    with pytest.raises(AttachmentTooLarge) as large:
        check_attachment(size=MAX_ATTACHMENT_BYTES + 1, already_attached=0)
    assert large.value.limit_bytes == 20 * 1024 * 1024


def test_registration_records_number_time_due_date_and_normalised_contact() -> None:
    """Order 186: registration records the contact data, the date and the number (§15.2)."""
    draft = replace(
        DRAFT,
        answer_channel=AnswerChannel.PHONE,
        contact="8 (920) 000-00-01",
        vulnerable=VulnerableGroup.PENSIONER,
        pp55=QualityComplaintDetails(violation_time=REGISTERED_AT, device_address="дом"),
    )
    flags = (ScreeningFlag(FlagKind.OBSCENE, "x"),)
    appeal, event = register(
        draft,
        number="VE-2026-000001",
        actor=CONSUMER,
        at=REGISTERED_AT,
        due_at=DUE_AT,
        flags=flags,
    )
    assert appeal.id is None
    assert appeal.status is AppealStatus.REGISTERED
    assert appeal.number == "VE-2026-000001"
    assert (appeal.registered_at, appeal.due_at) == (REGISTERED_AT, DUE_AT)
    assert appeal.contact == "+79200000001"
    assert appeal.full_name == "Королёва Мария Петровна"
    assert appeal.vulnerable is VulnerableGroup.PENSIONER
    assert appeal.pp55 == draft.pp55
    assert appeal.flags == flags
    assert not appeal.extended and appeal.reopen_count == 0
    assert event.action is AppealAction.REGISTER
    assert (event.from_status, event.to_status) == (None, AppealStatus.REGISTERED)
    assert event.detail("number") == "VE-2026-000001"


def test_registration_refuses_an_anonymous_draft() -> None:
    with pytest.raises(AnonymousAppeal):
        register(
            replace(DRAFT, full_name=""),
            number="VE-2026-000001",
            actor=CONSUMER,
            at=REGISTERED_AT,
            due_at=DUE_AT,
        )


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        _appeal(registered_at=datetime(2026, 11, 24, 7, 0))  # noqa: DTZ001 - the point
    with pytest.raises(ValueError, match="aware"):
        apply(_appeal(), AppealAction.TAKE, actor=STAFF, at=datetime(2026, 12, 2))  # noqa: DTZ001


# Lifecycle -------------------------------------------------------------------------------

ALL_PAIRS = list(itertools.product(AppealStatus, AppealAction))
ILLEGAL = [pair for pair in ALL_PAIRS if pair not in TRANSITIONS]
LEGAL = [pair for pair in ALL_PAIRS if pair in TRANSITIONS]


def test_the_transition_table_covers_the_lifecycle_of_spec_2() -> None:
    assert len(ILLEGAL) + len(LEGAL) == len(AppealStatus) * len(AppealAction)
    assert set(TRANSITIONS.values()) <= set(AppealStatus)
    # Every status but the start is reachable; forwarded and rejected end the appeal.
    reached = {to for (start, _), to in TRANSITIONS.items() if to is not start}
    assert reached == set(AppealStatus) - {AppealStatus.REGISTERED}
    for terminal in (AppealStatus.FORWARDED, AppealStatus.REJECTED):
        assert not [action for status, action in TRANSITIONS if status is terminal]


@pytest.mark.parametrize(("status", "action"), ILLEGAL)
def test_every_pair_outside_the_table_is_an_illegal_transition(
    status: AppealStatus, action: AppealAction
) -> None:
    appeal = _appeal(status)
    with pytest.raises(IllegalTransition) as refused:
        apply(appeal, action, actor=STAFF, at=AT, **_arguments(action))
    assert (refused.value.status, refused.value.action) == (status, action)


@pytest.mark.parametrize(("status", "action"), LEGAL)
def test_every_pair_in_the_table_records_who_when_why_and_from_to(
    status: AppealStatus, action: AppealAction
) -> None:
    """SPEC §2: every transition is recorded (who, when, why)."""
    appeal = _appeal(status)
    actor = _actor(action)
    updated, event = apply(
        appeal, action, actor=actor, at=AT, reason="  причина ", **_arguments(action)
    )
    assert updated.status is TRANSITIONS[status, action]
    assert event.action is action
    assert event.actor == actor
    assert event.at == AT
    assert event.reason == "причина"
    assert (event.from_status, event.to_status) == (status, updated.status)
    assert updated.number == appeal.number
    assert appeal.status is status  # the input is untouched


def test_registration_is_no_transition() -> None:
    for status in AppealStatus:
        assert (status, AppealAction.REGISTER) not in TRANSITIONS


def test_the_lifecycle_of_a_written_appeal() -> None:
    """§15.3 assigned to an executor; §15.4, §16.6 clarified with the consumer; answered and
    closed."""
    appeal = _appeal()
    history = []
    steps: list[tuple[AppealAction, Actor, dict[str, Any]]] = [
        (AppealAction.ASSIGN, STAFF, {"assignee_id": 502, "department": "ОЭиР"}),
        (AppealAction.TAKE, Actor(ActorKind.STAFF, 502), {}),
        (AppealAction.REQUEST_CLARIFICATION, STAFF, {}),
        (AppealAction.RECEIVE_CLARIFICATION, CONSUMER, {}),
        (AppealAction.ANSWER, STAFF, {"answer_text": "Напряжение восстановлено."}),
        (AppealAction.CLOSE, CONSUMER, {}),
    ]
    for action, actor, arguments in steps:
        appeal, event = apply(appeal, action, actor=actor, at=AT, **arguments)
        history.append((event.from_status, event.to_status))
    assert history == [
        (AppealStatus.REGISTERED, AppealStatus.ASSIGNED),
        (AppealStatus.ASSIGNED, AppealStatus.IN_PROGRESS),
        (AppealStatus.IN_PROGRESS, AppealStatus.CLARIFICATION_REQUESTED),
        (AppealStatus.CLARIFICATION_REQUESTED, AppealStatus.IN_PROGRESS),
        (AppealStatus.IN_PROGRESS, AppealStatus.ANSWERED),
        (AppealStatus.ANSWERED, AppealStatus.CLOSED),
    ]
    assert appeal.status is AppealStatus.CLOSED
    assert appeal.assignee_id == 502
    assert appeal.answered_at == AT
    assert appeal.answer_text == "Напряжение восстановлено."


def test_assign_records_the_assignee_and_extra_details() -> None:
    appeal, event = apply(
        _appeal(), AppealAction.ASSIGN, actor=STAFF, at=AT, assignee_id=502, department="ОЭиР"
    )
    assert appeal.assignee_id == 502
    assert event.details == (("assignee_id", "502"), ("department", "ОЭиР"))


def test_an_answer_needs_a_text() -> None:
    """§15.5: the answer gives concrete information on the question."""
    with pytest.raises(EmptyAnswer):
        apply(_appeal(AppealStatus.IN_PROGRESS), AppealAction.ANSWER, actor=STAFF, at=AT)
    with pytest.raises(EmptyAnswer):
        apply(
            _appeal(AppealStatus.IN_PROGRESS),
            AppealAction.ANSWER,
            actor=STAFF,
            at=AT,
            answer_text="  ",
        )


def test_extension_only_once_and_at_most_30_days() -> None:
    """59-ФЗ ст. 12 ч. 2: the head may extend the answer time once, by up to 30 days."""
    appeal = _appeal(AppealStatus.IN_PROGRESS)
    new_due = DUE_AT + timedelta(days=30)
    with pytest.raises(ExtensionTooLong) as too_long:
        apply(appeal, AppealAction.EXTEND, actor=STAFF, at=AT, days=31, new_due_at=new_due)
    assert too_long.value.max_days == 30
    with pytest.raises(ExtensionTooShort):
        apply(appeal, AppealAction.EXTEND, actor=STAFF, at=AT, days=0, new_due_at=new_due)
    extended, event = apply(
        appeal, AppealAction.EXTEND, actor=STAFF, at=AT, days=30, new_due_at=new_due
    )
    assert extended.extended
    assert extended.due_at == new_due
    assert extended.status is AppealStatus.IN_PROGRESS
    assert event.detail("days") == "30"
    assert event.detail("previous_due_at") == DUE_AT.isoformat()
    assert event.detail("due_at") == new_due.isoformat()
    with pytest.raises(AlreadyExtended):
        apply(
            extended,
            AppealAction.EXTEND,
            actor=STAFF,
            at=AT,
            days=1,
            new_due_at=new_due + timedelta(days=1),
        )


def test_an_extension_moves_the_due_date_later() -> None:
    with pytest.raises(ValueError, match="later"):
        apply(
            _appeal(AppealStatus.IN_PROGRESS),
            AppealAction.EXTEND,
            actor=STAFF,
            at=AT,
            days=5,
            new_due_at=DUE_AT,
        )


def test_an_extension_keeps_the_status() -> None:
    """The extension is an event, not a status: the work goes on."""
    for status in (
        AppealStatus.ASSIGNED,
        AppealStatus.IN_PROGRESS,
        AppealStatus.CLARIFICATION_REQUESTED,
    ):
        assert TRANSITIONS[status, AppealAction.EXTEND] is status


def test_reject_needs_exactly_one_ground() -> None:
    """§15.6–15.10: a refusal to answer names its legal ground."""
    appeal = _appeal(AppealStatus.IN_PROGRESS)
    with pytest.raises(RejectionGroundRequired):
        apply(appeal, AppealAction.REJECT, actor=STAFF, at=AT)
    rejected, event = apply(
        appeal,
        AppealAction.REJECT,
        actor=STAFF,
        at=AT,
        ground=RejectionGround.OBSCENE_OR_THREATS,
        reason="§15.6",
    )
    assert rejected.status is AppealStatus.REJECTED
    assert rejected.rejection_ground is RejectionGround.OBSCENE_OR_THREATS
    assert event.details == (("ground", "obscene_or_threats"),)


def test_repeat_rejection_requires_linked_appeal() -> None:
    """§15.8: a repeated question without new arguments: the consumer is pointed to the
    earlier answer, so the earlier appeal is named."""
    appeal = _appeal(AppealStatus.ASSIGNED)
    with pytest.raises(LinkedAppealRequired):
        apply(
            appeal,
            AppealAction.REJECT,
            actor=STAFF,
            at=AT,
            ground=RejectionGround.REPEAT_WITHOUT_NEW_ARGUMENTS,
        )
    rejected, event = apply(
        appeal,
        AppealAction.REJECT,
        actor=STAFF,
        at=AT,
        ground=RejectionGround.REPEAT_WITHOUT_NEW_ARGUMENTS,
        linked_appeal_id=AppealId(7),
    )
    assert rejected.linked_appeal_id == 7
    assert event.detail("linked_appeal_id") == "7"
    with pytest.raises(ValueError, match="itself"):
        apply(
            appeal,
            AppealAction.REJECT,
            actor=STAFF,
            at=AT,
            ground=RejectionGround.REPEAT_WITHOUT_NEW_ARGUMENTS,
            linked_appeal_id=AppealId(42),
        )


def test_forwarded_and_rejected_appeals_accept_no_further_action() -> None:
    """59-ФЗ ст. 8 ч. 3 (forwarded) and §15.6–15.10 (rejected) end the appeal."""
    for status in (AppealStatus.FORWARDED, AppealStatus.REJECTED):
        for action in AppealAction:
            with pytest.raises(IllegalTransition):
                apply(_appeal(status), action, actor=SYSTEM, at=AT, **_arguments(action))


def test_reopen_within_the_window_goes_back_to_work_under_the_same_number() -> None:
    """SPEC §2: reopen within N days of the answer."""
    for status in (AppealStatus.ANSWERED, AppealStatus.CLOSED):
        appeal = _appeal(status)
        at = ANSWERED_AT + WINDOW
        reopened, event = apply(
            appeal, AppealAction.REOPEN, actor=CONSUMER, at=at, reopen_window=WINDOW
        )
        assert reopened.status is AppealStatus.IN_PROGRESS
        assert reopened.number == appeal.number
        assert reopened.reopen_count == 1
        assert reopened.answered_at is None and reopened.answer_text is None
        assert reopened.due_at == DUE_AT
        assert event.action is AppealAction.REOPEN
        assert event.detail("previous_answered_at") == ANSWERED_AT.isoformat()


def test_reopen_after_the_window_is_refused() -> None:
    at = ANSWERED_AT + WINDOW + timedelta(seconds=1)
    with pytest.raises(ReopenWindowClosed) as closed:
        apply(
            _appeal(AppealStatus.CLOSED),
            AppealAction.REOPEN,
            actor=CONSUMER,
            at=at,
            reopen_window=WINDOW,
        )
    assert closed.value.closed_at == ANSWERED_AT + WINDOW


def test_reopen_may_set_a_new_due_date_and_counts_each_reopening() -> None:
    new_due = DUE_AT + timedelta(days=40)
    reopened, _ = apply(
        _appeal(AppealStatus.ANSWERED, reopen_count=1),
        AppealAction.REOPEN,
        actor=CONSUMER,
        at=AT,
        reopen_window=WINDOW,
        new_due_at=new_due,
    )
    assert reopened.due_at == new_due
    assert reopened.reopen_count == 2


def test_the_answer_text_stays_in_the_history_after_a_reopen() -> None:
    answered, event = apply(
        _appeal(AppealStatus.IN_PROGRESS),
        AppealAction.ANSWER,
        actor=STAFF,
        at=AT,
        answer_text="Ответ по существу.",
    )
    assert event.detail("answer_text") == "Ответ по существу."
    reopened, _ = apply(answered, AppealAction.REOPEN, actor=CONSUMER, at=AT, reopen_window=WINDOW)
    assert reopened.answer_text is None


def test_the_consumer_adds_information_to_an_open_appeal_without_changing_its_status() -> None:
    for status in OPEN_STATUSES:
        appeal, event = apply(
            _appeal(status),
            AppealAction.ADD_INFORMATION,
            actor=CONSUMER,
            at=AT,
            text="Фото счётчика приложено.",
        )
        assert appeal.status is status
        assert event.details == (("text", "Фото счётчика приложено."),)
    for status in set(AppealStatus) - OPEN_STATUSES:
        with pytest.raises(IllegalTransition):
            apply(_appeal(status), AppealAction.ADD_INFORMATION, actor=CONSUMER, at=AT)


@pytest.mark.parametrize("action", sorted(set(AppealAction) - CONSUMER_ACTIONS))
def test_a_consumer_cannot_perform_staff_actions(action: AppealAction) -> None:
    """SPEC "must never happen": a non-staff user performs a staff action."""
    statuses = [status for status in AppealStatus if (status, action) in TRANSITIONS]
    for status in statuses:
        with pytest.raises(ActionNotAllowed):
            apply(_appeal(status), action, actor=CONSUMER, at=AT, **_arguments(action))


def test_a_consumer_acts_only_on_their_own_appeal() -> None:
    """SPEC "must never happen": one consumer sees (or changes) another's appeal."""
    stranger = Actor(ActorKind.CONSUMER, 2002)
    with pytest.raises(ActionNotAllowed):
        apply(
            _appeal(AppealStatus.IN_PROGRESS), AppealAction.ADD_INFORMATION, actor=stranger, at=AT
        )
    with pytest.raises(ActionNotAllowed):
        apply(
            _appeal(AppealStatus.IN_PROGRESS, user_id=None),
            AppealAction.ADD_INFORMATION,
            actor=CONSUMER,
            at=AT,
        )


def test_arguments_of_another_action_are_a_programming_error() -> None:
    with pytest.raises(ValueError, match="close takes no ground"):
        apply(
            _appeal(AppealStatus.ANSWERED),
            AppealAction.CLOSE,
            actor=STAFF,
            at=AT,
            ground=RejectionGround.ILLEGIBLE,
        )
    with pytest.raises(ValueError, match="assignee_id"):
        apply(_appeal(), AppealAction.ASSIGN, actor=STAFF, at=AT)


# Numbers ---------------------------------------------------------------------------------


def test_numbers_are_prefix_year_and_a_zero_padded_sequence() -> None:
    assert format_number("VE", 2026, 123) == "VE-2026-000123"
    assert format_number("ВЭ", 2026, 1) == "ВЭ-2026-000001"
    assert format_number("VE", 2026, 1_234_567) == "VE-2026-1234567"
    assert parse_number(" ve-2026-000123 ") == ("VE", 2026, 123)
    assert parse_number("ВЭ-2026-1234567") == ("ВЭ", 2026, 1_234_567)


@pytest.mark.parametrize(
    "raw", ["", "VE-2026-123", "VE-26-000123", "VE2026000123", "VE-2026-000000", "-2026-000001"]
)
def test_malformed_numbers_are_refused(raw: str) -> None:
    with pytest.raises(InvalidAppealNumber):
        parse_number(raw)


@pytest.mark.parametrize(
    ("prefix", "year", "sequence"),
    [("", 2026, 1), ("V E", 2026, 1), ("VE", 26, 1), ("VE", 2026, 0)],
)
def test_format_refuses_what_parse_could_not_read(prefix: str, year: int, sequence: int) -> None:
    with pytest.raises(ValueError, match=r"prefix|year|sequence"):
        format_number(prefix, year, sequence)


@given(
    st.sampled_from(["VE", "ВЭ", "A1"]),
    st.integers(min_value=2000, max_value=2999),
    st.integers(min_value=1, max_value=10**8),
)
def test_parse_is_the_inverse_of_format(prefix: str, year: int, sequence: int) -> None:
    number = format_number(prefix, year, sequence)
    assert parse_number(number) == (prefix, year, sequence)
    assert len(number.rsplit("-", 1)[1]) == max(6, len(str(sequence)))


# Contacts --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "8 (920) 000-00-01",
        "+7 920 0000001",
        "9200000001",
        "+7(920)000-00-01",
        "7 920 000 00 01",
        "89200000001",
    ],
)
def test_russian_phones_are_normalised(raw: str) -> None:
    assert normalize_ru_phone(raw) == "+79200000001"


def test_a_landline_with_a_city_code_is_a_phone() -> None:
    assert normalize_ru_phone("8 (83177) 3-12-34") == "+78317731234"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "112",
        "920000001",
        "+1 202 555 0100",
        "+7 700 000 00 00",  # Kazakhstan
        "+8 920 000 00 01",
        "8 920 000 00 011",
        "920-000-00-0a",
        "+7 ９２０ ０００ ００ ０１",
    ],
)
def test_anything_else_is_not_a_russian_phone(raw: str) -> None:
    with pytest.raises(InvalidPhone):
        normalize_ru_phone(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Ivan.Petrov@Example.RU", "Ivan.Petrov@example.ru"),
        (" user+tag@mail.example.com ", "user+tag@mail.example.com"),
        ("info@почта.рф", "info@почта.рф"),
        ("a@b-c.ru", "a@b-c.ru"),
    ],
)
def test_emails_are_checked_and_their_domain_lower_cased(raw: str, expected: str) -> None:
    assert validate_email(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "mail",
        "@example.ru",
        "user@",
        "user@localhost",
        "user@example..ru",
        "user@-example.ru",
        "user@example.123",
        ".user@example.ru",
        "us..er@example.ru",
        "us er@example.ru",
        "иван@example.ru",
        "user@exa_mple.ru",
        "a@b@example.ru",
    ],
)
def test_what_is_not_an_email_is_refused(raw: str) -> None:
    with pytest.raises(InvalidEmail):
        validate_email(raw)
