"""Colour maps for grids and images, as 256-entry RGB lookup tables.

Sequential maps (viridis) keep their order in grayscale and for colour-blind viewers.
Signed data (kernels, convolution outputs) uses a blue-white-red diverging map with levels
symmetric about zero, so white always means 0 and the two signs never share a colour.
"""

from __future__ import annotations

from functools import cache

import numpy as np

SEQUENTIAL = "viridis"
DIVERGING = "diverging"
GRAY = "gray"

# ColorBrewer RdBu (11 classes, colour-blind safe), reversed so that negative is blue.
_DIVERGING_ANCHORS = (
    "#053061", "#2166ac", "#4393c3", "#92c5de", "#d1e5f0", "#f7f7f7",
    "#fddbc7", "#f4a582", "#d6604d", "#b2182b", "#67001f",
)


@cache
def lookup_table(name: str) -> np.ndarray:
    """(256, 3) uint8 RGB table for a colour-map name."""
    if name == GRAY:
        ramp = np.arange(256, dtype=np.uint8)
        return np.stack([ramp, ramp, ramp], axis=1)
    if name == DIVERGING:
        anchors = np.array(
            [[int(code[i : i + 2], 16) for i in (1, 3, 5)] for code in _DIVERGING_ANCHORS], float
        )
        positions = np.linspace(0.0, 1.0, len(anchors))
        samples = np.linspace(0.0, 1.0, 256)
        table = np.stack([np.interp(samples, positions, anchors[:, k]) for k in range(3)], axis=1)
        return np.round(table).astype(np.uint8)
    import pyqtgraph as pg  # bundles viridis and cividis (CC0)

    table = pg.colormap.get(name).getLookupTable(0.0, 1.0, 256, alpha=False)
    return np.ascontiguousarray(table[:, :3], dtype=np.uint8)


@cache
def rgba_lookup_table(name: str) -> np.ndarray:
    """(256, 4) uint8 RGBA table, opaque: ``lookup_table(name)`` for pictures built as RGBA."""
    rgb = lookup_table(name)
    table = np.concatenate([rgb, np.full((len(rgb), 1), 255, dtype=np.uint8)], axis=1)
    table.flags.writeable = False
    return table


def _finite(arrays) -> list[np.ndarray]:
    """The finite values of each array that has any (max-pooling padding holds -inf)."""
    kept = []
    for a in arrays:
        a = np.asarray(a, float)
        a = a[np.isfinite(a)]
        if a.size:
            kept.append(a)
    return kept


def symmetric_levels(*arrays: np.ndarray) -> tuple[float, float]:
    """Levels (-m, m) with m the largest finite magnitude over the arrays (1 when all are zero)."""
    magnitude = max((float(np.max(np.abs(a))) for a in _finite(arrays)), default=0.0)
    magnitude = magnitude if magnitude > 0 else 1.0
    return -magnitude, magnitude


def range_levels(*arrays: np.ndarray) -> tuple[float, float]:
    """Levels (min, max) over the finite values, widened when they are all equal."""
    finite = _finite(arrays)
    if not finite:
        return 0.0, 1.0
    low = min(float(np.min(a)) for a in finite)
    high = max(float(np.max(a)) for a in finite)
    if high <= low:
        return low - 0.5, high + 0.5
    return low, high


def is_signed(*arrays: np.ndarray) -> bool:
    return any(float(np.min(a)) < 0 for a in _finite(arrays))


def levels_for(cmap: str, *arrays: np.ndarray) -> tuple[float, float]:
    return symmetric_levels(*arrays) if cmap == DIVERGING else range_levels(*arrays)


def map_to_rgb(values: np.ndarray, cmap: str, levels: tuple[float, float]) -> np.ndarray:
    """(H, W) values -> (H, W, 3) uint8 colours; values outside the levels are clipped.

    Works in float32 and in place: this runs on every repaint of a changed 512x512 grid.
    """
    low, high = levels
    scale = 255.0 / (high - low) if high > low else 0.0
    index = np.asarray(values, np.float32) - np.float32(low)
    index *= np.float32(scale)
    np.clip(index, 0, 255, out=index)
    if np.isnan(index).any():
        index[np.isnan(index)] = 0
    return np.take(lookup_table(cmap), index.astype(np.uint8), axis=0)


def text_colour_for(rgb: np.ndarray) -> np.ndarray:
    """Per cell, True where black text reads better than white (relative luminance above 0.18)."""
    rgb = np.asarray(rgb, float) / 255.0
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    luminance = linear @ np.array([0.2126, 0.7152, 0.0722])
    return luminance > 0.18
