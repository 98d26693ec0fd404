"""Test images as pictures on screen, and the seed notebook's caption colours.

Grayscale images are drawn as the seed notebook draws them (matplotlib's "binary" map): dark ink
on white, as the app's other probe views do; RGB images as they are.
"""

from __future__ import annotations

import numpy as np
from PyQt6.QtCore import Qt
from PyQt6.QtGui import QColor, QImage, QPixmap

from visualizer.inspection.evaluation import Evaluation
from visualizer.ui.kit.probability_bars import CHOSEN_COLOUR, TRUE_COLOUR
from visualizer.ui.kit.theme import readable_text_colour

RIGHT_COLOUR = TRUE_COLOUR  # a caption in blue: the model was right
WRONG_COLOUR = CHOSEN_COLOUR  # in red: it was wrong
UNKNOWN_COLOUR = QColor("#444444")  # the true class is not known


def caption_colour(right: bool, known: bool = True) -> QColor:
    if not known:
        return readable_text_colour(UNKNOWN_COLOUR)
    return readable_text_colour(RIGHT_COLOUR if right else WRONG_COLOUR)


def image_tooltip(evaluation: Evaluation, image: int) -> str:
    """One image's caption, the model's top three guesses, and what a click does."""
    top = np.argsort(evaluation.probabilities[image])[::-1][:3]
    guesses = ", ".join(f"{evaluation.class_names[i]} {evaluation.probabilities[image, i]:.0%}" for i in top)
    return f"Image {image}: {evaluation.caption(image)}\nTop 3: {guesses}\nClick to inspect this image."


def image_to_qimage(image: np.ndarray) -> QImage:
    """(H, W) or (H, W, 3) uint8 -> a QImage that owns its pixels; gray as dark ink on white."""
    image = np.asarray(image, np.uint8)
    if image.ndim == 2:
        pixels = np.ascontiguousarray(255 - image)
        qimage = QImage(pixels.data, pixels.shape[1], pixels.shape[0], pixels.strides[0], QImage.Format.Format_Grayscale8)
    else:
        pixels = np.ascontiguousarray(image[..., :3])
        qimage = QImage(pixels.data, pixels.shape[1], pixels.shape[0], pixels.strides[0], QImage.Format.Format_RGB888)
    return qimage.copy()  # QImage only borrows the numpy buffer


def thumbnail(image: np.ndarray, side: int) -> QPixmap:
    """The image fitted in a ``side`` x ``side`` square: small images magnified by a whole factor
    with square pixels (a 28x28 image stays sharp), large ones scaled down smoothly. An empty
    image (a patch that sees only padding) is an empty square."""
    if np.asarray(image).size == 0:
        blank = QPixmap(side, side)
        blank.fill(Qt.GlobalColor.transparent)
        return blank
    qimage = image_to_qimage(image)
    longest = max(qimage.width(), qimage.height())
    if longest <= side:
        factor = max(1, side // longest)
        size = (qimage.width() * factor, qimage.height() * factor)
        mode = Qt.TransformationMode.FastTransformation
    else:
        size = (side, side)
        mode = Qt.TransformationMode.SmoothTransformation
    scaled = qimage.scaled(size[0], size[1], Qt.AspectRatioMode.KeepAspectRatio, mode)
    return QPixmap.fromImage(scaled)
