"""The blocking training run: its events, its saved model, pause/stop/probe control from another
thread, failures as RunFailed, and every Keras backend that is installed."""

from __future__ import annotations

import contextlib
import io
import json
import math
import shutil
import threading
import time
from pathlib import Path

import keras
import numpy as np
import pytest

from tests.training.tiny import BACKENDS, backend_installed, run_python, tiny_config, types_of
from visualizer.training.data import load_fashion_mnist, stratified_subset, to_model_input
from visualizer.training.events import (
    BatchEnd,
    EpochEnd,
    ProbeSnapshot,
    RunFailed,
    RunFinished,
    RunStarted,
)
from visualizer.training.run import RunControl, run


class Recorder:
    """on_event that keeps each event with the time it arrived, and can act on arrival."""

    def __init__(self, react=None) -> None:
        self.events: list = []
        self.times: list[float] = []
        self._react = react

    def __call__(self, event) -> None:
        self.events.append(event)
        self.times.append(time.perf_counter())
        if self._react is not None:
            self._react(event)

    def of(self, kind) -> list:
        return [event for event in self.events if isinstance(event, kind)]


def _remove_saved(result) -> None:
    if isinstance(result, RunFinished) and result.model_path:
        shutil.rmtree(Path(result.model_path).parent, ignore_errors=True)


def test_run_reports_events_in_order_and_saves_a_loadable_model():
    config = tiny_config(epochs=2)
    recorder = Recorder()
    result = run(config, recorder)
    try:
        assert isinstance(result, RunFinished), getattr(result, "traceback", result)
        assert recorder.events[-1] is result
        kinds = types_of(recorder.events)
        started = kinds.index("RunStarted")
        assert set(kinds[:started]) == {"Status"} and len(kinds[:started]) >= 3
        assert set(kinds[started + 1 : -1]) <= {"BatchEnd", "ProbeSnapshot", "EpochEnd", "Status", "ConfusionSample",
                                                "EpochConfusion"}

        info = recorder.of(RunStarted)[0]
        assert info.backend == "tensorflow"
        assert info.device == "CPU" or info.device.startswith("GPU: ")
        assert (info.train_count, info.test_count, info.epochs) == (64, 32, 2)
        assert info.steps_per_epoch == 8
        assert info.parameter_count == 412_778
        assert len(info.class_names) == 10
        assert "conv1" in info.model_summary and info.data_source

        for epoch in (1, 2):
            batches = [e.batch for e in recorder.of(BatchEnd) if e.epoch == epoch]
            assert batches[0] == 1 and batches[-1] == 8, "first and last batch are always reported"
            assert batches == sorted(batches)
        epochs = recorder.of(EpochEnd)
        assert [e.epoch for e in epochs] == [1, 2]
        for event in epochs:
            assert 0 <= event.accuracy <= 1 and 0 <= event.val_accuracy <= 1 and event.loss > 0
        first_batch = kinds.index("BatchEnd")
        assert "ProbeSnapshot" in kinds[started:first_batch], "the untrained network is shown first"
        first_probe = recorder.of(ProbeSnapshot)[0]
        assert (first_probe.epoch, first_probe.batch, first_probe.end_of_epoch) == (0, 0, False)
        kept = [s for s in recorder.of(ProbeSnapshot) if s.end_of_epoch]
        assert [(s.epoch, s.batch) for s in kept] == [(1, 8), (2, 8)]

        assert not result.stopped_early and result.epochs_completed == 2
        assert result.train_loss == epochs[-1].loss
        assert (result.test_loss, result.test_accuracy) == (epochs[-1].val_loss, epochs[-1].val_accuracy)

        # The saved model is complete and its test metrics are the ones reported.
        path = Path(result.model_path)
        assert path.suffix == ".keras" and path.is_file()
        assert [p.name for p in path.parent.iterdir()] == [path.name], "no partial file is left"
        loaded = keras.models.load_model(path)
        data = load_fashion_mnist(config.data_dir, allow_download=False)
        images, labels = stratified_subset(data.test_images, data.test_labels, 32, seed=None)
        loss, accuracy = loaded.evaluate(to_model_input(images), labels.astype(np.int32), verbose=0)
        assert loss == pytest.approx(result.test_loss, rel=1e-4)
        assert accuracy == pytest.approx(result.test_accuracy)
    finally:
        _remove_saved(result)


