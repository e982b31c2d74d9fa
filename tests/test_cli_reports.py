"""`reception report`: the files for a period from the registry; a period it cannot read is
told in Russian with an example, and nothing is written."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.cli_reports import cmd_report
from bot.settings import Settings
from core.texts import Texts
from domain.clock import FixedClock
from storage.uow import UnitOfWork
from tests import report_data
from tests.report_data import REPORT_NOW
from tests.test_cli import run


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "png"])
async def test_the_report_of_a_year_is_written_in_each_format(
    engine: AsyncEngine,
    settings: Settings,
    texts: Texts,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    fmt: str,
) -> None:
    await report_data.load(engine)
    output = tmp_path / f"report.{fmt}"
    code = await cmd_report(
        settings, texts, period="2026", fmt=fmt, output=output, clock=FixedClock(REPORT_NOW)
    )
    assert code == 0
    said = capsys.readouterr().out
    assert "обращений 40" in said
    data = output.read_bytes()
    if fmt == "xlsx":
        book = openpyxl.load_workbook(output, read_only=True)
        assert book.sheetnames[:2] == ["Таблица 4.1", "Реестр 4.9"]
        assert "строк реестра 40" in said
    elif fmt == "csv":
        assert data.startswith(b"\xef\xbb\xbf")  # a BOM: Excel shows the Cyrillic
        assert "4.9. Информация по обращениям потребителей" in data.decode("utf-8-sig")
    else:
        assert data.startswith(b"\x89PNG")


def test_a_period_it_cannot_read_is_refused_with_an_example(tmp_path: Path) -> None:
    output = tmp_path / "report.xlsx"
    done = run(
        "report",
        "--period",
        "2026-13",
        "--output",
        str(output),
        env={"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"},
    )
    assert done.returncode == 2
    assert "Не понял период" in done.stderr
    assert "2026-Q4" in done.stderr
    assert "Traceback" not in done.stderr
    assert not output.exists()


async def test_reg_19_17_the_questionnaires_sent_in_the_period_are_a_sheet_of_the_report(
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    texts: Texts,
    clock: FixedClock,
    tmp_path: Path,
) -> None:
    from tests.storage.test_questionnaires import PEOPLE, _sent, _service

    qid = await _sent(sessionmaker, clock, "Качество приёма")
    uow = UnitOfWork(sessionmaker, clock=clock)
    service = _service(uow, clock)
    await service.answer(PEOPLE[0], qid, 0, value=4)
    await service.answer(PEOPLE[1], qid, 0, value=2)
    await service.answer(PEOPLE[0], qid, 1, value=1)
    await service.answer(PEOPLE[1], qid, 3, text="Больше часов приёма")
    await uow.commit()
    output = tmp_path / "report.xlsx"
    period = f"{clock.now():%Y-%m}"
    code = await cmd_report(settings, texts, period=period, fmt="xlsx", output=output, clock=clock)
    assert code == 0
    book = openpyxl.load_workbook(output, read_only=True)
    assert "Анкеты" in book.sheetnames
    rows = [tuple(r) for r in book["Анкеты"].iter_rows(min_row=4, values_only=True)]
    by_option = {(r[5], r[8]): r for r in rows if r[8] is not None and r[8] != ""}
    # The scale: two answers, mean 3; "4" pressed once, "2" once.
    assert by_option[(1, "4")][9] == 1 and by_option[(1, "2")][9] == 1
    assert by_option[(1, "4")][10] == 3
    assert by_option[(2, "Да")][9] == 1 and by_option[(2, "Нет")][9] == 0
    texts_given = [r[11] for r in rows if r[11]]
    assert texts_given == ["Больше часов приёма"]
    assert {r[1] for r in rows} == {"Качество приёма"}
    # Another month: no questionnaire, no sheet.
    other = tmp_path / "other.xlsx"
    assert await cmd_report(settings, texts, period="2020-01", fmt="xlsx", output=other) == 0
    assert "Анкеты" not in openpyxl.load_workbook(other, read_only=True).sheetnames
