"""The registry of appeals as staff browse it (issue 17): which appeals a filter keeps, how
they are ordered, paged and counted, and who sees which. Pure: the storage layer turns a
`RegistryFilter` into SQL (storage/registry.py), the web pages build it from a form.

Search covers the number, the appellant's name and the text: the columns of `appeals` kept in
plain text. The identity data of a ПП 55 complaint is sealed (storage/identity.py) and the
contact is not searched (personal data shown only on request, issue 17 "Security"), so
neither is ever searched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from domain.appeal_model import AppealKind, AppealStatus, ServiceForm, Subject
from domain.staff import StaffAction, StaffMember

PAGE_SIZE = 50
SEARCH_MAX = 100  # characters of a search query; longer ones are cut
SEARCH_WORDS_MAX = 8
# FTS5's trigram tokenizer (SQLite) and pg_trgm (PostgreSQL) index three-character runs. A
# shorter word is not searched: it would be a scan of every text (half a second on
# PostgreSQL at 100 000 appeals, over the page's 300 ms) and narrows little (a "д." or a
# "7" is in half of them); the page names the words it left out.
TRIGRAM = 3
DUE_WITHIN_MAX = 366


class RegistrySort(StrEnum):
    RECEIVED = "received"  # newest first
    DUE = "due"  # the nearest due date first
    NUMBER = "number"  # the latest number first
    STATUS = "status"  # by status, then the nearest due date


@dataclass(frozen=True, slots=True, kw_only=True)
class RegistryFilter:
    """Every field narrows the list; an empty set or None keeps every value. Date bounds are
    aware datetimes: `*_from` inclusive, `*_until` exclusive (see `day_bounds`)."""

    statuses: frozenset[AppealStatus] = frozenset()
    kinds: frozenset[AppealKind] = frozenset()
    subjects: frozenset[Subject] = frozenset()
    forms: frozenset[ServiceForm] = frozenset()
    department_id: int | None = None
    executor_id: int | None = None
    received_from: datetime | None = None
    received_until: datetime | None = None
    due_from: datetime | None = None
    due_until: datetime | None = None
    overdue: bool = False
    due_within_days: int | None = None
    rating: int | None = None
    search: str = ""
    words: tuple[str, ...] = field(init=False, default=())
    short_words: tuple[str, ...] = field(init=False, default=())

    def __post_init__(self) -> None:
        words = search_words(self.search)
        object.__setattr__(self, "words", tuple(w for w in words if len(w) >= TRIGRAM))
        object.__setattr__(self, "short_words", tuple(w for w in words if len(w) < TRIGRAM))


def search_words(query: str) -> tuple[str, ...]:
    """The words of a search query, each of which must occur (in any of the searched
    columns); cut to SEARCH_MAX characters and SEARCH_WORDS_MAX words, duplicates dropped.
    `RegistryFilter` keeps those of TRIGRAM characters or more."""
    words: list[str] = []
    for word in query[:SEARCH_MAX].split():
        if word.casefold() not in (seen.casefold() for seen in words):
            words.append(word)
    return tuple(words[:SEARCH_WORDS_MAX])


def day_bounds(
    first: date | None, last: date | None, zone: ZoneInfo
) -> tuple[datetime | None, datetime | None]:
    """Whole days of the company's calendar, both included, as [from, until) moments."""
    start = datetime.combine(first, time(), tzinfo=zone) if first is not None else None
    end = (
        datetime.combine(last + timedelta(days=1), time(), tzinfo=zone)
        if last is not None
        else None
    )
    return start, end


def week_end(now: datetime, zone: ZoneInfo) -> datetime:
    """The end of the company's calendar week (Monday to Sunday) `now` is in: the bound of
    the «срок на этой неделе» count."""
    today = now.astimezone(zone).date()
    monday_next = today + timedelta(days=7 - today.weekday())
    return datetime.combine(monday_next, time(), tzinfo=zone)


@dataclass(frozen=True, slots=True, kw_only=True)
class RegistryScope:
    """The appeals a staff member may see: all of them, or (None) none."""

    everything: bool


def registry_scope(member: StaffMember) -> RegistryScope:
    """The same as in the staff chat: every member sees every appeal's card there (the
    chat is shared; domain/staff.py gives VIEW to every role and has no department
    scoping), so the registry shows them every appeal too. Head-only work (assigning,
    export, reports) is refused by its own action's check."""
    return RegistryScope(everything=member.may(StaffAction.VIEW))


@dataclass(frozen=True, slots=True, kw_only=True)
class RegistryEntry:
    """One row of the registry table. No personal data: the appeal page shows the name and
    the contact on request, audited (docs/web.md); the search finds by the name all the same,
    for whoever typed it."""

    id: int
    number: str
    received_at: datetime
    kind: str
    subject: str
    form: str
    status: str
    due_at: datetime
    answered_at: datetime | None
    extended: bool
    assignee_id: int | None
    executor_name: str
    rating: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class RegistryCounts:
    """The figures at the top of the registry, for the filter in force."""

    total: int
    open: int
    overdue: int
    due_this_week: int


@dataclass(frozen=True, slots=True, kw_only=True)
class RegistryPage:
    entries: tuple[RegistryEntry, ...]
    counts: RegistryCounts
    page: int
    pages: int
