"""The Transposed convolution page: the same upsampling computed two ways, side by side.

Scatter: each input cell stamps value × kernel onto a larger grid, stamps `stride` apart, and
the border is cropped. Convolution: zeros are inserted between the input cells and around
them, and the kernel, turned 180 degrees, slides over that with stride 1. Both outputs use the
same colour map and levels, so equal numbers look equal.
"""

from __future__ import annotations

import numpy as np
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QCheckBox, QGridLayout, QLabel, QVBoxLayout, QWidget
from superqt.utils import signals_blocked

from visualizer.ops import shapes
from visualizer.ops.trace import format_sum, transpose_conv_trace, transpose_scatter_trace
from visualizer.ui.demos.base import StepPage, group, pair_row, set_range, spin_box
from visualizer.ui.demos.window_view import output_colours, pending_mask, window_cells
from visualizer.ui.kit import colormaps, kernel_presets
from visualizer.ui.kit.compact import compact_combo
from visualizer.ui.kit.grid_view import GridView, format_value
from visualizer.ui.kit.image_source import ImageSourcePicker
from visualizer.ui.kit.kernel_editor import KernelEditor
from visualizer.ui.kit.text_labels import ArithmeticLabel, FormulaLabel
from visualizer.ui.quiz import questions

SCATTER, CONVOLUTION = "scatter", "convolution"

EXPLANATION = (
    "<b>Transposed convolution</b> makes a map <i>larger</i>. ① Each input cell stamps a copy of "
    "the kernel, scaled by its value, onto the output, <i>stride</i> cells apart; overlapping "
    "stamps add up. ② The same numbers come from spreading the input out with zeros "
    "(cross-hatched), padding it (hatched) and sliding the kernel, turned 180°, over it. "
    "Notice that the two outputs are identical."
)


def signed(value: float) -> str:
    """A stamp's contribution as it is added: "+4", "−4"."""
    text = format_value(value)
    return text.replace("-", "−") if text.startswith("-") else f"+{text}"


