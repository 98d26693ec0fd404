"""Fashion-MNIST loading: the IDX parser, the order of the sources, the bundled subset, the helpers.

Fast and without TensorFlow: the Keras download is replaced by a stand-in in every test.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.tools.make_subset import encode_idx
from visualizer.training import data
from visualizer.training.data import (
    CLASS_NAMES,
    FILE_NAMES,
    DataError,
    candidate_sources,
    load_fashion_mnist,
    load_folder,
    read_idx,
    stratified_subset,
    to_model_input,
)

REPO_ROOT = Path(__file__).parents[2]
REAL_DATA = REPO_ROOT.parent / "shared" / "data" / "fashion-mnist"
needs_real_data = pytest.mark.skipif(
    not (REAL_DATA / "train-images-idx3-ubyte.gz").is_file(),
    reason=f"the complete Fashion-MNIST is not at {REAL_DATA}",
)


def write_dataset(folder: Path, per_class: int, *, gz: bool = True) -> None:
    """A tiny well-formed data set: ``per_class`` training and test images of each class.

    Each image is filled with its own label, so tests can tell which images were loaded.
    """
    folder.mkdir(parents=True, exist_ok=True)
    labels = np.repeat(np.arange(10, dtype=np.uint8), per_class)
    images = np.broadcast_to(labels[:, None, None], (len(labels), 28, 28))
    arrays = {
        "train_images": images,
        "train_labels": labels,
        "test_images": images,
        "test_labels": labels,
    }
    for role, array in arrays.items():
        payload = encode_idx(array)
        if gz:
            (folder / (FILE_NAMES[role] + ".gz")).write_bytes(gzip.compress(payload))
        else:
            (folder / FILE_NAMES[role]).write_bytes(payload)


def fake_keras_data(per_class: int):
    labels = np.repeat(np.arange(10, dtype=np.uint8), per_class)
    images = np.zeros((len(labels), 28, 28), dtype=np.uint8)
    return (images, labels), (images, labels)


@pytest.fixture
def places(tmp_path, monkeypatch):
    """Point the Keras cache and the Debian folder at empty temporary places, clear the
    environment variable, and replace the Keras download with a stand-in that records its calls."""
    keras_dir = tmp_path / "keras-cache" / "fashion-mnist"
    debian_dir = tmp_path / "debian" / "fashion-mnist"
    monkeypatch.setattr(data, "KERAS_CACHE_DIR", keras_dir)
    monkeypatch.setattr(data, "DEBIAN_DIR", debian_dir)
    monkeypatch.delenv(data.DATA_DIR_ENV, raising=False)
    downloads = []

    def offline_download():
        downloads.append("called")
        raise OSError("URL fetch failure: no network in tests")

    monkeypatch.setattr(data, "_download_with_keras", offline_download)
    return {"keras": keras_dir, "debian": debian_dir, "downloads": downloads, "tmp": tmp_path}


# --- the genuine data ---------------------------------------------------------------------------


@needs_real_data
def test_real_files_load_with_shapes_dtypes_and_known_content():
    mnist = load_folder(REAL_DATA)
    assert mnist.train_images.shape == (60000, 28, 28)
    assert mnist.test_images.shape == (10000, 28, 28)
    for array in (mnist.train_images, mnist.train_labels, mnist.test_images, mnist.test_labels):
        assert array.dtype == np.uint8
    assert np.bincount(mnist.train_labels).tolist() == [6000] * 10
    assert np.bincount(mnist.test_labels).tolist() == [1000] * 10
    # The well-known first labels: an ankle boot, then two T-shirts, a dress...
    assert mnist.train_labels[:10].tolist() == [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]
    assert mnist.test_labels[:10].tolist() == [9, 2, 1, 1, 6, 1, 4, 6, 5, 7]
    # The first training image, checked against the raw bytes after the 16-byte IDX header.
    with gzip.open(REAL_DATA / "train-images-idx3-ubyte.gz") as file:
        first_image = file.read(16 + 784)[16:]
    assert mnist.train_images[0].tobytes() == first_image
    assert hashlib.md5(first_image).hexdigest() == "4faf81e309af5194c477affdbefc6116"
    assert mnist.class_names == CLASS_NAMES
    assert mnist.is_subset is False
    assert mnist.source == f"Fashion-MNIST from {REAL_DATA} (60,000 train / 10,000 test)"


@needs_real_data
def test_environment_variable_names_the_users_folder(places, monkeypatch):
    write_dataset(places["keras"], per_class=1)  # would be used if the variable were ignored
    monkeypatch.setenv(data.DATA_DIR_ENV, str(REAL_DATA))
    mnist = load_fashion_mnist()
    assert len(mnist.train_labels) == 60000
    assert str(REAL_DATA) in mnist.source


# --- the bundled subset ------------------------------------------------------------------------


def test_bundled_subset_is_small_stratified_and_used_when_nothing_else_is_there(places):
    mnist = load_fashion_mnist(allow_download=False)
    assert mnist.is_subset is True
    assert mnist.source == "bundled subset (2,000 train / 1,000 test): offline sample"
    assert mnist.train_images.shape == (2000, 28, 28)
    assert mnist.test_images.shape == (1000, 28, 28)
    assert mnist.train_images.dtype == mnist.train_labels.dtype == np.uint8
    assert np.bincount(mnist.train_labels, minlength=10).tolist() == [200] * 10
    assert np.bincount(mnist.test_labels, minlength=10).tolist() == [100] * 10
    assert mnist.class_names == CLASS_NAMES
    size = sum(path.stat().st_size for path in data.BUNDLED_DIR.iterdir())
    assert size < 3_000_000
    assert (data.BUNDLED_DIR / "README.md").is_file()


@needs_real_data
def test_bundled_subset_is_the_first_images_of_each_class_of_the_genuine_data():
    bundled = load_folder(data.BUNDLED_DIR, is_subset=True)
    real = load_folder(REAL_DATA)
    for split, count in (("train", 2000), ("test", 1000)):
        images, labels = stratified_subset(
            getattr(real, f"{split}_images"), getattr(real, f"{split}_labels"), count, seed=None
        )
        np.testing.assert_array_equal(getattr(bundled, f"{split}_images"), images)
        np.testing.assert_array_equal(getattr(bundled, f"{split}_labels"), labels)


def test_loading_the_bundled_subset_imports_neither_keras_nor_qt():
    code = (
        "import sys\n"
        "from visualizer.training.data import load_folder, BUNDLED_DIR\n"
        "load_folder(BUNDLED_DIR, is_subset=True)\n"
        "heavy = [m for m in ('keras', 'tensorflow', 'PyQt6', 'pyqtgraph') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, check=True, timeout=60)


# --- where to look, and in which order --------------------------------------------------------


def test_candidates_come_in_the_documented_order(places, tmp_path):
    names = [c.name for c in candidate_sources(None)]
    assert names == [
        "the Keras cache",
        "the Debian package dataset-fashion-mnist",
        "a download with Keras",
        "the bundled subset",
    ]
    mine = candidate_sources(tmp_path / "mine", allow_download=False)
    assert [c.folder for c in mine] == [
        tmp_path / "mine",
        places["keras"],
        places["debian"],
        data.BUNDLED_DIR,
    ]
    assert mine[0].required and mine[-1].is_subset


def test_explicit_folder_wins_over_the_environment_variable(places, monkeypatch, tmp_path):
    monkeypatch.setenv(data.DATA_DIR_ENV, str(tmp_path / "from-env"))
    from_env = candidate_sources(None)[0]
    assert from_env.folder == tmp_path / "from-env"
    assert from_env.name == "the folder in $CNN_VISUALIZER_DATA" and from_env.required
    assert candidate_sources(tmp_path / "given")[0].folder == tmp_path / "given"
    monkeypatch.setenv(data.DATA_DIR_ENV, "")
    assert candidate_sources(None)[0].name == "the Keras cache"


def test_each_place_is_used_only_when_the_earlier_ones_have_nothing(places, monkeypatch):
    user = places["tmp"] / "user"
    write_dataset(user, per_class=1)
    write_dataset(places["keras"], per_class=2)
    write_dataset(places["debian"], per_class=3, gz=False)  # unpacked files are accepted too
    assert len(load_fashion_mnist(user).train_labels) == 10
    assert len(load_fashion_mnist().train_labels) == 20
    for path in places["keras"].iterdir():
        path.unlink()  # an empty Keras cache folder is passed over
    debian = load_fashion_mnist()
    assert len(debian.train_labels) == 30
    assert debian.source == f"Fashion-MNIST from {places['debian']} (30 train / 30 test)"
    assert places["downloads"] == []
    for path in places["debian"].iterdir():
        path.unlink()
    monkeypatch.setattr(data, "_download_with_keras", lambda: fake_keras_data(per_class=4))
    downloaded = load_fashion_mnist()
    assert len(downloaded.train_labels) == 40
    assert downloaded.source.startswith("Fashion-MNIST downloaded by Keras")
    assert not downloaded.is_subset


def test_download_is_skipped_when_not_allowed(places):
    assert load_fashion_mnist(allow_download=False).is_subset
    assert places["downloads"] == []
    assert all(c.folder is not None for c in candidate_sources(None, allow_download=False))


def test_failed_download_is_logged_and_falls_through_to_the_bundled_subset(places, caplog):
    with caplog.at_level(logging.INFO, logger=data.__name__):
        mnist = load_fashion_mnist()
    assert places["downloads"] == ["called"]
    assert mnist.is_subset
    assert "Downloading Fashion-MNIST with Keras failed" in caplog.text
    assert "Using bundled subset" in caplog.text


def assert_load_refused(*args, match: str, naming: Path, **options) -> None:
    """load_fashion_mnist(*args, **options) raises a DataError that matches ``match`` and names the
    file or folder ``naming``, so that the person can find what to fix."""
    with pytest.raises(DataError, match=match) as raised:
        load_fashion_mnist(*args, **options)
    assert str(naming) in str(raised.value)


def test_missing_user_folder_is_an_error_not_a_silent_fallback(places):
    write_dataset(places["keras"], per_class=1)
    missing = places["tmp"] / "no-such-folder"
    assert_load_refused(missing, match="does not exist", naming=missing)


def test_missing_folder_in_the_environment_variable_is_an_error(places, monkeypatch):
    missing = places["tmp"] / "not-there"
    monkeypatch.setenv(data.DATA_DIR_ENV, str(missing))
    assert_load_refused(match=r"\$CNN_VISUALIZER_DATA\) does not exist", naming=missing, allow_download=False)


def test_incomplete_folder_names_the_missing_files(places):
    write_dataset(places["keras"], per_class=1)
    (places["keras"] / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DataError, match="incomplete: t10k-labels-idx1-ubyte.gz is missing") as raised:
        load_fashion_mnist()
    assert "remove the folder" in str(raised.value)  # the cache: removing it lets the search go on


def test_an_incomplete_folder_the_user_named_is_never_to_be_removed(tmp_path):
    # A teacher who picks the wrong folder (their Documents, say) must not be told to delete it.
    (tmp_path / "notes.txt").write_text("not Fashion-MNIST")
    with pytest.raises(DataError, match="incomplete") as raised:
        load_fashion_mnist(tmp_path, allow_download=False)
    assert "remove" not in str(raised.value)
    assert "choose a folder that holds all four" in str(raised.value)


# --- broken files ------------------------------------------------------------------------------


def truncate_gzip(raw: bytes) -> bytes:
    return raw[: len(raw) // 2]


def rewrite_idx(transform):
    """A corruption applied to the unpacked IDX bytes, gzipped again afterwards."""
    return lambda raw: gzip.compress(transform(gzip.decompress(raw)))


CORRUPTIONS = {
    "empty file": (lambda raw: b"", "is empty"),
    "empty IDX inside gzip": (rewrite_idx(lambda idx: b""), "is empty"),
    "truncated gzip": (truncate_gzip, "truncated or corrupt gzip"),
    "not gzip, not IDX": (lambda raw: b"<html>Not Found</html>", "wrong magic number"),
    "wrong magic": (
        rewrite_idx(lambda idx: (1234).to_bytes(4, "big") + idx[4:]),
        "wrong magic number 1234",
    ),
    "truncated header": (rewrite_idx(lambda idx: idx[:9]), "header ends after 9 bytes"),
    "truncated pixels": (rewrite_idx(lambda idx: idx[:-5]), "is truncated"),
    "trailing bytes": (rewrite_idx(lambda idx: idx + b"\0"), "longer than its header says"),
    "too short for a magic number": (rewrite_idx(lambda idx: idx[:3]), "too short"),
}


@pytest.mark.parametrize("corruption", list(CORRUPTIONS))
def test_broken_image_file_gives_a_data_error_naming_it(places, corruption):
    transform, expected = CORRUPTIONS[corruption]
    folder = places["tmp"] / "broken"
    write_dataset(folder, per_class=2)
    broken = folder / "train-images-idx3-ubyte.gz"
    broken.write_bytes(transform(broken.read_bytes()))
    assert_load_refused(folder, match=expected, naming=broken)


def test_broken_file_in_an_automatic_place_is_reported_not_skipped(places):
    write_dataset(places["debian"], per_class=1)
    broken = places["debian"] / "t10k-images-idx3-ubyte.gz"
    broken.write_bytes(b"")
    assert_load_refused(match="is empty", naming=broken)
    assert places["downloads"] == []


def test_swapped_files_are_caught_by_their_magic_numbers(places):
    folder = places["tmp"] / "swapped"
    write_dataset(folder, per_class=1)
    images = folder / "train-images-idx3-ubyte.gz"
    labels = folder / "train-labels-idx1-ubyte.gz"
    images_bytes, labels_bytes = images.read_bytes(), labels.read_bytes()
    images.write_bytes(labels_bytes)
    labels.write_bytes(images_bytes)
    assert_load_refused(folder, match="expected 2051 for images", naming=images)


def test_images_and_labels_of_different_counts_are_an_error(places):
    folder = places["tmp"] / "mismatched"
    write_dataset(folder, per_class=1)
    labels = folder / "t10k-labels-idx1-ubyte.gz"
    labels.write_bytes(gzip.compress(encode_idx(np.arange(9, dtype=np.uint8))))
    assert_load_refused(folder, match="10 images but .* holds 9 labels", naming=labels)


def test_labels_outside_the_ten_classes_are_an_error(places):
    folder = places["tmp"] / "bad-labels"
    write_dataset(folder, per_class=1)
    labels = folder / "train-labels-idx1-ubyte.gz"
    labels.write_bytes(gzip.compress(encode_idx(np.full(10, 12, dtype=np.uint8))))
    assert_load_refused(folder, match="label 12", naming=labels)


def test_images_of_another_size_are_an_error(places):
    folder = places["tmp"] / "big-images"
    write_dataset(folder, per_class=1)
    images = folder / "train-images-idx3-ubyte.gz"
    images.write_bytes(gzip.compress(encode_idx(np.zeros((10, 32, 32), dtype=np.uint8))))
    with pytest.raises(DataError, match=r"28x28 images: its shape is \(10, 32, 32\)"):
        load_fashion_mnist(folder)


def test_data_error_is_a_value_error():
    assert issubclass(DataError, ValueError)


def test_read_idx_reads_plain_and_gzipped_files_alike(tmp_path):
    labels = np.array([3, 1, 4, 1, 5], dtype=np.uint8)
    (tmp_path / "plain").write_bytes(encode_idx(labels))
    (tmp_path / "packed").write_bytes(gzip.compress(encode_idx(labels)))
    np.testing.assert_array_equal(read_idx(tmp_path / "plain"), labels)
    np.testing.assert_array_equal(read_idx(tmp_path / "packed", data.LABELS_MAGIC), labels)


# --- helpers for training and the UI -----------------------------------------------------------


def test_stratified_subset_takes_the_first_images_of_each_class_in_turn():
    labels = np.array([2, 0, 0, 1, 2, 0, 1, 1, 2, 0], dtype=np.uint8)
    images = np.arange(len(labels))  # each "image" is its own index
    chosen, chosen_labels = stratified_subset(images, labels, 5, seed=None)
    # Two of classes 0 and 1 (the lowest labels take the remainder), one of class 2.
    assert chosen.tolist() == [0, 1, 2, 3, 6]
    np.testing.assert_array_equal(chosen_labels, labels[chosen])


def test_stratified_subset_is_balanced_nested_and_deterministic():
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 10, size=500).astype(np.uint8)
    images = np.arange(500)
    small, small_labels = stratified_subset(images, labels, 50, seed=None)
    large, _ = stratified_subset(images, labels, 120, seed=None)
    assert np.bincount(small_labels, minlength=10).tolist() == [5] * 10
    assert set(small) <= set(large)
    shuffled, shuffled_labels = stratified_subset(images, labels, 50, seed=7)
    again, _ = stratified_subset(images, labels, 50, seed=7)
    assert shuffled.tolist() == again.tolist()
    assert shuffled.tolist() != small.tolist() and sorted(shuffled) == sorted(small)
    np.testing.assert_array_equal(shuffled_labels, labels[shuffled])


def test_stratified_subset_gives_a_short_class_share_to_the_others():
    labels = np.array([0] * 10 + [1] * 2, dtype=np.uint8)
    _, chosen_labels = stratified_subset(np.arange(12), labels, 8, seed=None)
    assert np.bincount(chosen_labels).tolist() == [6, 2]
    everything, _ = stratified_subset(np.arange(12), labels, 100, seed=None)
    assert everything.tolist() == list(range(12))
    with pytest.raises(ValueError, match="at least 1"):
        stratified_subset(np.arange(12), labels, 0)


def test_to_model_input_scales_to_unit_range_with_a_channel_axis():
    images = np.array([[[0, 255], [51, 102]]], dtype=np.uint8)
    model_input = to_model_input(images)
    assert model_input.dtype == np.float32
    assert model_input.shape == (1, 2, 2, 1)
    np.testing.assert_allclose(model_input[0, :, :, 0], [[0.0, 1.0], [0.2, 0.4]], rtol=1e-6)
    with pytest.raises(ValueError, match="expected images shaped"):
        to_model_input(images[0])


def fashion_choices():
    """The form's Fashion-MNIST choices; MNIST, CIFAR-10 and a folder of pictures follow them (test_datasets.py)."""
    choices = data.data_choices()
    fashion = [choice for choice in choices if choice.dataset == "fashion-mnist"]
    assert choices[: len(fashion)] == fashion
    return fashion


