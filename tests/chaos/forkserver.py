"""Fast restarts of the real bot process: a fork server that has imported the bot already.

`reception run` spends about 4 of its 5 seconds of start-up importing aiogram, SQLAlchemy,
Alembic and the bot's modules. The kill trials restart the bot dozens of times, so they start
it from a fork server instead: a Python process (`python -m tests.chaos.forkserver`) that
imports all of that once and then, for each start, forks a child that sets the environment,
working directory and log file it is given and calls the same entry point as the
`reception` script (`bot.cli.main(["run"])`). The child is an ordinary OS process of its own
session, killed with a real SIGKILL; nothing is shared with the server but memory pages
copied on write. The server ignores SIGCHLD, so the kernel reaps its dead children. Two
more things make a start quick: the server parses the locale files once (the children get
the same immutable `Texts`) and freezes its objects for the garbage collector before forking
(`gc.freeze`, as the bot does at start). A restart then takes well under a second of the
bot's own work: migrations check, the app, the scheduler, getMe, polling.

    with ForkServer() as server:
        bot = ForkedBot(server, ["run"], env, log_dir=tmp, cwd=ROOT)
        bot.start(); bot.kill(); bot.start(); bot.stop()

`ForkedBot` has the shape of tests/e2e/client/bot_process.py's `BotProcess` (start, kill,
stop, pid, is_running, log_text, wait_for_log). Protocol on the server's stdin/stdout: one
JSON line `{"argv": [...], "env": {...}, "cwd": "...", "log": "..."}` in, one `{"pid": N}` out.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import gc
import importlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

ROOT = Path(__file__).resolve().parents[2]
_READY = "FORKSERVER READY"
# Children started and not yet stopped: killed when this interpreter exits, whatever happened.
_live: set[int] = set()


@atexit.register
def _kill_leftovers() -> None:
    for pid in list(_live):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
    _live.clear()


class ForkServer:
    """The parent side: starts the server and asks it for children."""

    def __init__(self, python: str = sys.executable) -> None:
        self._python = python
        self._process: subprocess.Popen[str] | None = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def start(self) -> None:
        if self._process is not None:
            return
        process = subprocess.Popen(
            [self._python, "-m", "tests.chaos.forkserver"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=ROOT,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        self._process = process
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        if line != _READY:
            self.close()
            raise RuntimeError(f"the fork server did not start: {line!r}")

    def spawn(self, argv: Sequence[str], env: Mapping[str, str], cwd: Path, log: Path) -> int:
        """Fork a child running `bot.cli.main(argv)`; its pid."""
        process = self._process
        if process is None or process.stdin is None or process.stdout is None:
            raise RuntimeError("the fork server is not running")
        request = {"argv": list(argv), "env": dict(env), "cwd": str(cwd), "log": str(log)}
        process.stdin.write(json.dumps(request) + "\n")
        process.stdin.flush()
        answer = json.loads(process.stdout.readline())
        return int(answer["pid"])

    def close(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.stdin is not None:
            with contextlib.suppress(OSError):
                process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie still answers kill(0); the server reaps its children, so this is short.
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().split(") ", 1)[1][:1] != "Z"
    except (OSError, IndexError):
        return False


class ForkedBot:
    """One bot, started (again and again) from a fork server; see the module docstring."""

    def __init__(
        self,
        server: ForkServer,
        argv: Sequence[str],
        env: Mapping[str, str],
        *,
        log_dir: Path,
        name: str = "bot",
        cwd: Path = ROOT,
    ) -> None:
        self.server = server
        self.argv = list(argv)
        self.env = dict(env)
        self.name = name
        self.cwd = cwd
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = log_dir / f"{name}.log"
        self.starts = 0
        self._pid: int | None = None

    @property
    def pid(self) -> int | None:
        return self._pid

    @property
    def is_running(self) -> bool:
        return self._pid is not None and _alive(self._pid)

    @property
    def log_text(self) -> str:
        if not self.log_path.exists():
            return ""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def start(self) -> None:
        if self.is_running:
            raise RuntimeError(f"{self.name} is already running (pid {self._pid})")
        self.starts += 1
        with self.log_path.open("a", encoding="utf-8") as log:
            log.write(f"=== {self.name} start #{self.starts}: reception {' '.join(self.argv)}\n")
        self._pid = self.server.spawn(self.argv, self.env, self.cwd, self.log_path)
        _live.add(self._pid)

    def _signal(self, signum: int) -> None:
        if self._pid is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._pid, signum)

    def _wait_gone(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while self._pid is not None and _alive(self._pid):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.005)
        return True

    def kill(self) -> None:
        """A crash: SIGKILL to the bot's process group, then wait until it is gone."""
        self._signal(signal.SIGKILL)
        if self._wait_gone(10) and self._pid is not None:
            _live.discard(self._pid)

    def stop(self, timeout: float = 10.0) -> None:
        """Graceful stop: SIGTERM, then SIGKILL after `timeout` seconds."""
        self._signal(signal.SIGTERM)
        if not self._wait_gone(timeout):
            self.kill()
        elif self._pid is not None:
            _live.discard(self._pid)

    async def wait_until_exited(self, timeout: float = 60.0) -> None:  # noqa: ASYNC109
        """Wait (polling: the child is not ours to wait on) until the process has ended."""
        deadline = time.monotonic() + timeout
        while self.is_running:
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.name} still runs after {timeout} s")
            await asyncio.sleep(0.02)
        if self._pid is not None:
            _live.discard(self._pid)

    async def wait_for_log(self, fragment: str, timeout: float = 20.0) -> None:  # noqa: ASYNC109
        deadline = time.monotonic() + timeout
        while fragment not in self.log_text:
            if not self.is_running:
                raise AssertionError(f"{self.name} exited before logging {fragment!r}")
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.name} did not log {fragment!r}")
            await asyncio.sleep(0.05)


