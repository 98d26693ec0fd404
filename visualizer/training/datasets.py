"""MNIST and CIFAR-10 beside Fashion-MNIST (data.py), and the one way a run finds its data.

Each data set is looked for in the same order as Fashion-MNIST: the folder given, the Keras cache
(~/.keras/datasets), then a download with ``keras.datasets`` (which needs the internet); the
Dataset says which it used. MNIST is read from the four IDX files (as Fashion-MNIST) or from the
Keras cache's mnist.npz (``allow_pickle=False``). CIFAR-10 is read from its binary version with
numpy (``cifar-10-batches-bin``: records of a label byte and 3,072 pixel bytes); its Python
version is a set of pickles, which can run programs, so it is never read: the user is told to get
the binary version.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from visualizer.imagefile import IMAGE_SUFFIXES
from visualizer.training.data import (
    FILE_NAMES,
    IDX_DATASETS,
    KERAS_CACHE_DIR,
    DataChoice,
    DataError,
    Dataset,
    check_split,
    load_fashion_mnist,
    load_folder,
)

logger = logging.getLogger(__name__)

DATASET_TITLES = {"fashion-mnist": "Fashion-MNIST", "mnist": "MNIST", "cifar10": "CIFAR-10"}
DATASETS = tuple(DATASET_TITLES)
FOLDER = "folder"  # the dataset key of a folder of class sub-folders (image_folder.py)
CIFAR10_CLASS_NAMES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
CIFAR_SIDE = 32
CIFAR_RECORD = 1 + 3 * CIFAR_SIDE * CIFAR_SIDE  # a label byte, then the red, green and blue planes
CIFAR_TRAIN_BATCHES = tuple(f"data_batch_{number}" for number in range(1, 6))
CIFAR_TEST_BATCH = "test_batch"
MNIST_NPZ = "mnist.npz"
# Where Keras keeps what it downloads. Module-level so tests can redirect it.
KERAS_DATASETS_DIR = KERAS_CACHE_DIR.parent
# CIFAR-10's folders, binary first: as found in a folder given, and in the Keras cache (Keras 3
# extracts into a "-target" folder, earlier versions straight into the cache).
CIFAR_FOLDERS = ("cifar-10-batches-bin", "cifar-10-batches-py", "cifar-10-batches-py-target/cifar-10-batches-py")


def load_dataset(config, on_progress=None) -> Dataset:
    """The data a TrainConfig asks for: its ``dataset`` from ``data_dir`` or the usual places, or
    the folder of class sub-folders ``data_dir`` (dataset "folder", at ``image_size``; a long read
    tells ``on_progress`` how far it has got, in words)."""
    if config.dataset == FOLDER:
        from visualizer.training.image_folder import load_image_folder_dataset

        seed = 0 if config.seed is None else config.seed
        return load_image_folder_dataset(config.data_dir, image_size=config.image_size, seed=seed, on_progress=on_progress)
    return load_named_dataset(config.dataset, config.data_dir, allow_download=config.allow_download)


def load_test_part(config, image_size: tuple[int, int] | None = None) -> Dataset:
    """The data a run of ``config`` tested on, read again as the run reads it (load_dataset: for a
    folder, the same seed and stratified split) and its test part cut to ``config.test_limit`` as
    the run cuts it (a class-balanced subset, in data-set order). ``image_size`` stands in for a
    folder's size where the config left it to be chosen from the pictures: the trained network's
    input size, which a folder that has changed since would otherwise no longer give. Raises
    DataError, in words, when the data cannot be read."""
    import dataclasses

    from visualizer.training.data import stratified_subset

    if config.dataset == FOLDER and config.image_size is None and image_size is not None:
        config = dataclasses.replace(config, image_size=tuple(image_size))
    data = load_dataset(config)
    if config.test_limit is None or config.test_limit >= len(data.test_labels):
        return data
    images, labels = stratified_subset(data.test_images, data.test_labels, config.test_limit, seed=None)
    source = f"{data.source}, using {len(labels):,} test images"
    return dataclasses.replace(data, test_images=images, test_labels=labels, source=source)


def load_named_dataset(key: str, data_dir: str | os.PathLike[str] | None = None, *, allow_download: bool = True) -> Dataset:
    """Fashion-MNIST, MNIST or CIFAR-10 (``key``) from the folder given, else the Keras cache, else a
    download. A folder given that does not hold the data set is an error, never a silent fall-back."""
    if key == "fashion-mnist":
        return load_fashion_mnist(data_dir, allow_download=allow_download)
    title = DATASET_TITLES[key]
    reader = _READERS[key]
    for place in _places(data_dir):
        if place.required and not place.folder.is_dir():
            raise DataError(f"The {title} folder {place.folder} ({place.name}) does not exist or is not a folder.")
        data = reader(place.folder, searched=not place.required) if place.folder.is_dir() else None
        if data is not None:
            logger.info("Using %s", data.source)
            return data
        if place.required:
            raise DataError(f"The folder {place.folder} ({place.name}) holds no {title}: {_WHAT_TO_PUT[key]}.")
    if allow_download:
        data = _try_download(key)
        if data is not None:
            return data
    how = "the download failed (is this machine offline?)" if allow_download else "downloading was not allowed"
    raise DataError(
        f"{title} was not found in the Keras cache {KERAS_DATASETS_DIR} and {how}. "
        f"Give a folder that holds it ({_WHAT_TO_PUT[key]}), or run `cnn-visualizer train --dataset {key}` "
        "once on a machine with the internet to download it into the Keras cache."
    )


@dataclass(frozen=True)
class _Place:
    name: str
    folder: Path
    required: bool  # a folder the user named: if it lacks the data, say so


def _places(data_dir) -> list[_Place]:
    places = []
    if data_dir is not None:
        places.append(_Place("the folder given", Path(data_dir).expanduser(), True))
    places.append(_Place("the Keras cache", KERAS_DATASETS_DIR, False))
    return places


# -- MNIST ---------------------------------------------------------------------------------------
def _read_mnist(folder: Path, *, searched: bool) -> Dataset | None:
    """MNIST from the four IDX files in ``folder``, else its mnist.npz, else None."""
    if any((folder / name).is_file() or (folder / (name + ".gz")).is_file() for name in FILE_NAMES.values()):
        return load_folder(folder, searched=searched, dataset="mnist")
    if (folder / MNIST_NPZ).is_file():
        return read_mnist_npz(folder / MNIST_NPZ)
    return None


def read_mnist_npz(path: Path) -> Dataset:
    """The Keras cache's mnist.npz (x_train, y_train, x_test, y_test), never unpickling."""
    title, class_names = IDX_DATASETS["mnist"]
    try:
        with np.load(path, allow_pickle=False) as arrays:
            loaded = {
                "train_images": arrays["x_train"], "train_labels": arrays["y_train"],
                "test_images": arrays["x_test"], "test_labels": arrays["y_test"],
            }
    except KeyError as error:
        raise DataError(f"{path} is not MNIST's mnist.npz: it has no array {error}.") from error
    except (OSError, ValueError) as error:
        raise DataError(f"{path} cannot be read as MNIST's mnist.npz ({error}).") from error
    loaded = {role: np.asarray(array, dtype=np.uint8) for role, array in loaded.items()}
    where = dict.fromkeys(loaded, path)
    for split in ("train", "test"):
        check_split(loaded, where, split, title, len(class_names))
    counts = f"{len(loaded['train_labels']):,} train / {len(loaded['test_labels']):,} test"
    return Dataset(**loaded, class_names=class_names, source=f"MNIST from {path} ({counts})", is_subset=False, title=title)


