"""One picture through the model: what the model sees, its belief as bars with the top three in
words, and every conv and pooling layer's feature maps."""

from __future__ import annotations

import numpy as np
from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from superqt.utils import signals_blocked

from visualizer.inspection.protocol import Explained, KernelInfo, LayerOutput
from visualizer.ui.inspector.layer_views import DenseBars, FeatureMapDetail, LayerHistogram
from visualizer.ui.kit import colormaps
from visualizer.ui.kit.compact import fitting_combo
from visualizer.ui.kit.mosaic import coloured_feature_maps
from visualizer.ui.kit.mosaic_view import MosaicView
from visualizer.ui.kit.plain import scroll_area, wrapping_label
from visualizer.ui.kit.probability_bars import ProbabilityBars, prediction_caption
from visualizer.ui.kit.probe_view import ProbeImageView
from visualizer.ui.quiz.prediction_quiz import PredictionQuiz, picture_identity

MAPS_ROW_HEIGHT = 230
MAX_STEP_KERNEL = 7  # the largest kernel the Convolution page steps through
# One convention for grey pictures across the app: Fashion-MNIST's garments are bright on black in
# the data, and the seed notebook, the training page and the test set's gallery all draw them as
# dark ink on white paper; so does this tab, and says so here. Photographs are shown as they are.
PICTURE_TIP = (
    "The picture as the model sees it: resized to its input and in its colours. A photograph is shown "
    "as it is. A grey picture from data that is light on dark (Fashion-MNIST's garments, bright on "
    "black) is drawn as dark ink on white paper, as everywhere in this app: dark where the model's "
    "input is high, white where it is low."
)
MAPS_CAPTION = (
    "Every conv and pooling layer's maps for this picture, one tile per channel, each scaled to its own "
    "range (viridis: dark = low, yellow = high). Click a map to enlarge it beside its kernel; drag to "
    "pan, wheel to zoom."
)


def spatial_maps(layer: LayerOutput, channels_first: bool) -> np.ndarray | None:
    """(H, W, C) maps of a conv or pooling layer, or None for a layer without a spatial map."""
    values = layer.values
    if values.ndim != 3:
        return None
    return np.moveaxis(values, 0, -1) if channels_first else values


class LayerDetail(QWidget):
    """One layer of the picture's pass, chosen from a list: a conv or pooling map enlarged beside
    its kernel, or a dense layer's units as bars, and the layer's histogram."""

    stepThroughRequested = pyqtSignal(str, int)  # the conv layer and the channel shown

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layer_choice = fitting_combo()
        self.layer_choice.setToolTip("Which layer to look at closely")
        self.layer_choice.currentIndexChanged.connect(self._on_layer_choice_changed)
        self.channel = QSpinBox()
        self.channel.setPrefix("map ")
        self.channel.setToolTip("Which of the layer's feature maps (channels) to enlarge")
        self.channel.setKeyboardTracking(False)
        self.channel.valueChanged.connect(self._redraw)
        self.map_detail = FeatureMapDetail()
        self.map_detail.stepThroughRequested.connect(
            lambda: self.stepThroughRequested.emit(self.layer_choice.currentText(), self.channel.value())
        )
        self.dense_bars = DenseBars()
        self.histogram = LayerHistogram()
        self.views = QStackedWidget()
        self.views.addWidget(self.map_detail)
        self.views.addWidget(self.dense_bars)
        top = QHBoxLayout()
        top.addWidget(QLabel("Layer"))
        top.addWidget(self.layer_choice, 1)
        top.addWidget(self.channel)
        body = QSplitter(Qt.Orientation.Vertical)
        body.addWidget(self.views)
        body.addWidget(self.histogram)
        body.setSizes([330, 200])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(body, 1)
        self._layers: dict[str, LayerOutput] = {}
        self._kernels: dict[str, KernelInfo] = {}
        self._channels_first = False
        self._steppable_layer: str | None = None

    def show_layers(self, layers: tuple[LayerOutput, ...], kernels: tuple[KernelInfo, ...],
                    channels_first: bool) -> None:
        self._layers = {layer.label: layer for layer in layers}
        self._kernels = {kernel.layer: kernel for kernel in kernels}
        self._channels_first = channels_first
        first = kernels[0] if kernels else None
        # Only the first conv layer sees the picture itself, and the Convolution page takes one channel.
        steppable = first is not None and first.kernel.shape[2] == 1 and max(first.kernel.shape[:2]) <= MAX_STEP_KERNEL
        self._steppable_layer = first.layer if steppable else None
        labels = list(self._layers)
        if [self.layer_choice.itemText(i) for i in range(self.layer_choice.count())] != labels:
            chosen = self.layer_choice.currentText()
            with signals_blocked(self.layer_choice):
                self.layer_choice.clear()
                self.layer_choice.addItems(labels)
                self.layer_choice.setCurrentIndex(max(0, labels.index(chosen) if chosen in labels else 0))
        self._redraw()

    def choose_layer(self, label: str, channel: int | None = None) -> None:
        index = self.layer_choice.findText(label)
        if index < 0:
            return
        with signals_blocked(self.layer_choice, self.channel):
            self.layer_choice.setCurrentIndex(index)
            if channel is not None:
                self.channel.setMaximum(max(self.channel.maximum(), channel))
                self.channel.setValue(channel)
        self._redraw()

    def _on_layer_choice_changed(self, _index: int) -> None:
        self._redraw()

    def _redraw(self) -> None:
        layer = self._layers.get(self.layer_choice.currentText())
        if layer is None:
            return
        self.histogram.set_activations(layer.label, layer.values)
        maps = spatial_maps(layer, self._channels_first)
        self.channel.setVisible(maps is not None)
        if maps is None:
            self.dense_bars.set_activations(layer.label, layer.values.reshape(-1))
            self.views.setCurrentWidget(self.dense_bars)
            return
        with signals_blocked(self.channel):
            self.channel.setRange(0, maps.shape[-1] - 1)
        channel = self.channel.value()
        info = self._kernels.get(layer.label)
        kernel = None if info is None else info.kernel[:, :, :, channel]
        bias = None if info is None or info.bias is None else float(info.bias[channel])
        activation = None if info is None else info.activation
        self.map_detail.show_map(maps[:, :, channel], kernel, bias, layer.label, channel, activation)
        self.map_detail.set_step_through_enabled(layer.label == self._steppable_layer)
        self.views.setCurrentWidget(self.map_detail)


