"""One settings model, read from the environment and `.env` (pydantic-settings), in sections.

The environment stays flat (`BOT_TOKEN`, `SMTP_HOST`, ... as in docs/operations.md's table and
`.env.example`); the model is nested: each section's fields name the variable they read as
their validation alias, so `Settings(smtp_host=...)`, `SMTP_HOST=...` in the environment and
in `.env` all land in `settings.smtp.host`. A wrong value is reported under its variable's
name (`describe_errors`), whichever section holds it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, ClassVar, Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.settings_base import Section, empty_is_none
from bot.settings_scale import WebhookSettings
from bot.settings_sections import FileSettings, RetentionSettings, SmtpSettings
from bot.settings_web import WebSettings
from domain.appeals import AppealKind
from domain.booking import check_week_hours, parse_office_hours
from domain.deadlines import ANSWER_DAYS, check_answer_term
from domain.notices import QuietHours, parse_quiet_hours
from domain.staff import DEFAULT_NOTICE_ROLE, StaffRole
from storage.crypto import dev_key, valid_keys

# Settings come from the environment and from a file: `.env` in the working directory unless
# this variable names another one; empty, no file is read (the tests run so).
ENV_FILE_VARIABLE = "RECEPTION_ENV_FILE"
_TOKEN_RE = re.compile(r"^\d+:[\w-]+$")
_PREFIX_RE = re.compile(r"^\w{1,8}$")
_APPEAL_KINDS = frozenset(kind.value for kind in AppealKind)


class TelegramSettings(Section):
    bot_token: SecretStr | None = Field(default=None, validation_alias="bot_token")
    api_url: str = Field(default="https://api.telegram.org", validation_alias="telegram_api_url")
    # The outbox sender (SPEC §8): messages a second for the whole bot (Telegram allows about
    # 30), calls under way at once, and Telegram's paid broadcasts (a higher paid limit).
    outbox_rate: float = Field(default=25.0, gt=0, le=1000, validation_alias="outbox_rate")
    outbox_in_flight: int = Field(default=8, ge=1, le=128, validation_alias="outbox_in_flight")
    outbox_paid_broadcast: bool = Field(default=False, validation_alias="outbox_paid_broadcast")
    # The staff group's budget (domain/rate_limit.py, docs/staff-chat.md): at most
    # `outbox_group_limit` messages in any `outbox_group_window` seconds (Telegram allows 20 a
    # minute), of which `outbox_group_reserve` are kept for replies to staff.
    outbox_group_limit: int = Field(
        default=19, ge=2, le=1000, validation_alias="outbox_group_limit"
    )
    outbox_group_reserve: int = Field(
        default=4, ge=0, le=999, validation_alias="outbox_group_reserve"
    )
    outbox_group_window: float = Field(
        default=60.0, gt=0, le=3600, validation_alias="outbox_group_window"
    )

    @model_validator(mode="after")
    def _group_budget(self) -> Self:
        if self.outbox_group_reserve >= self.outbox_group_limit:
            raise ValueError("OUTBOX_GROUP_RESERVE must be less than OUTBOX_GROUP_LIMIT")
        return self

    @field_validator("bot_token", mode="before")
    @classmethod
    def _token(cls, value: object) -> object:
        if value in (None, ""):
            return None
        if isinstance(value, SecretStr):  # a copy of settings already checked
            return value
        if not isinstance(value, str) or not _TOKEN_RE.match(value.strip()):
            raise ValueError("expected the form 123456789:AAE... as @BotFather gives it")
        return value.strip()

    @field_validator("api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError("expected an http(s) URL such as https://api.telegram.org")
        return value.rstrip("/")


class DatabaseSettings(Section):
    url: str = Field(
        default="sqlite+aiosqlite:///data/reception.db", validation_alias="database_url"
    )
    # Dialog state in Redis, when several bot workers share it.
    redis_url: str | None = Field(default=None, validation_alias="redis_url")
    # Fernet keys (comma-separated, the first seals) for the identity data of ПП 55
    # complaints; required with PostgreSQL (storage/crypto.py).
    pd_encryption_key: SecretStr | None = Field(default=None, validation_alias="pd_encryption_key")

    @field_validator("url")
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

    @field_validator("pd_encryption_key", mode="before")
    @classmethod
    def _pd_key(cls, value: object) -> object:
        if value in (None, ""):
            return None
        if isinstance(value, SecretStr):  # a copy of settings already checked
            return value
        if not isinstance(value, str):
            raise ValueError("expected one or more comma-separated keys")
        valid_keys(value)  # the message names no key
        return value

    @model_validator(mode="after")
    def _key_for_a_server_database(self) -> Self:
        # A server database holds real people's passports: no derived key for it.
        if self.pd_encryption_key is None and self.url.startswith("postgresql"):
            raise ValueError(
                "PD_ENCRYPTION_KEY is required with PostgreSQL (the passport data of quality "
                "complaints is encrypted at rest); make one with `python -m storage.crypto`"
            )
        return self

    def personal_data_keys(self) -> list[str]:
        """The keys that seal personal data: PD_ENCRYPTION_KEY, or on SQLite without it a
        key derived from the URL (storage/crypto.py says what that does not protect)."""
        if self.pd_encryption_key is None:
            return [dev_key(self.url)]
        return valid_keys(self.pd_encryption_key.get_secret_value())

    @field_validator("redis_url", mode="before")
    @classmethod
    def _redis_url(cls, value: object) -> object:
        if value in (None, ""):
            return None
        if not isinstance(value, str) or not re.match(r"^rediss?://", value):
            raise ValueError("expected redis://host:port/db")
        return value


class StaffSettings(Section):
    chat_id: int | None = Field(default=None, validation_alias="staff_chat_id")
    admin_ids: tuple[int, ...] = Field(default=(), validation_alias="admin_ids")
    # How long a getChatMember answer is trusted for the staff chat.
    membership_ttl_seconds: int = Field(
        default=60, ge=0, le=3600, validation_alias="staff_membership_ttl_seconds"
    )
    # The least staff role that may send mass notices from the staff chat (/notify, /import,
    # confirming a draft, stopping a notice, closing an outage): specialist, head or admin.
    mass_notice_role: StaffRole = Field(
        default=DEFAULT_NOTICE_ROLE, validation_alias="mass_notice_role"
    )

    @field_validator("chat_id", mode="before")
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


class AccountSettings(Section):
    """Linking accounts: wrong attempts allowed per window, and how many one person links."""

    link_max_failures: int = Field(default=5, ge=1, le=100, validation_alias="link_max_failures")
    link_failure_window_minutes: int = Field(
        default=60, ge=1, le=24 * 60, validation_alias="link_failure_window_minutes"
    )
    max_linked: int = Field(default=10, ge=1, le=100, validation_alias="max_linked_accounts")


class AppealSettings(Section):
    number_prefix: str | None = Field(default=None, validation_alias="appeal_number_prefix")
    # §15.4, §18.9: 30 days at most; a kind may have a shorter term of its own.
    answer_days: int = Field(default=ANSWER_DAYS, validation_alias="appeal_answer_days")
    answer_days_by_kind: dict[str, int] = Field(
        default_factory=dict, validation_alias="appeal_answer_days_by_kind"
    )
    reopen_days: int = Field(default=10, ge=0, le=90, validation_alias="appeal_reopen_days")
    # Deadline control (SPEC §4): the daily digest's local hour; how often warnings are due.
    digest_hour: int = Field(default=9, ge=0, le=23, validation_alias="digest_hour")
    deadline_check_minutes: int = Field(
        default=30, ge=1, le=24 * 60, validation_alias="deadline_check_minutes"
    )

    @field_validator("number_prefix", mode="before")
    @classmethod
    def _optional_prefix(cls, value: object) -> object:
        return empty_is_none(value)

    @field_validator("number_prefix")
    @classmethod
    def _prefix(cls, value: str | None) -> str | None:
        if value is not None and not _PREFIX_RE.match(value):
            raise ValueError("1 to 8 letters or digits, such as VE")
        return value

    @field_validator("answer_days")
    @classmethod
    def _answer_days(cls, value: int) -> int:
        return check_answer_term(value)

    @field_validator("answer_days_by_kind", mode="before")
    @classmethod
    def _days_by_kind(cls, value: object) -> object:
        if value in (None, ""):
            return {}
        if isinstance(value, str):
            result: dict[str, int] = {}
            for part in filter(None, re.split(r"[,;\s]+", value)):
                kind, _, days = part.partition("=")
                if kind not in _APPEAL_KINDS or not days.isdigit():
                    raise ValueError(
                        "expected kind=days pairs such as complaint=30,information_request=15 "
                        f"(kinds: {', '.join(sorted(_APPEAL_KINDS))})"
                    )
                result[kind] = int(days)
            return result
        return value

    @field_validator("answer_days_by_kind")
    @classmethod
    def _terms_by_kind(cls, value: dict[str, int]) -> dict[str, int]:
        for kind, days in value.items():
            if kind not in _APPEAL_KINDS:
                raise ValueError(f"{kind!r} is not a kind ({', '.join(sorted(_APPEAL_KINDS))})")
            try:
                check_answer_term(days)
            except ValueError as error:
                raise ValueError(f"{kind}: {error}") from None
        return value


class CalendarSettings(Section):
    """The company's overrides of the production calendar (appeal terms, office days)."""

    extra_days_off: tuple[date, ...] = Field(
        default=(), validation_alias="calendar_extra_days_off"
    )
    extra_working_days: tuple[date, ...] = Field(
        default=(), validation_alias="calendar_extra_working_days"
    )

    @field_validator("extra_days_off", "extra_working_days", mode="before")
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


