"""A folder of the user's own pictures, one sub-folder per class, as a Dataset to train on.

The classes are those of ``keras.utils.image_dataset_from_directory`` (imagefile.py, shared
with the inspector's test folders). Pictures of any size are resized to one size: the median of
their sizes, scaled down to fit MAX_SIDE (the user may give another). When any picture has colour
all are colour, else gray. The files are read once (in parallel threads where the pictures are
big enough for that to pay, see reading_threads), straight into the array the run trains on; a
file that cannot be read is listed and skipped, never fatal. A stratified part of each class, chosen with a fixed seed, is
set aside as the test part.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from visualizer.imagefile import class_files, read_picture, resized, with_colour
from visualizer.training.data import DataError, Dataset

MAX_SIDE = 64  # the longest side a picture size is chosen up to: big enough to see, small enough to train on a CPU
MIN_SIDE = 8  # two 2x2 poolings still leave 2x2
TEST_FRACTION = 0.2
PROGRESS_EVERY_S = 0.5  # how often a long read says how far it has got
CHUNK = 64  # files a reading thread takes at a time
MAX_WORKERS = 4  # reading threads at most
# Decoding releases the GIL but little else of reading a file does: threads pay for pictures whose
# decoding takes most of the time, and slow small ones down (10,000 PNGs of 32x32 on 2 cores:
# 2.8 s on one thread, 4.5 s on two; 300 JPEGs of 1024x768: 2.0 s on one, 1.2 s on two).
SMALL_PICTURE_PIXELS = 128 * 128
# Pillow modes without colour (as imagefile.py reads them); a palette may hold colour, so it counts as colour.
_GRAY_MODES = frozenset({"1", "L", "LA", "La", "I", "I;16", "I;16B", "I;16L", "I;16N", "F"})


@dataclass(frozen=True)
class FolderSurvey:
    """What a folder holds, from the files' headers only: each class's readable files, each file's
    (height, width) and whether it has colour, and the files that cannot be read ("path: why")."""

    folder: Path
    class_names: tuple[str, ...]
    files: tuple[tuple[Path, int], ...]  # (file, class index), readable ones only
    sizes: tuple[tuple[int, int], ...]  # (height, width) of each readable file
    colour: bool
    unreadable: tuple[str, ...]

    def class_counts(self) -> dict[str, int]:
        counts = np.bincount([label for _, label in self.files], minlength=len(self.class_names))
        return {name: int(count) for name, count in zip(self.class_names, counts)}

    def describe(self) -> str:
        """The classes with their counts, in words."""
        counts = ", ".join(f"{name} {count}" for name, count in self.class_counts().items())
        return f"{len(self.class_names)} classes in {self.folder}: {counts}"


Progress = Callable[[str], None]  # told, every PROGRESS_EVERY_S of a long read, how far it has got, in words


def _in_parallel(work: Callable, items: list, workers: int | None, on_progress: Progress | None, doing: str) -> list:
    """``work`` of each item on a pool of threads, the results in order; ``on_progress`` hears
    "<doing>: 2,000 of 100,000 files…" while it goes on. Items go to the threads CHUNK at a time:
    a task per file cost more than reading a small file."""
    if on_progress is not None:
        on_progress(f"{doing}: {len(items):,} files…")  # handing out the work may itself take seconds
    chunks = [items[start : start + CHUNK] for start in range(0, len(items), CHUNK)]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        done = pool.map(lambda chunk: [work(item) for item in chunk], chunks)
        return [result for results in _counted(done, chunks, on_progress, doing) for result in results]


def _counted(results: Iterable[list], chunks: list[list], on_progress: Progress | None, doing: str) -> Iterable[list]:
    said = time.monotonic()
    total = sum(len(chunk) for chunk in chunks)
    done = 0
    for chunk, result in zip(chunks, results):
        done += len(chunk)
        if on_progress is not None and time.monotonic() - said >= PROGRESS_EVERY_S:
            said = time.monotonic()
            on_progress(f"{doing}: {done:,} of {total:,} files…")
        yield result


def reading_threads(sizes) -> int:
    """How many threads read pictures of these (height, width) sizes: one for small pictures, one
    per core (at most MAX_WORKERS) where decoding weighs."""
    pixels = float(np.median([height * width for height, width in sizes])) if len(sizes) else 0.0
    return 1 if pixels <= SMALL_PICTURE_PIXELS else max(1, min(MAX_WORKERS, os.cpu_count() or 1))


def survey_folder(folder: str | os.PathLike[str], workers: int = 1, on_progress: Progress | None = None) -> FolderSurvey:
    """List the classes and look at each file's header (size, colour), on ``workers`` threads (a
    header is read faster than a thread is handed it, on a local disk). Raises
    DataError, in words, for a folder without class sub-folders or without a readable picture."""
    folder = Path(folder).expanduser()
    try:
        files = class_files(folder)
    except ValueError as error:
        raise DataError(str(error)) from None
    listed = [(path, label) for label, paths in enumerate(files.values()) for path in paths]
    headers = _in_parallel(_header, [path for path, _ in listed], workers, on_progress, "Looking at your pictures")
    readable = [(item, header) for item, header in zip(listed, headers) if not isinstance(header, str)]
    unreadable = tuple(f"{path}: {header}" for (path, _), header in zip(listed, headers) if isinstance(header, str))
    if not readable:
        raise DataError(
            f"The class sub-folders of {folder} hold no picture that can be read "
            f"({len(unreadable)} unreadable file{'s' if len(unreadable) != 1 else ''})."
        )
    if len(files) < 2:
        raise DataError(f"{folder} has only one class sub-folder ({next(iter(files))}); a classifier needs two or more.")
    return FolderSurvey(
        folder=folder,
        class_names=tuple(files),
        files=tuple(item for item, _ in readable),
        sizes=tuple(header[0] for _, header in readable),
        colour=any(header[1] for _, header in readable),
        unreadable=unreadable,
    )


def _header(path: Path) -> tuple[tuple[int, int], bool] | str:
    """((height, width) upright, has colour), or why the file cannot be read."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            width, height = image.size
            # EXIF orientations 5 to 8 turn the picture a quarter: its upright size is the other way round.
            if _orientation(image) in (5, 6, 7, 8):
                width, height = height, width
            return (height, width), image.mode not in _GRAY_MODES
    except UnidentifiedImageError:
        return "not an image file Pillow can read"
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        return f"damaged or unreadable ({error})"


