"""StepPage's recompute template: ranges settle to a fixed point, settings that cannot be computed
are shown one way on every page, and every input picker is wired once."""

import pytest
from PyQt6.QtWidgets import QLabel

from visualizer.ui.demos import convolution, pooling, stride_padding, transposed
from visualizer.ui.demos.base import StepPage, set_range, spin_box
from visualizer.ui.kit.image_source import ImageSourcePicker


class ChainedRangesPage(StepPage):
    """Two settings whose ranges depend on each other: `first` at most `second`, `second` at most
    8 - `first`. From 5 and 5 the first pass moves `second` to 3, the second moves `first` to 3,
    and the third moves nothing."""

    def __init__(self, first: int, second: int) -> None:
        super().__init__()
        self.first = spin_box(first, 1, 9, "first")
        self.second = spin_box(second, 1, 9, "second")
        self.arithmetic = QLabel()
        self.passes = 0
        self.fail_with = ""
        self._build_layout("", [self.first, self.second], self.arithmetic)

    def _apply_ranges(self) -> None:
        self.passes += 1
        set_range(self.first, 1, self.second.value())
        set_range(self.second, 1, 8 - self.first.value())

    def _compute(self) -> int:
        if self.fail_with:
            raise ValueError(self.fail_with)
        return self.first.value() * self.second.value()

    def _problem_label(self) -> QLabel:
        return self.arithmetic

    def _show_step(self) -> None:
        self.arithmetic.setText(f"step {self.current_step()}")


def test_ranges_that_hold_already_are_applied_once(qtbot):
    page = ChainedRangesPage(2, 3)
    qtbot.addWidget(page)
    page._recompute()
    assert page.passes == 1
    assert (page.first.value(), page.second.value()) == (2, 3)


def test_ranges_are_applied_until_no_setting_moves(qtbot):
    page = ChainedRangesPage(5, 5)
    qtbot.addWidget(page)
    page._recompute()
    assert page.passes == 3
    assert (page.first.value(), page.second.value()) == (3, 3)
    assert page.first.maximum() == 3 and page.second.maximum() == 5  # a fixed point: one more pass moves nothing
    assert page.step_count() == 9


def test_settings_that_cannot_be_computed_keep_the_last_steps_and_say_why(qtbot):
    page = ChainedRangesPage(2, 3)
    qtbot.addWidget(page)
    page._recompute()
    page.set_step(4)
    page.fail_with = "the kernel does not fit"
    page._recompute()
    assert page.problem() == "<b>These settings do not work:</b> the kernel does not fit"
    assert page.arithmetic.text() == page.problem()
    page.step(1)  # stepping still works, and leaves the explanation on screen
    assert page.current_step() == 5 and page.arithmetic.text() == page.problem()
    page.fail_with = ""
    page._recompute()
    assert page.problem() == "" and page.arithmetic.text() == "step 5"


# -- the concept pages -----------------------------------------------------------------------------------
CONCEPT_PAGES = [
    (convolution.ConvolutionPage, convolution, "conv_trace"),
    (stride_padding.StridePaddingPage, stride_padding, "conv_trace"),
    (pooling.PoolingPage, pooling, "pool_trace"),
    (transposed.TransposedConvolutionPage, transposed, "transpose_scatter_trace"),
]
IDS = [page_class.__name__ for page_class, _, _ in CONCEPT_PAGES]


@pytest.mark.parametrize(("page_class", "module", "trace_function"), CONCEPT_PAGES, ids=IDS)
def test_every_concept_page_shows_an_impossible_setting_the_same_way(qtbot, monkeypatch, page_class, module, trace_function):
    page = page_class()
    qtbot.addWidget(page)
    count = page.step_count()

    def refuse(*args, **kwargs):
        raise ValueError("made impossible")

    monkeypatch.setattr(module, trace_function, refuse)
    page._recompute()
    assert page.problem() == "<b>These settings do not work:</b> made impossible"
    assert page._problem_label().text() == page.problem()
    page.step(1)
    page.reset()
    assert page.step_count() == count and page._problem_label().text() == page.problem()
    monkeypatch.undo()
    page._recompute()
    assert page.problem() == "" and "made impossible" not in page._problem_label().text()


@pytest.mark.parametrize(("page_class", "module", "trace_function"), CONCEPT_PAGES, ids=IDS)
def test_every_concept_page_settles_its_ranges_in_one_pass_when_nothing_moves(qtbot, monkeypatch, page_class, module, trace_function):
    page = page_class()
    qtbot.addWidget(page)
    passes = []
    apply_ranges = page._apply_ranges
    monkeypatch.setattr(page, "_apply_ranges", lambda: passes.append(1) or apply_ranges())
    page._recompute()
    assert len(passes) == 1


@pytest.mark.parametrize(("page_class", "module", "trace_function"), CONCEPT_PAGES, ids=IDS)
def test_every_input_picker_is_wired_once(qtbot, page_class, module, trace_function):
    page = page_class()
    qtbot.addWidget(page)
    sources = page.findChildren(ImageSourcePicker)
    assert sources
    for source in sources:
        assert source.receivers(source.imageChanged) == 1


def test_pooling_window_size_does_not_hide_the_widget_size(qtbot):
    page = pooling.PoolingPage()
    qtbot.addWidget(page)
    page.resize(900, 600)
    assert page.window_size() == (2, 2)
    assert (page.size().width(), page.size().height()) == (900, 600)
