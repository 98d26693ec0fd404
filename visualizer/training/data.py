"""Fashion-MNIST as uint8 numpy arrays, found on disk, downloaded, or taken from the bundled subset;
the Dataset every source gives, and the form's data choices.

The IDX files are parsed here with numpy rather than through Keras, so that loading the data never
imports TensorFlow: Keras is imported only when no local copy exists and a download is allowed.
Where the data came from is reported in words (``Dataset.source``) so the app can show it.
MNIST (the same IDX files) and CIFAR-10 are in datasets.py, a folder of the user's own pictures
in image_folder.py; ``datasets.load_dataset`` picks among them for a run.
"""

from __future__ import annotations

import gzip
import logging
import math
import os
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from visualizer.resources import resource_path

logger = logging.getLogger(__name__)

CLASS_NAMES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
IMAGE_SIDE = 28
FULL_TRAIN_COUNT = 60000  # images in the whole training split

# The four standard files, by role. Each may also be stored unpacked, without ".gz".
FILE_NAMES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
IMAGES_MAGIC = 2051  # IDX: unsigned bytes, 3 dimensions
LABELS_MAGIC = 2049  # IDX: unsigned bytes, 1 dimension

# Where to look, in order after the user's own folder. Module-level so tests can redirect them.
DATA_DIR_ENV = "CNN_VISUALIZER_DATA"
# Holds the folder named with --data, which is handed on as DATA_DIR_ENV (so that the training
# and inspector processes inherit it): the folder is then named as the user named it.
DATA_DIR_FLAG_ENV = "CNN_VISUALIZER_DATA_FROM_FLAG"
KERAS_CACHE_DIR = (
    Path(os.environ.get("KERAS_HOME") or Path.home() / ".keras") / "datasets" / "fashion-mnist"
)
# Installed by the Debian/Ubuntu package dataset-fashion-mnist.
DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
BUNDLED_DIR = resource_path("fashion-mnist-subset")


# The data sets read from the same four IDX files, by key: their titles and class names.
IDX_DATASETS = {
    "fashion-mnist": ("Fashion-MNIST", CLASS_NAMES),
    "mnist": ("MNIST", tuple(str(digit) for digit in range(10))),
}


class DataError(ValueError):
    """The data could not be loaded; the message says which file and what is wrong with it."""


@dataclass(frozen=True, eq=False)
class Dataset:
    """A data set as loaded: images (N, H, W) for gray or (N, H, W, C) uint8, labels (N,) integers
    in 0..K-1 for the K ``class_names``. Every source (Fashion-MNIST, MNIST, CIFAR-10, a folder of
    the user's pictures) gives one, and the run, its probes and its saved model take their image
    shape and class names from it."""

    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    class_names: tuple[str, ...]
    source: str  # where the data came from, in words, for the user
    is_subset: bool  # True for the small bundled sample, not the full data set
    title: str = "Fashion-MNIST"  # the data set's name, for the user
    skipped: tuple[str, ...] = ()  # files that could not be read, each "path: why" (a folder of pictures)

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """(height, width, channels) of one image as the network takes it."""
        height, width = self.train_images.shape[1:3]
        channels = self.train_images.shape[3] if self.train_images.ndim == 4 else 1
        return (int(height), int(width), int(channels))

    def describe(self) -> str:
        """The data set in one line: its name, image shape, classes and counts."""
        height, width, channels = self.image_shape
        kind = "gray" if channels == 1 else "colour"
        return (
            f"{self.title}: {height}x{width}x{channels} {kind} images, {len(self.class_names)} classes, "
            f"{len(self.train_labels):,} train / {len(self.test_labels):,} test"
        )


@dataclass(frozen=True)
class Candidate:
    """One place Fashion-MNIST may be found. ``folder`` is None for the Keras download."""

    name: str
    folder: Path | None
    required: bool = False  # a folder the user named, or the bundled one: if it is unusable, say so
    is_subset: bool = False


def candidate_sources(
    data_dir: str | os.PathLike[str] | None = None, *, allow_download: bool = True
) -> list[Candidate]:
    """The places searched by load_fashion_mnist, in the order they are tried.

    The user's folder is ``data_dir``, or else the folder named by $CNN_VISUALIZER_DATA.
    """
    candidates = []
    if data_dir is not None:
        candidates.append(Candidate("the folder given", Path(data_dir).expanduser(), required=True))
    elif os.environ.get(DATA_DIR_ENV):
        named = os.environ[DATA_DIR_ENV]
        folder = Path(named).expanduser()
        how = "the folder given with --data" if os.environ.get(DATA_DIR_FLAG_ENV) == named else f"the folder in ${DATA_DIR_ENV}"
        candidates.append(Candidate(how, folder, required=True))
    candidates.append(Candidate("the Keras cache", KERAS_CACHE_DIR))
    candidates.append(Candidate("the Debian package dataset-fashion-mnist", DEBIAN_DIR))
    if allow_download:
        candidates.append(Candidate("a download with Keras", None))
    candidates.append(Candidate("the bundled subset", BUNDLED_DIR, required=True, is_subset=True))
    return candidates


