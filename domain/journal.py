"""When two rows of a paper journal are the same appeal (issue 11, point 15).

A journal imported twice must not register its appeals twice: registration numbers have no
gaps, so a duplicate could never be undone. A row is the same appeal as one imported before
when it was received at the same minute from the same person with the same text; spacing and
letter case do not make a different appeal (a re-saved spreadsheet changes them).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime


def journal_key(*, received_at: datetime, full_name: str, text: str) -> str:
    """A fingerprint of the row (64 hex characters): what is stored, never the row itself."""
    if received_at.tzinfo is None:
        raise ValueError("received_at must be aware")
    moment = received_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
    name = " ".join(full_name.split()).casefold()
    body = " ".join(text.split()).casefold()
    return hashlib.sha256("\x1f".join((moment, name, body)).encode("utf-8")).hexdigest()
