"""The Stride and padding page: how far the window jumps, what border it may overhang, and how
far apart its taps are (dilation), each shown in the output size formula."""

from __future__ import annotations

from PyQt6.QtWidgets import QGridLayout, QLabel, QWidget

from visualizer.ops import shapes
from visualizer.ops.trace import conv_trace
from visualizer.ui.demos.base import StepPage, group, pair_row, set_range, spin_box
from visualizer.ui.demos.window_view import WindowStepView
from visualizer.ui.kit import kernel_presets
from visualizer.ui.kit.compact import compact_combo
from visualizer.ui.kit.image_source import ImageSourcePicker
from visualizer.ui.kit.kernel_editor import KernelEditor
from visualizer.ui.quiz import questions

MAX_KERNEL = 7
MAX_STRIDE = 6  # beyond this the demo output has one or two cells; the formula explains the rest
MAX_DILATION = 4

VALID, SAME, EXPLICIT = "valid (no padding)", "same", "explicit zeros"

EXPLANATION = (
    "<b>Stride</b> is how far the window jumps: stride 2 skips every other position and roughly "
    "halves the output. <b>Padding</b> adds zeros around the input (hatched) so the window can "
    "reach the edges: <i>valid</i> adds none, <i>same</i> just enough for ceil(input / stride) "
    "outputs. <b>Dilation</b> spreads the kernel's taps apart to see a wider area with the same "
    "weights. Watch the formula under the grids follow every change."
)


