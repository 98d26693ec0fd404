"""The Keras callback that reports a run's progress: BatchEnd at most ``BATCH_EVENT_INTERVAL_S``
apart (the first and last batch of an epoch and the one the run stops after always) and EpochEnd
at each epoch's end. Imports Keras: use it from run().

The loss and accuracy of a batch are read only when its BatchEnd is sent, never on every batch:
reading a value waits for its batch to finish and stops Keras dispatching the next one ahead.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import keras

from visualizer.training.events import BatchEnd, EpochEnd

BATCH_EVENT_INTERVAL_S = 0.1  # BatchEnd at most 10 times a second (first and last batch always)


class RunClock:
    """The run's time with its pauses left out, shared by the callback that pauses the run
    (control.py, which adds each pause) and the one that reports progress."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.paused_s = 0.0

    def restart(self) -> None:
        self.started = time.perf_counter()

    def add_pause(self, seconds: float) -> None:
        self.paused_s += seconds

    def elapsed_s(self) -> float:
        """Seconds of training so far, pauses left out."""
        return time.perf_counter() - self.started - self.paused_s


class ProgressCallback(keras.callbacks.Callback):
    """Emits BatchEnd and EpochEnd; keeps the last epoch's metrics and the complete epochs.

    A run stopped by another callback (asked to, or diverged) is seen through
    ``model.stop_training`` after the batch, or at the epoch's end if that callback came later in
    the list: the batch it stopped after is reported then, with the times it ended at."""

    def __init__(self, *, on_event: Callable[[object], None], clock: RunClock, batch_size: int,
                 steps_per_epoch: int, train_count: int, epochs_done: int = 0) -> None:
        super().__init__()
        self._emit = on_event
        self._clock = clock
        self._batch_size = batch_size
        self._steps = steps_per_epoch
        self._train_count = train_count
        self._epoch = 0
        self._epoch_started = time.perf_counter()
        self._paused_before_epoch = 0.0
        self._batches_done = 0
        self._last_batch_event = -math.inf
        self._unreported: tuple | None = None  # (batch, logs, images/s, elapsed) of the last batch not sent
        self.epochs_completed = epochs_done
        self.last_epoch: EpochEnd | None = None  # the last epoch's metrics, once one has ended

    def on_train_begin(self, logs=None):
        self._clock.restart()

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch + 1
        self._batches_done = 0
        self._epoch_started = time.perf_counter()
        self._paused_before_epoch = self._clock.paused_s
        self._unreported = None

    def on_train_batch_end(self, batch, logs=None):
        self._batches_done = batch + 1
        now = time.perf_counter()
        # Reading self._model, not self.model: on JAX the property copies the weights back.
        always = self._batches_done in (1, self._steps) or self._model.stop_training
        active_s = max(now - self._epoch_started - (self._clock.paused_s - self._paused_before_epoch), 1e-9)
        images = min(self._batches_done * self._batch_size, self._train_count)
        self._unreported = (self._batches_done, logs, images / active_s, self._clock.elapsed_s())
        if always or now - self._last_batch_event >= BATCH_EVENT_INTERVAL_S:
            self._last_batch_event = now
            self._send_unreported()

    def report_held_batch(self) -> None:
        """Send the last batch done if the rate limit held it back: a paused run shows where it is."""
        if self._unreported is not None:
            self._send_unreported()

    def _send_unreported(self) -> None:
        batch, logs, images_per_second, elapsed_s = self._unreported
        self._unreported = None
        self._emit(
            BatchEnd(
                epoch=self._epoch,
                batch=batch,
                steps_per_epoch=self._steps,
                loss=float(logs["loss"]),
                accuracy=float(logs["accuracy"]),
                images_per_second=images_per_second,
                elapsed_s=elapsed_s,
            )
        )

    def on_epoch_end(self, epoch, logs=None):
        if self._unreported is not None and self._model.stop_training:
            self._send_unreported()  # stopped by a callback after this one in the list
        logs = dict(logs or {})
        if self._batches_done == self._steps:
            self.epochs_completed += 1
        self.last_epoch = EpochEnd(
            epoch=self._epoch,
            loss=float(logs["loss"]),
            accuracy=float(logs["accuracy"]),
            val_loss=float(logs["val_loss"]),
            val_accuracy=float(logs["val_accuracy"]),
            elapsed_s=self._clock.elapsed_s(),
        )
        self._emit(self.last_epoch)