def use_data_folder_from_flag(folder: str) -> None:
    """Train from ``folder``, named on the command line with --data, in this process and its children."""
    os.environ[DATA_DIR_ENV] = folder
    os.environ[DATA_DIR_FLAG_ENV] = folder


@dataclass(frozen=True)
class DataChoice:
    """One place to train from, as offered to the user: the folder handed to the run (None: search, then download)."""

    title: str
    data_dir: str | None
    allow_download: bool
    is_subset: bool
    dataset: str = "fashion-mnist"  # a key of datasets.DATASET_TITLES, or "folder" for class sub-folders
    enabled: bool = True  # False: the data is not on this machine; ``tooltip`` says where it was looked for
    tooltip: str = ""


def _has_fashion_mnist(folder: Path) -> bool:
    return all(
        (folder / name).is_file() or (folder / (name + ".gz")).is_file()
        for name in FILE_NAMES.values()
    )


def data_choices() -> list[DataChoice]:
    """The places that hold Fashion-MNIST on this machine (checked by file names, not loaded):
    full copies first, then the bundled subset, then a Keras download when no full copy is here
    (last, so that an offline machine starts with data it has); then MNIST, CIFAR-10 and a folder
    of class sub-folders (datasets.other_data_choices)."""
    choices, bundled, full_found = [], None, False
    for candidate in candidate_sources(allow_download=False):
        if candidate.folder is None:
            continue
        if not _has_fashion_mnist(candidate.folder):
            if candidate.required and not candidate.is_subset:
                # A folder the user named (--data, $CNN_VISUALIZER_DATA) stays the first choice
                # even when it is wrong, so Train says why instead of quietly using other data.
                choices.append(DataChoice(
                    f"Your folder, without Fashion-MNIST: {candidate.folder} ({candidate.name})",
                    str(candidate.folder),
                    False,
                    False,
                ))
            continue
        if candidate.is_subset:
            bundled = DataChoice(
                "Bundled subset (small offline sample)", str(candidate.folder), False, True
            )
        else:
            full_found = True
            choices.append(
                DataChoice(
                    f"Full Fashion-MNIST: {candidate.folder} ({candidate.name})",
                    str(candidate.folder),
                    False,
                    False,
                )
            )
    if bundled is not None:
        choices.append(bundled)
    if not full_found:
        download = "Download Fashion-MNIST with Keras (needs the internet)"
        choices.append(DataChoice(download, None, True, False))
    from visualizer.training.datasets import other_data_choices

    return choices + other_data_choices()


def load_fashion_mnist(
    data_dir: str | os.PathLike[str] | None = None, *, allow_download: bool = True
) -> Dataset:
    """Load Fashion-MNIST from the first place in candidate_sources() that has it.

    A folder the user named that is missing or broken raises DataError rather than quietly
    falling back to other data; so does a local copy whose files are incomplete or corrupt.
    A failed download is logged and the search goes on, ending at the bundled subset.
    """
    for candidate in candidate_sources(data_dir, allow_download=allow_download):
        if candidate.folder is None:
            data = _try_download()
        else:
            data = _load_candidate_folder(candidate)
        if data is not None:
            logger.info("Using %s", data.source)
            return data
    # Not reached while the bundled subset is the last, required candidate; kept for safety.
    raise DataError("Fashion-MNIST was not found anywhere.")


def load_folder(
    folder: str | os.PathLike[str], *, is_subset: bool = False, searched: bool = False, dataset: str = "fashion-mnist"
) -> Dataset:
    """Load the four IDX files (gzipped or not) of ``dataset`` (a key of IDX_DATASETS) from one folder.

    ``searched``: the folder is one of the places looked in on the user's behalf (the Keras
    cache), which may be removed to let the search go on; a folder the user named may not.
    """
    folder = Path(folder)
    title, class_names = IDX_DATASETS[dataset]
    paths = _find_files(folder)
    if any(path is None for path in paths.values()):
        remedy = "remove the folder so that it is not searched" if searched else "choose a folder that holds all four"
        raise DataError(_incomplete(folder, paths, remedy, title))
    arrays = {
        role: read_idx(path, LABELS_MAGIC if role.endswith("labels") else IMAGES_MAGIC)
        for role, path in paths.items()
    }
    for split in ("train", "test"):
        check_split(arrays, paths, split, title, len(class_names))
    n_train, n_test = len(arrays["train_labels"]), len(arrays["test_labels"])
    counts = f"{n_train:,} train / {n_test:,} test"
    if is_subset:
        source = f"bundled subset ({counts}): offline sample"
    else:
        source = f"{title} from {folder} ({counts})"
    return Dataset(**arrays, class_names=class_names, source=source, is_subset=is_subset, title=title)


