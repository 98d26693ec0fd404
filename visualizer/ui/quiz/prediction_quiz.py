"""PredictionQuiz: quiz mode in the inspector's One image tab. Each new picture hides the model's
bars and its verdict and asks the class what the picture shows; a click on a class reveals them,
with whether the class agreed with the model and with the true class.

The same picture drawn again (another class on the Why tab, SmoothGrad, a new input range, quiz
mode off and on) is not asked about again once it was answered or skipped: it counts once."""

from __future__ import annotations

import numpy as np
from PyQt6.QtCore import QObject
from PyQt6.QtWidgets import QWidget

from visualizer.imagefile import to_uint8
from visualizer.ui.quiz.panel import QuizPanel
from visualizer.ui.quiz.questions import class_question
from visualizer.ui.quiz.session import session

SCORE_NAME = "Model inspector"  # the inspector page's title, for its line of the score
CLASS_COLUMNS = 2  # the tab's left column is narrow
IDLE_TEXT = "<b>Quiz mode</b>: each new picture asks what it shows before the model's bars appear."


def picture_identity(title: str, true_label: int | None, pixels) -> tuple:
    """What tells one picture from another: its title, its true class and its pixels at 8 bits
    (a new input range maps the same picture back to the same pixels, up to float error)."""
    pixels = np.asarray(pixels, dtype=np.float64)
    quantised = to_uint8(pixels)
    return title, true_label, pixels.shape, quantised.tobytes()


class PredictionQuiz(QObject):
    """``hidden`` are the widgets that give the model's answer away (its bars, its caption)."""

    def __init__(self, parent: QWidget, hidden: list[QWidget]) -> None:
        super().__init__(parent)
        self._hidden = hidden
        self._last = None  # (class names, probabilities, true label) of the picture shown
        self._shown = None  # the identity of the picture shown (`picture_identity`)
        self._asked = None  # ... of the picture the open question is about
        self._settled = None  # ... of the picture last answered or skipped: not asked again
        self.panel = QuizPanel(SCORE_NAME, parent, class_columns=CLASS_COLUMNS, idle_text=IDLE_TEXT, compact=True)
        self.panel.hide()
        self.panel.answered.connect(self._on_panel_answered)
        self.panel.skipped.connect(self._on_panel_skipped)
        session().enabledChanged.connect(self._on_session_enabled_changed)

    def picture_shown(self, class_names, probabilities, true_label: int | None, identity=None) -> None:
        """A picture's prediction is drawn: with quiz mode on, a new picture is hidden and asked
        about first. ``identity`` tells pictures apart (`picture_identity`); without one, the
        class names, true class and probabilities do."""
        self._last = (tuple(class_names), probabilities, true_label)
        if identity is None:
            identity = (self._last[0], true_label, np.asarray(probabilities, dtype=np.float64).tobytes())
        self._shown = identity
        if session().is_enabled():
            self._ask()

    def _ask(self) -> None:
        if self._last is None:
            self.panel.clear()
            self._set_hidden(False)
            return
        if self._shown == self._settled:
            self._set_hidden(False)  # answered or skipped already: it counts once
            return
        if self._shown == self._asked and self.panel.is_asking():
            self._set_hidden(True)  # the same picture drawn again: its question stays open
            return
        self._asked = self._shown
        self.panel.ask(class_question(*self._last))
        self._set_hidden(True)

    def _set_hidden(self, hidden: bool) -> None:
        for widget in self._hidden:
            widget.setVisible(not hidden)

    def _on_panel_answered(self, _right: bool) -> None:
        self._settled = self._asked
        self._set_hidden(False)

    def _on_panel_skipped(self) -> None:
        self._settled = self._asked
        self.panel.clear()
        self._set_hidden(False)

    def _on_session_enabled_changed(self, on: bool) -> None:
        self.panel.setVisible(on)
        if on:
            self._ask()
        else:
            self.panel.clear()
            self._set_hidden(False)