def test_probe_snapshots_show_the_chosen_test_image():
    config = tiny_config(probe_index=17)
    recorder = Recorder()
    result = run(config, recorder)
    _remove_saved(result)
    data = load_fashion_mnist(config.data_dir, allow_download=False)
    snapshots = recorder.of(ProbeSnapshot)
    assert snapshots
    for snapshot in snapshots:
        assert snapshot.probe_index == 17 and snapshot.label == data.test_labels[17]
        np.testing.assert_allclose(snapshot.image, data.test_images[17] / 255.0, atol=1e-6)
        assert [m.name for m in snapshot.feature_maps] == ["conv1", "pool1", "conv2", "pool2"]


def test_updates_are_rate_limited_at_the_source():
    # 400 one-image steps: far more batches than the limits let through.
    config = tiny_config(batch_size=1, train_limit=400, test_limit=10, probe_rate_hz=20)
    recorder = Recorder()
    result = run(config, recorder)
    _remove_saved(result)
    assert isinstance(result, RunFinished)
    batch_events = recorder.of(BatchEnd)
    assert len(batch_events) < 400
    middle = batch_events[1:-1]  # the first and last batch are sent whatever the rate
    for earlier, later in zip(middle, middle[1:]):
        assert later.elapsed_s - earlier.elapsed_s >= 0.099
    live = [t for e, t in zip(recorder.events, recorder.times) if isinstance(e, ProbeSnapshot) and not e.end_of_epoch]
    assert len(live) >= 2
    # 20 a second on average (live_callback.ProbeSchedule), counted from due times, so one may
    # come sooner than 1/20 s after the last when the one before it came late.
    span = live[-1] - live[0]
    assert len(live) - 1 <= span * 20 + 1


def test_stop_from_another_thread_finishes_the_batch_and_still_saves():
    control = RunControl()
    stop_sent = threading.Event()

    def stopper():
        first_batch.wait()
        control.request_stop()
        stop_sent.set()

    first_batch = threading.Event()

    def react(event):
        if isinstance(event, BatchEnd) and event.batch == 1:
            first_batch.set()
            assert stop_sent.wait(10)

    thread = threading.Thread(target=stopper)
    thread.start()
    recorder = Recorder(react)
    result = run(tiny_config(epochs=3), recorder, control)
    thread.join()
    try:
        assert isinstance(result, RunFinished)
        assert result.stopped_early and result.epochs_completed == 0
        assert [e.batch for e in recorder.of(BatchEnd)] == [1, 2], "stops after the batch under way"
        assert len(recorder.of(EpochEnd)) == 1
        assert Path(result.model_path).is_file()
        keras.models.load_model(result.model_path)
    finally:
        _remove_saved(result)


def test_stop_before_training_trains_nothing():
    control = RunControl()
    control.request_stop()
    recorder = Recorder()
    result = run(tiny_config(), recorder, control)
    assert isinstance(result, RunFinished)
    assert result.stopped_early and result.epochs_completed == 0 and result.model_path is None
    assert not recorder.of(BatchEnd)


