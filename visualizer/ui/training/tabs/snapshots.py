"""The Feature maps and Kernels tabs: each draws one probe snapshot when the page asks.

Colours follow colormaps.py, as on the concept pages: viridis for activations, the blue-white-red
diverging map for signed weights.
"""

from __future__ import annotations

import numpy as np
from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import QHBoxLayout, QMenu, QPushButton, QToolButton, QVBoxLayout, QWidget

from visualizer.training.events import ProbeSnapshot
from visualizer.ui.kit import colormaps
from visualizer.ui.kit.mosaic import colour_kernel_mosaic, coloured_feature_maps, colourise, kernel_mosaic
from visualizer.ui.kit.mosaic_view import MosaicView
from visualizer.ui.kit.plain import LiveCaption, LiveLine, push_button, scroll_area, wrapping_label
from visualizer.ui.kit.probability_bars import ProbabilityBars, prediction_caption
from visualizer.ui.kit.probe_view import ProbeImageView
from visualizer.ui.training.positions import snapshot_when

MAPS_CAPTION = (
    "Each picture is one layer: every channel's map for the probe image, tiled, each scaled to its "
    "own range (viridis: dark = low, yellow = high). Drag to pan, wheel to zoom."
)
KERNELS_CAPTION = (
    "First conv layer: one tile per filter (in colour for colour pictures: the colour a filter looks "
    "for, grey = 0). Deeper layers: one row per filter, one column per input channel. Blue is "
    "negative, red positive, white zero (the scale is symmetric). Drag to pan, wheel to zoom."
)
NO_CONV_CAPTION = (
    "This network has no convolution layers, so there are no feature maps or kernels to show: "
    "the fully connected baseline sees the image only as 784 separate numbers."
)
KERNEL_TILE_PIXELS = 8  # small kernels are magnified to about this size so the gaps stay thin
KERNEL_GAP_RGBA = (150, 150, 150, 255)  # grey: neither a signed weight's blue/red nor zero's white
MAPS_ROW_HEIGHT = 230
PROBE_VIEW_WIDTH = 230
CAPTION_LINES = 5  # the probe's caption: its title, the true class, the prediction, the top three


def snapshot_title(snapshot: ProbeSnapshot) -> str:
    return f"Test image #{snapshot.probe_index} · {snapshot_when(snapshot)}"


def displayable(image: np.ndarray) -> np.ndarray:
    """The probe image in [0, 1] for drawing: a script's may be on any scale (0-255, standardised
    around 0), so one outside [0, 1] is stretched from its lowest to its highest value; a single
    channel becomes a grey (H, W) image."""
    image = np.asarray(image, dtype=np.float32)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    low, high = (float(image.min()), float(image.max())) if image.size else (0.0, 1.0)
    if low >= 0.0 and high <= 1.0:
        return image
    return (image - low) / (high - low) if high > low else np.zeros_like(image)


class ProbeView(QWidget):
    """The probe image, its true label, and the model's current belief as one bar per class.
    ``width``: its fixed width in pixels."""

    def __init__(self, width: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFixedWidth(width)
        self.image_view = ProbeImageView()
        self.image_view.setFixedHeight(150)
        # A new text 20 times a second: a fixed size never makes Qt lay out the window again.
        self.caption = LiveCaption("No image yet: press Train.", width, CAPTION_LINES)
        self.prediction = ProbabilityBars()
        self._image: np.ndarray | None = None  # the probe drawn
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.image_view)
        layout.addWidget(self.caption)
        layout.addWidget(self.prediction, 1)

    def set_class_names(self, names: tuple[str, ...]) -> None:
        self.prediction.set_class_names(names)

    def show_snapshot(self, snapshot: ProbeSnapshot) -> None:
        image = displayable(snapshot.image)
        # The same probe, 20 times a second while a run trains: drawn again only when it changes.
        if self._image is None or not np.array_equal(image, self._image):
            self._image = image
            if image.ndim == 3:
                self.image_view.set_picture(image)  # colour, as it is
            else:
                self.image_view.set_image(image)  # grey, ink on paper
        self.prediction.set_values(snapshot.probabilities, snapshot.label)
        names = self.prediction.class_names(len(snapshot.probabilities))
        self.caption.setText(
            prediction_caption(names, snapshot.label, snapshot.probabilities, snapshot_title(snapshot))
        )


