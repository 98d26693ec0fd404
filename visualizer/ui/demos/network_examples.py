"""The worked examples of the network page: one small widget per kind of stage, each working its
layer out on a few made-up numbers (or on the input picture) with the ops the network uses."""

from __future__ import annotations

import numpy as np
from PIL import Image
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from visualizer import imagefile
from visualizer.ops import activations
from visualizer.ops.pooling import pool2d
from visualizer.training.data import CLASS_NAMES, IMAGE_SIDE
from visualizer.ui.kit import colormaps, samples
from visualizer.ui.kit.grid_view import GridView
from visualizer.ui.kit.probability_bars import ProbabilityBars

SIDE_TEXT = f"{IMAGE_SIDE} × {IMAGE_SIDE}"


def to_network_input(pixels: np.ndarray) -> np.ndarray:
    """Any gray or colour picture in [0, 1] as the network's 28x28 gray input (centre-cropped)."""
    gray = imagefile.to_mode(np.asarray(pixels, dtype=np.float64), "gray")
    height, width = gray.shape
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    square = gray[top : top + side, left : left + side]
    if square.shape == (IMAGE_SIDE, IMAGE_SIDE):
        return np.clip(square, 0, 1)
    picture = Image.fromarray(np.clip(square, 0, 1).astype(np.float32), mode="F")
    small = picture.resize((IMAGE_SIDE, IMAGE_SIDE), Image.Resampling.LANCZOS)
    return np.clip(np.asarray(small, dtype=np.float64), 0, 1)