class ReadingSettings(Section):
    """Meter readings (SPEC §5): the monthly acceptance window (days of the month, inclusive);
    a value above this many times the meter's average monthly consumption asks to confirm."""

    window_start_day: int = Field(
        default=15, ge=1, le=31, validation_alias="readings_window_start_day"
    )
    window_end_day: int = Field(
        default=25, ge=1, le=31, validation_alias="readings_window_end_day"
    )
    implausible_factor: float = Field(
        default=3.0, gt=1.0, le=100.0, validation_alias="readings_implausible_factor"
    )

    @field_validator("window_end_day", mode="after")
    @classmethod
    def _readings_window(cls, value: int, info: ValidationInfo) -> int:
        start = info.data.get("window_start_day")
        if isinstance(start, int) and value < start:
            raise ValueError(f"ends before READINGS_WINDOW_START_DAY={start}")
        return value


class BookingSettings(Section):
    # The service office (SPEC §6, §11.1): weekly hours with breaks, e.g.
    # "mon-thu 08:00-17:00; fri 08:00-15:45; break 12:00-12:48".
    office_hours: str = Field(
        default="mon-thu 08:00-17:00; fri 08:00-15:45; break 12:00-12:48",
        validation_alias="office_hours",
    )
    slot_minutes: int = Field(default=30, ge=5, le=240, validation_alias="booking_slot_minutes")
    # Specialists receiving at once; working days offered; active bookings per person.
    places: int = Field(default=2, ge=1, le=50, validation_alias="booking_places")
    days_ahead: int = Field(default=10, ge=1, le=60, validation_alias="booking_days_ahead")
    max_active: int = Field(default=2, ge=1, le=20, validation_alias="booking_max_active")
    # The office's address, told in every booking confirmation.
    office_address: str = Field(default="", max_length=300, validation_alias="office_address")

    @field_validator("office_hours")
    @classmethod
    def _office_hours(cls, value: str) -> str:
        """Readable (format in domain/booking.py) and at least 25 hours a week (§11.1)."""
        check_week_hours(parse_office_hours(value))  # InvalidOfficeHours is a ValueError
        return value


