"""The one quiz session of the app: whether quiz mode is on and the score so far.

Every page with questions listens to it, so View > Quiz mode (or any page's Quiz button) turns
the quiz on or off everywhere at once, and one score covers every page until the app closes.
"""

from __future__ import annotations

from PyQt6.QtCore import QObject, pyqtSignal

from visualizer.ui.quiz.score import QuizScore


class QuizSession(QObject):
    enabledChanged = pyqtSignal(bool)
    scoreChanged = pyqtSignal()

    def __init__(self) -> None:
        super().__init__()
        self._enabled = False
        self.score = QuizScore()

    def is_enabled(self) -> bool:
        return self._enabled

    def set_enabled(self, on: bool) -> None:
        if bool(on) != self._enabled:
            self._enabled = bool(on)
            self.enabledChanged.emit(self._enabled)

    def record(self, page: str, right: bool) -> None:
        self.score.record(page, right)
        self.scoreChanged.emit()

    def restart(self) -> None:
        """Quiz mode off and the score back to zero (a new sitting; the tests start from here)."""
        self.set_enabled(False)
        self.score = QuizScore()
        self.scoreChanged.emit()


_session: QuizSession | None = None


def session() -> QuizSession:
    global _session
    if _session is None:
        _session = QuizSession()
    return _session
