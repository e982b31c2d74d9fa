"""`reception import outages|debts|...`, `reception notices`, `reception outages`, run as
staff would run them (SPEC §8)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, update

from storage.engine import create_engine
from storage.models import AccountLinkRow, ConsentRow, OutboxRow
from tests.test_cli import run

REGISTRY = Path(__file__).resolve().parent.parent / "examples" / "accounts.csv"


@pytest.mark.parametrize("kind", ["debts", "outages", "tariffs", "restrictions"])
def test_each_notice_import_has_help(kind: str) -> None:
    result = run("import", kind, "--help")
    assert result.returncode == 0, result.stderr
    assert "--dry-run" in result.stdout and "header" not in result.stderr


async def _link(url: str, links: dict[int, str]) -> None:
    engine = create_engine(url)
    now = datetime.now(UTC) - timedelta(days=1)
    try:
        async with engine.begin() as connection:
            for user, account in links.items():
                await connection.execute(
                    insert(ConsentRow).values(
                        user_id=user, decision="given", text_version="v1", decided_at=now
                    )
                )
                await connection.execute(
                    insert(AccountLinkRow).values(
                        user_id=user, account_number=account, linked_at=now
                    )
                )
    finally:
        await engine.dispose()


async def _mark_sent(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                update(OutboxRow).values(
                    status="sent", sent_at=datetime.now(UTC), telegram_message_id=5
                )
            )
    finally:
        await engine.dispose()


async def test_an_outage_from_import_to_power_restored(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    env = {"DATABASE_URL": url, "NOTICE_QUIET_HOURS": "off"}
    registry = REGISTRY
    assert run("import", "accounts", str(registry), env=env).returncode == 0
    # 1000000001 and 1000000003 live on ул. Ленина (12 and 14), 1000000002 elsewhere.
    await _link(url, {11: "1000000001", 12: "1000000003", 13: "1000000002"})
    starts = datetime.now(UTC) + timedelta(hours=2)
    ends = starts + timedelta(hours=3)
    stamp = "%Y-%m-%d %H:%M"
    moscow = timedelta(hours=3)
    outage = tmp_path / "outage.csv"
    outage.write_text(
        "settlement,street,houses,starts_at,ends_at,kind,reason\n"
        f"Выкса,Ленина,2-20 even,{(starts + moscow).strftime(stamp)},"
        f"{(ends + moscow).strftime(stamp)},emergency,обрыв\n"
        "Выкса,,1,2026-13-01 10:00,2026-12-01 12:00,planned,\n",
        encoding="utf-8",
    )

    dry = run("import", "outages", str(outage), "--dry-run", env=env)
    assert dry.returncode == 0, dry.stderr
    assert "Будет уведомлено человек (по первому уведомлению): 2" in dry.stdout
    assert "строка 3:" in dry.stdout and "Пробный прогон" in dry.stdout
    assert "Уведомлений пока нет" in run("notices", env=env).stdout

    real = run("import", "outages", str(outage), env=env)
    assert real.returncode == 0, real.stderr
    assert "(№ 1)" in real.stdout
    listing = run("notices", env=env)
    assert "№ 1 · Аварийное отключение" in listing.stdout and "получателей 2" in listing.stdout
    assert "№ 1" in run("outages", env=env).stdout

    await _mark_sent(url)
    evidence = run("notices", "evidence", "1", env=env)
    assert evidence.returncode == 0, evidence.stderr
    rows = list(csv.reader(io.StringIO(evidence.stdout)))
    assert rows[0] == ["user_id", "account", "status", "sent_at", "telegram_message_id", "error"]
    assert sorted((r[0], r[1], r[2], r[4]) for r in rows[1:]) == [
        ("11", "1000000001", "sent", "5"),
        ("12", "1000000003", "sent", "5"),
    ]

    closed = run("outages", "close", "1", env=env)
    assert closed.returncode == 0, closed.stderr
    assert "Электроснабжение восстановлено" in closed.stdout
    assert "Получателей: 2" in closed.stdout
    again = run("outages", "close", "1", env=env)
    assert again.returncode == 1 and "Открытого отключения № 1 нет" in again.stderr
    assert "Открытых отключений нет" in run("outages", env=env).stdout

    cancel = run("notices", "cancel", "2", env=env)
    assert cancel.returncode == 0, cancel.stderr
    assert "нет чата): 2" in cancel.stdout
    missing = run("notices", "show", "99", env=env)
    assert missing.returncode == 1 and "Traceback" not in missing.stderr


def test_a_file_with_a_wrong_header_is_refused_whole(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"}
    bad = tmp_path / "debts.csv"
    bad.write_text("account,sum\n1000000001,5\n", encoding="utf-8")
    result = run("import", "debts", str(bad), env=env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "account,amount,as_of,due_date" in result.stderr
    missing = run("import", "debts", str(tmp_path / "none.csv"), env=env)
    assert missing.returncode == 2 and "Файл не найден" in missing.stderr
