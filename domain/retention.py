"""How long personal data is kept (152-ФЗ ст. 5 ч. 7, ст. 21 ч. 4; SPEC §11).

Every category of stored data has a period; what is older goes. Two treatments:
- appeals are anonymised, not deleted: the registry row (number, dates, kind, subject, form,
  status, outcome) stays for the Order 186 reports and the registry's numbering; the name,
  address, account, contact, text, answer text, survey comment and the files are erased;
- questionnaire answers are anonymised too: the buttons' values stay counted for the
  reports (regulation §19.17–19.18), but no longer name the person, and free texts go;
- everything else (readings, bookings, notices with their figures and recipients, the
  outbox's message texts, dialog drafts of people who left) is erased.

Pure: given `now` and the periods, the moment before which each category goes. Where a
category's age is counted from is the storage's business (an appeal: from its closing; a
reading: from its submission; a booking: from its visit; a notice: from its creation; an
outbox message: from its queuing; a draft: from its last change; a person's answers to a
questionnaire: from their last answer to it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum


class DataCategory(StrEnum):
    APPEALS = "appeals"
    READINGS = "readings"
    BOOKINGS = "bookings"
    NOTICES = "notices"
    OUTBOX = "outbox"
    DRAFTS = "drafts"
    QUESTIONNAIRES = "questionnaires"  # the answers people gave to the questionnaires


class Treatment(StrEnum):
    ERASE = "erase"
    ANONYMISE = "anonymise"


# The categories whose rows people sent files with (an appeal's attachments, a reading's meter
# photo): the stored files go with the row, once no row still kept needs them. A file sent in
# a dialog never finished belongs to no row: it goes with the drafts, past their period.
FILE_CATEGORIES: tuple[DataCategory, ...] = (
    DataCategory.APPEALS,
    DataCategory.READINGS,
    DataCategory.DRAFTS,
)

TREATMENTS: Mapping[DataCategory, Treatment] = {
    DataCategory.APPEALS: Treatment.ANONYMISE,
    DataCategory.READINGS: Treatment.ERASE,
    DataCategory.BOOKINGS: Treatment.ERASE,
    DataCategory.NOTICES: Treatment.ERASE,
    DataCategory.OUTBOX: Treatment.ERASE,
    DataCategory.DRAFTS: Treatment.ERASE,
    DataCategory.QUESTIONNAIRES: Treatment.ANONYMISE,
}

# The defaults (settings may change them), stated in the consent text (content/consent.md).
DEFAULT_DAYS: Mapping[DataCategory, int] = {
    # 5 years after closing: the registry's own retention (Перечень типовых архивных
    # документов, Приказ Росархива № 236, ст. 154: обращения граждан — 5 лет).
    DataCategory.APPEALS: 5 * 365,
    # 3 years: the limitation period of a billing dispute (ГК РФ ст. 196).
    DataCategory.READINGS: 3 * 365,
    # A visit is over: a year for complaints about it.
    DataCategory.BOOKINGS: 365,
    # 3 years: the evidence that a restriction warning was sent (ПП 442), ГК РФ ст. 196.
    DataCategory.NOTICES: 3 * 365,
    # A sent message's text is a copy of what lives elsewhere: 90 days for support.
    DataCategory.OUTBOX: 90,
    # Someone who left a dialog unfinished for 30 days is not coming back to it.
    DataCategory.DRAFTS: 30,
    # A year after the last answer: the questionnaire's results serve the year's report on
    # the quality of service (Order 186, Приложение 7, published yearly); they stay counted
    # after it, only no longer the person's.
    DataCategory.QUESTIONNAIRES: 365,
}


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    """A period per category (all of them)."""

    periods: Mapping[DataCategory, timedelta]

    def __post_init__(self) -> None:
        missing = set(DataCategory) - set(self.periods)
        if missing:
            raise ValueError(f"no retention period for {', '.join(sorted(missing))}")
        for category, period in self.periods.items():
            if period <= timedelta(0):
                raise ValueError(f"the retention period of {category} must be positive")

    @classmethod
    def from_days(cls, days: Mapping[DataCategory, int]) -> RetentionPolicy:
        return cls({category: timedelta(days=value) for category, value in days.items()})

    @classmethod
    def default(cls) -> RetentionPolicy:
        return cls.from_days(DEFAULT_DAYS)

    def cutoff(self, category: DataCategory, now: datetime) -> datetime:
        """What is older than this (strictly) goes."""
        if now.tzinfo is None:
            raise ValueError("retention needs an aware `now`")
        return now - self.periods[category]

    def cutoffs(self, now: datetime) -> dict[DataCategory, datetime]:
        return {category: self.cutoff(category, now) for category in DataCategory}

    def is_due(self, category: DataCategory, *, since: datetime, now: datetime) -> bool:
        """Whether a row whose age counts from `since` goes at `now`."""
        return since < self.cutoff(category, now)

    @staticmethod
    def treatment(category: DataCategory) -> Treatment:
        return TREATMENTS[category]


@dataclass(frozen=True, slots=True)
class RetentionReport:
    """Rows per category that went (or, on a dry run, would go), and the stored files that
    went with them (how many, how many bytes)."""

    counts: Mapping[DataCategory, int]
    dry_run: bool
    files: Mapping[DataCategory, int] = field(default_factory=dict)
    file_bytes: Mapping[DataCategory, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True, slots=True)
class ReleasedFile:
    """A stored file whose appeals and readings have all gone: its record goes, and its bytes
    unless another record still keeps the same bytes (`shared`: the store is keyed by
    checksum)."""

    id: int
    key: str | None
    size: int
    shared: bool
