"""The one way a page reads a link to its child process (visualizer.childprocess.Link): on a timer
of the GUI thread, so the window never waits on the child, and once per tick, so a page draws at
most once per tick however fast the messages come.

Each tick calls ``read()``, which returns (messages, died) as Link.poll() does, and emits ``polled``
with both, even when nothing arrived: a page that draws per tick gets its tick. How often it reads is
the page's choice, and may change while it runs (the inspector reads faster while a picture is
being explained)."""

from __future__ import annotations

from collections.abc import Callable

from PyQt6.QtCore import QObject, QTimer, pyqtSignal

# How long a heavy page is in view before its child process is started ahead (the training run's,
# the inspector's model's): the page itself is drawn first, it imports Keras and gets ready while
# the user looks around, and a glance at the page on the way to another starts nothing.
PRESTART_DELAY_MS = 1000

class LinkPoller(QObject):
    polled = pyqtSignal(object, bool)  # (the messages read on this tick, in order; whether the far end died)

    def __init__(self, read: Callable[[], tuple[list, bool]], interval_ms: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._read = read
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._on_timer_timeout)

    def start(self, interval_ms: int | None = None) -> None:
        """Read every ``interval_ms`` from now on (by default, at the interval it has)."""
        if interval_ms is None:
            self._timer.start()
        else:
            self._timer.start(interval_ms)

    def set_interval(self, interval_ms: int) -> None:
        self._timer.setInterval(interval_ms)

    def interval(self) -> int:
        return self._timer.interval()

    def stop(self) -> None:
        self._timer.stop()

    def is_active(self) -> bool:
        return self._timer.isActive()

    def _on_timer_timeout(self) -> None:
        messages, died = self._read()
        self.polled.emit(messages, died)
