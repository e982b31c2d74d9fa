"""Appeals: classification (Order 186 Приложение 7), submission checks (§15.10, 59-ФЗ ст. 7,
11), numbers and contacts; the lifecycle is in test_appeal_lifecycle.py."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.appeals import (
    APPLICATION_SUBJECTS,
    COMPLAINT_SUBJECTS,
    GENERAL_SUBJECTS,
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS,
    TEXT_MAX,
    TEXT_MIN,
    AnswerChannel,
    AppealAction,
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
    AnonymousAppeal,
    AttachmentTooLarge,
    InvalidAppealNumber,
    InvalidEmail,
    InvalidPhone,
    TextTooLong,
    TextTooShort,
    TooManyAttachments,
)
from domain.screening import FlagKind, ScreeningFlag
from tests.domain.appeal_examples import (
    CONSUMER,
    DRAFT,
    DUE_AT,
    REGISTERED_AT,
    STAFF,
    make_appeal,
)

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
        make_appeal(registered_at=datetime(2026, 11, 24, 7, 0))  # noqa: DTZ001 - the point
    with pytest.raises(ValueError, match="aware"):
        apply(make_appeal(), AppealAction.TAKE, actor=STAFF, at=datetime(2026, 12, 2))  # noqa: DTZ001


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
