""""Rest of the network": the seed notebook's CNN end to end, one stage at a time.

The diagram shows every stage with its output shape; picking one explains it in plain words next
to a small worked example computed here with numpy (ReLU, pooling, dropout, flatten, one dense
unit, softmax). No model is loaded: the numbers are made up so each step can be followed by hand.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image
from PyQt6.QtCore import QPointF, QRectF, QSize, Qt, QTimer, pyqtSignal
from PyQt6.QtGui import QColor, QFont, QFontMetrics, QMouseEvent, QPainter, QPainterPath, QPaintEvent, QPen, QPolygonF
from PyQt6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from visualizer.ops import shapes
from visualizer.ops.pooling import pool2d
from visualizer.training.data import CLASS_NAMES, IMAGE_SIDE
from visualizer.ui import images
from visualizer.ui.widgets import colormaps
from visualizer.ui.widgets.grid_view import GridView

SEED_NOTE = (
    "The notebook says the flattened layer has 1567 nodes, but 7 × 7 × 32 = 1568: "
    "the app shows 1568."
)


# -- the network -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Stage:
    """One step of the network as the diagram shows it."""

    kind: str  # input, conv, pool, dropout, flatten, dense, softmax
    name: str  # short label under the diagram block
    heading: str  # the full name above the explanation
    shape: tuple[int, ...]  # output shape of one image, without the batch axis
    params: int  # learned numbers (weights and biases)
    params_text: str  # how the learned numbers add up, in words
    keras: str  # the notebook's line of Keras
    text: str  # plain-words explanation (rich text)
    rate: float = 0.0  # dropout rate


def _fmt_shape(shape: tuple[int, ...]) -> str:
    return " × ".join(str(n) for n in shape)


def build_stages() -> tuple[Stage, ...]:
    """The seed notebook's model, with every shape worked out by the same rules the demos use."""
    side = (IMAGE_SIDE, IMAGE_SIDE)
    conv1 = shapes.conv_output_shape(side, (2, 2), 1, "same")
    pool1 = shapes.pool_output_shape(conv1, 2)
    conv2 = shapes.conv_output_shape(pool1, (2, 2), 1, "same")
    pool2 = shapes.pool_output_shape(conv2, 2)
    flat = pool2[0] * pool2[1] * 32
    conv1_params = 2 * 2 * 1 * 64 + 64
    conv2_params = 2 * 2 * 64 * 32 + 32
    dense1_params = flat * 256 + 256
    dense2_params = 256 * 10 + 10
    return (
        Stage(
            "input", "Input", "Input picture", (*side, 1), 0, "none",
            "input_shape=(28, 28, 1)",
            "A 28 × 28 grayscale picture: 784 numbers between 0 (black) and 1 (white). "
            "The last axis is the colour channel, and gray has only one. "
            "Open or draw your own picture from the File menu: it is shrunk to 28 × 28 like "
            "Fashion-MNIST.",
        ),
        Stage(
            "conv", "Conv + ReLU", "Convolution: 64 filters of 2 × 2, then ReLU", (*conv1, 64),
            conv1_params, f"2 × 2 × 1 × 64 weights + 64 biases = {conv1_params:,}",
            "Conv2D(filters=64, kernel_size=2, padding='same', activation='relu')",
            "Each of the 64 filters slides its own 2 × 2 kernel over the picture and makes one "
            "feature map; <i>same</i> padding keeps them 28 × 28. "
            "Then <b>ReLU</b> replaces every negative number by 0 and keeps the rest: "
            "a map only says where its pattern <i>is</i>, never where it is not.",
        ),
        Stage(
            "pool", "Max pool", "Max pooling 2 × 2", (*pool1, 64), 0, "none (pooling has no weights)",
            "MaxPooling2D(pool_size=2)",
            "Each 2 × 2 window of every feature map is replaced by its largest number, "
            "so the maps shrink to half the height and half the width (a quarter of the numbers). "
            "The strongest response in each neighbourhood survives; its exact position does not.",
        ),
        Stage(
            "conv", "Conv + ReLU", "Convolution: 32 filters of 2 × 2 × 64, then ReLU", (*conv2, 32),
            conv2_params, f"2 × 2 × 64 × 32 weights + 32 biases = {conv2_params:,}",
            "Conv2D(filters=32, kernel_size=2, padding='same', activation='relu')",
            "The second convolution looks at all 64 maps at once: each of its 32 filters is "
            "2 × 2 × 64, so it combines the patterns found so far into larger ones. "
            "ReLU again turns every negative number into 0.",
        ),
        Stage(
            "pool", "Max pool", "Max pooling 2 × 2", (*pool2, 32), 0, "none (pooling has no weights)",
            "MaxPooling2D(pool_size=2)",
            "Halves the maps again: 14 × 14 becomes 7 × 7, keeping the largest number of each "
            "2 × 2 window.",
        ),
        Stage(
            "dropout", "Dropout 30%", "Dropout, rate 0.3", (*pool2, 32), 0, "none",
            "Dropout(0.3)",
            "While training, each number is switched off (set to 0) with probability 0.3, a new "
            "random choice for every image. The network cannot rely on any single unit, which "
            "helps it generalise. The numbers kept are multiplied by 1 / (1 − 0.3) ≈ 1.43 so the "
            "total stays the same on average. When testing or predicting, nothing is dropped "
            "and nothing is scaled.",
            rate=0.3,
        ),
        Stage(
            "flatten", "Flatten", "Flatten", (flat,), 0, "none",
            "Flatten()",
            f"The {_fmt_shape((*pool2, 32))} block is unrolled into one long vector of "
            f"{flat:,} numbers, so a dense layer can take it. Nothing is computed: the numbers are "
            "only put in a row, channels first changing fastest, then columns, then rows. "
            "Click a cell of the vector to see where it came from.<br><small>" + SEED_NOTE + "</small>",
        ),
        Stage(
            "dense", "Dense + ReLU", "Dense (fully connected), 256 units, then ReLU", (256,),
            dense1_params, f"{flat:,} × 256 weights + 256 biases = {dense1_params:,}",
            "Dense(256, activation='relu')",
            f"Every one of the 256 units looks at all {flat:,} numbers: it multiplies each by its "
            "own weight, adds them up, adds a bias, and applies ReLU. "
            "This is where most of the network's learned numbers are.",
        ),
        Stage(
            "dropout", "Dropout 50%", "Dropout, rate 0.5", (256,), 0, "none",
            "Dropout(0.5)",
            "Half of the 256 units are switched off at random for each training image; the others "
            "are doubled (1 / (1 − 0.5) = 2). At test time all units are used, unscaled.",
            rate=0.5,
        ),
        Stage(
            "dense", "Dense", "Dense, 10 units: one score per class", (10,),
            dense2_params, f"256 × 10 weights + 10 biases = {dense2_params:,}",
            "Dense(10, activation='softmax')",
            "Ten units, one per kind of clothing. Each makes a weighted sum of the 256 numbers "
            "plus a bias: a score called a <i>logit</i>. A higher score means the network is more "
            "sure of that class; here the scores can be any number, negative too.",
        ),
        Stage(
            "softmax", "Softmax", "Softmax: scores become probabilities", (10,), 0,
            "none (it is the activation of the last Dense layer)",
            "activation='softmax'",
            "Softmax turns the ten scores into probabilities: take e<sup>score</sup> of each "
            "(always positive), then divide by their sum, so the ten add up to exactly 1. "
            "The order is kept: the highest score gets the highest probability. "
            "The predicted class is the one with the longest bar.",
        ),
    )


