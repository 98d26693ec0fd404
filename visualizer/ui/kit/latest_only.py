"""A drawer for values that arrive faster than they are worth drawing: the newest wins, drawn at
most at a set rate and only while its widget is in view."""

from __future__ import annotations

from collections.abc import Callable

from PyQt6.QtWidgets import QWidget
from superqt.utils import qthrottled


class LatestOnly:
    """Draws the newest value handed over at most once per ``interval_ms`` (last value wins), and
    only while ``widget`` is visible: a hidden page draws nothing until it is shown again."""

    def __init__(self, widget: QWidget, draw: Callable[[object], None], interval_ms: int) -> None:
        self._widget = widget
        self._draw = draw
        self._value = None
        self._stale = False
        self._throttled = qthrottled(self._draw_if_due, timeout=interval_ms, leading=True, parent=widget)

    def submit(self, value) -> None:
        self._value = value
        self._stale = True
        self._throttled()

    def flush(self) -> None:
        """Draw what is waiting now rather than at its turn."""
        self._throttled.cancel()
        self._draw_if_due()

    def clear(self) -> None:
        self._throttled.cancel()
        self._value = None
        self._stale = False

    def _draw_if_due(self) -> None:
        if self._stale and self._widget.isVisible():
            self._stale = False
            self._draw(self._value)
