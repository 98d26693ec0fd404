"""The Transposed convolution page: both views equal keras.ops.conv_transpose and each other."""

import re

import numpy as np
import pytest
from PyQt6.QtCore import QRectF
from PyQt6.QtGui import QColor, QFontMetrics, QPainter

from tests.ui.helpers import choose_preset, click_cell, hover_cell, keras_conv_transpose, written_terms_total
from visualizer.ui.demos.transposed import CONVOLUTION, SCATTER, TransposedConvolutionPage
from visualizer.ui.kit import kernel_presets

PAGE_CLASS = TransposedConvolutionPage


def shown_outputs(page):
    """The convolution view's output, and the scatter view's stamps inside the output region."""
    full = page.full_grid.values()
    region = page.scatter.output_region
    rows, cols = np.flatnonzero(region.any(axis=1)), np.flatnonzero(region.any(axis=0))
    return page.output_grid.values(), full[np.ix_(rows, cols)]


def assert_matches_keras(page):
    page.set_step(page.step_count() - 1)  # the scatter view finished
    expected = keras_conv_transpose(
        page.source.image(), page.kernel(), page.stride(), page.padding(), page.output_padding()
    )
    conv_view, scatter_view = shown_outputs(page)
    np.testing.assert_allclose(conv_view, expected, atol=1e-4)
    np.testing.assert_allclose(scatter_view, expected, atol=1e-4)
    assert page.output_grid.levels() == page.full_grid.levels()


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_both_views_equal_keras(page, padding):
    page.padding_box.setCurrentText(padding)
    assert_matches_keras(page)
    page.stride_cols.setValue(3)
    page.kernel_rows.setValue(2)
    choose_preset(page.kernel_editor, kernel_presets.RANDOM)
    assert_matches_keras(page)


def test_explicit_output_padding(page):
    page.stride_rows.setValue(3)
    page.auto_output_padding.setChecked(False)
    assert page.output_padding_rows.isEnabled()
    assert page.output_padding_rows.maximum() == 2  # below the stride
    page.output_padding_rows.setValue(2)
    page.output_padding_cols.setValue(1)
    assert page.output_grid.values().shape == ((3 - 1) * 3 + 3 + 2, (3 - 1) * 2 + 3 + 1)
    assert_matches_keras(page)
    assert "+ 3 + 2 = 11" in page.formula.text()


def test_even_kernel_with_same_keeps_output_padding_automatic(page):
    page.padding_box.setCurrentText("same")
    page.stride_rows.setValue(1)
    page.stride_cols.setValue(1)
    page.kernel_rows.setValue(2)
    assert not page.auto_output_padding.isEnabled()
    assert "Keras's own output_padding" in page.output_padding_note.text()
    assert_matches_keras(page)


def test_scatter_steps_stamp_one_input_cell_at_a_time(page):
    assert page.stepping() == SCATTER
    assert page.step_count() == 9
    page.set_step(0)
    x, kernel = page.source.image(), page.kernel()
    full = page.full_grid.values()
    np.testing.assert_allclose(full[:3, :3], x[0, 0] * kernel)
    assert np.count_nonzero(full[3:, :]) == 0 and np.count_nonzero(full[:, 3:]) == 0
    assert page.input_grid.window() == [(0, 0)]
    page.step(1)
    assert page.full_grid.window()[0] == (0, 2)  # stride 2: the next stamp starts two columns on
    text = re.sub(r"<[^>]+>", "", page.arithmetic.text())
    scale = float(re.search(r"stamps \(?(-?[\d.]+)\)? ×", text).group(1))
    assert scale == x[0, 1]


