"""Ready-made inputs for the demos and the inspector: the bundled photographs, a few Fashion-MNIST
test items, and small grids of easy numbers for working a demo by hand.

No Qt, but kept in the ui kit because only pages use them. Photographs are read by
`visualizer.imagefile`, like any file the user opens. Every loader returns a float64 array in
[0, 1]: (H, W) for mode "gray", (H, W, 3) for mode "rgb".
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from visualizer.imagefile import ImageError, check_mode, load_image_file, to_mode
from visualizer.resources import resource_path


# -- bundled samples -------------------------------------------------------------------------------
@dataclass(frozen=True)
class SampleImage:
    """One ready-made input picture and where it comes from."""

    name: str  # identifier, e.g. "camera" or "fashion-sneaker"
    title: str  # shown to the user
    licence: str  # one line: author or source and licence
    _loader: Callable[[str], np.ndarray] = field(repr=False, compare=False)

    def load(self, mode: str = "gray") -> np.ndarray:
        check_mode(mode)
        return self._loader(mode)


_PHOTOS = (
    ("camera", "Photographer (grayscale photo)", "Lav Varshney, CC0"),
    ("astronaut", "Astronaut Eileen Collins", "NASA, public domain"),
    ("coffee", "Cup of coffee", "Rachel Michetti, CC0"),
    ("chelsea", "Chelsea the cat", "Stefan van der Walt, CC0"),
)
# Fashion-MNIST classes shown as samples: visually distinct shapes, by class index.
_FASHION_CLASSES = (0, 1, 5, 7, 8, 9)
FASHION_LICENCE = "Fashion-MNIST test set, Zalando Research, MIT licence"


def sample_images() -> list[SampleImage]:
    """The bundled photographs, then a few Fashion-MNIST test items (read only when first loaded)."""
    samples = [
        SampleImage(name, title, licence, functools.partial(_load_photo, name))
        for name, title, licence in _PHOTOS
    ]
    from visualizer.training.data import CLASS_NAMES

    for label in _FASHION_CLASSES:
        class_name = CLASS_NAMES[label]
        slug = class_name.lower().replace("/", "-").replace(" ", "-")
        samples.append(
            SampleImage(
                f"fashion-{slug}",
                f"Fashion-MNIST: {class_name}",
                FASHION_LICENCE,
                functools.partial(_load_fashion_item, label),
            )
        )
    return samples


def find_sample(name: str) -> SampleImage:
    for sample in sample_images():
        if sample.name == name:
            return sample
    raise KeyError(f"no sample image named {name!r}")


@functools.lru_cache(maxsize=16)
def _photo_pixels(name: str, mode: str) -> np.ndarray:
    pixels = load_image_file(resource_path("images", f"{name}.png"), mode, max_side=None)
    pixels.setflags(write=False)  # shared by every caller through the cache
    return pixels


def _load_photo(name: str, mode: str) -> np.ndarray:
    return _photo_pixels(name, mode).copy()


@functools.lru_cache(maxsize=1)
def _fashion_test_items() -> dict[int, np.ndarray]:
    """The first test image of each class, as uint8 (28, 28); the data set is read once."""
    from visualizer.training.data import load_fashion_mnist

    data = load_fashion_mnist(allow_download=False)
    items = {}
    for label in range(len(data.class_names)):
        (indices,) = np.nonzero(data.test_labels == label)
        if len(indices):
            items[label] = data.test_images[indices[0]].copy()
    return items


def _load_fashion_item(label: int, mode: str) -> np.ndarray:
    items = _fashion_test_items()
    if label not in items:
        raise ImageError(f"The Fashion-MNIST test images hold no item of class {label}.")
    return to_mode(items[label].astype(np.float64) / 255.0, mode)


# -- small numbers -----------------------------------------------------------------------------------
def numeric_grid(
    size: int | tuple[int, int] = 7,
    *,
    seed: int | None = None,
    low: float = 0,
    high: float = 9,
    decimals: int = 0,
) -> np.ndarray:
    """A small grid of easy numbers for working a demo by hand: whole numbers from ``low`` to
    ``high`` (inclusive), or with ``decimals=1`` values to one decimal place in that range.

    Returned as float64 so it flows through the same code as images; the same seed gives the
    same grid.
    """
    shape = (size, size) if isinstance(size, int) else tuple(size)
    if min(shape) < 1:
        raise ValueError(f"a grid needs at least one cell on each side, not {shape}")
    if high < low:
        raise ValueError(f"high ({high}) must not be below low ({low})")
    rng = np.random.default_rng(seed)
    if decimals == 0:
        return rng.integers(int(np.ceil(low)), int(np.floor(high)) + 1, size=shape).astype(np.float64)
    return np.round(rng.uniform(low, high, size=shape), decimals) + 0.0  # + 0.0 turns -0.0 into 0.0
