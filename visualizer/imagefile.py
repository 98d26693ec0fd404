"""Reading image files: the one way a file on disk becomes pixels, wherever the app reads one.

Open image (the demos and the inspector), a test folder given to the inspector and the bundled
sample photographs all read files here, so the same file always gives the same pixels: turned
upright as its EXIF orientation says, transparent parts laid on white (a drawing on a transparent
background is meant to be seen on paper), 16-bit images scaled from their full range, palette and
CMYK images converted to colour. A folder of class sub-folders (the layout
`keras.utils.image_dataset_from_directory` reads) is read here too, so the training data of a
user's own pictures and the inspector's test folders give the same classes, in the same order,
and the same pixels: classes are the sub-folders sorted by name (class i is the i-th, as Keras
numbers them), a class's images are its image files at any depth.

The convention: floats in [0, 1], float64, (H, W) for gray and (H, W, 3) for colour. `to_uint8`
gives the same pixels as 8-bit levels, the form in which sets of images are kept. No Qt and no
TensorFlow: Pillow and numpy only.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

MODES = ("gray", "rgb")
MIN_SIDE = 3  # the smallest kernel the demos use is 2x2; below 3 pixels nothing is left to show
DEFAULT_MAX_SIDE = 256
# Pillow modes without colour: read "as stored" (mode None) they stay gray.
_GRAY_MODES = frozenset({"1", "L", "LA", "La", "I", "I;16", "I;16B", "I;16L", "I;16N", "F"})
_DEEP_MODES = frozenset({"I;16", "I;16B", "I;16L", "I;16N", "I", "F"})


class ImageError(ValueError):
    """An image file could not be used; the message names the file and says why."""


def load_image_file(
    path: str | os.PathLike[str],
    mode: str | None = "gray",
    max_side: int | None = DEFAULT_MAX_SIDE,
    min_side: int = MIN_SIDE,
) -> np.ndarray:
    """Read any image Pillow understands as floats in [0, 1].

    ``mode`` "gray" gives (H, W), "rgb" gives (H, W, 3); None keeps what the file holds: gray
    for a file without colour, else colour. Images larger than ``max_side`` on their long side
    are scaled down keeping their aspect ratio (None keeps the size); images with a side under
    ``min_side`` are refused. Only the first frame of an animation is used. Raises ImageError,
    in words, for a file that is missing, empty, not an image, damaged or too small.
    """
    if mode is not None:
        check_mode(mode)
    path = Path(path)
    name = str(path)
    if not path.exists():
        raise ImageError(f"{name}: the file does not exist.")
    if path.is_dir():
        raise ImageError(f"{name}: this is a folder, not an image file.")
    if path.stat().st_size == 0:
        raise ImageError(f"{name}: the file is empty.")
    try:
        with Image.open(path) as image:
            if max_side is not None and mode is not None:
                # JPEG can decode straight to a smaller size, which makes huge photos quick to open.
                image.draft("RGB" if mode == "rgb" else "L", (max_side, max_side))
            image.load()
            if mode is None:
                mode = "gray" if image.mode in _GRAY_MODES else "rgb"
            image = ImageOps.exif_transpose(image)
            pixels = _to_float_image(image, mode)
    except UnidentifiedImageError:
        raise ImageError(
            f"{name}: this is not an image file Pillow can read (PNG, JPEG, BMP, GIF, TIFF, WebP...)."
        ) from None
    except Image.DecompressionBombError:
        raise ImageError(f"{name}: the image is too large to open safely.") from None
    except (OSError, SyntaxError, EOFError, ValueError) as error:
        raise ImageError(f"{name}: the image is truncated or damaged ({error}).") from None
    width, height = pixels.size
    if min(width, height) < min_side:
        raise ImageError(
            f"{name}: the image is too small ({width}x{height} pixels); "
            f"it needs at least {min_side} pixels on each side."
        )
    if max_side is not None and max(width, height) > max_side:
        scale = max_side / max(width, height)
        # A long thin strip keeps enough rows to be usable rather than shrinking below min_side.
        size = (max(min_side, round(width * scale)), max(min_side, round(height * scale)))
        pixels = pixels.resize(size, Image.Resampling.LANCZOS)
    return _to_array(pixels, mode)


def _to_float_image(image: Image.Image, mode: str) -> Image.Image:
    """An "L", "RGB" or (for deep images) "F" image holding values in [0, 1] of the requested mode."""
    if image.mode in _DEEP_MODES:
        values = np.asarray(image, dtype=np.float64)
        if image.mode.startswith("I;16") or (image.mode == "I" and values.max(initial=0) > 255):
            values = values / 65535.0
        elif image.mode == "I":
            values = values / 255.0
        else:  # float images have no fixed range: stretch what is there
            low, high = float(values.min(initial=0)), float(values.max(initial=0))
            if low < 0 or high > 1:
                values = (values - low) / (high - low) if high > low else np.zeros_like(values)
        return Image.fromarray(np.clip(values, 0, 1).astype(np.float32), mode="F")
    has_alpha = image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in image.info
    if has_alpha:
        rgba = image.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(paper, rgba)
    return image.convert("RGB" if mode == "rgb" else "L")


def _to_array(image: Image.Image, mode: str) -> np.ndarray:
    if image.mode == "F":
        values = np.asarray(image, dtype=np.float64)
        return np.repeat(values[..., None], 3, axis=2) if mode == "rgb" else values
    return np.asarray(image, dtype=np.float64) / 255.0


def check_mode(mode: str) -> None:
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")


def to_mode(pixels: np.ndarray, mode: str) -> np.ndarray:
    """Convert a gray (H, W) or colour (H, W, 3) float image to the requested mode."""
    check_mode(mode)
    if mode == "gray" and pixels.ndim == 3:
        # ITU-R 601 luma, the same weights Pillow uses for "L", so files and arrays agree.
        return pixels @ np.array([0.299, 0.587, 0.114])
    if mode == "rgb" and pixels.ndim == 2:
        return np.repeat(pixels[..., None], 3, axis=2)
    return pixels


def to_uint8(pixels: np.ndarray) -> np.ndarray:
    """Floats in [0, 1] as 8-bit levels 0..255, rounded to the nearest level (values outside are clipped)."""
    return np.clip(np.round(np.asarray(pixels, dtype=np.float64) * 255.0), 0, 255).astype(np.uint8)


# -- a folder of class sub-folders ------------------------------------------------------------------
# The file types keras.utils.image_dataset_from_directory reads.
IMAGE_SUFFIXES = (".bmp", ".gif", ".jpeg", ".jpg", ".png")


def class_files(folder: Path) -> dict[str, list[Path]]:
    """Each class sub-folder's image files (searched through its own sub-folders), sorted.
    Raises ValueError, in words, for a folder that is missing, empty or has no sub-folders."""
    if not folder.is_dir():
        raise ValueError(f"{folder} is not a folder.")
    entries = sorted(folder.iterdir(), key=lambda path: path.name)
    if not entries:
        raise ValueError(f"The folder {folder} is empty. Put each class's images in a sub-folder named after the class.")
    classes = [entry for entry in entries if entry.is_dir()]
    if not classes:
        raise ValueError(
            f"The folder {folder} has no sub-folders. Put each class's images in a sub-folder named after "
            "the class (for example cats/ and dogs/): the sub-folders' names, sorted, are the class names."
        )
    return {
        entry.name: sorted(path for path in entry.rglob("*") if path.suffix.lower() in IMAGE_SUFFIXES and path.is_file())
        for entry in classes
    }


def read_picture(path: Path, mode: str | None = None, max_side: int | None = None) -> np.ndarray:
    """The image as uint8 levels, (H, W) for gray and (H, W, 3) for colour; ``mode`` None keeps what
    the file holds. Raises ImageError, in words, for a file that cannot be read."""
    return to_uint8(load_image_file(path, mode, max_side=max_side, min_side=1))


def try_read_picture(path: Path) -> np.ndarray | None:
    """read_picture as the file holds it, at its own size, or None when it cannot be read."""
    try:
        return read_picture(path)
    except ImageError:
        return None


def with_colour(picture: np.ndarray) -> np.ndarray:
    """A gray (H, W) picture as (H, W, 3); a colour one as it is."""
    return picture if picture.ndim == 3 else np.repeat(picture[..., np.newaxis], 3, axis=2)


def resized(picture: np.ndarray, width: int, height: int) -> np.ndarray:
    """Bilinear, as Keras resizes; a picture already at the size is kept as it is."""
    from PIL import Image

    if picture.shape[:2] == (height, width):
        return picture
    return np.asarray(Image.fromarray(picture).resize((width, height), Image.Resampling.BILINEAR), dtype=np.uint8)
