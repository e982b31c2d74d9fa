"""Sealing personal data at rest (storage/crypto.py) and its key in the settings."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.settings import Settings
from domain.errors import SealBroken
from storage.crypto import FernetBox, dev_key, new_key

PG = "postgresql+asyncpg://reception@127.0.0.1/test_x"


def test_152fz_sealed_text_opens_only_with_its_key() -> None:
    key = new_key()
    token = FernetBox([key]).seal("4510 123456")
    assert "4510" not in token and "123456" not in token
    assert FernetBox([key]).open(token) == "4510 123456"
    with pytest.raises(SealBroken):
        FernetBox([new_key()]).open(token)
    assert key not in repr(FernetBox([key]))


def test_152fz_a_rotated_key_still_opens_what_the_old_one_sealed() -> None:
    old, new = new_key(), new_key()
    token = FernetBox([old]).seal("12.03.1956")
    assert FernetBox([new, old]).open(token) == "12.03.1956"


def test_152fz_postgresql_refuses_to_start_without_a_key() -> None:
    with pytest.raises(ValidationError, match="PD_ENCRYPTION_KEY"):
        Settings(_env_file=None, database_url=PG, pd_encryption_key="")
    with pytest.raises(ValidationError, match="url-safe base64"):
        Settings(_env_file=None, database_url=PG, pd_encryption_key="secret")
    key = new_key()
    settings = Settings(_env_file=None, database_url=PG, pd_encryption_key=key)
    assert settings.database.personal_data_keys() == [key]
    assert key not in repr(settings)


def test_sqlite_without_a_key_derives_a_documented_development_key() -> None:
    url = "sqlite+aiosqlite:///data/dev.db"
    settings = Settings(_env_file=None, database_url=url, pd_encryption_key="")
    assert settings.database.personal_data_keys() == [dev_key(url)]
    FernetBox(settings.database.personal_data_keys())  # a valid Fernet key
