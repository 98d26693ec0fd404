"""A 10 ms timer on the window's thread: the gaps between its ticks are how long the window could
not react. Also the event-loop wait every GUI measurement uses."""

from __future__ import annotations

import time

TICK_MS = 10


class Ticks:
    """Records the gap before each tick of a 10 ms QTimer from the moment it is made."""

    def __init__(self) -> None:
        from PyQt6.QtCore import QTimer

        self.gaps: list[float] = []
        self._last = time.perf_counter()
        self.timer = QTimer()
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)
        self.timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append((now - self._last) * 1000)
        self._last = now

    def take(self) -> list[float]:
        """The gaps recorded since the last take()."""
        gaps, self.gaps = self.gaps, []
        return gaps

    def stop(self) -> None:
        self.timer.stop()


def gap_percentiles(gaps_ms: list[float]) -> dict[str, float | None]:
    """p50, p99 and max of the gaps, in ms (None each when there are none)."""
    import numpy as np

    if not gaps_ms:
        return {"p50": None, "p99": None, "max": None}
    values = np.asarray(gaps_ms)
    return {
        "p50": float(np.percentile(values, 50)),
        "p99": float(np.percentile(values, 99)),
        "max": float(values.max()),
    }


def gap_summary(gaps_ms: list[float]) -> str:
    if not gaps_ms:
        return "no ticks"
    gaps = gap_percentiles(gaps_ms)
    return f"tick gaps p50 {gaps['p50']:.1f} ms, p99 {gaps['p99']:.1f} ms, max {gaps['max']:.1f} ms"


def wait_until(condition, timeout_s: float = 300.0, what: str = "the window", check_ms: int = TICK_MS) -> None:
    """Run the event loop until ``condition()`` holds, checking every ``check_ms`` (the loop sleeps
    in between, leaving the CPU to the processes measured); TimeoutError after ``timeout_s``."""
    from PyQt6.QtCore import QEventLoop, Qt, QTimer

    if condition():
        return
    loop = QEventLoop()
    deadline = time.perf_counter() + timeout_s
    timed_out = False

    def check() -> None:
        nonlocal timed_out
        if condition():
            loop.quit()
        elif time.perf_counter() > deadline:
            timed_out = True
            loop.quit()

    checker = QTimer()
    checker.setTimerType(Qt.TimerType.PreciseTimer)
    checker.setInterval(check_ms)
    checker.timeout.connect(check)
    checker.start()
    loop.exec()
    checker.stop()
    if timed_out:
        raise TimeoutError(f"gave up waiting for {what} after {timeout_s:.0f} s")
