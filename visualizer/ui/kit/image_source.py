"""ImageSourcePicker: choose what a demo works on, at one of two scales.

Small grids of whole numbers (5x5 to 9x9) can be followed by hand; pictures (bundled photos,
Fashion-MNIST items, the user's own file or drawing) show what the operation does to an image.
The pictures come from `visualizer.ui.kit.images`, which also asks the user for files and drawings.
"""

from __future__ import annotations

import logging

import numpy as np
from PyQt6.QtCore import pyqtSignal
from PyQt6.QtWidgets import (
    QGridLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QWidget,
)

from visualizer import imagefile
from visualizer.ui.kit import images, samples
from visualizer.ui.kit.compact import compact_combo
from visualizer.ui.kit.theme import error_text_colour

log = logging.getLogger(__name__)

NUMBERS = "numbers"
MIN_GRID, MAX_GRID = 5, 9


class ImageSourcePicker(QWidget):
    imageChanged = pyqtSignal()

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        mode: str = "gray",
        grid_size: int = 7,
        grid_range: tuple[int, int] = (MIN_GRID, MAX_GRID),
        seed: int = 1,
    ) -> None:
        super().__init__(parent)
        self._mode = mode
        self._seed = seed
        self._image = np.zeros((grid_size, grid_size))
        self._own: dict[str, np.ndarray] = {}  # the user's files and drawings, by title
        self._samples = {sample.name: sample for sample in samples.sample_images()}

        self.source_box = compact_combo()
        self.source_box.setToolTip(
            "What the demo works on: a small grid of numbers you can follow by hand, or a picture"
        )
        self.source_box.addItem("Numbers (small grid)", NUMBERS)
        for sample in self._samples.values():
            self.source_box.addItem(sample.title, sample.name)
            self.source_box.setItemData(self.source_box.count() - 1, sample.licence, 3)  # tooltip role
        self.grid_size = QSpinBox()
        self.grid_size.setRange(*grid_range)
        self.grid_size.setValue(grid_size)
        self.grid_size.setPrefix("size ")
        self.grid_size.setToolTip(f"Rows and columns of the number grid ({grid_range[0]} to {grid_range[1]})")
        self.new_numbers = QPushButton("New numbers")
        self.new_numbers.setToolTip("Draw a fresh set of random whole numbers")
        self.open_button = QPushButton("Open image…")
        self.open_button.setToolTip("Use a picture file of your own (scaled down to at most 256 pixels)")
        self.draw_button = QPushButton("Draw…")
        self.draw_button.setToolTip("Draw a 28x28 picture with the mouse")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet(f"color: {error_text_colour().name()}")
        self.message.hide()

        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.source_box, 0, 0, 1, 2)
        layout.addWidget(self.grid_size, 1, 0)
        layout.addWidget(self.new_numbers, 1, 1)
        layout.addWidget(self.open_button, 2, 0)
        layout.addWidget(self.draw_button, 2, 1)
        layout.addWidget(self.message, 3, 0, 1, 2)

        self.source_box.currentIndexChanged.connect(self._on_source_box_changed)
        self.grid_size.valueChanged.connect(self._on_source_box_changed)
        self.new_numbers.clicked.connect(self._on_new_numbers_clicked)
        self.open_button.clicked.connect(self._on_open_button_clicked)
        self.draw_button.clicked.connect(self._on_draw_button_clicked)
        self._load_current()

    # -- public ------------------------------------------------------------------------------------
    def image(self) -> np.ndarray:
        """(H, W) floats for mode "gray", (H, W, 3) for mode "rgb"."""
        return self._image

    def is_numbers(self) -> bool:
        return self.source_box.currentData() == NUMBERS

    def source_title(self) -> str:
        return self.source_box.currentText()

    def select(self, name: str) -> None:
        """Choose a source by its name ("numbers" or a sample's name)."""
        index = self.source_box.findData(name)
        if index < 0:
            raise KeyError(f"no image source named {name!r}")
        self.source_box.setCurrentIndex(index)

    def mode(self) -> str:
        return self._mode

    def add_image(self, title: str, pixels: np.ndarray) -> None:
        """Offer a picture of the user's own and switch to it; ValueError says what is wrong with it."""
        pixels = np.asarray(pixels, float)
        if not (pixels.ndim == 2 or (pixels.ndim == 3 and pixels.shape[2] == 3)):
            raise ValueError(f"a picture must be gray (H, W) or colour (H, W, 3), not of shape {pixels.shape}")
        if min(pixels.shape[:2]) < imagefile.MIN_SIDE:
            raise ValueError(f"the picture is too small: it needs at least {imagefile.MIN_SIDE} pixels on each side")
        if not np.isfinite(pixels).all():
            raise ValueError("the picture holds values that are not numbers")
        self._own[title] = imagefile.to_mode(pixels, self._mode)
        index = self.source_box.findData(title)
        if index < 0:
            self.source_box.addItem(title, title)
            index = self.source_box.count() - 1
        if index == self.source_box.currentIndex():
            self._load_current()
        else:
            self.source_box.setCurrentIndex(index)

    # -- internals ---------------------------------------------------------------------------------
    def _numbers(self) -> np.ndarray:
        size = self.grid_size.value()
        if self._mode == "rgb":
            channels = [samples.numeric_grid(size, seed=self._seed * 10 + k, high=9) for k in range(3)]
            return np.stack(channels, axis=2)
        return samples.numeric_grid(size, seed=self._seed, high=9)

    def _load_current(self) -> None:
        key = self.source_box.currentData()
        numbers = key == NUMBERS
        self.grid_size.setVisible(numbers)
        self.new_numbers.setVisible(numbers)
        try:
            if numbers:
                pixels = self._numbers()
            elif key in self._own:
                pixels = self._own[key]
            else:
                pixels = self._samples[key].load(self._mode)
        except Exception as error:  # missing data files, unreadable pictures: say so and keep the old one
            log.exception("could not load image source %s", key)
            self.message.setText(f"Could not load “{self.source_box.currentText()}”: {error}")
            self.message.show()
            return
        self.message.hide()
        self._image = np.asarray(pixels, float)
        self.imageChanged.emit()

    def _on_source_box_changed(self, _value=None) -> None:
        self._load_current()

    def _on_new_numbers_clicked(self) -> None:
        self._seed += 1
        self._load_current()

    def _on_open_button_clicked(self) -> None:
        self._add_user_image(images.ask_for_image_file(self, self._mode))

    def _on_draw_button_clicked(self) -> None:
        self._add_user_image(images.ask_for_drawing(self, self._mode))

    def _add_user_image(self, picture: images.UserImage | None) -> None:
        if picture is not None:
            self.add_image(picture.title, picture.pixels)
