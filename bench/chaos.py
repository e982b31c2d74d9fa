"""The chaos suite at full size (tests/chaos; docs/testing.md): prints each part's table
and exits 1 if any check found something.

    python bench/chaos.py kill --trials 50                 # kill -9 of `reception run`
    python bench/chaos.py hostile --updates 5000           # hostile updates, in process
    python bench/chaos.py faults --consumers 20 --subscribers 300 --fault-percent 3
    python bench/chaos.py all                              # the three, acceptance sizes
    python bench/chaos.py all --database-url postgresql+asyncpg://postgres@127.0.0.1/test_x

`--seed` makes a run reproducible (the kill moments depend on timing as well). The database
is a new SQLite file in the work directory, or `--database-url` — a PostgreSQL database whose
name starts with "test" (it is emptied and migrated; anything else is refused). The kill
trials need Node and `npm ci --prefix tests/e2e/emulator`; the bot's log stays in the work
directory (`--workdir`, else a new temporary one, printed).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy.engine import make_url  # noqa: E402

from bot.settings import Settings  # noqa: E402
from core.texts import Texts  # noqa: E402
from domain.clock import FixedClock  # noqa: E402
from storage.content import load_content  # noqa: E402
from storage.crypto import new_key  # noqa: E402
from storage.engine import create_engine, is_sqlite  # noqa: E402
from storage.migrate import drop_everything, upgrade  # noqa: E402
from tests.chaos.faults import run_faults  # noqa: E402
from tests.chaos.hostile import run_hostile  # noqa: E402
from tests.chaos.kill import KillSetup, run_kill_trials  # noqa: E402
from tests.conftest import CONTENT, NOW  # noqa: E402
from tests.e2e.client import Emulator, node_executable  # noqa: E402


def _new_sqlite(workdir: Path, name: str) -> str:
    for old in workdir.glob(f"{name}.db*"):
        old.unlink()
    return f"sqlite+aiosqlite:///{workdir / f'{name}.db'}"


async def fresh_database(url: str | None, workdir: Path, name: str) -> str:
    """An empty, migrated database: a new SQLite file, or a PostgreSQL test database."""
    if url is None:
        url = _new_sqlite(workdir, name)
    elif not is_sqlite(url):
        database = make_url(url).database or ""
        if not database.startswith("test"):
            raise SystemExit(f"refusing to empty {database!r}: use a database named test…")
    engine = create_engine(url)
    try:
        if not is_sqlite(url):
            await drop_everything(engine)
        await upgrade(engine)
    finally:
        await engine.dispose()
    return url


def _settings(url: str) -> Settings:
    return Settings(
        # PostgreSQL needs a key for the ПП 55 identity data (storage/crypto.py).
        pd_encryption_key=os.environ.get("PD_ENCRYPTION_KEY") or new_key(),
        _env_file=None,
        database_url=url,
        content_dir=CONTENT,
        company_name=None,
        redis_url=None,
    )


async def kill(args: argparse.Namespace, workdir: Path) -> bool:
    if node_executable() is None:
        raise SystemExit("the kill trials need Node.js (`node` is not on PATH)")
    url = await fresh_database(args.database_url, workdir, "kill")
    with Emulator(log_path=workdir / "emulator.log") as emulator:
        report = await run_kill_trials(
            KillSetup(emulator, url, workdir, exec_bot=args.exec_bot),
            trials=args.trials,
            seed=args.seed,
        )
    print(report.table())
    failures = {name: n for name, n in report.failures.items() if n}
    print(f"Must be 0: {failures or 'all 0'}; the bot's log: {workdir / 'bot.log'}\n")
    return not failures


async def hostile(args: argparse.Namespace, workdir: Path) -> bool:
    url = await fresh_database(args.database_url, workdir, "hostile")
    report = await run_hostile(
        _settings(url),
        clock=FixedClock(NOW),
        texts=Texts.load(),
        content=load_content(CONTENT),
        updates=args.updates,
        seed=args.seed,
    )
    print(report.table() + "\n")
    return not (report.errors or report.unanswered or report.breaches)


async def faults(args: argparse.Namespace, workdir: Path) -> bool:
    url = await fresh_database(args.database_url, workdir, "faults")
    report = await run_faults(
        _settings(url),
        texts=Texts.load(),
        content=load_content(CONTENT),
        consumers=args.consumers,
        subscribers=args.subscribers,
        registrations=args.registrations,
        seed=args.seed,
        rate=args.fault_percent / 100,
    )
    print(report.table())
    failures = {name: n for name, n in report.failures.items() if n}
    print(f"Must be 0: {failures or 'all 0'}\n")
    return not failures


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", choices=["kill", "hostile", "faults", "all"])
    parser.add_argument("--seed", type=int, default=int(time.time()) % 100_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--trials", type=int, default=50, help="kill trials")
    parser.add_argument(
        "--exec",
        dest="exec_bot",
        action="store_true",
        help="kill: start the `reception` script each time, not from the fork server",
    )
    parser.add_argument("--updates", type=int, default=5000, help="hostile updates")
    parser.add_argument("--consumers", type=int, default=20, help="faults: appeals filed")
    parser.add_argument("--subscribers", type=int, default=300, help="faults: notice recipients")
    parser.add_argument("--registrations", type=int, default=3, help="faults: /register")
    parser.add_argument(
        "--fault-percent", type=float, default=3.0, help="faults: chance of each fault per call"
    )
    return parser.parse_args(argv)


async def main(args: argparse.Namespace) -> int:
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="chaos-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"seed {args.seed}, work directory {workdir}\n")
    parts = {"kill": kill, "hostile": hostile, "faults": faults}
    chosen = list(parts) if args.part == "all" else [args.part]
    clean = [await parts[name](args, workdir) for name in chosen]
    return 0 if all(clean) else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse(sys.argv[1:]))))
