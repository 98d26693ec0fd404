"""A drawer for values that arrive faster than they are worth drawing: the newest wins, drawn at
most at a set rate and only while its widget is in view."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from PyQt6.QtCore import Qt, QTimer
from PyQt6.QtWidgets import QWidget


class LatestOnly:
    """Draws the newest value handed over at most once per ``interval_ms`` (last value wins), and
    only while ``widget`` is visible: a hidden page draws nothing until it is shown again.

    The interval runs from the beginning of one drawing to the beginning of the next, so the rate
    holds however long a drawing takes (a throttle that waits the interval after each drawing
    drew a script's feature maps 14 times a second instead of 20 while training slowed the window)."""

    def __init__(self, widget: QWidget, draw: Callable[[object], None], interval_ms: int) -> None:
        self._widget = widget
        self._draw = draw
        self._interval_s = interval_ms / 1000
        self._value = None
        self._stale = False
        self._last_drawn = -math.inf  # time.monotonic() when the last drawing began
        self._timer = QTimer(widget)
        self._timer.setSingleShot(True)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)  # a coarse timer may fire 5% late
        self._timer.timeout.connect(self._draw_if_due)

    def submit(self, value) -> None:
        self._value = value
        self._stale = True
        if self._timer.isActive():
            return  # drawn at its turn, the newest value then
        wait_s = self._last_drawn + self._interval_s - time.monotonic()
        if wait_s <= 0:
            self._draw_if_due()
        else:
            self._timer.start(math.ceil(wait_s * 1000))

    def flush(self) -> None:
        """Draw what is waiting now rather than at its turn."""
        self._timer.stop()
        self._draw_if_due()

    def clear(self) -> None:
        self._timer.stop()
        self._value = None
        self._stale = False

    def _draw_if_due(self) -> None:
        if self._stale and self._widget.isVisible():
            self._stale = False
            self._last_drawn = time.monotonic()
            self._draw(self._value)
