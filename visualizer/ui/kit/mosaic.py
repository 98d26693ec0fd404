"""Many small maps tiled into one image, so that a layer is drawn as a single picture.

Pure numpy: the views colour the result with a lookup table from colormaps.py. Gaps between tiles
are NaN, which the views paint in the background colour, so a gap can never be mistaken for a value.
"""

from __future__ import annotations

import math

import numpy as np

GAP = 1  # pixels between tiles


def grid_shape(count: int) -> tuple[int, int]:
    """Rows and columns for ``count`` tiles: near square, at least as wide as tall, and with no
    empty cells when a divisor of ``count`` allows a grid at most twice as wide as tall (32 -> 4 x 8)."""
    if count < 1:
        raise ValueError(f"a mosaic needs at least one tile, not {count}")
    square = math.ceil(math.sqrt(count))
    for columns in range(square, math.floor(math.sqrt(2 * count)) + 1):
        if count % columns == 0:
            return count // columns, columns
    return math.ceil(count / square), square


def tile(tiles: np.ndarray, rows: int, columns: int, gap: int = GAP) -> np.ndarray:
    """Tiles (N, h, w) laid out row by row in a (rows, columns) grid with ``gap`` NaN pixels between.

    Cells beyond the N-th stay NaN. The result is float32 of shape
    (rows * (h + gap) - gap, columns * (w + gap) - gap).
    """
    return lay_out(np.asarray(tiles, dtype=np.float32), rows, columns, gap, np.nan)


def lay_out(tiles: np.ndarray, rows: int, columns: int, gap: int, fill) -> np.ndarray:
    """``tile`` for tiles of any dtype, with ``fill`` in the gaps and empty cells."""
    if tiles.ndim != 3:
        raise ValueError(f"tiles must be shaped (N, height, width), not {tiles.shape}")
    count, height, width = tiles.shape
    if count > rows * columns:
        raise ValueError(f"{count} tiles do not fit in a {rows} x {columns} grid")
    # One array op, not a loop over tiles (a deep layer's kernels are thousands of tiles, redrawn
    # many times a second): each cell is a tile with its gap below and to the right, the cells
    # are put in rows, and the last row's and column's gaps are cut off.
    cells = np.full((rows * columns, height + gap, width + gap), fill, dtype=tiles.dtype)
    cells[:count, :height, :width] = tiles
    grid = cells.reshape(rows, columns, height + gap, width + gap).transpose(0, 2, 1, 3)
    out = grid.reshape(rows * (height + gap), columns * (width + gap))
    return out[: out.shape[0] - gap, : out.shape[1] - gap]


def tile_at(x: float, y: float, count: int, height: int, width: int, gap: int = GAP) -> int | None:
    """Which of ``count`` tiles of (height, width), laid out by ``tile`` in a grid_shape grid, holds
    the pixel (x, y) of the mosaic; None on a gap or outside every tile."""
    rows, columns = grid_shape(count)
    row, top = divmod(int(np.floor(y)), height + gap)
    column, left = divmod(int(np.floor(x)), width + gap)
    if x < 0 or y < 0 or top >= height or left >= width or row >= rows or column >= columns:
        return None
    index = row * columns + column
    return index if index < count else None


def normalise_each(tiles: np.ndarray) -> np.ndarray:
    """Each tile (N, h, w) scaled to [0, 1] by its own minimum and maximum.

    Per-tile scaling keeps weak maps visible next to strong ones. A constant tile (a channel
    that ReLU switched off entirely, say) becomes 0 rather than dividing by zero.
    """
    tiles = np.asarray(tiles, dtype=np.float32)
    low = tiles.min(axis=(1, 2), keepdims=True)
    span = tiles.max(axis=(1, 2), keepdims=True) - low
    return np.divide(tiles - low, span, out=np.zeros_like(tiles), where=span > 0)


def feature_map_mosaic(maps: np.ndarray) -> np.ndarray:
    """Activations (H, W, C) of one layer as one image in [0, 1]: a near-square grid of C maps."""
    tiles = _normalised_tiles(maps)
    return tile(tiles, *grid_shape(len(tiles)))


def _normalised_tiles(maps) -> np.ndarray:
    """Activations (H, W, C) as C tiles (C, H, W), each scaled to [0, 1] by normalise_each."""
    maps = np.asarray(maps)
    if maps.ndim != 3:
        raise ValueError(f"feature maps must be shaped (height, width, channels), not {maps.shape}")
    return normalise_each(np.moveaxis(maps, -1, 0))


