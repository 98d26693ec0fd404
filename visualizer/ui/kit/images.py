"""Where the demos get their input pictures: bundled photographs, Fashion-MNIST items, image files
the user opens, small grids of numbers, and a little canvas to draw on.

`ask_for_image_file` and `ask_for_drawing` are the one way to get a picture from the user: the
main window's File menu and each page's own Open image… and Draw… buttons use them.

Every loader returns a float64 array in [0, 1]: (H, W) for mode "gray", (H, W, 3) for mode "rgb".
Files are read with Pillow, so this module never touches TensorFlow.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError
from PyQt6.QtCore import QPointF, QRectF, Qt, pyqtSignal
from PyQt6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent
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

from visualizer.resources import resource_path

MODES = ("gray", "rgb")
MIN_SIDE = 3  # the smallest kernel the demos use is 2x2; below 3 pixels nothing is left to show
DEFAULT_MAX_SIDE = 256
IMAGE_FILTER = (
    "Images (*.png *.jpg *.jpeg *.bmp *.gif *.tif *.tiff *.webp *.pgm *.ppm *.pbm);;All files (*)"
)
DRAWING_TITLE = "Your drawing"


class ImageError(ValueError):
    """An image file could not be used; the message names the file and says why."""


# -- files ---------------------------------------------------------------------------------------
@contextlib.contextmanager
def busy_cursor():
    """A wait cursor while a file is read: a very large PNG takes seconds to decode."""
    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        yield
    finally:
        QApplication.restoreOverrideCursor()


def load_image_file(
    path: str | os.PathLike[str], mode: str = "gray", max_side: int | None = DEFAULT_MAX_SIDE
) -> np.ndarray:
    """Read any image Pillow understands as floats in [0, 1].

    Colour images become grayscale for mode "gray"; transparent parts are laid on white, since a
    drawing with a transparent background is meant to be seen on paper. Images larger than
    ``max_side`` on their long side are scaled down keeping their aspect ratio (None keeps the size).
    Only the first frame of an animation is used.
    """
    _check_mode(mode)
    path = Path(path)
    name = str(path)
    if not path.exists():
        raise ImageError(f"{name}: the file does not exist.")
    if path.is_dir():
        raise ImageError(f"{name}: this is a folder, not an image file.")
    if path.stat().st_size == 0:
        raise ImageError(f"{name}: the file is empty.")
    try:
        with Image.open(path) as image:
            if max_side is not None:
                # JPEG can decode straight to a smaller size, which makes huge photos quick to open.
                image.draft("RGB" if mode == "rgb" else "L", (max_side, max_side))
            image.load()
            image = ImageOps.exif_transpose(image)
            pixels = _to_float_image(image, mode)
    except UnidentifiedImageError:
        raise ImageError(
            f"{name}: this is not an image file Pillow can read (PNG, JPEG, BMP, GIF, TIFF, WebP...)."
        ) from None
    except Image.DecompressionBombError:
        raise ImageError(f"{name}: the image is too large to open safely.") from None
    except (OSError, SyntaxError, EOFError, ValueError) as error:
        raise ImageError(f"{name}: the image is truncated or damaged ({error}).") from None
    width, height = pixels.size
    if min(width, height) < MIN_SIDE:
        raise ImageError(
            f"{name}: the image is too small ({width}x{height} pixels); "
            f"it needs at least {MIN_SIDE} pixels on each side."
        )
    if max_side is not None and max(width, height) > max_side:
        scale = max_side / max(width, height)
        # A long thin strip keeps enough rows to be usable rather than shrinking below MIN_SIDE.
        size = (max(MIN_SIDE, round(width * scale)), max(MIN_SIDE, round(height * scale)))
        pixels = pixels.resize(size, Image.Resampling.LANCZOS)
    return _to_array(pixels, mode)


def _to_float_image(image: Image.Image, mode: str) -> Image.Image:
    """An "L", "RGB" or (for deep images) "F" image holding values in [0, 1] of the requested mode."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        values = np.asarray(image, dtype=np.float64)
        if image.mode.startswith("I;16") or (image.mode == "I" and values.max(initial=0) > 255):
            values = values / 65535.0
        elif image.mode == "I":
            values = values / 255.0
        else:  # float images have no fixed range: stretch what is there
            low, high = float(values.min(initial=0)), float(values.max(initial=0))
            if low < 0 or high > 1:
                values = (values - low) / (high - low) if high > low else np.zeros_like(values)
        return Image.fromarray(np.clip(values, 0, 1).astype(np.float32), mode="F")
    has_alpha = image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in image.info
    if has_alpha:
        rgba = image.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(paper, rgba)
    return image.convert("RGB" if mode == "rgb" else "L")


