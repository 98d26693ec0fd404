"""Transposed convolution as ``keras.layers.Conv2DTranspose`` computes it, two ways.

The scatter view stamps a copy of the kernel, scaled by each input value, onto
the output at ``stride`` steps and crops the border. The convolution view
inserts ``stride - 1`` zeros between input cells, pads the border and runs an
ordinary stride-1 convolution with the kernel rotated by 180 degrees. They are
the same sum in a different order, which is what the demos show side by side.

Kernel layouts: (kh, kw) for a single-channel input (output (H_out, W_out));
the Keras layout (kh, kw, C_out, C_in) for any input (output
(H_out, W_out, C_out)).
"""

from __future__ import annotations

import numpy as np

from . import shapes
from .conv import as_image, check_flat_kernel_input, check_kernel_channels, conv2d


def as_transpose_kernel(kernel, in_channels: int) -> tuple[np.ndarray, bool]:
    """``kernel`` as float64 (kh, kw, C_out, C_in), and whether it had channel axes."""
    kernel = np.asarray(kernel, dtype=np.float64)
    if kernel.ndim == 2:
        check_flat_kernel_input(in_channels, f"(kh, kw, C_out, {in_channels})")
        return kernel[:, :, None, None], False
    if kernel.ndim != 4:
        raise ValueError(
            f"A transposed-convolution kernel must be (kh, kw) or (kh, kw, C_out, C_in), got shape {kernel.shape}."
        )
    check_kernel_channels(kernel, 3, in_channels, " (its last axis)")
    return kernel, True


def transpose_setup(x, kernel, stride, padding, output_padding):
    image = as_image(x)
    weights, has_channels = as_transpose_kernel(kernel, image.shape[2])
    stride = shapes.as_pair(stride, "stride")
    crops, _ = shapes.conv_transpose_padding(
        image.shape[:2], weights.shape[:2], stride, padding, output_padding
    )
    out_hw = shapes.conv_transpose_output_shape(image.shape[:2], weights.shape[:2], stride, padding, output_padding)
    return image, weights, has_channels, stride, crops, out_hw


def full_transpose_size(in_hw, kernel_hw, stride, out_hw, crops) -> tuple[int, int]:
    """Size of the uncropped stamped result, long enough to hold every stamp and
    every output cell (output_padding can reach past the last stamp)."""
    return tuple(
        max((n - 1) * s + k, before + out) for n, k, s, out, (before, _) in zip(in_hw, kernel_hw, stride, out_hw, crops)
    )


def scatter_full(image: np.ndarray, weights: np.ndarray, stride, full_hw) -> np.ndarray:
    """Sum of every input cell's stamp ``x[i, j] * kernel`` placed at
    (i * stride_h, j * stride_w), before cropping: (full_h, full_w, C_out)."""
    (h, w, _), (kh, kw, c_out, _), (sh, sw) = image.shape, weights.shape, stride
    full = np.zeros((*full_hw, c_out))
    # One vectorised add per kernel tap: tap (a, b) of every stamp lands on a
    # regular strided grid of the output.
    for a in range(kh):
        rows = slice(a, a + (h - 1) * sh + 1, sh)
        for b in range(kw):
            cols = slice(b, b + (w - 1) * sw + 1, sw)
            if image.shape[2] == 1 and c_out == 1:
                # The same product as the matrix one, without a (1 x 1) matrix product per cell: 3-4 times faster.
                full[rows, cols, 0] += image[:, :, 0] * weights[a, b, 0, 0]
            else:
                full[rows, cols] += image @ weights[a, b].T
    return full


def conv2d_transpose_scatter(x, kernel, stride=1, padding="valid", output_padding=None) -> np.ndarray:
    """Transposed convolution by stamping scaled kernels, then cropping the border."""
    image, weights, has_channels, stride, crops, out_hw = transpose_setup(x, kernel, stride, padding, output_padding)
    full_hw = full_transpose_size(image.shape[:2], weights.shape[:2], stride, out_hw, crops)
    full = scatter_full(image, weights, stride, full_hw)
    (top, _), (left, _) = crops
    out = full[top : top + out_hw[0], left : left + out_hw[1]]
    return out if has_channels else out[:, :, 0]


def zero_insert(image: np.ndarray, stride) -> np.ndarray:
    """(H, W, C) input with ``stride - 1`` zero rows/columns between its cells."""
    (h, w, c), (sh, sw) = image.shape, stride
    spread = np.zeros(((h - 1) * sh + 1, (w - 1) * sw + 1, c))
    spread[::sh, ::sw] = image
    return spread


def transpose_as_conv_padding(in_hw, kernel_hw, stride, out_hw, crops):
    """(top, bottom, left, right) border zeros around the zero-inserted input so a
    stride-1 valid convolution with the rotated kernel gives the output.

    A full convolution pads ``k - 1`` on each side; the cropping of the
    transposed convolution takes that much back.
    """
    sides = []
    for n, k, s, out, (before, _) in zip(in_hw, kernel_hw, stride, out_hw, crops):
        pad_before = k - 1 - before
        spread = (n - 1) * s + 1
        sides += [pad_before, out + k - 1 - spread - pad_before]
    return tuple(sides)


def rotated_kernel(weights: np.ndarray) -> np.ndarray:
    """The (kh, kw, C_out, C_in) kernel turned 180 degrees, in conv layout (kh, kw, C_in, C_out)."""
    return weights[::-1, ::-1].transpose(0, 1, 3, 2)


def conv2d_transpose_as_conv(x, kernel, stride=1, padding="valid", output_padding=None) -> np.ndarray:
    """Transposed convolution as zero insertion + border padding + a stride-1
    convolution with the 180-degree rotated kernel."""
    image, weights, has_channels, stride, crops, out_hw = transpose_setup(x, kernel, stride, padding, output_padding)
    border = transpose_as_conv_padding(image.shape[:2], weights.shape[:2], stride, out_hw, crops)
    out = conv2d(zero_insert(image, stride), rotated_kernel(weights), padding=border)
    return out if has_channels else out[:, :, 0]


def conv2d_transpose(x, kernel, stride=1, padding="valid", output_padding=None) -> np.ndarray:
    """Transposed convolution equal to ``keras.ops.conv_transpose`` on TensorFlow.

    Args:
        x: (H, W) or (H, W, C_in).
        kernel: (kh, kw) for a single-channel ``x``, or (kh, kw, C_out, C_in).
        stride: int or (rows, cols).
        padding: "valid" or "same".
        output_padding: None (Keras's choice: ``(in - 1) * s + max(k, s)`` cells
            for "valid", ``in * s`` for "same"), or an int / pair below the
            stride; with "same" an even kernel needs at least 1.

    Returns float64 (H_out, W_out) for a 2-D kernel, (H_out, W_out, C_out) for
    a 4-D one. Sizes follow :func:`shapes.conv_transpose_output_shape`.
    """
    return conv2d_transpose_scatter(x, kernel, stride, padding, output_padding)
