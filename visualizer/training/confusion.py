"""The Keras callback that reports the confusion matrix of a run's test part at each epoch's end.

A fixed sample of the test part, balanced across classes and at most ``SAMPLE_LIMIT`` images, is
predicted at each epoch's end. The whole part would be a second pass as long as Keras's own
validation (about 5 % of an epoch of the seed's CNN on Fashion-MNIST on two CPU cores); the sample
took 0.2 to 0.7 s of epochs of 70 to 110 s there (0.3 to 1 %, the most in the first epoch, which
compiles the call). Keras's validation pass cannot give its predictions without changing the
model's compiled metrics, which would go into the saved model. The sample's
pictures go to the window once, as training begins (ConfusionSample), so that it can show the
images of a cell; then each epoch sends one small integer per image (EpochConfusion).
Imports Keras: use it from run().
"""

from __future__ import annotations

import math
from collections.abc import Callable

import keras
import numpy as np

from visualizer.training.data import stratified_subset, to_model_input
from visualizer.training.events import ConfusionSample, EpochConfusion, prediction_dtype
from visualizer.training.tensors import compiled_call

SAMPLE_LIMIT = 1000  # test images counted in the matrix: 100 per class for Fashion-MNIST
PICTURE_MAX_SIDE = 48  # pictures sent for display are shrunk below this (a 64x64 photo to 32x32)


def sample_indices(labels: np.ndarray, count: int) -> np.ndarray:
    """``count`` positions in the test split, balanced across classes: each class's first images
    in data-set order, as data.stratified_subset takes them, so that the sample lies within any
    ``test_limit`` subset of at least ``count`` images. Sorted."""
    labels = np.asarray(labels)
    count = min(count, len(labels))
    if count < 1:
        return np.zeros(0, np.int64)
    positions, _ = stratified_subset(np.arange(len(labels)), labels, count, seed=None)
    return np.sort(positions)


def shrunk_for_display(images: np.ndarray, max_side: int = PICTURE_MAX_SIDE) -> np.ndarray:
    """uint8 (N, H, W[, C]) images made smaller by a whole factor (each pixel the mean of a square
    of them) until the longest side is below ``max_side``; small images are returned as they are."""
    height, width = images.shape[1:3]
    factor = math.ceil(max(height, width) / max_side) if max(height, width) >= max_side else 1
    if factor <= 1:
        return images
    rows, columns = height // factor, width // factor
    cropped = images[:, : rows * factor, : columns * factor].astype(np.float32)
    blocks = cropped.reshape(len(images), rows, factor, columns, factor, *images.shape[3:])
    return np.round(blocks.mean(axis=(2, 4))).astype(np.uint8)


class ConfusionCallback(keras.callbacks.Callback):
    """Emits the run's ConfusionSample as training begins and an EpochConfusion at each epoch's end
    (an epoch that Stop cut short too: Keras closes it all the same).

    ``test_images`` and ``test_labels`` are the test split as loaded (probe indices count in it);
    ``test_count`` the images of it the run tests on (its ``test_limit``), which the sample lies within.
    """

    def __init__(self, *, on_event: Callable[[object], None], test_images: np.ndarray, test_labels: np.ndarray,
                 test_count: int, class_count: int, batch_size: int, limit: int = SAMPLE_LIMIT) -> None:
        super().__init__()
        self._emit = on_event
        self._batch_size = batch_size
        self._dtype = prediction_dtype(class_count)
        indices = sample_indices(test_labels, min(limit, test_count))
        images = np.asarray(test_images)[indices]
        self._inputs = to_model_input(images)
        self.sample = ConfusionSample(
            indices=indices,
            labels=np.asarray(test_labels)[indices].astype(np.int64),
            pictures=shrunk_for_display(images),
            test_count=int(test_count),
        )
        self._epoch = 0

    @classmethod
    def for_run(cls, config, data, on_event: Callable[[object], None]) -> ConfusionCallback:
        """The callback of a run of ``config`` on ``data`` (run.PreparedData)."""
        return cls(on_event=on_event, test_images=data.full.test_images, test_labels=data.full.test_labels,
                   test_count=len(data.y_test), class_count=len(data.full.class_names), batch_size=config.batch_size)

    def on_train_begin(self, logs=None):
        self._emit(self.sample)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch + 1

    def on_epoch_end(self, epoch, logs=None):
        model = self.model  # on JAX, reading the property puts the trained weights into the layers
        backend = keras.backend.backend()
        # In batches of the run's size, which the training already fits in memory; compiled_call
        # skips the data pipeline that model.predict builds on every call.
        predicted = np.concatenate([
            np.argmax(compiled_call(model, self._inputs[start : start + self._batch_size], backend)[0], axis=-1)
            for start in range(0, len(self._inputs), self._batch_size)
        ] or [np.zeros(0, np.int64)]).astype(self._dtype)
        predicted.setflags(write=False)
        self._emit(EpochConfusion(epoch=self._epoch, predicted=predicted))
