"""The Curves tab: loss and accuracy, batch by batch and epoch by epoch, and their exports.

The plots keep their items and update them with setData rather than building new ones.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import QHBoxLayout, QLabel, QSplitter, QVBoxLayout, QWidget

from visualizer.training.history import RunHistory
from visualizer.ui.kit.plain import label_axes, push_button
from visualizer.ui.kit.theme import plot_background

TRAIN_COLOUR = (31, 119, 180)
VALIDATION_COLOUR = (255, 127, 14)


class CurvePlot(pg.PlotWidget):
    """One metric (loss or accuracy) over epochs: batch values, their moving average, and the
    training and validation values at each epoch's end. Hovering reads the exact values."""

    def __init__(self, metric: str, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.metric = metric
        self.setBackground(plot_background())
        item = self.getPlotItem()
        item.setTitle(title)
        # Fractions of an epoch are epochs done: 0.25 is a quarter of the way through the first.
        label_axes(item, bottom="epochs done")
        # No grid: its translucent lines cost more than the curves to paint (about 3 of 6 ms per
        # frame), and hovering reads exact values anyway.
        item.addLegend(offset=(-10, 10) if metric == "loss" else (-10, -10))
        faint = pg.mkPen(color=TRAIN_COLOUR + (70,), width=1)
        self.batch_curve = item.plot(pen=faint, name="batches")
        self.smooth_curve = item.plot(pen=pg.mkPen(TRAIN_COLOUR, width=2), name="batches, smoothed")
        self.epoch_curve = item.plot(
            pen=pg.mkPen(TRAIN_COLOUR, width=1, style=Qt.PenStyle.DashLine),
            symbol="o", symbolBrush=TRAIN_COLOUR, symbolSize=8, name="train (epoch mean)",
        )
        self.validation_curve = item.plot(
            pen=pg.mkPen(VALIDATION_COLOUR, width=2),
            symbol="s", symbolBrush=VALIDATION_COLOUR, symbolSize=8, name="validation (end of epoch)",
        )
        self.epoch_curve.scatter.opts["hoverable"] = True
        self.validation_curve.scatter.opts["hoverable"] = True
        for curve, what in ((self.epoch_curve, "train"), (self.validation_curve, "validation")):
            curve.scatter.opts["tip"] = self._tip_for(what)
        self._cursor = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen((120, 120, 120), width=1))
        self._readout = pg.TextItem(color=(30, 30, 30), fill=pg.mkBrush(255, 255, 255, 220), anchor=(0, 1))
        for overlay in (self._cursor, self._readout):
            overlay.setVisible(False)
            item.addItem(overlay, ignoreBounds=True)
        self._history: RunHistory | None = None
        self.scene().sigMouseMoved.connect(self._on_scene_mouse_moved)

    def _tip_for(self, what: str):
        metric = self.metric
        return lambda x, y, data: f"epoch {x:.0f}, {what} {metric}: {y:.4f}"

    def clear_data(self) -> None:
        for curve in (self.batch_curve, self.smooth_curve, self.epoch_curve, self.validation_curve):
            curve.setData([], [])
        self._history = None
        self._cursor.setVisible(False)
        self._readout.setVisible(False)

    def show_history(self, history: RunHistory, epochs: int) -> None:
        self._history = history
        x = history.batch("x")
        self.batch_curve.setData(x, history.batch(self.metric))
        self.smooth_curve.setData(x, history.batch("smooth_" + self.metric))
        epoch_x = history.epoch_column("epoch")
        self.epoch_curve.setData(epoch_x, history.epoch_column(self.metric))
        self.validation_curve.setData(epoch_x, history.epoch_column("val_" + self.metric))
        axis = self.getPlotItem().getAxis("bottom")
        axis.setTickSpacing(1, 0.5) if epochs <= 20 else axis.setTickSpacing()

    def _on_scene_mouse_moved(self, position) -> None:
        item = self.getPlotItem()
        history = self._history
        if history is None or not history.batch_count or not item.sceneBoundingRect().contains(position):
            self._cursor.setVisible(False)
            self._readout.setVisible(False)
            return
        x = item.vb.mapSceneToView(position).x()
        xs = history.batch("x")
        index = int(np.clip(np.searchsorted(xs, x), 0, len(xs) - 1))
        if index > 0 and abs(xs[index - 1] - x) < abs(xs[index] - x):
            index -= 1
        self.set_readout(index)

    def set_readout(self, index: int) -> None:
        """Show the crosshair and exact values at batch point ``index``."""
        history = self._history
        x = history.batch("x")[index]
        value = history.batch(self.metric)[index]
        smooth = history.batch("smooth_" + self.metric)[index]
        self._cursor.setPos(x)
        self._readout.setText(f"epoch {x:.3f}\n{self.metric} {value:.4f}\nsmoothed {smooth:.4f}")
        self._readout.setPos(x, smooth)
        self._cursor.setVisible(True)
        self._readout.setVisible(True)

    def readout_text(self) -> str:
        return self._readout.toPlainText() if self._readout.isVisible() else ""


class CurvesTab(QWidget):
    """The loss and accuracy plots side by side. Emits ``savePngRequested(plot, file name)`` and
    ``exportCsvRequested`` for the page to ask where."""

    savePngRequested = pyqtSignal(QWidget, str)
    exportCsvRequested = pyqtSignal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.loss_plot = CurvePlot("loss", "Loss (lower is better)")
        self.accuracy_plot = CurvePlot("accuracy", "Accuracy (higher is better)")
        self.accuracy_plot.setYRange(0, 1)
        plots = QSplitter(Qt.Orientation.Horizontal)
        plots.addWidget(self.loss_plot)
        plots.addWidget(self.accuracy_plot)
        # Short labels and a hint that wraps: in presentation mode this row must still fit a
        # 1280-pixel projector beside the settings column.
        hint = QLabel("Hover a curve to read its values.")
        hint.setWordWrap(True)
        self.export_csv_button = push_button(
            "Curves as CSV…", "Export every batch and epoch value of this run as a CSV file",
            self.exportCsvRequested.emit,
        )
        buttons = QHBoxLayout()
        buttons.addWidget(hint, 1)
        buttons.addWidget(self.export_csv_button)
        buttons.addWidget(push_button(
            "Loss plot as PNG…", "Save the loss plot as an image",
            lambda: self.savePngRequested.emit(self.loss_plot, "loss.png"),
        ))
        buttons.addWidget(push_button(
            "Accuracy plot as PNG…", "Save the accuracy plot as an image",
            lambda: self.savePngRequested.emit(self.accuracy_plot, "accuracy.png"),
        ))
        layout = QVBoxLayout(self)
        layout.addWidget(plots, 1)
        layout.addLayout(buttons)

    def clear(self) -> None:
        for plot in (self.loss_plot, self.accuracy_plot):
            plot.clear_data()

    def show_history(self, history: RunHistory, epochs: int) -> None:
        for plot in (self.loss_plot, self.accuracy_plot):
            plot.show_history(history, epochs)
