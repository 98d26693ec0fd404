"""One image fitted to its view: a Fashion-MNIST probe drawn as dark ink on white paper, or any
picture exactly as a model sees it."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6.QtWidgets import QWidget

from visualizer.ui.kit.theme import plot_background


class ProbeImageView(pg.GraphicsLayoutWidget):
    """Shows an image with values in [0, 1], 1 drawn black, fitted to the view; no mouse zoom."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setBackground(plot_background())
        self._box = self.addViewBox(lockAspect=True, invertY=True, enableMenu=False)
        self._box.setMouseEnabled(False, False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self._box.addItem(self.image)

    def set_image(self, image: np.ndarray) -> None:
        """A grayscale image in [0, 1], 1 drawn black (ink on paper)."""
        self.image.setImage(1.0 - np.asarray(image, dtype=np.float32), levels=(0.0, 1.0))
        self._box.autoRange(padding=0)

    def set_picture(self, picture: np.ndarray) -> None:
        """A picture in [0, 1] as it is: (H, W) gray with 0 black, or (H, W, 3) colour."""
        self.image.setImage(np.asarray(picture, dtype=np.float32), levels=(0.0, 1.0))
        self._box.autoRange(padding=0)