STAGES = build_stages()
TOTAL_PARAMS = sum(stage.params for stage in STAGES)
PLAY_INTERVAL_MS = 4000


# -- the numbers in the worked examples --------------------------------------------------------------
def relu(values: np.ndarray) -> np.ndarray:
    return np.maximum(values, 0.0)


def dropout(values: np.ndarray, rate: float, rng: np.random.Generator, training: bool = True):
    """(output, kept mask) as Keras computes dropout: at training time each value is dropped with
    probability ``rate`` and the kept ones are scaled by 1/(1-rate); at test time it is unchanged."""
    if not 0 <= rate < 1:
        raise ValueError("the dropout rate must be in [0, 1)")
    if not training:
        return values.copy(), np.ones(values.shape, bool)
    kept = rng.random(values.shape) >= rate
    return np.where(kept, values / (1.0 - rate), 0.0), kept


def flatten_index(row: int, col: int, channel: int, shape: tuple[int, int, int]) -> int:
    """Position in Flatten's output of the value at (row, col, channel), channels last."""
    _, width, channels = shape
    return (row * width + col) * channels + channel


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - np.max(logits))  # subtracting the max avoids overflow, same result
    return shifted / shifted.sum()


def to_network_input(pixels: np.ndarray) -> np.ndarray:
    """Any gray or colour picture in [0, 1] as the network's 28x28 gray input (centre-cropped)."""
    gray = images.to_mode(np.asarray(pixels, dtype=np.float64), "gray")
    height, width = gray.shape
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    square = gray[top : top + side, left : left + side]
    if square.shape == (IMAGE_SIDE, IMAGE_SIDE):
        return np.clip(square, 0, 1)
    picture = Image.fromarray(np.clip(square, 0, 1).astype(np.float32), mode="F")
    small = picture.resize((IMAGE_SIDE, IMAGE_SIDE), Image.Resampling.LANCZOS)
    return np.clip(np.asarray(small, dtype=np.float64), 0, 1)


