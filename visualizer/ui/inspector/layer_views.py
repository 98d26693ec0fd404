"""Parts of the inspector's per-layer display for one image: a dense layer's activations as bars,
one layer's activations as a histogram with its mean and spread, and one feature map enlarged
beside the kernel that made it.

Dumb views: they show the numbers they are given; the page chooses the layer and the map.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from visualizer.ops.trace import format_number
from visualizer.ui.kit import colormaps
from visualizer.ui.kit.grid_view import GridView
from visualizer.ui.kit.mosaic import colourise, grid_shape, tile
from visualizer.ui.kit.plain import label_axes, push_button, wrapping_label
from visualizer.ui.kit.theme import plot_background

POSITIVE_BRUSH = pg.mkBrush("#3b6ea8")
NEGATIVE_BRUSH = pg.mkBrush("#c0504d")
HISTOGRAM_BRUSH = pg.mkBrush("#8aa9cf")
MAX_BINS = 50
MAX_NUMBERED_CHANNELS = 3  # kernels with more input channels are drawn as colours only
MAX_NUMBERED_MAP_SIDE = 12  # feature maps up to this size get their numbers written


def _plot(parent: QWidget) -> pg.PlotWidget:
    plot = pg.PlotWidget(parent, background=plot_background())
    plot.setMenuEnabled(False)
    plot.setMouseEnabled(False, False)
    plot.hideButtons()
    return plot


class _TitledPlot(QWidget):
    """A title in the application's font (so it grows in presentation mode) above a plot."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = wrapping_label()
        self.plot = _plot(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.plot, 1)