def read_idx(path: str | os.PathLike[str], expected_magic: int | None = None) -> np.ndarray:
    """Read one IDX file of unsigned bytes: images (magic 2051) or labels (magic 2049).

    With ``expected_magic`` only that kind is accepted, which catches swapped files.
    The file may be gzipped whatever its name; that is decided by its first bytes.
    The array returned is read-only: it is a view of the file's bytes.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise DataError(f"Cannot read {path}: {error.strerror or error}.") from error
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as error:
            raise DataError(f"{path} is a truncated or corrupt gzip file ({error}).") from error
    if not raw:
        raise DataError(f"{path} is empty.")
    if len(raw) < 4:
        raise DataError(f"{path} is too short to be an IDX file ({len(raw)} bytes).")
    magic = int.from_bytes(raw[:4], "big")
    accepted = {IMAGES_MAGIC: "images", LABELS_MAGIC: "labels"}
    if expected_magic is not None:
        accepted = {expected_magic: accepted[expected_magic]}
    if magic not in accepted:
        wanted = " or ".join(f"{value} for {kind}" for value, kind in accepted.items())
        raise DataError(
            f"{path} has the wrong magic number {magic} (0x{magic:08x}); expected {wanted}. "
            "It is not a Fashion-MNIST IDX file, or it is the wrong one of the four."
        )
    ndim = raw[3]
    header_size = 4 + 4 * ndim
    if len(raw) < header_size:
        raise DataError(f"{path} is truncated: its header ends after {len(raw)} bytes.")
    shape = tuple(int(n) for n in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    expected = header_size + math.prod(shape)
    if len(raw) != expected:
        problem = "truncated" if len(raw) < expected else "longer than its header says"
        raise DataError(
            f"{path} is {problem}: its header promises {' x '.join(map(str, shape))} values "
            f"({expected:,} bytes in all) but it holds {len(raw):,} bytes."
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header_size).reshape(shape)


def stratified_subset(
    images: np.ndarray, labels: np.ndarray, count: int, seed: int | None = 0
) -> tuple[np.ndarray, np.ndarray]:
    """``count`` images balanced across classes: the first ones of each class, in data-set order.

    When ``count`` is not a multiple of the number of classes, the lowest labels get one more
    image each; a class that runs out leaves its share to the others. Growing ``count`` only adds
    images, so a smaller subset is always part of a larger one. The chosen images are returned
    shuffled by ``seed`` (so batches mix classes even when the source is sorted by class),
    or in data-set order when ``seed`` is None. Asking for more than there are returns all.
    """
    labels = np.asarray(labels)
    if count < 1:
        raise ValueError(f"a subset needs at least 1 image, not {count}")
    if len(images) != len(labels):
        raise ValueError(f"{len(images)} images but {len(labels)} labels")
    by_class = np.argsort(labels, kind="stable")
    sorted_labels = labels[by_class]
    class_starts = np.searchsorted(sorted_labels, sorted_labels, side="left")
    rank_in_class = np.empty(len(labels), dtype=np.int64)
    rank_in_class[by_class] = np.arange(len(labels)) - class_starts
    # Round robin over the classes: every class's first image, then every class's second, ...
    class_position = np.unique(labels, return_inverse=True)[1].reshape(-1)
    n_classes = int(class_position.max(initial=-1)) + 1
    turn = rank_in_class * max(n_classes, 1) + class_position
    chosen = np.sort(np.argsort(turn, kind="stable")[:count])
    if seed is not None:
        chosen = np.random.default_rng(seed).permutation(chosen)
    return images[chosen], labels[chosen]


def to_model_input(images: np.ndarray) -> np.ndarray:
    """uint8 images as the network takes them: float32 in [0, 1], channels last; gray (N, H, W)
    gains a channel axis, (N, 28, 28) -> (N, 28, 28, 1), and colour (N, H, W, C) keeps its own."""
    images = np.asarray(images)
    if images.ndim not in (3, 4):
        raise ValueError(f"expected images shaped (N, height, width) or (N, height, width, channels), got {images.shape}")
    scaled = images.astype(np.float32) / np.float32(255.0)
    return scaled[..., np.newaxis] if images.ndim == 3 else scaled


def folder_problem(folder: str | os.PathLike[str]) -> str | None:
    """What keeps ``folder`` from being trained on, in words, or None. Only its file names are
    looked at, which is quick enough to do as the folder is chosen; the files' contents are checked
    when a run reads them. Besides the four IDX files (Fashion-MNIST or MNIST), a folder may hold
    MNIST's mnist.npz, CIFAR-10's batches, or class sub-folders of pictures (datasets.holds_other_data)."""
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        return (
            f"The Fashion-MNIST folder {folder} does not exist or is not a folder. "
            "Choose a folder that holds the four Fashion-MNIST files."
        )
    paths = _find_files(folder)
    if any(path is None for path in paths.values()):
        from visualizer.training.datasets import holds_other_data

        if holds_other_data(folder):
            return None
        return _incomplete(folder, paths, "choose a folder that holds all four")
    return None


def _incomplete(folder: Path, paths: dict[str, Path | None], remedy: str, title: str = "Fashion-MNIST") -> str:
    missing = [FILE_NAMES[role] + ".gz" for role, path in paths.items() if path is None]
    return (
        f"The {title} folder {folder} is incomplete: {', '.join(missing)} "
        f"{'is' if len(missing) == 1 else 'are'} missing (unpacked, without .gz, also works). "
        f"Copy the missing files there, or {remedy}."
    )


def _find_files(folder: Path) -> dict[str, Path | None]:
    """Each role's file in the folder: the .gz if there is one, else the unpacked one, else None."""
    found: dict[str, Path | None] = {}
    for role, name in FILE_NAMES.items():
        options = [folder / (name + ".gz"), folder / name]
        found[role] = next((path for path in options if path.is_file()), None)
    return found


