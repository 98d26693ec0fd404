"""Plain ``model.fit`` on the app's model and data, in a spawned child, as the baseline of the
training speed: timed from on_train_begin to each epoch's end (validation included), the same
spans the app's run reports in its EpochEnd events."""

from __future__ import annotations

import multiprocessing
import os
import queue
import time

from visualizer.training.config import TrainConfig


def _plain_fit(config: TrainConfig, synchronous: bool, niceness: int, results) -> None:
    """In a child process: plain model.fit, timed from on_train_begin to each epoch's end.

    Keras runs batch callbacks on a thread pool unless some callback has a batch hook (as the
    progress bar and the app's callback do); ``synchronous`` adds an empty batch hook to measure
    that way of running too, since on a small CPU either may be the faster."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if niceness:
        os.nice(niceness)
    import keras

    from visualizer.training.models import build_model
    from visualizer.training.run import prepare_data

    data = prepare_data(config)

    class Timer(keras.callbacks.Callback):
        # No batch hooks: overriding one would change how Keras dispatches batch callbacks.
        def on_train_begin(self, logs=None):
            self.started = time.perf_counter()
            self.epoch_ends = []

        def on_epoch_end(self, epoch, logs=None):
            self.epoch_ends.append(time.perf_counter() - self.started)

    class EmptyBatchHook(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            pass

    if config.seed is not None:
        keras.utils.set_random_seed(config.seed)
    model = build_model(config, data.full.image_shape, len(data.full.class_names))
    timer = Timer()
    model.fit(
        data.x_train,
        data.y_train,
        batch_size=config.batch_size,
        epochs=config.epochs,
        validation_data=(data.x_test, data.y_test),
        shuffle=True,
        verbose=0,
        callbacks=[timer, EmptyBatchHook()] if synchronous else [timer],
    )
    results.put({"train_count": len(data.y_train), "epoch_ends": timer.epoch_ends})


def measure_plain(config: TrainConfig, synchronous: bool, niceness: int = 0) -> dict:
    """{"train_count", "epoch_ends"} of plain model.fit in a fresh spawned process whose priority
    is lowered by ``niceness`` (the app's training process runs lowered too)."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    child = context.Process(target=_plain_fit, args=(config, synchronous, niceness, results), daemon=True)
    child.start()
    try:
        deadline = time.monotonic() + 3600
        while time.monotonic() < deadline:
            try:
                return results.get(timeout=1)
            except queue.Empty:
                if not child.is_alive():  # it failed: its traceback is on stderr
                    raise RuntimeError(f"plain model.fit failed (exit code {child.exitcode})") from None
        raise TimeoutError("plain model.fit took more than an hour")
    finally:
        child.join(60)


def images_per_second(outcome: dict) -> float:
    """Training images per second over the whole run (every epoch, validation included)."""
    ends = outcome["epoch_ends"]
    return outcome["train_count"] * len(ends) / ends[-1]
