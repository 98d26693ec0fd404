"""The Keras callback of a training run: reports progress and probe snapshots at limited rates,
and obeys pause, stop and probe-image changes between batches. Imports Keras: use it from run()."""

from __future__ import annotations

import math
import time

import keras

from visualizer.training.data import to_model_input
from visualizer.training.events import BatchEnd, EpochEnd

BATCH_EVENT_INTERVAL_S = 0.1  # BatchEnd at most 10 times a second (first and last batch always)
PAUSE_POLL_S = 0.1  # how often a paused run looks for a stop or a new probe image


class LiveCallback(keras.callbacks.Callback):
    """Emits BatchEnd, ProbeSnapshot and EpochEnd events; pauses, stops and follows the probe.

    It reads the model through ``self._model`` except when probing: on JAX, the ``self.model``
    property copies the training state back into the layers, which is worth its cost only then.
    """

    def __init__(
        self,
        *,
        config,
        on_event,
        control,
        probe,
        probe_images,
        probe_labels,
        steps_per_epoch: int,
        train_count: int,
    ):
        super().__init__()
        self._config = config
        self._emit = on_event
        self._control = control
        self._probe = probe  # a probes.Probe, or None for no snapshots at all
        self._probe_images = probe_images  # uint8 (N, 28, 28): the test split, as loaded
        self._probe_labels = probe_labels
        self._steps = steps_per_epoch
        self._train_count = train_count
        self._probe_interval = 1.0 / config.probe_rate_hz
        self._probe_index_shown: int | None = None
        self._started = time.perf_counter()
        self._paused_s = 0.0
        self._epoch = 0
        self._epoch_started = self._started
        self._epoch_paused_s = 0.0
        self._batches_done = 0
        self._last_batch_event = -math.inf
        self._last_probe = -math.inf
        self.stopped_early = False
        self.epochs_completed = 0
        self.last_epoch: EpochEnd | None = None  # the last epoch's metrics, once one has ended

    def elapsed_s(self) -> float:
        """Seconds of training so far, pauses left out."""
        return time.perf_counter() - self._started - self._paused_s

    def _current_probe_index(self) -> int:
        chosen = self._control.probe_index()
        index = self._config.probe_index if chosen is None else chosen
        return index % len(self._probe_labels)

    def _probe_image(self, index: int):
        return to_model_input(self._probe_images[index : index + 1])[0]

    def _send_probe(self, *, end_of_epoch: bool = False, compiled: bool = True) -> None:
        if self._probe is None:  # a run without probes (the command line shows none)
            return
        index = self._current_probe_index()
        image = self._probe_image(index)
        self.model  # noqa: B018 - on JAX, reading the property puts the current weights in the layers
        self._emit(
            self._probe.snapshot(
                image,
                int(self._probe_labels[index]),
                probe_index=index,
                epoch=self._epoch,
                batch=self._batches_done,
                end_of_epoch=end_of_epoch,
                compiled=compiled,
            )
        )
        self._probe_index_shown = index
        self._last_probe = time.perf_counter()

    def send_first_probe(self) -> None:
        """The untrained network (epoch 0, batch 0), sent before training starts: read eagerly, so
        that it is on screen while the probe's predict function compiles, a one-off cost kept out
        of the first batch."""
        self._send_probe(compiled=False)
        if self._probe is not None:
            self._probe.compile_now(self._probe_image(self._probe_index_shown))

    def on_train_begin(self, logs=None):
        self._started = time.perf_counter()

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch + 1
        self._batches_done = 0
        self._epoch_started = time.perf_counter()
        self._epoch_paused_s = 0.0

    def on_train_batch_begin(self, batch, logs=None):
        if not self._control.is_paused():
            return
        paused_at = time.perf_counter()
        while not self._control.wait_while_paused(PAUSE_POLL_S):
            if self._current_probe_index() != self._probe_index_shown:
                self._send_probe()  # people may look at other images while paused
        paused = time.perf_counter() - paused_at
        self._paused_s += paused
        self._epoch_paused_s += paused

    def on_train_batch_end(self, batch, logs=None):
        self._batches_done = batch + 1
        now = time.perf_counter()
        if self._control.stop_requested() and not self.stopped_early:
            self._model.stop_training = True
            self.stopped_early = True
        # Always report the first and last batch, and the one after which the run stops (asked to,
        # or stopped by another callback that came first, such as divergence.StopOnDivergence).
        always = self._batches_done in (1, self._steps) or self.stopped_early or self._model.stop_training
        if always or now - self._last_batch_event >= BATCH_EVENT_INTERVAL_S:
            self._last_batch_event = now
            active_s = max(now - self._epoch_started - self._epoch_paused_s, 1e-9)
            images = min(self._batches_done * self._config.batch_size, self._train_count)
            self._emit(
                BatchEnd(
                    epoch=self._epoch,
                    batch=self._batches_done,
                    steps_per_epoch=self._steps,
                    loss=float(logs["loss"]),
                    accuracy=float(logs["accuracy"]),
                    images_per_second=images / active_s,
                    elapsed_s=self.elapsed_s(),
                )
            )
        probe_changed = self._current_probe_index() != self._probe_index_shown
        if probe_changed or now - self._last_probe >= self._probe_interval:
            self._send_probe()

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        if self._batches_done == self._steps:
            self.epochs_completed += 1
        self.last_epoch = EpochEnd(
            epoch=self._epoch,
            loss=float(logs["loss"]),
            accuracy=float(logs["accuracy"]),
            val_loss=float(logs["val_loss"]),
            val_accuracy=float(logs["val_accuracy"]),
            elapsed_s=self.elapsed_s(),
        )
        self._emit(self.last_epoch)
        self._send_probe(end_of_epoch=True)
