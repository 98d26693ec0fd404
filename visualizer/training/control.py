"""The Keras callback that obeys whoever steers a run (run.RunControl): it waits between batches
while the run is paused and stops the run after the batch under way when asked to. Imports Keras:
use it from run()."""

from __future__ import annotations

import time
from collections.abc import Callable

import keras

PAUSE_POLL_S = 0.1  # how often a paused run looks for a stop or a new probe image


class RunClock:
    """A run's time with its pauses left out, shared by the callback that pauses the run (which
    adds each pause) and the one that reports progress."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.paused_s = 0.0

    def restart(self) -> None:
        self.started = time.perf_counter()

    def add_pause(self, seconds: float) -> None:
        self.paused_s += seconds

    def elapsed_s(self) -> float:
        """Seconds of training so far, pauses left out."""
        return self.elapsed_at(time.perf_counter())

    def elapsed_at(self, moment: float) -> float:
        """Seconds of training up to ``moment`` (a time.perf_counter() reading), pauses left out."""
        return moment - self.started - self.paused_s


class ControlCallback(keras.callbacks.Callback):
    """Pauses and stops the run as ``control`` says; each pause is added to ``clock``.
    ``on_pause`` is called once as a pause begins (e.g. to report the batch the run holds at, which
    the rate limits may have left unsaid), ``while_paused`` every ``PAUSE_POLL_S`` of a pause (e.g.
    to follow the probe image chosen meanwhile). ``stopped_early`` says whether the run was stopped
    on request."""

    def __init__(self, *, control, clock: RunClock, while_paused: Callable[[], None] | None = None,
                 on_pause: Callable[[], None] | None = None) -> None:
        super().__init__()
        self._control = control
        self._clock = clock
        self._while_paused = while_paused
        self._on_pause = on_pause
        self.stopped_early = False

    def on_train_batch_begin(self, batch, logs=None):
        if not self._control.is_paused():
            return
        paused_at = time.perf_counter()
        if self._on_pause is not None:
            self._on_pause()
        while not self._control.wait_while_paused(PAUSE_POLL_S):
            if self._while_paused is not None:
                self._while_paused()
        self._clock.add_pause(time.perf_counter() - paused_at)

    def on_train_batch_end(self, batch, logs=None):
        if self._control.stop_requested() and not self.stopped_early:
            self._model.stop_training = True  # self._model: on JAX the property copies the weights back
            self.stopped_early = True
