"""Plain helpers the grid and concept-page tests share: click or hover over a grid cell, choose
a kernel preset, add up the arithmetic a step writes out, and compute what Keras gives for the
same single-channel op."""

import re

import numpy as np
from PyQt6.QtCore import QPoint, Qt


def written_terms_total(text: str) -> tuple[float, float]:
    """(sum of the a×b products written out, the value after the last '=') of a step's arithmetic."""
    body = re.sub(r"<[^>]+>", "", text).split("=", 1)[1]
    left, _, right = body.rpartition("=")
    numbers = r"\(?(-?[\d.e+-]+)\)?"
    products = re.findall(numbers + "×" + numbers, left)
    assert products, f"no products in {text!r}"
    return sum(float(a) * float(b) for a, b in products), float(right)


def cell_centre(grid, row: int, col: int) -> QPoint:
    centre = grid.cell_rect(row, col).center()
    return QPoint(int(centre.x()), int(centre.y()))


def click_cell(qtbot, grid, row: int, col: int) -> None:
    qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=cell_centre(grid, row, col))


def hover_cell(qtbot, grid, row: int, col: int) -> None:
    qtbot.mouseMove(grid, cell_centre(grid, row, col))


def choose_preset(editor, name: str) -> None:
    index = editor.preset_box.findText(name)
    assert index >= 0, name
    editor.preset_box.setCurrentIndex(index)
    editor.preset_box.activated.emit(index)


def _keras_single_channel(operation: str, x, kernel, **options) -> np.ndarray:
    """keras.ops.<operation> on one 2-D image and one 2-D kernel, as a 2-D array."""
    import keras

    out = getattr(keras.ops, operation)(
        x[None, :, :, None].astype("float32"),
        kernel[:, :, None, None].astype("float32"),
        **options,
    )
    return np.asarray(out)[0, :, :, 0]


def keras_conv(x, kernel, stride=1, padding="valid", dilation=1) -> np.ndarray:
    return _keras_single_channel("conv", x, kernel, strides=stride, padding=padding, dilation_rate=dilation)


def keras_conv_transpose(x, kernel, stride, padding, output_padding) -> np.ndarray:
    return _keras_single_channel("conv_transpose", x, kernel, strides=stride, padding=padding,
                                 output_padding=output_padding)
