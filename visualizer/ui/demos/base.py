"""What every concept page shares: the stepping and input-picture parts of the page contract
(`visualizer.ui.page_contract`), one way to recompute after a change, the two-column layout
(controls and explanation on the left, the demo on the right), and small layout helpers.

A step is one output cell (or one input cell for the scatter view), numbered row-major; the
page shows steps 0..i as computed and step i as the current one.
"""

from __future__ import annotations

from PyQt6.QtCore import QEvent, QObject, Qt
from PyQt6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QCheckBox,
    QComboBox,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from superqt.utils import signals_blocked

from visualizer.ui.kit.image_source import ImageSourcePicker
from visualizer.ui.kit.step_controls import StepControls
from visualizer.ui.quiz.questions import Question
from visualizer.ui.quiz.stepping import StepQuiz

PANEL_WIDTH_EM = 17  # the left column, in lines of the application font...
PANEL_MAX_SHARE = 0.3  # ...but never more than this share of the page, so a large font leaves room
# The window's step keys. A spin box would otherwise keep them for its text cursor once clicked,
# and the class would see Space and the arrows stop working right after a setting was changed.
STEP_KEYS = {Qt.Key.Key_Space, Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Home}
# Each range holds the other settings fixed, so narrowing one can move another (a new input can
# shrink the kernel and the stride at once). The pages settle within two passes; the limit only
# bounds the loop.
MAX_RANGE_PASSES = 4
COMBO_INSET = 8  # a group box's margins and frame either side of a combo box in the left column


