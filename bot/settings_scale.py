"""Settings of the webhook and of several workers (docs/scaling.md), re-exported by
bot/settings.py as the `webhook` section."""

from __future__ import annotations

import re

from pydantic import Field, SecretStr, field_validator

from bot.settings_base import Section, empty_is_none

# Telegram's rule for the secret_token of setWebhook: 1-256 of A-Z, a-z, 0-9, _ and -.
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_PREFIX_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


class WebhookSettings(Section):
    # The public HTTPS address Telegram posts updates to (`reception webhook set`); the path
    # of that address is the one the workers serve.
    url: str | None = Field(default=None, validation_alias="webhook_url")
    # Telegram sends it in X-Telegram-Bot-Api-Secret-Token; a request without it is refused.
    secret: SecretStr | None = Field(default=None, validation_alias="webhook_secret")
    # Messages a second for the whole bot, every worker's replies and the outbox together,
    # kept in Redis when several workers run (Telegram allows about 30).
    global_rate: float = Field(default=28.0, gt=0, le=1000, validation_alias="global_send_rate")
    # Prefix of every Redis key the bot writes (dialog states, locks, the send budget).
    redis_prefix: str = Field(default="reception", validation_alias="redis_prefix")

    @field_validator("url", mode="before")
    @classmethod
    def _url(cls, value: object) -> object:
        value = empty_is_none(value)
        if value is None:
            return None
        if not isinstance(value, str) or not re.match(r"^https?://[^/\s]+", value):
            raise ValueError("expected the public https:// address of the webhook")
        return value

    @field_validator("secret", mode="before")
    @classmethod
    def _secret(cls, value: object) -> object:
        if value in (None, ""):
            return None
        if isinstance(value, SecretStr):  # a copy of settings already checked
            return value
        if not isinstance(value, str) or not _SECRET_RE.match(value):
            raise ValueError("1 to 256 characters: letters A-Z, a-z, digits, _ and -")
        return value

    @field_validator("redis_prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        if not _PREFIX_RE.match(value):
            raise ValueError("1 to 64 characters: letters, digits, _ . : -")
        return value

    @property
    def path(self) -> str:
        """The path the workers serve: that of WEBHOOK_URL, or /webhook."""
        if self.url is None:
            return "/webhook"
        after_host = self.url.split("://", 1)[1]
        path = after_host[after_host.find("/") :] if "/" in after_host else "/"
        return path.split("?", 1)[0] or "/"
