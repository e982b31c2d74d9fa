"""The retention policy (152-ФЗ ст. 5 ч. 7: kept no longer than the purpose needs)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from bot.settings import Settings, describe_errors
from domain.content import ContentLibrary
from domain.retention import DEFAULT_DAYS, DataCategory, RetentionPolicy, Treatment

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def test_152fz_st5_ch7_a_row_goes_only_once_past_its_period() -> None:
    policy = RetentionPolicy.default()
    for category in DataCategory:
        period = timedelta(days=DEFAULT_DAYS[category])
        assert policy.is_due(category, since=NOW - period - timedelta(seconds=1), now=NOW)
        assert not policy.is_due(category, since=NOW - period, now=NOW)
        assert not policy.is_due(category, since=NOW - period + timedelta(hours=1), now=NOW)


def test_reg_186_appeals_are_anonymised_not_deleted() -> None:
    """The registry row stays for the Order 186 reports (Приложение 7); so do the
    questionnaires' answers, counted in their results (regulation §19.17–19.18)."""
    assert RetentionPolicy.treatment(DataCategory.APPEALS) is Treatment.ANONYMISE
    assert RetentionPolicy.treatment(DataCategory.QUESTIONNAIRES) is Treatment.ANONYMISE
    others = set(DataCategory) - {DataCategory.APPEALS, DataCategory.QUESTIONNAIRES}
    assert {RetentionPolicy.treatment(category) for category in others} == {Treatment.ERASE}


def test_a_policy_without_a_period_or_with_a_zero_one_is_refused() -> None:
    days = dict(DEFAULT_DAYS)
    del days[DataCategory.DRAFTS]
    with pytest.raises(ValueError, match="drafts"):
        RetentionPolicy.from_days(days)
    with pytest.raises(ValueError, match="positive"):
        RetentionPolicy.from_days({**DEFAULT_DAYS, DataCategory.OUTBOX: 0})


def test_retention_settings_read_the_flat_variables() -> None:
    settings = Settings(
        _env_file=None,
        retention_drafts_days="45",
        retention_questionnaires_days="400",
        retention_hour="4",
    )
    assert settings.retention.policy.periods[DataCategory.DRAFTS] == timedelta(days=45)
    assert settings.retention.policy.periods[DataCategory.QUESTIONNAIRES] == timedelta(days=400)
    assert settings.retention.hour == 4
    default = Settings(_env_file=None).retention.policy
    assert default == RetentionPolicy.default()


# What the consent text says of each category's period (content/consent.md «Сроки хранения»).
_STATED = {
    DataCategory.APPEALS: ("обращения", "5 лет"),
    DataCategory.READINGS: ("показания", "3 года"),
    DataCategory.BOOKINGS: ("записи на приём", "1 год"),
    DataCategory.NOTICES: ("уведомления", "3 года"),
    DataCategory.OUTBOX: ("тексты отправленных", "90 дней"),
    DataCategory.DRAFTS: ("незавершённые действия", "30 дней"),
    DataCategory.QUESTIONNAIRES: ("ответы на анкеты", "1 год"),
}
_DAYS = {"5 лет": 5 * 365, "3 года": 3 * 365, "1 год": 365, "90 дней": 90, "30 дней": 30}


def test_152fz_st9_ch4_consent_states_the_retention_periods(content: ContentLibrary) -> None:
    periods = content.consent.body.split("**Сроки хранения:**")[1].split("\n\n")[0]
    lines = [line for line in periods.splitlines() if line.startswith("- ")]
    assert len(lines) == len(DataCategory)
    for category, (what, period) in _STATED.items():
        line = next(line for line in lines if line.startswith(f"- {what}"))
        assert period in line, line
        assert _DAYS[period] == DEFAULT_DAYS[category], category


# Every column that holds what a person tells the bot, and the consent's words for it.
_COLLECTED = {
    "consents.user_id": "идентификатор пользователя Telegram",
    "people.full_name": "фамилия, имя, отчество",
    "people.phone": "номер телефона",
    "people.email": "адрес электронной почты",
    "account_links.account_number": "номер лицевого счёта",
    "appeals.address": "адрес",
    "appeals.text": "текст обращения",
    "appeals.contact": "адрес электронной почты",
    "appeals.vulnerable": "категория заявителя",
    "appeals.survey_comment": "оценка ответа",
    "appeal_attachments.file_id": "фотографии, документы и голосовые сообщения",
    "reading_submissions.meter_serial": "номер прибора учёта",
    "reading_values.value_milli": "показания",
    "reading_submissions.photo_file_id": "фотография прибора учёта",
    "bookings.starts_at": "дата, время и тема записи на приём",
    "subscriptions.topic": "настройки уведомлений",
    "notice_recipients.user_id": "сведения об их доставке",
    "dialog_states.data": "данные незавершённых действий",
    "questionnaire_answers.text": "ответы на анкеты",
}


def test_152fz_st9_ch4_consent_names_every_category_collected(content: ContentLibrary) -> None:
    listed = content.consent.body.split("**Перечень данных:**")[1].split("**Действия")[0]
    for column, words in _COLLECTED.items():
        assert re.search(re.escape(words), listed, re.IGNORECASE), column


def test_a_questionnaire_answers_period_under_a_month_is_refused_by_name() -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(_env_file=None, retention_questionnaires_days="7")
    [(name, value, problem)] = describe_errors(refused.value)
    assert (name, value) == ("RETENTION_QUESTIONNAIRES_DAYS", "7")
    assert "31" in problem
