"""Order 186 reports (Приложение 7, added by Order 217; SPEC §9; regulation §19.8–19.23): the
reporting periods, the official rows and columns of table 4.1 and register 4.9, the four
quality indicators and the operational figures, computed from *facts* — the registry grouped
by the database (storage/reports.py) into a few hundred counted combinations, never one
Python object per appeal.

The official wording is copied from requirements.md §3–§4 (the form's categories); the
formulas of the indicators and where they come from are in docs/reports.md.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import NamedTuple
from zoneinfo import ZoneInfo

from domain.appeal_model import AppealKind, AppealStatus, RejectionGround, ServiceForm, Subject
from domain.errors import DomainError

MEASURES_MAX = 2000  # characters of "measures taken" or "measures planned"
YES_WORDS = frozenset({"yes", "y", "1", "+", "true"})
NO_WORDS = frozenset({"no", "n", "0", "-", "false"})


class InvalidReportPeriod(DomainError):
    """A period the report cannot be built for: not one of the forms `parse_period` knows,
    or a range that ends before it starts."""

    text_key = "report-period-invalid"


# Periods -----------------------------------------------------------------------------------


class PeriodKind(StrEnum):
    YEAR = "year"
    HALF = "half"
    QUARTER = "quarter"
    MONTH = "month"
    CUSTOM = "custom"


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True, slots=True)
class Period:
    """Days [start, end) in the company's time zone."""

    kind: PeriodKind
    start: date
    end: date  # exclusive

    @property
    def label(self) -> str:
        """The period as `parse_period` reads it: 2026, 2026-H1, 2026-Q4, 2026-11, a..b."""
        if self.kind is PeriodKind.YEAR:
            return f"{self.start.year}"
        if self.kind is PeriodKind.HALF:
            return f"{self.start.year}-H{1 if self.start.month == 1 else 2}"
        if self.kind is PeriodKind.QUARTER:
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        if self.kind is PeriodKind.MONTH:
            return f"{self.start.year}-{self.start.month:02d}"
        last = self.end - timedelta(days=1)
        return f"{self.start.isoformat()}..{last.isoformat()}"

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """[start, end) as aware UTC moments: local midnights of the first and the next day."""
        return (
            datetime.combine(self.start, time(), tzinfo=zone).astimezone(UTC),
            datetime.combine(self.end, time(), tzinfo=zone).astimezone(UTC),
        )

    def year_before(self) -> Period:
        """The same days a year earlier: year N-1 of table 4.1."""
        return Period(self.kind, _year_back(self.start), _year_back(self.end))

    def preceding(self) -> Period:
        """The period just before, of the same kind and length (the previous month for a
        month, the previous quarter for a quarter; for custom dates, as many days before)."""
        if self.kind is PeriodKind.CUSTOM:
            return Period(self.kind, self.start - timedelta(days=self.days), self.start)
        months = {
            PeriodKind.YEAR: 12,
            PeriodKind.HALF: 6,
            PeriodKind.QUARTER: 3,
            PeriodKind.MONTH: 1,
        }[self.kind]
        return Period(self.kind, _add_months(self.start, -months), self.start)

    def months(self) -> tuple[date, ...]:
        """The first day of every calendar month the period touches."""
        first = self.start.replace(day=1)
        out: list[date] = []
        while first < self.end:
            out.append(first)
            first = _add_months(first, 1)
        return tuple(out)

    def trend(self) -> Period:
        """The months a trend chart shows: the period's own, or the 12 months ending with it
        when it is shorter than two months (a monthly report still shows a trend)."""
        if len(self.months()) >= 2:
            return self
        end = _add_months(self.end - timedelta(days=1), 1)
        return Period(PeriodKind.CUSTOM, _add_months(end, -12), end)


