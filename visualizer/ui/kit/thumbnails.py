"""Test images as pictures on screen: a QImage of an image, and a thumbnail fitted in a square.

Pictures are drawn as they are, except where the data's own convention says otherwise: grey
pictures that are light on dark (Fashion-MNIST's garments, bright on black) are drawn as the seed
notebook draws them (matplotlib's "binary" map), dark ink on white, as the app's other probe
views do. A photograph is never shown as its negative.
"""

from __future__ import annotations

import numpy as np
from PyQt6.QtCore import Qt
from PyQt6.QtGui import QImage, QPixmap
from PyQt6.QtWidgets import QAbstractItemView, QListView, QListWidget


def as_displayed(picture: np.ndarray, light_on_dark: bool) -> np.ndarray:
    """A [0, 1] picture as people see it: a grey one that is ``light_on_dark`` inverted (dark ink
    on white), anything else as it is."""
    picture = np.asarray(picture, dtype=np.float32)
    return 1.0 - picture if light_on_dark and picture.ndim == 2 else picture


def image_to_qimage(image: np.ndarray, light_on_dark: bool = False) -> QImage:
    """(H, W) or (H, W, 3) uint8 -> a QImage that owns its pixels; a grey picture that is
    ``light_on_dark`` is drawn inverted, as dark ink on white."""
    image = np.asarray(image, np.uint8)
    if image.ndim == 2:
        pixels = np.ascontiguousarray(255 - image if light_on_dark else image)
        qimage = QImage(pixels.data, pixels.shape[1], pixels.shape[0], pixels.strides[0], QImage.Format.Format_Grayscale8)
    else:
        pixels = np.ascontiguousarray(image[..., :3])
        qimage = QImage(pixels.data, pixels.shape[1], pixels.shape[0], pixels.strides[0], QImage.Format.Format_RGB888)
    return qimage.copy()  # QImage only borrows the numpy buffer


def thumbnail(image: np.ndarray, side: int, light_on_dark: bool = False) -> QPixmap:
    """The image fitted in a ``side`` x ``side`` square: small images magnified by a whole factor
    with square pixels (a 28x28 image stays sharp), large ones scaled down smoothly. An empty
    image (a patch that sees only padding) is an empty square."""
    if np.asarray(image).size == 0:
        blank = QPixmap(side, side)
        blank.fill(Qt.GlobalColor.transparent)
        return blank
    qimage = image_to_qimage(image, light_on_dark)
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


def icon_list(selection: QAbstractItemView.SelectionMode) -> QListWidget:
    """A list that shows thumbnails as icons of one size, reflowed into rows as wide as it is."""
    icons = QListWidget()
    icons.setViewMode(QListView.ViewMode.IconMode)
    icons.setMovement(QListView.Movement.Static)
    icons.setResizeMode(QListView.ResizeMode.Adjust)
    icons.setUniformItemSizes(True)
    icons.setSelectionMode(selection)
    return icons
