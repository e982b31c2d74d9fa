"""Settings sections of bot/settings.py: files, e-mail, retention (re-exported there)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any, Self

from pydantic import (
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
    model_validator,
)

# Settings come from the environment and from a file: `.env` in the working directory unless
# this variable names another one; empty, no file is read (the tests run so).
from bot.settings_base import Section, empty_is_none
from domain.retention import DEFAULT_DAYS, DataCategory, RetentionPolicy


class FileSettings(Section):
    """Files people send (152-ФЗ ст. 18 ч. 5), kept in the company's own storage: a folder
    (FILES_DIR) by default, or an S3-compatible store (FILES_STORE=s3, the bucket and the
    endpoint below; credentials the way boto3 reads them, e.g. AWS_ACCESS_KEY_ID)."""

    store: str = Field(default="folder", validation_alias="files_store")
    directory: Path = Field(default=Path("data/files"), validation_alias="files_dir")
    s3_bucket: str | None = Field(default=None, validation_alias="files_s3_bucket")
    s3_endpoint: str | None = Field(default=None, validation_alias="files_s3_endpoint")
    s3_prefix: str = Field(default="", validation_alias="files_s3_prefix")

    @field_validator("store")
    @classmethod
    def _store(cls, value: str) -> str:
        if value.lower() not in {"folder", "s3"}:
            raise ValueError("folder or s3")
        return value.lower()

    @field_validator("s3_bucket", "s3_endpoint", mode="before")
    @classmethod
    def _optional_text(cls, value: object) -> object:
        return empty_is_none(value)

    @model_validator(mode="after")
    def _bucket_for_s3(self) -> Self:
        if self.store == "s3" and not self.s3_bucket:
            raise ValueError("FILES_STORE=s3 needs FILES_S3_BUCKET")
        if self.store == "s3" and importlib.util.find_spec("boto3") is None:
            raise ValueError('FILES_STORE=s3 needs boto3: pip install -e ".[s3]"')
        return self


class SmtpSettings(Section):
    """E-mail answers (§17.6): sent by the bot when SMTP_HOST is set, else a task for staff."""

    host: str | None = Field(default=None, validation_alias="smtp_host")
    port: int = Field(default=587, ge=1, le=65535, validation_alias="smtp_port")
    user: str | None = Field(default=None, validation_alias="smtp_user")
    password: SecretStr | None = Field(default=None, validation_alias="smtp_password")
    sender: str | None = Field(default=None, validation_alias="smtp_from", validate_default=True)
    starttls: bool = Field(default=True, validation_alias="smtp_starttls")
    ssl: bool = Field(default=False, validation_alias="smtp_ssl")

    @field_validator("host", "user", "password", "sender", mode="before")
    @classmethod
    def _optional_text(cls, value: object) -> object:
        return empty_is_none(value)

    @field_validator("sender", mode="after")
    @classmethod
    def _smtp_sender(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("host") and not value:
            raise ValueError(
                "the sender address is required with SMTP_HOST, e.g. otvet@example.ru"
            )
        return value


def _retention_days(category: DataCategory, *, least: int = 1, most: int = 75 * 365) -> Any:
    return Field(
        default=DEFAULT_DAYS[category],
        ge=least,
        le=most,
        validation_alias=f"retention_{category.value}_days",
    )


class RetentionSettings(Section):
    """How long each category of personal data is kept, in days (domain/retention.py; the
    consent text states the defaults), and the hour the daily job erases what is older."""

    appeals_days: int = _retention_days(DataCategory.APPEALS, least=365)
    readings_days: int = _retention_days(DataCategory.READINGS, least=31)
    bookings_days: int = _retention_days(DataCategory.BOOKINGS)
    notices_days: int = _retention_days(DataCategory.NOTICES)
    outbox_days: int = _retention_days(DataCategory.OUTBOX)
    drafts_days: int = _retention_days(DataCategory.DRAFTS, most=365)
    # A month at least: a questionnaire is answered over days, and its results are read after.
    questionnaires_days: int = _retention_days(DataCategory.QUESTIONNAIRES, least=31)
    hour: int = Field(default=3, ge=0, le=23, validation_alias="retention_hour")

    @property
    def policy(self) -> RetentionPolicy:
        return RetentionPolicy.from_days(
            {category: getattr(self, f"{category.value}_days") for category in DataCategory}
        )