class SnapshotTab(QWidget):
    """A tab that draws a probe snapshot when given one (its ``show_snapshot(snapshot)``) and
    offers to save its picture: it emits ``savePngRequested(view, file name)`` for the page to
    ask where."""

    savePngRequested = pyqtSignal(QWidget, str)

    def _save_button(self, text: str, tip: str, view: QWidget, file_name: str) -> QPushButton:
        return push_button(text, tip, lambda: self.savePngRequested.emit(view, file_name))


class FeatureMapsTab(SnapshotTab):
    """The probe beside the maps of the layers the run sends: those it asks to show first (a
    script's run sends more than it shows: set_shown_layers), changed by what the user ticks and
    unticks under Layers (kept by name while the page is open, so a new run of the same network
    shows the same)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.probe_view = ProbeView(PROBE_VIEW_WIDTH)
        self.maps_view = MosaicView(columns=2)
        self.maps_caption = wrapping_label(MAPS_CAPTION)
        self.hidden_layers: set[str] = set()  # unticked by the user
        self.ticked_layers: set[str] = set()  # ticked by the user
        self._first_shown: frozenset[str] = frozenset()  # the run's choice; empty: every layer
        self._snapshot: ProbeSnapshot | None = None
        self.layers_menu = QMenu(self)
        self.layers_button = QToolButton()
        self.layers_button.setText("Layers")
        self.layers_button.setToolTip("Choose which layers' maps are shown")
        self.layers_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.layers_button.setMenu(self.layers_menu)
        self.layers_button.setEnabled(False)
        top = QHBoxLayout()
        top.addWidget(self.maps_caption, 1)
        top.addWidget(self.layers_button, 0, Qt.AlignmentFlag.AlignTop)
        column = QVBoxLayout()
        column.addLayout(top)
        column.addWidget(scroll_area(self.maps_view), 1)
        save = self._save_button("Save feature maps as PNG…", "The feature maps as an image",
                                 self.maps_view, "feature-maps.png")
        column.addWidget(save, 0, Qt.AlignmentFlag.AlignRight)
        layout = QHBoxLayout(self)
        layout.addWidget(self.probe_view)
        layout.addLayout(column, 1)

    def show_snapshot(self, snapshot: ProbeSnapshot) -> None:
        self._snapshot = snapshot
        self._offer_layers([layer.name for layer in snapshot.feature_maps])
        lut = colormaps.rgba_lookup_table(colormaps.SEQUENTIAL)
        layers = []
        for layer in snapshot.feature_maps:
            if not self.is_shown(layer.name):
                continue  # not even coloured: a hidden layer costs the window nothing
            height, width, channels = layer.maps.shape
            image = coloured_feature_maps(layer.maps, lut)
            layers.append((layer.name, f"{layer.name}  {height}×{width}×{channels}", image))
        if snapshot.feature_maps and not layers:
            self.maps_caption.setText("Every layer is hidden: tick one under Layers to see its maps.")
        else:
            self.maps_caption.setText(MAPS_CAPTION if layers else NO_CONV_CAPTION)
        rows = (len(layers) + self.maps_view.columns - 1) // self.maps_view.columns
        self.maps_view.setMinimumHeight(max(1, rows) * MAPS_ROW_HEIGHT)
        self.maps_view.show_layers(layers)
        self.probe_view.show_snapshot(snapshot)


    def set_shown_layers(self, names) -> None:
        """The layers a run shows until the user chooses (empty: all it sends), for its snapshots
        from now on."""
        # Called as a run starts: its first picture comes within a second, and reading the colour
        # table the first time (11 ms) would make the window stand still that much longer then.
        colormaps.rgba_lookup_table(colormaps.SEQUENTIAL)
        if frozenset(names) != self._first_shown:
            self._first_shown = frozenset(names)
            self.layers_menu.clear()  # its ticks are offered again with the next snapshot

    def is_shown(self, name: str) -> bool:
        if name in self.hidden_layers or name in self.ticked_layers:
            return name in self.ticked_layers
        return not self._first_shown or name in self._first_shown

    def _offer_layers(self, names: list[str]) -> None:
        """One tickable entry per layer the snapshots hold; rebuilt only when those change."""
        if [action.text() for action in self.layers_menu.actions()] == names:
            return
        self.layers_menu.clear()
        for name in names:
            action = self.layers_menu.addAction(name)
            action.setCheckable(True)
            action.setChecked(self.is_shown(name))
            action.toggled.connect(lambda shown, name=name: self.show_layer(name, shown))
        self.layers_button.setEnabled(bool(names))

    def show_layer(self, name: str, shown: bool) -> None:
        """Show or hide one layer's maps, and draw the last snapshot again."""
        (self.ticked_layers if shown else self.hidden_layers).add(name)
        (self.hidden_layers if shown else self.ticked_layers).discard(name)
        if self._snapshot is not None:
            self.show_snapshot(self._snapshot)