def _bold_label(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setAlignment(Qt.AlignmentFlag.AlignHCenter)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label


class TransposedConvolutionPage(StepPage):
    title = "Transposed convolution"
    asks_questions = True

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.scatter = None
        self.conv = None
        self.source = ImageSourcePicker(mode="gray", grid_size=3, grid_range=(2, 6))
        self.kernel_rows = spin_box(3, 1, shapes.MAX_TRANSPOSE_KERNEL, "Kernel height (rows)", "h ")
        self.kernel_cols = spin_box(3, 1, shapes.MAX_TRANSPOSE_KERNEL, "Kernel width (columns)", "w ")
        self.stride_rows = spin_box(2, 1, shapes.MAX_TRANSPOSE_STRIDE, "Rows between stamps (zeros inserted: stride - 1)", "rows ")
        self.stride_cols = spin_box(2, 1, shapes.MAX_TRANSPOSE_STRIDE, "Columns between stamps (zeros inserted: stride - 1)", "cols ")
        self.padding_box = compact_combo()
        self.padding_box.addItems(["valid", "same"])
        self.padding_box.setToolTip(
            "valid: keep every stamped cell. same: crop the border so the output is input × stride "
            "(Keras's Conv2DTranspose(padding='same'))."
        )
        self.auto_output_padding = QCheckBox("automatic output_padding")
        self.auto_output_padding.setChecked(True)
        self.auto_output_padding.setToolTip(
            "Keras's default (output_padding=None). Untick to choose the extra rows/columns at the end yourself."
        )
        self.output_padding_rows = spin_box(0, 0, 1, "Extra rows at the bottom of the output (below the stride)", "rows ")
        self.output_padding_cols = spin_box(0, 0, 1, "Extra columns at the right of the output (below the stride)", "cols ")
        self.output_padding_row = pair_row(self.output_padding_rows, self.output_padding_cols)
        self.output_padding_note = QLabel()
        self.output_padding_note.setWordWrap(True)
        self.step_box = compact_combo()
        self.step_box.addItem("scatter (by input cell)", SCATTER)
        self.step_box.addItem("convolution (by output cell)", CONVOLUTION)
        self.step_box.setToolTip("Which view the step controls walk through; the other shows its finished result")

        self.kernel_editor = KernelEditor(preset=kernel_presets.RANDOM)
        self.input_grid = GridView(max_cell_em=2.6)
        self.input_grid.setToolTip("The small input. Click a cell to see its stamp (scatter view).")
        self.rotated_grid = GridView(max_cell_em=2.0)
        self.rotated_grid.setToolTip("The kernel turned 180°: the weights the convolution view slides")
        self.full_grid = GridView()
        self.full_grid.setToolTip(
            "Scatter view: the stamps added up. Hatched cells are cropped by the padding and are not part of the output."
        )
        self.conv_input_grid = GridView()
        self.conv_input_grid.setToolTip(
            "Convolution view: the input spread out with zeros between cells (cross-hatched) and around it (hatched)"
        )
        self.output_grid = GridView()
        self.output_grid.setToolTip(
            "Convolution view: the output. Click a cell to step there; hover to see its window."
        )
        self.arithmetic = ArithmeticLabel("The current step written out: a stamp, or a window times the turned kernel")
        self.formula = FormulaLabel()

        panel = [
            group("Input", self.source),
            group("Kernel size", pair_row(self.kernel_rows, self.kernel_cols)),
            group("Stride", pair_row(self.stride_rows, self.stride_cols)),
            group("Padding", self.padding_box, self.auto_output_padding, self.output_padding_row),
            self.output_padding_note,
            group("Step through", self.step_box),
        ]
        self._build_layout(EXPLANATION, panel, self._build_demo())

        for box in (
            self.kernel_rows, self.kernel_cols, self.stride_rows, self.stride_cols,
            self.output_padding_rows, self.output_padding_cols,
        ):
            box.valueChanged.connect(self._recompute)
        self.padding_box.currentIndexChanged.connect(self._recompute)
        self.auto_output_padding.toggled.connect(self._recompute)
        self.kernel_editor.kernelChanged.connect(self._recompute)
        self.step_box.currentIndexChanged.connect(self._on_step_box_changed)
        self.input_grid.cellClicked.connect(self._on_input_cell_clicked)
        self.output_grid.cellClicked.connect(self._on_output_cell_clicked)
        self.output_grid.cellHovered.connect(self._on_output_cell_hovered)
        self.full_grid.cellHovered.connect(self._on_full_cell_hovered)
        self._recompute()
        self.set_step(0)

    def _build_demo(self) -> QWidget:
        demo = QWidget()
        layout = QGridLayout(demo)
        layout.setContentsMargins(0, 0, 0, 0)
        kernel_box = QVBoxLayout()
        kernel_box.addWidget(_bold_label("Kernel"))
        kernel_box.addWidget(self.kernel_editor, 0, Qt.AlignmentFlag.AlignHCenter)
        kernel_box.addStretch(1)
        layout.addWidget(self.input_grid, 0, 0)
        layout.addLayout(kernel_box, 0, 1)
        layout.addWidget(self.rotated_grid, 0, 2)
        layout.addWidget(_bold_label("① Scatter: stamp value × kernel"), 1, 0)
        layout.addWidget(_bold_label("② Convolution: spread out, pad, slide the turned kernel"), 1, 1, 1, 2)
        layout.addWidget(self.full_grid, 2, 0)
        layout.addWidget(self.conv_input_grid, 2, 1)
        layout.addWidget(self.output_grid, 2, 2)
        layout.addWidget(self.formula, 3, 0, 1, 3)
        layout.addWidget(self.arithmetic, 4, 0, 1, 3)
        layout.setRowStretch(0, 2)
        layout.setRowStretch(2, 5)
        for column in range(3):
            layout.setColumnStretch(column, 1)
        return demo

    # -- settings ------------------------------------------------------------------------------
    def kernel(self) -> np.ndarray:
        return self.kernel_editor.kernel()

    def stride(self) -> tuple[int, int]:
        return self.stride_rows.value(), self.stride_cols.value()

    def padding(self) -> str:
        return self.padding_box.currentText()

    def output_padding(self) -> tuple[int, int] | None:
        if self.auto_output_padding.isChecked():
            return None
        return self.output_padding_rows.value(), self.output_padding_cols.value()

    def stepping(self) -> str:
        return self.step_box.currentData()

    def _apply_ranges(self) -> None:
        image = self.source.image()
        kernel_hw = (self.kernel_rows.value(), self.kernel_cols.value())
        ranges = shapes.conv_transpose_param_ranges(image.shape[:2], kernel_hw, self.stride(), self.padding())
        set_range(self.kernel_rows, *ranges["kernel_h"])
        set_range(self.kernel_cols, *ranges["kernel_w"])
        set_range(self.stride_rows, *ranges["stride_h"])
        set_range(self.stride_cols, *ranges["stride_w"])
        possible = all(low <= high for low, high in (ranges["output_padding_h"], ranges["output_padding_w"]))
        if not possible:
            with signals_blocked(self.auto_output_padding):
                self.auto_output_padding.setChecked(True)
            self.output_padding_note.setText(
                "Only Keras's own output_padding works here: with \"same\", an even kernel needs "
                "output_padding of at least 1, which must also be smaller than the stride."
            )
        else:
            set_range(self.output_padding_rows, *ranges["output_padding_h"])
            set_range(self.output_padding_cols, *ranges["output_padding_w"])
            self.output_padding_note.setText("")
        self.auto_output_padding.setEnabled(possible)
        self.output_padding_row.setEnabled(possible and not self.auto_output_padding.isChecked())
        self.output_padding_note.setVisible(not possible)

    # -- computing -----------------------------------------------------------------------------
    def _compute(self) -> int:
        self.kernel_editor.set_kernel_size(self.kernel_rows.value(), self.kernel_cols.value())
        image = self.source.image()
        kernel = self.kernel()
        args = (image, kernel, self.stride(), self.padding(), self.output_padding())
        # Settings that cannot be computed leave the last traces, which the grids still show.
        scatter, conv = transpose_scatter_trace(*args), transpose_conv_trace(*args)
        self.scatter, self.conv = scatter, conv
        picture = not self.source.is_numbers()
        self._picture = picture
        input_levels = colormaps.range_levels(image)
        self.input_grid.set_data(image, levels=input_levels, show_values=not picture)
        self.input_grid.set_caption(f"Input {image.shape[0]}×{image.shape[1]}")
        self.input_grid.set_coordinates("input")
        rotated = self.conv.kernel
        self.rotated_grid.set_data(rotated, cmap=colormaps.DIVERGING, levels=colormaps.symmetric_levels(rotated))
        self.rotated_grid.set_caption("Kernel turned 180°")

        # One colour map and one set of levels for both views' outputs (and the partial sums).
        self._full_final = self.scatter.partial_full(len(self.scatter) - 1)
        cmap, levels = output_colours(self._full_final)  # it holds the output and the cropped border
        self._output_cmap, self._output_levels = cmap, levels
        top, left = self.scatter.crop_origin
        self.full_grid.set_coordinates("output", (top, left))
        self.output_grid.set_data(self.conv.output, cmap=cmap, levels=levels, show_values=not picture)
        out_h, out_w = self.conv.output.shape
        self.output_grid.set_caption(f"Output {out_h}×{out_w}")
        self.output_grid.set_coordinates("output")

        padded = self.conv.padded_input
        self.conv_input_grid.set_data(padded, levels=input_levels, show_values=not picture)
        self.conv_input_grid.set_shaded(self.conv.padding_mask)
        self.conv_input_grid.set_inserted(self.conv.inserted_mask)
        # Captions are short enough for a photo's sizes in presentation mode; the tooltips say more.
        self.conv_input_grid.set_caption(f"Spread-out {padded.shape[0]}×{padded.shape[1]}")
        self.conv_input_grid.set_coordinates("spread-out input")

        rows, cols = shapes.conv_transpose_formula(
            image.shape[:2], kernel.shape, self.stride(), self.padding(), self.output_padding()
        )
        self.formula.set_formulas(rows, cols)
        return len(self.scatter) if self.stepping() == SCATTER else len(self.conv)

    def _size_question(self) -> questions.Question:
        image_hw = self.source.image().shape[:2]
        return questions.transpose_size_question(image_hw, self.kernel().shape, self.stride(), self.padding(), self.output_padding())

    def _cell_question(self, index: int) -> questions.Question | None:
        if self.stepping() == CONVOLUTION:
            return questions.cell_value_question(self.conv[index])
        try:
            return questions.stamp_question(self.scatter, index)
        except ValueError:  # the stamp lands wholly in the cropped border: nothing to ask about
            return None

    def _problem_label(self) -> QLabel:
        return self.arithmetic

    def _show_full(self, values: np.ndarray) -> None:
        """The scatter view's grid: stamps added so far, with the cropped border hatched."""
        self.full_grid.set_data(values, cmap=self._output_cmap, levels=self._output_levels, show_values=not self._picture)
        self.full_grid.set_shaded(~self.scatter.output_region)
        out_h, out_w = self.scatter.output.shape
        cropped = "" if self.scatter.output_region.all() else " + crop"
        self.full_grid.set_caption(f"Output {out_h}×{out_w}{cropped}")

    def _show_step(self) -> None:
        if self.stepping() == SCATTER:
            step = self.scatter[self._step]
            last = self._step == len(self.scatter) - 1
            self._show_full(self._full_final if last else self.scatter.partial_full(self._step))
            stamp_cells = [(int(r), int(c)) for r in step.rows for c in step.cols]
            self.full_grid.set_window(stamp_cells, [signed(v) for v in np.ravel(step.stamp)])
            self.input_grid.set_window([(step.in_row, step.in_col)])
            self.conv_input_grid.set_window([])
            self.output_grid.set_window([])
            self.output_grid.set_pending(None)
            text = f"<b>input[{step.in_row}, {step.in_col}] stamps</b> {format_sum(step)}"
        else:
            step = self.conv[self._step]
            self._show_full(self._full_final)
            top, left = self.scatter.crop_origin
            self.full_grid.set_window([(step.out_row + top, step.out_col + left)])
            self.input_grid.set_window([])
            cells = window_cells(step)
            self.conv_input_grid.set_window(cells, [f"×{format_value(w)}" for w in np.ravel(step.weights)])
            self.output_grid.set_window([(step.out_row, step.out_col)])
            self.output_grid.set_pending(pending_mask(self.conv.output.shape, self._step), dim=self._picture)
            text = f"<b>output[{step.out_row}, {step.out_col}]</b> = {format_sum(step)}"
        self.arithmetic.setText(text)

    # -- slots ---------------------------------------------------------------------------------
    def _on_step_box_changed(self) -> None:
        self._recompute()
        self.set_step(0)

    def _select_stepping(self, mode: str) -> None:
        if self.stepping() != mode:
            self.step_box.setCurrentIndex(self.step_box.findData(mode))

    def _on_input_cell_clicked(self, row: int, col: int) -> None:
        self._select_stepping(SCATTER)
        self.set_step(row * self.scatter.input.shape[1] + col)

    def _on_output_cell_clicked(self, row: int, col: int) -> None:
        self._select_stepping(CONVOLUTION)
        self.set_step(row * self.conv.output.shape[1] + col)

    def _on_output_cell_hovered(self, row: int, col: int) -> None:
        if row < 0 or self.conv is None:
            self.conv_input_grid.set_hover_window([])
            return
        self.conv_input_grid.set_hover_window(window_cells(self.conv[row * self.conv.output.shape[1] + col]))

    def _on_full_cell_hovered(self, row: int, col: int) -> None:
        """Hovering the stamped grid outlines the input cells whose stamps reach that cell."""
        if row < 0 or self.scatter is None:
            self.input_grid.set_hover_window([])
            return
        rows = np.flatnonzero((self.scatter.row_index == row).any(axis=1))
        cols = np.flatnonzero((self.scatter.col_index == col).any(axis=1))
        self.input_grid.set_hover_window([(int(r), int(c)) for r in rows for c in cols])