def _orientation(image) -> int:
    """The EXIF orientation (1: upright). A PNG's is read from the chunk found with the header:
    Pillow's getexif() on a PNG decodes the whole picture to look for one after the pixels."""
    from PIL import Image

    if image.format != "PNG":
        return image.getexif().get(0x0112, 1)
    exif = image.info.get("exif")
    if not exif:
        return 1
    found = Image.Exif()
    found.load(exif)
    return found.get(0x0112, 1)


def choose_image_size(sizes, max_side: int = MAX_SIDE) -> tuple[int, int]:
    """The median (height, width), scaled down (aspect kept) so that its longer side is at most
    ``max_side``, and up to at least MIN_SIDE on each side."""
    heights, widths = np.median(np.asarray(sizes, dtype=np.float64).reshape(-1, 2), axis=0)
    scale = min(1.0, max_side / max(heights, widths))
    return (max(MIN_SIDE, round(heights * scale)), max(MIN_SIDE, round(widths * scale)))


def stratified_split(labels: np.ndarray, test_fraction: float = TEST_FRACTION, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(train indices, test indices): from each class, ``test_fraction`` of its images (at least one,
    and never all of them: a class of one image stays in training), chosen by ``seed``. The same
    labels and seed always give the same split; each part is in shuffled order."""
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    train, test = [], []
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        count = min(len(members) - 1, max(1, round(len(members) * test_fraction)))
        test.append(members[:count])
        train.append(members[count:])
    return rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(test))


def load_image_folder_dataset(
    folder: str | os.PathLike[str],
    *,
    image_size: tuple[int, int] | None = None,
    seed: int = 0,
    test_fraction: float = TEST_FRACTION,
    workers: int | None = None,
    on_progress: Progress | None = None,
) -> Dataset:
    """The pictures of ``folder`` at ``image_size`` (height, width; None: choose_image_size), split
    into train and test parts by stratified_split. Files that cannot be read are in ``skipped``.
    ``on_progress`` hears how far a long read has got. ``workers``: reading threads (by default
    reading_threads of the pictures' sizes)."""
    survey = survey_folder(folder, on_progress=on_progress)
    height, width = image_size if image_size is not None else choose_image_size(survey.sizes)
    mode = "rgb" if survey.colour else "gray"
    shape = (len(survey.files), height, width, 3) if survey.colour else (len(survey.files), height, width)
    images = np.empty(shape, dtype=np.uint8)

    def read_into(index: int) -> str | None:
        path = survey.files[index][0]
        try:
            # Large JPEGs are decoded at a reduced size straight away; the picture is then resized exactly.
            picture = read_picture(path, mode, max_side=max(256, 2 * max(height, width)))
        except ValueError as error:  # ImageError: found damaged only when decoded
            return f"{path}: {error}"
        images[index] = resized(with_colour(picture) if survey.colour else picture, width, height)
        return None

    problems = _in_parallel(read_into, list(range(len(survey.files))), workers or reading_threads(survey.sizes), on_progress,
                            "Reading your pictures")
    read = np.array([problem is None for problem in problems])
    skipped = survey.unreadable + tuple(problem for problem in problems if problem is not None)
    labels = np.array([label for _, label in survey.files], dtype=np.int64)[read]
    images = images[read] if not read.all() else images
    train, test = stratified_split(labels, test_fraction, seed)
    note = f", {len(skipped)} unreadable file{'s' if len(skipped) != 1 else ''} skipped" if skipped else ""
    counts = ", ".join(f"{name} {count}" for name, count in zip(survey.class_names, np.bincount(labels, minlength=len(survey.class_names))))
    if not len(test):  # no class has two readable pictures: nothing to test on
        raise DataError(
            f"{survey.folder} has too few pictures that can be read to set a test part aside ({counts}{note}): "
            "put two or more pictures in each class sub-folder."
        )
    source = (
        f"your pictures in {survey.folder}: {len(survey.class_names)} classes ({counts}), {len(labels):,} pictures at "
        f"{height}x{width} {'colour' if survey.colour else 'gray'} ({len(train):,} train / {len(test):,} test, "
        f"a stratified split with seed {seed}){note}"
    )
    return Dataset(
        images[train], labels[train], images[test], labels[test], survey.class_names,
        source=source, is_subset=False, title=survey.folder.name, skipped=skipped,
    )