class StridePaddingPage(StepPage):
    title = "Stride and padding"
    asks_questions = True

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.source = ImageSourcePicker(mode="gray")
        self.kernel_rows = spin_box(3, 1, MAX_KERNEL, "Kernel height h (rows)", "h ")
        self.kernel_cols = spin_box(3, 1, MAX_KERNEL, "Kernel width w (columns)", "w ")
        self.stride_rows = spin_box(2, 1, MAX_STRIDE, "Stride down the rows: how many rows the window moves", "rows ")
        self.stride_cols = spin_box(2, 1, MAX_STRIDE, "Stride along the columns: how many columns the window moves", "cols ")
        self.padding_box = compact_combo()
        self.padding_box.addItems([VALID, SAME, EXPLICIT])
        self.padding_box.setCurrentText(SAME)
        self.padding_box.setToolTip(
            "valid: no padding, the window stays inside the input. same: TensorFlow's rule, "
            "zeros so the output has ceil(input / stride) cells, the odd one after. explicit: choose each side."
        )
        self.pad_spins = {
            side: spin_box(1, 0, 6, f"Rows or columns of zeros added on the {side}", f"{side} ")
            for side in ("top", "bottom", "left", "right")
        }
        pads = QWidget()
        pads_layout = QGridLayout(pads)
        pads_layout.setContentsMargins(0, 0, 0, 0)
        for index, side in enumerate(("top", "bottom", "left", "right")):
            pads_layout.addWidget(self.pad_spins[side], index // 2, index % 2)
        self.pads_box = pads
        self.dilation_rows = spin_box(1, 1, MAX_DILATION, "Dilation down the rows: spacing between kernel rows", "rows ")
        self.dilation_cols = spin_box(1, 1, MAX_DILATION, "Dilation along the columns: spacing between kernel columns", "cols ")
        self.padding_note = QLabel()
        self.padding_note.setWordWrap(True)
        self.padding_note.setToolTip("The zeros actually added on each side")
        self.limits_note = QLabel()
        self.limits_note.setWordWrap(True)
        self.limits_note.setToolTip("Why some values cannot be chosen right now")
        self.kernel_editor = KernelEditor(preset=kernel_presets.IDENTITY)
        self.view = WindowStepView(self.kernel_editor, "Kernel")

        panel = [
            group("Input", self.source),
            group("Kernel size", pair_row(self.kernel_rows, self.kernel_cols)),
            group("Stride", pair_row(self.stride_rows, self.stride_cols)),
            group("Padding", self.padding_box, self.pads_box),
            self.padding_note,  # wrapped labels outside group boxes: those do not grow to fit them
            group("Dilation", pair_row(self.dilation_rows, self.dilation_cols)),
            self.limits_note,
        ]
        self._build_layout(EXPLANATION, panel, self.view)

        for box in (
            self.stride_rows, self.stride_cols, self.dilation_rows, self.dilation_cols, *self.pad_spins.values()
        ):
            box.valueChanged.connect(self._recompute)
        self.kernel_rows.valueChanged.connect(self._on_kernel_size_changed)
        self.kernel_cols.valueChanged.connect(self._on_kernel_size_changed)
        self.padding_box.currentIndexChanged.connect(self._recompute)
        self.kernel_editor.kernelChanged.connect(self._recompute)
        self.view.stepClicked.connect(self.set_step)
        self._recompute()
        self.set_step(0)

    # -- settings ------------------------------------------------------------------------------
    def kernel(self):
        return self.kernel_editor.kernel()

    def stride(self) -> tuple[int, int]:
        return self.stride_rows.value(), self.stride_cols.value()

    def dilation(self) -> tuple[int, int]:
        return self.dilation_rows.value(), self.dilation_cols.value()

    def padding(self):
        """As ops/shapes.py takes it: "valid", "same" or (top, bottom, left, right)."""
        mode = self.padding_box.currentText()
        if mode == EXPLICIT:
            return tuple(self.pad_spins[side].value() for side in ("top", "bottom", "left", "right"))
        return "valid" if mode == VALID else "same"

    def _apply_ranges(self) -> None:
        """Narrow every control to the values that give a valid convolution with the others."""
        image = self.source.image()
        kernel_hw = (self.kernel_rows.value(), self.kernel_cols.value())
        ranges = shapes.conv_param_ranges(image.shape[:2], kernel_hw, self.stride(), self.padding(), self.dilation())
        set_range(self.kernel_rows, 1, min(MAX_KERNEL, ranges["kernel_h"][1]))
        set_range(self.kernel_cols, 1, min(MAX_KERNEL, ranges["kernel_w"][1]))
        set_range(self.stride_rows, 1, min(MAX_STRIDE, ranges["stride_h"][1]))
        set_range(self.stride_cols, 1, min(MAX_STRIDE, ranges["stride_w"][1]))
        set_range(self.dilation_rows, 1, min(MAX_DILATION, ranges["dilation_h"][1]))
        set_range(self.dilation_cols, 1, min(MAX_DILATION, ranges["dilation_w"][1]))
        for side, spin in self.pad_spins.items():
            low, high = ranges.get(f"pad_{side}", (0, 6))
            set_range(spin, low, high)
        notes = []
        if max(self.dilation()) > 1:
            notes.append("Stride is held at 1 while dilation is above 1: Keras cannot combine them.")
        elif max(self.stride()) > 1:
            notes.append("Dilation is held at 1 while the stride is above 1: Keras cannot combine them.")
        self.limits_note.setText(" ".join(notes))
        self.limits_note.setVisible(bool(notes))

    # -- computing -----------------------------------------------------------------------------
    def _compute(self) -> int:
        self.pads_box.setVisible(self.padding_box.currentText() == EXPLICIT)
        self.kernel_editor.set_kernel_size(self.kernel_rows.value(), self.kernel_cols.value())
        image = self.source.image()
        kernel = self.kernel()
        trace = conv_trace(image, kernel, self.stride(), self.padding(), self.dilation())
        self.view.set_trace(trace, picture=not self.source.is_numbers())
        rows, cols = shapes.conv_formula(image.shape[:2], kernel.shape, self.stride(), self.padding(), self.dilation())
        (top, bottom), (left, right) = trace.padding
        self.view.formula.set_formulas(rows, cols)
        note = f"zeros added: top {top}, bottom {bottom}, left {left}, right {right}"
        if self.padding() == "same" and (top != bottom or left != right):
            note += ". The odd one goes after (bottom/right), as in TensorFlow."
        self.padding_note.setText(note)
        return len(trace)

    def _size_question(self) -> questions.Question:
        image_hw = self.source.image().shape[:2]
        return questions.conv_size_question(image_hw, self.kernel().shape, self.stride(), self.padding(), self.dilation())

    def _cell_question(self, index: int) -> questions.Question:
        return questions.window_step_question(self.view.trace(), index)

    def _problem_label(self) -> QLabel:
        return self.view.arithmetic

    def _show_step(self) -> None:
        self.view.show_step(self._step)

    # -- slots ---------------------------------------------------------------------------------
    def _on_kernel_size_changed(self) -> None:
        self._recompute()
