"""LiveView, the public callback: any user's Keras model, trained for one epoch on a few dozen
random images, reaches a real receiver on loopback with its start, batches, epoch, pictures and
end; on JAX too; and importing visualizer.live costs neither Qt nor Keras."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from tests.training.tiny import REPO_ROOT
from visualizer.training.events import BatchEnd, EpochEnd, ProbeSnapshot, RunFailed, RunFinished, RunStarted, Status
from visualizer.training.stream import StreamReceiver

pytestmark = pytest.mark.slow


class Collector:
    """Polls ``receiver`` on a thread of its own while the model trains on the test's thread."""

    def __init__(self, receiver: StreamReceiver) -> None:
        self.receiver = receiver
        self.messages: list = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._collect, daemon=True)
        self._thread.start()

    def _collect(self) -> None:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            messages, _ = self.receiver.poll()
            self.messages.extend(messages)
            if self._stop.is_set() and not messages:
                return
            time.sleep(0.01)

    def stop(self) -> list:
        self._stop.set()
        self._thread.join(timeout=30)
        assert not self._thread.is_alive()
        return [message.event for message in self.messages]


def _check_run(events, *, image_shape, map_shapes, kernel_shapes, classes, run_name, steps):
    kinds = [type(event).__name__ for event in events]
    assert kinds[0] == "RunStarted" and kinds[-1] == "RunFinished", kinds
    started = events[0]
    assert isinstance(started, RunStarted) and started.run_name == run_name
    assert started.steps_per_epoch == steps and started.epochs == 1 and len(started.class_names) == classes
    batches = [event for event in events if isinstance(event, BatchEnd)]
    assert batches and batches[-1].batch == steps
    assert [event.batch for event in batches] == sorted({event.batch for event in batches})
    assert all(np.isfinite(event.loss) for event in batches)
    epochs = [event for event in events if isinstance(event, EpochEnd)]
    assert len(epochs) == 1 and np.isfinite(epochs[0].val_loss)
    snapshots = [event for event in events if isinstance(event, ProbeSnapshot)]
    assert snapshots and snapshots[-1].end_of_epoch
    for snapshot in snapshots:
        assert snapshot.image.shape == image_shape
        assert [layer.maps.shape for layer in snapshot.feature_maps] == map_shapes
        assert [layer.kernels.shape for layer in snapshot.kernels] == kernel_shapes
        assert snapshot.probabilities.shape == (classes,)
        assert snapshot.probabilities.sum() == pytest.approx(1, abs=1e-4)
        assert snapshot.probabilities.min() >= 0
    finished = events[-1]
    assert isinstance(finished, RunFinished) and finished.epochs_completed == 1 and not finished.stopped_early


def test_a_grey_sequential_model_found_through_the_connection_file(tmp_path, monkeypatch):
    import keras

    from visualizer.live import LiveView

    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))  # the connection file goes here, not the user's own
    rng = np.random.default_rng(0)
    x, y = rng.random((48, 16, 16, 1), dtype=np.float32), rng.integers(0, 10, 48)
    xv, yv = rng.random((16, 16, 16, 1), dtype=np.float32), rng.integers(0, 10, 16)
    model = keras.Sequential(
        [
            keras.Input((16, 16, 1)),
            keras.layers.Conv2D(4, 3, activation="relu", name="first"),
            keras.layers.Conv2D(4, 3, activation="relu", name="second"),
            keras.layers.MaxPooling2D(name="pool"),
            keras.layers.Flatten(),
            keras.layers.Dense(10, activation="softmax"),
        ],
        name="grey",
    )
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    receiver = StreamReceiver()
    assert receiver.connection_file.parent == tmp_path / "cnn-visualizer"
    collector = Collector(receiver)
    try:
        model.fit(x, y, batch_size=8, epochs=1, validation_data=(xv, yv), verbose=0,
                  callbacks=[LiveView(name="grey run", max_rate_hz=1000)])
    finally:
        events = collector.stop()
        receiver.close()
    _check_run(events, image_shape=(16, 16), map_shapes=[(14, 14, 4), (12, 12, 4), (6, 6, 4)],
               kernel_shapes=[(3, 3, 1, 4), (3, 3, 4, 4)], classes=10, run_name="grey run", steps=6)
    # Every layer's maps are sent; the window shows the first convolution and the last picture first.
    assert events[0].shown_layers == ("first", "pool")
    snapshot = next(event for event in events if isinstance(event, ProbeSnapshot))
    np.testing.assert_array_equal(snapshot.image, xv[0, ..., 0])  # the first validation image
    assert snapshot.label == yv[0]
    assert receiver.dropped == {}


