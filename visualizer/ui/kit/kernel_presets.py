"""Named kernels for the kernel editor: the classic 3x3 image filters, and for any size the
ones that make sense at every size (identity, box blur, Gaussian, random)."""

from __future__ import annotations

from math import comb

import numpy as np

IDENTITY = "identity"
BOX = "box blur"
GAUSSIAN = "Gaussian blur"
SHARPEN = "sharpen"
SOBEL_X = "Sobel x (vertical edges)"
SOBEL_Y = "Sobel y (horizontal edges)"
LAPLACIAN = "Laplacian (all edges)"
EMBOSS = "emboss"
RANDOM = "random whole numbers"
CUSTOM = "custom (edited)"

_FIXED_3X3 = {
    SHARPEN: [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    SOBEL_X: [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
    SOBEL_Y: [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
    LAPLACIAN: [[0, 1, 0], [1, -4, 1], [0, 1, 0]],
    EMBOSS: [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]],
}

TIPS = {
    IDENTITY: "A single 1 in the middle: the output copies the input (shifted for even sizes).",
    BOX: "Every weight equal, summing to 1: each output is the plain average of its window.",
    GAUSSIAN: "Binomial weights, heaviest in the middle: a soft blur that keeps more detail than the box.",
    SHARPEN: "The centre minus its neighbours: differences are exaggerated, edges look crisper.",
    SOBEL_X: "Right column minus left column: bright where brightness changes from left to right.",
    SOBEL_Y: "Bottom row minus top row: bright where brightness changes from top to bottom.",
    LAPLACIAN: "Neighbours minus four times the centre: zero on flat areas, large on edges and spots.",
    EMBOSS: "Bottom-right minus top-left: the picture looks lit from one side.",
    RANDOM: "Whole numbers from -2 to 2 at random, like an untrained network's kernel.",
    CUSTOM: "Your own weights: edit any cell of the kernel.",
}


def preset_names(rows: int, cols: int) -> list[str]:
    """The presets offered for a kernel size (the edge filters exist only as 3x3)."""
    names = [IDENTITY, BOX, GAUSSIAN]
    if (rows, cols) == (3, 3):
        names += list(_FIXED_3X3)
    return names + [RANDOM]


def _binomial(n: int) -> np.ndarray:
    row = np.array([comb(n - 1, k) for k in range(n)], float)
    return row / row.sum()


def make_kernel(name: str, rows: int, cols: int, seed: int = 0) -> np.ndarray:
    """The named kernel at a size; raises ValueError for a preset that has no such size."""
    if name == IDENTITY:
        kernel = np.zeros((rows, cols))
        kernel[(rows - 1) // 2, (cols - 1) // 2] = 1.0
        return kernel
    if name == BOX:
        return np.full((rows, cols), 1.0 / (rows * cols))
    if name == GAUSSIAN:
        return np.outer(_binomial(rows), _binomial(cols))
    if name == RANDOM:
        return np.random.default_rng(seed).integers(-2, 3, size=(rows, cols)).astype(float)
    if name in _FIXED_3X3:
        if (rows, cols) != (3, 3):
            raise ValueError(f"The {name} kernel is defined only as 3x3, not {rows}x{cols}.")
        return np.array(_FIXED_3X3[name], float)
    raise ValueError(f"Unknown kernel preset {name!r}.")