def test_clicks_switch_the_view_being_stepped(page, qtbot):
    click_cell(qtbot, page.output_grid, 2, 3)
    assert page.stepping() == CONVOLUTION
    assert page.current_step() == 2 * 7 + 3
    total, value = written_terms_total(page.arithmetic.text())
    assert total == pytest.approx(page.output_grid.values()[2, 3]) == value
    hover_cell(qtbot, page.output_grid, 0, 0)
    assert page.conv_input_grid.hover_window()[0] == (0, 0)
    click_cell(qtbot, page.input_grid, 1, 2)
    assert page.stepping() == SCATTER
    assert page.current_step() == 1 * 3 + 2


def test_hovering_a_stamped_cell_outlines_the_inputs_that_reach_it(page, qtbot):
    # stride 2, kernel 3: full-result cell (2, 2) is reached by the stamps of inputs 0 and 1 on each axis
    hover_cell(qtbot, page.full_grid, 2, 2)
    assert sorted(page.input_grid.hover_window()) == [(0, 0), (0, 1), (1, 0), (1, 1)]
    hover_cell(qtbot, page.full_grid, 1, 3)
    assert sorted(page.input_grid.hover_window()) == [(0, 1)]


def test_captions_fit_their_grids_for_a_photo_in_presentation_mode(page, qtbot, presentation_type):
    from PyQt6.QtGui import QFont, QFontMetrics

    from visualizer.ui.kit.grid_view import GridView

    page.source.select(page.source.source_box.itemData(1))  # a 256-pixel photo: four-digit sizes
    page.stride_rows.setValue(4)
    page.stride_cols.setValue(4)
    presentation_type()
    page.resize(1280, 720)  # presentation mode: the page has the whole screen
    qtbot.wait(50)
    for grid in page.findChildren(GridView):
        if grid.isVisible() and grid.caption():
            bold = QFont(grid.font())
            bold.setBold(True)
            assert QFontMetrics(bold).horizontalAdvance(grid.caption()) <= grid.width() - 4, grid.caption()


class _PaintRecorder:
    """The texts a widget's paintEvent writes, each with the font it was written in, and the
    rectangles it fills with the colour of a weight's badge."""

    BADGE = QColor(255, 244, 160, 235)

    def __init__(self, monkeypatch):
        self.texts, self.badges = [], []
        draw_text, fill_rect = QPainter.drawText, QPainter.fillRect

        def recording_draw_text(painter, *args):
            if len(args) == 3 and isinstance(args[0], QRectF):
                rect, flags, text = args
                ink = QFontMetrics(painter.font()).boundingRect(rect.toRect(), int(flags.value), text)
                self.texts.append((text, QRectF(ink)))
            return draw_text(painter, *args)

        def recording_fill_rect(painter, *args):
            if len(args) == 2 and isinstance(args[1], QColor) and args[1] == self.BADGE:
                self.badges.append(QRectF(args[0]))
            return fill_rect(painter, *args)

        monkeypatch.setattr(QPainter, "drawText", recording_draw_text)
        monkeypatch.setattr(QPainter, "fillRect", recording_fill_rect)


def test_weight_badges_never_cover_the_numbers_of_the_spread_out_grid(page, monkeypatch):
    page.resize(1100, 650)  # the page's room in a 1280x720 window
    page.step_box.setCurrentIndex(page.step_box.findData(CONVOLUTION))
    page.set_step(4)  # a window over inserted zeros and input cells
    grid = page.conv_input_grid
    assert grid.values().shape == (9, 9)
    recorder = _PaintRecorder(monkeypatch)
    grid.grab()
    window = [grid.cell_rect(r, c) for r, c in grid.window()]
    in_window = [(text, ink) for text, ink in recorder.texts if any(cell.contains(ink.center()) for cell in window)]
    numbers = [(text, ink) for text, ink in in_window if not text.startswith("×")]
    assert len(recorder.badges) == len(window) == 9  # every weight is written, small
    assert len(numbers) == 9
    for badge in recorder.badges:
        covered = [text for text, ink in numbers if badge.intersects(ink)]
        assert not covered, f"a weight's badge covers the number {covered[0]!r}"