def _to_array(image: Image.Image, mode: str) -> np.ndarray:
    if image.mode == "F":
        values = np.asarray(image, dtype=np.float64)
        return np.repeat(values[..., None], 3, axis=2) if mode == "rgb" else values
    return np.asarray(image, dtype=np.float64) / 255.0


def _check_mode(mode: str) -> None:
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")


def to_mode(pixels: np.ndarray, mode: str) -> np.ndarray:
    """Convert a gray (H, W) or colour (H, W, 3) float image to the requested mode."""
    _check_mode(mode)
    if mode == "gray" and pixels.ndim == 3:
        # ITU-R 601 luma, the same weights Pillow uses for "L", so files and arrays agree.
        return pixels @ np.array([0.299, 0.587, 0.114])
    if mode == "rgb" and pixels.ndim == 2:
        return np.repeat(pixels[..., None], 3, axis=2)
    return pixels


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


# -- bundled samples -------------------------------------------------------------------------------
@dataclass(frozen=True)
class SampleImage:
    """One ready-made input picture and where it comes from."""

    name: str  # identifier, e.g. "camera" or "fashion-sneaker"
    title: str  # shown to the user
    licence: str  # one line: author or source and licence
    _loader: Callable[[str], np.ndarray] = field(repr=False, compare=False)

    def load(self, mode: str = "gray") -> np.ndarray:
        _check_mode(mode)
        return self._loader(mode)


_PHOTOS = (
    ("camera", "Photographer (grayscale photo)", "Lav Varshney, CC0"),
    ("astronaut", "Astronaut Eileen Collins", "NASA, public domain"),
    ("coffee", "Cup of coffee", "Rachel Michetti, CC0"),
    ("chelsea", "Chelsea the cat", "Stefan van der Walt, CC0"),
)
# Fashion-MNIST classes shown as samples: visually distinct shapes, by class index.
_FASHION_CLASSES = (0, 1, 5, 7, 8, 9)
FASHION_LICENCE = "Fashion-MNIST test set, Zalando Research, MIT licence"


def sample_images() -> list[SampleImage]:
    """The bundled photographs, then a few Fashion-MNIST test items (read only when first loaded)."""
    samples = [
        SampleImage(name, title, licence, functools.partial(_load_photo, name))
        for name, title, licence in _PHOTOS
    ]
    from visualizer.training.data import CLASS_NAMES

    for label in _FASHION_CLASSES:
        class_name = CLASS_NAMES[label]
        slug = class_name.lower().replace("/", "-").replace(" ", "-")
        samples.append(
            SampleImage(
                f"fashion-{slug}",
                f"Fashion-MNIST: {class_name}",
                FASHION_LICENCE,
                functools.partial(_load_fashion_item, label),
            )
        )
    return samples


def find_sample(name: str) -> SampleImage:
    for sample in sample_images():
        if sample.name == name:
            return sample
    raise KeyError(f"no sample image named {name!r}")


@functools.lru_cache(maxsize=16)
def _photo_pixels(name: str, mode: str) -> np.ndarray:
    pixels = load_image_file(resource_path("images", f"{name}.png"), mode, max_side=None)
    pixels.setflags(write=False)  # shared by every caller through the cache
    return pixels


def _load_photo(name: str, mode: str) -> np.ndarray:
    return _photo_pixels(name, mode).copy()


@functools.lru_cache(maxsize=1)
def _fashion_test_items() -> dict[int, np.ndarray]:
    """The first test image of each class, as uint8 (28, 28); the data set is read once."""
    from visualizer.training.data import load_fashion_mnist

    data = load_fashion_mnist(allow_download=False)
    items = {}
    for label in range(len(data.class_names)):
        (indices,) = np.nonzero(data.test_labels == label)
        if len(indices):
            items[label] = data.test_images[indices[0]].copy()
    return items