# -- the server process -----------------------------------------------------------------------


def _preload() -> None:
    """Import what `reception run` imports, so that a child starts without it."""
    for module in (
        "aiosqlite",
        "asyncpg",
        "alembic.command",
        "alembic.config",
        "apscheduler.schedulers.asyncio",
        "sqlalchemy.dialects.postgresql.asyncpg",
        "sqlalchemy.dialects.sqlite.aiosqlite",
        "bot.cli",
        "bot.delivery",
        "bot.runner",
        "storage.migrate",
    ):
        importlib.import_module(module)
    import handlers

    handlers.build_routers()  # imports every router module

    # The locale files take most of a second to parse: parsed once here, every child gets
    # the same (immutable) texts. And everything made so far is frozen before forking, so
    # the child's first full collection (bot/process.py) does not walk it again.
    from core.texts import Texts

    texts = Texts.load()

    def load(locale: str = "ru", directory: Path | None = None) -> Texts:
        if locale == "ru" and directory is None:
            return texts
        return original(locale, directory) if directory is not None else original(locale)

    original = Texts.load
    Texts.load = load  # type: ignore[method-assign]
    gc.collect()
    gc.freeze()


def _child(request: dict[str, Any]) -> None:
    """In the forked child: become the bot. Never returns."""
    code = 1
    try:
        os.setsid()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        log = os.open(request["log"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115
        sys.stdout = open(1, "w", encoding="utf-8", buffering=1, closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", encoding="utf-8", buffering=1, closefd=False)  # noqa: SIM115
        sys.argv = ["reception", *request["argv"]]
        from bot.cli import main

        try:
            main(request["argv"])
            code = 0
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
    except BaseException:  # the child must never return into the server's loop
        import traceback

        traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def serve(stdin: IO[str], stdout: IO[str]) -> None:
    _preload()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    stdout.write(_READY + "\n")
    stdout.flush()
    for line in stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _child(request)
        stdout.write(json.dumps({"pid": pid}) + "\n")
        stdout.flush()


if __name__ == "__main__":
    serve(sys.stdin, sys.stdout)
