"""Import of the files notices are made of (SPEC §12): debts and restrictions from billing,
planned and emergency outages from the dispatch service, tariff changes. The files follow
services/csv_import.py: UTF-8 with or without BOM, comma or semicolon separated, a header
naming the columns; a bad row is refused with its line number and the good rows go on.

Parsing only: what to do with the lines (store, match subscribers, schedule) is the caller's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Generic, TypeVar
from zoneinfo import ZoneInfo

from domain import notice_words
from domain.accounts import normalize_account_number
from domain.errors import InvalidAccountNumber
from domain.limits import HOUSES_MAX, REASON_MAX, SETTLEMENT_MAX, STREET_MAX
from domain.notices import (
    HouseSet,
    InvalidHouses,
    OutageKind,
    parse_amount,
    parse_date,
    parse_houses,
    parse_local_datetime,
)
from services.csv_import import RefusedRow, decode, read_rows

T = TypeVar("T")


class ImportKind(StrEnum):
    DEBTS = "debts"
    OUTAGES = "outages"
    TARIFFS = "tariffs"
    RESTRICTIONS = "restrictions"


DEBT_COLUMNS = ("account", "amount", "as_of", "due_date")
OUTAGE_COLUMNS = ("settlement", "street", "houses", "starts_at", "ends_at", "kind", "reason")
TARIFF_COLUMNS = ("text", "effective_date")
RESTRICTION_COLUMNS = ("account", "planned_date", "amount")
COLUMNS: dict[ImportKind, tuple[str, ...]] = {
    ImportKind.DEBTS: DEBT_COLUMNS,
    ImportKind.OUTAGES: OUTAGE_COLUMNS,
    ImportKind.TARIFFS: TARIFF_COLUMNS,
    ImportKind.RESTRICTIONS: RESTRICTION_COLUMNS,
}
HEADER_ERRORS: dict[ImportKind, str] = {
    ImportKind.DEBTS: "import-debts-header",
    ImportKind.OUTAGES: "import-outages-header",
    ImportKind.TARIFFS: "import-tariffs-header",
    ImportKind.RESTRICTIONS: "import-restrictions-header",
}

# Outages are stored (storage/models/notices.py OutageRow): their columns' limits.
MAX_SETTLEMENT = SETTLEMENT_MAX
MAX_STREET = STREET_MAX
MAX_HOUSES = HOUSES_MAX
MAX_REASON = REASON_MAX
MAX_TARIFF_TEXT = 2000
_DETAIL = 40  # a refused value is quoted back to staff, cut to this length

# The kind column: English values, and плановое/плановая/плановый, аварийное/аварийная/
# аварийный (domain/data/notice_words_ru.txt: code literals carry no Cyrillic words).
_OUTAGE_KINDS: dict[str, OutageKind] = {
    word: kind for kind in OutageKind for word in notice_words.words(kind.value)
}


@dataclass(frozen=True, slots=True)
class DebtLine:
    line: int
    account: str  # normalised, as domain.accounts.normalize_account_number gives it
    amount: Decimal
    as_of: date
    due_date: date


@dataclass(frozen=True, slots=True)
class OutageLine:
    line: int
    settlement: str  # as written (spaces collapsed); compare with domain.notices.normalize_place
    street: str
    houses: HouseSet
    starts_at: datetime  # aware, UTC
    ends_at: datetime  # aware, UTC, after starts_at
    kind: OutageKind
    reason: str  # may be empty


@dataclass(frozen=True, slots=True)
class TariffLine:
    line: int
    text: str
    effective: date


@dataclass(frozen=True, slots=True)
class RestrictionLine:
    line: int
    account: str  # normalised
    planned_date: date
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Parsed(Generic[T]):
    lines: tuple[T, ...]
    refused: tuple[RefusedRow, ...]


class _Refused(Exception):
    """A row's first problem, raised by the field readers below."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


def _parse(
    raw: bytes,
    kind: ImportKind,
    read: Callable[[int, dict[str, str]], T],
    key: Callable[[T], str] | None = None,
) -> Parsed[T]:
    """Read the rows of `kind` with `read`; rows whose `key` repeats an earlier good row's are
    refused with that row's line number."""
    lines: list[T] = []
    refused: list[RefusedRow] = []
    first_lines: dict[str, int] = {}
    for item in _rows(raw, kind):
        if isinstance(item, RefusedRow):
            refused.append(item)
            continue
        line, row = item
        try:
            parsed = read(line, row)
        except _Refused as refusal:
            refused.append(RefusedRow(line, refusal.reason, refusal.detail))
            continue
        if key is not None:
            value = key(parsed)
            if value in first_lines:
                refused.append(RefusedRow(line, "import-row-duplicate", str(first_lines[value])))
                continue
            first_lines[value] = line
        lines.append(parsed)
    return Parsed(tuple(lines), tuple(refused))


