"""2-D max, average and sum pooling as Keras computes them."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import shapes
from .conv import as_image, pad_image, window_view

POOL_MODES = ("max", "avg", "sum")


class PoolResult(NamedTuple):
    """Result of :func:`pool2d`.

    output: float64 (H_out, W_out) or (H_out, W_out, C), like the input.
    winners: for max pooling, int (H_out, W_out, 2) or (H_out, W_out, C, 2)
        holding the (row, col) of the unpadded input cell each maximum came
        from (the first one in row-major order on ties, as ``argmax``);
        None for "avg" and "sum".
    """

    output: np.ndarray
    winners: np.ndarray | None


def pool_geometry(image_hw, size, stride, padding):
    """Normalised (size, stride, pads, out_hw) of a pooling, validating every argument."""
    size = shapes.as_pair(size, "pool size")
    stride = size if stride is None else shapes.as_pair(stride, "stride")
    out_hw = shapes.pool_output_shape(image_hw, size, stride, padding)
    pads = shapes.pool_padding(image_hw, size, stride, padding)
    return size, stride, pads, out_hw


def check_mode(mode: str) -> str:
    if mode not in POOL_MODES:
        raise ValueError(f"Unknown pooling mode {mode!r}: use one of {', '.join(POOL_MODES)}.")
    return mode


def padded_for_pool(image: np.ndarray, pads, mode: str) -> tuple[np.ndarray, np.ndarray]:
    """Padded (Hp, Wp, C) input and its padding mask.

    Max pooling pads with -inf so padding never wins; average and sum pad with
    zeros and leave the padding out of the count.
    """
    return pad_image(image, pads, value=-np.inf if mode == "max" else 0.0)


def pool2d(x, size=2, stride=None, mode: str = "max", padding: str = "valid") -> PoolResult:
    """Pool ``x`` as ``keras.ops.max_pool`` / ``average_pool`` do; "sum" adds the
    same cells "avg" averages.

    Args:
        x: (H, W) or (H, W, C).
        size, stride: int or (rows, cols); the stride defaults to the size.
        mode: "max", "avg" or "sum".
        padding: "valid" or "same". With "same", "avg" divides by the number of
            real (unpadded) cells in each window, as Keras does.
    """
    check_mode(mode)
    image = as_image(x)
    size, stride, pads, out_hw = pool_geometry(image.shape[:2], size, stride, padding)
    padded, mask = padded_for_pool(image, pads, mode)
    windows = window_view(padded, size, stride, (1, 1))[: out_hw[0], : out_hw[1]]  # (Ho, Wo, kh, kw, C)
    winners = None
    if mode == "max":
        flat = windows.reshape(*out_hw, size[0] * size[1], image.shape[2])
        best = flat.argmax(axis=2)  # (Ho, Wo, C)
        output = np.take_along_axis(flat, best[:, :, None, :], axis=2)[:, :, 0, :]
        origin_r = np.arange(out_hw[0])[:, None, None] * stride[0] - pads[0][0]
        origin_c = np.arange(out_hw[1])[None, :, None] * stride[1] - pads[1][0]
        winners = np.stack(
            np.broadcast_arrays(origin_r + best // size[1], origin_c + best % size[1]), axis=-1
        )
    else:
        output = windows.sum(axis=(2, 3))
        if mode == "avg":
            real = window_view(~mask[:, :, None], size, stride, (1, 1))[: out_hw[0], : out_hw[1]]
            output = output / real.sum(axis=(2, 3))
    if np.ndim(x) == 2:
        output = output[:, :, 0]
        winners = None if winners is None else winners[:, :, 0, :]
    return PoolResult(output, winners)