# -- CIFAR-10 ------------------------------------------------------------------------------------
def cifar_folder(folder: Path) -> tuple[str, Path] | None:
    """("binary" or "python", the folder of batches) where ``folder`` is or holds CIFAR-10; None if not."""
    for candidate in (folder, *(folder / name for name in CIFAR_FOLDERS)):
        if (candidate / (CIFAR_TRAIN_BATCHES[0] + ".bin")).is_file():
            return "binary", candidate
        if (candidate / CIFAR_TRAIN_BATCHES[0]).is_file():
            return "python", candidate
    return None


def _read_cifar(folder: Path, *, searched: bool) -> Dataset | None:
    found = cifar_folder(folder)
    if found is None:
        return None
    kind, batches = found
    if kind != "binary":
        raise DataError(
            f"{batches} holds CIFAR-10's Python version: pickles, which can run programs, so the app never reads "
            "them. Use CIFAR-10's binary version instead (cifar-10-binary.tar.gz from "
            "https://www.cs.toronto.edu/~kriz/cifar.html, which unpacks to cifar-10-batches-bin)."
        )
    read, suffix = _read_binary_batch, ".bin"
    names = [*CIFAR_TRAIN_BATCHES, CIFAR_TEST_BATCH]
    missing = [name + suffix for name in names if not (batches / (name + suffix)).is_file()]
    if missing:
        remedy = "remove the folder so that it is not searched" if searched else "copy them there"
        raise DataError(f"The CIFAR-10 folder {batches} is incomplete: {', '.join(missing)} missing; {remedy}.")
    train = [read(batches / (name + suffix)) for name in CIFAR_TRAIN_BATCHES]
    test_images, test_labels = read(batches / (CIFAR_TEST_BATCH + suffix))
    train_images = np.concatenate([images for images, _ in train])
    train_labels = np.concatenate([labels for _, labels in train])
    counts = f"{len(train_labels):,} train / {len(test_labels):,} test"
    return Dataset(
        train_images, train_labels, test_images, test_labels, CIFAR10_CLASS_NAMES,
        source=f"CIFAR-10 ({kind} version) from {batches} ({counts})", is_subset=False, title="CIFAR-10",
    )