def check_split(
    arrays: dict[str, np.ndarray], paths: dict[str, Path | None], split: str, title: str = "Fashion-MNIST", class_count: int = 10
) -> None:
    """The images of one split are (N, 28, 28) and match their labels, which lie in 0..class_count-1."""
    images, labels = arrays[f"{split}_images"], arrays[f"{split}_labels"]
    images_path, labels_path = paths[f"{split}_images"], paths[f"{split}_labels"]
    if images.ndim != 3 or images.shape[1:] != (IMAGE_SIDE, IMAGE_SIDE):
        raise DataError(
            f"{images_path} does not hold {IMAGE_SIDE}x{IMAGE_SIDE} images: "
            f"its shape is {images.shape}."
        )
    if labels.ndim != 1:
        raise DataError(f"{labels_path} does not hold labels: its shape is {labels.shape}.")
    if len(images) != len(labels):
        raise DataError(
            f"{images_path} holds {len(images):,} images but {labels_path} holds "
            f"{len(labels):,} labels; the two files do not belong together."
        )
    if len(labels) and labels.max() >= class_count:
        raise DataError(
            f"{labels_path} holds label {labels.max()}, but {title} labels run from 0 to {class_count - 1}."
        )


def _load_candidate_folder(candidate: Candidate) -> Dataset | None:
    """Load one candidate folder, or None when it is an optional place that holds nothing."""
    folder = candidate.folder
    assert folder is not None
    if candidate.required:
        if not folder.is_dir():
            raise DataError(
                f"The Fashion-MNIST folder {folder} ({candidate.name}) does not exist or is not "
                "a folder. Choose a folder that holds the four Fashion-MNIST files."
            )
    elif not folder.is_dir() or not any(_find_files(folder).values()):
        logger.debug("No Fashion-MNIST in %s (%s)", folder, candidate.name)
        return None
    return load_folder(folder, is_subset=candidate.is_subset, searched=not candidate.required)


def _download_with_keras() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Keras's own loader, which downloads the files into its cache. Imports TensorFlow."""
    from keras.datasets import fashion_mnist

    return fashion_mnist.load_data()


def _try_download() -> Dataset | None:
    """Fashion-MNIST through Keras, or None (logged) when the download fails, e.g. offline."""
    try:
        (train_images, train_labels), (test_images, test_labels) = _download_with_keras()
    except Exception:  # offline, proxy, disk full, keras missing: all mean "try the next place"
        logger.warning("Downloading Fashion-MNIST with Keras failed", exc_info=True)
        return None
    arrays = {
        "train_images": np.asarray(train_images, dtype=np.uint8),
        "train_labels": np.asarray(train_labels, dtype=np.uint8),
        "test_images": np.asarray(test_images, dtype=np.uint8),
        "test_labels": np.asarray(test_labels, dtype=np.uint8),
    }
    where = {role: KERAS_CACHE_DIR / (name + ".gz") for role, name in FILE_NAMES.items()}
    for split in ("train", "test"):
        check_split(arrays, where, split)
    counts = f"{len(arrays['train_labels']):,} train / {len(arrays['test_labels']):,} test"
    return Dataset(
        **arrays,
        class_names=CLASS_NAMES,
        source=f"Fashion-MNIST downloaded by Keras into {KERAS_CACHE_DIR} ({counts})",
        is_subset=False,
    )
