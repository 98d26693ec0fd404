"""conv2d against keras.ops.conv, and its errors."""

import re

import numpy as np
import pytest
from hypothesis import given, settings

from visualizer.ops import conv2d, shapes

from . import keras_reference as ref
from .configs import conv_settings


def keras_conv2d(x, kernel, stride, padding, dilation):
    """What Keras gives for conv2d's arguments, in conv2d's output layout."""
    kernel4 = {2: kernel[:, :, None, None], 3: kernel[..., None], 4: kernel}[kernel.ndim]
    if not isinstance(padding, str):
        top, bottom, left, right = padding
        pad_width = ((top, bottom), (left, right)) + ((0, 0),) * (x.ndim - 2)
        x, padding = np.pad(x, pad_width), "valid"
    out = ref.conv(x, kernel4, stride, padding, dilation)
    return out if kernel.ndim == 4 else out[:, :, 0]


@settings(max_examples=300, deadline=None)
@given(conv_settings())
def test_conv2d_equals_keras(setting):
    x, kernel, stride, padding, dilation = setting
    ours = conv2d(x, kernel, stride, padding, dilation)
    assert ours.dtype == np.float64
    magnitude = conv2d(np.abs(x), np.abs(kernel), stride, padding, dilation)
    ref.assert_close_float32(ours, keras_conv2d(x, kernel, stride, padding, dilation), magnitude)

    kernel_hw = kernel.shape[:2]
    assert ours.shape[:2] == shapes.conv_output_shape(x.shape[:2], kernel_hw, stride, padding, dilation)
    for text, size in zip(shapes.conv_formula(x.shape[:2], kernel_hw, stride, padding, dilation), ours.shape):
        assert re.fullmatch(r"out = floor\(\(.*\) / \d+\) \+ 1 = (\d+)", text).group(1) == str(size)


def test_same_padding_puts_the_odd_cell_after():
    # Conv2D(kernel_size=2, padding="same"): 0 before, 1 after, as TensorFlow does.
    assert shapes.conv_padding((28, 28), 2, 1, "same") == ((0, 1), (0, 1))
    x = np.arange(9.0).reshape(3, 3)
    picks_next = np.array([[0.0, 0.0], [0.0, 1.0]])
    np.testing.assert_array_equal(conv2d(x, picks_next, padding="same"), [[4, 5, 0], [7, 8, 0], [0, 0, 0]])


def test_kernel_is_not_flipped():
    x = np.arange(16.0).reshape(4, 4)
    top_left = np.zeros((3, 3))
    top_left[0, 0] = 1.0
    np.testing.assert_array_equal(conv2d(x, top_left), x[:2, :2])


def test_256_image_with_7x7_kernel_matches_a_plain_loop_on_a_corner():
    rng = np.random.default_rng(0)
    x, kernel = rng.normal(size=(256, 256)), rng.normal(size=(7, 7))
    out = conv2d(x, kernel, padding="same")
    padded = np.pad(x, 3)
    expected = [[(padded[i : i + 7, j : j + 7] * kernel).sum() for j in range(5)] for i in range(5)]
    np.testing.assert_allclose(out[:5, :5], expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    "x_shape, kernel_shape, kwargs, words",
    [
        ((5, 5), (6, 6), {}, "does not fit"),
        ((5, 5), (3, 3), {"dilation": 3}, "does not fit"),
        ((5, 5), (3, 3), {"stride": 0}, "at least 1"),
        ((5, 5), (3, 3), {"stride": -2}, "at least 1"),
        ((5, 5), (3, 3), {"dilation": 0}, "at least 1"),
        ((5, 5, 2), (3, 3, 3), {}, "expects 3 input channels but the input has 2"),
        ((5, 5, 2), (3, 3, 3, 4), {}, "expects 3 input channels"),
        ((5, 5, 2), (3, 3), {}, "single-channel input"),
        ((5, 5), (3,), {}, "kernel must be"),
        ((5,), (3, 3), {}, "must be \\(H, W\\)"),
        ((5, 5), (3, 3), {"padding": "full"}, "Unknown padding"),
        ((5, 5), (3, 3), {"padding": (1, 2)}, "top, bottom, left, right"),
        ((5, 5), (3, 3), {"padding": -1}, "cannot be negative"),
        ((5, 5), (3, 3), {"stride": 2, "dilation": 2}, "cannot be combined"),
        ((5, 5), (3, 3), {"stride": (1, 2, 3)}, "pair"),
    ],
)
def test_impossible_settings_say_why(x_shape, kernel_shape, kwargs, words):
    with pytest.raises(ValueError, match=words):
        conv2d(np.ones(x_shape), np.ones(kernel_shape), **kwargs)


def test_explicit_padding_can_make_a_large_kernel_fit():
    out = conv2d(np.ones((2, 2)), np.ones((4, 4)), padding=1)
    np.testing.assert_array_equal(out, [[4.0]])
