"""`reception export appeals|satisfaction` (issue 13): run as a person would run it."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from tests.test_cli import run


def test_sp9_satisfaction_export_lists_every_survey_way_even_when_empty(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"}
    target = tmp_path / "satisfaction.csv"
    result = run(
        "export", "satisfaction", "--from", "2026-12-01", "--to", "2026-12-31",
        "--output", str(target), env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader(io.StringIO(target.read_bytes().decode("utf-8-sig"))))
    assert rows == [
        ["survey", "answers", "rated", "rated_by_staff", "mean_rating", "resolved"],
        ["chat", "0", "0", "0", "", "0"],
        ["email", "0", "0", "0", "", "0"],
        ["next_contact", "0", "0", "0", "", "0"],
        ["none", "0", "0", "0", "", "0"],
    ]
    appeals = run("export", "appeals", "--from", "2026-12-01", "--to", "2026-12-31", env=env)
    assert appeals.returncode == 0, appeals.stderr
    assert (
        appeals.stdout.lstrip("\ufeff")
        .splitlines()[0]
        .endswith("notices_outside_telegram,survey,rating,resolved,illegible_notice")
    )


def test_export_appeals_refuses_a_malformed_date(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"}
    result = run("export", "appeals", "--from", "01.12.2026", "--to", "2026-12-31", env=env)
    assert result.returncode == 2
    assert "ГГГГ-ММ-ДД" in result.stderr and "Traceback" not in result.stderr
