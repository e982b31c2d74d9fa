"""Settings of the web desk (docs/web.md), re-exported by bot/settings.py as the `web`
section."""

from __future__ import annotations

import re

from pydantic import Field, SecretStr, field_validator

from bot.settings_base import Section, empty_is_none


class WebSettings(Section):
    # The address staff open the desk at — behind a proxy, the public one; /web's login
    # links point there.
    base_url: str = Field(default="http://127.0.0.1:8080", validation_alias="web_base_url")
    # Where `reception web` listens: loopback unless said (put a proxy with TLS in front).
    host: str = Field(default="127.0.0.1", validation_alias="web_host")
    port: int = Field(default=8080, ge=1, le=65535, validation_alias="web_port")
    # Signs the session cookies: the same value for every `reception web` process; unset, a
    # random one is made at each start (a restart then logs everybody out).
    secret: SecretStr | None = Field(default=None, validation_alias="web_secret")

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^/\s]+(/[^\s?#]*)?$", value):
            raise ValueError(
                "expected an http:// or https:// address, e.g. https://desk.example.ru"
            )
        return value.rstrip("/")

    @field_validator("secret", mode="before")
    @classmethod
    def _secret(cls, value: object) -> object:
        value = empty_is_none(value)
        if value is None or isinstance(value, SecretStr):
            return value
        if not isinstance(value, str) or len(value) < 32:
            raise ValueError("at least 32 characters (e.g. `openssl rand -hex 32`)")
        return value