class DenseBars(_TitledPlot):
    """A dense layer's activations, one thin vertical bar per unit: positive blue, negative red."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._values = np.zeros(0)
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.8)
        self.plot.addItem(self.bars)
        label_axes(self.plot.getPlotItem(), bottom="unit")
        self.setMinimumHeight(self.fontMetrics().height() * 8)

    def set_activations(self, layer_name: str, values: np.ndarray) -> None:
        self._values = np.asarray(values, dtype=np.float64).ravel()
        units = np.arange(self._values.size)
        brushes = [NEGATIVE_BRUSH if value < 0 else POSITIVE_BRUSH for value in self._values]
        self.bars.setOpts(x=units, height=self._values, width=0.8, brushes=brushes, pens=[None] * units.size)
        self.plot.setXRange(-0.5, max(units.size, 1) - 0.5, padding=0.01)
        low, high = colormaps.range_levels(np.append(self._values, 0.0))
        self.plot.setYRange(low, high, padding=0.05)
        text = f"<b>{layer_name}</b>: {self._values.size} units"
        if self._values.size:
            strongest = int(np.argmax(self._values))
            text += f"; the strongest is unit {strongest} ({format_number(self._values[strongest])})"
        self.title.setText(text)

    def values(self) -> np.ndarray:
        return self._values.copy()


def activation_summary(values: np.ndarray) -> str:
    """Count, mean, standard deviation and the share of exact zeros (ReLU's silence), in words."""
    values = np.asarray(values, dtype=np.float64)
    values = values[np.isfinite(values)]
    if not values.size:
        return "no values"
    zeros = np.count_nonzero(values == 0) / values.size
    return (
        f"{values.size:,} values: mean {format_number(np.mean(values), 4)}, "
        f"standard deviation {format_number(np.std(values), 4)}; {zeros:.0%} exactly 0"
    )


class LayerHistogram(_TitledPlot):
    """How one layer's activations are spread: a histogram, the mean as a line and one standard
    deviation either side shaded, and the numbers written out."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bars = pg.BarGraphItem(x0=[], x1=[], height=[], brush=HISTOGRAM_BRUSH, pen=pg.mkPen("#5a7fae"))
        self.spread = pg.LinearRegionItem(movable=False, brush=pg.mkBrush(255, 170, 0, 50), pen=pg.mkPen(None))
        self.mean_line = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen("#d95f02", width=2))
        for item in (self.spread, self.bars, self.mean_line):
            self.plot.addItem(item)
        label_axes(self.plot.getPlotItem(), left="count", bottom="activation")
        self.summary = QLabel()
        self.layout().addWidget(self.summary)
        self.setMinimumHeight(self.fontMetrics().height() * 10)

    def set_activations(self, layer_name: str, values: np.ndarray) -> None:
        values = np.asarray(values, dtype=np.float64).ravel()
        values = values[np.isfinite(values)]
        self.title.setText(f"<b>{layer_name}</b>: how its activations are spread")
        self.summary.setText(activation_summary(values))
        if not values.size:
            self.bars.setOpts(x0=[], x1=[], height=[])
            return
        bins = int(np.clip(np.sqrt(values.size), 5, MAX_BINS))
        counts, edges = np.histogram(values, bins=bins)
        self.bars.setOpts(x0=edges[:-1], x1=edges[1:], height=counts)
        mean, spread = float(np.mean(values)), float(np.std(values))
        self.mean_line.setValue(mean)
        self.spread.setRegion((mean - spread, mean + spread))
        self.plot.setXRange(edges[0], edges[-1], padding=0.02)
        self.plot.setYRange(0, counts.max(), padding=0.05)

    def summary_text(self) -> str:
        return self.summary.text()


class FeatureMapDetail(QWidget):
    """One feature map enlarged, with the kernel that made it beside it (weights written out for
    small kernels) and its bias; "Step through this" asks for the convolution page on it."""

    stepThroughRequested = pyqtSignal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = wrapping_label()
        self.map_view = GridView()
        self.kernel_views: list[GridView] = []
        self.kernel_note = wrapping_label()
        self.step_button = push_button(
            "Step through this",
            "Open the Convolution page on this image with this learned kernel",
            self.stepThroughRequested,
        )
        # The enlarged map must never be squeezed away by the text: it is what was clicked.
        self.map_view.setMinimumSize(self.fontMetrics().height() * 10, self.fontMetrics().height() * 10)
        self._kernel_row = QHBoxLayout()
        kernel_column = QVBoxLayout()
        kernel_column.addWidget(wrapping_label("<b>Its kernel</b>"))
        kernel_column.addLayout(self._kernel_row, 1)
        body = QHBoxLayout()
        body.addWidget(self.map_view, 3)
        body.addLayout(kernel_column, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(body, 1)
        layout.addWidget(self.kernel_note)
        layout.addWidget(self.step_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.step_button.setEnabled(False)

    def show_map(
        self,
        feature_map: np.ndarray,
        kernel: np.ndarray | None,
        bias: float | None,
        layer_name: str,
        channel: int,
        activation: str | None = None,
    ) -> None:
        """Show ``feature_map`` (H, W) of ``layer_name``'s channel ``channel`` and the kernel
        (kh, kw, C_in) with its ``bias`` (None for a layer without weights, e.g. pooling) and the
        name of the layer's own ``activation`` (Keras's, e.g. "relu"; "linear" or None for none)."""
        values = np.asarray(feature_map, dtype=np.float64)
        self.title.setText(f"<b>{layer_name}</b>, feature map {channel} ({values.shape[0]}x{values.shape[1]})")
        cmap = colormaps.DIVERGING if colormaps.is_signed(values) else colormaps.SEQUENTIAL
        self.map_view.set_data(values, cmap=cmap, show_values=max(values.shape) <= MAX_NUMBERED_MAP_SIDE)
        self._show_kernel(kernel, bias, activation)
        self.step_button.setEnabled(kernel is not None)

    def set_step_through_enabled(self, enabled: bool) -> None:
        """The page allows stepping through only where the Convolution page can repeat the map."""
        self.step_button.setEnabled(enabled)

    def _show_kernel(self, kernel: np.ndarray | None, bias: float | None, activation: str | None) -> None:
        for view in self.kernel_views:
            self._kernel_row.removeWidget(view)
            view.deleteLater()
        self.kernel_views = []
        if kernel is None:
            self.kernel_note.setText("This layer has no weights: each value comes from a window of the layer below.")
            return
        kernel = np.asarray(kernel, dtype=np.float64)
        if kernel.ndim == 2:
            kernel = kernel[..., None]
        rows, cols, channels = kernel.shape
        levels = colormaps.symmetric_levels(kernel)
        if channels <= MAX_NUMBERED_CHANNELS:
            for index in range(channels):
                view = self._add_kernel_view(f"input channel {index}" if channels > 1 else "")
                view.set_data(kernel[..., index], cmap=colormaps.DIVERGING, levels=levels)
        else:
            tiles = tile(np.moveaxis(kernel, -1, 0), *grid_shape(channels))
            rgb = colourise((tiles - levels[0]) / (levels[1] - levels[0]), colormaps.rgba_lookup_table(colormaps.DIVERGING))
            view = self._add_kernel_view(f"{channels} channels")
            view.set_data(np.nan_to_num(tiles), rgb=rgb[..., :3], show_values=False)
        bias_text = "" if bias is None else f" + the bias {format_number(bias, 4)}"
        window = f"a {rows}x{cols} window of the input"
        if channels > 1:
            window = f"a {rows}x{cols} window of each of the {channels} input channels (one tile each)"
        then = (
            "; the layer has no activation of its own" if activation in (None, "", "linear")
            else f"; then the layer's activation, {activation}"
        )
        self.kernel_note.setText(
            f"Each value of the map = the sum, over {window}, of input x weight{bias_text}{then}. "
            "Blue: negative weights, red: positive."
        )

    def _add_kernel_view(self, caption: str) -> GridView:
        view = GridView(max_cell_em=4.5)
        view.setMinimumWidth(self.fontMetrics().height() * 6)  # room for three written weights
        view.set_caption(caption)
        self._kernel_row.addWidget(view)
        self.kernel_views.append(view)
        return view
