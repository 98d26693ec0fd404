"""The two text lines under every demo: the output-size formula and the current step's sum."""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QApplication, QLabel, QSizePolicy, QWidget

ARITHMETIC_SCALE = 1.15  # the sum is what the class reads aloud: a little larger than the rest


class FormulaLabel(QLabel):
    """The output size formula with the current numbers, once when rows and columns agree."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setToolTip("How the output size follows from the input size and the settings")

    def set_formulas(self, rows: str, cols: str) -> None:
        both = f"rows and columns: {rows}" if rows == cols else f"rows: {rows}<br>columns: {cols}"
        self.setText(f"<b>Output size</b> {both}")


class ArithmeticLabel(QLabel):
    """The current step written out, selectable, a little larger than the application font."""

    def __init__(self, tip: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setToolTip(tip)
        self._scale_font()
        # A font set on a widget no longer follows the application's (zoom, presentation mode),
        # so follow its changes here.
        QApplication.instance().fontChanged.connect(self._scale_font)

    def _scale_font(self, _font=None) -> None:
        font = QApplication.font()
        font.setPointSizeF(font.pointSizeF() * ARITHMETIC_SCALE)
        self.setFont(font)
