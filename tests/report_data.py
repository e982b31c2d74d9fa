"""A fixed, hand-built registry for the report tests: 60 appeals over 2025 and 2026. Every
expected figure in tests/storage/test_reports.py is counted by hand from the groups below,
not taken from the code's output.

2025 (year N-1), 20 appeals:
  A  8 internet, information_request, metering: answered on time
  B  4 phone, complaint, power_quality: 2 on time, 2 late
  C  3 in_person, application, connection_application: on time; 1 led to a contract
  D  3 post, complaint, service_quality: 1 on time, 1 rejected (illegible), 1 forwarded
  E  2 other, suggestion, other: on time
2026 (year N), 40 appeals:
  F 12 internet, information_request, metering: 10 on time, 2 late
  G  6 internet, complaint, transmission_quality: 4 on time, 1 late, 1 open (overdue)
  H  5 phone, complaint, power_quality: 3 on time, 2 late
  I  6 in_person, application, connection_application: on time; 3 led to a contract
  J  3 in_person, application, transmission_contract: 2 on time, 1 late; 2 contracts
  K  4 post, complaint, service_quality: 2 on time, 1 rejected (obscene), 1 forwarded
  L  2 phone, information_request, grid_maintenance: on time
  M  2 other, gratitude, other: on time
Ratings (2026 only): F's first 6 on-time: 5 and resolved; F's next 2 on-time: 4, not
resolved; H's 3 on-time: 2, not resolved; L's first: 3, resolved. Surveyed (offered the
survey): those 12 in the chat, plus F's 9th on-time by e-mail; F's 10th on-time "none".
On time = answered 5 days after registration; late = 35 days after; the term is 30 days.
The first 2026 appeal is registered at 01:00 on 1 January, Moscow time (still 2025 in UTC).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.models import AppealRow, AppealSurveyRow

MOSCOW = ZoneInfo("Europe/Moscow")
# The moment the reports are built: after both years; G's open appeal is overdue by then.
REPORT_NOW = datetime(2027, 1, 15, 9, 0, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Spec:
    group: str
    year: int
    form: str
    kind: str
    subject: str
    outcomes: tuple[str, ...]  # one per appeal: on_time | late | open | rejected:G | forwarded
    contracts: int = 0  # the first n led to a contract


def _n(outcome: str, count: int) -> tuple[str, ...]:
    return (outcome,) * count


SPECS = (
    Spec("A", 2025, "internet", "information_request", "metering", _n("on_time", 8)),
    Spec("B", 2025, "phone", "complaint", "power_quality", _n("on_time", 2) + _n("late", 2)),
    Spec(
        "C",
        2025,
        "in_person",
        "application",
        "connection_application",
        _n("on_time", 3),
        contracts=1,
    ),
    Spec(
        "D",
        2025,
        "post",
        "complaint",
        "service_quality",
        ("on_time", "rejected:illegible", "forwarded"),
    ),
    Spec("E", 2025, "other", "suggestion", "other", _n("on_time", 2)),
    Spec(
        "F", 2026, "internet", "information_request", "metering", _n("on_time", 10) + _n("late", 2)
    ),
    Spec(
        "G",
        2026,
        "internet",
        "complaint",
        "transmission_quality",
        (*_n("on_time", 4), "late", "open"),
    ),
    Spec("H", 2026, "phone", "complaint", "power_quality", _n("on_time", 3) + _n("late", 2)),
    Spec(
        "I",
        2026,
        "in_person",
        "application",
        "connection_application",
        _n("on_time", 6),
        contracts=3,
    ),
    Spec(
        "J",
        2026,
        "in_person",
        "application",
        "transmission_contract",
        ("on_time", "on_time", "late"),
        contracts=2,
    ),
    Spec(
        "K",
        2026,
        "post",
        "complaint",
        "service_quality",
        ("on_time", "on_time", "rejected:obscene_or_threats", "forwarded"),
    ),
    Spec("L", 2026, "phone", "information_request", "grid_maintenance", _n("on_time", 2)),
    Spec("M", 2026, "other", "gratitude", "other", _n("on_time", 2)),
)

# (group, index in group) → (rating, resolved, survey mode)
RATINGS: dict[tuple[str, int], tuple[int | None, bool | None, str]] = {
    **{("F", i): (5, True, "chat") for i in range(6)},
    ("F", 6): (4, False, "chat"),
    ("F", 7): (4, False, "chat"),
    ("F", 8): (None, None, "email"),
    ("F", 9): (None, None, "none"),
    **{("H", i): (2, False, "chat") for i in range(3)},
    ("L", 0): (3, True, "chat"),
}


def registered_at(year: int, serial: int) -> datetime:
    """The appeal's registration: the 10th of month (serial % 12) + 1, at 10:00 + serial
    minutes, Moscow time; the year's first appeal at 01:00 on 1 January."""
    if serial == 0:
        local = datetime(year, 1, 1, 1, 0, tzinfo=MOSCOW)
    else:
        local = datetime(year, serial % 12 + 1, 10, 10, serial % 60, tzinfo=MOSCOW)
    return local.astimezone(UTC)