class KernelsTab(SnapshotTab):
    """Every conv layer's weights, one picture per layer on a colour scale symmetric about 0."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kernels_view = MosaicView(columns=1)
        self.kernels_caption = wrapping_label(KERNELS_CAPTION)
        # What the kernels show changes with every snapshot; it lives outside the plot, whose
        # layout would otherwise be recomputed on every frame.
        self.kernels_when = LiveLine()
        layout = QVBoxLayout(self)
        layout.addWidget(self.kernels_caption)
        layout.addWidget(self.kernels_when)
        layout.addWidget(scroll_area(self.kernels_view), 1)
        save = self._save_button("Save kernels as PNG…", "The kernels as an image",
                                 self.kernels_view, "kernels.png")
        layout.addWidget(save, 0, Qt.AlignmentFlag.AlignRight)

    def show_snapshot(self, snapshot: ProbeSnapshot) -> None:
        lut = colormaps.rgba_lookup_table(colormaps.DIVERGING)
        layers, limits = [], []
        for number, layer in enumerate(snapshot.kernels):
            kh, kw, channels_in, channels_out = layer.kernels.shape
            zoom = max(1, KERNEL_TILE_PIXELS // max(kh, kw))
            if number == 0 and channels_in == 3:  # a colour picture's first layer: its filters in colour
                image, limit = colour_kernel_mosaic(layer.kernels, zoom=zoom, background=KERNEL_GAP_RGBA)
                arrangement = "one colour tile per filter, grey = 0"
            else:
                values, limit = kernel_mosaic(layer.kernels, zoom=zoom)
                image = colourise((values / limit + 1.0) / 2.0, lut, background=KERNEL_GAP_RGBA)
                arrangement = "one tile per filter" if channels_in == 1 else "rows: filters, columns: input channels"
            title = f"{layer.name}  {kh}×{kw}×{channels_in}×{channels_out} ({arrangement})"
            layers.append((layer.name, title, image))
            limits.append(f"{layer.name} ±{limit:.3f}")
        self.kernels_caption.setText(KERNELS_CAPTION if layers else NO_CONV_CAPTION)
        self.kernels_when.setText(
            f"{snapshot_title(snapshot)} · colour scales: {', '.join(limits)}" if layers else ""
        )
        if self.kernels_view.show_layers(layers):
            # Deeper layers hold C_out x C_in kernels: give them their pixels; the tab scrolls.
            self.kernels_view.stretch_rows_to_images()
            self.kernels_view.setMinimumHeight(self.kernels_view.natural_height())
