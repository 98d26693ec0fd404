"""One grayscale image (a Fashion-MNIST probe, say), drawn as dark ink on white paper."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6.QtWidgets import QWidget


class ProbeImageView(pg.GraphicsLayoutWidget):
    """Shows an image with values in [0, 1], 1 drawn black, fitted to the view; no mouse zoom."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setBackground("w")
        self._box = self.addViewBox(lockAspect=True, invertY=True, enableMenu=False)
        self._box.setMouseEnabled(False, False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self._box.addItem(self.image)

    def set_image(self, image: np.ndarray) -> None:
        self.image.setImage(1.0 - np.asarray(image, dtype=np.float32), levels=(0.0, 1.0))
        self._box.autoRange(padding=0)
