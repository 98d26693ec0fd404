"""A classifier's answers on a set of labelled images, and what the class reads from them.

Qt-free and numpy only. An `Evaluation` holds the images (for display), their true classes (-1
where the class is not known, e.g. a single image drawn by hand), the model's probabilities and
the class names; everything the test-set tab shows is computed from these four: accuracy overall
and per class, the confusion matrix, the most confused pairs, the subsets a gallery filters, and
the two CSV tables. `load_image_folder` reads a folder in `keras.utils.image_dataset_from_directory`
layout (one sub-folder per class, classes in sorted order) with Pillow.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from visualizer.imagefile import IMAGE_SUFFIXES, class_files, resized, try_read_picture, with_colour

UNKNOWN = -1  # the label of an image whose true class is not known

# Probabilities in the CSV table keep six significant digits: enough to rank and to plot.
PROBABILITY_FORMAT = ".6g"

DEFAULT_MAX_IMAGES = 10000


@dataclass(frozen=True)
class ConfusedPair:
    """``count`` images of class ``true`` that the model took for class ``predicted``."""

    true: int
    predicted: int
    count: int


def _read_only(array: np.ndarray) -> np.ndarray:
    array = np.array(array, copy=True)
    array.flags.writeable = False
    return array


@dataclass(frozen=True, eq=False)
class Evaluation:
    """The model's answers on N images of K classes.

    images: (N, H, W) or (N, H, W, 3) uint8, for display; labels: (N,) int, -1 = unknown;
    probabilities: (N, K) float; class_names: K names; source: where the images came from, in words.
    """

    images: np.ndarray
    labels: np.ndarray
    probabilities: np.ndarray
    class_names: tuple[str, ...]
    source: str = ""
    light_on_dark: bool = False  # grey pictures light on dark, as Fashion-MNIST's: shown inverted

    def __post_init__(self) -> None:
        images = np.asarray(self.images)
        labels = np.asarray(self.labels).astype(np.int64).reshape(-1)
        probabilities = np.asarray(self.probabilities, dtype=np.float64)
        names = tuple(str(name) for name in self.class_names)
        count = len(labels)
        if images.dtype != np.uint8 or images.ndim not in (3, 4) or (images.ndim == 4 and images.shape[3] != 3):
            raise ValueError(f"images must be (N, H, W) or (N, H, W, 3) uint8, not {images.shape} {images.dtype}")
        if probabilities.ndim != 2 or probabilities.shape[1] != len(names):
            raise ValueError(f"probabilities must be (N, {len(names)}) for {len(names)} classes, not {probabilities.shape}")
        if len(images) != count or len(probabilities) != count:
            raise ValueError(f"{len(images)} images, {count} labels and {len(probabilities)} rows of probabilities differ")
        if count and (labels.min() < UNKNOWN or labels.max() >= len(names)):
            raise ValueError(f"labels must lie in -1 (unknown) .. {len(names) - 1}")
        object.__setattr__(self, "images", _read_only(images))
        object.__setattr__(self, "labels", _read_only(labels))
        object.__setattr__(self, "probabilities", _read_only(probabilities))
        object.__setattr__(self, "class_names", names)

    def __reduce__(self):
        # Rebuilt through the constructor when it crosses processes: checked and read-only again.
        return (
            Evaluation,
            (self.images, self.labels, self.probabilities, self.class_names, self.source, self.light_on_dark),
        )

    # -- per image -----------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.labels)

    @property
    def class_count(self) -> int:
        return len(self.class_names)

    @cached_property
    def predictions(self) -> np.ndarray:
        """(N,) the class with the highest probability."""
        return _read_only(np.argmax(self.probabilities, axis=1)) if len(self) else np.zeros(0, np.int64)

    @cached_property
    def confidence(self) -> np.ndarray:
        """(N,) the highest probability: how sure the model is of its choice."""
        return _read_only(np.max(self.probabilities, axis=1)) if len(self) else np.zeros(0)

    @cached_property
    def known(self) -> np.ndarray:
        """(N,) True where the true class is known."""
        return _read_only(self.labels != UNKNOWN)

    @cached_property
    def right(self) -> np.ndarray:
        """(N,) True where the true class is known and the model chose it."""
        return _read_only(self.known & (self.predictions == self.labels))

    def caption(self, index: int) -> str:
        """The seed notebook's caption: "Sneaker 97% (Sneaker)", the true class in brackets."""
        predicted = int(self.predictions[index])
        label = int(self.labels[index])
        truth = self.class_names[label] if label != UNKNOWN else "?"
        return f"{self.class_names[predicted]} {100 * self.confidence[index]:.0f}% ({truth})"

    # -- the whole set -------------------------------------------------------------------------
    @property
    def known_count(self) -> int:
        return int(self.known.sum())

    @property
    def right_count(self) -> int:
        return int(self.right.sum())

    @property
    def accuracy(self) -> float:
        """The fraction right among the images whose class is known; NaN when none is."""
        known = self.known_count
        return self.right_count / known if known else float("nan")

    @cached_property
    def confusion_matrix(self) -> np.ndarray:
        """(K, K) image counts, rows the true class, columns the predicted one (known labels only)."""
        k = self.class_count
        flat = self.labels[self.known] * k + self.predictions[self.known]
        return _read_only(np.bincount(flat, minlength=k * k).reshape(k, k))

    @property
    def class_totals(self) -> np.ndarray:
        """(K,) the number of images of each true class."""
        return self.confusion_matrix.sum(axis=1)

    @property
    def per_class_accuracy(self) -> np.ndarray:
        """(K,) the fraction of each true class the model got right; NaN for a class with no images."""
        totals = self.class_totals
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(totals > 0, np.diag(self.confusion_matrix) / np.maximum(totals, 1), np.nan)

    def order_doubt(self) -> str | None:
        """Why the class names are probably not in the model's order, in words, or None.

        When the model is good but its classes are numbered otherwise than the data's (a test
        folder's sorted sub-folder names, say), most classes' images go mostly to one other class:
        the largest cell of most rows of the confusion matrix is off the diagonal, and the accuracy
        is far below what a renumbering of the classes would give."""
        matrix = self.confusion_matrix
        rows = np.flatnonzero(matrix.sum(axis=1) > 0)
        if len(rows) < 2 or self.known_count == 0:
            return None
        off = [row for row in rows if matrix[row, row] < matrix[row].max()]
        renumbered = matrix[rows].max(axis=1).sum() / self.known_count  # each class taken as its likeliest answer
        if 2 * len(off) <= len(rows) or renumbered < self.accuracy + 0.25:
            return None
        return (
            f"The class names may not be in the model's order: for {len(off)} of {len(rows)} classes most images "
            f"are taken for one other class, so the accuracy is {self.accuracy:.0%} where renumbering the "
            f"classes would give up to {renumbered:.0%}. The names of a test folder's sub-folders are taken "
            "in sorted order; give the model's names in its own order with Class names…"
        )

    def most_confused(self, limit: int | None = None) -> list[ConfusedPair]:
        """Off-diagonal cells with at least one image, the largest first (ties: true, then predicted)."""
        matrix = self.confusion_matrix
        true, predicted = np.nonzero(matrix * (1 - np.eye(self.class_count, dtype=matrix.dtype)))
        pairs = [ConfusedPair(int(t), int(p), int(matrix[t, p])) for t, p in zip(true, predicted)]
        pairs.sort(key=lambda pair: (-pair.count, pair.true, pair.predicted))
        return pairs if limit is None else pairs[:limit]

    # -- subsets -------------------------------------------------------------------------------
    def select(self, true: int | None = None, predicted: int | None = None, right: bool | None = None) -> np.ndarray:
        """Indices (ascending) of the images of true class ``true``, predicted as ``predicted``,
        and right (``right=True``) or wrong (``False``); None leaves a criterion out. Asking for
        right or wrong leaves out the images whose class is unknown."""
        keep = np.ones(len(self), bool)
        if true is not None:
            keep &= self.labels == true
        if predicted is not None:
            keep &= self.predictions == predicted
        if right is not None:
            keep &= self.right if right else self.known & ~self.right
        return np.flatnonzero(keep)

    def sort_by_confidence(self, indices: np.ndarray, most_confident_first: bool = True) -> np.ndarray:
        """``indices`` reordered by the model's confidence; equal confidences keep their order."""
        indices = np.asarray(indices, np.int64)
        keys = self.confidence[indices]
        order = np.argsort(-keys if most_confident_first else keys, kind="stable")
        return indices[order]

    def most_confident_mistakes(self) -> np.ndarray:
        """The wrong answers, the surest first: where the model is confidently wrong."""
        return self.sort_by_confidence(self.select(right=False))

    # -- tables --------------------------------------------------------------------------------
    def predictions_csv(self) -> str:
        """One row per image: index, true class, predicted class, confidence, every probability.

        Classes are written by name (the true class is empty where it is not known); the
        probability columns are headed by the class names.
        """
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["index", "true", "predicted", "confidence", *self.class_names])
        names = self.class_names
        for index in range(len(self)):
            label = int(self.labels[index])
            writer.writerow([
                index,
                names[label] if label != UNKNOWN else "",
                names[int(self.predictions[index])],
                format(float(self.confidence[index]), PROBABILITY_FORMAT),
                *(format(float(p), PROBABILITY_FORMAT) for p in self.probabilities[index]),
            ])
        return buffer.getvalue()

    def confusion_csv(self) -> str:
        """The confusion matrix with class names: one row per true class, one column per prediction."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["true \\ predicted", *self.class_names])
        for name, row in zip(self.class_names, self.confusion_matrix):
            writer.writerow([name, *(int(count) for count in row)])
        return buffer.getvalue()


@dataclass(frozen=True, eq=False)
class ImageFolder:
    """Images read from a folder of class sub-folders, ready to be given to a model."""

    images: np.ndarray  # (N, H, W) or (N, H, W, 3) uint8
    labels: np.ndarray  # (N,) the index of each image's sub-folder
    class_names: tuple[str, ...]  # the sub-folder names, sorted
    source: str  # the folder, in words
    skipped: int = 0  # files that looked like images but could not be read


def _spread_over_classes(files: dict[str, list[Path]], max_images: int) -> list[tuple[int, Path]]:
    """At most ``max_images`` (class, file) pairs, taken from the classes in turn so that a cut
    keeps every class; in class order, then file order."""
    queues = [list(paths) for paths in files.values()]
    chosen: list[tuple[int, int, Path]] = []
    position = 0
    while len(chosen) < max_images and any(position < len(queue) for queue in queues):
        for label, queue in enumerate(queues):
            if position < len(queue) and len(chosen) < max_images:
                chosen.append((label, position, queue[position]))
        position += 1
    chosen.sort(key=lambda item: (item[0], item[1]))
    return [(label, path) for label, _, path in chosen]


def load_image_folder(
    path: str | os.PathLike[str], max_images: int = DEFAULT_MAX_IMAGES, size: tuple[int, int] | None = None
) -> ImageFolder:
    """Read a folder laid out as `keras.utils.image_dataset_from_directory` expects.

    Every sub-folder is a class (sorted by name, so class i is the i-th sub-folder, as Keras
    numbers them); its image files, in any depth, are that class's images. All images are resized
    (bilinear, as Keras does) to ``size`` (height, width), or to the first image's size. When any
    image has colour they are all RGB, else grayscale. Files that cannot be read are skipped and
    counted. Raises ValueError, in words, when the folder is missing, empty, has no class
    sub-folders or no readable image. It blocks while it reads: call it off the GUI thread.
    """
    folder = Path(path)
    files = class_files(folder)
    if not any(files.values()):
        raise ValueError(
            f"The class sub-folders of {folder} hold no images ({', '.join(IMAGE_SUFFIXES)} files)."
        )
    pictures, labels, skipped = [], [], 0
    for label, file in _spread_over_classes(files, max(1, int(max_images))):
        picture = try_read_picture(file)
        if picture is None:
            skipped += 1
            continue
        pictures.append(picture)
        labels.append(label)
    if not pictures:
        raise ValueError(f"None of the {skipped} image files in {folder} could be read.")
    height, width = size if size is not None else pictures[0].shape[:2]
    colour = any(picture.ndim == 3 for picture in pictures)
    arrays = [resized(with_colour(picture) if colour else picture, width, height) for picture in pictures]
    note = f", {skipped} unreadable file{'s' if skipped != 1 else ''} skipped" if skipped else ""
    return ImageFolder(
        images=np.stack(arrays),
        labels=np.asarray(labels, np.int64),
        class_names=tuple(files),
        source=f"{folder}{note}",  # said after "N images from"
        skipped=skipped,
    )