def rows() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    serial = {2025: 0, 2026: 0}
    for spec in SPECS:
        for index, outcome in enumerate(spec.outcomes):
            year = spec.year
            at = registered_at(year, serial[year])
            serial[year] += 1
            sequence = serial[year]
            due = at + timedelta(days=30)
            first_answered = {
                "on_time": at + timedelta(days=5),
                "late": at + timedelta(days=35),
            }.get(outcome)
            status = (
                "answered"
                if first_answered is not None
                else "rejected"
                if outcome.startswith("rejected")
                else "forwarded"
                if outcome == "forwarded"
                else "in_progress"
            )
            rating, resolved, _ = RATINGS.get((spec.group, index), (None, None, ""))
            out.append(
                {
                    "number": f"{year}-{sequence:04d}",
                    "year": year,
                    "sequence": sequence,
                    "kind": spec.kind,
                    "subject": spec.subject,
                    "form": spec.form,
                    "status": status,
                    "registered_at": at,
                    "received_at": at,
                    "due_at": due,
                    "extended": False,
                    "text": f"appeal {spec.group}{index}",
                    "full_name": "Test Person",
                    "answer_channel": "chat",
                    "flags": [],
                    "answered_at": first_answered,
                    "first_answered_at": first_answered,
                    "rejection_ground": outcome.split(":", 1)[1]
                    if outcome.startswith("rejected")
                    else None,
                    "reopen_count": 0,
                    "rating": rating,
                    "resolved": resolved,
                    "contract_concluded": index < spec.contracts,
                    "measures_taken": "Заменён счётчик" if (spec.group, index) == ("I", 0) else "",
                    "measures_planned": "Реконструкция ВЛ-0,4 кВ"
                    if (spec.group, index) == ("I", 0)
                    else "",
                }
            )
    return out


async def load(engine: AsyncEngine) -> list[dict[str, Any]]:
    """Inserts the 60 appeals (and the surveys' rows); returns the appeals as inserted."""
    data = rows()
    async with engine.begin() as connection:
        await connection.execute(insert(AppealRow), data)
        ids = {
            row.number: row.id
            for row in (await connection.execute(AppealRow.__table__.select())).all()
        }
        surveys = []
        serial = {2025: 0, 2026: 0}
        for spec in SPECS:
            for index in range(len(spec.outcomes)):
                serial[spec.year] += 1
                mode = RATINGS.get((spec.group, index), (None, None, ""))[2]
                if mode:
                    number = f"{spec.year}-{serial[spec.year]:04d}"
                    surveys.append({"appeal_id": ids[number], "mode": mode, "at": REPORT_NOW})
        await connection.execute(insert(AppealSurveyRow), surveys)
    return data
