"""Process bookkeeping: whatever the harness starts is ended when the interpreter exits."""

from __future__ import annotations

import atexit
import contextlib
import signal
import subprocess
import threading
from typing import cast

_live_processes: set[subprocess.Popen[bytes]] = set()
_live_lock = threading.Lock()


def track_process(process: subprocess.Popen[bytes]) -> None:
    with _live_lock:
        _live_processes.add(process)


def untrack_process(process: subprocess.Popen[bytes]) -> None:
    with _live_lock:
        _live_processes.discard(process)


@atexit.register
def _kill_leftovers() -> None:
    """Last line of defence against leaked subprocesses (fixtures normally stop them)."""
    with _live_lock:
        leftovers = list(_live_processes)
        _live_processes.clear()
    for process in leftovers:
        if process.poll() is None:
            process.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)


def terminate_process(process: subprocess.Popen[bytes], timeout: float) -> int:
    """Sends SIGTERM, waits up to ``timeout`` seconds, then SIGKILLs; returns the exit code."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    untrack_process(process)
    return cast(int, process.returncode)
