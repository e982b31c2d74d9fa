"""`reception report`: the files for a period from the registry; a period it cannot read is
told in Russian with an example, and nothing is written."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cli_reports import cmd_report
from bot.settings import Settings
from core.texts import Texts
from domain.clock import FixedClock
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
