"""What the reference pages say about the bot, checked against the bot (issue 13): pages may
name the office hours by a placeholder filled from the OFFICE_HOURS setting, and a page that
writes hours out, or names a menu item, a button or a notice topic in «…», is compared with
what the bot really has. Used by `reception content check` (bot/cli_content.py).

What is checked, and what is not:
- `{{name}}` placeholders: each must be one the bot fills (`PLACEHOLDERS`).
- A line with a time range ("8:00–17:00", "с 8:00 до 17:00") and days of the week or a break
  word (перерыв, обед) states office hours: each of its ranges must be an opening range or a
  break of every day it names (of every open day when it names none), and a day it names
  must be open. A page giving another schedule (a cash desk's own hours) in such a line is
  reported too: write it without the day names, or as the office's hours.
- A name in «…» right after a cue word (раздел, кнопка, уведомление, вид, тема…) must be a
  label the bot shows (menu and buttons, section titles, notice topics, kinds, subjects),
  compared without emoji, case, ё and spaces.
- The consent's retention periods: under the line naming them («Сроки хранения»), one "- "
  line per category (told by its first word), whose period must be the RETENTION_*_DAYS
  setting's (a year is 365 days, a month 30).
- Nothing else: prose about what the bot asks or keeps is read by people (docs/operations.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from domain.booking import WEEKDAYS, Interval, OfficeHours
from domain.retention import DataCategory
from domain.word_files import read_word_file

CONTENT_WORDS_FILE = "content_words_ru.txt"

# The placeholders a page may use; the bot fills them from the settings (bot/content_values.py).
OFFICE_HOURS = "office_hours"  # OFFICE_HOURS as people read it
OFFICE_WEEK_HOURS = "office_week_hours"  # reception hours a week (§11.1)
READINGS_START_DAY = "readings_start_day"  # READINGS_WINDOW_START_DAY
READINGS_END_DAY = "readings_end_day"  # READINGS_WINDOW_END_DAY
PLACEHOLDERS = frozenset({OFFICE_HOURS, OFFICE_WEEK_HOURS, READINGS_START_DAY, READINGS_END_DAY})

PLACEHOLDER_RE = re.compile(r"\{\{\s*([^{}\s]*)\s*\}\}")
_TIME = r"(\d{1,2})[:.](\d{2})"
_DASH = r"\s*[-–—]\s*"
_WORD_RE = re.compile(r"[0-9a-zа-я]+")
_QUOTED_RE = re.compile(r"«([^«»]{1,80})»")
# What a label is compared by: letters and digits, one space between words.
_LABEL_JUNK_RE = re.compile(r"[^0-9a-zа-я]+")


class FindingKind(StrEnum):
    PLACEHOLDER = "placeholder"
    HOURS = "hours"
    NAME = "name"
    RETENTION = "retention"


@dataclass(frozen=True, slots=True)
class Finding:
    """A contradiction: `kind` (placeholder, hours, name), the page's words, and what the bot
    has instead where it is short to say."""

    kind: FindingKind
    found: str
    expected: str = ""
    # What the finding is about where `found` does not say it (a retention period's category).
    subject: str = ""


def _normalise(text: str) -> str:
    return text.casefold().replace("ё", "е")


@cache
def _words() -> dict[str, tuple[str, ...]]:
    lines = read_word_file(CONTENT_WORDS_FILE)
    return {
        name: tuple(word for line in entries for word in line) for name, entries in lines.items()
    }


def _matches(word: str, form: str) -> bool:
    return word == form or (form.endswith("*") and word.startswith(form[:-1]))


def _is(word: str, name: str) -> bool:
    return any(_matches(word, form) for form in _words()[name])


def fill(body: str, values: Mapping[str, str]) -> str:
    """The page with its placeholders filled; an unknown one is left as it is (the check
    reports it)."""
    return PLACEHOLDER_RE.sub(lambda m: values.get(m.group(1), m.group(0)), body)


def placeholder_findings(body: str) -> list[Finding]:
    return [
        Finding(FindingKind.PLACEHOLDER, m.group(0), ", ".join(sorted(PLACEHOLDERS)))
        for m in PLACEHOLDER_RE.finditer(body)
        if m.group(1) not in PLACEHOLDERS
    ]


# -- office hours ----------------------------------------------------------------------------


def _ranges(line: str) -> list[tuple[int, Interval]]:
    """The time ranges of a line, each with where it starts."""
    words = _words()
    by_dash = re.compile(_TIME + _DASH + _TIME)
    by_words = re.compile(
        rf"\b(?:{'|'.join(words['from'])})\s+{_TIME}\s+(?:{'|'.join(words['to'])})\s+{_TIME}"
    )
    found: list[tuple[int, Interval]] = []
    for pattern in (by_dash, by_words):
        for match in pattern.finditer(line):
            h1, m1, h2, m2 = (int(g) for g in match.groups())
            found.append((match.start(), Interval(h1 * 60 + m1, h2 * 60 + m2)))
    return sorted(found, key=lambda item: item[0])


def _day_groups(line: str, ranges: list[tuple[int, Interval]]) -> list[tuple[int, list[int]]]:
    """The weekdays a line names, as groups (where the group starts, its days): days with no
    time range between them are one group, a dash or "по" between two makes a range ("пн–пт",
    "с понедельника по пятницу")."""
    mentions: list[tuple[int, int, int]] = []  # (day, start, end) in the line
    for match in _WORD_RE.finditer(line):
        for day, name in enumerate(WEEKDAYS):
            if _is(match.group(0), name):
                mentions.append((day, match.start(), match.end()))
                break
    groups: list[tuple[int, list[int]]] = []
    previous: tuple[int, int, int] | None = None
    for day, start, end in mentions:
        ranged = False
        if previous is not None:
            between = line[previous[2] : start]
            if any(previous[2] <= at < start for at, _ in ranges):
                previous = None  # a time range between: a new group
            else:
                stripped = between.strip()
                ranged = bool(re.fullmatch(r"[-–—]", stripped)) or (
                    bool(stripped) and _is(stripped, "through")
                )
        if previous is None:
            groups.append((start, [day]))
        elif ranged:
            groups[-1][1].extend(range(previous[0] + 1, day + 1))
        else:
            groups[-1][1].append(day)
        previous = (day, start, end)
    return groups


def hours_findings(body: str, hours: OfficeHours) -> list[Finding]:
    """Lines stating office hours that OFFICE_HOURS does not give (see the module docstring)."""
    findings: list[Finding] = []
    open_days = [day for day in range(len(WEEKDAYS)) if hours.opening[day]]
    for raw in body.splitlines():
        line = _normalise(raw)
        ranges = _ranges(line)
        if not ranges:
            continue
        groups = _day_groups(line, ranges)
        has_break = any(_is(w, "break") for w in _WORD_RE.findall(line))
        if not groups and not has_break:
            continue
        named: set[int] = set()
        wrong = False
        for at, interval in ranges:
            # A range belongs to the last group of days before it (or the first one).
            before = [days for start, days in groups if start < at]
            days = before[-1] if before else (groups[0][1] if groups else open_days)
            named.update(days)
            if any(interval not in hours.opening[d] + hours.breaks[d] for d in days):
                wrong = True
        if wrong or any(not hours.opening[day] for day in named):
            findings.append(Finding(FindingKind.HOURS, raw.strip(" -*")))
    return findings


# -- names of the bot's menu items -----------------------------------------------------------


def label_key(label: str) -> str:
    """A label as names are compared: "📋 Мои обращения" and «Мои обращения» are one."""
    return _LABEL_JUNK_RE.sub(" ", _normalise(label)).strip()


def name_findings(body: str, labels: Iterable[str]) -> list[Finding]:
    """«Names» after a cue word that the bot shows nowhere (`labels`: every label it has)."""
    known = {label_key(label) for label in labels}
    findings: list[Finding] = []
    for line in body.splitlines():
        for match in _QUOTED_RE.finditer(line):
            before = _WORD_RE.findall(_normalise(line[: match.start()]))
            arrow = line[: match.start()].rstrip().endswith("→")
            if not arrow and not (before and _is(before[-1], "cue")):
                continue
            name = match.group(1)
            if label_key(name) not in known:
                findings.append(Finding(FindingKind.NAME, name))
    return findings


# -- retention periods -----------------------------------------------------------------------

_UNIT_DAYS = {"unit_day": 1, "unit_week": 7, "unit_month": 30, "unit_year": 365}
_PERIOD_RE = re.compile(r"(\d+)\s+([0-9a-zа-я]+)")


def _period_days(line: str) -> tuple[str, int] | None:
    """The first period a line states ("5 лет"), as written and in days (a year is 365)."""
    for match in _PERIOD_RE.finditer(line):
        for unit, days in _UNIT_DAYS.items():
            if _is(match.group(2), unit):
                return match.group(0), int(match.group(1)) * days
    return None


def retention_findings(body: str, days: Mapping[DataCategory, int]) -> list[Finding]:
    """The consent's retention periods against the settings (RETENTION_*_DAYS): the list
    under the line naming them has one "- " line per category, and its period must be the
    setting's. A category without a line, or a line without a period, is reported too; a
    page without such a list says nothing of retention and is not checked."""
    lines = _normalise(body).splitlines()
    heading = _words()["retention_heading"]
    start = next(
        (
            number
            for number, line in enumerate(lines)
            if all(any(_matches(w, form) for w in _WORD_RE.findall(line)) for form in heading)
        ),
        None,
    )
    if start is None:
        return []
    stated: dict[DataCategory, str] = {}
    for line in lines[start + 1 :]:
        if not line.strip():
            if stated:
                break
            continue
        if not line.lstrip().startswith(("-", "*")):
            break
        words = _WORD_RE.findall(line)
        for category in DataCategory:
            if words and _is(words[0], f"retention_{category.value}"):
                stated.setdefault(category, line.lstrip("-* ").strip())
    found: list[Finding] = []
    for category, setting in days.items():
        written = stated.get(category)
        period = _period_days(written) if written is not None else None
        if period is None:
            found.append(Finding(FindingKind.RETENTION, "", str(setting), category.value))
        elif period[1] != setting:
            found.append(Finding(FindingKind.RETENTION, period[0], str(setting), category.value))
    return found
