"""MNIST and CIFAR-10 from each of their places, offline: tiny fake files in the formats of the
real ones, a stand-in for the Keras download, and pickles that must not run anything."""

from __future__ import annotations

import gzip
import os
import pickle
from pathlib import Path

import numpy as np
import pytest

from tests.tools.make_subset import encode_idx
from visualizer.training import data, datasets
from visualizer.training.config import TrainConfig
from visualizer.training.data import FILE_NAMES, DataError, folder_problem
from visualizer.training.datasets import CIFAR10_CLASS_NAMES, load_dataset, load_named_dataset


@pytest.fixture
def offline(tmp_path, monkeypatch):
    """An empty Keras cache and a download that fails, recording each call."""
    cache = tmp_path / "keras-datasets"
    cache.mkdir()
    monkeypatch.setattr(datasets, "KERAS_DATASETS_DIR", cache)
    calls = []

    def no_network(key):
        calls.append(key)
        raise OSError("URL fetch failure: no network in tests")

    monkeypatch.setattr(datasets, "_download_with_keras", no_network)
    return {"cache": cache, "downloads": calls}


def labelled_digits(per_class: int) -> tuple[np.ndarray, np.ndarray]:
    """28x28 images each filled with its label, so a test can tell which were read."""
    labels = np.repeat(np.arange(10, dtype=np.uint8), per_class)
    return np.ascontiguousarray(np.broadcast_to(labels[:, None, None], (len(labels), 28, 28))), labels


def write_mnist_idx(folder: Path, per_class: int = 2) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    images, labels = labelled_digits(per_class)
    arrays = {"train_images": images, "train_labels": labels, "test_images": images[::2], "test_labels": labels[::2]}
    for role, array in arrays.items():
        (folder / (FILE_NAMES[role] + ".gz")).write_bytes(gzip.compress(encode_idx(array)))


