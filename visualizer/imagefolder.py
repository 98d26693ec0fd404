"""A folder of class sub-folders (the layout `keras.utils.image_dataset_from_directory` reads), as files.

The training data of a user's own pictures and the inspector's test folders are both read this
way, so a folder gives the same classes, in the same order, and the same pixels in either place:
classes are the sub-folders sorted by name (class i is the i-th, as Keras numbers them), a class's
images are its image files at any depth, and each file is read by the one image reader
(imagefile.py). No Qt and no TensorFlow: Pillow and numpy only.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from visualizer.imagefile import ImageError, load_image_file, to_uint8

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
