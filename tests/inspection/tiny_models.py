"""Tiny Keras classifiers for the inspector's tests: a few filters and a small Dense, each built
in well under a second, covering the shapes and structures the loader must handle."""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
from keras import layers


def conv_stack(input_shape=(28, 28, 1), classes=10, final_activation="softmax", name="tiny_cnn"):
    """Conv - MaxPool - Conv - Flatten - Dense, channels last, with an Input."""
    keras.utils.set_random_seed(1)
    return keras.Sequential(
        [
            keras.Input(shape=input_shape),
            layers.Conv2D(3, 3, activation="relu", name="conv1"),
            layers.MaxPooling2D(2, name="pool1"),
            layers.Conv2D(4, 3, activation="relu", name="conv2"),
            layers.Flatten(name="flatten"),
            layers.Dense(classes, activation=final_activation, name="output"),
        ],
        name=name,
    )


def save(model, folder: Path, name: str) -> Path:
    path = folder / name
    model.save(path)
    return path


def images(shape, count=4, seed=0) -> np.ndarray:
    """Random float32 model inputs of ``shape`` (one image) in [0, 1]."""
    return np.random.default_rng(seed).uniform(0.0, 1.0, (count, *shape)).astype("float32")


REPO_ROOT = Path(__file__).resolve().parents[2]


def gradient_check() -> dict:
    """The pixel gradient of a tiny CNN, on the current Keras backend, beside finite differences of
    its logits (which need no gradient code at all), and the shape of its Grad-CAM map."""
    import tempfile

    from visualizer.inspection.loader import load_classifier
    from visualizer.inspection.model import ModelReader
    from visualizer.inspection.saliency import Saliency

    path = Path(tempfile.mkdtemp()) / "cnn.keras"
    conv_stack(input_shape=(12, 12, 1), classes=3).save(path)
    loaded = load_classifier(path)
    saliency, reader = Saliency(loaded), ModelReader(loaded)
    image = images((12, 12, 1), count=1)[0].astype("float64")
    gradient = saliency.pixel_gradient(image, 1)
    step, rows = 1e-2, []
    for y, x in [(3, 4), (6, 6), (8, 2)]:
        up, down = image.copy(), image.copy()
        up[y, x, 0] += step
        down[y, x, 0] -= step
        logits = reader.logits(np.stack([up, down]).astype("float32"))
        rows.append([float(gradient.raw[y, x]), abs(float(logits[0, 1] - logits[1, 1]) / (2 * step))])
    cam = saliency.grad_cam(image.astype("float32"), 1)
    return {"backend": keras.backend.backend(), "rows": rows, "cam": list(cam.raw.shape)}


def predict_or_skip(model, batch: np.ndarray) -> np.ndarray:
    """``model.predict(batch)``, or the test is skipped where the Keras backend cannot run the model
    at all: TensorFlow 2.21 with Keras 3.15 on the CPU refuses channels_first convolutions ("Conv2D
    op currently only supports the NHWC tensor format"), so there is nothing to inspect."""
    import pytest

    try:
        return model.predict(batch, verbose=0)
    except Exception as error:  # noqa: BLE001 - the backend's own refusal, whatever its type
        pytest.skip(f"this Keras backend cannot run the model here ({type(error).__name__})")
