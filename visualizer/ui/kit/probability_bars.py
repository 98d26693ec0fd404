"""A classifier's belief about one image: one horizontal bar per class, labelled with the class
name and the probability, and the same in words for a caption.

The colours are the seed notebook's (`plot_value_array`): grey bars, the model's choice red, the
true class blue; a right choice is therefore blue. With no true class known, the choice is red.
"""

from __future__ import annotations

import numpy as np
from PyQt6.QtCore import QEvent, QPointF, QRectF, QSize, Qt
from PyQt6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPaintEvent, QStaticText
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
        self._texts: dict[tuple[str, bool], QStaticText] = {}
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

    def _static_text(self, text: str, bold: bool) -> QStaticText:
        """``text`` laid out once: the bars are drawn 20-25 times a second while a run trains, and
        laying out their 20 texts again each time was most of their cost. The values' texts are
        at most 1,001 ("0.0%" to "100.0%"), so the cache stays small."""
        key = (text, bold)
        static = self._texts.get(key)
        if static is None:
            if len(self._texts) > 4096:  # values outside [0, 1] would make new texts without end
                self._texts.clear()
            static = QStaticText(text)
            static.setTextFormat(Qt.TextFormat.PlainText)
            static.prepare(font=self._bold_font() if bold else self.font())
            self._texts[key] = static
        return static

    def _bold_font(self) -> QFont:
        bold = QFont(self.font())
        bold.setBold(True)
        return bold

    def changeEvent(self, event) -> None:
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._texts.clear()
        super().changeEvent(event)

    def paintEvent(self, _event: QPaintEvent) -> None:
        if not self._labels:
            return
        painter = QPainter(self)
        bold = self._bold_font()
        metrics = QFontMetrics(bold)  # the widest a label can be is in bold
        name_width = max(metrics.horizontalAdvance(label) for label in self._labels) + 10
        value_width = metrics.horizontalAdvance("100.0%") + 8
        row_height = self.height() / len(self._labels)
        text_top = (row_height - metrics.height()) / 2  # each text centred in its row
        bar_space = max(10.0, self.width() - name_width - value_width)
        best = self.chosen()
        painter.setPen(self.palette().windowText().color())
        for index, (label, value, colour) in enumerate(zip(self._labels, self._values, self.bar_colours())):
            top = index * row_height
            is_best = index == best
            painter.setFont(bold if is_best else self.font())
            name = self._static_text(label, is_best)
            painter.drawStaticText(QPointF(name_width - 8 - name.size().width(), top + text_top), name)
            bar = QRectF(name_width, top + row_height * 0.15, bar_space * float(value), row_height * 0.7)
            painter.fillRect(bar, colour)
            painter.drawStaticText(
                QPointF(name_width + bar.width() + 4, top + text_top), self._static_text(f"{value * 100:.1f}%", is_best)
            )
        painter.end()
