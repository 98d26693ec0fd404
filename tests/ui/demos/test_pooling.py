"""The Pooling page: max / average / sum like Keras, winners ringed, arithmetic that adds up."""

import re

import numpy as np
import pytest

from tests.ui.helpers import click_cell
from visualizer.ui.demos.pooling import PoolingPage

PAGE_CLASS = PoolingPage


def keras_pool(x, mode, size, stride, padding):
    """Keras's max / average pooling; sum pooling, which Keras lacks, as a convolution with ones
    (its "same" zeros add nothing, as pooling's padding never counts)."""
    import keras

    batch = x[None, :, :, None].astype("float32")
    if mode == "max":
        out = keras.ops.max_pool(batch, size, stride, padding)
    elif mode == "avg":
        out = keras.ops.average_pool(batch, size, stride, padding)
    else:
        out = keras.ops.conv(batch, np.ones((*size, 1, 1), "float32"), stride, padding)
    return np.asarray(out)[0, :, :, 0]


def set_mode(page, mode):
    page.mode_box.setCurrentIndex(page.mode_box.findData(mode))


def test_max_pooling_like_keras_with_winners_ringed(page):
    assert page.step_count() == 16
    np.testing.assert_allclose(page.view.output.values(), keras_pool(page.source.image(), "max", (2, 2), (2, 2), "valid"))
    page.set_step(5)
    marks = page.view.input.marks()
    assert len(marks) == 6
    x = page.source.image()
    for index, (r, c) in enumerate(marks):
        out_r, out_c = divmod(index, 4)
        assert x[r, c] == page.view.output.values()[out_r, out_c]
        assert 2 * out_r <= r < 2 * out_r + 2 and 2 * out_c <= c < 2 * out_c + 2
    text = re.sub(r"<[^>]+>", "", page.view.arithmetic.text())
    values = [float(v) for v in re.search(r"max\(([^)]*)\)", text).group(1).split(",")]
    assert max(values) == float(text.rsplit("=", 1)[1]) == page.view.output.values()[1, 1]


@pytest.mark.parametrize("mode", ["avg", "sum"])
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_average_and_sum_with_window_stride_and_padding(page, mode, padding):
    set_mode(page, mode)
    page.padding_box.setCurrentText(padding)
    page.size_rows.setValue(3)
    page.stride_cols.setValue(3)
    shown = page.view.output.values()
    expected = keras_pool(page.source.image(), mode, (3, 2), (2, 3), padding)
    np.testing.assert_allclose(shown, expected, atol=1e-4)
    assert page.view.input.marks() == []
    last = page.step_count() - 1
    page.set_step(last)
    text = re.sub(r"<[^>]+>", "", page.view.arithmetic.text())
    body, value = text.split("=", 1)[1].rsplit("=", 1)
    terms = [float(t) for t in re.findall(r"-?\d+(?:\.\d+)?", body.split("/")[0])]
    total = sum(terms) / (int(body.split("/")[1]) if mode == "avg" else 1)
    assert total == pytest.approx(float(value), abs=1e-2)
    assert float(value) == pytest.approx(shown.reshape(-1)[last], abs=1e-2)


def test_same_max_pooling_shows_padding_as_never_winning(page, qtbot):
    page.padding_box.setCurrentText("same")
    page.size_rows.setValue(3)
    page.size_cols.setValue(3)
    assert page.view.input.values().shape == (9, 9)
    assert page.view.input.values()[8, 8] == -np.inf
    assert "never counts" in page.padding_note.text()
    np.testing.assert_allclose(page.view.output.values(), keras_pool(page.source.image(), "max", (3, 3), (2, 2), "same"))
    click_cell(qtbot, page.view.output, 3, 2)
    assert page.current_step() == 14


def test_window_larger_than_input_cannot_be_chosen(page):
    page.source.grid_size.setValue(5)
    page.size_rows.setValue(7)
    assert page.size_rows.value() == 5
    assert page.view.output.values().shape[0] == 1


def test_max_and_average_share_the_input_colour_scale_but_sum_does_not(page):
    for mode in ("max", "avg"):
        set_mode(page, mode)
        assert page.view.output.levels() == page.view.input.levels(), mode
    set_mode(page, "sum")
    assert page.view.output.levels() != page.view.input.levels()
