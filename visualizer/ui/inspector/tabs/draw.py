"""The inspector's "Draw your own" tab: draw or open a picture and watch the model's answer follow
the pen, beside the exact array the model is given.

A dumb view: every stroke emits the canvas's pixels (many times per stroke, so the bars follow
the pen; the receiver keeps only the newest) and the page sends back what the model saw and said.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageOps
from PyQt6.QtCore import pyqtSignal
from PyQt6.QtWidgets import QCheckBox, QHBoxLayout, QVBoxLayout, QWidget

from visualizer.imagefile import to_uint8
from visualizer.ui.inspector.saliency_overlay import SaliencyOverlay
from visualizer.ui.inspector.tabs.why import class_name_list
from visualizer.ui.kit.images import DrawCanvas, ask_for_image_file
from visualizer.ui.kit.plain import push_button, wrapping_label
from visualizer.ui.kit.probability_bars import ProbabilityBars

CANVAS_SIDE = 28
GRAY_NOTE = "Left button draws, right button erases. An opened picture is made gray and fitted to the canvas."
RGB_NOTE = (
    "Left button draws, right button erases. This model takes colour images: the gray drawing "
    "is given to it with the same value in red, green and blue."
)


def fit_to_square(pixels: np.ndarray, side: int) -> np.ndarray:
    """A gray [0, 1] picture scaled to ``side`` x ``side`` keeping its proportions; the margins
    take the colour of the picture's border, so a photo on white paper stays on white."""
    pixels = np.clip(np.asarray(pixels, dtype=np.float64), 0, 1)
    border = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
    picture = Image.fromarray(to_uint8(pixels), mode="L")
    fitted = ImageOps.pad(picture, (side, side), Image.Resampling.LANCZOS, color=int(np.median(border) * 255))
    return np.asarray(fitted, dtype=np.float64) / 255.0


def top_classes_text(names: Sequence[str], probabilities: np.ndarray, count: int = 3) -> str:
    """The ``count`` most likely classes in words, one a line: "1. Sneaker 95.0%", "2. Sandal 2.5%"..."""
    probabilities = np.asarray(probabilities, dtype=np.float64)
    names = class_name_list(names, probabilities.size)
    best = np.argsort(-probabilities, kind="stable")[:count]  # ties: the lower class first
    return "\n".join(f"{rank}. {names[i]} {probabilities[i]:.1%}" for rank, i in enumerate(best, 1))


NOTHING_DRAWN = "Nothing drawn yet: draw on the black canvas with the mouse, or open a picture. The model's answer appears here."


class DrawTab(QWidget):
    """A canvas with Clear and Open image…, the model's input as it sees it, its probabilities
    (bars and the top three in words) and a small Grad-CAM over its input."""

    pictureChanged = pyqtSignal(np.ndarray)  # the canvas's pixels, (H, W) floats in [0, 1]

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._names: tuple[str, ...] = ()
        self.canvas = DrawCanvas(CANVAS_SIDE)
        self.canvas.changed.connect(self._on_canvas_changed)
        self.model_input_view = SaliencyOverlay("What the model sees")
        self.grad_cam_view = SaliencyOverlay("Grad-CAM for its choice")
        self.bars = ProbabilityBars()
        self.top_classes = wrapping_label(NOTHING_DRAWN)
        self.mode_note = wrapping_label()

        middle = QVBoxLayout()
        middle.addWidget(self.model_input_view, 1)
        middle.addWidget(self.grad_cam_view, 1)
        right = QVBoxLayout()
        right.addWidget(wrapping_label("<b>What the model says</b>"))
        right.addWidget(self.bars, 1)
        right.addWidget(self.top_classes)
        layout = QHBoxLayout(self)
        layout.addLayout(self._build_canvas_column(), 5)
        layout.addLayout(middle, 3)
        layout.addLayout(right, 4)
        self.set_canvas_mode(True)

    def _build_canvas_column(self) -> QVBoxLayout:
        self.clear_button = push_button("Clear", "Start again with a black canvas", self.canvas.clear)
        self.open_button = push_button(
            "Open image…", "Put a picture from a file on the canvas", self._on_open_button_clicked
        )
        self.eraser = QCheckBox("Eraser")
        self.eraser.setToolTip("Erase with the left button too (the right button always erases)")
        self.eraser.toggled.connect(self._on_eraser_toggled)
        buttons = QHBoxLayout()
        buttons.addWidget(self.clear_button)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.eraser)
        buttons.addStretch(1)
        column = QVBoxLayout()
        column.addWidget(wrapping_label("<b>Draw</b> bright on black, like the Fashion-MNIST pictures"))
        column.addWidget(self.canvas, 1)
        column.addLayout(buttons)
        column.addWidget(self.mode_note)
        return column

    # -- setters -----------------------------------------------------------------------------------
    def set_class_names(self, names: Sequence[str]) -> None:
        self._names = tuple(names)
        self.bars.set_class_names(self._names)

    def set_canvas_mode(self, gray: bool) -> None:
        """Whether the model takes gray images; a colour model gets the gray drawing as R = G = B."""
        self.mode_note.setText(GRAY_NOTE if gray else RGB_NOTE)

    def show_model_input(self, image: np.ndarray) -> None:
        """The exact array the model is given (resized, converted, scaled), shown in [0, 1]."""
        image = np.asarray(image)
        size = "x".join(str(side) for side in image.shape)
        self.model_input_view.set_title(f"What the model sees: {size}")
        self.model_input_view.set_image(image)

    def show_prediction(
        self, model_input_image: np.ndarray, probabilities: np.ndarray, grad_cam: np.ndarray | None
    ) -> None:
        """The model's input, its probabilities, and Grad-CAM for its choice ((H, W) in [0, 1],
        or None when there is none)."""
        self.show_model_input(model_input_image)
        if not self.canvas.image().any():  # a blank canvas: the model's guess for it is no choice of the user's
            self.bars.set_values(np.zeros_like(np.asarray(probabilities, dtype=np.float64)))
            self.top_classes.setText(NOTHING_DRAWN)
        else:
            self.bars.set_values(probabilities)
            self.top_classes.setText(top_classes_text(self._names, probabilities))
        self.grad_cam_view.set_image(model_input_image)
        self.grad_cam_view.set_heat(grad_cam)
        self.grad_cam_view.set_title(
            "Grad-CAM for its choice" if grad_cam is not None else "Grad-CAM: not available for this model"
        )

    # -- slots -------------------------------------------------------------------------------------
    def _on_canvas_changed(self) -> None:
        self.pictureChanged.emit(self.canvas.image())

    def _on_eraser_toggled(self, on: bool) -> None:
        self.canvas.erasing = on

    def _on_open_button_clicked(self) -> None:
        picture = ask_for_image_file(self, "gray")
        if picture is not None:
            self.canvas.set_image(fit_to_square(picture.pixels, CANVAS_SIDE))
