"""The bot process: the bot under test as a subprocess, its output in a log file."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Self

from tests.e2e.client.messages import WaitTimeoutError
from tests.e2e.client.processes import terminate_process, track_process, untrack_process


@dataclass
class BotProcess:
    """Runs a command (the bot) as a subprocess with its output in :attr:`log_path`.

    ``start()`` may be called again after ``kill()``/``stop()`` to restart it; the log keeps
    growing, with a marker line per start. ``env`` is added to the current environment
    unless ``inherit_env`` is false.
    """

    command: Sequence[str]
    env: Mapping[str, str] | None = None
    log_dir: Path | None = None
    name: str = "bot"
    cwd: Path | None = None
    inherit_env: bool = True
    starts: int = field(default=0, init=False)
    _process: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        directory = self.log_dir or Path(tempfile.mkdtemp(prefix="e2e-bot-"))
        directory.mkdir(parents=True, exist_ok=True)
        self.log_path: Path = directory / f"{self.name}.log"

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    @property
    def is_running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def returncode(self) -> int | None:
        return None if self._process is None else self._process.poll()

    @property
    def log_text(self) -> str:
        """Everything the process printed (stdout and stderr) over all its starts."""
        if not self.log_path.exists():
            return ""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def start(self) -> None:
        """Starts the command; raises if it is already running."""
        if self.is_running:
            raise RuntimeError(f"{self.name} is already running (pid {self.pid})")
        environment = dict(os.environ) if self.inherit_env else {}
        environment.setdefault("PYTHONUNBUFFERED", "1")
        environment.update(self.env or {})
        self.starts += 1
        with self.log_path.open("ab") as log:
            log.write(f"=== {self.name} start #{self.starts}: {list(self.command)}\n".encode())
            log.flush()
            # A new session: kill() can take down the whole process group of the bot.
            process = subprocess.Popen(
                list(self.command),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=environment,
                cwd=self.cwd,
                start_new_session=True,
            )
        self._process = process
        track_process(process)

    def kill(self) -> None:
        """Simulates a crash: SIGKILL to the bot's process group, then reaps it."""
        process = self._process
        if process is None:
            return
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        untrack_process(process)

    def stop(self, timeout: float = 10.0) -> int | None:
        """Graceful stop: SIGTERM, up to ``timeout`` s to exit, then SIGKILL; the exit code."""
        process = self._process
        if process is None:
            return None
        return terminate_process(process, timeout)

    async def wait_for_log(self, fragment: str, timeout: float = 20.0) -> None:  # noqa: ASYNC109
        """Waits until ``fragment`` appears in the log; fails early if the process exits."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while fragment not in self.log_text:
            if not self.is_running:
                raise AssertionError(
                    f"{self.name} exited ({self.returncode}) before logging {fragment!r}:\n"
                    f"{self.log_text}"
                )
            if loop.time() > deadline:
                raise WaitTimeoutError(f"{self.name} did not log {fragment!r}:\n{self.log_text}")
            await asyncio.sleep(0.05)