def _caption(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setAlignment(Qt.AlignmentFlag.AlignHCenter)
    return label


def _grid(caption: str, tip: str = "", max_cell_em: float = 4.0) -> GridView:
    grid = GridView(max_cell_em=max_cell_em)
    grid.setMinimumSize(60, 60)
    grid.set_caption(caption)
    grid.setToolTip(tip or caption)
    return grid


def _side_by_side(*widgets: QWidget, stretches: tuple[int, ...] = ()) -> QHBoxLayout:
    row = QHBoxLayout()
    for index, widget in enumerate(widgets):
        row.addWidget(widget, stretches[index] if stretches else 1)
    return row


class Example(QWidget):
    """Base for one worked example: the resample button makes up new numbers and redraws it.

    Each example defines `resample()`, which the button calls."""

    button_text = "New numbers"
    button_tip = "Make up new numbers and work the example again"

    def __init__(self, seed: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rng = np.random.default_rng(seed)
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.resample_button = QPushButton(self.button_text)
        self.resample_button.setToolTip(self.button_tip)
        self.resample_button.clicked.connect(self.resample)

    def resample(self) -> None:
        """Make up new numbers and work the example again."""

    def _seed(self) -> int:
        return int(self._rng.integers(1 << 30))

    def _finish_layout(self, *extra: QWidget) -> None:
        row = QHBoxLayout()
        for widget in extra:
            row.addWidget(widget)
        row.addStretch(1)
        row.addWidget(self.resample_button)
        self.layout_.addLayout(row)


class InputExample(Example):
    """The input picture as the network sees it: a Fashion-MNIST sample, or the user's own."""

    button_text = "Another sample"
    button_tip = "Show another Fashion-MNIST picture"

    def __init__(self, seed: int, parent: QWidget | None = None) -> None:
        super().__init__(seed, parent)
        self.grid = _grid("", f"The network's input: {SIDE_TEXT} gray values", max_cell_em=1.5)
        self.layout_.addWidget(self.grid, 1)
        self._finish_layout()
        self._samples = [s for s in samples.sample_images() if s.name.startswith("fashion-")]
        self._sample_index = -1
        self.pixels = np.zeros((IMAGE_SIDE, IMAGE_SIDE))
        self.resample()

    def resample(self) -> None:
        if not self._samples:
            return
        self._sample_index = (self._sample_index + 1) % len(self._samples)
        sample = self._samples[self._sample_index]
        try:
            self.set_picture(sample.load("gray"), sample.title)
        except (imagefile.ImageError, ValueError) as error:  # the data set could not be read
            self.grid.set_caption(f"No sample picture: {error}")

    def set_picture(self, pixels: np.ndarray, title: str) -> None:
        self.pixels = to_network_input(pixels)
        self.grid.set_data(self.pixels, cmap=colormaps.GRAY, levels=(0.0, 1.0), show_values=False)
        self.grid.set_caption(f"{title}: {SIDE_TEXT}, from 0 (black) to 1 (white)")


class ReluExample(Example):
    """Part of a feature map before and after ReLU, the zeroed negatives ringed."""

    def __init__(self, seed: int, parent: QWidget | None = None) -> None:
        super().__init__(seed, parent)
        self.before = _grid("Before ReLU", "Numbers a convolution produced; blue is negative, red positive")
        self.after = _grid("After ReLU", "ReLU(x) = max(x, 0): the negatives (ringed) became 0")
        self.layout_.addLayout(_side_by_side(self.before, self.after), 1)
        self.summary = _caption()
        self.layout_.addWidget(self.summary)
        self._finish_layout()
        self.resample()

    def resample(self) -> None:
        values = samples.numeric_grid(5, seed=self._seed(), low=-9, high=9)
        out = activations.relu(values)
        levels = colormaps.symmetric_levels(values)
        self.before.set_data(values, cmap=colormaps.DIVERGING, levels=levels)
        self.after.set_data(out, cmap=colormaps.DIVERGING, levels=levels)
        zeroed = [(int(r), int(c)) for r, c in np.argwhere(values < 0)]
        self.before.set_marks(zeroed)
        self.after.set_marks(zeroed)
        self.summary.setText(
            f"Part of a feature map: {len(zeroed)} of {values.size} numbers were negative "
            "and are now 0 (ringed)."
        )


class PoolExample(Example):
    """A 4 × 4 map max-pooled to 2 × 2, each window's winner ringed."""

    def __init__(self, seed: int, parent: QWidget | None = None) -> None:
        super().__init__(seed, parent)
        self.before = _grid("A 4 × 4 feature map", "Each 2 × 2 window's largest number is ringed")
        self.after = _grid("2 × 2 after max pooling", "One number per 2 × 2 window: its maximum")
        self.layout_.addLayout(_side_by_side(self.before, self.after, stretches=(2, 1)), 1)
        self.layout_.addWidget(_caption("The largest number of each 2 × 2 window (ringed) is kept."))
        self._finish_layout()
        self.resample()

    def resample(self) -> None:
        values = samples.numeric_grid(4, seed=self._seed(), high=9)
        result = pool2d(values, 2, mode="max")  # a 2-D input gives 2-D results
        levels = colormaps.range_levels(values)
        self.before.set_data(values, cmap=colormaps.SEQUENTIAL, levels=levels)
        self.after.set_data(result.output, cmap=colormaps.SEQUENTIAL, levels=levels)
        self.before.set_marks([(int(r), int(c)) for r, c in result.winners.reshape(-1, 2)])


class DropoutExample(Example):
    """A few activations through dropout at ``rate``: switched off and rescaled while training,
    passed on unchanged when testing."""

    button_text = "Resample"
    button_tip = "Choose again, at random, which units are switched off"

    def __init__(self, rate: float, seed: int, parent: QWidget | None = None) -> None:
        super().__init__(seed, parent)
        self.rate = rate
        self.before = _grid("Activations coming in", "The numbers the previous layer produced")
        self.after = _grid("", "What dropout passes on: hatched units were switched off")
        self.layout_.addLayout(_side_by_side(self.before, self.after), 1)
        self.summary = _caption()
        self.layout_.addWidget(self.summary)
        self.training = QRadioButton("Training")
        self.training.setToolTip("Dropout is active: units are switched off at random")
        self.testing = QRadioButton("Testing")
        self.testing.setToolTip("Dropout does nothing: every unit is used, unscaled")
        self.training.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.training)
        group.addButton(self.testing)
        self.training.toggled.connect(self._redraw)
        self._finish_layout(self.training, self.testing)
        self.resample()

    def resample(self) -> None:
        self.values = samples.numeric_grid(4, seed=self._seed(), low=0.1, high=2, decimals=1)
        _, self.kept = activations.dropout(self.values, self.rate, np.random.default_rng(self._seed()))
        self._redraw()

    def output(self) -> np.ndarray:
        if self.testing.isChecked():
            return self.values.copy()
        return activations.apply_dropout(self.values, self.kept, self.rate)

    def _redraw(self) -> None:
        output = self.output()
        levels = colormaps.range_levels(self.values, output)
        self.before.set_data(self.values, cmap=colormaps.SEQUENTIAL, levels=levels)
        self.after.set_data(output, cmap=colormaps.SEQUENTIAL, levels=levels)
        scale = 1.0 / (1.0 - self.rate)
        if self.testing.isChecked():
            self.after.set_shaded(None)
            self.after.set_caption("Testing: unchanged")
            self.summary.setText("At test time nothing is switched off and nothing is scaled.")
        else:
            self.after.set_shaded(~self.kept)
            dropped = int((~self.kept).sum())
            self.after.set_caption(f"Training: {dropped} switched off (hatched)")
            self.summary.setText(
                f"Each unit is dropped with probability {self.rate:g}; the {int(self.kept.sum())} kept "
                f"are multiplied by 1 / (1 − {self.rate:g}) = {scale:.2f}."
            )
        self.resample_button.setEnabled(not self.testing.isChecked())


class FlattenExample(Example):
    """A small block unrolled into a row; a click on the row shows where a number came from.
    ``network_block`` is the (rows, cols, channels) block the network itself flattens."""

    BLOCK = (2, 2, 3)

    def __init__(self, network_block: tuple[int, int, int], seed: int, parent: QWidget | None = None) -> None:
        super().__init__(seed, parent)
        rows, cols, channels = self.BLOCK
        self.layout_.addWidget(_caption(f"A small {rows} × {cols} × {channels} block, one grid per channel"))
        self.channel_grids = [
            _grid(f"channel {channel}", f"Channel {channel} of the block; the outlined cell is the one picked below")
            for channel in range(channels)
        ]
        self.layout_.addLayout(_side_by_side(*self.channel_grids), 3)
        self.vector = _grid(f"Flattened: {rows * cols * channels} numbers in a row (click one)", max_cell_em=3.0)
        self.vector.setToolTip("Click a number to see which row, column and channel it came from")
        self.vector.set_coordinates("position")
        self.vector.cellClicked.connect(self._on_vector_cell_clicked)
        self.layout_.addWidget(self.vector, 2)
        self.where = _caption()
        self.layout_.addWidget(self.where)
        _, network_cols, network_channels = network_block
        self.layout_.addWidget(
            _caption("position = (row × width + column) × channels + channel; "
                     f"in the network: (row × {network_cols} + column) × {network_channels} + channel")
        )
        self._finish_layout()
        self.selected = 0
        self.resample()

    def resample(self) -> None:
        rows, cols, channels = self.BLOCK
        self.block = np.stack(
            [samples.numeric_grid((rows, cols), seed=self._seed()) for _ in range(channels)], axis=2
        )
        self.flat = activations.flatten(self.block)
        for channel, grid in enumerate(self.channel_grids):
            grid.set_data(self.block[:, :, channel], cmap=colormaps.SEQUENTIAL, levels=(0, 9))
        self.vector.set_data(self.flat[None, :], cmap=colormaps.SEQUENTIAL, levels=(0, 9))
        self.select(self.selected)

    def select(self, index: int) -> None:
        _, cols, channels = self.BLOCK
        self.selected = index
        row, col, channel = activations.unflatten_index(index, self.BLOCK)
        self.vector.set_window([(0, index)])
        for number, grid in enumerate(self.channel_grids):
            grid.set_window([(row, col)] if number == channel else [])
        position = activations.flatten_index(row, col, channel, self.BLOCK)
        self.where.setText(
            f"Position {index} holds row {row}, column {col}, channel {channel}: "
            f"({row} × {cols} + {col}) × {channels} + {channel} = {position}"
        )

    def _on_vector_cell_clicked(self, _row: int, col: int) -> None:
        self.select(col)


class DenseExample(Example):
    """One unit's weighted sum plus bias, then ReLU (``use_relu``) or left as a class score."""

    INPUTS = 5

    def __init__(self, use_relu: bool, seed: int, parent: QWidget | None = None) -> None:
        super().__init__(seed, parent)
        self.use_relu = use_relu
        self.layout_.addWidget(_caption(f"One unit with {self.INPUTS} inputs (the real ones have far more)"))
        self.inputs = _grid("inputs x", "The numbers coming into the unit")
        self.weights = _grid("this unit's weights w", "One learned weight per input")
        self.products = _grid("products x × w", "Each input times its weight; the unit adds these up, plus its bias")
        for grid in (self.inputs, self.weights, self.products):
            self.layout_.addWidget(grid, 1)
        self.equation = QLabel()
        self.equation.setWordWrap(True)
        self.equation.setTextFormat(Qt.TextFormat.RichText)
        self.layout_.addWidget(self.equation)
        self._finish_layout()
        self.resample()

    def resample(self) -> None:
        seed = self._seed()
        self.x = samples.numeric_grid((1, self.INPUTS), seed=seed, low=0, high=1, decimals=1)[0]
        self.w = samples.numeric_grid((1, self.INPUTS), seed=seed + 1, low=-1, high=1, decimals=1)[0]
        self.b = float(samples.numeric_grid(1, seed=seed + 2, low=-0.5, high=0.5, decimals=1)[0, 0])
        products = self.x * self.w
        self.z = float(products.sum() + self.b)
        levels = colormaps.symmetric_levels(self.x, self.w, products)
        self.inputs.set_data(self.x[None, :], cmap=colormaps.DIVERGING, levels=levels)
        self.weights.set_data(self.w[None, :], cmap=colormaps.DIVERGING, levels=levels)
        self.products.set_data(products[None, :], cmap=colormaps.DIVERGING, levels=levels)
        terms = " + ".join(f"{x:.1f}×({w:+.1f})" for x, w in zip(self.x, self.w))
        text = f"z = sum of x × w + bias = {terms} + ({self.b:+.1f}) = <b>{self.z:.2f}</b>"
        if self.use_relu:
            text += f"<br>output = ReLU(z) = <b>{float(activations.relu(self.z)):.2f}</b>"
        else:
            text += "<br>z is this class's score (a logit); softmax comes next."
        self.equation.setText(text)


class SoftmaxExample(Example):
    """Ten made-up class scores and the probabilities softmax makes of them."""

    button_text = "New scores"
    button_tip = "Make up ten new scores and turn them into probabilities"

    def __init__(self, seed: int, parent: QWidget | None = None) -> None:
        super().__init__(seed, parent)
        self.logit_grid = _grid(
            "Ten made-up scores (logits), as the last Dense layer gives them",
            "Example numbers, one score per class, any sign: not the network's answer for the picture",
            max_cell_em=3.0,
        )
        self.layout_.addWidget(self.logit_grid)
        self.bars = ProbabilityBars(CLASS_NAMES)
        self.bars.setToolTip("Probability of each class; the longest bar is the prediction")
        self.layout_.addWidget(self.bars, 1)
        self.summary = _caption()
        self.layout_.addWidget(self.summary)
        self._finish_layout()
        self.resample()

    def resample(self) -> None:
        self.logits = samples.numeric_grid((1, len(CLASS_NAMES)), seed=self._seed(), low=-3, high=4, decimals=1)[0]
        self.probabilities = activations.softmax(self.logits)
        levels = colormaps.symmetric_levels(self.logits)
        self.logit_grid.set_data(self.logits[None, :], cmap=colormaps.DIVERGING, levels=levels)
        self.bars.set_values(self.probabilities)
        best = int(np.argmax(self.probabilities))
        # The scores are random, not the untrained or trained network's output for the sample
        # picture shown above; a class named without saying so reads as the network's prediction.
        self.summary.setText(
            f"These scores are made-up examples, not the network's answer for the picture. "
            f"Sum of the ten probabilities: {self.probabilities.sum():.3f}; "
            f"these scores would predict {CLASS_NAMES[best]} ({self.probabilities[best] * 100:.1f}%)."
        )
