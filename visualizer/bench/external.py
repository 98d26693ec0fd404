"""A user's training script with LiveView, against the same script without it, each in a process
of its own as a user's script runs: ``external_ratio`` (the training page open, showing the run
and drawing its feature maps), ``external_hz`` (those frames drawn a second), and
``external_detached_ratio`` (LiveView with no window open), interleaved round by round; and
``window_cpu_cores``, the window process's CPU use while it draws the run. The script trains the
seed CNN for one epoch on the data the app finds first (Fashion-MNIST), with Keras's default
backend unless KERAS_BACKEND says otherwise."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

from visualizer.bench.live_training import median_or_none
from visualizer.bench.ticks import wait_until

SCRIPT = """
import json, sys, time
import keras
from visualizer.live import LiveView
from visualizer.training.config import TrainConfig
from visualizer.training.models import build_model
from visualizer.training.run import prepare_data

with_live_view, train_limit, test_limit = sys.argv[1] == "live", int(sys.argv[2]), int(sys.argv[3])
config = TrainConfig(epochs=1, train_limit=train_limit or None, test_limit=test_limit or None, seed=1)
data = prepare_data(config)
model = build_model(config)


class Timer(keras.callbacks.Callback):
    # From the beginning of batch WARM_UP (the step is compiled by then) to the epoch's end, the
    # validation pass included. A batch-begin hook changes nothing in how Keras dispatches batches.

    WARM_UP = 10

    def on_train_batch_begin(self, batch, logs=None):
        if batch == self.WARM_UP:
            self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds = time.perf_counter() - self.started


timer = Timer()
callbacks = [timer, LiveView(name="bench script")] if with_live_view else [timer]
model.fit(data.x_train, data.y_train, batch_size=32, epochs=1, validation_data=(data.x_test, data.y_test),
          verbose=0, callbacks=callbacks)
trained = len(data.y_train) - Timer.WARM_UP * 32
print(json.dumps({"images_per_second": trained / timer.seconds}))
"""


@dataclass(frozen=True)
class ScriptPlan:
    rounds: int = 3
    train_limit: int = 0  # 0: every training image
    test_limit: int = 0


def _start_script(live: bool, plan: ScriptPlan, runtime_dir: str) -> subprocess.Popen:
    env = {**os.environ, "XDG_RUNTIME_DIR": runtime_dir, "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.pop("QT_QPA_PLATFORM", None)
    arguments = ["live" if live else "plain", str(plan.train_limit), str(plan.test_limit)]
    return subprocess.Popen([sys.executable, "-c", SCRIPT, *arguments], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _rate(script: subprocess.Popen) -> float:
    out, err = script.communicate(timeout=3600)
    if script.returncode != 0:
        raise RuntimeError(f"the bench's training script failed:\n{err[-3000:]}")
    return json.loads(out.strip().splitlines()[-1])["images_per_second"]


def _run_alone(live: bool, plan: ScriptPlan, runtime_dir: str) -> float:
    return _rate(_start_script(live, plan, runtime_dir))


def _run_watched(app, page, plan: ScriptPlan, runtime_dir: str) -> tuple[float, float, float]:
    """The script with LiveView while ``page`` shows its run: (images/s, frames drawn a second while
    it trained, the window process's CPU use in cores meanwhile). As for the app's own run
    (live_hz), "while it trained" is the time its batches took (live_training.training_span): the
    validation pass after the last batch sends no pictures."""
    from visualizer.bench.live_training import record_frames, training_span

    drawn, cpu_at_draw = record_frames(page)
    connected = page.controller.connected_runs
    known = set(connected.runs)
    batch_reports: list[tuple[float, object]] = []
    on_frame = page.controller.on_frame

    def on_frame_recording_batches(frame) -> None:
        on_frame(frame)
        if connected.watching:
            batch_reports.extend((time.perf_counter(), batch) for batch in frame.batches)

    page.controller.on_frame = on_frame_recording_batches
    script = _start_script(True, plan, runtime_dir)

    def shown_until_it_ends() -> bool:
        new = set(connected.runs) - known
        if new and not connected.watching:
            connected.choose(new.pop())  # as a user picks it under Runs
        return script.poll() is not None

    try:
        # The window's own event loop, as in the app: its timers (the stream's polls, the pacing
        # of the drawings) fire on time, where processEvents() between sleeps made them wait.
        wait_until(shown_until_it_ends, timeout_s=3600, what="the training script")
        rate = _rate(script)
    finally:
        if script.poll() is None:
            script.kill()
        del page.maps_tab.show_snapshot
        del page.controller.on_frame
    connected.choose("")  # back to the app's own run, for the next round
    start, end = training_span(batch_reports)
    training = [index for index, at in enumerate(drawn) if start <= at <= end]
    if len(training) < 3:
        return rate, 0.0, float("nan")
    first, last = training[0], training[-1]
    span = drawn[last] - drawn[first]
    # CPU over the same span: the window receiving and drawing, not waiting for the script to start
    return rate, (last - first) / span, (cpu_at_draw[last] - cpu_at_draw[first]) / span


def measure_external(app, plan: ScriptPlan, log=print) -> dict:
    from visualizer.bench.live_training import make_page

    with tempfile.TemporaryDirectory() as watched_dir, tempfile.TemporaryDirectory() as lonely_dir:
        before = os.environ.get("XDG_RUNTIME_DIR")
        os.environ["XDG_RUNTIME_DIR"] = watched_dir  # the page's connection file goes here
        try:
            # The page only shows the scripts' runs: no training process of its own is started ahead
            # (one would sit idle, and waiting for it to get ready added seconds to every bench).
            page = make_page(app, 1, plan.train_limit, plan.test_limit, start_ahead=False)
        finally:
            if before is None:
                os.environ.pop("XDG_RUNTIME_DIR", None)
            else:
                os.environ["XDG_RUNTIME_DIR"] = before
        ratios, detached, rates_hz, cores = [], [], [], []
        try:
            for number in range(1, plan.rounds + 1):
                plain = _run_alone(False, plan, lonely_dir)
                alone = _run_alone(True, plan, lonely_dir)
                watched, hz, window_cores = _run_watched(app, page, plan, watched_dir)
                ratios.append(watched / plain)
                detached.append(alone / plain)
                rates_hz.append(hz)
                cores.append(window_cores)
                log(f"  round {number}: plain {plain:,.0f} images/s, LiveView without a window {alone:,.0f} "
                    f"({alone / plain:.3f}), with the window {watched:,.0f} ({watched / plain:.3f}), {hz:.1f} frames/s "
                    f"drawn, window process {window_cores:.2f} cores")
        finally:
            page.shutdown()
            page.close()
    return {
        "external_ratio": statistics.median(ratios),
        "external_hz": median_or_none(rates_hz),
        "external_detached_ratio": statistics.median(detached),
        "window_cpu_cores": median_or_none(cores),
    }
