"""Keras 3 as the reference the numpy ops are checked against.

Inputs are rounded to float32 once, and the numpy op is fed the same rounded
values, so any difference is Keras's own float32 arithmetic.
"""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402


def as_float32(a) -> np.ndarray:
    """``a`` rounded to float32 and widened back, so both sides see the same numbers."""
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def _batch(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    return (x[:, :, None] if x.ndim == 2 else x)[None]


def conv(x, kernel4, stride, padding, dilation=1) -> np.ndarray:
    """(H_out, W_out, C_out) of ``keras.ops.conv``; ``kernel4`` is (kh, kw, C_in, C_out)."""
    out = keras.ops.conv(
        _batch(x), np.asarray(kernel4, np.float32), strides=stride, padding=padding, dilation_rate=dilation
    )
    return np.asarray(out, dtype=np.float64)[0]


def conv_transpose(x, kernel4, stride, padding, output_padding) -> np.ndarray:
    """(H_out, W_out, C_out) of ``keras.ops.conv_transpose``; ``kernel4`` is (kh, kw, C_out, C_in)."""
    out = keras.ops.conv_transpose(
        _batch(x), np.asarray(kernel4, np.float32), strides=stride, padding=padding, output_padding=output_padding
    )
    return np.asarray(out, dtype=np.float64)[0]


def max_pool(x, size, stride, padding) -> np.ndarray:
    return np.asarray(keras.ops.max_pool(_batch(x), size, stride, padding), dtype=np.float64)[0]


def average_pool(x, size, stride, padding) -> np.ndarray:
    return np.asarray(keras.ops.average_pool(_batch(x), size, stride, padding), dtype=np.float64)[0]


def real_cell_counts(input_hw, size, stride, padding) -> np.ndarray:
    """How many real (unpadded) cells each pooling window covers: Keras convolving
    an all-ones image with an all-ones kernel pads the same way and counts them."""
    ones = np.ones((*input_hw, 1))
    return conv(ones, np.ones((*size, 1, 1)), stride, padding)[:, :, 0]


def assert_close_float32(ours, ref, magnitude) -> None:
    """Equal up to float32 accumulation: a relative 1e-5 of the values and of
    ``magnitude``, the elementwise sum of |terms| each output adds up."""
    assert ours.shape == ref.shape, (ours.shape, ref.shape)
    tolerance = 1e-5 * (1.0 + np.abs(ref) + np.asarray(magnitude))
    excess = np.abs(ours - ref) - tolerance
    assert (excess <= 0).all(), f"largest excess over tolerance {excess.max():.3g}"
