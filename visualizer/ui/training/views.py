"""Dumb views of the training page: they draw what they are given and keep their plot items,
updating them with setData/setImage rather than building new ones."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QLabel, QVBoxLayout, QWidget

from visualizer.ui.training.history import RunHistory

FEATURE_CMAP = "viridis"
KERNEL_CMAP = "CET-D1"  # blue - white - red, for signed weights centred on 0
TRAIN_COLOUR = (31, 119, 180)
VALIDATION_COLOUR = (255, 127, 14)


def lookup_table(name: str) -> np.ndarray:
    return pg.colormap.get(name).getLookupTable(0.0, 1.0, 256, alpha=True)


class CurvePlot(pg.PlotWidget):
    """One metric (loss or accuracy) over epochs: batch values, their moving average, and the
    training and validation values at each epoch's end. Hovering reads the exact values."""

    def __init__(self, metric: str, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.metric = metric
        self.setBackground("w")
        item = self.getPlotItem()
        item.setTitle(title)
        item.setLabel("bottom", "epoch")
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


class MosaicView(pg.GraphicsLayoutWidget):
    """Several layers, each drawn as ONE RGBA image with its title, in a grid of ``columns``.

    The items are built once per set of layer names (a new architecture) and reused after that.
    """

    TITLE_HEIGHT = 40  # pixels a layer's title and margins take above its image
    MIN_ROW_HEIGHT = 200  # even a small mosaic (64 tiny kernels) deserves room to be seen

    def __init__(self, columns: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setBackground("w")
        self.columns = columns
        self._names: tuple[str, ...] = ()
        self._titles: list[pg.LabelItem] = []
        self._images: list[pg.ImageItem] = []
        self._boxes: list[pg.ViewBox] = []

    def _build(self, names: tuple[str, ...]) -> None:
        self.clear()
        self._titles, self._images, self._boxes = [], [], []
        for index, _name in enumerate(names):
            row, column = divmod(index, self.columns)
            cell = self.ci.addLayout(row=row, col=column)
            title = cell.addLabel("", row=0, col=0, color="k", size="9pt")
            box = cell.addViewBox(row=1, col=0, lockAspect=True, invertY=True, enableMenu=False)
            box.setMouseEnabled(x=True, y=True)
            image = pg.ImageItem(axisOrder="row-major")
            box.addItem(image)
            self._titles.append(title)
            self._images.append(image)
            self._boxes.append(box)
        self._names = names

    def show_layers(self, layers: list[tuple[str, str, np.ndarray]]) -> bool:
        """``layers``: (name, title, RGBA uint8 image) for each layer, in order.

        Returns True when the layout changed (other layers, or images of another size).
        """
        names = tuple(name for name, _, _ in layers)
        changed = names != self._names
        if changed:
            self._build(names)
        cells = zip(layers, self._titles, self._images, self._boxes)
        for (_name, title, rgba), label, image, box in cells:
            resized = image.image is None or image.image.shape != rgba.shape
            image.setImage(rgba, autoLevels=False, levels=(0, 255))
            if label.text != title:  # a new text relayouts the whole view: skip when unchanged
                label.setText(title)
            if changed or resized:
                box.autoRange(padding=0.02)
                changed = True
        return changed

    def natural_height(self) -> int:
        """Height at which every row shows its tallest image at least pixel for pixel."""
        height = 0
        for start in range(0, len(self._images), self.columns):
            row = [image.image for image in self._images[start : start + self.columns]]
            tallest = max((image.shape[0] for image in row if image is not None), default=0)
            height += max(tallest, self.MIN_ROW_HEIGHT) + self.TITLE_HEIGHT
        return height

    def stretch_rows_to_images(self) -> None:
        """Share the height between rows in proportion to their images, not equally."""
        layout = self.ci.layout
        for row_index, start in enumerate(range(0, len(self._images), self.columns)):
            row = [image.image for image in self._images[start : start + self.columns]]
            tallest = max((image.shape[0] for image in row if image is not None), default=1)
            layout.setRowStretchFactor(row_index, max(tallest, self.MIN_ROW_HEIGHT) + self.TITLE_HEIGHT)

    def layer_images(self) -> list[np.ndarray]:
        return [image.image for image in self._images]

    def layer_titles(self) -> list[str]:
        return [label.text for label in self._titles]


class ProbeView(QWidget):
    """The probe image, its true label, and the model's current belief as one bar per class."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.image_view = pg.GraphicsLayoutWidget()
        self.image_view.setBackground("w")
        self.image_view.setFixedHeight(150)
        box = self.image_view.addViewBox(lockAspect=True, invertY=True, enableMenu=False)
        box.setMouseEnabled(False, False)
        self.image = pg.ImageItem(axisOrder="row-major")
        box.addItem(self.image)
        self._image_box = box
        layout.addWidget(self.image_view)
        self.caption = QLabel("No image yet: press Train.")
        self.caption.setWordWrap(True)
        self.caption.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.caption)
        self.bars_plot = pg.PlotWidget()
        self.bars_plot.setBackground("w")
        self.bars_plot.setMouseEnabled(False, False)
        self.bars_plot.hideButtons()
        self.bars_plot.setXRange(0, 1, padding=0)
        self.bars_plot.getPlotItem().setLabel("bottom", "probability")
        self.bars = pg.BarGraphItem(x0=np.zeros(10), y=np.arange(10), height=0.7, width=np.zeros(10))
        self.bars_plot.addItem(self.bars)
        self.bars_plot.getPlotItem().invertY(True)
        layout.addWidget(self.bars_plot, 1)
        self._class_names: tuple[str, ...] = ()

    def set_class_names(self, names: tuple[str, ...]) -> None:
        self._class_names = tuple(names)
        ticks = [list(enumerate(self._class_names))]
        self.bars_plot.getPlotItem().getAxis("left").setTicks(ticks)
        self.bars_plot.setYRange(-0.5, len(names) - 0.5, padding=0)

    def show_prediction(self, image: np.ndarray, label: int, probabilities: np.ndarray, title: str) -> None:
        self.image.setImage(1.0 - np.asarray(image, dtype=np.float32), levels=(0.0, 1.0))
        self._image_box.autoRange(padding=0)
        names = self._class_names or tuple(str(i) for i in range(len(probabilities)))
        probabilities = np.asarray(probabilities, dtype=np.float64)
        predicted = int(np.argmax(probabilities))
        colours = ["#9a9a9a"] * len(probabilities)
        colours[predicted] = "#d62728"  # red: the model's choice (green when it is right)
        colours[label] = "#2ca02c"
        self.bars.setOpts(
            x0=np.zeros(len(probabilities)), y=np.arange(len(probabilities)), width=probabilities,
            brushes=colours, pens=colours,
        )
        top = np.argsort(probabilities)[::-1][:3]
        verdict = "right" if predicted == label else "wrong"
        colour = "#2ca02c" if predicted == label else "#d62728"
        guesses = ", ".join(f"{names[i]} {probabilities[i]:.0%}" for i in top)
        self.caption.setText(
            f"<b>{title}</b><br>True: <b>{names[label]}</b><br>"
            f"Model: <span style='color:{colour}'><b>{names[predicted]}</b> ({verdict})</span><br>"
            f"<small>{guesses}</small>"
        )

