"""pool2d against keras.ops.max_pool / average_pool, its winners, and its errors."""

import re

import numpy as np
import pytest
from hypothesis import given, settings

from visualizer.ops import pool2d, shapes

from . import keras_reference as ref
from .configs import pool_settings


def as_channels(a):
    return a[:, :, None] if a.ndim == 2 else a


@settings(max_examples=250, deadline=None)
@given(pool_settings())
def test_pooling_equals_keras(setting):
    x, size, stride, padding = setting
    keras_stride = size if stride is None else stride
    maxed = pool2d(x, size, stride, "max", padding)
    averaged = pool2d(x, size, stride, "avg", padding)
    summed = pool2d(x, size, stride, "sum", padding)

    # The max of float32 values is one of them: no rounding, so exact equality.
    np.testing.assert_array_equal(as_channels(maxed.output), ref.max_pool(x, size, keras_stride, padding))
    magnitude = as_channels(pool2d(np.abs(x), size, stride, "avg", padding).output)
    ref.assert_close_float32(as_channels(averaged.output), ref.average_pool(x, size, keras_stride, padding), magnitude)
    counts = ref.real_cell_counts(x.shape[:2], size, keras_stride, padding)[:, :, None]
    ref.assert_close_float32(
        as_channels(summed.output), ref.average_pool(x, size, keras_stride, padding) * counts, magnitude * counts
    )

    assert averaged.winners is None and summed.winners is None
    assert maxed.output.shape[:2] == shapes.pool_output_shape(x.shape[:2], size, stride, padding)
    for text, n in zip(shapes.pool_formula(x.shape[:2], size, stride, padding), maxed.output.shape):
        assert re.search(r"= (\d+)$", text).group(1) == str(n)
    check_winners(x, size, keras_stride, padding, maxed)


def check_winners(x, size, stride, padding, result):
    """Each winner is the first cell in row-major order of its window holding the maximum."""
    image, winners = as_channels(x), result.winners
    if x.ndim == 2:
        winners = winners[:, :, None, :]
    assert winners.shape == (*result.output.shape[:2], image.shape[2], 2)
    (top, _), (left, _) = shapes.pool_padding(x.shape[:2], size, stride, padding)
    for i, j, c in np.ndindex(winners.shape[:3]):
        r0, c0 = i * stride[0] - top, j * stride[1] - left
        rows = range(max(r0, 0), min(r0 + size[0], image.shape[0]))
        cols = range(max(c0, 0), min(c0 + size[1], image.shape[1]))
        cells = [(r, q) for r in rows for q in cols]
        best = max(image[r, q, c] for r, q in cells)
        first = next(cell for cell in cells if image[cell[0], cell[1], c] == best)
        assert tuple(winners[i, j, c]) == first


def test_sum_pooling_adds_only_real_cells():
    x = np.arange(1.0, 10.0).reshape(3, 3)
    # "same" with size 2 and stride 2 pads one row and column after the input.
    result = pool2d(x, 2, padding="same", mode="sum")
    np.testing.assert_array_equal(result.output, [[1 + 2 + 4 + 5, 3 + 6], [7 + 8, 9]])
    np.testing.assert_array_equal(pool2d(x, 2, padding="same", mode="avg").output, [[3.0, 4.5], [7.5, 9.0]])


def test_max_winner_is_first_on_ties():
    result = pool2d(np.array([[1.0, 5.0], [5.0, 5.0]]), 2)
    assert result.winners.tolist() == [[[0, 1]]]
    assert result.output.tolist() == [[5.0]]


def test_negative_values_never_lose_to_padding():
    result = pool2d(-np.ones((3, 3)), 2, padding="same")
    np.testing.assert_array_equal(result.output, -np.ones((2, 2)))
    assert result.winners[1, 1].tolist() == [2, 2]


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"size": 4}, "does not fit"),
        ({"size": 0}, "at least 1"),
        ({"stride": 0}, "at least 1"),
        ({"stride": -1}, "at least 1"),
        ({"mode": "min"}, "Unknown pooling mode"),
        ({"padding": "full"}, "Unknown padding"),
        ({"padding": 1}, '"valid" or "same"'),
    ],
)
def test_impossible_pooling_says_why(kwargs, words):
    with pytest.raises(ValueError, match=words):
        pool2d(np.ones((3, 3)), **kwargs)
