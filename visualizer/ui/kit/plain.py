"""Plain Qt widgets made in one call, set up the way every page of ours wants them."""

from __future__ import annotations

from collections.abc import Callable

import pyqtgraph as pg
from PyQt6.QtCore import Qt, QTimer
from PyQt6.QtGui import QPainter, QPalette, QStaticText
from PyQt6.QtWidgets import QLabel, QPushButton, QScrollArea, QWidget


def push_button(text: str, tip: str, slot: Callable[[], object] | None = None) -> QPushButton:
    """A button that explains itself in a tooltip, as every control of ours does."""
    button = QPushButton(text)
    button.setToolTip(tip)
    if slot is not None:
        button.clicked.connect(slot)
    return button


def wrapping_label(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    return label


def scroll_area(widget: QWidget, sideways: bool = True) -> QScrollArea:
    """``widget`` in a scroll area that resizes it; ``sideways=False`` never scrolls sideways."""
    scroll = QScrollArea()
    scroll.setWidget(widget)
    scroll.setWidgetResizable(True)
    if not sideways:
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    return scroll


def label_axes(plot: pg.PlotItem, **labels: str) -> None:
    """Label a plot's axes (``bottom="epochs done"``) and write their numbers as they are.
    pyqtgraph's automatic SI prefix would turn 0..0.5 epochs into "epoch (x0.001)" with ticks up
    to 500, which reads as five hundred epochs; a classroom reads plain numbers best."""
    for name in ("left", "bottom", "right", "top"):
        plot.getAxis(name).enableAutoSIPrefix(False)
    for name, text in labels.items():
        plot.setLabel(name, text)


class _LiveText(QWidget):
    """Text that changes many times a second: a new text repaints this widget only (``_take``
    readies it for painting), never making Qt lay out the window again."""

    _text = ""

    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:
        if text != self._text:
            self._text = text
            self._take(text)

    def _take(self, text: str) -> None:
        """Ready ``text`` for painting and ask for the paint (``paintEvent`` reads ``_text``)."""
        self.update()


class LiveLine(_LiveText):
    """One line of text that changes many times a second (what a live picture shows): unlike a
    QLabel, a new text only repaints this line, never makes Qt lay out the window again (a QLabel
    asks for that on every setText, which cost more than the picture it describes). Too long a
    text is cut with an ellipsis; the whole of it is the tooltip."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFixedHeight(self.fontMetrics().height() + 4)
        self.setMinimumWidth(0)
        self.setText(text)

    def _take(self, text: str) -> None:
        self.setToolTip(text)
        super()._take(text)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setPen(self.palette().color(QPalette.ColorRole.WindowText))
        shown = self.fontMetrics().elidedText(self._text, Qt.TextElideMode.ElideRight, self.width())
        painter.drawText(self.rect(), int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), shown)


class LiveCaption(_LiveText):
    """A few lines of rich text that change many times a second, in a fixed size (``width`` and
    ``lines`` lines), wrapped to the width; what shows past the last line is cut. Drawn from a
    QStaticText: a rich-text QLabel paints each new text twice (once more when its document has
    been laid out), and asks for the window's layout too unless its size is fixed.

    At most SHOWN_PER_SECOND texts are shown a second, the newest: words that change 25 times a
    second cannot be read, and each new text is laid out again. ``text()`` is always the newest."""

    SHOWN_PER_SECOND = 8

    def __init__(self, text: str, width: int, lines: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._static = QStaticText()
        self._static.setTextFormat(Qt.TextFormat.RichText)
        self._static.setTextWidth(width)
        self._shown = ""
        self._resting = QTimer(self)  # running while a text was shown too recently to show another
        self._resting.setSingleShot(True)
        self._resting.timeout.connect(self._show_newest)
        self.setFixedSize(width, lines * self.fontMetrics().lineSpacing())
        self.setText(text)

    def shown_text(self) -> str:
        """The text drawn now (``text()`` may be newer, until the next can be shown)."""
        return self._shown

    def _take(self, text: str) -> None:
        if not self._resting.isActive():
            self._show(text)

    def _show_newest(self) -> None:
        if self._text != self._shown:
            self._show(self._text)

    def _show(self, text: str) -> None:
        self._static.setText(text)
        self._shown = text
        self.update()
        self._resting.start(1000 // self.SHOWN_PER_SECOND)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setPen(self.palette().color(QPalette.ColorRole.WindowText))
        painter.setClipRect(self.rect())
        painter.drawStaticText(0, 0, self._static)
