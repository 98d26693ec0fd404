"""The Convolution page: a kernel slides over one channel, then over the depth of a colour image."""

from __future__ import annotations

import numpy as np
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QLabel, QStackedWidget, QWidget
from superqt.utils import signals_blocked

from visualizer.ops import shapes
from visualizer.ops.conv import conv2d
from visualizer.ops.trace import conv_trace
from visualizer.ui.demos.base import StepPage, group, pair_row, set_range, spin_box
from visualizer.ui.demos.depth_view import CHANNEL_NAMES, DepthView
from visualizer.ui.demos.window_view import WindowStepView
from visualizer.ui.kit import kernel_presets
from visualizer.ui.kit.compact import compact_combo
from visualizer.ui.kit.grid_view import GridView
from visualizer.ui.kit.image_source import ImageSourcePicker
from visualizer.ui.kit.kernel_editor import KernelEditor
from visualizer.ui.page_contract import LearnedKernel
from visualizer.ui.quiz import questions

MAX_KERNEL = 7  # the largest kernel whose weights fit on screen as a table
MAX_FILTERS = 4

EXPLANATION = (
    "<b>Convolution</b> slides a small grid of weights, the <i>kernel</i>, over the input. "
    "At each position every input value under the kernel is multiplied by the weight on top of it "
    "and the products are added up: that sum is one output cell. "
    "Notice that the same weights are used everywhere, and that the output is smaller than the "
    "input, because the kernel must fit inside it."
)
DEPTH_EXPLANATION = (
    "<b>Depth.</b> A colour picture has D<sub>in</sub> = 3 channels, so each filter is "
    "h × w × 3: one slice per channel. A filter adds up the products over all three channels "
    "into <i>one</i> number, so each of the D<sub>out</sub> filters makes one output map. "
    "Notice how filter 2 (red minus blue) lights up red things and darkens blue ones."
)

ONE_CHANNEL = "One channel (grayscale)"
DEPTH = "Three channels (RGB)"  # with several filters: the tooltip and the depth text say so

# The starting filters for a colour input: per filter, a preset for each channel's slice
# (None: all zeros), and a sign. Chosen so each filter shows a different use of depth.
_DEFAULT_FILTERS = (
    ((kernel_presets.SOBEL_X, 1), (kernel_presets.SOBEL_X, 1), (kernel_presets.SOBEL_X, 1)),
    ((kernel_presets.IDENTITY, 1), (None, 1), (kernel_presets.IDENTITY, -1)),
    ((None, 1), (kernel_presets.BOX, 1), (None, 1)),
    ((kernel_presets.RANDOM, 1), (kernel_presets.RANDOM, 1), (kernel_presets.RANDOM, 1)),
)


def default_filter(index: int, rows: int, cols: int) -> tuple[np.ndarray, list[str]]:
    """Filter `index` of the starting bank at a size: (rows, cols, 3) weights and slice names."""
    slices, names = [], []
    for channel, (name, sign) in enumerate(_DEFAULT_FILTERS[index % len(_DEFAULT_FILTERS)]):
        if name is not None and name not in kernel_presets.preset_names(rows, cols):
            name = kernel_presets.GAUSSIAN  # the edge filters exist only as 3x3
        if name is None:
            slices.append(np.zeros((rows, cols)))
            names.append(kernel_presets.CUSTOM)
        else:
            slices.append(sign * kernel_presets.make_kernel(name, rows, cols, seed=10 * index + channel))
            names.append(name if sign == 1 else kernel_presets.CUSTOM)
    return np.stack(slices, axis=2), names


