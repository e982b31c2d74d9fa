"""Registration numbers of appeals: `VE-2026-000123` (prefix, year, sequence in the year)."""

from __future__ import annotations

import re

from domain.errors import InvalidAppealNumber

_PREFIX_RE = re.compile(r"[^\W_]+")
_NUMBER_RE = re.compile(r"(?P<prefix>[^\W_]+)-(?P<year>[0-9]{4})-(?P<sequence>[0-9]{6,})")


def format_number(prefix: str, year: int, sequence: int) -> str:
    """`VE-2026-000123`: the prefix from the settings (upper-cased), the year, the sequence
    within the year padded to six digits (a seventh digit simply widens it)."""
    if not _PREFIX_RE.fullmatch(prefix):
        raise ValueError("the prefix is letters and digits")
    if not 1000 <= year <= 9999:
        raise ValueError("the year has four digits")
    if sequence < 1:
        raise ValueError("sequences start at 1")
    return f"{prefix.upper()}-{year}-{sequence:06d}"


def parse_number(number: str) -> tuple[str, int, int]:
    """(prefix, year, sequence) of a number as `format_number` writes it; the prefix may be
    typed in any case and is returned upper-cased."""
    match = _NUMBER_RE.fullmatch(number.strip())
    if match is None or int(match["sequence"]) < 1:
        raise InvalidAppealNumber("not an appeal number")
    return match["prefix"].upper(), int(match["year"]), int(match["sequence"])


def leading_number(text: str) -> str | None:
    """The appeal number a text starts with, as `format_number` writes it (a staff-chat
    topic's name starts with its appeal's number), or None."""
    words = text.split(maxsplit=1)
    if not words:
        return None
    try:
        prefix, year, sequence = parse_number(words[0])
    except InvalidAppealNumber:
        return None
    return format_number(prefix, year, sequence)
