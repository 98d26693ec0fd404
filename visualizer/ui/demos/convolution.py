"""The Convolution page: a kernel slides over one channel, then over the depth of a colour image."""

from __future__ import annotations

import numpy as np
from PyQt6.QtWidgets import QComboBox, QLabel, QStackedWidget, QWidget

from visualizer.ops import shapes
from visualizer.ops.trace import conv_trace
from visualizer.ui.demos.base import StepPage, formula_text, group, pair_row, set_range, spin_box
from visualizer.ui.demos.window_view import WindowStepView
from visualizer.ui.widgets import kernel_presets
from visualizer.ui.widgets.image_source import ImageSourcePicker
from visualizer.ui.widgets.kernel_editor import KernelEditor

MAX_KERNEL = 7  # the largest kernel whose weights fit on screen as a table

EXPLANATION = (
    "<b>Convolution</b> slides a small grid of weights, the <i>kernel</i>, over the input. "
    "At each position every input value under the kernel is multiplied by the weight on top of it "
    "and the products are added up: that sum is one output cell. "
    "Notice that the same weights are used everywhere, and that the output is smaller than the "
    "input, because the kernel must fit inside it."
)

ONE_CHANNEL = "One channel (grayscale)"
DEPTH = "Three channels (RGB), several filters"


class ConvolutionPage(StepPage):
    title = "Convolution"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mode_box = QComboBox()
        self.mode_box.addItems([ONE_CHANNEL])
        self.mode_box.setToolTip("One input channel, or a colour picture whose filters have one slice per channel")
        self.source = ImageSourcePicker(mode="gray")
        self.kernel_rows = spin_box(3, 1, MAX_KERNEL, "Kernel height h (rows)", "h ")
        self.kernel_cols = spin_box(3, 1, MAX_KERNEL, "Kernel width w (columns)", "w ")
        self.kernel_editor = KernelEditor(preset=kernel_presets.SHARPEN)
        self.shapes_label = QLabel()
        self.shapes_label.setToolTip("The shapes of the input, the kernel and the output")

        self.view = WindowStepView(self.kernel_editor, "Kernel")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.view)
        panel = [
            group("Channels", self.mode_box),
            group("Input", self.source),
            group("Kernel size", pair_row(self.kernel_rows, self.kernel_cols)),
            group("Shapes", self.shapes_label),
        ]
        self._build_layout(EXPLANATION, panel, self.stack)

        self.source.imageChanged.connect(self._on_source_image_changed)
        self.kernel_rows.valueChanged.connect(self._on_kernel_size_changed)
        self.kernel_cols.valueChanged.connect(self._on_kernel_size_changed)
        self.kernel_editor.kernelChanged.connect(self._recompute)
        self.view.outputCellClicked.connect(self._on_output_cell_clicked)
        self._recompute()
        self.set_step(0)

    # -- computing -----------------------------------------------------------------------------
    def _recompute(self) -> None:
        image = self.source.image()
        kernel = self.kernel_editor.kernel()
        trace = conv_trace(image, kernel)
        self.view.set_trace(trace, picture=not self.source.is_numbers())
        ranges = shapes.conv_param_ranges(image.shape[:2], kernel.shape)
        set_range(self.kernel_rows, 1, min(MAX_KERNEL, ranges["kernel_h"][1]))
        set_range(self.kernel_cols, 1, min(MAX_KERNEL, ranges["kernel_w"][1]))
        rows, cols = shapes.conv_formula(image.shape[:2], kernel.shape)
        self.view.formula.setText("<b>Output size</b> " + formula_text(rows, cols))
        out_h, out_w = trace.output.shape
        self.shapes_label.setText(
            f"input {image.shape[0]}×{image.shape[1]}<br>kernel {kernel.shape[0]}×{kernel.shape[1]}"
            f"<br>output {out_h}×{out_w}"
        )
        self._set_step_count(len(trace))
        self._show_step()

    def _show_step(self) -> None:
        self.view.show_step(self._step)

    # -- slots ---------------------------------------------------------------------------------
    def _on_source_image_changed(self) -> None:
        self._recompute()
        # A picture is worth seeing whole; a grid of numbers is worth following from the start.
        self.set_step(0 if self.source.is_numbers() else self.step_count() - 1)

    def _on_kernel_size_changed(self) -> None:
        self.kernel_editor.set_kernel_size(self.kernel_rows.value(), self.kernel_cols.value())

    def _on_output_cell_clicked(self, row: int, col: int) -> None:
        self.set_step(row * self.view.trace().output.shape[1] + col)