def _year_back(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def year(value: int) -> Period:
    return Period(PeriodKind.YEAR, date(value, 1, 1), date(value + 1, 1, 1))


def month(value_year: int, value_month: int) -> Period:
    start = date(value_year, value_month, 1)
    return Period(PeriodKind.MONTH, start, _add_months(start, 1))


def quarter(value_year: int, number: int) -> Period:
    start = date(value_year, 3 * (number - 1) + 1, 1)
    return Period(PeriodKind.QUARTER, start, _add_months(start, 3))


def half(value_year: int, number: int) -> Period:
    start = date(value_year, 6 * (number - 1) + 1, 1)
    return Period(PeriodKind.HALF, start, _add_months(start, 6))


def custom(first: date, last: date) -> Period:
    """The days from `first` to `last`, both included."""
    if last < first:
        raise InvalidReportPeriod("the range ends before it starts")
    return Period(PeriodKind.CUSTOM, first, last + timedelta(days=1))


class PeriodChoice(StrEnum):
    """The picker of /report in the chat and of the web desk's reports page."""

    THIS_MONTH = "this_month"
    LAST_MONTH = "last_month"
    QUARTER = "quarter"
    YEAR = "year"
    CUSTOM = "custom"  # dates typed (the chat) or picked (the web page)


def chosen_period(choice: PeriodChoice, today: date) -> Period:
    """The period a picker's choice names on `today` (the company's date); CUSTOM has no
    period of its own and gives this month."""
    this_month = month(today.year, today.month)
    if choice is PeriodChoice.LAST_MONTH:
        return this_month.preceding()
    if choice is PeriodChoice.QUARTER:
        return quarter(today.year, (today.month - 1) // 3 + 1)
    if choice is PeriodChoice.YEAR:
        return year(today.year)
    return this_month


_YEAR = re.compile(r"(?P<y>\d{4})")
_HALF = re.compile(r"(?P<y>\d{4})\s*[-_/ ]?\s*H\s*(?P<n>[12])", re.IGNORECASE)
_QUARTER = re.compile(r"(?P<y>\d{4})\s*[-_/ ]?\s*Q\s*(?P<n>[1-4])", re.IGNORECASE)
# People type the Russian abbreviations: "кв" (квартал) reads as Q, "п"/"пг" (полугодие) as H.
_LETTERS = str.maketrans(
    {"К": "Q", "к": "Q", "П": "H", "п": "H", "В": "", "в": "", "Г": "", "г": ""}
)
_MONTH = re.compile(r"(?P<y>\d{4})[-./](?P<m>\d{1,2})|(?P<m2>\d{1,2})[-./](?P<y2>\d{4})")
_DAY_ISO = r"\d{4}-\d{1,2}-\d{1,2}"
_DAY_RU = r"\d{1,2}[./]\d{1,2}[./]\d{2,4}"
_RANGE = re.compile(
    rf"(?P<a>{_DAY_ISO}|{_DAY_RU})(?:\D*)(?P<b>{_DAY_ISO}|{_DAY_RU})",
    re.IGNORECASE,
)
_MIN_YEAR = 2000
_MAX_YEAR = 2100


def _day(text: str) -> date:
    if "-" in text:
        y, m, d = (int(part) for part in text.split("-"))
    else:
        d, m, y = (int(part) for part in re.split(r"[./]", text))
        if y < 100:
            y += 2000
    try:
        return date(y, m, d)
    except ValueError as error:
        raise InvalidReportPeriod(str(error)) from None


def _check_year(value: int) -> int:
    if not _MIN_YEAR <= value <= _MAX_YEAR:
        raise InvalidReportPeriod("year out of range")
    return value


def parse_period(text: str) -> Period:
    """`2026`, `2026-H1`, `2026-Q4`, `2026-11`, `2026-01-01..2026-03-31`; tolerant of what
    people type: `2026 q4`, `2026-К4`, `11.2026`, `01.01.2026 - 31.03.2026`,
    `1.1.26 по 31.3.26`."""
    raw = " ".join(text.strip().split())
    if (match := _RANGE.fullmatch(raw)) is not None:
        first, last = _day(match["a"]), _day(match["b"])
        _check_year(first.year)
        _check_year(last.year)
        return custom(first, last)
    raw = raw.translate(_LETTERS)
    if (match := _YEAR.fullmatch(raw)) is not None:
        return year(_check_year(int(match["y"])))
    if (match := _HALF.fullmatch(raw)) is not None:
        return half(_check_year(int(match["y"])), int(match["n"]))
    if (match := _QUARTER.fullmatch(raw)) is not None:
        return quarter(_check_year(int(match["y"])), int(match["n"]))
    if (match := _MONTH.fullmatch(raw)) is not None:
        y = int(match["y"] or match["y2"])
        m = int(match["m"] or match["m2"])
        if not 1 <= m <= 12:
            raise InvalidReportPeriod("month out of range")
        return month(_check_year(y), m)
    raise InvalidReportPeriod("unknown period")


# The official form: categories of table 4.1 and register 4.9 ------------------------------

FORMS: tuple[ServiceForm, ...] = (
    ServiceForm.IN_PERSON,
    ServiceForm.PHONE,
    ServiceForm.INTERNET,
    ServiceForm.POST,
    ServiceForm.OTHER,
)
FORM_NAMES: Mapping[ServiceForm, str] = {
    ServiceForm.IN_PERSON: "report-form-in-person",
    ServiceForm.PHONE: "report-form-phone",
    ServiceForm.INTERNET: "report-form-internet",
    ServiceForm.POST: "report-form-post",
    ServiceForm.OTHER: "report-form-other",
}


class Category(StrEnum):
    """The three category lists of the form, each item a code of its own."""

    # 1. All appeals, by subject.
    ALL_TRANSMISSION = "all.transmission"
    ALL_CONNECTION = "all.connection"
    ALL_METERING = "all.metering"
    ALL_SERVICE = "all.service"
    ALL_MAINTENANCE = "all.maintenance"
    ALL_OTHER = "all.other"
    # 2. Appeals containing a complaint, by the complaint's subject.
    COMPLAINT_TRANSMISSION = "complaint.transmission"
    COMPLAINT_POWER_QUALITY = "complaint.power_quality"
    COMPLAINT_CONNECTION = "complaint.connection"
    COMPLAINT_METERING = "complaint.metering"
    COMPLAINT_SERVICE = "complaint.service"
    COMPLAINT_MAINTENANCE = "complaint.maintenance"
    COMPLAINT_OTHER = "complaint.other"
    # 3. Appeals containing an application (заявка), by its subject.
    APPLICATION_CONNECTION = "application.connection"
    APPLICATION_CONTRACT = "application.contract"
    APPLICATION_METERING = "application.metering"
    APPLICATION_OTHER = "application.other"


GENERAL_CATEGORIES: tuple[tuple[Category, str], ...] = (
    (Category.ALL_TRANSMISSION, "report-cat-all-transmission"),
    (Category.ALL_CONNECTION, "report-cat-all-connection"),
    (Category.ALL_METERING, "report-cat-all-metering"),
    (Category.ALL_SERVICE, "report-cat-all-service"),
    (Category.ALL_MAINTENANCE, "report-cat-all-maintenance"),
    (Category.ALL_OTHER, "report-cat-all-other"),
)
COMPLAINT_CATEGORIES: tuple[tuple[Category, str], ...] = (
    (Category.COMPLAINT_TRANSMISSION, "report-cat-complaint-transmission"),
    (Category.COMPLAINT_POWER_QUALITY, "report-cat-complaint-power-quality"),
    (Category.COMPLAINT_CONNECTION, "report-cat-complaint-connection"),
    (Category.COMPLAINT_METERING, "report-cat-complaint-metering"),
    (Category.COMPLAINT_SERVICE, "report-cat-complaint-service"),
    (Category.COMPLAINT_MAINTENANCE, "report-cat-complaint-maintenance"),
    (Category.COMPLAINT_OTHER, "report-cat-complaint-other"),
)
APPLICATION_CATEGORIES: tuple[tuple[Category, str], ...] = (
    (Category.APPLICATION_CONNECTION, "report-cat-application-connection"),
    (
        Category.APPLICATION_CONTRACT,
        "report-cat-application-contract",
    ),
    (Category.APPLICATION_METERING, "report-cat-application-metering"),
    (Category.APPLICATION_OTHER, "report-cat-application-other"),
)

# Every subject the registry knows, placed in each list. The registry has one subject per
# appeal; an item of one list is placed in the others by meaning (docs/reports.md).
_GENERAL: Mapping[Subject, Category] = {
    Subject.TRANSMISSION: Category.ALL_TRANSMISSION,
    Subject.TRANSMISSION_QUALITY: Category.ALL_TRANSMISSION,
    Subject.POWER_QUALITY: Category.ALL_TRANSMISSION,
    Subject.TRANSMISSION_CONTRACT: Category.ALL_TRANSMISSION,
    Subject.GRID_CONNECTION: Category.ALL_CONNECTION,
    Subject.CONNECTION_APPLICATION: Category.ALL_CONNECTION,
    Subject.METERING: Category.ALL_METERING,
    Subject.METERING_ORGANISATION: Category.ALL_METERING,
    Subject.SERVICE_QUALITY: Category.ALL_SERVICE,
    Subject.GRID_MAINTENANCE: Category.ALL_MAINTENANCE,
    Subject.OTHER: Category.ALL_OTHER,
}
_COMPLAINT: Mapping[Subject, Category] = {
    Subject.TRANSMISSION: Category.COMPLAINT_TRANSMISSION,
    Subject.TRANSMISSION_QUALITY: Category.COMPLAINT_TRANSMISSION,
    Subject.TRANSMISSION_CONTRACT: Category.COMPLAINT_TRANSMISSION,
    Subject.POWER_QUALITY: Category.COMPLAINT_POWER_QUALITY,
    Subject.GRID_CONNECTION: Category.COMPLAINT_CONNECTION,
    Subject.CONNECTION_APPLICATION: Category.COMPLAINT_CONNECTION,
    Subject.METERING: Category.COMPLAINT_METERING,
    Subject.METERING_ORGANISATION: Category.COMPLAINT_METERING,
    Subject.SERVICE_QUALITY: Category.COMPLAINT_SERVICE,
    Subject.GRID_MAINTENANCE: Category.COMPLAINT_MAINTENANCE,
    Subject.OTHER: Category.COMPLAINT_OTHER,
}
_APPLICATION: Mapping[Subject, Category] = {
    Subject.CONNECTION_APPLICATION: Category.APPLICATION_CONNECTION,
    Subject.GRID_CONNECTION: Category.APPLICATION_CONNECTION,
    Subject.TRANSMISSION_CONTRACT: Category.APPLICATION_CONTRACT,
    Subject.TRANSMISSION: Category.APPLICATION_CONTRACT,
    Subject.METERING_ORGANISATION: Category.APPLICATION_METERING,
    Subject.METERING: Category.APPLICATION_METERING,
}


def categories(kind: AppealKind, subject: Subject) -> tuple[Category, ...]:
    """The form's categories an appeal falls in: always one of the general list; one of the
    complaints' list for a complaint; one of the applications' list for an application."""
    found = [_GENERAL[subject]]
    if kind is AppealKind.COMPLAINT:
        found.append(_COMPLAINT[subject])
    elif kind is AppealKind.APPLICATION:
        found.append(_APPLICATION.get(subject, Category.APPLICATION_OTHER))
    return tuple(found)


class Outcome(StrEnum):
    """Register 4.9's outcome columns; OPEN while nothing of the three is true yet."""

    ON_TIME = "on_time"  # дан исчерпывающий ответ в установленные сроки
    LATE = "late"  # дан ответ с нарушением сроков
    UNANSWERED = "unanswered"  # оставлено без ответа (с указанием основания)
    OPEN = "open"


def outcome(status: AppealStatus, first_answered_at: datetime | None, due_at: datetime) -> Outcome:
    """The answer's outcome: the first answer counts (a reopened appeal keeps it); refused or
    forwarded appeals got no answer on the merits. The same rule in SQL: storage/reports.py."""
    if first_answered_at is not None:
        return Outcome.ON_TIME if first_answered_at <= due_at else Outcome.LATE
    if status in (AppealStatus.REJECTED, AppealStatus.FORWARDED):
        return Outcome.UNANSWERED
    return Outcome.OPEN


FORWARDED = "forwarded"  # the "ground" of an appeal sent on to another body


class TextKey(str):
    """A cell holding a text key: the writer puts the text in its place."""

    __slots__ = ()


GROUND_NAMES: Mapping[str, str] = {
    RejectionGround.OBSCENE_OR_THREATS: "report-ground-obscene",
    RejectionGround.ILLEGIBLE: "report-ground-illegible",
    RejectionGround.REPEAT_WITHOUT_NEW_ARGUMENTS: "report-ground-repeat",
    RejectionGround.CONFIDENTIAL: "report-ground-confidential",
    RejectionGround.NO_CONTACT_DATA: "report-ground-no-contact",
    "forwarded": "report-ground-forwarded",
}

# Table 4.1 ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TableRow:
    number: str
    title: str
    key: str  # a Category value, or one of the row keys below


ROW_ALL = "all"
ROW_COMPLAINTS = "complaints"
ROW_APPLICATIONS = "applications"
ROW_CONTRACTS = "contracts"
ROW_SETTLED = "settled_complaints"

TABLE_41_TITLE = "report-table-title"
TABLE_41_ROWS: tuple[TableRow, ...] = (
    TableRow("1", "report-row-all", ROW_ALL),
    *(
        TableRow(f"1.{index}", title, code.value)
        for index, (code, title) in enumerate(GENERAL_CATEGORIES, 1)
    ),
    TableRow("2", "report-row-complaints", ROW_COMPLAINTS),
    *(
        TableRow(f"2.{index}", title, code.value)
        for index, (code, title) in enumerate(COMPLAINT_CATEGORIES, 1)
    ),
    TableRow("3", "report-row-applications", ROW_APPLICATIONS),
    *(
        TableRow(f"3.{index}", title, code.value)
        for index, (code, title) in enumerate(APPLICATION_CATEGORIES, 1)
    ),
    TableRow(
        "4",
        "report-row-contracts",
        ROW_CONTRACTS,
    ),
    TableRow("5", "report-row-settled", ROW_SETTLED),
)
TABLE_41_HEAD = ("report-head-number", "report-head-category")
TABLE_41_SUBHEAD = ("report-head-before", "report-head-now", "report-head-change")


# Register 4.9 ------------------------------------------------------------------------------

REGISTER_49_TITLE = "report-register-title"
# (group title, column titles): the 31 columns of the official form, in its order.
REGISTER_49_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("report-head-number", ("",)),
    ("report-reg-id", ("",)),
    ("report-reg-date", ("",)),
    ("report-reg-time", ("",)),
    ("report-reg-form", tuple(FORM_NAMES[form] for form in FORMS)),
    ("report-reg-category", tuple(title for _, title in GENERAL_CATEGORIES)),
    ("report-reg-complaint", tuple(title for _, title in COMPLAINT_CATEGORIES)),
    (
        "report-reg-application",
        tuple(title for _, title in APPLICATION_CATEGORIES),
    ),
    (
        "report-reg-outcome",
        (
            "report-reg-on-time",
            "report-reg-late",
            "report-reg-unanswered",
        ),
    ),
    ("report-reg-taken", ("",)),
    ("report-reg-planned", ("",)),
)
REGISTER_49_COLUMNS = sum(len(columns) for _, columns in REGISTER_49_GROUPS)
# Where each group starts (0-based column index).
COL_FORM = 4
COL_GENERAL = COL_FORM + len(FORMS)
COL_COMPLAINT = COL_GENERAL + len(GENERAL_CATEGORIES)
COL_APPLICATION = COL_COMPLAINT + len(COMPLAINT_CATEGORIES)
COL_OUTCOME = COL_APPLICATION + len(APPLICATION_CATEGORIES)
COL_TAKEN = COL_OUTCOME + 3
COL_PLANNED = COL_TAKEN + 1
_CATEGORY_COLUMN: Mapping[Category, int] = {
    **{code: COL_GENERAL + i for i, (code, _) in enumerate(GENERAL_CATEGORIES)},
    **{code: COL_COMPLAINT + i for i, (code, _) in enumerate(COMPLAINT_CATEGORIES)},
    **{code: COL_APPLICATION + i for i, (code, _) in enumerate(APPLICATION_CATEGORIES)},
}
_OUTCOME_COLUMN: Mapping[Outcome, int] = {
    Outcome.ON_TIME: COL_OUTCOME,
    Outcome.LATE: COL_OUTCOME + 1,
    Outcome.UNANSWERED: COL_OUTCOME + 2,
}
MARK = 1  # what a marked cell of the register holds


# One appeal of register 4.9 as the database hands it over: a plain tuple in RegisterEntry's
# order. A year's register is a million of them; building an object per row measured 0.7 s
# of the 2 s the whole register may take (docs/reports.md «Performance»), so the writers
# unpack the tuples and RegisterEntry.named gives one names where that helps (the CSV, tests).
RegisterRow = tuple[str, int, int, str, str, str, str, str | None, str, str]


class RegisterEntry(NamedTuple):
    """One appeal as the register reads it from the database (no personal data)."""

    number: str
    day: int  # the local date of registration, as date.toordinal()
    second: int  # the local time of registration, in whole seconds since midnight
    form: str
    kind: str
    subject: str
    outcome: Outcome
    ground: str | None  # the rejection ground, or "forwarded"
    measures_taken: str
    measures_planned: str

    @classmethod
    def named(cls, row: RegisterRow) -> RegisterEntry:
        number, day, second, form, kind, subject, outcome, ground, taken, planned = row
        return cls(
            number, day, second, form, kind, subject, Outcome(outcome), ground, taken, planned
        )

    @property
    def registered_at(self) -> datetime:
        """Local (naive) date and time of registration, in the company's time zone."""
        return datetime.fromordinal(self.day) + timedelta(seconds=self.second)


def utc_offsets(start: datetime, end: datetime, zone: ZoneInfo) -> list[tuple[datetime, int]]:
    """The zone's UTC offset in seconds over [start, end) (aware moments) as pieces: each
    (first moment, offset), the first piece from `start`. So the database can turn the stored
    UTC moments into local dates and times by adding a constant per piece: one piece for
    Moscow, three for a year with summer time. A change is looked for day by day, then found
    to the second (zones change their offset at most once a day)."""

    def offset(moment: datetime) -> int:
        delta = moment.astimezone(zone).utcoffset()
        return int(delta.total_seconds()) if delta is not None else 0

    pieces = [(start, offset(start))]
    day = timedelta(days=1)
    moment = start
    while moment < end:
        following = min(moment + day, end)
        if offset(following) != pieces[-1][1]:
            low, high = moment, following  # offset(low) is the current one, offset(high) not
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if offset(middle) == pieces[-1][1]:
                    low = middle
                else:
                    high = middle
            pieces.append((high.replace(microsecond=0), offset(high)))
        moment = following
    return pieces


@functools.lru_cache(maxsize=4096)
def marks(
    form: str, kind: str, subject: str, outcome: Outcome, ground: str | None
) -> tuple[tuple[int, object], ...]:
    """The register's marked cells for one combination of form, category and outcome, as
    (column, value): worked out once per combination, not once per appeal."""
    cells: list[tuple[int, object]] = []
    form_index = _FORM_INDEX.get(form)
    if form_index is not None:
        cells.append((COL_FORM + form_index, MARK))
    kind_code, subject_code = _KINDS.get(kind), _SUBJECTS.get(subject)
    if kind_code is not None and subject_code is not None:
        cells.extend(
            (_CATEGORY_COLUMN[category], MARK) for category in categories(kind_code, subject_code)
        )
    if outcome is Outcome.UNANSWERED:
        cells.append(
            (COL_OUTCOME + 2, TextKey(GROUND_NAMES.get(ground or "", "report-ground-none")))
        )
    elif outcome is not Outcome.OPEN:
        cells.append((_OUTCOME_COLUMN[outcome], MARK))
    return tuple(sorted(cells, key=lambda cell: cell[0]))


def register_cells(entry: RegisterEntry) -> dict[int, object]:
    """The register's non-empty cells of one appeal by column (0-based); column 0 (№ п/п) is
    the writer's. Marks are 1; the unanswered column holds the ground's name."""
    moment = entry.registered_at
    cells: dict[int, object] = {1: entry.number, 2: moment.date(), 3: moment.time()}
    cells.update(marks(entry.form, entry.kind, entry.subject, entry.outcome, entry.ground))
    if entry.measures_taken:
        cells[COL_TAKEN] = entry.measures_taken
    if entry.measures_planned:
        cells[COL_PLANNED] = entry.measures_planned
    return cells


_FORM_INDEX = {form.value: index for index, form in enumerate(FORMS)}
_KINDS = {kind.value: kind for kind in AppealKind}
_SUBJECTS = {subject.value: subject for subject in Subject}


# Facts: the registry grouped by the database ------------------------------------------------


@dataclass(frozen=True, slots=True)
class AppealFact:
    """`count` appeals registered in month `month_index` of a period (0-based) that share the
    fields before `count`; the fields after it are counts and sums over them (of those that
    led to a contract, were extended, were reopened, were rated...)."""

    month_index: int
    form: str
    kind: str
    subject: str
    outcome: Outcome
    ground: str | None  # the rejection ground, or "forwarded" (59-ФЗ ст. 8 ч. 3)
    count: int
    contracts: int = 0
    extended: int = 0
    reopened: int = 0
    rated: int = 0
    rating_sum: int = 0
    resolved: int = 0  # "вопрос решён": yes


@dataclass(frozen=True, slots=True)
class AnswerTimes:
    """Days from registration to the first answer, of the appeals answered."""

    answered: int
    mean_days: float | None
    max_days: float | None
    # whole days → how many answers took that long (the median comes from it)
    histogram: Mapping[int, int] = field(default_factory=dict)

    @property
    def median_days(self) -> float | None:
        return median_of_histogram(self.histogram)


def median_of_histogram(histogram: Mapping[int, int]) -> float | None:
    total = sum(histogram.values())
    if total == 0:
        return None
    ordered = sorted(histogram.items())

    def nth(n: int) -> int:  # 0-based
        seen = 0
        for value, count in ordered:
            seen += count
            if n < seen:
                return value
        return ordered[-1][0]

    if total % 2:
        return float(nth(total // 2))
    return (nth(total // 2 - 1) + nth(total // 2)) / 2


@dataclass(frozen=True, slots=True)
class Facts:
    """Everything a report needs about one period, as the database counted it."""

    period: Period
    appeals: tuple[AppealFact, ...]
    answer_times: AnswerTimes
    overdue_now: int  # open appeals whose term has passed, at the moment of the report
    surveyed: int  # answers after which the survey was offered by some channel
    by_department: Mapping[str, int]
    by_executor: Mapping[str, int]
    readings_by_channel: Mapping[str, int]
    readings_by_window: Mapping[str, int]  # billing month → readings
    bookings: Mapping[str, int]  # active (kept) / cancelled / moved
    notices: Mapping[str, int]  # sent / blocked / failed / pending


# Table 4.1 cells --------------------------------------------------------------------------


def table_41_counts(facts: Iterable[AppealFact]) -> dict[tuple[str, str], int]:
    """(row key, form) → appeals: every row of table 4.1, every form column."""
    cells: dict[tuple[str, str], int] = {}

    def add(key: str, form: str, count: int) -> None:
        cells[(key, form)] = cells.get((key, form), 0) + count

    for fact in facts:
        kind, subject = _KINDS.get(fact.kind), _SUBJECTS.get(fact.subject)
        if kind is None or subject is None:
            continue
        add(ROW_ALL, fact.form, fact.count)
        for category in categories(kind, subject):
            add(category.value, fact.form, fact.count)
        if kind is AppealKind.COMPLAINT:
            add(ROW_COMPLAINTS, fact.form, fact.count)
            if fact.outcome in (Outcome.ON_TIME, Outcome.LATE):
                add(ROW_SETTLED, fact.form, fact.count)
        elif kind is AppealKind.APPLICATION:
            add(ROW_APPLICATIONS, fact.form, fact.count)
        if fact.contracts:
            add(ROW_CONTRACTS, fact.form, fact.contracts)
    return cells


def change_percent(before: int, now: int) -> float | None:
    """Динамика, %: (N − (N−1)) / (N−1) × 100, one decimal; none when N−1 is zero."""
    if before == 0:
        return None
    return round((now - before) * 100 / before, 1)


@dataclass(frozen=True, slots=True)
class TableCell:
    before: int
    now: int

    @property
    def change(self) -> float | None:
        return change_percent(self.before, self.now)


@dataclass(frozen=True, slots=True)
class Table41:
    rows: tuple[tuple[TableRow, tuple[TableCell, ...]], ...]  # one cell per form, FORMS order

    def cell(self, number: str, form: ServiceForm) -> TableCell:
        for row, cells in self.rows:
            if row.number == number:
                return cells[FORMS.index(form)]
        raise KeyError(number)


def table_41(before: Iterable[AppealFact], now: Iterable[AppealFact]) -> Table41:
    counts_before, counts_now = table_41_counts(before), table_41_counts(now)
    return Table41(
        tuple(
            (
                row,
                tuple(
                    TableCell(
                        counts_before.get((row.key, form.value), 0),
                        counts_now.get((row.key, form.value), 0),
                    )
                    for form in FORMS
                ),
            )
            for row in TABLE_41_ROWS
        )
    )


# Indicators (§19.8–19.9) ------------------------------------------------------------------


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


@dataclass(frozen=True, slots=True)
class Indicators:
    """The four indicators of §19.8–19.9, each a share in [0, 1] (None when nothing to
    count). Formulas and sources: docs/reports.md."""

    availability: float | None  # Доступность
    informativeness: float | None  # Информативность
    performance: float | None  # Исполнительность
    feedback: float | None  # Результативность обратной связи


INDICATOR_NAMES: tuple[tuple[str, str], ...] = (
    ("availability", "report-indicator-availability"),
    ("informativeness", "report-indicator-informativeness"),
    ("performance", "report-indicator-performance"),
    ("feedback", "report-indicator-feedback"),
)


def indicators(facts: Iterable[AppealFact]) -> Indicators:
    """Доступность: share of appeals not left without an answer on the merits (answered, on
    time or late, or still open) — the reception took them up; Информативность: share of
    information requests answered on time among those answered; Исполнительность: share
    answered on time among those answered; Результативность обратной связи: share of rated
    answers where the question is resolved."""
    total = answered = on_time = unanswered = 0
    info_answered = info_on_time = 0
    rated = resolved = 0
    for fact in facts:
        total += fact.count
        if fact.outcome is Outcome.UNANSWERED:
            unanswered += fact.count
        if fact.outcome in (Outcome.ON_TIME, Outcome.LATE):
            answered += fact.count
            if fact.kind == AppealKind.INFORMATION_REQUEST:
                info_answered += fact.count
                if fact.outcome is Outcome.ON_TIME:
                    info_on_time += fact.count
        if fact.outcome is Outcome.ON_TIME:
            on_time += fact.count
        rated += fact.rated
        resolved += fact.resolved
    return Indicators(
        availability=_share(total - unanswered, total),
        informativeness=_share(info_on_time, info_answered),
        performance=_share(on_time, answered),
        feedback=_share(resolved, rated),
    )


# Operational figures ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Figures:
    total: int
    by_kind: Mapping[str, int]
    by_subject: Mapping[str, int]
    by_form: Mapping[str, int]
    on_time: int
    late: int
    unanswered: int
    open: int
    overdue_now: int
    extended: int
    forwarded: int
    refused_by_ground: Mapping[str, int]
    reopened: int
    contracts: int
    rated: int
    mean_rating: float | None
    resolved_share: float | None
    surveyed_share: float | None


def _tally(pairs: Iterable[tuple[str, int]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for key, count in pairs:
        out[key] = out.get(key, 0) + count
    return dict(sorted(out.items(), key=lambda item: (-item[1], item[0])))


def figures(facts: Sequence[AppealFact], *, overdue_now: int, surveyed: int) -> Figures:
    total = sum(f.count for f in facts)
    by_outcome = _tally((f.outcome.value, f.count) for f in facts)
    answered = by_outcome.get(Outcome.ON_TIME, 0) + by_outcome.get(Outcome.LATE, 0)
    rated = sum(f.rated for f in facts)
    return Figures(
        total=total,
        by_kind=_tally((f.kind, f.count) for f in facts),
        by_subject=_tally((f.subject, f.count) for f in facts),
        by_form=_tally((f.form, f.count) for f in facts),
        on_time=by_outcome.get(Outcome.ON_TIME, 0),
        late=by_outcome.get(Outcome.LATE, 0),
        unanswered=by_outcome.get(Outcome.UNANSWERED, 0),
        open=by_outcome.get(Outcome.OPEN, 0),
        overdue_now=overdue_now,
        extended=sum(f.extended for f in facts),
        forwarded=sum(f.count for f in facts if f.ground == FORWARDED),
        refused_by_ground=_tally(
            (f.ground or "", f.count)
            for f in facts
            if f.outcome is Outcome.UNANSWERED and f.ground != FORWARDED
        ),
        reopened=sum(f.reopened for f in facts),
        contracts=sum(f.contracts for f in facts),
        rated=rated,
        mean_rating=round(sum(f.rating_sum for f in facts) / rated, 2) if rated else None,
        resolved_share=_share(sum(f.resolved for f in facts), rated),
        surveyed_share=_share(surveyed, answered),
    )


@dataclass(frozen=True, slots=True)
class MonthFigures:
    """One month of a trend chart."""

    month: date
    by_kind: Mapping[str, int]
    answered: int
    on_time: int
    rated: int
    rating_sum: int

    @property
    def on_time_share(self) -> float | None:
        return _share(self.on_time, self.answered)

    @property
    def mean_rating(self) -> float | None:
        return round(self.rating_sum / self.rated, 2) if self.rated else None


def monthly(period: Period, facts: Iterable[AppealFact]) -> tuple[MonthFigures, ...]:
    months = period.months()
    kinds: list[dict[str, int]] = [{} for _ in months]
    answered = [0] * len(months)
    on_time = [0] * len(months)
    rated = [0] * len(months)
    rating_sum = [0] * len(months)
    for fact in facts:
        i = fact.month_index
        if not 0 <= i < len(months):
            continue
        kinds[i][fact.kind] = kinds[i].get(fact.kind, 0) + fact.count
        if fact.outcome in (Outcome.ON_TIME, Outcome.LATE):
            answered[i] += fact.count
        if fact.outcome is Outcome.ON_TIME:
            on_time[i] += fact.count
        rated[i] += fact.rated
        rating_sum[i] += fact.rating_sum
    return tuple(
        MonthFigures(m, kinds[i], answered[i], on_time[i], rated[i], rating_sum[i])
        for i, m in enumerate(months)
    )


# The report --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExtraTable:
    """A section another feature adds (the questionnaires' results, «Анкеты»): one sheet of
    the XLSX, one block of the CSV."""

    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]


@dataclass(frozen=True, slots=True)
class Report:
    period: Period
    previous: Period  # the period just before (indicators, figures)
    year_before: Period  # the same days a year earlier (table 4.1)
    generated_at: datetime
    table: Table41
    indicators: Indicators
    indicators_before: Indicators
    figures: Figures
    figures_before: Figures
    answer_times: AnswerTimes
    answer_times_before: AnswerTimes
    facts: Facts
    trend: tuple[MonthFigures, ...]
    extra: tuple[ExtraTable, ...] = ()
