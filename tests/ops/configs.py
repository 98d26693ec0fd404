"""Hypothesis strategies for random op settings that Keras accepts too."""

import numpy as np
from hypothesis import strategies as st

from . import keras_reference as ref


def values(draw, shape) -> np.ndarray:
    """Random float32-representable values; sometimes small integers, so ties happen."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if draw(st.booleans()):
        return rng.integers(-3, 4, size=shape).astype(np.float64)
    scale = draw(st.sampled_from([1e-3, 1.0, 100.0]))
    return ref.as_float32(rng.normal(size=shape) * scale)


@st.composite
def conv_settings(draw):
    """(x, kernel, stride, padding, dilation) for conv2d, kernel fitting the padded input."""
    h, w = draw(st.integers(1, 9)), draw(st.integers(1, 9))
    c_in = draw(st.integers(1, 3))
    kernel_ndim = draw(st.sampled_from([2, 3, 4] if c_in == 1 else [3, 4]))
    if draw(st.booleans()):
        stride, dilation = (draw(st.integers(1, 5)), draw(st.integers(1, 5))), (1, 1)
    else:
        stride, dilation = (1, 1), (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = draw(st.sampled_from(["valid", "same", "explicit"]))
    if padding == "explicit":
        padding = tuple(draw(st.integers(0, 3)) for _ in range(4))
        padded = (h + padding[0] + padding[1], w + padding[2] + padding[3])
    else:
        padded = (h, w) if padding == "valid" else (99, 99)
    kernel_hw = tuple(draw(st.integers(1, min(5, (p - 1) // d + 1))) for p, d in zip(padded, dilation))
    kernel_shape = {2: kernel_hw, 3: (*kernel_hw, c_in), 4: (*kernel_hw, c_in, draw(st.integers(1, 3)))}
    x_shape = (h, w) if c_in == 1 and draw(st.booleans()) else (h, w, c_in)
    x = values(draw, x_shape)
    kernel = values(draw, kernel_shape[kernel_ndim])
    return x, kernel, stride, padding, dilation


@st.composite
def pool_settings(draw):
    """(x, size, stride, padding) for pooling, the window fitting the input for "valid"."""
    h, w = draw(st.integers(1, 9)), draw(st.integers(1, 9))
    padding = draw(st.sampled_from(["valid", "same"]))
    limit = (h, w) if padding == "valid" else (5, 5)
    size = tuple(draw(st.integers(1, min(5, n))) for n in limit)
    stride = draw(st.one_of(st.none(), st.tuples(st.integers(1, 5), st.integers(1, 5))))
    x = values(draw, draw(st.sampled_from([(h, w), (h, w, draw(st.integers(1, 3)))])))
    return x, size, stride, padding


@st.composite
def transpose_settings(draw, channels=True):
    """(x, kernel, stride, padding, output_padding) for conv2d_transpose."""
    h, w = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    kernel_hw = (draw(st.integers(1, 5)), draw(st.integers(1, 5)))
    stride = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    padding = draw(st.sampled_from(["valid", "same"]))
    output_padding = None
    if draw(st.booleans()):
        lows = [1 if padding == "same" and k % 2 == 0 else 0 for k in kernel_hw]
        if all(low < s for low, s in zip(lows, stride)):
            output_padding = tuple(draw(st.integers(low, s - 1)) for low, s in zip(lows, stride))
    if channels and draw(st.booleans()):
        c_in, c_out = draw(st.integers(1, 3)), draw(st.integers(1, 3))
        x = values(draw, (h, w, c_in))
        kernel = values(draw, (*kernel_hw, c_out, c_in))
    else:
        x = values(draw, (h, w))
        kernel = values(draw, kernel_hw)
    return x, kernel, stride, padding, output_padding