def test_pause_holds_training_shows_new_probes_and_resume_continues():
    control = RunControl()
    paused = threading.Event()
    observations: dict = {}

    def react(event):
        if isinstance(event, BatchEnd) and event.batch == 1 and not paused.is_set():
            control.pause()
            paused.set()

    def steer():
        assert paused.wait(60)
        time.sleep(0.2)
        count = len(recorder.events)
        time.sleep(0.5)
        observations["events_while_paused"] = recorder.events[count:]
        control.set_probe_index(5)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not any(
            isinstance(e, ProbeSnapshot) and e.probe_index == 5 for e in recorder.events[count:]
        ):
            time.sleep(0.02)
        observations["after_probe_change"] = recorder.events[count:]
        observations["batches_before_resume"] = [e.batch for e in recorder.of(BatchEnd)]
        control.resume()

    recorder = Recorder(react)
    thread = threading.Thread(target=steer)
    started = time.perf_counter()
    thread.start()
    result = run(tiny_config(), recorder, control)
    wall = time.perf_counter() - started
    thread.join()
    _remove_saved(result)
    assert isinstance(result, RunFinished) and not result.stopped_early
    assert observations["events_while_paused"] == [], "nothing happens while paused"
    probes = [e for e in observations["after_probe_change"] if isinstance(e, ProbeSnapshot)]
    assert probes and probes[-1].probe_index == 5 and probes[-1].batch == 1, "paused between batches 1 and 2"
    assert observations["batches_before_resume"][-1] == 1
    assert [e.batch for e in recorder.of(BatchEnd)][-1] == 8, "resumed to the end"
    assert result.elapsed_s < wall - 0.6, "elapsed time leaves the pause out"
    after = [e for e in recorder.of(ProbeSnapshot) if e.batch > 1]
    assert after and all(e.probe_index == 5 for e in after)


def test_probe_change_while_running_is_honoured_at_the_next_batch():
    control = RunControl()

    def react(event):
        if isinstance(event, ProbeSnapshot) and event.epoch == 0:
            control.set_probe_index(9)

    recorder = Recorder(react)
    result = run(tiny_config(probe_rate_hz=0.001), recorder, control)  # no timed probes
    _remove_saved(result)
    snapshots = recorder.of(ProbeSnapshot)
    assert [(s.epoch, s.batch, s.probe_index, s.end_of_epoch) for s in snapshots] == [
        (0, 0, 0, False),  # the untrained network, before the first batch
        (1, 0, 9, False),  # at the next batch's beginning, though no timed probe is due
        (1, 8, 9, True),
    ]


def test_missing_data_folder_becomes_run_failed(tmp_path):
    recorder = Recorder()
    result = run(tiny_config(data_dir=str(tmp_path / "nowhere")), recorder)
    assert isinstance(result, RunFailed)
    assert recorder.events[-1] is result
    assert "nowhere" in result.message and "does not exist" in result.message
    assert "Traceback" in result.traceback
    assert not recorder.of(RunStarted)


def test_an_error_during_training_becomes_run_failed():
    def react(event):
        if isinstance(event, EpochEnd):
            raise RuntimeError("the listener broke")

    recorder = Recorder(react)
    result = run(tiny_config(), recorder)
    assert isinstance(result, RunFailed)
    assert "while training" in result.message and "the listener broke" in result.message


def test_run_leaves_no_thread_running():
    before = set(threading.enumerate())
    result = run(tiny_config(), Recorder())
    _remove_saved(result)
    assert isinstance(result, RunFinished)
    time.sleep(0.1)
    assert set(threading.enumerate()) == before


def test_the_same_seed_gives_the_same_run():
    results = []
    for _ in range(2):
        result = run(tiny_config(seed=123), Recorder())
        _remove_saved(result)
        results.append(result)
    assert results[0].train_loss == pytest.approx(results[1].train_loss, rel=1e-5)
    assert results[0].test_loss == pytest.approx(results[1].test_loss, rel=1e-5)