def coloured_feature_maps(maps: np.ndarray, lut: np.ndarray, background=(40, 40, 40, 255)) -> np.ndarray:
    """``colourise(feature_map_mosaic(maps), lut, background)``, in a third of the time: the maps
    are coloured before they are tiled, so no NaN gaps are made and looked for again (the live
    training page colours a 64-map layer 20-25 times a second)."""
    tiles = _normalised_tiles(maps)
    rows, columns = grid_shape(len(tiles))
    if np.isnan(tiles).any():  # a diverged network's maps: NaN is drawn as the background
        return colourise(tile(tiles, rows, columns), lut, background)
    tiles *= len(lut) - 1
    tiles += 0.5
    coloured = _lut_words(lut)[tiles.astype(np.intp)]
    return _as_rgba(lay_out(coloured, rows, columns, GAP, _word(background)))


def kernel_mosaic(kernels: np.ndarray, zoom: int = 1) -> tuple[np.ndarray, float]:
    """Weights (kh, kw, C_in, C_out) of one conv layer as one signed image, and its symmetric limit.

    ``zoom`` draws each weight as a zoom x zoom block, so that a 1-pixel gap stays thin beside
    tiny kernels (a 2x2 kernel would otherwise be two pixels wide between one-pixel gaps).
    With a single input channel (the first layer) each filter is one tile, in a near-square grid.
    Otherwise row f holds filter f's kernel for every input channel, so the grid is C_out x C_in.
    Values keep their sign; the limit is max |w|, so the colour scale is centred on 0.
    """
    kernels = np.asarray(kernels, dtype=np.float32)
    if kernels.ndim != 4:
        raise ValueError(f"kernels must be shaped (kh, kw, in, out), not {kernels.shape}")
    limit = float(np.abs(kernels).max()) if kernels.size else 0.0
    if zoom > 1:
        kernels = kernels.repeat(zoom, axis=0).repeat(zoom, axis=1)
    kh, kw, channels_in, channels_out = kernels.shape
    if channels_in == 1:
        tiles = np.moveaxis(kernels[:, :, 0, :], -1, 0)
        image = tile(tiles, *grid_shape(channels_out))
    else:
        # (out, in, kh, kw) flattened in row-major order puts filter f's channels on row f.
        tiles = kernels.transpose(3, 2, 0, 1).reshape(channels_out * channels_in, kh, kw)
        image = tile(tiles, channels_out, channels_in)
    return image, limit or 1.0


def colour_kernel_mosaic(kernels: np.ndarray, zoom: int = 1, background=(150, 150, 150, 255)) -> tuple[np.ndarray, float]:
    """A colour network's first-layer weights (kh, kw, 3, C_out) as RGBA uint8: one colour tile per
    filter, in a near-square grid, each weight's red, green and blue the filter's weights on those
    channels; mid-grey is 0 on one symmetric scale for every filter (limit max |w|), so a filter
    that looks for red is red and one that looks away from it is cyan. Gaps are ``background``."""
    kernels = np.asarray(kernels, dtype=np.float32)
    if kernels.ndim != 4 or kernels.shape[2] != 3:
        raise ValueError(f"colour kernels must be shaped (kh, kw, 3, out), not {kernels.shape}")
    limit = float(np.abs(kernels).max()) if kernels.size else 0.0
    limit = limit or 1.0
    if zoom > 1:
        kernels = kernels.repeat(zoom, axis=0).repeat(zoom, axis=1)
    channels = [tile(np.moveaxis(kernels[:, :, channel, :], -1, 0), *grid_shape(kernels.shape[3])) for channel in range(3)]
    rgb = np.stack(channels, axis=-1)
    gaps = np.isnan(rgb[..., 0])
    rgba = np.empty((*rgb.shape[:2], 4), np.uint8)
    rgba[..., :3] = np.clip((np.nan_to_num(rgb) / limit + 1.0) * 127.5 + 0.5, 0, 255).astype(np.uint8)
    rgba[..., 3] = 255
    rgba[gaps] = background
    return rgba, limit


def colourise(values: np.ndarray, lut: np.ndarray, background=(40, 40, 40, 255)) -> np.ndarray:
    """Values in [0, 1] (NaN for gaps) as RGBA uint8 through a (256, 4) lookup table."""
    values = np.asarray(values, dtype=np.float32)
    gaps = np.isnan(values)
    index = np.clip(np.nan_to_num(values) * (len(lut) - 1) + 0.5, 0, len(lut) - 1).astype(np.intp)
    rgba = _lut_words(lut)[index]
    rgba[gaps] = _word(background)
    return _as_rgba(rgba)


# Each RGBA colour read as one 32-bit word: a third faster than indexing (N, 4) rows, and the live
# training page colours every layer 20 times a second.
def _lut_words(lut: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(lut, dtype=np.uint8).view(np.uint32)[:, 0]


def _word(rgba) -> np.uint32:
    return np.array(rgba, dtype=np.uint8).view(np.uint32)[0]


def _as_rgba(words: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(words).view(np.uint8).reshape(*words.shape, 4)
