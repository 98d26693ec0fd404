"""Build resources/fashion-mnist-subset/: a small stratified sample of the genuine Fashion-MNIST.

    python -m tests.tools.make_subset [SOURCE_FOLDER]

SOURCE_FOLDER holds the four standard files (default: ../shared/data/fashion-mnist from the
repository root). The sample is the first 200 images of each class from the training set and the
first 100 of each class from the test set, in data-set order, written as the same four IDX .gz
files so the app's one parser reads them. The gzip timestamps are zeroed, so running the script
again on the same data gives byte-identical files.
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

import numpy as np

from visualizer.training.data import (
    BUNDLED_DIR,
    FILE_NAMES,
    IMAGES_MAGIC,
    LABELS_MAGIC,
    load_folder,
    stratified_subset,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SOURCE = REPO_ROOT.parent / "shared" / "data" / "fashion-mnist"
TRAIN_COUNT = 2000
TEST_COUNT = 1000


def encode_idx(array: np.ndarray) -> bytes:
    """The IDX bytes of a uint8 array: magic 2051 for (N, H, W) images, 2049 for (N,) labels."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    magic = {3: IMAGES_MAGIC, 1: LABELS_MAGIC}[array.ndim]
    header = magic.to_bytes(4, "big") + np.asarray(array.shape, dtype=">u4").tobytes()
    return header + array.tobytes()


def write_idx_gz(path: Path, array: np.ndarray) -> None:
    """Write a gzipped IDX file with a zero timestamp, so identical data gives identical bytes."""
    path.write_bytes(gzip.compress(encode_idx(array), compresslevel=9, mtime=0))


def main(argv: list[str]) -> None:
    source = Path(argv[0]) if argv else DEFAULT_SOURCE
    data = load_folder(source)
    parts = {
        "train": stratified_subset(data.train_images, data.train_labels, TRAIN_COUNT, seed=None),
        "test": stratified_subset(data.test_images, data.test_labels, TEST_COUNT, seed=None),
    }
    BUNDLED_DIR.mkdir(parents=True, exist_ok=True)
    for split, (images, labels) in parts.items():
        write_idx_gz(BUNDLED_DIR / (FILE_NAMES[f"{split}_images"] + ".gz"), images)
        write_idx_gz(BUNDLED_DIR / (FILE_NAMES[f"{split}_labels"] + ".gz"), labels)
    for path in sorted(BUNDLED_DIR.glob("*.gz")):
        print(f"{path.name}: {path.stat().st_size:,} bytes")


if __name__ == "__main__":
    main(sys.argv[1:])
