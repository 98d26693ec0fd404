"""The Keras callback that sends probe snapshots (probes.py) of a run: the untrained network before
training, then about ``config.probe_rate_hz`` a second, at once when another probe image is
chosen, and at each epoch's end. Imports Keras: use it from run()."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import keras

from visualizer.training.data import to_model_input


class ProbeCallback(keras.callbacks.Callback):
    """Emits ProbeSnapshot events of ``probe`` (a probes.Probe) for the image that ``control``
    (run.RunControl) has chosen, or the config's.

    It reads the model through ``self._model`` except when probing: on JAX, the ``self.model``
    property copies the training state back into the layers, which is worth its cost only then.
    """

    def __init__(self, *, config, on_event: Callable[[object], None], control, probe, probe_images, probe_labels,
                 steps_per_epoch: int) -> None:
        super().__init__()
        self._steps = steps_per_epoch
        self._config = config
        self._emit = on_event
        self._control = control
        self._probe = probe
        self._probe_images = probe_images  # uint8 (N, 28, 28): the test split, as loaded
        self._probe_labels = probe_labels
        self._probe_interval = 1.0 / config.probe_rate_hz
        self._probe_index_shown: int | None = None
        self._last_probe = -math.inf
        self._epoch = 0
        self._batches_done = 0
        self._trained = 0  # batches trained so far in this run: the weights' state
        self._trained_shown = -1  # the weights' state of the last snapshot sent

    def _current_probe_index(self) -> int:
        chosen = self._control.probe_index()
        index = self._config.probe_index if chosen is None else chosen
        return index % len(self._probe_labels)

    def _probe_image(self, index: int):
        return to_model_input(self._probe_images[index : index + 1])[0]

    def _send_probe(self, *, end_of_epoch: bool = False, compiled: bool = True) -> None:
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
                steps_per_epoch=self._steps,
                compiled=compiled,
            )
        )
        self._probe_index_shown = index
        self._trained_shown = self._trained
        self._last_probe = time.perf_counter()

    def send_first_probe(self) -> None:
        """The untrained network (epoch 0, batch 0), sent before training starts: read eagerly, so
        that it is on screen while the probe's predict function compiles, a one-off cost kept out
        of the first batch."""
        self._send_probe(compiled=False)
        self._probe.compile_now(self._probe_image(self._probe_index_shown))

    def follow_choice(self) -> None:
        """Send a snapshot if another probe image has been chosen (called while the run is paused,
        so that people may look at other images meanwhile)."""
        if self._current_probe_index() != self._probe_index_shown:
            self._send_probe()

    def catch_up(self) -> None:
        """Send a snapshot if batches were trained since the last one (called as a pause begins,
        so that the maps and kernels show the weights the run holds, at the batch progress says)."""
        if self._trained != self._trained_shown:
            self._send_probe()

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch + 1
        self._batches_done = 0

    def on_train_batch_end(self, batch, logs=None):
        self._batches_done = batch + 1
        self._trained += 1
        if time.perf_counter() - self._last_probe >= self._probe_interval:
            self._send_probe()
        else:
            self.follow_choice()

    def on_epoch_end(self, epoch, logs=None):
        self._send_probe(end_of_epoch=True)
