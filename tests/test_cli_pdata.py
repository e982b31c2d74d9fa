"""`reception pdata rotate` (152-ФЗ ст. 19, a key rotation for the sealed ПП 55 identity
data): with PD_ENCRYPTION_KEY=new,old every row is sealed again with the new key, so the old
one can go; a row no configured key opens is left as it is and reported."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cli_pdata import cmd_pdata_rotate
from bot.settings import Settings
from core.texts import Texts
from domain.errors import SealBroken
from storage.crypto import FernetBox, new_key
from storage.models import AppealIdentityRow
from tests.conftest import NOW
from tests.test_cli import run
from tests.test_cli_retention import _appeal

IDENTITY = '{"passport_series": "2200", "passport_number": "123456"}'


async def _sealed(engine: AsyncEngine) -> dict[int, str]:
    async with engine.connect() as connection:
        rows = (await connection.execute(select(AppealIdentityRow.__table__))).all()
    return {row.appeal_id: row.sealed for row in rows}


async def test_152fz_st19_pdata_rotate_reseals_with_the_first_key(
    engine: AsyncEngine, settings: Settings, texts: Texts, capsys: pytest.CaptureFixture[str]
) -> None:
    old, new, lost = new_key(), new_key(), new_key()
    async with engine.begin() as connection:
        for number, key in ((1, old), (2, old), (3, lost)):
            await _appeal(connection, number, status="in_progress", closed_at=NOW)
            await connection.execute(  # the row _appeal made, sealed with `key`
                update(AppealIdentityRow)
                .where(AppealIdentityRow.appeal_id == number)
                .values(sealed=FernetBox([key]).seal(IDENTITY))
            )
    before = await _sealed(engine)
    rotating = settings.with_values(pd_encryption_key=f"{new},{old}")

    assert await cmd_pdata_rotate(rotating, texts) == 1  # one row no key opens
    captured = capsys.readouterr()
    assert texts.plain("pdata-rotated", count=2) in captured.out
    assert texts.plain("pdata-unreadable", count=1) in captured.err
    after = await _sealed(engine)
    assert after[3] == before[3]  # left as it was
    for number in (1, 2):
        assert FernetBox([new]).open(after[number]) == IDENTITY
        with pytest.raises(SealBroken):
            FernetBox([old]).open(after[number])


def test_pdata_rotate_command_is_there() -> None:
    result = run("pdata", "rotate", "--help")
    assert result.returncode == 0, result.stderr
    assert "first key" in result.stdout