class StepPage(QWidget):
    """A page that steps through a computation; it is `Steppable` and `TakesInputImage`.

    A page defines `_show_step()` (draw step `current_step()`) and either the hooks of the
    recompute template below or its own `_recompute()` (new settings or input: rebuild the
    trace, then call `_set_step_count`). The template's hooks:

    - `_apply_ranges()`: narrow each setting to the values valid with the others; it is run
      until no setting moves (the default narrows nothing);
    - `_compute()`: rebuild the trace and the views from the settings and return the number of
      steps; a ValueError means the settings cannot be computed, and the page says why in
      `_problem_label()` and keeps its last steps.

    A page with `asks_questions` set takes part in quiz mode (`visualizer.ui.quiz.stepping`): it
    defines `_size_question()` and `_cell_question(index)`, made with `visualizer.ui.quiz.questions`.
    """

    title = ""
    asks_questions = False

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._step = 0
        self._count = 1
        self._problem = ""  # why the current settings cannot be computed, in words
        self._spin_boxes: list[QSpinBox] = []  # the settings, found once the layout is built
        self._check_boxes: list[QCheckBox] = []
        self.controls = StepControls()
        self.controls.stepRequested.connect(self._on_controls_step_requested)
        self.quiz = StepQuiz(self) if self.asks_questions else None

    # -- the protocol used by the main window's shortcuts and the exporter ------------------------
    def step_count(self) -> int:
        return self._count

    def current_step(self) -> int:
        return self._step

    def set_step(self, index: int) -> None:
        """Make step ``index`` the current one and draw it, asking nothing (a click on a cell, the
        GIF export); an open quiz question about another step is dropped."""
        self._step = max(0, min(int(index), self._count - 1))
        if self.quiz is not None:
            self.quiz.step_drawn(self._step)
        self.controls.set_position(self._step, self._count)
        if not self._problem:
            self._show_step()

    def step(self, delta: int) -> None:
        self._move_to(self._step + delta)

    def _on_controls_step_requested(self, index: int) -> None:
        self._move_to(index)

    def _move_to(self, index: int) -> None:
        """Step on as the class sees it (keys, buttons, Play, the scrubber): in quiz mode a step
        forward is asked about first and drawn once the question is answered."""
        index = max(0, min(int(index), self._count - 1))
        if self.quiz is None or not self.quiz.holds(index):
            self.set_step(index)

    def reset(self) -> None:
        self.controls.pause()
        self._move_to(0)
        if self.quiz is not None:
            self.quiz.start_over()

    def toggle_play(self) -> None:
        self.controls.toggle_play()

    def closeEvent(self, event) -> None:
        # The main window closes every page as it closes: an animation must not play on unseen.
        if self.controls.is_playing():
            self.controls.pause()
        super().closeEvent(event)

    # -- the input picture the main window's Open image / Draw menu items hand over ---------------
    @property
    def input_image_mode(self) -> str:
        """"gray" or "rgb": the kind of picture this page takes now."""
        return self._input_source().mode()

    def set_input_image(self, pixels, title: str) -> None:
        self._input_source().add_image(title, pixels)

    def _input_source(self):
        return self.source

    # -- the recompute template ----------------------------------------------------------------
    def problem(self) -> str:
        """Why the current settings cannot be computed, in words; "" when they can."""
        return self._problem

    def _recompute(self) -> None:
        """New settings or input: settle the ranges, rebuild, and show the current step."""
        self._settle_ranges()
        try:
            count = self._compute()
        except ValueError as error:  # the ranges should prevent this; if not, say why in words
            self._problem = f"<b>These settings do not work:</b> {error}"
            self._problem_label().setText(self._problem)
            return
        self._problem = ""
        self._set_step_count(count)
        if self.quiz is not None:
            self.quiz.start_over()
        self._show_step()

    def _settle_ranges(self) -> None:
        for _ in range(MAX_RANGE_PASSES):
            before = self._setting_values()
            self._apply_ranges()
            if self._setting_values() == before:
                return

    def _setting_values(self) -> tuple:
        """Every number and tick box in the left column: what a range may move."""
        return tuple(box.value() for box in self._spin_boxes) + tuple(box.isChecked() for box in self._check_boxes)

    def _apply_ranges(self) -> None:
        """Narrow each setting to the values valid with the others; by default nothing is narrowed."""

    # -- quiz mode -----------------------------------------------------------------------------
    def quiz_question(self, index: int, about_size: bool) -> Question | None:
        """The question to ask before step ``index`` is drawn: the output size when ``about_size``
        (and the page has one), else the next cell's; None asks nothing."""
        question = self._size_question() if about_size else None
        return question or self._cell_question(index)

    def _size_question(self) -> Question | None:
        return None

    def size_giveaways(self) -> list[QWidget]:
        """Widgets outside the demo that state the output size: hidden with the demo while a size
        question is open."""
        return []

    def _cell_question(self, index: int) -> Question | None:
        return None

    # -- for subclasses ------------------------------------------------------------------------
    def _set_step_count(self, count: int) -> None:
        """A new computation: keep the step where it was, as far as the new one reaches."""
        self._count = max(1, int(count))
        self._step = min(self._step, self._count - 1)
        self.controls.set_position(self._step, self._count)

    def _show_new_input(self, numbers: bool) -> None:
        """After a new input: a grid of numbers is worth following from the start, a picture is
        worth seeing whole."""
        self._recompute()
        self.set_step(0 if numbers else self.step_count() - 1)

    def _on_source_image_changed(self) -> None:
        self._show_new_input(self._input_source().is_numbers())

    def _build_layout(self, explanation: str, panel: list[QWidget], demo: QWidget) -> None:
        """Explanation and controls in a scrollable left column, the demo filling the rest.

        Every input picker on the page is wired here: a new picture recomputes the page and
        shows it (`_show_new_input`)."""
        text = QLabel(explanation)
        text.setWordWrap(True)
        text.setTextFormat(Qt.TextFormat.RichText)
        text.setObjectName("explanation")
        column = QWidget()
        column_layout = QVBoxLayout(column)
        column_layout.setContentsMargins(0, 0, 6, 0)
        column_layout.addWidget(text)
        for widget in panel:
            column_layout.addWidget(widget)
        column_layout.addStretch(1)
        self._spin_boxes = column.findChildren(QSpinBox)
        self._check_boxes = column.findChildren(QCheckBox)
        self._column_combos = column.findChildren(QComboBox)
        scroll = QScrollArea()
        scroll.setWidget(column)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._panel_scroll = scroll

        right = QVBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)
        right.addWidget(demo, 1)
        if self.quiz is not None:
            self.quiz.set_demo(demo)
            right.addWidget(self.quiz.panel)
            right.addStretch(0)  # takes the demo's room while a size question hides it
        right.addWidget(self.controls)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(scroll)
        layout.addLayout(right, 1)
        for box in self.findChildren(QAbstractSpinBox):
            box.installEventFilter(self)
        for box in self.findChildren(QComboBox):
            # As wide as the longest choice, so that none is cut short ("Sobel x (vertical edg"); with
            # no minimum length in characters, the longest choice sets the least width too.
            box.setMinimumContentsLength(0)
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            # QComboBox keeps the least width it worked out for the old policy until its style
            # changes: tell it the style did, so the least width is worked out again.
            QApplication.sendEvent(box, QEvent(QEvent.Type.StyleChange))
        self._fit_panel()
        for source in self.findChildren(ImageSourcePicker):
            source.imageChanged.connect(self._on_source_image_changed)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(watched, QAbstractSpinBox)
            and event.key() in STEP_KEYS
            and event.modifiers() == Qt.KeyboardModifier.NoModifier
        ):
            event.ignore()  # not claimed by the spin box: the window's shortcut runs
            return True
        return super().eventFilter(watched, event)

    def _fit_panel(self) -> None:
        """The left column: wide enough for its longest choice in a combo box, but never more than
        its share of the page; a choice longer still (the title of a user's picture) is cut short
        rather than widening the column past its edge, where it could not be scrolled to."""
        scroll = self._panel_scroll
        insets = scroll.widget().layout().contentsMargins().right() + 2 * COMBO_INSET + scroll.verticalScrollBar().sizeHint().width()
        widest = max((box.minimumSizeHint().width() for box in self._column_combos), default=0)
        wanted = max(PANEL_WIDTH_EM * self.fontMetrics().height(), widest + insets)
        width = int(min(wanted, max(200, PANEL_MAX_SHARE * self.width())))
        scroll.setFixedWidth(width)
        for box in self._column_combos:
            box.setMaximumWidth(width - insets)

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.FontChange and hasattr(self, "_panel_scroll"):
            self._fit_panel()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if hasattr(self, "_panel_scroll"):
            self._fit_panel()


def group(title: str, *rows, tip: str = "") -> QGroupBox:
    """A titled box of rows: a widget, or a (label text, widget) pair."""
    box = QGroupBox(title)
    if tip:
        box.setToolTip(tip)
    layout = QVBoxLayout(box)
    layout.setContentsMargins(6, 4, 6, 4)
    layout.setSpacing(4)
    for row in rows:
        if isinstance(row, tuple):
            label, widget = row
            row = pair_row(QLabel(label), widget)
        layout.addWidget(row)
    return box


def spin_box(value: int, low: int, high: int, tip: str, prefix: str = "") -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setValue(value)
    box.setToolTip(tip)
    if prefix:
        box.setPrefix(prefix)
    return box


def set_range(box: QSpinBox, low: int, high: int) -> None:
    """Narrow a spin box to the valid range without emitting a change for the clamp itself."""
    with signals_blocked(box):
        box.setRange(low, high)


def pair_row(first: QWidget, second: QWidget) -> QWidget:
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(first)
    layout.addWidget(second)
    return row
