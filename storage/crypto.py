"""Sealing personal data at rest (152-ФЗ ст. 19: technical measures against unlawful access):
the identity data of a ПП 55 complaint (passport, date and place of birth).

Guaranteed: what is sealed is unreadable without the key, and tampering is detected (Fernet:
AES-128-CBC with an HMAC-SHA256, https://github.com/fernet/spec). Several keys may be given,
comma-separated: the first seals, every one opens, so a key is rotated by putting the new one
first, running `reception pdata rotate` (every sealed row re-sealed with the first key), then
dropping the old one — after the dialog-drafts retention period too (RETENTION_DRAFTS_DAYS):
a ПП 55 complaint not yet filed keeps its sealed data in the dialog's draft, which the
command does not touch.
Not guaranteed: anything about a value once opened (it is in memory, and on the screen of the
staff member who asked for it); the key itself is the operator's to keep (PD_ENCRYPTION_KEY).

Without PD_ENCRYPTION_KEY, on SQLite only (development, tests), the key is derived from the
database's URL (`dev_key`): the data is then obscured, not protected — anyone with the file
knows its URL. On PostgreSQL the bot refuses to start without a key (bot/settings.py).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from domain.errors import SealBroken

_DEV_SALT = b"reception-dev-personal-data-key:"


def new_key() -> str:
    """A fresh key for PD_ENCRYPTION_KEY (`python -m storage.crypto` prints one)."""
    return Fernet.generate_key().decode("ascii")


def dev_key(database_url: str) -> str:
    """The development key of a database without PD_ENCRYPTION_KEY: derived, not secret."""
    digest = hashlib.sha256(_DEV_SALT + database_url.encode("utf-8")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")


def valid_keys(raw: str) -> list[str]:
    """The comma-separated keys of PD_ENCRYPTION_KEY; ValueError naming none of them."""
    keys = [key.strip() for key in raw.split(",") if key.strip()]
    if not keys:
        raise ValueError("no key")
    for key in keys:
        try:
            Fernet(key.encode("ascii"))
        except (ValueError, UnicodeEncodeError):
            raise ValueError(
                "each key is 32 bytes in url-safe base64; make one with `python -m storage.crypto`"
            ) from None
    return keys


class FernetBox:
    """A SecretBox (services/ports.py) over Fernet keys, the first sealing."""

    def __init__(self, keys: Sequence[str]) -> None:
        self._fernet = MultiFernet([Fernet(key.encode("ascii")) for key in keys])

    def seal(self, text: str) -> str:
        return self._fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def open(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError):
            raise SealBroken("not sealed with a configured key") from None

    def rotate(self, token: str) -> str:
        """The same text sealed again with the first key; SealBroken when no key opens it."""
        try:
            return self._fernet.rotate(token.encode("ascii")).decode("ascii")
        except (InvalidToken, UnicodeError):
            raise SealBroken("not sealed with a configured key") from None

    def __repr__(self) -> str:
        return "FernetBox(<keys hidden>)"


if __name__ == "__main__":
    print(new_key())
