"""Class probabilities as horizontal bars, the most likely class in bold and in red."""

from __future__ import annotations

import numpy as np
from PyQt6.QtCore import QRectF, QSize, Qt
from PyQt6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPaintEvent
from PyQt6.QtWidgets import QSizePolicy, QWidget

BAR_COLOUR = QColor(67, 147, 195)
BEST_BAR_COLOUR = QColor(178, 24, 43)


class ProbabilityBars(QWidget):
    """Horizontal bars, one per class, labelled with the class name and the value."""

    def __init__(self, labels: tuple[str, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._labels = labels
        self._values = np.zeros(len(labels))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumHeight(self.fontMetrics().height() * len(labels))

    def set_values(self, values: np.ndarray) -> None:
        """One probability in [0, 1] per label."""
        self._values = np.asarray(values, float)
        self.update()

    def values(self) -> np.ndarray:
        return self._values.copy()

    def sizeHint(self) -> QSize:
        return QSize(360, int(self.fontMetrics().height() * 1.5 * len(self._labels)))

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        bold = QFont(self.font())
        bold.setBold(True)
        metrics = QFontMetrics(bold)  # the widest a label can be is in bold
        name_width = max(metrics.horizontalAdvance(label) for label in self._labels) + 10
        value_width = metrics.horizontalAdvance("100.0%") + 8
        row_height = self.height() / len(self._labels)
        bar_space = max(10.0, self.width() - name_width - value_width)
        best = int(np.argmax(self._values)) if self._values.size else -1
        for index, (label, value) in enumerate(zip(self._labels, self._values)):
            top = index * row_height
            painter.setFont(bold if index == best else self.font())
            painter.setPen(self.palette().windowText().color())
            text_rect = QRectF(0, top, name_width - 8, row_height)
            painter.drawText(text_rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, label)
            bar = QRectF(name_width, top + row_height * 0.15, bar_space * float(value), row_height * 0.7)
            painter.fillRect(bar, BEST_BAR_COLOUR if index == best else BAR_COLOUR)
            painter.drawText(
                QRectF(name_width + bar.width() + 4, top, value_width, row_height),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                f"{value * 100:.1f}%",
            )
        painter.end()
