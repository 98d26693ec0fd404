"""DepthView: a convolution over several input channels with several filters.

Each filter has one kernel slice per input channel; one output cell is the sum over all
channels of that channel's window times its slice, so a filter turns the whole depth of the
input into one output map. The input channels sit in a row with the current filter's slices
under them; the output maps, one per filter, stand in a column on the right.
"""

from __future__ import annotations

import numpy as np
from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from visualizer.ops.trace import format_sum
from visualizer.ui.demos.window_view import output_colours, pending_mask, window_cells
from visualizer.ui.kit import colormaps
from visualizer.ui.kit.grid_view import GridView, format_value
from visualizer.ui.kit.kernel_editor import KernelEditor
from visualizer.ui.kit.text_labels import ArithmeticLabel, FormulaLabel

CHANNEL_NAMES = ("red", "green", "blue")


class DepthView(QWidget):
    outputCellClicked = pyqtSignal(int, int, int)  # filter, row, column

    def __init__(self, editors: list[KernelEditor], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._trace = None
        self._picture = False
        self._selected = 0
        self.editors = editors
        self.inputs = []
        self.slice_captions = []
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for channel, editor in enumerate(editors):
            grid = GridView()
            grid.setToolTip(
                f"The {CHANNEL_NAMES[channel]} channel of the input. The window covers the same cells "
                "in every channel."
            )
            self.inputs.append(grid)
            caption = QLabel()
            caption.setAlignment(Qt.AlignmentFlag.AlignHCenter)
            font = caption.font()
            font.setBold(True)
            caption.setFont(font)
            self.slice_captions.append(caption)
            column = QVBoxLayout()
            column.addWidget(caption)
            column.addWidget(editor, 0, Qt.AlignmentFlag.AlignHCenter)
            layout.addWidget(grid, 0, channel)
            layout.addLayout(column, 1, channel)
        self.outputs_box = QWidget()
        self.outputs_layout = QVBoxLayout(self.outputs_box)
        self.outputs_layout.setContentsMargins(0, 0, 0, 0)
        self.outputs: list[GridView] = []
        layout.addWidget(self.outputs_box, 0, len(editors), 2, 1)
        self.formula = FormulaLabel()
        self.arithmetic = ArithmeticLabel(
            "The current step written out: every channel's window times its kernel slice, all added up"
        )
        layout.addWidget(self.formula, 2, 0, 1, len(editors) + 1)
        layout.addWidget(self.arithmetic, 3, 0, 1, len(editors) + 1)
        layout.setRowStretch(0, 3)
        layout.setRowStretch(1, 0)
        for column in range(len(editors)):
            layout.setColumnStretch(column, 2)
        layout.setColumnStretch(len(editors), 2)

    def trace(self):
        return self._trace

    def _ensure_outputs(self, count: int) -> None:
        while len(self.outputs) < count:
            index = len(self.outputs)
            grid = GridView()
            grid.setToolTip("One output map per filter. Click a cell to step there with that filter.")
            grid.cellClicked.connect(lambda r, c, j=index: self.outputCellClicked.emit(j, r, c))
            grid.cellHovered.connect(lambda r, c, j=index: self._on_output_cell_hovered(j, r, c))
            self.outputs.append(grid)
            self.outputs_layout.addWidget(grid)
        for index, grid in enumerate(self.outputs):
            grid.setVisible(index < count)

    def set_data(self, trace, maps: np.ndarray, selected: int, *, picture: bool) -> None:
        """Show the trace of filter `selected` and every filter's output map, (H, W, D_out)."""
        self._trace, self._picture, self._selected = trace, picture, selected
        padded, mask = trace.padded_input, trace.padding_mask
        levels = colormaps.range_levels(padded[~mask])  # shared: equal numbers, equal colours
        h, w = padded.shape[:2]
        for channel, grid in enumerate(self.inputs):
            grid.set_data(padded[:, :, channel], levels=levels, show_values=not picture)
            grid.set_shaded(mask)
            grid.set_caption(f"{CHANNEL_NAMES[channel].capitalize()} channel {h}×{w}")
            grid.set_coordinates(CHANNEL_NAMES[channel])
            self.slice_captions[channel].setText(f"filter {selected + 1}, {CHANNEL_NAMES[channel]} slice")
        self._ensure_outputs(maps.shape[2])
        for index in range(maps.shape[2]):
            grid = self.outputs[index]
            cmap, out_levels = output_colours(maps[:, :, index])
            grid.set_data(maps[:, :, index], cmap=cmap, levels=out_levels, show_values=not picture)
            grid.set_caption(f"{'▶ ' if index == selected else ''}Output map {index + 1}{' (not yet)' if index > selected else ''}")
            grid.set_coordinates(f"map {index + 1}")
            grid.set_window([])
            # The maps are made one filter after another: those before the one stepped through are
            # done, those after it not begun (empty, or dimmed for a picture) until they are stepped.
            grid.set_pending(np.ones(maps.shape[:2], bool) if index > selected else None, dim=picture)

    def show_step(self, index: int) -> None:
        step = self._trace[index]
        cells = window_cells(step)
        for channel, grid in enumerate(self.inputs):
            labels = [f"×{format_value(w)}" for w in np.ravel(step.weights[:, :, channel])]
            grid.set_window(cells, labels)
        grid = self.outputs[self._selected]
        grid.set_window([(step.out_row, step.out_col)])
        grid.set_pending(pending_mask(self._trace.output.shape, index), dim=self._picture)
        # Every product of a small grid of numbers can be checked by hand; a picture's are elided.
        terms = step.window.size if not self._picture and step.window.size <= 27 else 9
        self.arithmetic.setText(
            f"<b>map {self._selected + 1} [{step.out_row}, {step.out_col}]</b> = " + format_sum(step, max_terms=terms)
        )

    def _on_output_cell_hovered(self, filter_index: int, row: int, col: int) -> None:
        if row < 0 or self._trace is None:
            cells = []
        else:
            cells = window_cells(self._trace[row * self._trace.output.shape[1] + col])
        for grid in self.inputs:
            grid.set_hover_window(cells)
