"""Import of appeals received on paper, by phone or in person before the bot (a journal),
into the one registry (§15.2): each row gets a number of its year and its due date. The
journal's date is when the appeal was received; it was registered then too (the due date
counts from it). A letter without a name or a contact is registered and closed (§15.10).

A row already imported — by an earlier run, or earlier in the same file — is refused with
the number it got (domain/journal.py says when two rows are the same appeal): numbers have
no gaps, so an appeal registered twice could never be taken back (issue 11, point 15)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from domain.appeals import (
    WRITTEN_FORMS,
    Actor,
    AnswerChannel,
    AppealDraft,
    AppealKind,
    ServiceForm,
    Subject,
    check_submittable,
    subjects_for,
)
from domain.errors import DomainError, TooLong
from domain.journal import journal_key
from domain.limits import Field
from domain.reports import MEASURES_MAX
from services.appeals import AppealService
from services.csv_import import RefusedRow, check_lengths, read_rows, too_long_row
from services.ports import JournalKeys

COLUMNS = (
    "received_at",
    "form",
    "kind",
    "subject",
    "full_name",
    "answer_channel",
    "contact",
    "address",
    "text",
    "answered_at",
    "answer_text",
)
# Order 186 register 4.9 and table 4.1 row 4: read when the journal has them.
OPTIONAL_COLUMNS = ("measures_taken", "measures_planned", "contract")
_YES = frozenset({"yes", "y", "1", "true", "+"})
_NO = frozenset({"", "no", "n", "0", "false", "-"})
_REQUIRED = ("received_at", "form", "kind", "subject", "answer_channel", "text")
# §15.2: a written appeal is registered without a name too, then closed (§15.10); a
# missing contact is refused by `check_submittable` unless the appeal is written.
_REQUIRED_UNLESS_WRITTEN = ("full_name",)
_TIME_FORMATS = ("%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M", "%Y-%m-%d", "%d.%m.%Y")
# Years a journal can hold: a year such as 0001 cannot even be moved to UTC.
_YEARS = range(1990, 2101)
_LIMITED = (Field.FULL_NAME, Field.ADDRESS, Field.CONTACT)


@dataclass(slots=True)
class AppealImportReport:
    rows: int = 0
    registered: list[str] = field(default_factory=list)
    refused: list[RefusedRow] = field(default_factory=list)


def _moment(raw: str, zone: ZoneInfo) -> datetime | None:
    for pattern in _TIME_FORMATS:
        try:
            moment = datetime.strptime(raw.strip(), pattern).replace(tzinfo=zone)
        except ValueError:
            continue
        return moment if moment.year in _YEARS else None
    return None


@dataclass(frozen=True, slots=True)
class _JournalRow:
    line: int
    row: dict[str, str]
    draft: AppealDraft
    received: datetime
    key: str


class AppealImportService:
    def __init__(self, *, appeals: AppealService, zone: ZoneInfo, journal: JournalKeys) -> None:
        self._appeals = appeals
        self._zone = zone
        self._journal = journal

    async def import_journal(self, text: str, *, actor: Actor) -> AppealImportReport:
        """Rows in file order; a bad or already imported row is refused with its line and
        reason, the others go on. The caller commits once (or rolls back: a dry run)."""
        report = AppealImportReport()
        rows: list[_JournalRow | RefusedRow] = []
        for item in read_rows(
            text, COLUMNS, header_error="import-appeals-header", optional=OPTIONAL_COLUMNS
        ):
            report.rows += 1
            if isinstance(item, RefusedRow):
                rows.append(item)
                continue
            line, row = item
            refusal, draft, received = self._parse(row, line)
            if refusal is not None or draft is None or received is None:
                rows.append(refusal or RefusedRow(line, "import-row-missing"))
                continue
            key = journal_key(received_at=received, full_name=draft.full_name, text=draft.text)
            rows.append(_JournalRow(line, row, draft, received, key))
        imported = await self._journal.numbers(
            [entry.key for entry in rows if isinstance(entry, _JournalRow)]
        )
        seen: dict[str, int] = {}
        for entry in rows:
            if isinstance(entry, RefusedRow):
                report.refused.append(entry)
                continue
            if entry.key in imported:
                report.refused.append(
                    RefusedRow(entry.line, "import-appeals-row-imported", imported[entry.key])
                )
                continue
            if entry.key in seen:
                report.refused.append(
                    RefusedRow(entry.line, "import-appeals-row-repeated", str(seen[entry.key]))
                )
                continue
            number = await self._register(entry, actor=actor)
            if isinstance(number, RefusedRow):
                report.refused.append(number)
            else:
                seen[entry.key] = entry.line
                report.registered.append(number)
        return report

    async def _register(self, item: _JournalRow, *, actor: Actor) -> str | RefusedRow:
        row = item.row
        try:
            # Checked before a number is taken: a refused row must not leave a gap.
            check_submittable(item.draft)
            appeal = await self._appeals.register_offline(
                item.draft, actor=actor, received_at=item.received
            )
            assert appeal.id is not None
            await self._journal.remember(item.key, appeal.id)
            answered = _moment(row["answered_at"], self._zone) if row["answered_at"] else None
            if answered is not None and row["answer_text"]:
                await self._appeals.record_answer(
                    appeal, actor=actor, answer_text=row["answer_text"], at=answered
                )
        except TooLong as error:
            return too_long_row(item.line, error)
        except DomainError as error:
            return RefusedRow(item.line, error.text_key)
        return appeal.number

    def _parse(
        self, row: dict[str, str], line: int
    ) -> tuple[RefusedRow | None, AppealDraft | None, datetime | None]:
        for name in _REQUIRED:
            if not row[name]:
                return RefusedRow(line, "import-row-missing", name), None, None
        received = _moment(row["received_at"], self._zone)
        if received is None:
            return RefusedRow(line, "import-appeals-row-time", row["received_at"][:30]), None, None
        try:
            form = ServiceForm(row["form"])
            kind = AppealKind(row["kind"])
            subject = Subject(row["subject"])
            channel = AnswerChannel(row["answer_channel"])
        except ValueError as error:
            return RefusedRow(line, "import-appeals-row-code", str(error)[:80]), None, None
        if subject not in subjects_for(kind) or channel is AnswerChannel.CHAT:
            return RefusedRow(line, "import-appeals-row-code", row["subject"]), None, None
        if form not in WRITTEN_FORMS:
            for name in _REQUIRED_UNLESS_WRITTEN:
                if not row[name]:
                    return RefusedRow(line, "import-row-missing", name), None, None
        too_long = check_lengths(line, row, _LIMITED)
        if too_long is not None:
            return too_long, None, None
        contract = row["contract"].lower()
        if contract not in _YES and contract not in _NO:
            return RefusedRow(line, "import-appeals-row-code", row["contract"][:30]), None, None
        for name in ("measures_taken", "measures_planned"):
            if len(row[name]) > MEASURES_MAX:
                return (
                    RefusedRow(line, "import-row-too-long", f"{name}: {MEASURES_MAX}"),
                    None,
                    None,
                )
        draft = AppealDraft(
            user_id=None,
            kind=kind,
            subject=subject,
            form=form,
            text=row["text"],
            full_name=row["full_name"],
            address=row["address"],
            answer_channel=channel,
            contact=row["contact"],
            measures_taken=row["measures_taken"],
            measures_planned=row["measures_planned"],
            contract_concluded=contract in _YES,
        )
        return None, draft, received
