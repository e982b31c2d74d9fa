"""How long work blocks the event loop: a probe task sleeps `tick` seconds again and again
and records how late each wake-up comes (the overshoot is the time the loop was busy with
something else). Used by bench/deadlines.py and bench/notice_fanout.py; the goal of issue 16
point 6 is no block over 50 ms.

    async with LoopLag() as lag:
        await work()
    print(lag.summary())

The wall time, the process's CPU time and the load average are reported with it, so that a
number taken on a busy shared machine reads for what it is; so is the most CPU the process
used between two ticks (a gap on a machine with more runnable processes than cores is partly
the OS running others: the CPU within it is the part our own work took).
"""

from __future__ import annotations

import asyncio
import os
import time
from types import TracebackType

TICK = 0.005
GOAL = 0.050


class LoopLag:
    def __init__(self, tick: float = TICK) -> None:
        self._tick = tick
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.gaps: list[float] = []
        # The process's CPU time within each gap: on a machine busier than its cores a gap
        # is also the time the OS ran other processes; the CPU in it is what our work took.
        self.busy: list[float] = []
        self.wall = 0.0
        self.cpu = 0.0
        self._started = 0.0
        self._cpu_started = 0.0

    async def _probe(self) -> None:
        last, last_cpu = time.perf_counter(), time.process_time()
        while not self._stop.is_set():
            await asyncio.sleep(self._tick)
            now, cpu = time.perf_counter(), time.process_time()
            self.gaps.append(max(0.0, now - last - self._tick))
            self.busy.append(cpu - last_cpu)
            last, last_cpu = now, cpu

    async def __aenter__(self) -> LoopLag:
        self._task = asyncio.create_task(self._probe())
        await asyncio.sleep(0)  # the probe takes its first reading before the work starts
        self._started = time.perf_counter()
        self._cpu_started = time.process_time()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.wall = time.perf_counter() - self._started
        self.cpu = time.process_time() - self._cpu_started
        self._stop.set()
        if self._task is not None:
            await self._task

    @property
    def longest(self) -> float:
        return max(self.gaps, default=0.0)

    def summary(self) -> str:
        gaps = sorted(self.gaps)
        p99 = gaps[int(0.99 * (len(gaps) - 1))] if gaps else 0.0
        over = sum(1 for gap in gaps if gap > GOAL)
        busiest = max(self.busy, default=0.0)
        over_busy = sum(1 for cpu in self.busy if cpu > GOAL)
        load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
        return (
            f"wall {1000 * self.wall:.1f} ms, CPU {1000 * self.cpu:.1f} ms; loop blocked: "
            f"longest {1000 * self.longest:.1f} ms, p99 {1000 * p99:.1f} ms, "
            f"over 50 ms {over}x; CPU between two ticks: most {1000 * busiest:.1f} ms, "
            f"over 50 ms {over_busy}x; load {load}"
        )
