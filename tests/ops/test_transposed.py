"""conv2d_transpose (both views) against keras.ops.conv_transpose, and its errors."""

import re

import numpy as np
import pytest
from hypothesis import given, settings

from visualizer.ops import conv2d_transpose, conv2d_transpose_as_conv, conv2d_transpose_scatter, shapes

from . import keras_reference as ref
from .configs import transpose_settings


@settings(max_examples=300, deadline=None)
@given(transpose_settings())
def test_transposed_conv_equals_keras_both_ways(setting):
    x, kernel, stride, padding, output_padding = setting
    scatter = conv2d_transpose_scatter(x, kernel, stride, padding, output_padding)
    as_conv = conv2d_transpose_as_conv(x, kernel, stride, padding, output_padding)
    np.testing.assert_allclose(as_conv, scatter, rtol=1e-12, atol=1e-12 * (1 + np.abs(scatter).max(initial=0)))
    np.testing.assert_array_equal(conv2d_transpose(x, kernel, stride, padding, output_padding), scatter)

    kernel4 = kernel[:, :, None, None] if kernel.ndim == 2 else kernel
    expected = ref.conv_transpose(x, kernel4, stride, padding, output_padding)
    ours = scatter[:, :, None] if kernel.ndim == 2 else scatter
    magnitude = conv2d_transpose_scatter(np.abs(x), np.abs(kernel), stride, padding, output_padding)
    ref.assert_close_float32(ours, expected, magnitude[:, :, None] if kernel.ndim == 2 else magnitude)

    sizes = shapes.conv_transpose_output_shape(x.shape[:2], kernel.shape[:2], stride, padding, output_padding)
    assert scatter.shape[:2] == sizes
    texts = shapes.conv_transpose_formula(x.shape[:2], kernel.shape[:2], stride, padding, output_padding)
    for text, n in zip(texts, scatter.shape):
        numbers = [int(v) for v in re.findall(r"\d+", text)]
        in_size, _, s, before, after, k, op, out = numbers
        assert (in_size - 1) * s - (before + after) + k + op == out == n


def test_seed_figure_two_by_two_with_a_three_by_three_kernel():
    # A 2x2 input, 3x3 kernel, stride 1, "valid": each value stamps a 3x3 block into a 4x4 output.
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    out = conv2d_transpose(x, np.ones((3, 3)))
    expected = np.zeros((4, 4))
    for (i, j), v in np.ndenumerate(x):
        expected[i : i + 3, j : j + 3] += v
    np.testing.assert_array_equal(out, expected)


def test_keras_output_sizes():
    # (in, kernel, stride, padding, output_padding) -> out, as Keras on TensorFlow gives them.
    cases = {
        (3, 2, 3, "valid", None): 9,  # (in-1)*s + max(k, s)
        (3, 4, 2, "valid", None): 8,
        (3, 3, 2, "same", None): 6,  # in*s
        (3, 3, 2, "same", 0): 5,  # (in-1)*s + k%2 + op
        (3, 4, 3, "same", 2): 8,
    }
    for (n, k, s, padding, op), out in cases.items():
        assert shapes.conv_transpose_axis(n, k, s, padding, op).out == out


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"stride": 2, "output_padding": 2}, "smaller than the stride"),
        ({"stride": 1, "output_padding": 1}, "smaller than the stride"),
        ({"stride": 2, "output_padding": -1}, "cannot be negative"),
        ({"stride": 0}, "at least 1"),
        ({"padding": "full"}, "Unknown padding"),
        ({"padding": 1}, '"valid" or "same"'),
        ({"kernel": np.ones((2, 2)), "stride": 2, "padding": "same", "output_padding": 0}, "even kernel"),
        ({"kernel": np.ones((3, 3, 1))}, "must be \\(kh, kw\\) or"),
        ({"kernel": np.ones((3, 3, 2, 3))}, "expects 3 input channels"),
        ({"x": np.ones((3, 3, 2))}, "single-channel input"),
    ],
)
def test_impossible_transposed_settings_say_why(kwargs, words):
    args = {"x": np.ones((3, 3)), "kernel": np.ones((3, 3)), **kwargs}
    for op in (conv2d_transpose_scatter, conv2d_transpose_as_conv):
        with pytest.raises(ValueError, match=words):
            op(**args)


def test_keras_refuses_what_we_refuse():
    # Our errors mirror Keras: output_padding must stay below the stride (the layer checks),
    # and TensorFlow cannot run an even kernel with "same" and output_padding 0.
    with pytest.raises(ValueError):
        ref.keras.layers.Conv2DTranspose(1, 3, strides=2, output_padding=2)
    with pytest.raises(Exception):  # noqa: B017 - TensorFlow's own OpError, whichever kind it picks
        ref.conv_transpose(np.ones((3, 3)), np.ones((2, 2, 1, 1)), 2, "same", 0)