def _read_binary_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """One binary batch: (N, 32, 32, 3) uint8 images and (N,) labels."""
    try:
        raw = np.fromfile(path, dtype=np.uint8)
    except OSError as error:
        raise DataError(f"Cannot read {path}: {error.strerror or error}.") from error
    if len(raw) == 0 or len(raw) % CIFAR_RECORD:
        raise DataError(
            f"{path} is not a CIFAR-10 binary batch: it holds {len(raw):,} bytes, not a whole number of "
            f"{CIFAR_RECORD:,}-byte records (a label byte and 32x32x3 pixels)."
        )
    records = raw.reshape(-1, CIFAR_RECORD)
    return _checked(path, records[:, 1:], records[:, 0])


def _checked(path: Path, pixels: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if len(pixels) != len(labels):
        raise DataError(f"{path} holds {len(pixels):,} images but {len(labels):,} labels.")
    if len(labels) and labels.max() >= len(CIFAR10_CLASS_NAMES):
        raise DataError(f"{path} holds label {labels.max()}, but CIFAR-10 labels run from 0 to 9.")
    images = pixels.reshape(-1, 3, CIFAR_SIDE, CIFAR_SIDE).transpose(0, 2, 3, 1)  # planes -> channels last
    return np.ascontiguousarray(images), np.ascontiguousarray(labels)


# -- downloads -----------------------------------------------------------------------------------
def _download_with_keras(key: str):
    """Keras's own loader, which downloads into the Keras cache. Imports TensorFlow. Reached only
    when the cache holds nothing of the data set, so what Keras reads is its own fresh download."""
    if key == "mnist":
        from keras.datasets import mnist

        return mnist.load_data()
    from keras.datasets import cifar10

    return cifar10.load_data()


def _try_download(key: str) -> Dataset | None:
    title = DATASET_TITLES[key]
    try:
        (train_images, train_labels), (test_images, test_labels) = _download_with_keras(key)
    except Exception:  # offline, proxy, disk full, keras missing: all mean "not available"
        logger.warning("Downloading %s with Keras failed", title, exc_info=True)
        return None
    class_names = CIFAR10_CLASS_NAMES if key == "cifar10" else IDX_DATASETS[key][1]
    arrays = [np.asarray(array, dtype=np.uint8) for array in (train_images, train_labels, test_images, test_labels)]
    arrays[1], arrays[3] = arrays[1].reshape(-1), arrays[3].reshape(-1)  # CIFAR's labels come as (N, 1)
    counts = f"{len(arrays[1]):,} train / {len(arrays[3]):,} test"
    return Dataset(
        *arrays, class_names, source=f"{title} downloaded by Keras into {KERAS_DATASETS_DIR} ({counts})", is_subset=False, title=title
    )


_READERS = {"mnist": _read_mnist, "cifar10": _read_cifar}
_WHAT_TO_PUT = {
    "mnist": "the four IDX files (train-images-idx3-ubyte.gz and the others) or mnist.npz",
    "cifar10": "cifar-10-batches-bin, the binary version (data_batch_1.bin … data_batch_5.bin, test_batch.bin)",
}


# -- what the form offers ------------------------------------------------------------------------
def _found_in_cache(key: str) -> Path | None:
    """The Keras cache folder holding ``key`` (judged by file names only), or None."""
    folder = KERAS_DATASETS_DIR
    if key == "mnist":
        return folder if (folder / MNIST_NPZ).is_file() else None
    return folder if cifar_folder(folder) is not None else None


def other_data_choices() -> list[DataChoice]:
    """MNIST and CIFAR-10, each enabled only when the Keras cache holds it (the tooltip says where
    it was looked for and how to get it), then the entry that asks for a folder of class sub-folders."""
    looked = {
        "mnist": f"{KERAS_DATASETS_DIR / MNIST_NPZ}",
        "cifar10": " or ".join(str(KERAS_DATASETS_DIR / name) for name in CIFAR_FOLDERS),
    }
    choices = []
    for key in ("mnist", "cifar10"):
        title = DATASET_TITLES[key]
        found = _found_in_cache(key)
        get_it = (
            f"`cnn-visualizer train --dataset {key}` downloads it there on a machine with the internet; "
            "or choose its folder with Another folder…"
        )
        if found is not None:
            choices.append(DataChoice(f"{title}: {found} (the Keras cache)", str(found), False, False, dataset=key,
                                      tooltip=f"{title} from the Keras cache: {looked[key]}"))
        else:
            choices.append(DataChoice(f"{title} (not found)", None, False, False, dataset=key, enabled=False,
                                      tooltip=f"{title} was looked for in {looked[key]}. {get_it}"))
    choices.append(DataChoice(
        "A folder of class sub-folders…", None, False, False, dataset=FOLDER,
        tooltip="Your own pictures: one sub-folder per class (cats/, dogs/, …), any sizes, gray or colour",
    ))
    return choices


def holds_other_data(folder: Path) -> bool:
    """Whether ``folder`` holds mnist.npz, CIFAR-10's batches, or class sub-folders with pictures in
    them (judged by names, stopping at the first picture, so a huge folder is quick)."""
    if (folder / MNIST_NPZ).is_file() or cifar_folder(folder) is not None:
        return True
    for entry in folder.iterdir():
        if entry.is_dir() and next((path for path in entry.rglob("*") if path.suffix.lower() in IMAGE_SUFFIXES), None):
            return True
    return False