class ImageTab(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.image_view = ProbeImageView()
        self.image_view.setFixedHeight(170)
        self.image_view.setToolTip(PICTURE_TIP)
        self.caption = wrapping_label("Open a model and choose a picture.")
        self.caption.setTextFormat(Qt.TextFormat.RichText)
        self.bars = ProbabilityBars()
        left = QVBoxLayout()
        left.addWidget(self.image_view)
        left.addWidget(self.caption)
        left.addWidget(self.bars, 1)
        self.quiz = PredictionQuiz(self, hidden=[self.bars, self.caption])
        left.addWidget(self.quiz.panel)
        left_widget = QWidget()
        left_widget.setLayout(left)
        left_widget.setFixedWidth(260)

        self.maps_caption = wrapping_label(MAPS_CAPTION)
        self.maps_view = MosaicView(columns=2)
        self.layer_detail = LayerDetail()
        self.maps_view.tileClicked.connect(self._on_maps_view_tile_clicked)
        maps = QWidget()
        maps_layout = QVBoxLayout(maps)
        maps_layout.setContentsMargins(0, 0, 0, 0)
        maps_layout.addWidget(self.maps_caption)
        maps_layout.addWidget(scroll_area(self.maps_view), 1)
        self.views = QTabWidget()
        self.views.addTab(maps, "All feature maps")
        self.views.addTab(self.layer_detail, "One layer")
        self.views.setTabToolTip(1, "One layer up close: a map beside its kernel, or a dense layer's units, and a histogram")
        right = self.views
        layout = QHBoxLayout(self)
        layout.addWidget(left_widget)
        layout.addWidget(right, 1)

    def show_explanation(self, explained: Explained, title: str, true_label: int | None,
                         class_names: tuple[str, ...], kernels: tuple[KernelInfo, ...],
                         channels_first: bool, light_on_dark: bool = False) -> None:
        shown = explained.shown
        if shown.ndim == 2 and light_on_dark:
            self.image_view.set_image(shown)  # ink on paper, as PICTURE_TIP says
        else:
            self.image_view.set_picture(shown)
        self.bars.set_class_names(class_names)
        self.bars.set_values(explained.probabilities, true_label)
        self.caption.setText(prediction_caption(class_names, true_label, explained.probabilities, title))
        identity = picture_identity(title, true_label, shown)
        self.quiz.picture_shown(class_names, explained.probabilities, true_label, identity)
        self._show_maps(explained.layers, channels_first)
        self.layer_detail.show_layers(explained.layers, kernels, channels_first)

    def show_map(self, layer: str, channel: int | None) -> None:
        """Enlarge one feature map beside its kernel (the One layer sub-tab)."""
        self.layer_detail.choose_layer(layer, channel)
        self.views.setCurrentWidget(self.layer_detail)

    def _on_maps_view_tile_clicked(self, layer: str, channel: int) -> None:
        self.show_map(layer, channel)

    def _show_maps(self, layers: tuple[LayerOutput, ...], channels_first: bool) -> None:
        lut = colormaps.rgba_lookup_table(colormaps.SEQUENTIAL)
        shown, tiles = [], []
        for layer in layers:
            maps = spatial_maps(layer, channels_first)
            if maps is None:
                continue
            height, width, channels = maps.shape
            image = coloured_feature_maps(maps, lut)
            shown.append((layer.label, f"{layer.label}  {height}×{width}×{channels}", image))
            tiles.append((channels, height, width))
        rows = (len(shown) + self.maps_view.columns - 1) // self.maps_view.columns
        self.maps_view.setMinimumHeight(max(1, rows) * MAPS_ROW_HEIGHT)
        self.maps_view.show_layers(shown, tiles)
