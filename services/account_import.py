"""Import of the personal-account registry from the billing system's CSV export."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

from domain.accounts import Account, AccountCategory, Address, Meter, normalize_account_number
from domain.errors import InvalidAccountNumber
from domain.ids import AccountNumber
from domain.limits import Field
from services.csv_import import RefusedRow, check_lengths, decode, read_rows
from services.ports import AccountRegistry, RegistryImports

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
T = TypeVar("T")


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
    # Accounts of an earlier, interrupted import that this run finished first.
    resumed: int = 0


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


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class AccountImportService:
    """An import written in the caller's transaction: for tests and small in-process imports.
    `reception import accounts` uses StagedAccountImport, which never holds the database for
    long."""

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
        """Parse and store the registry; the caller commits once, so it never half-applies.
        A dry run writes nothing and counts what would be added and updated."""
        parsed = parse_registry(decode(raw))
        accounts = list(parsed.accounts.values())
        added = updated = 0
        for batch in _chunks(accounts, BATCH):
            if dry_run:
                known = await self._registry.existing([a.number for a in batch])
                batch_added, batch_updated = len(batch) - len(known), len(known)
            else:
                batch_added, batch_updated = await self._registry.upsert(batch, now=now)
                if on_progress is not None:
                    on_progress(added + updated + len(batch), len(accounts))
            added += batch_added
            updated += batch_updated
        return ImportReport(
            rows=parsed.rows,
            accounts=len(accounts),
            added=added,
            updated=updated,
            refused=parsed.refused,
            dry_run=dry_run,
        )


class StagedAccountImport:
    """`reception import accounts`, safe to run while the bot serves people (issue 11, point 5).

    What is promised:
    - nothing is written until the whole file has been read and checked;
    - the accounts are then staged in the database in short transactions; a run that dies
      while staging has changed nothing (its stage is dropped by a later import);
    - once staged whole, the run is sealed, and from then on it is applied completely: in
      short transactions of APPLY_BATCH accounts, each account together with its meters,
      the progress stored with each step; a run interrupted while applying is finished by
      the next import or by the bot at its start (`finish_pending`).
    - What is not promised: that the bot never sees the registry half-way through applying.
      For the seconds that takes, one account may already be new while another is still
      old; each account on its own is always either as before or as in the file.
    No transaction holds SQLite's single write lock for more than one step (tens of
    milliseconds), so the bot's own writes wait at most that long (bench/
    import_while_serving.py)."""

    STAGE_BATCH = 2_000
    APPLY_BATCH = 1_000
    READ_BATCH = 5_000
    # A run still unsealed after this long was left by a process that died while staging.
    ABANDONED_AFTER = timedelta(hours=1)

    def __init__(self, *, imports: RegistryImports) -> None:
        self._imports = imports

    async def run(
        self,
        raw: bytes,
        *,
        now: datetime,
        dry_run: bool = False,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> ImportReport:
        return await self.write(
            parse_registry(decode(raw)), now=now, dry_run=dry_run, on_progress=on_progress
        )

    async def write(
        self,
        parsed: ParsedRegistry,
        *,
        now: datetime,
        dry_run: bool = False,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> ImportReport:
        """Write a registry parsed whole (`parse_registry`)."""
        accounts = list(parsed.accounts.values())
        if dry_run:
            known = 0
            for batch in _chunks(accounts, self.READ_BATCH):
                known += len(await self._imports.existing([a.number for a in batch]))
            return ImportReport(
                rows=parsed.rows,
                accounts=len(accounts),
                added=len(accounts) - known,
                updated=known,
                refused=parsed.refused,
                dry_run=True,
            )
        resumed = await self.finish_pending(now=now)
        await self._imports.discard_abandoned(idle=self.ABANDONED_AFTER)
        run = await self._imports.begin()
        for batch in _chunks(accounts, self.STAGE_BATCH):
            await self._imports.stage(run, batch)
        await self._imports.seal(run)
        await self._apply(run, now=now, total=len(accounts), on_progress=on_progress)
        outcome = await self._imports.outcome(run)
        return ImportReport(
            rows=parsed.rows,
            accounts=len(accounts),
            added=outcome.added,
            updated=outcome.updated,
            refused=parsed.refused,
            dry_run=False,
            resumed=resumed,
        )

    async def finish_pending(self, *, now: datetime) -> int:
        """Apply whatever sealed runs an interrupted import left, oldest first; returns the
        number of accounts applied."""
        applied = 0
        for run in await self._imports.sealed():
            applied += await self._apply(run, now=now)
        return applied

    async def _apply(
        self,
        run: int,
        *,
        now: datetime,
        total: int = 0,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> int:
        applied = 0
        while True:
            batch = await self._imports.apply_next(run, limit=self.APPLY_BATCH, now=now)
            applied += batch.accounts
            if batch.accounts and on_progress is not None:
                on_progress(applied, total)
            if batch.finished:
                return applied
