"""Test images as pictures on screen: a QImage of an image, and a thumbnail fitted in a square.

Grayscale images are drawn as the seed notebook draws them (matplotlib's "binary" map): dark ink
on white, as the app's other probe views do; RGB images as they are.
"""

from __future__ import annotations

import numpy as np
from PyQt6.QtCore import Qt
from PyQt6.QtGui import QImage, QPixmap


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
