"""Meter readings over SQLAlchemy Core: a submission row and a row per tariff zone value."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, insert, select, update

from domain.ids import AccountNumber, UserId
from domain.readings import Reading, ReadingChannel, ReadingId, ZoneValue
from storage.models import ReadingSubmissionRow, ReadingValueRow
from storage.uow import UnitOfWork

_SUBMISSION = ReadingSubmissionRow.__table__
_VALUE = ReadingValueRow.__table__

_INSERT_SUBMISSION = insert(ReadingSubmissionRow).returning(ReadingSubmissionRow.id)
_INSERT_VALUE = insert(ReadingValueRow)
_SET_REFERENCE = (
    update(ReadingSubmissionRow)
    .where(ReadingSubmissionRow.id == bindparam("reading_id"))
    .values(reference=bindparam("reference"))
)
_RECENT = (
    select(_SUBMISSION)
    .where(
        _SUBMISSION.c.account_number == bindparam("account_number"),
        _SUBMISSION.c.meter_serial == bindparam("serial"),
    )
    .order_by(_SUBMISSION.c.submitted_at.desc(), _SUBMISSION.c.id.desc())
    .limit(bindparam("limit"))
)
_OF_ACCOUNT = (
    select(_SUBMISSION)
    .where(_SUBMISSION.c.account_number == bindparam("account_number"))
    .order_by(_SUBMISSION.c.submitted_at.desc(), _SUBMISSION.c.id.desc())
    .limit(bindparam("limit"))
)
# A month's export may hold tens of thousands of submissions: one joined query, no IN list
# (asyncpg and SQLite cap the number of bound parameters).
_OF_PERIOD = (
    select(
        _SUBMISSION,
        _VALUE.c.zone,
        _VALUE.c.value_milli,
        _VALUE.c.rollover,
    )
    .join(_VALUE, _VALUE.c.submission_id == _SUBMISSION.c.id)
    .where(_SUBMISSION.c.period == bindparam("period"))
    .order_by(
        _SUBMISSION.c.account_number,
        _SUBMISSION.c.meter_serial,
        _SUBMISSION.c.submitted_at,
        _SUBMISSION.c.id,
        _VALUE.c.zone,
    )
)
_ONE = select(_SUBMISSION).where(_SUBMISSION.c.id == bindparam("reading_id"))
_VALUES_OF = (
    select(_VALUE.c.submission_id, _VALUE.c.zone, _VALUE.c.value_milli, _VALUE.c.rollover)
    .where(_VALUE.c.submission_id.in_(bindparam("ids", expanding=True)))
    .order_by(_VALUE.c.submission_id, _VALUE.c.zone)
)


def _reading(row: Any, values: Sequence[ZoneValue]) -> Reading:
    return Reading(
        id=ReadingId(row.id),
        reference=row.reference,
        account_number=AccountNumber(row.account_number),
        meter_serial=row.meter_serial,
        period=row.period,
        submitted_at=row.submitted_at,
        channel=ReadingChannel(row.channel),
        values=tuple(values),
        user_id=UserId(row.user_id) if row.user_id is not None else None,
        staff_id=row.staff_id,
        photo_file_id=row.photo_file_id,
    )


class SqlReadingRepository:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def add(self, reading: Reading) -> ReadingId:
        result = await self._uow.session.execute(
            _INSERT_SUBMISSION,
            {
                "reference": reading.reference,
                "account_number": reading.account_number,
                "meter_serial": reading.meter_serial,
                "period": reading.period,
                "submitted_at": reading.submitted_at,
                "channel": reading.channel.value,
                "user_id": reading.user_id,
                "staff_id": reading.staff_id,
                "photo_file_id": reading.photo_file_id,
            },
        )
        reading_id = ReadingId(int(result.scalar_one()))
        self._uow.mark_written()
        # Nobody reads these back within the update: they travel with the COMMIT.
        for value in reading.values:
            self._uow.defer(
                _INSERT_VALUE,
                {
                    "submission_id": reading_id,
                    "zone": value.zone,
                    "value_milli": value.value_milli,
                    "rollover": value.rollover,
                },
                effect=True,
            )
        return reading_id

    async def set_reference(self, reading_id: ReadingId, reference: str) -> None:
        self._uow.defer(
            _SET_REFERENCE, {"reading_id": reading_id, "reference": reference}, effect=True
        )

    async def recent(
        self, account_number: AccountNumber, serial: str, *, limit: int
    ) -> list[Reading]:
        rows = (
            await self._uow.session.execute(
                _RECENT, {"account_number": account_number, "serial": serial, "limit": limit}
            )
        ).all()
        return await self._with_values(rows)

    async def of_account(self, account_number: AccountNumber, *, limit: int) -> list[Reading]:
        rows = (
            await self._uow.session.execute(
                _OF_ACCOUNT, {"account_number": account_number, "limit": limit}
            )
        ).all()
        return await self._with_values(rows)

    async def for_period(self, period: str) -> list[Reading]:
        rows = (await self._uow.session.execute(_OF_PERIOD, {"period": period})).all()
        submissions: dict[int, Any] = {}
        values: dict[int, list[ZoneValue]] = {}
        for row in rows:
            if row.id not in submissions:
                submissions[row.id] = row
                values[row.id] = []
            values[row.id].append(ZoneValue(row.zone, int(row.value_milli), bool(row.rollover)))
        return [_reading(row, values[key]) for key, row in submissions.items()]

    async def get(self, reading_id: ReadingId) -> Reading | None:
        rows = (await self._uow.session.execute(_ONE, {"reading_id": reading_id})).all()
        found = await self._with_values(rows)
        return found[0] if found else None

    async def _with_values(self, rows: Sequence[Any]) -> list[Reading]:
        if not rows:
            return []
        values: dict[int, list[ZoneValue]] = {row.id: [] for row in rows}
        found = await self._uow.session.execute(_VALUES_OF, {"ids": list(values)})
        for value in found.all():
            values[value.submission_id].append(
                ZoneValue(value.zone, int(value.value_milli), bool(value.rollover))
            )
        return [_reading(row, values[row.id]) for row in rows]