_BACKEND_RUN = """
import json, keras
from tests.training.tiny import tiny_config
from visualizer.training.run import run, RunControl
events = []
control = RunControl()
def on_event(event):
    events.append(event)
    if type(event).__name__ == "ProbeSnapshot" and event.epoch == 0:
        control.set_probe_index(4)
result = run(tiny_config(epochs=2), on_event, control)
print("RESULT " + json.dumps({
    "result": type(result).__name__,
    "message": getattr(result, "message", ""),
    "traceback": getattr(result, "traceback", ""),
    "keras_backend": keras.backend.backend(),
    "started": [(e.backend, e.device) for e in events if type(e).__name__ == "RunStarted"],
    "epochs": [e.epoch for e in events if type(e).__name__ == "EpochEnd"],
    "confusions": [(e.epoch, len(e.predicted)) for e in events if type(e).__name__ == "EpochConfusion"],
    "probes": [(e.epoch, e.batch, e.probe_index, [list(m.maps.shape) for m in e.feature_maps],
                [float(abs(k.kernels).sum()) for k in e.kernels])
               for e in events if type(e).__name__ == "ProbeSnapshot"],
    "test_accuracy": getattr(result, "test_accuracy", None),
    "reloads": keras.models.load_model(result.model_path).count_params() if hasattr(result, "model_path") else 0,
}))
"""


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_a_tiny_run_works_on_every_installed_backend(backend):
    if not backend_installed(backend):
        pytest.skip(f"the {backend} backend is not installed")
    if keras.backend.backend() == backend:  # the suite's own backend: no need for a fresh interpreter
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(_BACKEND_RUN, {})
        output = printed.getvalue()
    else:
        completed = run_python(_BACKEND_RUN, backend=backend)
        output = completed.stdout + completed.stderr
    lines = [line for line in output.splitlines() if line.startswith("RESULT ")]
    assert lines, output
    report = json.loads(lines[-1][len("RESULT "):])
    assert report["result"] == "RunFinished", report["message"] + report["traceback"]
    assert report["keras_backend"] == backend
    assert report["started"] == [[backend, "CPU"]] or report["started"][0][1].startswith("GPU: ")
    assert report["epochs"] == [1, 2]
    assert report["confusions"] == [[1, 32], [2, 32]], "the whole test part of 32, predicted at each epoch's end"
    assert report["reloads"] == 412_778
    probes = report["probes"]
    assert probes[0][3] == [[28, 28, 64], [14, 14, 64], [14, 14, 32], [7, 7, 32]]
    assert probes[0][:3] == [0, 0, 0] and probes[1][:3] == [1, 0, 4], "a new probe image shows at once"
    assert all(p[2] == 4 for p in probes[1:])
    # The kernels the probe reads change while the model trains (on JAX they live outside the
    # layers during an epoch, so this shows the probe gets the current ones).
    assert probes[0][4] != probes[-1][4]
    assert len({tuple(p[4]) for p in probes}) > 2


def test_a_run_without_probes_sends_no_snapshots():
    recorder = Recorder()
    result = run(tiny_config(), recorder, probes=False)
    _remove_saved(result)
    assert isinstance(result, RunFinished)
    assert not recorder.of(ProbeSnapshot)
    assert recorder.of(EpochEnd) and recorder.of(BatchEnd)


class _PauseAfter(RunControl):
    """Pauses once, after ``batches`` batches (the run asks is_paused before each), and notes
    what the run had reported when the pause began; then lets it go on."""

    def __init__(self, batches: int, recorder: Recorder) -> None:
        super().__init__()
        self._asked = 0
        self._batches = batches
        self._recorder = recorder
        self.reported_at_pause: list | None = None

    def is_paused(self) -> bool:
        self._asked += 1
        return self._asked == self._batches + 1

    def wait_while_paused(self, timeout: float | None = None) -> bool:
        self.reported_at_pause = list(self._recorder.events)
        return True


@pytest.mark.parametrize(
    ("batch_rate_hz", "probe_rate_hz"),
    [(1e-9, 1000.0), (math.inf, 0.001)],
    ids=["probes-ahead-of-progress", "progress-ahead-of-probes"],
)
def test_a_paused_run_reports_one_position_in_progress_and_probes(monkeypatch, batch_rate_hz, probe_rate_hz):
    monkeypatch.setattr("visualizer.training.live_callback.OWN_RUN_BATCH_RATE_HZ", batch_rate_hz)
    recorder = Recorder()
    control = _PauseAfter(5, recorder)
    result = run(tiny_config(probe_rate_hz=probe_rate_hz), recorder, control)
    _remove_saved(result)
    assert isinstance(result, RunFinished)
    reported = control.reported_at_pause
    last_batch = [e for e in reported if isinstance(e, BatchEnd)][-1]
    last_probe = [e for e in reported if isinstance(e, ProbeSnapshot)][-1]
    assert (last_batch.epoch, last_batch.batch) == (1, 5), "progress shows the batch the run holds at"
    assert (last_probe.epoch, last_probe.batch) == (1, 5), "so do the maps and kernels"
