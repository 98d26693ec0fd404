"""WindowStepView: input | kernel or window | output, with the arithmetic of the current step.

It draws a sliding-window trace from `visualizer.ops.trace` (a convolution or a pooling):
the padded input with its padding hatched, the current window outlined (with the kernel's
weights in its corners), the output filled in up to the current step, and the step's sum as
`format_sum` writes it. Hovering an output cell outlines the window that feeds it; clicking
one asks the page to jump to its step (`stepClicked`).
"""

from __future__ import annotations

import numpy as np
from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from visualizer.ops.trace import format_sum
from visualizer.ui.kit import colormaps
from visualizer.ui.kit.grid_view import GridView, format_value
from visualizer.ui.kit.text_labels import ArithmeticLabel, FormulaLabel


def window_cells(step) -> list[tuple[int, int]]:
    """The padded-input cells of a step's window, row-major like its weights."""
    return [(int(r), int(c)) for r in step.rows for c in step.cols]


def output_colours(output: np.ndarray) -> tuple[str, tuple[float, float]]:
    """A diverging map centred on 0 for signed outputs, viridis for the others."""
    cmap = colormaps.DIVERGING if colormaps.is_signed(output) else colormaps.SEQUENTIAL
    return cmap, colormaps.levels_for(cmap, output)


def pending_mask(shape: tuple[int, int], index: int) -> np.ndarray:
    """Cells after step `index` in row-major order: not computed yet."""
    return np.arange(shape[0] * shape[1]).reshape(shape) > index


class WindowStepView(QWidget):
    stepClicked = pyqtSignal(int)  # the step of a clicked output cell

    def __init__(self, middle: QWidget, middle_caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._trace = None
        self._picture = False
        self._weights = True
        self.input = GridView()
        self.input.setToolTip("The input; hatched cells are padding zeros. The outlined window feeds the current output cell.")
        self.output = GridView()
        self.output.setToolTip(
            "The output: cells fill in step by step. Click a cell to jump to its step; hover to see its window."
        )
        self.middle_caption = QLabel(middle_caption)
        self.middle_caption.setWordWrap(True)
        self.middle_caption.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        font = self.middle_caption.font()
        font.setBold(True)
        self.middle_caption.setFont(font)
        self.detail = GridView(max_cell_em=2.4)
        self.detail.setToolTip("The current window in detail")
        self.detail.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.detail_note = QLabel()
        self.detail_note.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.detail_note.setWordWrap(True)
        middle_column = QVBoxLayout()
        middle_column.addStretch(1)
        middle_column.addWidget(self.middle_caption)
        middle_column.addWidget(middle, 0, Qt.AlignmentFlag.AlignHCenter)
        middle_column.addSpacing(self.fontMetrics().height())
        middle_column.addWidget(self.detail)
        middle_column.addWidget(self.detail_note)
        middle_column.addStretch(1)
        middle_holder = QWidget()
        middle_holder.setLayout(middle_column)
        middle_holder.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Preferred)

        self.formula = FormulaLabel()
        self.arithmetic = ArithmeticLabel("The current step written out: each input value times its weight, added up")

        self.grids = QHBoxLayout()
        self.grids.addWidget(self.input, 1)
        self.grids.addWidget(middle_holder, 0)
        self.grids.addWidget(self.output, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.grids, 1)
        layout.addWidget(self.formula)
        layout.addWidget(self.arithmetic)

        self.output.cellHovered.connect(self._on_output_cell_hovered)
        self.output.cellClicked.connect(self._on_output_cell_clicked)

    def trace(self):
        return self._trace

    def set_trace(self, trace, *, picture: bool, weights: bool = True) -> None:
        """Show a new trace (a new input or new settings); the page then calls `show_step`."""
        self._trace, self._picture, self._weights = trace, picture, weights
        padded, mask = trace.padded_input, trace.padding_mask
        real = padded[~mask]
        levels = colormaps.range_levels(real)
        self.input.set_data(padded, cmap=colormaps.SEQUENTIAL, levels=levels, show_values=not picture)
        self.input.set_shaded(mask)
        top, left = trace.padding[0][0], trace.padding[1][0]
        self.input.set_coordinates("input", (top, left))
        cmap, out_levels = output_colours(trace.output)
        finite = trace.output[np.isfinite(trace.output)]
        if not weights and finite.size and levels[0] <= finite.min() and finite.max() <= levels[1]:
            # Max and average pooling pick or mix input values: one colour scale for both grids,
            # so a value has the same colour where it came from and where it landed.
            cmap, out_levels = colormaps.SEQUENTIAL, levels
        self.output.set_data(trace.output, cmap=cmap, levels=out_levels, show_values=not picture)
        self.output.set_coordinates("output")
        h, w = padded.shape[:2]
        in_h, in_w = h - sum(trace.padding[0]), w - sum(trace.padding[1])
        padded_note = f", padded {h}×{w}" if (h, w) != (in_h, in_w) else ""
        # Share the width by columns, so input and output cells come out about the same size.
        self.grids.setStretch(0, w)
        self.grids.setStretch(2, max(trace.output.shape[1], w // 2))
        self.input.set_caption(f"Input {in_h}×{in_w}{padded_note}")
        self.output.set_caption(f"Output {trace.output.shape[0]}×{trace.output.shape[1]}")

    def show_step(self, index: int, marks: list[tuple[int, int]] = ()) -> None:
        step = self._trace[index]
        cells = window_cells(step)
        labels = [f"×{format_value(w)}" for w in np.ravel(step.weights)] if self._weights else []
        self.input.set_window(cells, labels)
        self.input.set_marks(marks)
        self.output.set_window([(step.out_row, step.out_col)])
        self.output.set_pending(pending_mask(self._trace.output.shape, index), dim=self._picture)
        self.arithmetic.setText(f"<b>output[{step.out_row}, {step.out_col}]</b> = {format_sum(step)}")
        self._show_detail(step)

    def _show_detail(self, step) -> None:
        """The window up close: its products with the kernel (convolution) or its values (pooling)."""
        if self._weights:
            values, cmap = step.products, colormaps.DIVERGING
            levels = colormaps.symmetric_levels(values)
            self.detail.set_caption("window × kernel")
            self.detail_note.setText(f"add them up: {format_value(step.value)}")
        else:
            values, cmap = step.window, colormaps.SEQUENTIAL
            levels = self.input.levels()
            self.detail.set_caption("window")
            self.detail_note.setText("")
        self.detail.set_data(values, cmap=cmap, levels=levels)
        self.detail.set_shaded(step.is_padding)
        winner = getattr(step, "winner", None)
        marks = []
        if winner is not None:
            row = int(np.flatnonzero(step.rows == winner[0])[0])
            col = int(np.flatnonzero(step.cols == winner[1])[0])
            marks = [(row, col)]
        self.detail.set_marks(marks)

    def _on_output_cell_clicked(self, row: int, col: int) -> None:
        self.stepClicked.emit(row * self._trace.output.shape[1] + col)

    def _on_output_cell_hovered(self, row: int, col: int) -> None:
        if row < 0 or self._trace is None:
            self.input.set_hover_window([])
            return
        step = self._trace[row * self._trace.output.shape[1] + col]
        self.input.set_hover_window(window_cells(step))
