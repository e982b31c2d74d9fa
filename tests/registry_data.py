"""A hand-made registry for the web registry's tests (tests/storage/test_registry.py,
tests/web/test_registry.py): four appeals, two executors in two departments.

    #  kind/subject/form                        status                  received due    exec
    1  complaint/power_quality/internet         in_progress             1 Nov    1 Dec  101
    2  application/connection_application/phone registered              20 Nov   5 Dec  -
    3  information_request/metering/post        answered (rating 5)     10 Oct   9 Nov  102
    4  complaint/service_quality/in_person      clarification_requested 2 Dec    20 Dec 101

Executors: 101 in department 1, 102 in department 2. Now is Thursday 3 December 2026,
12:00 Moscow: 1 is overdue, 2 is due this week.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.models import AppealRow, DepartmentRow, StaffMemberRow

MOSCOW = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def at(day: int, month: int = 12) -> datetime:
    return datetime(2026, month, day, 10, 0, tzinfo=MOSCOW).astimezone(UTC)


def appeal(sequence: int, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "number": f"2026-{sequence:07d}",
        "year": 2026,
        "sequence": sequence,
        "kind": "complaint",
        "subject": "other",
        "form": "internet",
        "status": "registered",
        "registered_at": values.get("received_at", at(1)),
        "received_at": at(1),
        "due_at": at(30),
        "text": "filler appeal text",
        "full_name": "Filler Person",
        "answer_channel": "chat",
        "flags": [],
        "assignee_id": None,
        "rating": None,
        "answered_at": None,
    }
    row.update(values)
    return row


FOUR = (
    appeal(
        1,
        subject="power_quality",
        status="in_progress",
        received_at=at(1, 11),
        due_at=at(1),
        assignee_id=101,
        full_name="Иванова Мария",
        text="Нет света на улице Ленина",
    ),
    appeal(
        2,
        kind="application",
        subject="connection_application",
        form="phone",
        received_at=at(20, 11),
        due_at=at(5),
        full_name="Петров Пётр",
        text="Прошу подключить дом",
    ),
    appeal(
        3,
        kind="information_request",
        subject="metering",
        form="post",
        status="answered",
        received_at=at(10, 10),
        due_at=at(9, 11),
        answered_at=at(1, 11),
        assignee_id=102,
        rating=5,
        full_name="Сидоров",
        text="Вопрос про счётчик",
    ),
    appeal(
        4,
        subject="service_quality",
        form="in_person",
        status="clarification_requested",
        received_at=at(2),
        due_at=at(20),
        assignee_id=101,
        full_name="Smith 50%_off",
        text="about the bill",
    ),
)


async def fill(engine: AsyncEngine) -> None:
    """The two departments, their two executors and the four appeals."""
    async with engine.begin() as connection:
        await connection.execute(
            insert(DepartmentRow), [{"id": 1, "name": "Сбыт"}, {"id": 2, "name": "Учёт"}]
        )
        await connection.execute(
            insert(StaffMemberRow),
            [
                {
                    "user_id": 101,
                    "role": "specialist",
                    "full_name": "Орлова Анна",
                    "department_id": 1,
                    "updated_at": NOW,
                },
                {
                    "user_id": 102,
                    "role": "specialist",
                    "full_name": "Лебедев Олег",
                    "department_id": 2,
                    "updated_at": NOW,
                },
            ],
        )
        await connection.execute(insert(AppealRow), list(FOUR))
