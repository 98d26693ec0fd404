"""What every concept page shares: the step protocol the main window and the exporter call,
the two-column layout (controls and explanation on the left, the demo on the right), and small
layout helpers.

A step is one output cell (or one input cell for the scatter view), numbered row-major; the
page shows steps 0..i as computed and step i as the current one.
"""

from __future__ import annotations

from PyQt6.QtCore import QEvent, QObject, Qt
from PyQt6.QtWidgets import (
    QAbstractSpinBox,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from visualizer.ui.widgets.step_controls import StepControls

PANEL_WIDTH_EM = 17  # the left column, in lines of the application font...
PANEL_MAX_SHARE = 0.3  # ...but never more than this share of the page, so a large font leaves room
# The window's step keys. A spin box would otherwise keep them for its text cursor once clicked,
# and the class would see Space and the arrows stop working right after a setting was changed.
STEP_KEYS = {Qt.Key.Key_Space, Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Home}


class StepPage(QWidget):
    """A page that steps through a computation.

    Each page defines `_recompute()` (new settings or input: rebuild the trace, then call
    `_set_step_count`) and `_show_step()` (draw step `current_step()`)."""

    title = ""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._step = 0
        self._count = 1
        self.controls = StepControls()
        self.controls.stepRequested.connect(self.set_step)

    # -- the protocol used by the main window's shortcuts and the exporter ------------------------
    def step_count(self) -> int:
        return self._count

    def current_step(self) -> int:
        return self._step

    def set_step(self, index: int) -> None:
        self._step = max(0, min(int(index), self._count - 1))
        self.controls.set_position(self._step, self._count)
        self._show_step()

    def step(self, delta: int) -> None:
        self.set_step(self._step + delta)

    def reset(self) -> None:
        self.controls.pause()
        self.set_step(0)

    def toggle_play(self) -> None:
        self.controls.toggle_play()

    # -- the input picture the main window's Open image / Draw menu items hand over ---------------
    @property
    def input_image_mode(self) -> str:
        """"gray" or "rgb": the kind of picture this page takes now."""
        return self._input_source().mode()

    def set_input_image(self, pixels, title: str) -> None:
        self._input_source().add_image(title, pixels)

    def _input_source(self):
        return self.source

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

    def _build_layout(self, explanation: str, panel: list[QWidget], demo: QWidget) -> None:
        """Explanation and controls in a scrollable left column, the demo filling the rest."""
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
        scroll = QScrollArea()
        scroll.setWidget(column)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._panel_scroll = scroll
        self._fit_panel()

        right = QVBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)
        right.addWidget(demo, 1)
        right.addWidget(self.controls)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(scroll)
        layout.addLayout(right, 1)
        for box in self.findChildren(QAbstractSpinBox):
            box.installEventFilter(self)

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
        wanted = PANEL_WIDTH_EM * self.fontMetrics().height()
        self._panel_scroll.setFixedWidth(int(min(wanted, max(200, PANEL_MAX_SHARE * self.width()))))

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
    box.blockSignals(True)
    box.setRange(low, high)
    box.blockSignals(False)


def pair_row(first: QWidget, second: QWidget) -> QWidget:
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(first)
    layout.addWidget(second)
    return row