# -- the diagram -------------------------------------------------------------------------------------
class NetworkDiagram(QWidget):
    """The stages as blocks, left to right: block height follows the picture's side, block depth
    the number of channels, so the network visibly trades space for channels. Click to pick one."""

    stageClicked = pyqtSignal(int)

    ACCENT = QColor(33, 102, 172)

    def __init__(self, stages: tuple[Stage, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._stages = stages
        self._current = 0
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setToolTip("Click a stage to see what it does (← → also move between stages)")

    def set_current(self, index: int) -> None:
        self._current = index
        self.update()

    def _label_lines(self) -> int:
        return 4

    def sizeHint(self) -> QSize:
        line = self.fontMetrics().height()
        return QSize(900, int(line * (self._label_lines() + 0.5)) + self._block_area_height())

    def minimumSizeHint(self) -> QSize:
        return QSize(400, self.sizeHint().height())

    def _block_area_height(self) -> int:
        return max(90, int(self.fontMetrics().height() * 6))

    def slot_rect(self, index: int) -> QRectF:
        slot = self.width() / len(self._stages)
        return QRectF(index * slot, 0, slot, self.height())

    def stage_at(self, point: QPointF) -> int | None:
        if not self.rect().contains(point.toPoint()):
            return None
        index = int(point.x() // (self.width() / len(self._stages)))
        return index if 0 <= index < len(self._stages) else None

    def mousePressEvent(self, event: QMouseEvent) -> None:
        index = self.stage_at(event.position())
        if index is not None and event.button() == Qt.MouseButton.LeftButton:
            self.stageClicked.emit(index)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        index = self.stage_at(event.position())
        if index is not None:
            stage = self._stages[index]
            self.setToolTip(f"{stage.heading}\nOutput: {_fmt_shape(stage.shape)}")
        self.setCursor(Qt.CursorShape.PointingHandCursor if index is not None else Qt.CursorShape.ArrowCursor)

    def _block_size(self, stage: Stage, area: float, slot: float) -> tuple[float, float]:
        """(height, depth) of a stage's block in pixels."""
        # The deepest block's slanted top rises 0.6 x its depth: leave room for it, so the
        # tallest block fits and blocks of the same side keep the same height.
        deepest = max(self._depth(s, slot) for s in self._stages)
        full = area * 0.92 - deepest * 0.6
        if len(stage.shape) == 3:
            return max(full * stage.shape[0] / IMAGE_SIDE, 12.0), self._depth(stage, slot)
        # vectors: a thin bar whose height grows with the log of its length
        return max(full * min(1.0, math.log10(stage.shape[0]) / math.log10(2000)), 12.0), 0.0

    @staticmethod
    def _depth(stage: Stage, slot: float) -> float:
        """How deep a block is drawn: grows with the log of its channels (0 for vectors)."""
        if len(stage.shape) != 3:
            return 0.0
        return min(slot * 0.35, 4 + 5 * math.log2(stage.shape[2]))

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        text_colour = palette.windowText().color()
        area = float(self._block_area_height())
        slot = self.width() / len(self._stages)
        line = self.fontMetrics().height()
        for index, stage in enumerate(self._stages):
            rect = self.slot_rect(index)
            selected = index == self._current
            if selected:
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(QColor(self.ACCENT.red(), self.ACCENT.green(), self.ACCENT.blue(), 40))
                painter.drawRoundedRect(rect.adjusted(2, 2, -2, -2), 6, 6)
            height, depth = self._block_size(stage, area, slot)
            width = slot * 0.22 if depth else max(6.0, slot * 0.09)
            centre_x = rect.center().x()
            bottom = area * 0.95 + 4
            front = QRectF(centre_x - (width + depth) / 2, bottom - height, width, height)
            fill = self.ACCENT if selected else QColor(150, 170, 195)
            if stage.kind == "dropout":
                fill = fill.lighter(125)
            painter.setPen(QPen(QColor(60, 60, 60), 1))
            if depth:
                top = QPolygonF(
                    [front.topLeft(), front.topLeft() + QPointF(depth, -depth * 0.6),
                     front.topRight() + QPointF(depth, -depth * 0.6), front.topRight()]
                )
                side = QPolygonF(
                    [front.topRight(), front.topRight() + QPointF(depth, -depth * 0.6),
                     front.bottomRight() + QPointF(depth, -depth * 0.6), front.bottomRight()]
                )
                painter.setBrush(fill.lighter(130))
                painter.drawPolygon(top)
                painter.setBrush(fill.darker(120))
                painter.drawPolygon(side)
            painter.setBrush(fill)
            if stage.kind == "dropout":
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.setPen(QPen(fill.darker(140), 1.5, Qt.PenStyle.DashLine))
            painter.drawRect(front)
            if index + 1 < len(self._stages):
                self._paint_arrow(painter, rect.right() - slot * 0.12, rect.right() + slot * 0.12, bottom - area * 0.3)
            # labels: name, then shape
            painter.setPen(text_colour)
            font = QFont(self.font())
            font.setBold(selected)
            painter.setFont(font)
            label = QRectF(rect.left() + 2, bottom + 6, rect.width() - 4, line * 2.2)
            painter.drawText(label, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap, stage.name)
            font.setBold(False)
            painter.setFont(font)
            painter.setPen(QColor(80, 80, 80) if not selected else self.ACCENT.darker(130))
            shape_rect = QRectF(rect.left() + 1, bottom + 6 + line * 2.2, rect.width() - 2, line * 1.8)
            painter.drawText(
                shape_rect,
                Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap,
                "×".join(str(n) for n in stage.shape),
            )
        painter.end()

    def _paint_arrow(self, painter: QPainter, x0: float, x1: float, y: float) -> None:
        painter.setPen(QPen(QColor(110, 110, 110), 1.5))
        painter.drawLine(QPointF(x0, y), QPointF(x1 - 4, y))
        path = QPainterPath()
        path.moveTo(x1, y)
        path.lineTo(x1 - 7, y - 4)
        path.lineTo(x1 - 7, y + 4)
        path.closeSubpath()
        painter.fillPath(path, QColor(110, 110, 110))


# -- the worked examples -------------------------------------------------------------------------------
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
    def __init__(self, seed: int, parent: QWidget | None = None) -> None:
        super().__init__(seed, parent)
        self.grid = _grid("", "The network's input: 28 × 28 gray values", max_cell_em=1.5)
        self.layout_.addWidget(self.grid, 1)
        self.resample_button.setText("Another sample")
        self.resample_button.setToolTip("Show another Fashion-MNIST picture")
        self._finish_layout()
        self._samples = [s for s in images.sample_images() if s.name.startswith("fashion-")]
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
        except (images.ImageError, ValueError) as error:  # the data set could not be read
            self.grid.set_caption(f"No sample picture: {error}")

    def set_picture(self, pixels: np.ndarray, title: str) -> None:
        self.pixels = to_network_input(pixels)
        self.grid.set_data(self.pixels, cmap=colormaps.GRAY, levels=(0.0, 1.0), show_values=False)
        self.grid.set_caption(f"{title}: 28 × 28, from 0 (black) to 1 (white)")


class ReluExample(Example):
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
        values = images.numeric_grid(5, seed=self._seed(), low=-9, high=9)
        out = relu(values)
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
    def __init__(self, seed: int, parent: QWidget | None = None) -> None:
        super().__init__(seed, parent)
        self.before = _grid("A 4 × 4 feature map", "Each 2 × 2 window's largest number is ringed")
        self.after = _grid("2 × 2 after max pooling", "One number per 2 × 2 window: its maximum")
        self.layout_.addLayout(_side_by_side(self.before, self.after, stretches=(2, 1)), 1)
        self.layout_.addWidget(_caption("The largest number of each 2 × 2 window (ringed) is kept."))
        self._finish_layout()
        self.resample()

    def resample(self) -> None:
        values = images.numeric_grid(4, seed=self._seed(), high=9)
        result = pool2d(values, 2, mode="max")  # a 2-D input gives 2-D results
        levels = colormaps.range_levels(values)
        self.before.set_data(values, cmap=colormaps.SEQUENTIAL, levels=levels)
        self.after.set_data(result.output, cmap=colormaps.SEQUENTIAL, levels=levels)
        self.before.set_marks([(int(r), int(c)) for r, c in result.winners.reshape(-1, 2)])


class DropoutExample(Example):
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
        self.values = images.numeric_grid(4, seed=self._seed(), low=0.1, high=2, decimals=1)
        _, self.kept = dropout(self.values, self.rate, np.random.default_rng(self._seed()), training=True)
        self._redraw()

    def output(self) -> np.ndarray:
        if self.testing.isChecked():
            return self.values.copy()
        return np.where(self.kept, self.values / (1.0 - self.rate), 0.0)

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
    BLOCK = (2, 2, 3)

    def __init__(self, seed: int, parent: QWidget | None = None) -> None:
        super().__init__(seed, parent)
        rows, cols, channels = self.BLOCK
        self.layout_.addWidget(_caption(f"A small {rows} × {cols} × {channels} block, one grid per channel"))
        self.channel_grids = [_grid(f"channel {channel}", f"Channel {channel} of the block; the outlined cell is the one picked below") for channel in range(channels)]
        self.layout_.addLayout(_side_by_side(*self.channel_grids), 3)
        self.vector = _grid(f"Flattened: {rows * cols * channels} numbers in a row (click one)", max_cell_em=3.0)
        self.vector.setToolTip("Click a number to see which row, column and channel it came from")
        self.vector.set_coordinates("position")
        self.vector.cellClicked.connect(self._on_vector_cell_clicked)
        self.layout_.addWidget(self.vector, 2)
        self.where = _caption()
        self.layout_.addWidget(self.where)
        self.layout_.addWidget(
            _caption("position = (row × width + column) × channels + channel; "
                     "in the network: (row × 7 + column) × 32 + channel")
        )
        self._finish_layout()
        self.selected = 0
        self.resample()

    def resample(self) -> None:
        rows, cols, channels = self.BLOCK
        self.block = np.stack(
            [images.numeric_grid((rows, cols), seed=self._seed()) for _ in range(channels)], axis=2
        )
        self.flat = self.block.reshape(-1)  # numpy's C order is Keras's channels-last Flatten order
        for channel, grid in enumerate(self.channel_grids):
            grid.set_data(self.block[:, :, channel], cmap=colormaps.SEQUENTIAL, levels=(0, 9))
        self.vector.set_data(self.flat[None, :], cmap=colormaps.SEQUENTIAL, levels=(0, 9))
        self.select(self.selected)

    def select(self, index: int) -> None:
        _, cols, channels = self.BLOCK
        self.selected = index
        row, rest = divmod(index, cols * channels)
        col, channel = divmod(rest, channels)
        self.vector.set_window([(0, index)])
        for number, grid in enumerate(self.channel_grids):
            grid.set_window([(row, col)] if number == channel else [])
        self.where.setText(
            f"Position {index} holds row {row}, column {col}, channel {channel}: "
            f"({row} × {cols} + {col}) × {channels} + {channel} = {flatten_index(row, col, channel, self.BLOCK)}"
        )

    def _on_vector_cell_clicked(self, _row: int, col: int) -> None:
        self.select(col)


class DenseExample(Example):
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
        self.x = images.numeric_grid((1, self.INPUTS), seed=seed, low=0, high=1, decimals=1)[0]
        self.w = images.numeric_grid((1, self.INPUTS), seed=seed + 1, low=-1, high=1, decimals=1)[0]
        self.b = float(images.numeric_grid(1, seed=seed + 2, low=-0.5, high=0.5, decimals=1)[0, 0])
        products = self.x * self.w
        self.z = float(products.sum() + self.b)
        levels = colormaps.symmetric_levels(self.x, self.w, products)
        self.inputs.set_data(self.x[None, :], cmap=colormaps.DIVERGING, levels=levels)
        self.weights.set_data(self.w[None, :], cmap=colormaps.DIVERGING, levels=levels)
        self.products.set_data(products[None, :], cmap=colormaps.DIVERGING, levels=levels)
        terms = " + ".join(f"{x:.1f}×({w:+.1f})" for x, w in zip(self.x, self.w))
        text = f"z = sum of x × w + bias = {terms} + ({self.b:+.1f}) = <b>{self.z:.2f}</b>"
        if self.use_relu:
            text += f"<br>output = ReLU(z) = <b>{max(self.z, 0.0):.2f}</b>"
        else:
            text += "<br>z is this class's score (a logit); softmax comes next."
        self.equation.setText(text)


class ProbabilityBars(QWidget):
    """Horizontal bars, one per class, labelled with the class name and the value."""

    def __init__(self, labels: tuple[str, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._labels = labels
        self._values = np.zeros(len(labels))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumHeight(self.fontMetrics().height() * len(labels))

    def set_values(self, values: np.ndarray) -> None:
        self._values = np.asarray(values, float)
        self.update()

    def values(self) -> np.ndarray:
        return self._values.copy()

    def sizeHint(self) -> QSize:
        return QSize(360, int(self.fontMetrics().height() * 1.5 * len(self._labels)))

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        bold = QFont(self.font())
        bold.setBold(True)
        metrics = QFontMetrics(bold)  # the widest a label can be is in bold
        name_width = max(metrics.horizontalAdvance(label) for label in self._labels) + 10
        value_width = metrics.horizontalAdvance("100.0%") + 8
        row_height = self.height() / len(self._labels)
        bar_space = max(10.0, self.width() - name_width - value_width)
        best = int(np.argmax(self._values)) if self._values.size else -1
        for index, (label, value) in enumerate(zip(self._labels, self._values)):
            top = index * row_height
            painter.setFont(bold if index == best else self.font())
            painter.setPen(self.palette().windowText().color())
            text_rect = QRectF(0, top, name_width - 8, row_height)
            painter.drawText(text_rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, label)
            bar = QRectF(name_width, top + row_height * 0.15, bar_space * float(value), row_height * 0.7)
            painter.fillRect(bar, QColor(178, 24, 43) if index == best else QColor(67, 147, 195))
            painter.drawText(
                QRectF(name_width + bar.width() + 4, top, value_width, row_height),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                f"{value * 100:.1f}%",
            )
        painter.end()


class SoftmaxExample(Example):
    button_text = "New scores"
    button_tip = "Make up ten new scores and turn them into probabilities"

    def __init__(self, seed: int, parent: QWidget | None = None) -> None:
        super().__init__(seed, parent)
        self.logit_grid = _grid(
            "Ten scores (logits) from the last Dense layer", "One score per class, any sign", max_cell_em=3.0
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
        self.logits = images.numeric_grid((1, 10), seed=self._seed(), low=-3, high=4, decimals=1)[0]
        self.probabilities = softmax(self.logits)
        levels = colormaps.symmetric_levels(self.logits)
        self.logit_grid.set_data(self.logits[None, :], cmap=colormaps.DIVERGING, levels=levels)
        self.bars.set_values(self.probabilities)
        best = int(np.argmax(self.probabilities))
        self.summary.setText(
            f"Sum of the ten probabilities: {self.probabilities.sum():.3f}. "
            f"Prediction: {CLASS_NAMES[best]} ({self.probabilities[best] * 100:.1f}%)."
        )


# -- the page --------------------------------------------------------------------------------------------
class NetworkPage(QWidget):
    """The whole network as a clickable diagram; one stage explained at a time.

    Stages work as steps, so the window's ← → and Home keys move through them and the step-through
    can be exported as an animation.
    """

    title = "Rest of the network"
    input_image_mode = "gray"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._index = 0
        self._examples: dict[int, QWidget] = {}

        # <big> rather than a fixed font, so the heading grows with zoom and presentation mode.
        heading = QLabel(f"<big><b>{self.title}</b>: the notebook's CNN from picture to prediction</big>")
        heading.setTextFormat(Qt.TextFormat.RichText)
        heading.setWordWrap(True)  # a narrow window wraps the title rather than refusing to shrink
        self.total = QLabel(f"{TOTAL_PARAMS:,} learned numbers")
        self.total.setToolTip("Weights and biases of the two convolutions and the two dense layers")
        top = QHBoxLayout()
        top.addWidget(heading, 1)
        top.addWidget(self.total)

        self.diagram = NetworkDiagram(STAGES)
        self.diagram.stageClicked.connect(self.set_step)

        self.explanation = QLabel()
        self.explanation.setWordWrap(True)
        self.explanation.setTextFormat(Qt.TextFormat.RichText)
        self.explanation.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.explanation.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        scroll = QScrollArea()
        scroll.setWidget(self.explanation)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(220)

        self.examples = QStackedWidget()
        body = QHBoxLayout()
        body.addWidget(scroll, 4)
        body.addSpacing(12)
        body.addWidget(self.examples, 5)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.diagram)
        layout.addLayout(body, 1)
        # Play walks through the stages slowly enough to talk over each one.
        self._play_timer = QTimer(self)
        self._play_timer.setInterval(PLAY_INTERVAL_MS)
        self._play_timer.timeout.connect(self._on_play_timer_timeout)
        self.set_step(0)

    # -- step protocol -----------------------------------------------------------------------
    def step_count(self) -> int:
        return len(STAGES)

    def current_step(self) -> int:
        return self._index

    def set_step(self, index: int) -> None:
        self._index = max(0, min(len(STAGES) - 1, int(index)))
        stage = STAGES[self._index]
        self.diagram.set_current(self._index)
        self.explanation.setText(self._explanation_html(stage))
        self.examples.setCurrentWidget(self._example_for(self._index))

    def step(self, delta: int) -> None:
        self.set_step(self._index + delta)

    def reset(self) -> None:
        self._play_timer.stop()
        self.set_step(0)

    def is_playing(self) -> bool:
        return self._play_timer.isActive()

    def toggle_play(self) -> None:
        if self._play_timer.isActive():
            self._play_timer.stop()
        else:
            if self._index == len(STAGES) - 1:
                self.set_step(0)  # play from the start once the end was reached
            self._play_timer.start()

    def _on_play_timer_timeout(self) -> None:
        self.step(1)
        if self._index == len(STAGES) - 1:
            self._play_timer.stop()

    def hideEvent(self, event) -> None:
        self._play_timer.stop()  # another page is shown: do not keep moving unseen
        super().hideEvent(event)

    def current_stage(self) -> Stage:
        return STAGES[self._index]

    def current_example(self) -> QWidget:
        return self.examples.currentWidget()

    # -- input picture -----------------------------------------------------------------------
    def set_input_image(self, pixels: np.ndarray, title: str) -> None:
        """Show a picture of the user's as the network's input, shrunk to 28 × 28 gray."""
        pixels = np.asarray(pixels, dtype=np.float64)
        if pixels.ndim not in (2, 3) or min(pixels.shape[:2]) < images.MIN_SIDE:
            raise ValueError(f"expected a picture of at least 3 × 3 pixels, got an array of shape {pixels.shape}")
        self.set_step(0)
        self._example_for(0).set_picture(pixels, title)

    # -- building ------------------------------------------------------------------------------
    def _example_for(self, index: int) -> QWidget:
        """The worked example of a stage, made the first time it is needed."""
        example = self._examples.get(index)
        if example is None:
            stage = STAGES[index]
            seed = 1000 + index  # each stage its own numbers, the same every run
            if stage.kind == "input":
                example = InputExample(seed)
            elif stage.kind == "conv":
                example = ReluExample(seed)
            elif stage.kind == "pool":
                example = PoolExample(seed)
            elif stage.kind == "dropout":
                example = DropoutExample(stage.rate, seed)
            elif stage.kind == "flatten":
                example = FlattenExample(seed)
            elif stage.kind == "dense":
                last = index + 1 < len(STAGES) and STAGES[index + 1].kind == "softmax"
                example = DenseExample(not last, seed)
            else:
                example = SoftmaxExample(seed)
            self._examples[index] = example
            self.examples.addWidget(example)
        return example

    @staticmethod
    def _explanation_html(stage: Stage) -> str:
        return (
            f"<h3 style='margin-bottom:4px'>{stage.heading}</h3>"
            f"<p>Output: <b>{_fmt_shape(stage.shape)}</b>"
            f"{' = ' + format(math.prod(stage.shape), ',') + ' numbers' if len(stage.shape) > 1 else ' numbers'}"
            f"<br>Learned numbers: {stage.params_text}</p>"
            f"<p>{stage.text}</p>"
            f"<p>Keras: <code>{stage.keras}</code></p>"
        )
