"""A classifier's belief about one image: one horizontal bar per class, labelled with the class
name and the probability, and the same in words for a caption.

The colours are the seed notebook's (`plot_value_array`): grey bars, the model's choice red, the
true class blue; a right choice is therefore blue. With no true class known, the choice is red.
"""

from __future__ import annotations

import numpy as np
from PyQt6.QtCore import QRectF, QSize, Qt
from PyQt6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPaintEvent
from PyQt6.QtWidgets import QSizePolicy, QWidget

from visualizer.ui.kit.theme import readable_text_colour

OTHER_COLOUR = QColor("#777777")
CHOSEN_COLOUR = QColor("red")  # the model's choice
TRUE_COLOUR = QColor("blue")  # the true class (so a right choice is blue)


def prediction_caption(names: tuple[str, ...], label: int | None, probabilities: np.ndarray, title: str) -> str:
    """Rich text: the title, the true class, the model's choice (right or wrong), its top three;
    with no true class (a picture of the user's), the model's choice alone."""
    probabilities = np.asarray(probabilities, dtype=np.float64)
    predicted = int(np.argmax(probabilities))
    top = np.argsort(probabilities)[::-1][:3]
    guesses = ", ".join(f"{names[i]} {probabilities[i]:.0%}" for i in top)
    if label is None:
        return f"<b>{title}</b><br>Model: <b>{names[predicted]}</b><br><small>{guesses}</small>"
    verdict = "right" if predicted == label else "wrong"
    colour = readable_text_colour(TRUE_COLOUR if predicted == label else CHOSEN_COLOUR).name()
    return (
        f"<b>{title}</b><br>True: <b>{names[label]}</b><br>"
        f"Model: <span style='color:{colour}'><b>{names[predicted]}</b> ({verdict})</span><br>"
        f"<small>{guesses}</small>"
    )


class ProbabilityBars(QWidget):
    """Horizontal bars, one per class, top to bottom, on a fixed 0-100 % scale."""

    def __init__(self, labels: tuple[str, ...] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._labels: tuple[str, ...] = ()
        self._values = np.zeros(0)
        self._true_label: int | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.set_class_names(labels)

    def set_class_names(self, names: tuple[str, ...]) -> None:
        self._labels = tuple(names)
        if self._values.size != len(self._labels):
            self._values = np.zeros(len(self._labels))
        self.setMinimumHeight(self.fontMetrics().height() * max(1, len(self._labels)))
        self.updateGeometry()
        self.update()

    def class_names(self, count: int) -> tuple[str, ...]:
        """The names set, or the class numbers when none are."""
        return self._labels if len(self._labels) == count else tuple(str(i) for i in range(count))

    def set_values(self, values: np.ndarray, true_label: int | None = None) -> None:
        """One probability in [0, 1] per class, and the true class when it is known."""
        self._values = np.asarray(values, float)
        if len(self._labels) != self._values.size:
            self._labels = self.class_names(self._values.size)
        self._true_label = true_label
        self.update()

    def values(self) -> np.ndarray:
        return self._values.copy()

    def chosen(self) -> int | None:
        """The class drawn as the choice (in bold): the likeliest, or None while every bar is empty
        (nothing has been asked of the model yet, so nothing is chosen)."""
        if not self._values.size or not np.any(self._values > 0):
            return None
        return int(np.argmax(self._values))

    def bar_colours(self) -> list[QColor]:
        """Each bar's colour, top to bottom."""
        colours = [OTHER_COLOUR] * self._values.size
        if (best := self.chosen()) is not None:
            colours[best] = CHOSEN_COLOUR
            if self._true_label is not None:
                colours[self._true_label] = TRUE_COLOUR
        return colours

    def sizeHint(self) -> QSize:
        return QSize(360, int(self.fontMetrics().height() * 1.5 * max(1, len(self._labels))))

    def paintEvent(self, _event: QPaintEvent) -> None:
        if not self._labels:
            return
        painter = QPainter(self)
        bold = QFont(self.font())
        bold.setBold(True)
        metrics = QFontMetrics(bold)  # the widest a label can be is in bold
        name_width = max(metrics.horizontalAdvance(label) for label in self._labels) + 10
        value_width = metrics.horizontalAdvance("100.0%") + 8
        row_height = self.height() / len(self._labels)
        bar_space = max(10.0, self.width() - name_width - value_width)
        best = self.chosen()
        for index, (label, value, colour) in enumerate(zip(self._labels, self._values, self.bar_colours())):
            top = index * row_height
            painter.setFont(bold if index == best else self.font())
            painter.setPen(self.palette().windowText().color())
            text_rect = QRectF(0, top, name_width - 8, row_height)
            painter.drawText(text_rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, label)
            bar = QRectF(name_width, top + row_height * 0.15, bar_space * float(value), row_height * 0.7)
            painter.fillRect(bar, colour)
            painter.drawText(
                QRectF(name_width + bar.width() + 4, top, value_width, row_height),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                f"{value * 100:.1f}%",
            )
        painter.end()
