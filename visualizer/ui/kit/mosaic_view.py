"""Several layers side by side, each drawn as one RGBA picture under its title (see mosaic.py for
how a layer's maps or kernels become one picture)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QRectF, Qt, pyqtSignal
from PyQt6.QtGui import QImage
from PyQt6.QtWidgets import QWidget

from visualizer.ui.kit.mosaic import tile_at
from visualizer.ui.kit.theme import plot_background, plot_text_colour


class RgbaImageItem(pg.ImageItem):
    """An RGBA uint8 image (row-major) drawn from a premultiplied QImage made once per image.

    pyqtgraph draws such an image as a plain ARGB32 QImage, which Qt premultiplies again on
    every paint: scaled to a few hundred pixels that took 0.87 ms against 0.28 ms, and the live
    training page paints two or more mosaics 20-25 times a second."""

    def __init__(self) -> None:
        super().__init__(axisOrder="row-major")
        self._premultiplied: QImage | None = None

    def setImage(self, image=None, autoLevels=None, **kargs) -> None:
        self._premultiplied = None
        super().setImage(image, autoLevels=autoLevels, **kargs)

    def paint(self, painter, *args) -> None:
        if self.image is None:
            return
        if self._premultiplied is None:
            rgba = np.ascontiguousarray(self.image, dtype=np.uint8)
            height, width = rgba.shape[:2]
            wrapped = QImage(rgba.data, width, height, 4 * width, QImage.Format.Format_RGBA8888)
            self._premultiplied = wrapped.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)
        painter.drawImage(QRectF(0, 0, self.image.shape[1], self.image.shape[0]), self._premultiplied)


class MosaicView(pg.GraphicsLayoutWidget):
    """Several layers, each drawn as ONE RGBA image with its title, in a grid of ``columns``.

    The items are built once per set of layer names (a new architecture) and reused after that.
    """

    TITLE_HEIGHT = 40  # pixels a layer's title and margins take above its image
    MIN_ROW_HEIGHT = 200  # even a small mosaic (64 tiny kernels) deserves room to be seen

    tileClicked = pyqtSignal(str, int)  # a layer's name and the tile (channel) clicked in it

    def __init__(self, columns: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setBackground(plot_background())
        self.columns = columns
        self._names: tuple[str, ...] = ()
        self._titles: list[pg.LabelItem] = []
        self._images: list[RgbaImageItem] = []
        self._boxes: list[pg.ViewBox] = []
        self._tiles: list[tuple[int, int, int] | None] = []  # each layer's (count, height, width)
        self.scene().sigMouseClicked.connect(self._on_scene_mouse_clicked)

    def _build(self, names: tuple[str, ...]) -> None:
        self.clear()
        self._titles, self._images, self._boxes = [], [], []
        for index, _name in enumerate(names):
            row, column = divmod(index, self.columns)
            cell = self.ci.addLayout(row=row, col=column)
            title = cell.addLabel("", row=0, col=0, color=plot_text_colour(), size="9pt")
            box = cell.addViewBox(row=1, col=0, lockAspect=True, invertY=True, enableMenu=False)
            box.setMouseEnabled(x=True, y=True)
            image = RgbaImageItem()
            box.addItem(image)
            self._titles.append(title)
            self._images.append(image)
            self._boxes.append(box)
        self._names = names

    def show_layers(self, layers: list[tuple[str, str, np.ndarray]], tiles=None) -> bool:
        """``layers``: (name, title, RGBA uint8 image) for each layer, in order; ``tiles``, when
        the images are mosaics of tiles that can be clicked: each layer's (count, height, width).

        Returns True when the layout changed (other layers, or images of another size).
        """
        self._tiles = list(tiles) if tiles is not None else [None] * len(layers)
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

    def _on_scene_mouse_clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        for name, image, tiles in zip(self._names, self._images, self._tiles):
            if tiles is None or image.image is None or not image.sceneBoundingRect().contains(event.scenePos()):
                continue
            point = image.mapFromScene(event.scenePos())
            index = tile_at(point.x(), point.y(), *tiles)
            if index is not None:
                self.tileClicked.emit(name, index)
            return

    def layer_images(self) -> list[np.ndarray]:
        return [image.image for image in self._images]

    def layer_titles(self) -> list[str]:
        return [label.text for label in self._titles]
