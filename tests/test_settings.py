"""Settings: the shipped example file is valid as it is, and secrets are never echoed."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.settings import Settings, describe_errors, env_names
from domain.staff import StaffRole

ROOT = Path(__file__).resolve().parents[1]


def test_the_example_env_file_loads_as_shipped() -> None:
    settings = Settings(_env_file=ROOT / ".env.example")
    assert settings.telegram.bot_token is None
    assert settings.appeals.number_prefix is None and settings.company_name is None
    assert settings.smtp.host is None and settings.staff.chat_id is None
    assert settings.booking.office_hours.startswith("mon-thu")


def test_smtp_needs_a_sender_and_its_password_is_not_echoed() -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(_env_file=None, smtp_host="mail.example.ru", smtp_password="s3cret")
    problems = describe_errors(refused.value)
    assert [name for name, _, _ in problems] == ["SMTP_FROM"]
    assert all("s3cret" not in value for _, value, _ in problems)


def test_the_mass_notice_role_is_head_unless_set_and_is_checked() -> None:
    assert Settings(_env_file=None).staff.mass_notice_role is StaffRole.HEAD
    admin = Settings(_env_file=None, mass_notice_role="admin")
    assert admin.staff.mass_notice_role is StaffRole.ADMIN
    with pytest.raises(ValidationError) as refused:
        Settings(_env_file=None, mass_notice_role="boss")
    [(name, value, problem)] = describe_errors(refused.value)
    assert (name, value) == ("MASS_NOTICE_ROLE", "boss")
    assert "specialist" in problem and "head" in problem and "admin" in problem


def test_the_flat_variables_land_in_their_sections_from_the_environment_and_dotenv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dotenv = tmp_path / "settings.env"
    dotenv.write_text("SMTP_HOST=mail.example.ru\nSMTP_FROM=otvet@example.ru\nDIGEST_HOUR=7\n")
    monkeypatch.setenv("staff_chat_id", "-1001")  # any case, as pydantic-settings matches
    monkeypatch.setenv("DIGEST_HOUR", "8")  # the environment wins over the file
    settings = Settings(_env_file=dotenv, booking_places=4)  # and arguments over both
    assert settings.smtp.host == "mail.example.ru" and settings.smtp.sender == "otvet@example.ru"
    assert settings.staff.chat_id == -1001 and settings.appeals.digest_hour == 8
    assert settings.booking.places == 4
    assert set(env_names()) >= {"bot_token", "smtp_from", "timezone", "max_linked_accounts"}


def test_a_changed_copy_is_checked_like_a_start_and_the_rest_is_kept() -> None:
    settings = Settings(_env_file=None, bot_token="123:abc", smtp_password="s3cret")
    changed = settings.with_values(staff_chat_id=-1002, admin_ids="5,6")
    assert changed.staff.chat_id == -1002 and changed.staff.admin_ids == (5, 6)
    assert changed.telegram.bot_token == settings.telegram.bot_token
    assert changed.smtp.password == settings.smtp.password
    with pytest.raises(ValidationError) as refused:
        settings.with_values(staff_chat_id="12345")
    assert [name for name, _, _ in describe_errors(refused.value)] == ["STAFF_CHAT_ID"]
    with pytest.raises(TypeError):
        settings.with_values(no_such_setting=1)
    with pytest.raises(TypeError):  # flat names in model_copy would change nothing
        settings.model_copy(update={"staff_chat_id": -1003})