class NoticeSettings(Section):
    """Notices (SPEC §8): non-urgent ones wait out the quiet hours (company time; "off" for
    none); planned outages are announced this many days ahead and again at this hour the
    evening before; the payment-due reminder goes this many days before the due date at the
    send hour; due notices are looked for this often."""

    quiet_hours: str = Field(default="21:00-09:00", validation_alias="notice_quiet_hours")
    outage_days: int = Field(default=3, ge=1, le=30, validation_alias="outage_notice_days")
    outage_evening_hour: int = Field(
        default=18, ge=12, le=22, validation_alias="outage_evening_hour"
    )
    payment_reminder_days: int = Field(
        default=3, ge=1, le=30, validation_alias="payment_reminder_days"
    )
    send_hour: int = Field(default=10, ge=0, le=23, validation_alias="notice_send_hour")
    poll_seconds: int = Field(default=60, ge=1, le=3600, validation_alias="notice_poll_seconds")

    @field_validator("quiet_hours")
    @classmethod
    def _quiet_hours(cls, value: str) -> str:
        parse_quiet_hours(value)  # a ValueError says what is wrong
        return value

    @property
    def quiet_window(self) -> QuietHours | None:
        return parse_quiet_hours(self.quiet_hours)


class _FlatEnvironment(EnvSettingsSource):
    """The environment's variables of the bot, flat (each section picks its own)."""

    def __call__(self) -> dict[str, Any]:
        return _known(self.env_vars)