class ConvolutionPage(StepPage):
    title = "Convolution"
    asks_questions = True

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mode_box = compact_combo()
        self.mode_box.addItems([ONE_CHANNEL, DEPTH])
        self.mode_box.setToolTip(
            "One input channel, or a colour picture (3 channels) with several filters, each one slice per channel"
        )
        self.source = ImageSourcePicker(mode="gray")
        self.rgb_source = ImageSourcePicker(mode="rgb", grid_size=5)
        self.kernel_rows = spin_box(3, 1, MAX_KERNEL, "Kernel height h (rows)", "h ")
        self.kernel_cols = spin_box(3, 1, MAX_KERNEL, "Kernel width w (columns)", "w ")
        self.filter_count = spin_box(3, 1, MAX_FILTERS, "D_out: the number of filters, and so of output maps")
        self.filter_index = spin_box(1, 1, 3, "The filter whose slices are shown and whose map is stepped through")
        self.colour_preview = GridView()
        self.colour_preview.setToolTip("The three channels seen together as one colour picture")
        self.colour_preview.setFixedHeight(int(7 * self.fontMetrics().height()))
        self.shapes_label = QLabel()
        self.shapes_label.setToolTip("The shapes of the input, the kernel(s) and the output")
        self.learned_note = QLabel()  # what a trained model does after this sum, when its kernel is shown
        self.learned_note.setWordWrap(True)
        self.learned_note.setTextFormat(Qt.TextFormat.RichText)
        self.learned_note.hide()

        self.kernel_editor = KernelEditor(preset=kernel_presets.SHARPEN)
        self.view = WindowStepView(self.kernel_editor, "Kernel")
        self.slice_editors = [KernelEditor() for _ in CHANNEL_NAMES]
        for channel, editor in enumerate(self.slice_editors):
            editor.setToolTip(f"The current filter's weights for the {CHANNEL_NAMES[channel]} channel")
        self.depth_view = DepthView(self.slice_editors)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.view)
        self.stack.addWidget(self.depth_view)
        self._filters: list[np.ndarray] = []  # (h, w, 3) weights of each filter in depth mode
        self._slice_names: list[list[str]] = []
        self._given_pictures: dict[str, np.ndarray] = {}  # the pictures handed over by the window's menu, by title
        self._reset_filters()

        self.depth_text = QLabel(DEPTH_EXPLANATION)
        self.depth_text.setWordWrap(True)
        self.shapes_group = group("Shapes", self.shapes_label)  # states the output size
        self.filters_group = group(
            "Filters", ("D_out", self.filter_count), ("show filter", self.filter_index)
        )
        panel = [
            self.depth_text,
            group("Channels", self.mode_box),
            group("Input", self.source, self.rgb_source, self.colour_preview),
            self.learned_note,
            group("Kernel size", pair_row(self.kernel_rows, self.kernel_cols)),
            self.filters_group,
            self.shapes_group,
        ]
        self._build_layout(EXPLANATION, panel, self.stack)

        self.mode_box.currentIndexChanged.connect(self._on_mode_box_changed)
        self.kernel_rows.valueChanged.connect(self._on_kernel_size_changed)
        self.kernel_cols.valueChanged.connect(self._on_kernel_size_changed)
        self.kernel_editor.kernelChanged.connect(self._recompute)
        for channel, editor in enumerate(self.slice_editors):
            editor.kernelChanged.connect(lambda c=channel: self._on_slice_editor_changed(c))
        self.filter_count.valueChanged.connect(self._on_filter_count_changed)
        self.filter_index.valueChanged.connect(self._on_filter_index_changed)
        self.view.stepClicked.connect(self.set_step)
        self.depth_view.outputCellClicked.connect(self._on_map_cell_clicked)
        self._show_mode()
        self.set_step(0)

    def show_learned_kernel(self, learned: LearnedKernel) -> None:
        """Step through a trained model's kernel on the picture the model saw (StepsThroughKernels)."""
        kernel = np.asarray(learned.kernel, dtype=np.float64)
        if kernel.ndim != 2 or max(kernel.shape) > MAX_KERNEL:
            raise ValueError(f"this page steps through one-channel kernels up to {MAX_KERNEL}×{MAX_KERNEL}")
        self.mode_box.setCurrentText(ONE_CHANNEL)
        with signals_blocked(self.kernel_rows, self.kernel_cols, self.kernel_editor):
            self.kernel_rows.setValue(kernel.shape[0])
            self.kernel_cols.setValue(kernel.shape[1])
            self.kernel_editor.set_kernel(kernel)
        self.learned_note.setText(learned.note)
        self.learned_note.show()
        self.source.add_image(learned.title, learned.image)  # recomputes and shows the picture

    def set_input_image(self, pixels, title: str) -> None:
        # Kept as given, so that switching channels can show a colour picture in colour.
        self._given_pictures[title] = np.asarray(pixels, float)
        super().set_input_image(pixels, title)

    def _carry_picture(self, since: ImageSourcePicker, to: ImageSourcePicker) -> None:
        """Switching channels keeps the picture the class was looking at, not the numbers: the same
        bundled picture in the other mode, or the user's own as it was given (a grey one repeated
        over three channels); numbers stay numbers."""
        if since.is_numbers():
            return
        key, title = since.source_box.currentData(), since.source_title()
        with signals_blocked(to):  # the page recomputes once, for the new mode
            if title in self._given_pictures:
                to.add_image(title, self._given_pictures[title])
            elif to.source_box.findData(key) >= 0:
                to.select(key)
            else:  # the user's own, opened or drawn in the picker: as the picker keeps it
                to.add_image(title, since.image())

    # -- state ---------------------------------------------------------------------------------
    def is_depth(self) -> bool:
        return self.mode_box.currentText() == DEPTH

    def image(self) -> np.ndarray:
        return self.rgb_source.image() if self.is_depth() else self.source.image()

    def kernel(self) -> np.ndarray:
        """The weights in Keras layout: (h, w) for one channel, (h, w, 3, D_out) for depth."""
        if self.is_depth():
            return np.stack(self._filters, axis=3)
        return self.kernel_editor.kernel()

    def _input_source(self) -> ImageSourcePicker:
        return self.rgb_source if self.is_depth() else self.source

    def _selected_filter(self) -> int:
        return self.filter_index.value() - 1

    def _reset_filters(self) -> None:
        rows, cols = self.kernel_rows.value(), self.kernel_cols.value()
        made = [default_filter(i, rows, cols) for i in range(self.filter_count.value())]
        self._filters = [weights for weights, _ in made]
        self._slice_names = [names for _, names in made]
        self._load_slice_editors()

    def _load_slice_editors(self) -> None:
        selected = self._selected_filter()
        for channel, editor in enumerate(self.slice_editors):
            with signals_blocked(editor):
                editor.set_kernel(self._filters[selected][:, :, channel], self._slice_names[selected][channel])

    # -- computing -----------------------------------------------------------------------------
    def _apply_ranges(self) -> None:
        """A new, smaller input can leave the kernel too large: it shrinks to fit."""
        kernel_hw = (self.kernel_rows.value(), self.kernel_cols.value())
        ranges = shapes.conv_param_ranges(self.image().shape[:2], kernel_hw)
        set_range(self.kernel_rows, 1, min(MAX_KERNEL, ranges["kernel_h"][1]))
        set_range(self.kernel_cols, 1, min(MAX_KERNEL, ranges["kernel_w"][1]))

    def _fit_kernels(self) -> None:
        """The weights follow the kernel size the ranges left."""
        kernel_hw = (self.kernel_rows.value(), self.kernel_cols.value())
        if self.is_depth():
            if self._filters[0].shape[:2] != kernel_hw:
                self._reset_filters()
        else:
            with signals_blocked(self.kernel_editor):
                self.kernel_editor.set_kernel_size(*kernel_hw)

    def _compute(self) -> int:
        self._fit_kernels()
        image = self.image()
        picture = not self._input_source().is_numbers()
        kernel_hw = (self.kernel_rows.value(), self.kernel_cols.value())
        if self.is_depth():
            bank = self.kernel()
            trace = conv_trace(image, bank[..., self._selected_filter()])
            maps = conv2d(image, bank)
            self.depth_view.set_data(trace, maps, self._selected_filter(), picture=picture)
            self._show_colour_preview(image)
            shapes_text = (
                f"input {image.shape[0]}×{image.shape[1]}×3<br>"
                f"{bank.shape[3]} filters of {kernel_hw[0]}×{kernel_hw[1]}×3<br>"
                f"output {maps.shape[0]}×{maps.shape[1]}×{maps.shape[2]}"
            )
            formula_label = self.depth_view.formula
        else:
            trace = conv_trace(image, self.kernel_editor.kernel())
            self.view.set_trace(trace, picture=picture)
            out_h, out_w = trace.output.shape
            shapes_text = (
                f"input {image.shape[0]}×{image.shape[1]}<br>kernel {kernel_hw[0]}×{kernel_hw[1]}"
                f"<br>output {out_h}×{out_w}"
            )
            formula_label = self.view.formula
        rows, cols = shapes.conv_formula(image.shape[:2], kernel_hw)
        formula_label.set_formulas(rows, cols)
        self.shapes_label.setText(shapes_text)
        return len(trace)

    def _show_colour_preview(self, image: np.ndarray) -> None:
        # Numbers run 0..9 and pictures 0..1: scale by the largest value to show them as colour.
        top = float(image.max()) or 1.0
        colours = np.clip(image / top * 255, 0, 255).astype(np.uint8)
        self.colour_preview.set_data(image[:, :, 0], rgb=colours, show_values=False)
        self.colour_preview.set_caption("All three together")

    def _size_question(self) -> questions.Question:
        return questions.conv_size_question(self.image().shape[:2], (self.kernel_rows.value(), self.kernel_cols.value()))

    def size_giveaways(self) -> list[QWidget]:
        return [self.shapes_group]

    def _cell_question(self, index: int) -> questions.Question:
        trace = self.depth_view.trace() if self.is_depth() else self.view.trace()
        return questions.window_step_question(trace, index)

    def _problem_label(self) -> QLabel:
        return self.depth_view.arithmetic if self.is_depth() else self.view.arithmetic

    def _show_step(self) -> None:
        if self.is_depth():
            self.depth_view.show_step(self._step)
        else:
            self.view.show_step(self._step)

    def _show_mode(self) -> None:
        depth = self.is_depth()
        self.stack.setCurrentWidget(self.depth_view if depth else self.view)
        self.source.setVisible(not depth)
        self.rgb_source.setVisible(depth)
        self.colour_preview.setVisible(depth)
        self.filters_group.setVisible(depth)
        self.depth_text.setVisible(depth)
        self._recompute()

    # -- slots ---------------------------------------------------------------------------------
    def _on_mode_box_changed(self) -> None:
        to, since = (self.rgb_source, self.source) if self.is_depth() else (self.source, self.rgb_source)
        self._carry_picture(since, to)
        self._show_mode()
        self._show_new_input(self._input_source().is_numbers())

    def _on_kernel_size_changed(self) -> None:
        rows, cols = self.kernel_rows.value(), self.kernel_cols.value()
        if self.is_depth():
            self._reset_filters()
            self._recompute()
        else:
            self.kernel_editor.set_kernel_size(rows, cols)

    def _on_slice_editor_changed(self, channel: int) -> None:
        selected = self._selected_filter()
        self._filters[selected][:, :, channel] = self.slice_editors[channel].kernel()
        self._slice_names[selected][channel] = self.slice_editors[channel].preset()
        self._recompute()

    def _on_filter_count_changed(self, count: int) -> None:
        rows, cols = self.kernel_rows.value(), self.kernel_cols.value()
        while len(self._filters) < count:
            weights, names = default_filter(len(self._filters), rows, cols)
            self._filters.append(weights)
            self._slice_names.append(names)
        del self._filters[count:], self._slice_names[count:]
        set_range(self.filter_index, 1, count)
        self._load_slice_editors()
        self._recompute()

    def _on_filter_index_changed(self) -> None:
        self._load_slice_editors()
        self._recompute()

    def _on_map_cell_clicked(self, filter_index: int, row: int, col: int) -> None:
        self.filter_index.setValue(filter_index + 1)
        self.set_step(row * self.depth_view.trace().output.shape[1] + col)
