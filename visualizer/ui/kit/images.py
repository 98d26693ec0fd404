"""Getting a picture from the user: the Open image dialog and a little canvas to draw on.

`ask_for_image_file` and `ask_for_drawing` are the one way to get a picture from the user: the
main window's File menu and each page's own Open image… and Draw… buttons use them. Files are read
by `visualizer.imagefile`, the reader the whole app shares; the bundled samples and grids of
numbers are in `samples.py`. Pictures come as float64 arrays in [0, 1]: (H, W) for mode "gray",
(H, W, 3) for mode "rgb".
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PyQt6.QtCore import QPointF, QRectF, Qt, pyqtSignal
from PyQt6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent
from PyQt6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from visualizer.imagefile import MIN_SIDE, ImageError, load_image_file, to_mode, to_uint8

IMAGE_FILTER = (
    "Images (*.png *.jpg *.jpeg *.bmp *.gif *.tif *.tiff *.webp *.pgm *.ppm *.pbm);;All files (*)"
)
DRAWING_TITLE = "Your drawing"


# -- files ---------------------------------------------------------------------------------------
@contextlib.contextmanager
def busy_cursor():
    """A wait cursor while a file is read: a very large PNG takes seconds to decode."""
    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        yield
    finally:
        QApplication.restoreOverrideCursor()


# -- asking the user ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class UserImage:
    """A picture the user chose or drew, ready for a page: pixels in the mode asked for."""

    pixels: np.ndarray
    title: str  # how the page lists it: the file's name, or "Your drawing"


def ask_for_image_file(
    parent: QWidget | None,
    mode: str,
    folder: str = "",
    on_chosen: Callable[[str], None] | None = None,
) -> UserImage | None:
    """Ask for an image file, starting in ``folder``, and read it for ``mode`` with a wait cursor.

    None when the user cancels, or when the file cannot be used: then a message box says why.
    ``on_chosen`` hears the chosen path before it is read (the window remembers its folder).
    """
    path, _ = QFileDialog.getOpenFileName(parent, "Open an image", folder, IMAGE_FILTER)
    if not path:
        return None
    if on_chosen is not None:
        on_chosen(path)
    try:
        with busy_cursor():
            pixels = load_image_file(path, mode)
    except ImageError as error:
        QMessageBox.warning(parent, "Cannot open this image", str(error))
        return None
    return UserImage(pixels, Path(path).name)


def ask_for_drawing(parent: QWidget | None, mode: str) -> UserImage | None:
    """Let the user draw a picture; None when they cancel."""
    pixels = DrawDialog.get_image(parent)
    return None if pixels is None else UserImage(to_mode(pixels, mode), DRAWING_TITLE)


# -- drawing -----------------------------------------------------------------------------------------
class DrawCanvas(QWidget):
    """A small grid of pixels to paint on with the mouse: left button draws, right button erases.

    The pixels are (rows, cols) grey or (rows, cols, 3) colour, floats in [0, 1]; a stroke raises
    every channel alike (grey ink) and has soft edges so a drawing looks like the scanned items a
    network is trained on. They are shown as they are (strokes bright on black), or inverted
    (``shown_inverted``: dark ink on white paper) for data whose pictures are light on dark and
    shown that way elsewhere.
    """

    changed = pyqtSignal()

    def __init__(self, size: int = 28, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pixels = np.zeros((size, size))
        self.erasing = False
        self.shown_inverted = False
        self._last: QPointF | None = None
        self.set_shape(size, size)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setToolTip("Left button: draw. Right button (or the Eraser box): erase.")

    def set_shape(self, rows: int, cols: int, channels: int = 1) -> None:
        """A blank canvas of ``rows`` x ``cols`` pixels, grey (1 channel) or colour (3); the brush
        keeps the same width relative to the picture (1.2 pixels on 28)."""
        if min(rows, cols) < MIN_SIDE:
            raise ValueError(f"the canvas needs at least {MIN_SIDE} pixels on each side")
        shape = (rows, cols) if channels == 1 else (rows, cols, channels)
        self._pixels = np.zeros(shape)
        self.brush_radius = 1.2 * max(rows, cols) / 28
        cell = max(1, min(8, 256 // max(rows, cols)))  # a 28x28 canvas stays at 8 screen pixels a pixel
        self.setMinimumSize(cols * cell, rows * cell)
        self.update()

    def image(self) -> np.ndarray:
        return self._pixels.copy()

    def set_image(self, pixels: np.ndarray) -> None:
        if pixels.shape != self._pixels.shape:
            raise ValueError(f"expected a {self._pixels.shape} image, got {pixels.shape}")
        self._pixels = np.clip(np.asarray(pixels, dtype=np.float64), 0, 1)
        self.update()
        self.changed.emit()

    def clear(self) -> None:
        self.set_image(np.zeros_like(self._pixels))

    def stroke(self, start: QPointF, end: QPointF, erase: bool = False) -> None:
        """Paint a line between two points given in canvas pixels (x right, y down)."""
        rows, cols = self._pixels.shape[:2]
        centre_y, centre_x = np.mgrid[0:rows, 0:cols] + 0.5
        length = np.hypot(end.x() - start.x(), end.y() - start.y())
        # Stamps half a pixel apart leave no gaps when the mouse moves fast.
        for t in np.linspace(0.0, 1.0, max(2, int(np.ceil(length * 2)) + 1)):
            x = start.x() + t * (end.x() - start.x())
            y = start.y() + t * (end.y() - start.y())
            distance = np.hypot(centre_x - x, centre_y - y)
            coverage = np.clip(self.brush_radius + 0.5 - distance, 0.0, 1.0)
            if self._pixels.ndim == 3:
                coverage = coverage[..., np.newaxis]
            if erase:
                self._pixels = np.minimum(self._pixels, 1.0 - coverage)
            else:
                self._pixels = np.maximum(self._pixels, coverage)
        self.update()
        self.changed.emit()

    def _cell_rect(self) -> QRectF:
        """The area the grid occupies, square pixels, centred in the widget."""
        rows, cols = self._pixels.shape[:2]
        cell = min(self.width() / cols, self.height() / rows)
        width, height = cell * cols, cell * rows
        return QRectF((self.width() - width) / 2, (self.height() - height) / 2, width, height)

    def _to_canvas(self, position: QPointF) -> QPointF:
        area = self._cell_rect()
        rows, cols = self._pixels.shape[:2]
        return QPointF(
            (position.x() - area.left()) / area.width() * cols,
            (position.y() - area.top()) / area.height() * rows,
        )

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._last = self._to_canvas(event.position())
        self.stroke(self._last, self._last, self._erase_for(event))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._last is None:
            return
        point = self._to_canvas(event.position())
        self.stroke(self._last, point, self._erase_for(event))
        self._last = point

    def mouseReleaseEvent(self, _event: QMouseEvent) -> None:
        self._last = None

    def _erase_for(self, event: QMouseEvent) -> bool:
        return self.erasing or bool(event.buttons() & Qt.MouseButton.RightButton)

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        area = self._cell_rect()
        painter.fillRect(self.rect(), self.palette().window())
        levels = to_uint8(1.0 - self._pixels if self.shown_inverted else self._pixels)
        if levels.ndim == 2:
            levels = np.repeat(levels[..., np.newaxis], 3, axis=2)
        levels = np.ascontiguousarray(levels)
        picture = QImage(levels.data, levels.shape[1], levels.shape[0], levels.strides[0], QImage.Format.Format_RGB888)
        painter.drawImage(area, picture)  # no smoothing: each pixel a sharp square
        painter.setPen(QColor(90, 90, 90))
        painter.drawRect(area.adjusted(0.5, 0.5, -0.5, -0.5))  # inside the widget, all four sides seen
        painter.end()


class DrawDialog(QDialog):
    """Draw a small grayscale image with the mouse; ``image()`` gives it as floats in [0, 1]."""

    def __init__(self, parent: QWidget | None = None, size: int = 28) -> None:
        super().__init__(parent)
        self.setWindowTitle("Draw an image")
        self.canvas = DrawCanvas(size)

        self.brush = QSpinBox()
        self.brush.setRange(1, 5)
        self.brush.setValue(2)
        self.brush.setToolTip("Width of the brush, in image pixels")
        self.brush.valueChanged.connect(self._on_brush_changed)
        self._on_brush_changed(self.brush.value())
        self.eraser = QCheckBox("Eraser")
        self.eraser.setToolTip("Erase with the left button too (the right button always erases)")
        self.eraser.toggled.connect(self._on_eraser_toggled)
        clear = QPushButton("Clear")
        clear.setToolTip("Start again with a black canvas")
        clear.clicked.connect(self.canvas.clear)

        tools = QHBoxLayout()
        tools.addWidget(QLabel("Brush:"))
        tools.addWidget(self.brush)
        tools.addWidget(self.eraser)
        tools.addStretch(1)
        tools.addWidget(clear)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setToolTip("Use this drawing as the input")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        hint = QLabel(f"Draw a {size}x{size} image, bright on black like the Fashion-MNIST pictures.")
        hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(self.canvas, 1)
        layout.addLayout(tools)
        layout.addWidget(buttons)

    def image(self) -> np.ndarray:
        return self.canvas.image()

    def _on_brush_changed(self, width: int) -> None:
        self.canvas.brush_radius = width * 0.6

    def _on_eraser_toggled(self, on: bool) -> None:
        self.canvas.erasing = on

    @classmethod
    def get_image(cls, parent: QWidget | None = None, size: int = 28) -> np.ndarray | None:
        """Show the dialog; the drawing, or None when the user cancels."""
        dialog = cls(parent, size)
        return dialog.image() if dialog.exec() == QDialog.DialogCode.Accepted else None
