"""A dialog's draft and the record it becomes, tied by a token (issue 11).

When a dialog shows its summary, the draft gets a short random token, kept in the dialog
state and carried by the final button ("Отправить", "Записаться"). The step that stores the
record stores the token with it (unique), in the same transaction that clears the dialog.
The same button pressed again, after it was handled or after a restart, then finds the record
and the person is told its current state, instead of a second record or silence."""

from __future__ import annotations

import re
import secrets
from enum import StrEnum
from typing import NewType

DraftToken = NewType("DraftToken", str)

# 9 random bytes: 12 URL-safe characters, short enough for Telegram's 64-byte callback data
# and far too many to guess another person's.
_TOKEN_BYTES = 9
TOKEN_PATTERN = r"^[A-Za-z0-9_-]{12}$"
_TOKEN_RE = re.compile(TOKEN_PATTERN)


class DraftKind(StrEnum):
    APPEAL = "appeal"
    READING = "reading"
    BOOKING = "booking"


def new_draft_token() -> DraftToken:
    return DraftToken(secrets.token_urlsafe(_TOKEN_BYTES))


def parse_draft_token(value: str) -> DraftToken | None:
    """A token as the button carries it, or None for anything else (crafted data)."""
    return DraftToken(value) if _TOKEN_RE.match(value) else None
