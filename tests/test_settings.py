"""Settings: the shipped example file is valid as it is, and secrets are never echoed."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.settings import Settings, describe_errors
from domain.staff import StaffRole

ROOT = Path(__file__).resolve().parents[1]


def test_the_example_env_file_loads_as_shipped() -> None:
    settings = Settings(_env_file=ROOT / ".env.example")
    assert settings.bot_token is None
    assert settings.appeal_number_prefix is None and settings.company_name is None
    assert settings.smtp_host is None and settings.staff_chat_id is None
    assert settings.office_hours.startswith("mon-thu")


def test_smtp_needs_a_sender_and_its_password_is_not_echoed() -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(_env_file=None, smtp_host="mail.example.ru", smtp_password="s3cret")
    problems = describe_errors(refused.value)
    assert [name for name, _, _ in problems] == ["SMTP_FROM"]
    assert all("s3cret" not in value for _, value, _ in problems)


def test_the_mass_notice_role_is_head_unless_set_and_is_checked() -> None:
    assert Settings(_env_file=None).mass_notice_role is StaffRole.HEAD
    assert Settings(_env_file=None, mass_notice_role="admin").mass_notice_role is StaffRole.ADMIN
    with pytest.raises(ValidationError) as refused:
        Settings(_env_file=None, mass_notice_role="boss")
    [(name, value, problem)] = describe_errors(refused.value)
    assert (name, value) == ("MASS_NOTICE_ROLE", "boss")
    assert "specialist" in problem and "head" in problem and "admin" in problem
