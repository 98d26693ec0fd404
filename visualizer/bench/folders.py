"""The user's own pictures: a folder of colour pictures in class sub-folders, made up here (each
class a colour and a shape, with noise, so that a network can learn them), read as the app reads
one (``folder_load_s``, and the reading process's memory: ``folder_load_peak_mb`` above what it
held before), and trained on CIFAR-10-shaped (32x32x3) by the training page against plain
model.fit (``train_ratio_rgb``, see training.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

CLASSES = 10
SIDE = 32

LOAD_SCRIPT = """
import json, sys, time
from visualizer.bench.live_training import peak_rss_mb
import os
from visualizer.training.image_folder import load_image_folder_dataset
before = peak_rss_mb(os.getpid())
started = time.perf_counter()
data = load_image_folder_dataset(sys.argv[1])
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "peak_mb": peak_rss_mb(os.getpid()) - before,
                  "pictures": len(data.train_labels) + len(data.test_labels), "shape": list(data.train_images.shape[1:])}))
"""


def _picture(label: int, rng: np.random.Generator) -> np.ndarray:
    """A SIDE x SIDE colour picture of class ``label``: its own colour of square at a random place,
    on a noisy background."""
    hue = np.array([np.cos(label), np.cos(label + 2.1), np.cos(label + 4.2)]) * 100 + 128
    picture = rng.normal(128, 30, (SIDE, SIDE, 3))
    size = 8 + label % 4 * 3
    top, left = rng.integers(0, SIDE - size, 2)
    picture[top : top + size, left : left + size] = hue + rng.normal(0, 10, 3)
    return np.clip(picture, 0, 255).astype(np.uint8)


def write_colour_folder(root: Path, count: int, seed: int = 0) -> Path:
    """``count`` PNG pictures in CLASSES sub-folders of ``root`` (written in parallel); returns root."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    labels = np.arange(count) % CLASSES
    seeds = rng.integers(0, 2**32, count)
    for label in range(CLASSES):
        (root / f"class_{label}").mkdir(parents=True, exist_ok=True)

    def write(index: int) -> None:
        label = int(labels[index])
        picture = _picture(label, np.random.default_rng(seeds[index]))
        Image.fromarray(picture).save(root / f"class_{label}" / f"{index:06d}.png")

    with ThreadPoolExecutor() as pool:
        list(pool.map(write, range(count)))
    return root


def measure_folder_load(folder: Path) -> dict:
    """Read ``folder`` as a training run does, in a fresh process: seconds, and the memory the
    reading took (VmHWM after, less VmHWM before, in MB)."""
    result = subprocess.run([sys.executable, "-c", LOAD_SCRIPT, str(folder)], capture_output=True, text=True,
                            timeout=1800)
    if result.returncode != 0:
        raise RuntimeError(f"reading the folder failed:\n{result.stderr[-3000:]}")
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    return {"folder_load_s": figures["seconds"], "folder_load_peak_mb": figures["peak_mb"],
            "folder_pictures": figures["pictures"], "folder_shape": figures["shape"]}
