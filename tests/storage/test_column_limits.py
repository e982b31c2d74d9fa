"""The database columns are as long as the domain's limits (domain/limits.py), in the models
and in the schema the migrations built; and a database error never quotes the values."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import String, inspect, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.limits import (
    DRAFT_FILE_NAME_MAX,
    FILE_NAME_MAX,
    LIMITS,
    MIME_TYPE_MAX,
    NOTICE_SOURCE_MAX,
    Field,
)
from storage.models import (
    AccountLinkRow,
    AccountRow,
    AppealAttachmentRow,
    AppealEventRow,
    AppealRow,
    Base,
    BookingRow,
    DepartmentRow,
    MeterRow,
    NoticeDraftRow,
    NoticeRecipientRow,
    NoticeRow,
    NoticeTargetRow,
    OutageRow,
    PersonRow,
    ReadingSubmissionRow,
    StaffMemberRow,
)

# Every column that keeps what a person, a staff member or an import file gave.
COLUMNS: dict[Field, tuple[Any, ...]] = {
    Field.FULL_NAME: (
        PersonRow.full_name,
        AccountRow.full_name,
        AppealRow.full_name,
        AppealEventRow.actor_name,
        StaffMemberRow.full_name,
        BookingRow.full_name,
    ),
    Field.ADDRESS: (AppealRow.address,),
    Field.CONTACT: (AppealRow.contact,),
    Field.PHONE: (PersonRow.phone, AccountRow.phone, StaffMemberRow.phone, BookingRow.phone),
    Field.EMAIL: (PersonRow.email, AccountRow.email, StaffMemberRow.email),
    Field.POSITION: (StaffMemberRow.position,),
    Field.DEPARTMENT: (DepartmentRow.name,),
    Field.ACCOUNT: (
        AccountRow.number,
        MeterRow.account_number,
        AccountLinkRow.account_number,
        AppealRow.account_number,
        ReadingSubmissionRow.account_number,
        NoticeTargetRow.account_number,
        NoticeRecipientRow.account_number,
    ),
    Field.SETTLEMENT: (AccountRow.settlement, OutageRow.settlement),
    Field.STREET: (AccountRow.street, OutageRow.street),
    Field.HOUSE: (AccountRow.house,),
    Field.FLAT: (AccountRow.flat,),
    Field.METER_SERIAL: (MeterRow.serial, ReadingSubmissionRow.meter_serial),
    Field.HOUSES: (OutageRow.houses,),
    Field.REASON: (OutageRow.reason,),
}
# What is shortened to fit rather than checked.
FITTED: dict[int, tuple[Any, ...]] = {
    FILE_NAME_MAX: (AppealAttachmentRow.file_name,),
    MIME_TYPE_MAX: (AppealAttachmentRow.mime_type,),
    NOTICE_SOURCE_MAX: (NoticeRow.source,),
    DRAFT_FILE_NAME_MAX: (NoticeDraftRow.file_name,),
}


def _length(column: Any) -> int:
    column_type = column.property.columns[0].type
    assert isinstance(column_type, String), column
    assert column_type.length is not None, column
    return int(column_type.length)


@pytest.mark.parametrize("field", [f for f in Field if f in COLUMNS])
def test_the_columns_of_a_field_are_as_long_as_its_limit(field: Field) -> None:
    assert {str(c): _length(c) for c in COLUMNS[field]} == {
        str(c): LIMITS[field] for c in COLUMNS[field]
    }


def test_what_is_fitted_fits_its_column() -> None:
    for limit, columns in FITTED.items():
        for column in columns:
            assert _length(column) == limit, column


async def test_the_migrated_schema_has_the_lengths_of_the_models(engine: AsyncEngine) -> None:
    def string_lengths(sync_connection: Any) -> dict[tuple[str, str], int | None]:
        inspector = inspect(sync_connection)
        return {
            (table.name, column["name"]): column["type"].length
            for table in Base.metadata.sorted_tables
            for column in inspector.get_columns(table.name)
            if isinstance(column["type"], String)
        }

    async with engine.connect() as connection:
        found = await connection.run_sync(string_lengths)
    expected = {
        (table.name, column.name): column.type.length
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, String) and column.type.length is not None
    }
    assert {key: found.get(key) for key in expected} == expected


async def test_a_database_error_does_not_quote_the_values(engine: AsyncEngine) -> None:
    """A traceback (the command line's, say) shows the statement, never a name or a phone."""
    insert = text(
        "INSERT INTO people (user_id, full_name, phone, email, updated_at) "
        "VALUES (:user_id, :name, :phone, '', CURRENT_TIMESTAMP)"
    )
    values = {"user_id": 1, "name": "Секретова Анна Ивановна", "phone": "+79205551234"}
    async with engine.begin() as connection:
        await connection.execute(insert, values)
    with pytest.raises(DBAPIError) as failed:
        async with engine.begin() as connection:
            await connection.execute(insert, values)  # the same user id again
    message = str(failed.value)
    assert "Секретова" not in message and "+79205551234" not in message
    assert "INSERT INTO people" in message
