"""Import of the personal-account registry from the billing system's CSV export."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from domain.accounts import Account, AccountCategory, Address, Meter, normalize_account_number
from domain.errors import InvalidAccountNumber
from domain.ids import AccountNumber
from domain.limits import Field
from services.csv_import import RefusedRow, check_lengths, decode, read_rows
from services.ports import AccountRegistry

COLUMNS = (
    "account",
    "full_name",
    "settlement",
    "street",
    "house",
    "flat",
    "phone",
    "email",
    "category",
    "meter_serial",
    "meter_digits",
    "meter_zones",
)
_REQUIRED_VALUES = ("account", "full_name", "settlement", "street", "house", "category")
# Each must fit its column (the name is stored with its spaces squeezed, so never longer).
_LIMITED = (
    Field.FULL_NAME,
    Field.SETTLEMENT,
    Field.STREET,
    Field.HOUSE,
    Field.FLAT,
    Field.PHONE,
    Field.EMAIL,
    Field.METER_SERIAL,
)
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
BATCH = 500


@dataclass(slots=True)
class ParsedRegistry:
    accounts: dict[AccountNumber, Account] = field(default_factory=dict)
    refused: list[RefusedRow] = field(default_factory=list)
    rows: int = 0


@dataclass(frozen=True, slots=True)
class ImportReport:
    rows: int
    accounts: int
    added: int
    updated: int
    refused: list[RefusedRow]
    dry_run: bool


def parse_registry(text: str) -> ParsedRegistry:
    """Parse the CSV text. Bad rows are refused with their line numbers; good rows go on."""
    parsed = ParsedRegistry()
    holders: dict[AccountNumber, int] = {}
    for item in read_rows(text, COLUMNS, header_error="import-file-header"):
        parsed.rows += 1
        if isinstance(item, RefusedRow):
            parsed.refused.append(item)
            continue
        line, row = item
        refusal = _check_row(row, line)
        if refusal is not None:
            parsed.refused.append(refusal)
            continue
        number = normalize_account_number(row["account"])
        meter = _meter(row)
        existing = parsed.accounts.get(number)
        if existing is None:
            parsed.accounts[number] = _account(number, row, meter)
            holders[number] = line
            continue
        if _holder(existing) != _holder(_account(number, row, None)):
            parsed.refused.append(RefusedRow(line, "import-row-holder", str(holders[number])))
            continue
        if meter is None:
            continue
        if any(m.serial == meter.serial for m in existing.meters):
            parsed.refused.append(RefusedRow(line, "import-row-meter-duplicate", meter.serial))
            continue
        parsed.accounts[number] = _with_meter(existing, meter)
    return parsed


def _check_row(row: dict[str, str], line: int) -> RefusedRow | None:
    for name in _REQUIRED_VALUES:
        if not row[name]:
            return RefusedRow(line, "import-row-missing", name)
    try:
        normalize_account_number(row["account"])
    except InvalidAccountNumber:
        return RefusedRow(line, "import-row-account", row["account"][:40])
    if row["category"].lower() not in {c.value for c in AccountCategory}:
        return RefusedRow(line, "import-row-category", row["category"][:40])
    too_long = check_lengths(line, row, _LIMITED)
    if too_long is not None:
        return too_long
    if row["email"] and not _EMAIL_RE.match(row["email"]):
        return RefusedRow(line, "import-row-email")
    if row["meter_serial"]:
        digits = row["meter_digits"]
        # ASCII digits only: "²".isdigit() is true and int() refuses it.
        if not (digits.isascii() and digits.isdecimal()) or not 4 <= int(digits) <= 10:
            return RefusedRow(line, "import-row-meter-digits", row["meter_digits"][:20])
        if row["meter_zones"] not in {"1", "2", "3"}:
            return RefusedRow(line, "import-row-meter-zones", row["meter_zones"][:20])
    elif row["meter_digits"] or row["meter_zones"]:
        return RefusedRow(line, "import-row-missing", "meter_serial")
    return None


def _meter(row: dict[str, str]) -> Meter | None:
    if not row["meter_serial"]:
        return None
    return Meter(
        serial=row["meter_serial"],
        digits=int(row["meter_digits"]),
        zones=int(row["meter_zones"]),
    )


def _account(number: AccountNumber, row: dict[str, str], meter: Meter | None) -> Account:
    return Account(
        number=number,
        full_name=" ".join(row["full_name"].split()),
        address=Address(
            settlement=row["settlement"],
            street=row["street"],
            house=row["house"],
            flat=row["flat"],
        ),
        category=AccountCategory(row["category"].lower()),
        phone=row["phone"],
        email=row["email"],
        meters=(meter,) if meter else (),
    )


def _holder(account: Account) -> tuple[str, Address, AccountCategory, str, str]:
    return (account.full_name, account.address, account.category, account.phone, account.email)


def _with_meter(account: Account, meter: Meter) -> Account:
    return Account(
        number=account.number,
        full_name=account.full_name,
        address=account.address,
        category=account.category,
        phone=account.phone,
        email=account.email,
        meters=(*account.meters, meter),
    )


class AccountImportService:
    def __init__(self, *, registry: AccountRegistry) -> None:
        self._registry = registry

    async def import_registry(
        self,
        raw: bytes,
        *,
        now: datetime,
        dry_run: bool = False,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> ImportReport:
        """Parse and store the registry; the caller commits once, so it never half-applies."""
        parsed = parse_registry(decode(raw))
        accounts = list(parsed.accounts.values())
        added = updated = 0
        if not dry_run:
            for start in range(0, len(accounts), BATCH):
                batch = accounts[start : start + BATCH]
                batch_added, batch_updated = await self._registry.upsert(batch, now=now)
                added += batch_added
                updated += batch_updated
                if on_progress is not None:
                    on_progress(start + len(batch), len(accounts))
        return ImportReport(
            rows=parsed.rows,
            accounts=len(accounts),
            added=added,
            updated=updated,
            refused=parsed.refused,
            dry_run=dry_run,
        )