def _load_fashion_item(label: int, mode: str) -> np.ndarray:
    items = _fashion_test_items()
    if label not in items:
        raise ImageError(f"The Fashion-MNIST test images hold no item of class {label}.")
    return to_mode(items[label].astype(np.float64) / 255.0, mode)


# -- small numbers -----------------------------------------------------------------------------------
def numeric_grid(
    size: int | tuple[int, int] = 7,
    *,
    seed: int | None = None,
    low: float = 0,
    high: float = 9,
    decimals: int = 0,
) -> np.ndarray:
    """A small grid of easy numbers for working a demo by hand: whole numbers from ``low`` to
    ``high`` (inclusive), or with ``decimals=1`` values to one decimal place in that range.

    Returned as float64 so it flows through the same code as images; the same seed gives the
    same grid.
    """
    shape = (size, size) if isinstance(size, int) else tuple(size)
    if min(shape) < 1:
        raise ValueError(f"a grid needs at least one cell on each side, not {shape}")
    if high < low:
        raise ValueError(f"high ({high}) must not be below low ({low})")
    rng = np.random.default_rng(seed)
    if decimals == 0:
        return rng.integers(int(np.ceil(low)), int(np.floor(high)) + 1, size=shape).astype(np.float64)
    return np.round(rng.uniform(low, high, size=shape), decimals) + 0.0  # + 0.0 turns -0.0 into 0.0


# -- drawing -----------------------------------------------------------------------------------------
class DrawCanvas(QWidget):
    """A small grid of pixels to paint on with the mouse: left button draws, right button erases.

    Strokes are bright on black, like Fashion-MNIST, and have soft edges so a drawing looks like
    the scanned items the network was trained on.
    """

    changed = pyqtSignal()

    def __init__(self, size: int = 28, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        if size < MIN_SIDE:
            raise ValueError(f"the canvas needs at least {MIN_SIDE} pixels on each side")
        self._pixels = np.zeros((size, size))
        self.brush_radius = 1.2  # in canvas pixels
        self.erasing = False
        self._last: QPointF | None = None
        self.setMinimumSize(size * 8, size * 8)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setToolTip("Left button: draw. Right button (or the Eraser box): erase.")

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
        rows, cols = self._pixels.shape
        centre_y, centre_x = np.mgrid[0:rows, 0:cols] + 0.5
        length = np.hypot(end.x() - start.x(), end.y() - start.y())
        # Stamps half a pixel apart leave no gaps when the mouse moves fast.
        for t in np.linspace(0.0, 1.0, max(2, int(np.ceil(length * 2)) + 1)):
            x = start.x() + t * (end.x() - start.x())
            y = start.y() + t * (end.y() - start.y())
            distance = np.hypot(centre_x - x, centre_y - y)
            coverage = np.clip(self.brush_radius + 0.5 - distance, 0.0, 1.0)
            if erase:
                self._pixels = np.minimum(self._pixels, 1.0 - coverage)
            else:
                self._pixels = np.maximum(self._pixels, coverage)
        self.update()
        self.changed.emit()

    def _cell_rect(self) -> QRectF:
        """The square area the grid occupies, centred in the widget."""
        rows, cols = self._pixels.shape
        cell = min(self.width() / cols, self.height() / rows)
        width, height = cell * cols, cell * rows
        return QRectF((self.width() - width) / 2, (self.height() - height) / 2, width, height)

    def _to_canvas(self, position: QPointF) -> QPointF:
        area = self._cell_rect()
        rows, cols = self._pixels.shape
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
        rows, cols = self._pixels.shape
        cell_w, cell_h = area.width() / cols, area.height() / rows
        painter.fillRect(self.rect(), self.palette().window())
        levels = np.round(self._pixels * 255).astype(int)
        for row in range(rows):
            for col in range(cols):
                level = int(levels[row, col])
                painter.fillRect(
                    QRectF(area.left() + col * cell_w, area.top() + row * cell_h, cell_w + 0.5, cell_h + 0.5),
                    QColor(level, level, level),
                )
        painter.setPen(QColor(90, 90, 90))
        painter.drawRect(area)
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
