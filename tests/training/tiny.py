"""Tiny training settings shared by the training tests: a few dozen images, one epoch, so that a
whole run takes a second or two. The images are the bundled Fashion-MNIST subset."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

from visualizer.training.config import TrainConfig
from visualizer.training.data import BUNDLED_DIR

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = str(BUNDLED_DIR)
BACKENDS = ("tensorflow", "jax", "torch")


def tiny_config(**changes) -> TrainConfig:
    settings = dict(
        epochs=1,
        batch_size=8,
        train_limit=64,
        test_limit=32,
        data_dir=DATA_DIR,
        allow_download=False,
        seed=1,
    )
    settings.update(changes)
    return TrainConfig(**settings)


def backend_installed(backend: str) -> bool:
    return importlib.util.find_spec(backend) is not None


def run_python(code: str, *, backend: str = "tensorflow", timeout: float = 240) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter from the repository root with KERAS_BACKEND set
    (the backend is fixed when Keras is first imported, so each backend needs its own process)."""
    import os

    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


def types_of(events) -> list[str]:
    return [type(event).__name__ for event in events]




def record_tiny_run(path: Path, **changes) -> list:
    """Train ``tiny_config(**changes)`` here, saving the model with its recording as ``path``;
    returns every event the run reported (the last is its RunFinished)."""
    from visualizer.training.events import RunFinished
    from visualizer.training.run import run

    events: list = []
    result = run(tiny_config(**changes), events.append, save_to=path)
    if not isinstance(result, RunFinished):
        raise AssertionError(getattr(result, "traceback", result))
    return events


def copy_archive(source: Path, target: Path, change) -> Path:
    """A copy of the .keras (zip) archive ``source`` with each entry's bytes passed through
    ``change(name, data)``; where it returns None the entry is left out."""
    import zipfile

    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w") as copy:
        for info in original.infolist():
            data = change(info.filename, original.read(info))
            if data is not None:
                copy.writestr(info, data)
    return target