def cifar_pictures(count: int, first_label: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(count, 32, 32, 3) pictures whose red, green and blue planes hold 10, 20 and 30 plus the label."""
    labels = (np.arange(count) + first_label) % 10
    images = np.zeros((count, 32, 32, 3), np.uint8)
    images[...] = (labels[:, None, None, None] + np.array([10, 20, 30])).astype(np.uint8)
    return images, labels.astype(np.uint8)


def write_cifar_binary(folder: Path, per_batch: int = 3) -> None:
    folder.mkdir(parents=True)
    for number, name in enumerate([*datasets.CIFAR_TRAIN_BATCHES, datasets.CIFAR_TEST_BATCH]):
        images, labels = cifar_pictures(per_batch, number)
        planes = images.transpose(0, 3, 1, 2).reshape(per_batch, -1)  # the file keeps the red plane, then green, then blue
        (folder / f"{name}.bin").write_bytes(np.concatenate([labels[:, None], planes], axis=1).tobytes())


def write_cifar_python(folder: Path, per_batch: int = 3) -> None:
    folder.mkdir(parents=True)
    for number, name in enumerate([*datasets.CIFAR_TRAIN_BATCHES, datasets.CIFAR_TEST_BATCH]):
        images, labels = cifar_pictures(per_batch, number)
        batch = {b"batch_label": b"batch", b"labels": [int(label) for label in labels],
                 b"data": images.transpose(0, 3, 1, 2).reshape(per_batch, -1), b"filenames": [b"a.png"] * per_batch}
        (folder / name).write_bytes(pickle.dumps(batch, protocol=2))


# -- MNIST ---------------------------------------------------------------------------------------
def test_mnist_from_a_folder_of_idx_files_has_digits_for_class_names(tmp_path, offline):
    write_mnist_idx(tmp_path / "mnist")
    mnist = load_named_dataset("mnist", tmp_path / "mnist")
    assert mnist.title == "MNIST" and mnist.class_names == tuple("0123456789")
    assert mnist.image_shape == (28, 28, 1) and len(mnist.train_labels) == 20 and len(mnist.test_labels) == 10
    assert (mnist.train_images[:, 0, 0] == mnist.train_labels).all()
    assert f"MNIST from {tmp_path / 'mnist'}" in mnist.source
    assert offline["downloads"] == []


def test_mnist_from_the_keras_cache_npz_when_no_folder_is_given(offline):
    images, labels = labelled_digits(1)
    np.savez(offline["cache"] / "mnist.npz", x_train=images, y_train=labels, x_test=images[:4], y_test=labels[:4])
    mnist = load_named_dataset("mnist")
    assert str(offline["cache"] / "mnist.npz") in mnist.source
    assert len(mnist.train_labels) == 10 and mnist.test_labels.tolist() == [0, 1, 2, 3]
    assert offline["downloads"] == []


def test_mnist_is_downloaded_only_when_not_found_and_says_so(offline, monkeypatch):
    images, labels = labelled_digits(1)
    monkeypatch.setattr(datasets, "_download_with_keras", lambda key: ((images, labels), (images, labels)))
    mnist = load_named_dataset("mnist")
    assert "downloaded by Keras" in mnist.source and mnist.class_names == tuple("0123456789")


def test_mnist_nowhere_and_offline_is_an_error_saying_how_to_get_it(offline):
    with pytest.raises(DataError, match="--dataset mnist"):
        load_named_dataset("mnist")
    assert offline["downloads"] == ["mnist"]
    with pytest.raises(DataError, match="was not allowed"):
        load_named_dataset("mnist", allow_download=False)
    assert offline["downloads"] == ["mnist"]


def test_a_folder_given_without_the_data_set_is_an_error_not_a_fallback(tmp_path, offline):
    images, labels = labelled_digits(1)
    np.savez(offline["cache"] / "mnist.npz", x_train=images, y_train=labels, x_test=images, y_test=labels)
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="holds no MNIST"):
        load_named_dataset("mnist", tmp_path / "empty")
    with pytest.raises(DataError, match="does not exist"):
        load_named_dataset("cifar10", tmp_path / "typo")


def test_an_npz_with_pickled_objects_is_refused(offline):
    np.savez(offline["cache"] / "mnist.npz", x_train=np.array([{"a": 1}], dtype=object))
    with pytest.raises(DataError, match="cannot be read"):
        load_named_dataset("mnist", allow_download=False)


# -- CIFAR-10 ------------------------------------------------------------------------------------
def test_cifar_binary_batches_are_read_with_colour_channels_last(tmp_path, offline):
    write_cifar_binary(tmp_path / "cifar-10-batches-bin")
    cifar = load_named_dataset("cifar10", tmp_path)  # the folder holding cifar-10-batches-bin
    assert cifar.class_names == CIFAR10_CLASS_NAMES and cifar.image_shape == (32, 32, 3)
    assert len(cifar.train_labels) == 15 and len(cifar.test_labels) == 3
    expected, labels = cifar_pictures(3, 5)
    assert np.array_equal(cifar.test_images, expected) and np.array_equal(cifar.test_labels, labels)
    assert "binary version" in cifar.source and offline["downloads"] == []


def test_cifar_binary_batch_of_a_wrong_length_is_named(tmp_path, offline):
    batches = tmp_path / "cifar-10-batches-bin"
    write_cifar_binary(batches)
    (batches / "data_batch_3.bin").write_bytes(b"\x00" * 3000)
    with pytest.raises(DataError, match="data_batch_3.bin.*3,073-byte records"):
        load_named_dataset("cifar10", batches)


def test_cifar_python_batches_are_refused_in_words_and_never_unpickled(tmp_path, offline):
    marker = tmp_path / "ran"

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    for batches in (offline["cache"] / "cifar-10-batches-py-target" / "cifar-10-batches-py", tmp_path / "cifar-10-batches-py"):
        write_cifar_python(batches)
        (batches / "data_batch_1").write_bytes(pickle.dumps({b"data": Payload(), b"labels": [0]}, protocol=2))
    with pytest.raises(DataError, match="Python version: pickles.*binary version"):
        load_named_dataset("cifar10")  # found in the Keras cache
    with pytest.raises(DataError, match="Python version: pickles.*binary version"):
        load_named_dataset("cifar10", tmp_path / "cifar-10-batches-py")
    assert not marker.exists()


# -- a run's data, the form's choices ------------------------------------------------------------
def test_load_dataset_follows_the_config(tmp_path, offline):
    write_cifar_binary(tmp_path / "cifar-10-batches-bin")
    cifar = load_dataset(TrainConfig(dataset="cifar10", data_dir=str(tmp_path), allow_download=False))
    assert cifar.title == "CIFAR-10"
    assert "3 channels" not in cifar.describe() and "32x32x3 colour images, 10 classes" in cifar.describe()


def test_mnist_and_cifar_choices_are_enabled_only_when_found(tmp_path, offline, monkeypatch):
    monkeypatch.setattr(data, "KERAS_CACHE_DIR", offline["cache"] / "fashion-mnist")
    monkeypatch.setattr(data, "DEBIAN_DIR", tmp_path / "no-debian")
    monkeypatch.delenv(data.DATA_DIR_ENV, raising=False)
    by_set = {choice.dataset: choice for choice in data.data_choices() if choice.dataset != "fashion-mnist"}
    assert set(by_set) == {"mnist", "cifar10", "folder"}
    assert not by_set["mnist"].enabled and str(offline["cache"] / "mnist.npz") in by_set["mnist"].tooltip
    assert not by_set["cifar10"].enabled and "cifar-10-batches-bin" in by_set["cifar10"].tooltip
    assert by_set["folder"].enabled and by_set["folder"].data_dir is None
    write_cifar_binary(offline["cache"] / "cifar-10-batches-bin")
    (offline["cache"] / "mnist.npz").write_bytes(b"")  # only the names are checked here
    found = {choice.dataset: choice for choice in data.data_choices()}
    assert found["mnist"].enabled and found["mnist"].data_dir == str(offline["cache"])
    assert found["cifar10"].enabled and found["cifar10"].data_dir == str(offline["cache"])
    assert folder_problem(offline["cache"]) is None  # what the training page checks before Train


def test_a_folder_of_class_sub_folders_passes_the_folder_check(tmp_path):
    (tmp_path / "cats").mkdir()
    assert "is incomplete" in folder_problem(tmp_path)  # a class without pictures is not data yet
    (tmp_path / "cats" / "one.png").write_bytes(b"")
    assert folder_problem(tmp_path) is None
