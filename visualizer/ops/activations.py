"""The network's elementwise and reshaping layers in numpy: ReLU, softmax, dropout and flatten.

Each follows Keras 3: ``relu`` and ``softmax`` equal ``keras.ops.relu`` and ``keras.ops.softmax``,
dropout scales the kept values by 1 / (1 - rate) while training and does nothing at inference,
and flatten orders the values of a channels-last block as ``keras.layers.Flatten`` does.
"""

from __future__ import annotations

import numpy as np


def relu(values: np.ndarray) -> np.ndarray:
    """max(x, 0) of every value."""
    return np.maximum(values, 0.0)


def softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    """exp(x) / sum(exp(x)) along ``axis``; any logits, however large, give finite probabilities."""
    logits = np.asarray(logits, dtype=np.float64)
    # Subtracting the largest logit changes nothing in the result but keeps exp() from overflowing.
    exponentials = np.exp(logits - np.max(logits, axis=axis, keepdims=True))
    return exponentials / exponentials.sum(axis=axis, keepdims=True)


def _check_rate(rate: float) -> None:
    if not 0 <= rate < 1:
        raise ValueError(f"the dropout rate must be in [0, 1), not {rate}")


def dropout_mask(shape, rate: float, rng: np.random.Generator) -> np.ndarray:
    """True where a value is kept: each one is dropped with probability ``rate``, independently."""
    _check_rate(rate)
    return rng.random(shape) >= rate


def apply_dropout(values: np.ndarray, kept: np.ndarray, rate: float) -> np.ndarray:
    """The training-time output for a given mask: kept values times 1 / (1 - rate), dropped ones 0,
    so the expected sum stays what it was."""
    _check_rate(rate)
    return np.where(kept, np.asarray(values, dtype=np.float64) / (1.0 - rate), 0.0)


def dropout(
    values: np.ndarray, rate: float, rng: np.random.Generator, training: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """(output, kept mask). While training each value is dropped with probability ``rate`` and the
    kept ones are scaled by 1 / (1 - rate); at inference the values pass unchanged, all kept."""
    values = np.asarray(values, dtype=np.float64)
    if not training:
        _check_rate(rate)
        return values.copy(), np.ones(values.shape, bool)
    kept = dropout_mask(values.shape, rate, rng)
    return apply_dropout(values, kept, rate), kept


def flatten(block: np.ndarray) -> np.ndarray:
    """A (rows, cols, channels) block as one vector in Flatten's channels-last order: the channel
    changes fastest, then the column, then the row (numpy's C order)."""
    return np.asarray(block).reshape(-1)


def flatten_index(row: int, col: int, channel: int, shape: tuple[int, int, int]) -> int:
    """Position in Flatten's output of the value at (row, col, channel) of a ``shape`` block."""
    _, width, channels = shape
    return (row * width + col) * channels + channel


def unflatten_index(position: int, shape: tuple[int, int, int]) -> tuple[int, int, int]:
    """(row, col, channel) of the block value at ``position`` of Flatten's output."""
    _, width, channels = shape
    row, rest = divmod(int(position), width * channels)
    col, channel = divmod(rest, channels)
    return row, col, channel
