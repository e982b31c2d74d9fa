"""One settings model, read from the environment and `.env` (pydantic-settings)."""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from domain.appeals import AppealKind
from domain.booking import check_week_hours, parse_office_hours
from domain.notices import QuietHours, parse_quiet_hours
from domain.staff import DEFAULT_NOTICE_ROLE, StaffRole

# Settings come from the environment and from a file: `.env` in the working directory unless
# this variable names another one; empty, no file is read (the tests run so).
ENV_FILE_VARIABLE = "RECEPTION_ENV_FILE"
_TOKEN_RE = re.compile(r"^\d+:[\w-]+$")
_PREFIX_RE = re.compile(r"^\w{1,8}$")
_APPEAL_KINDS = frozenset(kind.value for kind in AppealKind)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    bot_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    database_url: str = "sqlite+aiosqlite:///data/reception.db"
    redis_url: str | None = None
    staff_chat_id: int | None = None
    admin_ids: Annotated[tuple[int, ...], NoDecode] = ()
    timezone: str = "Europe/Moscow"
    company_name: str | None = None
    appeal_number_prefix: str | None = None
    content_dir: Path = Path("content")
    log_level: str = "INFO"
    link_max_failures: int = Field(default=5, ge=1, le=100)
    link_failure_window_minutes: int = Field(default=60, ge=1, le=24 * 60)
    max_linked_accounts: int = Field(default=10, ge=1, le=100)
    appeal_answer_days: int = Field(default=30, ge=1, le=60)
    appeal_answer_days_by_kind: Annotated[dict[str, int], NoDecode] = Field(default_factory=dict)
    appeal_reopen_days: int = Field(default=10, ge=0, le=90)
    calendar_extra_days_off: Annotated[tuple[date, ...], NoDecode] = ()
    calendar_extra_working_days: Annotated[tuple[date, ...], NoDecode] = ()
    # Deadline control (SPEC §4): the daily digest's local hour; how often warnings are due.
    digest_hour: int = Field(default=9, ge=0, le=23)
    deadline_check_minutes: int = Field(default=30, ge=1, le=24 * 60)
    # How long a getChatMember answer is trusted for the staff chat.
    staff_membership_ttl_seconds: int = Field(default=60, ge=0, le=3600)
    # The least staff role that may send mass notices from the staff chat (/notify, /import,
    # confirming a draft, stopping a notice, closing an outage): specialist, head or admin.
    mass_notice_role: StaffRole = DEFAULT_NOTICE_ROLE
    # Meter readings (SPEC §5): the monthly acceptance window (days of the month, inclusive);
    # a value above this many times the meter's average monthly consumption asks to confirm.
    readings_window_start_day: int = Field(default=15, ge=1, le=31)
    readings_window_end_day: int = Field(default=25, ge=1, le=31)
    readings_implausible_factor: float = Field(default=3.0, gt=1.0, le=100.0)
    # The service office (SPEC §6, §11.1): weekly hours with breaks, e.g.
    # "mon-thu 08:00-17:00; fri 08:00-15:45; break 12:00-12:48".
    office_hours: str = "mon-thu 08:00-17:00; fri 08:00-15:45; break 12:00-12:48"
    booking_slot_minutes: int = Field(default=30, ge=5, le=240)
    booking_places: int = Field(default=2, ge=1, le=50)  # specialists receiving at once
    booking_days_ahead: int = Field(default=10, ge=1, le=60)  # working days offered
    booking_max_active: int = Field(default=2, ge=1, le=20)  # active bookings per person
    # The outbox sender (SPEC §8): messages a second for the whole bot (Telegram allows about
    # 30), calls under way at once, and Telegram's paid broadcasts (a higher paid limit).
    outbox_rate: float = Field(default=25.0, gt=0, le=1000)
    outbox_in_flight: int = Field(default=8, ge=1, le=128)
    outbox_paid_broadcast: bool = False
    # Notices (SPEC §8): non-urgent ones wait out the quiet hours (company time; "off" for
    # none); planned outages are announced this many days ahead and again at this hour the
    # evening before; the payment-due reminder goes this many days before the due date at
    # the send hour; due notices are looked for this often.
    notice_quiet_hours: str = "21:00-09:00"
    outage_notice_days: int = Field(default=3, ge=1, le=30)
    outage_evening_hour: int = Field(default=18, ge=12, le=22)
    payment_reminder_days: int = Field(default=3, ge=1, le=30)
    notice_send_hour: int = Field(default=10, ge=0, le=23)
    notice_poll_seconds: int = Field(default=60, ge=1, le=3600)
    # E-mail answers (§17.6): sent by the bot when SMTP_HOST is set, else a task for staff.
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str | None = Field(default=None, validate_default=True)
    smtp_starttls: bool = True
    smtp_ssl: bool = False

    @field_validator("bot_token", mode="before")
    @classmethod
    def _token(cls, value: object) -> object:
        if value in (None, ""):
            return None
        if not isinstance(value, str) or not _TOKEN_RE.match(value.strip()):
            raise ValueError("expected the form 123456789:AAE... as @BotFather gives it")
        return value.strip()

    @field_validator("telegram_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError("expected an http(s) URL such as https://api.telegram.org")
        return value.rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError("not a database URL") from None
        if url.drivername not in {"sqlite+aiosqlite", "postgresql+asyncpg"}:
            raise ValueError(
                "use sqlite+aiosqlite:///path/to/file.db or postgresql+asyncpg://user@host/db"
            )
        return value

    @field_validator("redis_url", mode="before")
    @classmethod
    def _redis_url(cls, value: object) -> object:
        if value in (None, ""):
            return None
        if not isinstance(value, str) or not re.match(r"^rediss?://", value):
            raise ValueError("expected redis://host:port/db")
        return value

    @field_validator(
        "smtp_host",
        "smtp_user",
        "smtp_from",
        "appeal_number_prefix",
        "company_name",
        mode="before",
    )
    @classmethod
    def _optional_text(cls, value: object) -> object:
        return None if value in (None, "") else value

    @field_validator("readings_window_end_day", mode="after")
    @classmethod
    def _readings_window(cls, value: int, info: ValidationInfo) -> int:
        start = info.data.get("readings_window_start_day")
        if isinstance(start, int) and value < start:
            raise ValueError(f"ends before READINGS_WINDOW_START_DAY={start}")
        return value

    @field_validator("smtp_from", mode="after")
    @classmethod
    def _smtp_sender(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("smtp_host") and not value:
            raise ValueError(
                "the sender address is required with SMTP_HOST, e.g. otvet@example.ru"
            )
        return value

    @field_validator("staff_chat_id", mode="before")
    @classmethod
    def _staff_chat(cls, value: object) -> object:
        if value in (None, ""):
            return None
        number = int(str(value))
        if number >= 0:
            raise ValueError("a supergroup id is negative, such as -1001234567890")
        return number

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _admins(cls, value: object) -> object:
        if value in (None, ""):
            return ()
        if isinstance(value, str):
            parts = [p for p in re.split(r"[,\s;]+", value) if p]
            if not all(p.isdigit() for p in parts):
                raise ValueError("expected Telegram user ids separated by commas")
            return tuple(int(p) for p in parts)
        return value

    @field_validator("appeal_answer_days_by_kind", mode="before")
    @classmethod
    def _days_by_kind(cls, value: object) -> object:
        if value in (None, ""):
            return {}
        if isinstance(value, str):
            result: dict[str, int] = {}
            for part in filter(None, re.split(r"[,;\s]+", value)):
                kind, _, days = part.partition("=")
                if kind not in _APPEAL_KINDS or not days.isdigit() or not 1 <= int(days) <= 60:
                    raise ValueError(
                        "expected kind=days pairs such as complaint=30,information_request=15 "
                        f"(kinds: {', '.join(sorted(_APPEAL_KINDS))})"
                    )
                result[kind] = int(days)
            return result
        return value

    @field_validator("calendar_extra_days_off", "calendar_extra_working_days", mode="before")
    @classmethod
    def _dates(cls, value: object) -> object:
        if value in (None, ""):
            return ()
        if isinstance(value, str):
            try:
                return tuple(date.fromisoformat(p) for p in re.split(r"[,;\s]+", value) if p)
            except ValueError:
                raise ValueError("expected dates YYYY-MM-DD separated by commas") from None
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("unknown time zone; use an IANA name such as Europe/Moscow") from None
        return value

    @field_validator("appeal_number_prefix")
    @classmethod
    def _prefix(cls, value: str | None) -> str | None:
        if value is not None and not _PREFIX_RE.match(value):
            raise ValueError("1 to 8 letters or digits, such as VE")
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("one of DEBUG, INFO, WARNING, ERROR")
        return level

    @field_validator("notice_quiet_hours")
    @classmethod
    def _quiet_hours(cls, value: str) -> str:
        parse_quiet_hours(value)  # a ValueError says what is wrong
        return value

    @property
    def quiet_hours(self) -> QuietHours | None:
        return parse_quiet_hours(self.notice_quiet_hours)

    @field_validator("office_hours")
    @classmethod
    def _office_hours(cls, value: str) -> str:
        """Readable (format in domain/booking.py) and at least 25 hours a week (§11.1)."""
        check_week_hours(parse_office_hours(value))  # InvalidOfficeHours is a ValueError
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def env_file() -> Path | None:
    """The settings file to read besides the environment (RECEPTION_ENV_FILE, `.env`)."""
    value = os.environ.get(ENV_FILE_VARIABLE, ".env")
    return Path(value) if value else None


def describe_errors(error: ValidationError) -> list[tuple[str, str, str]]:
    """(ENV_NAME, given value or '', problem) for each wrong setting; secrets are not echoed."""
    problems = []
    for item in error.errors():
        name = str(item["loc"][0]).upper() if item["loc"] else "?"
        secret = name == "BOT_TOKEN" or "PASSWORD" in name
        value = "" if secret else str(item.get("input", ""))[:80]
        message = str(item["msg"]).removeprefix("Value error, ")
        problems.append((name, value, message))
    return problems
