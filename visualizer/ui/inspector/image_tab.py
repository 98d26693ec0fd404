"""One picture through the model: what the model sees, its belief as bars with the top three in
words, and every conv and pooling layer's feature maps."""

from __future__ import annotations

import numpy as np
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from visualizer.inspection.server import Explained, LayerOutput
from visualizer.ui.widgets import colormaps
from visualizer.ui.widgets.mosaic import colourise, feature_map_mosaic
from visualizer.ui.widgets.mosaic_view import MosaicView
from visualizer.ui.widgets.plain import scroll_area, wrapping_label
from visualizer.ui.widgets.probability_bars import ProbabilityBars, prediction_caption
from visualizer.ui.widgets.probe_view import ProbeImageView

MAPS_ROW_HEIGHT = 230
MAPS_CAPTION = (
    "Every conv and pooling layer's maps for this picture, one tile per channel, each scaled to its own "
    "range (viridis: dark = low, yellow = high). Drag to pan, wheel to zoom."
)


def spatial_maps(layer: LayerOutput, channels_first: bool) -> np.ndarray | None:
    """(H, W, C) maps of a conv or pooling layer, or None for a layer without a spatial map."""
    values = layer.values
    if values.ndim != 3:
        return None
    return np.moveaxis(values, 0, -1) if channels_first else values


class ImageTab(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.image_view = ProbeImageView()
        self.image_view.setFixedHeight(170)
        self.image_view.setToolTip("The picture exactly as the model sees it: resized, in its colours")
        self.caption = wrapping_label("Open a model and choose a picture.")
        self.caption.setTextFormat(Qt.TextFormat.RichText)
        self.bars = ProbabilityBars()
        left = QVBoxLayout()
        left.addWidget(self.image_view)
        left.addWidget(self.caption)
        left.addWidget(self.bars, 1)
        left_widget = QWidget()
        left_widget.setLayout(left)
        left_widget.setFixedWidth(260)

        self.maps_caption = wrapping_label(MAPS_CAPTION)
        self.maps_view = MosaicView(columns=2)
        right = QVBoxLayout()
        right.addWidget(self.maps_caption)
        right.addWidget(scroll_area(self.maps_view), 1)
        layout = QHBoxLayout(self)
        layout.addWidget(left_widget)
        layout.addLayout(right, 1)

    def show_explanation(self, explained: Explained, title: str, true_label: int | None,
                         class_names: tuple[str, ...], channels_first: bool) -> None:
        shown = explained.shown
        self.image_view.set_picture(shown)
        self.bars.set_class_names(class_names)
        self.bars.set_values(explained.probabilities, true_label)
        if true_label is None:
            top = np.argsort(explained.probabilities)[::-1][:3]
            guesses = ", ".join(f"{class_names[i]} {explained.probabilities[i]:.0%}" for i in top)
            self.caption.setText(f"<b>{title}</b><br>Model: <b>{class_names[top[0]]}</b><br><small>{guesses}</small>")
        else:
            self.caption.setText(prediction_caption(class_names, true_label, explained.probabilities, title))
        self._show_maps(explained.layers, channels_first)

    def _show_maps(self, layers: tuple[LayerOutput, ...], channels_first: bool) -> None:
        lut = colormaps.rgba_lookup_table(colormaps.SEQUENTIAL)
        shown = []
        for layer in layers:
            maps = spatial_maps(layer, channels_first)
            if maps is None:
                continue
            height, width, channels = maps.shape
            image = colourise(feature_map_mosaic(maps), lut)
            shown.append((layer.label, f"{layer.label}  {height}×{width}×{channels}", image))
        rows = (len(shown) + self.maps_view.columns - 1) // self.maps_view.columns
        self.maps_view.setMinimumHeight(max(1, rows) * MAPS_ROW_HEIGHT)
        self.maps_view.show_layers(shown)
