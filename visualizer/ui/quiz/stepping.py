"""StepQuiz: quiz mode on a step page.

With quiz mode on, a move one step forward (Next, the Right arrow, or Play's next tick) is held:
the page's question for that step is asked first, and once it is answered (or skipped) the step is
drawn, with the reveal left on screen until the teacher steps on. Play pauses at each question, so
the class always gets to answer; Play again goes on to the next question. Stepping back, jumping
(scrubber, Reset, End, clicking a cell) and new settings drop an unanswered question uncounted.

The first question after quiz mode is turned on, after Reset and after any new setting asks for
the output size; the others ask about the next cell. While a size question is open the page's demo
is hidden, with any other widget the page names as stating the size (`size_giveaways`): its output
grid and formula would give the answer away.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PyQt6.QtCore import QObject
from PyQt6.QtWidgets import QWidget

from visualizer.ui.quiz.panel import QuizPanel
from visualizer.ui.quiz.questions import SIZE
from visualizer.ui.quiz.session import session

if TYPE_CHECKING:
    from visualizer.ui.demos.base import StepPage


class StepQuiz(QObject):
    def __init__(self, page: StepPage) -> None:
        super().__init__(page)
        self._page = page
        self._pending: int | None = None  # the step that waits for its question
        self._size_due = True
        self._demo: QWidget | None = None  # hidden while a size question is open
        self.panel = QuizPanel(page.title, page)  # a parent at once: shown before the layout takes it, it must not be a window
        self.panel.hide()
        self.panel.answered.connect(self._on_panel_answered)
        self.panel.skipped.connect(self._on_panel_skipped)
        controls = page.controls
        controls.quiz_button.show()
        controls.quiz_button.toggled.connect(session().set_enabled)
        session().enabledChanged.connect(self._on_session_enabled_changed)
        self._on_session_enabled_changed(session().is_enabled())

    def set_demo(self, demo: QWidget) -> None:
        """The part of the page that shows the output: hidden while a size question is open."""
        self._demo = demo

    def holds(self, index: int) -> bool:
        """Whether the move to step ``index`` waits for a question (asked here); False lets it go on."""
        if self.panel.is_asking():
            if index == self._pending:
                self._show_current_position()
                return True  # Step pressed again: the question stays until it is answered or skipped
            self._drop_question()
            return False
        page = self._page
        if not session().is_enabled() or index != page.current_step() + 1 or page.problem():
            self.panel.clear()
            return False
        question = page.quiz_question(index, self._size_due)
        if question is None:
            self.panel.clear()
            return False
        self._size_due = False
        self._pending = index
        page.controls.pause()
        self._show_current_position()
        self.panel.ask(question)
        self._show_demo(question.kind != SIZE)
        return True

    def _show_current_position(self) -> None:
        """A held move leaves the page on its step: the scrubber (moved by hand, one step on) goes
        back to the step drawn."""
        page = self._page
        page.controls.set_position(page.current_step(), page.step_count())

    def step_drawn(self, index: int) -> None:
        """The page drew step ``index`` without asking (a jump): an open question about another step goes."""
        if self.panel.is_asking() and index != self._pending:
            self._drop_question()

    def start_over(self) -> None:
        """New settings, a new input or Reset: a question or a reveal on screen is about the old
        ones and goes; the next question asks the size."""
        self._size_due = True
        self._drop_question()
        self._reserve_panel_room()

    def _reserve_panel_room(self) -> None:
        """Size the panel for a question like the ones to come (the next cell's), so that asking and
        revealing do not move the demo; only while quiz mode is on, as only then is it seen."""
        page = self._page
        if not session().is_enabled() or self._demo is None or page.problem():
            return
        question = page.quiz_question(min(page.current_step() + 1, page.step_count() - 1), False)
        if question is not None:
            self.panel.reserve_room_for(question)

    def _drop_question(self) -> None:
        self._pending = None
        self.panel.clear()
        self._show_demo(True)

    def _show_demo(self, shown: bool) -> None:
        if self._demo is None:
            return  # the page is not built yet
        for widget in [self._demo, *self._page.size_giveaways()]:
            widget.setVisible(shown)

    def _draw_pending(self) -> None:
        index, self._pending = self._pending, None
        self._show_demo(True)
        if index is not None:
            self._page.set_step(index)

    def _on_panel_answered(self, _right: bool) -> None:
        self._draw_pending()

    def _on_panel_skipped(self) -> None:
        self.panel.clear()
        self._draw_pending()

    def _on_session_enabled_changed(self, on: bool) -> None:
        button = self._page.controls.quiz_button
        if button.isChecked() != on:
            button.setChecked(on)
        button.setText("✔ Quiz on" if on else "? Quiz")
        self.panel.setVisible(on)
        self._size_due = True
        if on:
            self._reserve_panel_room()
        else:
            self._drop_question()