class _FlatDotEnv(DotEnvSettingsSource):
    """The `.env` file's variables of the bot, flat."""

    def __call__(self) -> dict[str, Any]:
        return _known(self.env_vars)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )
    SECTIONS: ClassVar[tuple[str, ...]] = (
        "telegram",
        "database",
        "staff",
        "accounts",
        "appeals",
        "calendar",
        "readings",
        "booking",
        "notices",
        "smtp",
        "files",
        "retention",
        "webhook",
        "web",
    )

    timezone: str = "Europe/Moscow"
    company_name: str | None = None
    content_dir: Path = Path("content")
    log_level: str = "INFO"
    # LOG_FORMAT=json: one JSON object a line with the update id (bot/observability.py).
    log_format: Literal["text", "json"] = "text"
    # METRICS_PORT: /metrics, /healthz and /readyz on this port (off when unset).
    metrics_port: int | None = None
    metrics_host: str = "127.0.0.1"
    telegram: TelegramSettings
    database: DatabaseSettings
    staff: StaffSettings
    accounts: AccountSettings
    appeals: AppealSettings
    calendar: CalendarSettings
    readings: ReadingSettings
    booking: BookingSettings
    notices: NoticeSettings
    smtp: SmtpSettings
    files: FileSettings
    retention: RetentionSettings
    webhook: WebhookSettings
    web: WebSettings

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The usual order (arguments, environment, `.env`), with the variables kept flat.
        assert isinstance(dotenv_settings, DotEnvSettingsSource)
        return (
            init_settings,
            _FlatEnvironment(settings_cls),
            _FlatDotEnv(
                settings_cls,
                env_file=dotenv_settings.env_file,
                env_file_encoding=dotenv_settings.env_file_encoding,
            ),
        )

    @model_validator(mode="before")
    @classmethod
    def _into_sections(cls, data: Any) -> Any:
        """Flat variables in, sections out: every section reads what it names."""
        if not isinstance(data, dict):
            return data
        flat = {str(key).lower(): value for key, value in data.items()}
        nested = {key: value for key, value in flat.items() if key not in cls.SECTIONS}
        nested.update({section: flat.get(section, flat) for section in cls.SECTIONS})
        return nested

    @field_validator("company_name", mode="before")
    @classmethod
    def _optional_text(cls, value: object) -> object:
        return empty_is_none(value)

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("unknown time zone; use an IANA name such as Europe/Moscow") from None
        return value

    @field_validator("metrics_port", mode="before")
    @classmethod
    def _metrics_port(cls, value: object) -> object:
        return empty_is_none(value)

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("one of DEBUG, INFO, WARNING, ERROR")
        return level

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        # The settings were flat once: `update={"staff_chat_id": ...}` would now change
        # nothing, silently. Variables go through `with_values`, which checks them.
        stray = set(update or ()) - set(type(self).model_fields)
        if stray:
            raise TypeError(f"not fields of Settings: {', '.join(sorted(stray))}; use with_values")
        return super().model_copy(update=update, deep=deep)

    def env_values(self) -> dict[str, Any]:
        """These settings as flat variables (lower-cased names), as they were read."""
        values: dict[str, Any] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, Section):
                values.update(
                    (str(field.validation_alias), getattr(value, field_name))
                    for field_name, field in type(value).model_fields.items()
                )
            else:
                values[name] = value
        return values

    def with_values(self, **values: Any) -> Settings:
        """A copy with some variables changed (`staff_chat_id=-100...`), checked as at start.
        (`model_copy(update=...)` takes the sections' own field names and checks nothing.)"""
        unknown = {name.lower() for name in values} - env_names()
        if unknown:
            raise TypeError(f"not a setting: {', '.join(sorted(unknown))}")
        return type(self).model_validate({**self.env_values(), **values})


@cache
def env_names() -> frozenset[str]:
    """The environment variables the bot reads, lower-cased (matched in any case)."""
    names = {name for name in Settings.model_fields if name not in Settings.SECTIONS}
    for section in Settings.SECTIONS:
        names |= set(_section_fields(section).values())
    return frozenset(names)


def _section_fields(section: str) -> dict[str, str]:
    """A section's field names and variables, each to its variable."""
    annotation = Settings.model_fields[section].annotation
    assert isinstance(annotation, type)
    assert issubclass(annotation, Section)
    names = {
        field_name: str(field.validation_alias)
        for field_name, field in annotation.model_fields.items()
    }
    return names | {name: name for name in names.values()}


def _env_name(loc: tuple[int | str, ...]) -> str:
    """The variable an error is about: ("timezone",), or a section and its field, by alias
    when a value was given ("smtp", "smtp_host"), by name when a default was checked."""
    if len(loc) >= 2 and loc[0] in Settings.SECTIONS:
        return _section_fields(str(loc[0])).get(str(loc[1]), "?")
    return str(loc[0]) if loc else "?"


def _known(variables: Any) -> dict[str, Any]:
    names = env_names()
    return {
        name: value
        for name, value in variables.items()
        if name.lower() in names and value is not None
    }


def env_file() -> Path | None:
    """The settings file to read besides the environment (RECEPTION_ENV_FILE, `.env`)."""
    value = os.environ.get(ENV_FILE_VARIABLE, ".env")
    return Path(value) if value else None


def describe_errors(error: ValidationError) -> list[tuple[str, str, str]]:
    """(ENV_NAME, given value or '', problem) for each wrong setting; secrets are not echoed."""
    problems = []
    for item in error.errors():
        name = _env_name(item["loc"]).upper()
        secret = name == "BOT_TOKEN" or "PASSWORD" in name
        value = "" if secret else str(item.get("input", ""))[:80]
        message = str(item["msg"]).removeprefix("Value error, ")
        problems.append((name, value, message))
    return problems
