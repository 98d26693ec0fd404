"""The Stride and padding page: every setting reaches the output as Keras computes it."""

import numpy as np
import pytest

from tests.ui.helpers import choose_preset, click_cell, keras_conv, written_terms_total
from visualizer.ui.demos.stride_padding import EXPLICIT, VALID, StridePaddingPage
from visualizer.ui.kit import kernel_presets

PAGE_CLASS = StridePaddingPage


def assert_matches_keras(page):
    padding = page.padding()
    x = page.source.image()
    if isinstance(padding, tuple):  # Keras takes explicit zeros only as an already padded input
        top, bottom, left, right = padding
        x, padding = np.pad(x, ((top, bottom), (left, right))), "valid"
    expected = keras_conv(x, page.kernel(), page.stride(), padding, page.dilation())
    np.testing.assert_allclose(page.view.output.values(), expected, atol=1e-4)


def test_stride_and_same_padding(page):
    choose_preset(page.kernel_editor, kernel_presets.SHARPEN)
    assert page.padding() == "same" and page.stride() == (2, 2)
    assert page.view.output.values().shape == (4, 4)  # ceil(7 / 2)
    assert_matches_keras(page)
    page.stride_cols.setValue(3)
    assert page.view.output.values().shape == (4, 3)
    assert_matches_keras(page)
    page.set_step(5)  # output (1, 2): rows 2..4 and columns 6..8 of the padded input
    assert page.view.input.window()[0] == (2, 6)
    total, value = written_terms_total(page.view.arithmetic.text())
    assert total == pytest.approx(page.view.output.values()[1, 2]) == value


def test_same_with_an_even_kernel_pads_only_after(page):
    page.stride_rows.setValue(1)
    page.stride_cols.setValue(1)
    page.kernel_rows.setValue(2)
    page.kernel_cols.setValue(2)
    choose_preset(page.kernel_editor, kernel_presets.RANDOM)
    assert "top 0, bottom 1, left 0, right 1" in page.padding_note.text()
    shaded = np.array([[page.view.input.is_shaded(r, c) for c in range(8)] for r in range(8)])
    assert shaded[7].all() and shaded[:, 7].all() and not shaded[:7, :7].any()
    assert page.view.output.values().shape == (7, 7)
    assert_matches_keras(page)


def test_valid_and_explicit_padding(page):
    choose_preset(page.kernel_editor, kernel_presets.LAPLACIAN)
    page.padding_box.setCurrentText(VALID)
    assert page.view.output.values().shape == (3, 3)
    assert_matches_keras(page)
    page.padding_box.setCurrentText(EXPLICIT)
    assert page.pads_box.isVisible()
    page.pad_spins["top"].setValue(2)
    page.pad_spins["right"].setValue(0)
    assert page.padding() == (2, 1, 1, 0)
    assert page.view.input.values().shape == (10, 8)
    assert_matches_keras(page)
    assert "floor((7 + 2 + 1 - 3) / 2) + 1 = 4" in page.view.formula.text()


def test_dilation_spreads_the_window_and_excludes_stride(page):
    page.stride_rows.setValue(1)
    page.stride_cols.setValue(1)
    page.padding_box.setCurrentText(VALID)
    page.dilation_rows.setValue(2)
    page.dilation_cols.setValue(2)
    assert page.stride_rows.maximum() == 1  # Keras refuses stride > 1 with dilation > 1
    assert "Keras cannot combine them" in page.limits_note.text()
    choose_preset(page.kernel_editor, kernel_presets.SOBEL_Y)
    assert page.view.output.values().shape == (3, 3)
    assert_matches_keras(page)
    page.set_step(0)
    assert page.view.input.window() == [(r, c) for r in (0, 2, 4) for c in (0, 2, 4)]


def test_ranges_never_allow_a_kernel_larger_than_the_padded_input(page, qtbot):
    page.padding_box.setCurrentText(VALID)
    page.source.grid_size.setValue(5)
    page.kernel_rows.setValue(7)
    assert page.kernel_rows.value() == 5  # the spin box stops at the input size
    page.source.select("fashion-sneaker")
    page.stride_rows.setValue(6)
    page.kernel_rows.setValue(7)
    page.source.select("numbers")  # back to 5x5: the kernel and stride shrink to fit
    assert page.kernel_rows.value() <= 5
    assert page.view.output.values().shape[0] >= 1
    assert "do not work" not in page.view.arithmetic.text()
    assert_matches_keras(page)
    click_cell(qtbot, page.view.output, 0, 1)
    assert page.current_step() == 1
