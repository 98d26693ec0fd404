"""An image with a saliency heat map laid over it, the heat map's opacity adjustable.

The heat map uses inferno: perceptually even, readable in grayscale and for colour-blind viewers,
running from dark purple to bright yellow (the most), and each pixel of it is as opaque as its
value: where nothing has influence the picture shows untouched, whether it is a photograph, a
Fashion-MNIST garment drawn as ink on white or a drawing, and only the places that matter light up.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QRectF, Qt
from PyQt6.QtWidgets import QVBoxLayout, QWidget

from visualizer.ui.kit import colormaps
from visualizer.ui.kit.plain import wrapping_label
from visualizer.ui.kit.theme import plot_background

HEAT_MAP = "inferno"
DEFAULT_OPACITY = 0.5
HEAT_LEGEND = "clear: no influence, purple to yellow: more to the most"


class SaliencyOverlay(QWidget):
    """A title above an image (gray (H, W) or RGB (H, W, 3), floats in [0, 1]) and a heat map
    ((h, w) in [0, 1], stretched over the image when its size differs); no mouse zoom."""

    def __init__(self, title: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = wrapping_label(title)
        self.title.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.view = pg.GraphicsView(background=plot_background())
        self._box = pg.ViewBox(lockAspect=True, invertY=True, enableMenu=False)
        self._box.setMouseEnabled(False, False)
        self.view.setCentralItem(self._box)
        self.image_item = pg.ImageItem(axisOrder="row-major")
        self.heat_item = pg.ImageItem(axisOrder="row-major")
        self.heat_item.setOpacity(DEFAULT_OPACITY)
        self.heat_item.setZValue(1)
        self._box.addItem(self.image_item)
        self._box.addItem(self.heat_item)
        self._heat: np.ndarray | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.view, 1)

    def set_title(self, text: str) -> None:
        self.title.setText(text)

    def set_image(self, image: np.ndarray) -> None:
        image = np.asarray(image, dtype=np.float32)
        if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] != 3):
            raise ValueError(f"an image is (H, W) or (H, W, 3), not {image.shape}")
        self.image_item.setImage(image, levels=(0.0, 1.0))
        self._fit_heat()
        self._box.autoRange(padding=0)

    def set_heat(self, values: np.ndarray | None) -> None:
        """The heat map in [0, 1], or None for none (then the image shows alone)."""
        self._heat = None if values is None else np.asarray(values, dtype=np.float32)
        if self._heat is None:
            self.heat_item.clear()
            return
        if self._heat.ndim != 2:
            raise ValueError(f"a heat map is (H, W), not {self._heat.shape}")
        rgb = colormaps.map_to_rgb(self._heat, HEAT_MAP, (0.0, 1.0))
        alpha = np.round(np.sqrt(np.clip(self._heat, 0.0, 1.0)) * 255).astype(np.uint8)[..., np.newaxis]  # mid values seen too
        self.heat_item.setImage(np.concatenate([rgb, alpha], axis=-1), levels=(0, 255))
        self._fit_heat()

    def heat(self) -> np.ndarray | None:
        return self._heat

    def _fit_heat(self) -> None:
        image = self.image_item.image
        if image is not None and self._heat is not None:
            height, width = image.shape[:2]
            self.heat_item.setRect(QRectF(0, 0, width, height))

    def set_opacity(self, fraction: float) -> None:
        self.heat_item.setOpacity(float(np.clip(fraction, 0.0, 1.0)))

    def opacity(self) -> float:
        return self.heat_item.opacity()