def test_the_window_pauses_resumes_and_stops_a_scripts_run(tmp_path):
    """The script trains on a thread of its own; the test plays the window on its thread (a
    ZeroMQ socket is used from one thread): pause after the first batch report, nothing more
    while paused, resume, then stop: the run ends stopped early."""
    import keras

    from visualizer.live import LiveView

    rng = np.random.default_rng(2)
    x, y = rng.random((4000, 8, 8, 1), dtype=np.float32), rng.integers(0, 3, 4000)
    model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3), keras.layers.Flatten(),
                              keras.layers.Dense(3, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    receiver = StreamReceiver(folder=tmp_path)
    view = LiveView(name="steered", address=receiver.address, key=receiver.key, max_rate_hz=1000)
    fit = threading.Thread(target=lambda: model.fit(x, y, batch_size=4, epochs=3, validation_split=0.1, verbose=0,
                                                    callbacks=[view]), daemon=True)
    events: list = []

    def read_until(condition, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and not condition():
            events.extend(message.event for message in receiver.poll()[0])
            time.sleep(0.01)
        assert condition(), [type(event).__name__ for event in events[-5:]]

    def batches() -> list:
        return [event for event in events if isinstance(event, BatchEnd)]

    fit.start()
    try:
        read_until(lambda: batches())
        run_id = next(iter(receiver.runs))
        assert receiver.tell(run_id, "pause")
        read_until(lambda: any(isinstance(e, Status) and e.text.startswith("Paused from the window") for e in events))
        held = len(batches())
        quiet_until = time.monotonic() + 0.8
        while time.monotonic() < quiet_until:
            events.extend(message.event for message in receiver.poll()[0])
            time.sleep(0.01)
        assert len(batches()) == held, "nothing trains while paused"
        assert receiver.tell(run_id, "resume")
        read_until(lambda: len(batches()) > held + 5)
        assert receiver.tell(run_id, "stop")
        read_until(lambda: isinstance(events[-1], RunFinished))
    finally:
        fit.join(timeout=120)
        receiver.close()
    finished = events[-1]
    assert finished.stopped_early and finished.epochs_completed < 3
    assert batches()[-1].batch < 900 or batches()[-1].epoch < 3  # 900 batches an epoch: it stopped well before the end
    assert not fit.is_alive()


def _colour_model():
    import keras

    image = keras.Input((12, 12, 3))
    features = keras.layers.Conv2D(5, 3, padding="same", activation="relu")(image)
    features = keras.layers.AveragePooling2D(2)(features)
    logits = keras.layers.Dense(4)(keras.layers.GlobalAveragePooling2D()(features))
    model = keras.Model(image, logits, name="colour")
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    return model


def test_a_colour_functional_model_with_logits_sent_to_a_given_address(tmp_path, monkeypatch):
    from visualizer.live import LiveView

    monkeypatch.setattr(sys, "argv", [str(tmp_path / "train_colour.py")])  # the run is named after the script

    rng = np.random.default_rng(1)
    x, y = rng.random((40, 12, 12, 3), dtype=np.float32), rng.integers(0, 4, 40)
    probe = rng.random((2, 12, 12, 3), dtype=np.float32)
    receiver = StreamReceiver(folder=tmp_path)
    collector = Collector(receiver)
    try:
        _colour_model().fit(x, y, batch_size=8, epochs=1, validation_split=0.2, verbose=0,
                            callbacks=[LiveView(probe_images=probe, address=receiver.address, key=receiver.key, max_rate_hz=1000)])
    finally:
        events = collector.stop()
        receiver.close()
    _check_run(events, image_shape=(12, 12, 3), map_shapes=[(12, 12, 5), (6, 6, 5)], kernel_shapes=[(3, 3, 3, 5)],
               classes=4, run_name="train_colour.py", steps=4)
    snapshot = next(event for event in events if isinstance(event, ProbeSnapshot))
    np.testing.assert_array_equal(snapshot.image, probe[0])
    assert snapshot.label == -1


JAX_SCRIPT = """
import sys, numpy as np, keras
import visualizer.live as live
# The public name is the Keras callback once asked for, and asking loads no Qt.
assert issubclass(live.LiveView, keras.callbacks.Callback) and "LiveView" in dir(live)
assert "PyQt6" not in sys.modules
from tests.test_live import _colour_model
from visualizer.live import LiveView
assert keras.backend.backend() == "jax"
rng = np.random.default_rng(2)
x, y = rng.random((40, 12, 12, 3), dtype=np.float32), rng.integers(0, 4, 40)
_colour_model().fit(x, y, batch_size=8, epochs=1, validation_data=(x[:8], y[:8]), verbose=0,
                    callbacks=[LiveView(name="on jax", address=sys.argv[1], key=sys.argv[2], max_rate_hz=1000)])
"""


def _run_script(code: str, tmp_path, *, backend: str, env: dict | None = None, exit_code: int = 0) -> list:
    """The events a training script (``code``, given the window's address and key) sends to a
    window here, run in a process of its own with the Keras ``backend``."""
    receiver = StreamReceiver(folder=tmp_path)
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3", **(env or {})}
    messages = []
    try:
        script = subprocess.Popen([sys.executable, "-c", code, receiver.address, receiver.key], cwd=REPO_ROOT, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 240
        while script.poll() is None and time.monotonic() < deadline:
            messages.extend(receiver.poll()[0])
            time.sleep(0.02)
        output = script.communicate(timeout=30)[0] if script.poll() is not None else script.kill() or "timed out"
        messages.extend(receiver.poll()[0])
    finally:
        receiver.close()
    assert script.returncode == exit_code, output
    return [message.event for message in messages]


def test_the_jax_backend_streams_the_same(tmp_path):
    events = _run_script(JAX_SCRIPT, tmp_path, backend="jax")
    assert events[0].backend == "jax"
    _check_run(events, image_shape=(12, 12, 3), map_shapes=[(12, 12, 5), (6, 6, 5)], kernel_shapes=[(3, 3, 3, 5)],
               classes=4, run_name="on jax", steps=5)


def test_importing_visualizer_live_loads_neither_qt_nor_keras():
    code = (
        "import sys, json, visualizer.live;"
        "print(json.dumps([m for m in ('keras', 'tensorflow', 'jax', 'torch', 'PyQt6', 'pyqtgraph', 'zmq') if m in sys.modules]))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


def test_a_recorded_script_run_is_a_keras_model_the_app_replays(tmp_path, monkeypatch):
    """LiveView(record=...) with no window open: the file loads in plain Keras and holds the run's
    recording (curves, one picture per epoch, the scores), which the training page shows."""
    import keras

    from visualizer.live import LiveView
    from visualizer.training.recording_file import read_recording

    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))  # no window listens here
    rng = np.random.default_rng(3)
    x, y = rng.random((48, 12, 12, 1), dtype=np.float32), rng.integers(0, 3, 48)
    model = keras.Sequential([keras.Input((12, 12, 1)), keras.layers.Conv2D(3, 3, activation="relu"),
                              keras.layers.Flatten(), keras.layers.Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    path = tmp_path / "run.keras"
    model.fit(x, y, batch_size=8, epochs=2, validation_data=(x[:8], y[:8]), verbose=0,
              callbacks=[LiveView(name="recorded", record=path)])
    reloaded = keras.saving.load_model(path)
    np.testing.assert_allclose(reloaded.predict(x[:4], verbose=0), model.predict(x[:4], verbose=0), rtol=1e-5)
    recording = read_recording(path)
    assert recording.config is None and recording.started.run_name == "recorded"
    assert [epoch.epoch for epoch in recording.epochs] == [1, 2]
    assert recording.batches[-1].batch == 6
    assert [snapshot.epoch for snapshot in recording.snapshots] == [1, 2]
    assert recording.finished.epochs_completed == 2 and recording.finished.model_path == str(path)
    assert recording.title == "recorded — 2 epochs"
    assert list(tmp_path.glob("*.keras")) == [path]  # nothing half-written left beside it


def test_record_needs_a_keras_file_name():
    from visualizer.live import LiveView

    with pytest.raises(ValueError, match="ending in .keras"):
        LiveView(record="run.h5")


DATA_PARALLEL_SCRIPT = """
import sys
import keras
import numpy as np
from visualizer.live import LiveView

devices = keras.distribution.list_devices("cpu")
assert len(devices) == 2, devices
keras.distribution.set_distribution(keras.distribution.DataParallel(devices=devices))
rng = np.random.default_rng(5)
x, y = rng.random((64, 12, 12, 1), dtype=np.float32), rng.integers(0, 4, 64)
model = keras.Sequential([keras.Input((12, 12, 1)), keras.layers.Conv2D(5, 3, padding="same", activation="relu"),
                          keras.layers.MaxPooling2D(), keras.layers.Flatten(), keras.layers.Dense(4, activation="softmax")])
model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(x, y, batch_size=8, epochs=1, validation_data=(x[:16], y[:16]), verbose=0,
          callbacks=[LiveView(name="data parallel", address=sys.argv[1], key=sys.argv[2], max_rate_hz=1000)])
"""


def test_a_run_split_over_two_devices_streams_the_same(tmp_path):
    """Keras's distribution API (DataParallel on JAX, over two CPU devices standing in for GPUs)."""
    env = {"XLA_FLAGS": "--xla_force_host_platform_device_count=2"}
    events = _run_script(DATA_PARALLEL_SCRIPT, tmp_path, backend="jax", env=env)
    assert events[0].backend == "jax"
    _check_run(events, image_shape=(12, 12), map_shapes=[(12, 12, 5), (6, 6, 5)], kernel_shapes=[(3, 3, 1, 5)],
               classes=4, run_name="data parallel", steps=8)


FAILING_SCRIPT = """
import sys, numpy as np, keras
from tests.test_live import _colour_model
from visualizer.live import LiveView

class Broken(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        if batch == 3:
            raise ValueError("the data ran out")

rng = np.random.default_rng(2)
x, y = rng.random((40, 12, 12, 3), dtype=np.float32), rng.integers(0, 4, 40)
_colour_model().fit(x, y, batch_size=8, epochs=1, verbose=0,
                    callbacks=[LiveView(name="breaks", address=sys.argv[1], key=sys.argv[2], max_rate_hz=1000), Broken()])
"""


def test_a_script_whose_fit_raises_says_why_and_where(tmp_path):
    events = _run_script(FAILING_SCRIPT, tmp_path, backend="jax", exit_code=1)
    assert isinstance(events[0], RunStarted) and events[0].run_name == "breaks"
    failed = events[-1]
    assert isinstance(failed, RunFailed)
    assert failed.message == "The script stopped with an error at epoch 1, batch 4: ValueError: the data ran out"
    assert "in on_train_batch_end" in failed.traceback and failed.traceback.endswith("ValueError: the data ran out\n")
    assert not any(isinstance(event, RunFinished) for event in events)
