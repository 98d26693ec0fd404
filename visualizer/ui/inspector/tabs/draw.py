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
from visualizer.ui.kit.thumbnails import as_displayed

CANVAS_SIDE = 28  # until a model is open: the seed's input
ERASE_NOTE = "Left button draws, right button erases. "
GRAY_NOTE = ERASE_NOTE + "An opened picture is made grey and fitted to the canvas, keeping its proportions."
RGB_NOTE = (
    ERASE_NOTE + "This model takes colour images: a stroke is grey, the same value in red, green and "
    "blue; an opened picture keeps its colours and is fitted to the canvas, keeping its proportions."
)


def canvas_caption(height: int, width: int, colour: bool, shown_inverted: bool) -> str:
    """What the canvas is, in words, from the model's input and its data's convention."""
    size = f"{height}x{width} {'colour' if colour else 'grey'}"
    if shown_inverted:
        return (
            f"<b>Draw</b> dark on white, as the test pictures are shown here: the model is given the "
            f"{size} canvas the other way round, bright on black, as its own pictures are."
        )
    return f"<b>Draw</b> on the model's own {size} input: it is given the canvas exactly as shown."


def fit_to_canvas(pixels: np.ndarray, height: int, width: int) -> np.ndarray:
    """A grey (H, W) or colour (H, W, 3) [0, 1] picture scaled to ``height`` x ``width`` keeping
    its proportions; the margins take the colour of the picture's border, so a photo on white
    paper stays on white."""
    pixels = np.clip(np.asarray(pixels, dtype=np.float64), 0, 1)
    border = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
    margin = to_uint8(np.median(border, axis=0))
    mode = "L" if pixels.ndim == 2 else "RGB"
    colour = int(margin) if pixels.ndim == 2 else tuple(int(v) for v in margin)
    picture = Image.fromarray(to_uint8(pixels), mode=mode)
    fitted = ImageOps.pad(picture, (width, height), Image.Resampling.LANCZOS, color=colour)
    return np.asarray(fitted, dtype=np.float64) / 255.0


def top_classes_text(names: Sequence[str], probabilities: np.ndarray, count: int = 3) -> str:
    """The ``count`` most likely classes in words, one a line: "1. Sneaker 95.0%", "2. Sandal 2.5%"..."""
    probabilities = np.asarray(probabilities, dtype=np.float64)
    names = class_name_list(names, probabilities.size)
    best = np.argsort(-probabilities, kind="stable")[:count]  # ties: the lower class first
    return "\n".join(f"{rank}. {names[i]} {probabilities[i]:.1%}" for rank, i in enumerate(best, 1))


NOTHING_DRAWN = "Nothing drawn yet: draw on the canvas with the mouse, or open a picture. The model's answer appears here."


class DrawTab(QWidget):
    """A canvas with Clear and Open image…, the model's input as it sees it, its probabilities
    (bars and the top three in words) and a small Grad-CAM over its input."""

    pictureChanged = pyqtSignal(np.ndarray)  # the canvas's pixels, (H, W) or (H, W, 3) floats in [0, 1]

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
        self.caption = wrapping_label()
        self._colour = False
        self._shown_inverted = False

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
        self.set_canvas(CANVAS_SIDE, CANVAS_SIDE, colour=False, shown_inverted=False)

    def _build_canvas_column(self) -> QVBoxLayout:
        self.clear_button = push_button("Clear", "Start again with a blank canvas", self.canvas.clear)
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
        column.addWidget(self.caption)
        column.addWidget(self.canvas, 1)
        column.addLayout(buttons)
        column.addWidget(self.mode_note)
        return column

    # -- setters -----------------------------------------------------------------------------------
    def set_class_names(self, names: Sequence[str]) -> None:
        self._names = tuple(names)
        self.bars.set_class_names(self._names)

    def set_canvas(self, height: int, width: int, colour: bool, shown_inverted: bool) -> None:
        """A canvas of the model's input size and colour (blank when either changes, else the drawing
        is kept); ``shown_inverted``: its data is light on dark and shown as dark ink on white, so
        the canvas is too."""
        self._colour, self._shown_inverted = colour, shown_inverted
        self.canvas.shown_inverted = shown_inverted
        shape = (height, width, 3) if colour else (height, width)
        if self.canvas.image().shape != shape:
            self.canvas.set_shape(height, width, 3 if colour else 1)
        self.canvas.update()
        self.caption.setText(canvas_caption(height, width, colour, shown_inverted))
        self.mode_note.setText(RGB_NOTE if colour else GRAY_NOTE)
        self.clear_button.setToolTip(f"Start again with a blank {'white' if shown_inverted else 'black'} canvas")

    def show_model_input(self, image: np.ndarray) -> None:
        """The exact array the model is given (resized, converted, scaled), shown in [0, 1]."""
        image = np.asarray(image)
        size = "x".join(str(side) for side in image.shape)
        self.model_input_view.set_title(f"What the model sees: {size}")
        self.model_input_view.set_image(as_displayed(image, self._shown_inverted))

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
        self.grad_cam_view.set_image(as_displayed(np.asarray(model_input_image), self._shown_inverted))
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
        picture = ask_for_image_file(self, "rgb" if self._colour else "gray")
        if picture is not None:
            rows, cols = self.canvas.image().shape[:2]
            self.canvas.set_image(fit_to_canvas(picture.pixels, rows, cols))
