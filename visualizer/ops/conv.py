"""2-D convolution as Keras computes it (cross-correlation: the kernel is not flipped)."""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from . import shapes


def as_image(x, name: str = "x") -> np.ndarray:
    """``x`` as a float64 (H, W, C) array; a 2-D image gets one channel."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 2:
        return x[:, :, None]
    if x.ndim != 3:
        raise ValueError(f"{name} must be (H, W) or (H, W, C), got shape {x.shape}.")
    if x.shape[2] < 1:
        raise ValueError(f"{name} has no channels (shape {x.shape}).")
    return x


def as_conv_kernel(kernel, in_channels: int) -> tuple[np.ndarray, bool]:
    """``kernel`` as float64 (kh, kw, C_in, C_out), and whether it had an output-channel axis.

    A (kh, kw) kernel is one filter for a single-channel input: with several
    input channels there is no single right way to apply it, so it is refused.
    A (kh, kw, C_in) kernel is one filter over all input channels.
    """
    kernel = np.asarray(kernel, dtype=np.float64)
    if kernel.ndim == 2:
        check_flat_kernel_input(in_channels, f"(kh, kw, {in_channels})")
        kernel = kernel[:, :, None]
    if kernel.ndim == 3:
        kernel = kernel[:, :, :, None]
        has_out_axis = False
    elif kernel.ndim == 4:
        has_out_axis = True
    else:
        raise ValueError(
            f"The kernel must be (kh, kw), (kh, kw, C_in) or (kh, kw, C_in, C_out), got shape {kernel.shape}."
        )
    check_kernel_channels(kernel, 2, in_channels)
    return kernel, has_out_axis


def check_flat_kernel_input(in_channels: int, layout_wanted: str) -> None:
    """A (kh, kw) kernel says nothing about channels, so it takes only a one-channel input."""
    if in_channels != 1:
        raise ValueError(
            f"A 2-D (kh, kw) kernel needs a single-channel input, but the input has {in_channels} "
            f"channels; give a {layout_wanted} kernel instead."
        )


def check_kernel_channels(kernel: np.ndarray, channel_axis: int, in_channels: int, axis_note: str = "") -> None:
    """Refuse a kernel with an empty axis, or whose input-channel axis does not match the input."""
    if min(kernel.shape) < 1:
        raise ValueError(f"The kernel has an empty axis (shape {kernel.shape}).")
    if kernel.shape[channel_axis] != in_channels:
        raise ValueError(
            f"The kernel expects {kernel.shape[channel_axis]} input channels{axis_note} but the input has {in_channels}."
        )


def pad_image(x: np.ndarray, pads, value: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Pad an (H, W, C) array by ((top, bottom), (left, right)) cells of ``value``.

    Returns the padded array and an (Hp, Wp) mask that is True on padding.
    """
    (top, bottom), (left, right) = pads
    padded = np.pad(x, ((top, bottom), (left, right), (0, 0)), constant_values=value)
    mask = np.ones(padded.shape[:2], dtype=bool)
    mask[top : top + x.shape[0], left : left + x.shape[1]] = False
    return padded, mask


def window_view(padded: np.ndarray, kernel_hw, stride, dilation) -> np.ndarray:
    """Read-only view (H_out, W_out, kh, kw, C) of every window the kernel sees.

    No data is copied, so building it is instant even for large images.
    """
    (kh, kw), (sh, sw), (dh, dw) = kernel_hw, stride, dilation
    span_h, span_w = shapes.effective_kernel(kh, dh), shapes.effective_kernel(kw, dw)
    view = sliding_window_view(padded, (span_h, span_w), axis=(0, 1))  # (Ho', Wo', C, span_h, span_w)
    view = view[::sh, ::sw, :, ::dh, ::dw]
    return view.transpose(0, 1, 3, 4, 2)


def conv2d(x, kernel, stride=1, padding="valid", dilation=1) -> np.ndarray:
    """Cross-correlate ``x`` with ``kernel`` exactly as ``keras.ops.conv`` does.

    Args:
        x: (H, W) or (H, W, C_in) image.
        kernel: (kh, kw) for a single-channel ``x``; (kh, kw, C_in) for one
            filter; (kh, kw, C_in, C_out) for a bank of filters (Keras layout).
        stride, dilation: int or (rows, cols). Keras refuses a stride above 1
            together with a dilation above 1, and so does this function.
        padding: "valid", "same" (TensorFlow's split: extra cell after), an int
            or explicit (top, bottom, left, right) zeros.

    Returns:
        float64 (H_out, W_out) for a 2-D or 3-D kernel, (H_out, W_out, C_out)
        for a 4-D kernel.
    """
    image = as_image(x)
    weights, has_out_axis = as_conv_kernel(kernel, image.shape[2])
    kernel_hw = weights.shape[:2]
    stride = shapes.as_pair(stride, "stride")
    dilation = shapes.as_pair(dilation, "dilation")
    out_hw = shapes.conv_output_shape(image.shape[:2], kernel_hw, stride, padding, dilation)
    pads = shapes.conv_padding(image.shape[:2], kernel_hw, stride, padding, dilation)
    padded, _ = pad_image(image, pads)
    out = correlate_padded(padded, weights, out_hw, stride, dilation)
    return out if has_out_axis else out[:, :, 0]


def correlate_padded(padded: np.ndarray, weights: np.ndarray, out_hw, stride, dilation) -> np.ndarray:
    # One matrix product per kernel tap over strided slices of the padded input:
    # kh*kw BLAS calls on contiguous-ish data beat one einsum over the
    # 5-D window view by several times for the kernel sizes the demos use.
    (ho, wo), (sh, sw), (dh, dw) = out_hw, stride, dilation
    kh, kw, c_in, c_out = weights.shape
    out = np.zeros((ho, wo, c_out))
    for a in range(kh):
        rows = slice(a * dh, a * dh + (ho - 1) * sh + 1, sh)
        for b in range(kw):
            cols = slice(b * dw, b * dw + (wo - 1) * sw + 1, sw)
            patch = padded[rows, cols, :]
            if c_in == 1 and c_out == 1:
                out[:, :, 0] += patch[:, :, 0] * weights[a, b, 0, 0]
            else:
                out += patch @ weights[a, b]
    return out
