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
