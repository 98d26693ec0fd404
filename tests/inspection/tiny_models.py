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


COLOURS = ("blue", "green", "red")  # sorted, as a test folder's sub-folders are


def range_sensitive_colour_model(order=COLOURS, name="colour_by_darkness"):
    """A 32x32x3 classifier of a picture's main colour that is right only on pixels in [-1, 1]: it
    looks at how far below zero each channel goes (ReLU(-x)), which pixels in [0, 1] or [0, 255]
    never do, so under those ranges it answers its first class for everything. Its classes are
    ``order``, names of COLOURS."""
    channel = {"red": 0, "green": 1, "blue": 2}
    model = keras.Sequential(
        [
            keras.Input((32, 32, 3)),
            layers.Conv2D(3, 1, activation="relu", name="darkness"),
            layers.GlobalAveragePooling2D(name="mean_darkness"),
            layers.Dense(len(order), activation="softmax", name="output"),
        ],
        name=name,
    )
    model.get_layer("darkness").set_weights([-np.eye(3).reshape(1, 1, 3, 3), np.zeros(3)])
    dense = np.zeros((3, len(order)))
    for index, colour in enumerate(order):
        dense[channel[colour], index] = -10.0  # a class is likely where its own channel is not dark
    model.get_layer("output").set_weights([dense, np.zeros(len(order))])
    return model


def colour_photo_folder(root: Path, per_class: int = 4, size: int = 40, seed: int = 0) -> Path:
    """A test folder of synthetic colour photographs, one sub-folder per colour of COLOURS: a
    textured ground of the colour with a darker disc on it (as a black helmet on a photo)."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[0:size, 0:size]
    for colour in COLOURS:
        folder = root / colour
        folder.mkdir(parents=True)
        main = {"red": 0, "green": 1, "blue": 2}[colour]
        for number in range(per_class):
            picture = rng.uniform(0, 50, (size, size, 3))
            picture[..., main] = rng.uniform(170, 255, (size, size))
            centre = rng.uniform(size * 0.3, size * 0.7, 2)
            disc = (rows - centre[0]) ** 2 + (cols - centre[1]) ** 2 < (size * 0.2) ** 2
            picture[disc] *= 0.35
            Image.fromarray(picture.astype(np.uint8)).save(folder / f"{colour}-{number}.png")
    return root