def _rows(raw: bytes, kind: ImportKind) -> Iterator[tuple[int, dict[str, str]] | RefusedRow]:
    return read_rows(decode(raw), COLUMNS[kind], header_error=HEADER_ERRORS[kind])


def _required(row: dict[str, str], name: str) -> str:
    value = row[name]
    if not value:
        raise _Refused("import-row-missing", name)
    return value


def _account(row: dict[str, str]) -> str:
    value = _required(row, "account")
    try:
        return normalize_account_number(value)
    except InvalidAccountNumber:
        raise _Refused("import-row-account", value[:_DETAIL]) from None


def _amount(row: dict[str, str], *, positive: bool) -> Decimal:
    value = _required(row, "amount")
    try:
        amount = parse_amount(value)
    except ValueError:
        raise _Refused("import-row-amount", value[:_DETAIL]) from None
    if positive and amount == 0:
        raise _Refused("import-row-amount", value[:_DETAIL])
    return amount


def _date(row: dict[str, str], name: str) -> date:
    value = _required(row, name)
    try:
        return parse_date(value)
    except ValueError:
        raise _Refused("import-row-date", value[:_DETAIL]) from None


def _moment(row: dict[str, str], name: str, zone: ZoneInfo) -> datetime:
    value = _required(row, name)
    try:
        return parse_local_datetime(value, zone)
    except ValueError:
        raise _Refused("import-row-datetime", value[:_DETAIL]) from None


def _text(row: dict[str, str], name: str, limit: int, *, required: bool = True) -> str:
    value = _required(row, name) if required else row[name]
    if len(value) > limit:
        raise _Refused("import-row-too-long", f"{name} ({limit})")
    return value


def _place(row: dict[str, str], name: str, limit: int) -> str:
    return " ".join(_text(row, name, limit).split())


def _debt(line: int, row: dict[str, str]) -> DebtLine:
    return DebtLine(
        line=line,
        account=_account(row),
        amount=_amount(row, positive=True),
        as_of=_date(row, "as_of"),
        due_date=_date(row, "due_date"),
    )


def _outage(zone: ZoneInfo) -> Callable[[int, dict[str, str]], OutageLine]:
    def read(line: int, row: dict[str, str]) -> OutageLine:
        settlement = _place(row, "settlement", MAX_SETTLEMENT)
        street = _place(row, "street", MAX_STREET)
        try:
            houses = parse_houses(row["houses"])
        except InvalidHouses as error:
            raise _Refused("import-row-houses", error.detail[:_DETAIL]) from None
        if len(str(houses)) > MAX_HOUSES:  # stored as written back: "1-15; 2-20 even; 7а"
            raise _Refused("import-row-too-long", f"houses ({MAX_HOUSES})")
        starts_at = _moment(row, "starts_at", zone)
        ends_at = _moment(row, "ends_at", zone)
        if ends_at <= starts_at:
            raise _Refused("import-row-period", f"{row['starts_at']} - {row['ends_at']}")
        kind_value = _required(row, "kind")
        kind = _OUTAGE_KINDS.get(kind_value.casefold())
        if kind is None:
            raise _Refused("import-row-outage-kind", kind_value[:_DETAIL])
        return OutageLine(
            line=line,
            settlement=settlement,
            street=street,
            houses=houses,
            starts_at=starts_at,
            ends_at=ends_at,
            kind=kind,
            reason=_text(row, "reason", MAX_REASON, required=False),
        )

    return read


def _tariff(line: int, row: dict[str, str]) -> TariffLine:
    return TariffLine(
        line=line,
        text=_text(row, "text", MAX_TARIFF_TEXT),
        effective=_date(row, "effective_date"),
    )


def _restriction(line: int, row: dict[str, str]) -> RestrictionLine:
    return RestrictionLine(
        line=line,
        account=_account(row),
        planned_date=_date(row, "planned_date"),
        amount=_amount(row, positive=True),
    )


def parse_debts(raw: bytes) -> Parsed[DebtLine]:
    """account,amount,as_of,due_date. The amount must be above zero; an account the file
    already named is refused (import-row-duplicate, detail: the first line)."""
    return _parse(raw, ImportKind.DEBTS, _debt, key=lambda debt: debt.account)


def parse_outages(raw: bytes, zone: ZoneInfo) -> Parsed[OutageLine]:
    """settlement,street,houses,starts_at,ends_at,kind,reason; times are local to `zone`.
    Blank houses: the whole street. The reason may be empty."""
    return _parse(raw, ImportKind.OUTAGES, _outage(zone))


def parse_tariffs(raw: bytes) -> Parsed[TariffLine]:
    """text,effective_date."""
    return _parse(raw, ImportKind.TARIFFS, _tariff)


def parse_restrictions(raw: bytes) -> Parsed[RestrictionLine]:
    """account,planned_date,amount. The amount (the debt) must be above zero; an account the
    file already named is refused (import-row-duplicate, detail: the first line)."""
    return _parse(raw, ImportKind.RESTRICTIONS, _restriction, key=lambda item: item.account)
