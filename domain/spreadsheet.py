"""Files the bot writes for people to open in a spreadsheet (the readings for billing, a day's
bookings, the evidence of who was told a notice): CSV cells that a spreadsheet would run.

What is guaranteed: a text cell that begins with "=", "+", "-", "@", a tab or a carriage
return (OWASP, "CSV Injection") is written with a leading "'", so Excel or LibreOffice shows
it as text and never evaluates it — a registry value "=1+1", a name "=HYPERLINK(…)", a
meter serial "@SUM(…)". Every CSV the bot or the command line writes goes through
`csv_writer`.

What is kept as it is, by choice: numbers (ints, Decimals) and text that is a plain number
("+79200000001", "-12.5"): a spreadsheet reads such a cell as that number and nothing else,
so it carries no formula, and a phone or a negative amount stays readable. An XLSX writer
would use `safe_cell` the same way (an XLSX cell of type string is never evaluated, but a
user may re-save it as CSV).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any, Protocol

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+([.,][0-9]+)?")


def safe_cell(value: Any) -> Any:
    """`value` as a spreadsheet may show it: text that could start a formula is prefixed
    with "'"; anything else (numbers, plain text, None) is returned unchanged."""
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_STARTS)
        and not _PLAIN_NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


class _Writable(Protocol):
    def write(self, text: str, /) -> Any: ...


class SafeCsvWriter:
    """`csv.writer` whose every cell goes through `safe_cell`."""

    def __init__(self, stream: _Writable, **options: Any) -> None:
        self._writer = csv.writer(stream, **options)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(stream: _Writable, **options: Any) -> SafeCsvWriter:
    """A CSV writer for files people open in a spreadsheet; `options` as for csv.writer."""
    return SafeCsvWriter(stream, **options)