def test_data_choices_put_a_full_copy_first_and_the_download_last(tmp_path, monkeypatch):
    from visualizer.training import data

    monkeypatch.setattr(data, "KERAS_CACHE_DIR", tmp_path / "no-keras-cache")
    monkeypatch.setattr(data, "DEBIAN_DIR", tmp_path / "no-debian")
    monkeypatch.delenv(data.DATA_DIR_ENV, raising=False)
    offline = fashion_choices()
    assert [c.is_subset for c in offline] == [True, False]
    assert offline[1].data_dir is None and offline[1].allow_download

    full = tmp_path / "fashion"
    full.mkdir()
    for name in data.FILE_NAMES.values():
        (full / (name + ".gz")).write_bytes(b"")  # only the names are checked here
    monkeypatch.setenv(data.DATA_DIR_ENV, str(full))
    found = fashion_choices()
    assert found[0].data_dir == str(full) and not found[0].allow_download
    assert str(full) in found[0].title
    assert [c.is_subset for c in found] == [False, True]  # no download offered beside a full copy


def test_a_named_data_folder_without_the_files_stays_first_and_says_so(tmp_path, monkeypatch):
    """`--data` with a typo must not quietly train on the bundled subset instead."""
    from visualizer.training import data

    monkeypatch.setattr(data, "KERAS_CACHE_DIR", tmp_path / "no-keras-cache")
    monkeypatch.setattr(data, "DEBIAN_DIR", tmp_path / "no-debian")
    monkeypatch.setenv(data.DATA_DIR_ENV, str(tmp_path / "typo"))
    choices = fashion_choices()
    assert choices[0].data_dir == str(tmp_path / "typo")
    assert "without Fashion-MNIST" in choices[0].title
    assert [c.is_subset for c in choices[1:]] == [True, False]  # the subset, then the download
    assert choices[2].allow_download


def test_a_chosen_folder_is_checked_by_its_file_names(tmp_path):
    from visualizer.training.data import folder_problem

    assert "does not exist" in folder_problem(tmp_path / "nowhere")
    problem = folder_problem(tmp_path)
    assert "is incomplete" in problem and all(name + ".gz" in problem for name in data.FILE_NAMES.values())
    for name in data.FILE_NAMES.values():
        (tmp_path / name).write_bytes(b"")  # unpacked files count too; their contents are read by the run
    assert folder_problem(tmp_path) is None
