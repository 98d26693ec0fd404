"""The Pooling page: max, average and sum pooling, window by window, with each max's winner ringed."""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QLabel, QWidget

from visualizer.ops import shapes
from visualizer.ops.trace import pool_trace
from visualizer.ui.demos.base import StepPage, group, pair_row, set_range, spin_box
from visualizer.ui.demos.window_view import WindowStepView
from visualizer.ui.kit.compact import compact_combo
from visualizer.ui.kit.image_source import ImageSourcePicker
from visualizer.ui.quiz import questions

MAX_WINDOW = 7

MODES = {"max": "max: the largest value", "avg": "average: the mean", "sum": "sum: all added up"}
MODE_SYMBOLS = {"max": "max( )", "avg": "average( )", "sum": "sum( )"}

EXPLANATION = (
    "<b>Pooling</b> shrinks a map by summarising each window with one number. <i>Max</i> keeps the "
    "strongest value (the ringed cell won its window), <i>average</i> takes the mean and <i>sum</i> "
    "adds them up; there are no weights to learn. With a 2×2 window and stride 2, like "
    "MaxPooling2D(pool_size=2) in the notebook's network, every output cell covers its own block "
    "and the height and width are halved."
)


class PoolingPage(StepPage):
    title = "Pooling"
    asks_questions = True

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.source = ImageSourcePicker(mode="gray", grid_size=8)
        self.mode_box = compact_combo()
        for mode, text in MODES.items():
            self.mode_box.addItem(text, mode)
        self.mode_box.setToolTip("How each window is summarised: its maximum, its average or its sum")
        self.size_rows = spin_box(2, 1, MAX_WINDOW, "Window height (rows)", "h ")
        self.size_cols = spin_box(2, 1, MAX_WINDOW, "Window width (columns)", "w ")
        self.stride_rows = spin_box(2, 1, MAX_WINDOW, "How many rows the window moves (Keras default: the window height)", "rows ")
        self.stride_cols = spin_box(2, 1, MAX_WINDOW, "How many columns the window moves (Keras default: the window width)", "cols ")
        self.padding_box = compact_combo()
        self.padding_box.addItems(["valid", "same"])
        self.padding_box.setToolTip(
            "valid: windows stay inside the input and leftover rows/columns are dropped. same: the border is "
            "extended so ceil(input / stride) windows fit; padding never counts (max ignores it, average divides "
            "by the real cells only)."
        )
        self.padding_note = QLabel()
        self.padding_note.setWordWrap(True)
        self.operation = QLabel()
        self.operation.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.operation.setTextFormat(Qt.TextFormat.RichText)
        self.operation.setToolTip("What happens to each window")
        self.view = WindowStepView(self.operation, "Each window →")

        panel = [
            group("Input", self.source),
            group("Pooling", self.mode_box),
            group("Window", pair_row(self.size_rows, self.size_cols)),
            group("Stride", pair_row(self.stride_rows, self.stride_cols)),
            group("Padding", self.padding_box),
            self.padding_note,
        ]
        self._build_layout(EXPLANATION, panel, self.view)

        self.mode_box.currentIndexChanged.connect(self._recompute)
        self.padding_box.currentIndexChanged.connect(self._recompute)
        for box in (self.size_rows, self.size_cols, self.stride_rows, self.stride_cols):
            box.valueChanged.connect(self._recompute)
        self.view.stepClicked.connect(self.set_step)
        self._recompute()
        self.set_step(0)

    # -- settings ------------------------------------------------------------------------------
    def mode(self) -> str:
        return self.mode_box.currentData()

    def window_size(self) -> tuple[int, int]:
        """(rows, columns) of each pooling window."""
        return self.size_rows.value(), self.size_cols.value()

    def stride(self) -> tuple[int, int]:
        return self.stride_rows.value(), self.stride_cols.value()

    def padding(self) -> str:
        return self.padding_box.currentText()

    def _apply_ranges(self) -> None:
        image = self.source.image()
        ranges = shapes.pool_param_ranges(image.shape[:2], self.window_size(), self.stride(), self.padding())
        set_range(self.size_rows, 1, min(MAX_WINDOW, ranges["size_h"][1]))
        set_range(self.size_cols, 1, min(MAX_WINDOW, ranges["size_w"][1]))
        set_range(self.stride_rows, 1, min(MAX_WINDOW, ranges["stride_h"][1]))
        set_range(self.stride_cols, 1, min(MAX_WINDOW, ranges["stride_w"][1]))

    # -- computing -----------------------------------------------------------------------------
    def _compute(self) -> int:
        image = self.source.image()
        self.trace = pool_trace(image, self.window_size(), self.stride(), self.mode(), self.padding())
        self.view.set_trace(self.trace, picture=not self.source.is_numbers(), weights=False)
        # sized relative to the widget's font, so it follows the application's zoom
        self.operation.setText(f'<span style="font-size: xx-large; font-weight: bold">{MODE_SYMBOLS[self.mode()]}</span>')
        rows, cols = shapes.pool_formula(image.shape[:2], self.window_size(), self.stride(), self.padding())
        self.view.formula.set_formulas(rows, cols)
        (top, bottom), (left, right) = self.trace.padding
        if self.padding() == "same":
            note = f"border added: top {top}, bottom {bottom}, left {left}, right {right}; it never counts"
            if self.mode() == "max":
                note += " (shown as −∞: it can never be the largest)"
        else:
            note = "no border: rows or columns that do not fill a whole window are dropped"
        self.padding_note.setText(note)
        return len(self.trace)

    def _size_question(self) -> questions.Question:
        image_hw = self.source.image().shape[:2]
        return questions.pool_size_question(image_hw, self.window_size(), self.stride(), self.padding())

    def _cell_question(self, index: int) -> questions.Question:
        return questions.window_step_question(self.trace, index)

    def _problem_label(self) -> QLabel:
        return self.view.arithmetic

    def _show_step(self) -> None:
        marks = ()
        if self.trace.winners is not None:
            winners = self.trace.winners.reshape(-1, 2)
            # On a grid of numbers every window computed so far rings its winner, so the pattern
            # builds up; on a picture hundreds of rings would hide it, so only the current one.
            marks = winners[: self._step + 1] if self.source.is_numbers() else winners[self._step]
        self.view.show_step(self._step, marks)
