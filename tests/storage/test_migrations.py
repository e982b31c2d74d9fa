"""Migrations that change data, run from the revision before them on a file database."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from alembic import command

from storage.migrate import alembic_config


def _upgrade(url: str, revision: str) -> None:
    command.upgrade(alembic_config(url), revision)


async def test_0008_gives_the_accounts_already_imported_their_place_key(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    url = f"sqlite+aiosqlite:///{path}"
    # env.py runs its own event loop: from a thread, as the command line would.
    await asyncio.to_thread(_upgrade, url, "0007")
    with sqlite3.connect(path) as connection:
        connection.executemany(
            "INSERT INTO accounts (number, full_name, settlement, street, house, flat, phone,"
            " email, category, imported_at) VALUES (?, 'X', ?, ?, '1', '', '', '', 'household',"
            " '2026-11-01 00:00:00.000000')",
            [(f"10000000{i:02d}", "г. Выкса", "ул. Ленина") for i in range(1, 1203)]
            + [("2000000001", "Выкса", "Островского")],
        )
    await asyncio.to_thread(_upgrade, url, "head")
    with sqlite3.connect(path) as connection:
        keys = dict(connection.execute("SELECT place_key, count(*) FROM accounts GROUP BY 1"))
    assert keys == {"выкса|ул ленина": 1202, "выкса|ул островского": 1}


async def test_0022_links_the_stored_files_to_their_appeals_and_readings(tmp_path: Path) -> None:
    from datetime import timedelta

    from sqlalchemy import insert

    from storage.engine import create_engine
    from storage.models import AccountRow, StoredFileRow
    from tests.conftest import NOW
    from tests.test_cli_retention import _appeal, _reading

    path = tmp_path / "old.db"
    url = f"sqlite+aiosqlite:///{path}"
    await asyncio.to_thread(_upgrade, url, "0021_reports")
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                insert(AccountRow).values(
                    number="1000000001",
                    full_name="X",
                    settlement="Выкса",
                    street="ул. Ленина",
                    house="1",
                    category="household",
                    imported_at=NOW,
                )
            )
            await _appeal(connection, 1, status="answered", closed_at=NOW)  # unique-1
            await _reading(connection, 1, NOW)
            for unique, file_id in (("unique-1", "f1"), ("meter-u", "meter-1"), ("lone", "x")):
                await connection.execute(
                    insert(StoredFileRow).values(
                        file_unique_id=unique,
                        file_id=file_id,
                        kind="photo",
                        received_at=NOW - timedelta(days=1),
                        state="stored",
                        not_before=NOW,
                    )
                )
    finally:
        await engine.dispose()
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE reading_submissions SET photo_file_id = 'meter-1'")
    await asyncio.to_thread(_upgrade, url, "head")
    with sqlite3.connect(path) as connection:
        links = set(
            connection.execute(
                "SELECT f.file_unique_id, l.owner, l.owner_id, l.released_at "
                "FROM stored_file_links l JOIN stored_files f ON f.id = l.stored_file_id"
            )
        )
    assert links == {("unique-1", "appeals", 1, None), ("meter-u", "readings", 1, None)}


async def test_a_database_emptied_for_a_test_or_a_bench_migrates_again(tmp_path: Path) -> None:
    """SQLite's full-text search table (0027_webpages) is outside the models: `drop_all`
    left it behind and the next upgrade failed on `CREATE VIRTUAL TABLE` (bench/throughput.py
    between rounds)."""
    from storage.engine import create_engine
    from storage.migrate import drop_everything, upgrade

    path = tmp_path / "again.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        await upgrade(engine)
        await drop_everything(engine)
        with sqlite3.connect(path) as connection:
            left = connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
            assert [name for (name,) in left] == []
        await upgrade(engine)
    finally:
        await engine.dispose()
    with sqlite3.connect(path) as connection:
        tables = {name for (name,) in connection.execute("SELECT name FROM sqlite_master")}
    assert {"appeals", "appeals_search", "alembic_version"} <= tables
