"""What every CSV import shares (accounts, appeals, and later debts and outages): UTF-8 with
or without BOM, comma or semicolon separated (billing systems export both), a header that
names the columns, and bad rows refused with their line number while the good ones go on."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from domain.errors import TooLong
from domain.limits import Field, check_length


@dataclass(frozen=True, slots=True)
class RefusedRow:
    line: int
    reason: str  # a text key: import-row-...
    detail: str = ""


class ImportFileError(Exception):
    """The file as a whole cannot be read (encoding, header)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


def decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError("import-file-encoding", str(exc.start)) from None


def read_rows(
    text: str, columns: Sequence[str], *, header_error: str, optional: Sequence[str] = ()
) -> Iterator[tuple[int, dict[str, str]] | RefusedRow]:
    """Each non-empty data row as (line number, {column: stripped value}), or a RefusedRow
    for a row with too few columns. A file without all `columns` in its header is refused
    as a whole with `header_error`; `optional` columns are read when the header has them,
    else they are empty."""
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise ImportFileError("import-file-empty")
    header_line = lines[0]
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [name.strip().lower() for name in next(reader)]
    missing = [name for name in columns if name not in header]
    if missing:
        raise ImportFileError(header_error, ", ".join(missing))
    position = {name: header.index(name) for name in columns}
    position.update({name: header.index(name) for name in optional if name in header})
    absent = {name: "" for name in optional if name not in header}
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(values) < len(header):
            yield RefusedRow(line, "import-row-columns", str(len(values)))
            continue
        if any("\x00" in value for value in values):
            # No database text holds a NUL (PostgreSQL refuses the whole statement).
            yield RefusedRow(line, "import-row-nul")
            continue
        yield line, {name: values[index].strip() for name, index in position.items()} | absent


def too_long_row(line: int, error: TooLong) -> RefusedRow:
    """The refusal of a row with a value longer than its field: the column and its limit,
    never the value (it may be personal data)."""
    return RefusedRow(line, "import-row-too-long", f"{error.field} ({error.limit})")


def check_lengths(line: int, row: dict[str, str], fields: Iterable[Field]) -> RefusedRow | None:
    """The first of `fields` (columns named by the field codes) longer than its limit."""
    for field in fields:
        try:
            check_length(field, row[field.value])
        except TooLong as error:
            return too_long_row(line, error)
    return None
