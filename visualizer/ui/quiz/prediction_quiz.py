"""PredictionQuiz: quiz mode in the inspector's One image tab. Each new picture hides the model's
bars and its verdict and asks the class what the picture shows; a click on a class reveals them,
with whether the class agreed with the model and with the true class."""

from __future__ import annotations

from PyQt6.QtCore import QObject
from PyQt6.QtWidgets import QWidget

from visualizer.ui.quiz.panel import QuizPanel
from visualizer.ui.quiz.questions import class_question
from visualizer.ui.quiz.session import session

SCORE_NAME = "Model inspector"  # the inspector page's title, for its line of the score
CLASS_COLUMNS = 2  # the tab's left column is narrow
IDLE_TEXT = "<b>Quiz mode</b>: each new picture asks what it shows before the model's bars appear."


class PredictionQuiz(QObject):
    """``hidden`` are the widgets that give the model's answer away (its bars, its caption)."""

    def __init__(self, parent: QWidget, hidden: list[QWidget]) -> None:
        super().__init__(parent)
        self._hidden = hidden
        self._last = None  # (class names, probabilities, true label) of the picture shown
        self.panel = QuizPanel(SCORE_NAME, parent, class_columns=CLASS_COLUMNS, idle_text=IDLE_TEXT, compact=True)
        self.panel.hide()
        self.panel.answered.connect(self._on_panel_answered)
        self.panel.skipped.connect(self._on_panel_skipped)
        session().enabledChanged.connect(self._on_session_enabled_changed)

    def picture_shown(self, class_names, probabilities, true_label: int | None) -> None:
        """A new picture's prediction is drawn: with quiz mode on, hide it and ask first."""
        self._last = (tuple(class_names), probabilities, true_label)
        if session().is_enabled():
            self._ask()

    def _ask(self) -> None:
        if self._last is None:
            self.panel.clear()
            self._set_hidden(False)
            return
        self.panel.ask(class_question(*self._last))
        self._set_hidden(True)

    def _set_hidden(self, hidden: bool) -> None:
        for widget in self._hidden:
            widget.setVisible(not hidden)

    def _on_panel_answered(self, _right: bool) -> None:
        self._set_hidden(False)

    def _on_panel_skipped(self) -> None:
        self.panel.clear()
        self._set_hidden(False)

    def _on_session_enabled_changed(self, on: bool) -> None:
        self.panel.setVisible(on)
        if on:
            self._ask()
        else:
            self.panel.clear()
            self._set_hidden(False)
