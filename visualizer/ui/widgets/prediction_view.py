"""A classifier's belief about one image: one horizontal bar per class, and the same in words."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6.QtWidgets import QWidget

RIGHT_COLOUR = "#2ca02c"  # green: the true class
WRONG_COLOUR = "#d62728"  # red: the model's choice when it is not the true class
OTHER_COLOUR = "#9a9a9a"


def prediction_caption(names: tuple[str, ...], label: int, probabilities: np.ndarray, title: str) -> str:
    """Rich text: the title, the true class, the model's choice (right or wrong), its top three."""
    probabilities = np.asarray(probabilities, dtype=np.float64)
    predicted = int(np.argmax(probabilities))
    top = np.argsort(probabilities)[::-1][:3]
    verdict = "right" if predicted == label else "wrong"
    colour = RIGHT_COLOUR if predicted == label else WRONG_COLOUR
    guesses = ", ".join(f"{names[i]} {probabilities[i]:.0%}" for i in top)
    return (
        f"<b>{title}</b><br>True: <b>{names[label]}</b><br>"
        f"Model: <span style='color:{colour}'><b>{names[predicted]}</b> ({verdict})</span><br>"
        f"<small>{guesses}</small>"
    )


class PredictionView(pg.PlotWidget):
    """Probabilities as bars, one row per class, top to bottom; the true class green, a wrong
    choice red. No mouse interaction: the scale is always 0 to 1."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setBackground("w")
        self.setMouseEnabled(False, False)
        self.hideButtons()
        self.setXRange(0, 1, padding=0)
        self.getPlotItem().setLabel("bottom", "probability")
        self.bars = pg.BarGraphItem(x0=np.zeros(10), y=np.arange(10), height=0.7, width=np.zeros(10))
        self.addItem(self.bars)
        self.getPlotItem().invertY(True)
        self._class_names: tuple[str, ...] = ()

    def set_class_names(self, names: tuple[str, ...]) -> None:
        self._class_names = tuple(names)
        self.getPlotItem().getAxis("left").setTicks([list(enumerate(self._class_names))])
        self.setYRange(-0.5, len(names) - 0.5, padding=0)

    def class_names(self, count: int) -> tuple[str, ...]:
        """The names set, or the class numbers when none are."""
        return self._class_names or tuple(str(i) for i in range(count))

    def set_prediction(self, probabilities: np.ndarray, label: int) -> None:
        count = len(probabilities)
        colours = [OTHER_COLOUR] * count
        colours[int(np.argmax(probabilities))] = WRONG_COLOUR
        colours[label] = RIGHT_COLOUR
        self.bars.setOpts(
            x0=np.zeros(count), y=np.arange(count), width=np.asarray(probabilities, dtype=np.float64),
            brushes=colours, pens=colours,
        )
