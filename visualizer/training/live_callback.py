"""LiveView, the Keras callback that streams any script's training to the app's window (the public
name is visualizer.live.LiveView). Imports Keras: visualizer.live loads it on first use.

It sends at most ``max_rate_hz`` BatchEnd events a second (30 by default: reports go out between
batches), and probe snapshots PICTURES_PER_SECOND times a second on average (ProbeSchedule: the
window draws nearly every one), while a window is listening (none while nobody is: the probe is
not even built). It is async-safe:
on backends that allow it (JAX, torch) Keras reads each batch's loss on a thread of its own while
the next batch trains, and this callback only notes it there; the reports go out on the training
thread at a batch's beginning, with the latest batch whose loss is known. Reading the loss on the
training thread would wait for each batch to finish and stop Keras dispatching the next one ahead
(STYLE.md, convention 3).

The app's own runs are reported by the same callback (OwnRunView, below, used by run.py) over
the same stream: one path from any training loop to the window.

Keras 3 shows callbacks neither the data nor the batch size, so the probe image and the counts are
read from the arguments of the ``fit`` call that is running (its frame on the stack), when they are
arrays: the first validation image, else the first training image. ``probe_images`` overrides
both; a dataset or generator gives neither, and the run is then streamed without pictures.
"""

from __future__ import annotations

import atexit
import math
import os
import sys
import threading
import time
import traceback
from pathlib import Path

import keras
import numpy as np

from visualizer.training.config import PICTURES_PER_SECOND
from visualizer.training.control import RunClock
from visualizer.training.data import to_model_input
from visualizer.training.events import BatchEnd, EpochEnd, RunFailed, RunFinished, RunStarted, Status, frozen_float32
from visualizer.training.recording import RunRecorder, run_title
from visualizer.training.stream.remote import ADDRESS_VARIABLE, KEY_VARIABLE
from visualizer.training.stream.sender import SendingThread

PAUSED_HEARTBEAT_S = 2.0  # how often a script paused from the window says so
OWN_RUN_BATCH_RATE_HZ = 10.0  # the app's own runs report progress this often (its curves and recordings)
ACCURACY_KEYS = ("accuracy", "acc", "sparse_categorical_accuracy", "categorical_accuracy")


class LiveView(keras.callbacks.Callback):
    """Shows this run on the CNN Visualizer's training page: ``model.fit(..., callbacks=[LiveView()])``.

    ``name``: what the window calls the run (by default the script's file name). ``probe_images``:
    images (N, H, W, C) or one image (H, W, C) as the model takes them, the first of which is shown
    going through the network. ``address`` and ``key``: a window elsewhere (the address of an SSH
    tunnel's local end and the key from that window's connection file), also read from the
    environment variables CNN_VISUALIZER_ADDRESS and CNN_VISUALIZER_KEY; by default the window on
    this machine is found by itself. Without a window, training goes on as fast as without this
    callback, and a window opened later is found within seconds. ``record``: a ``.keras`` path
    where the trained model is saved at the end with the run's recording inside (curves, the
    end-of-epoch pictures, scores), which the app opens and replays; plain Keras loads it as a model.
    ``layers``: the names of the layers whose feature maps are sent (any convolution or 2-D
    pooling layer), or "all"; by default every such layer is sent (unless their maps together are
    large, see probes.layers_to_send) and the window shows the first convolution and the last
    layer whose output is still a picture, with the others to tick under Layers. ``max_rate_hz``:
    batch reports a second at most; pictures come as often, up to the 24 a second the window draws.
    """

    # Keras may call on_train_batch_end on another thread and go on training meanwhile (JAX, torch):
    # see there. Without this, Keras would wait for each batch's loss before starting the next one.
    async_safe = True
    _window_control = None  # the window's pause and stop requests (a run.RunControl), once training

    def __init__(self, name=None, probe_images=None, address=None, key=None, max_rate_hz=30, record=None, layers=None):
        super().__init__()
        if not max_rate_hz > 0:
            raise ValueError("max_rate_hz must be a positive number of updates a second")
        address = address or os.environ.get(ADDRESS_VARIABLE) or None
        key = key or os.environ.get(KEY_VARIABLE) or None
        if (address is None) != (key is None):
            raise ValueError(
                f"Give both the window's address and its key (from its connection file), or neither "
                f"(as arguments, or in {ADDRESS_VARIABLE} and {KEY_VARIABLE})."
            )
        if record is not None and Path(record).suffix != ".keras":
            raise ValueError(f"record must be a file name ending in .keras, not {str(record)!r}")
        self._record = None if record is None else Path(record)
        if isinstance(layers, str) and layers != "all":
            layers = [layers]
        self._layers = layers
        self.recorder: RunRecorder | None = None
        self._name = name
        self._probe_images = None if probe_images is None else np.asarray(probe_images, dtype=np.float32)
        self._address = address
        self._key = key
        self.sender: SendingThread | None = None
        self._init_reports(max_rate_hz, min(max_rate_hz, PICTURES_PER_SECOND))

    def _init_reports(self, batch_rate_hz: float, probe_rate_hz: float) -> None:
        self._interval_s = 1.0 / batch_rate_hz
        self._probes = ProbeSchedule(1.0 / probe_rate_hz)
        self.epochs_completed = 0
        self.last_epoch: EpochEnd | None = None  # the last epoch's scores, once one has ended

    # The run's beginning

    def on_train_begin(self, logs=None):
        from visualizer.training.run import RunControl

        fit = _fit_arguments(self._model)
        self._window_control = RunControl()
        self.sender = SendingThread(address=self._address, key=self._key, on_request=self._on_window_request)
        self.recorder = RunRecorder() if self._record is not None else None
        self._begin_reporting(steps=int(self.params.get("steps") or 0), batch_size=_batch_size(fit),
                              train_count=_count(fit.get("x")), clock=RunClock())
        self._probe = None
        self._probe_image, self._probe_label = self._choose_probe_image(fit)
        self._send(self._run_started(fit))
        if self._probe_image is None:
            self._send(Status("No probe image: the data are not arrays. Pass LiveView(probe_images=...) to see feature maps."))
        atexit.register(self._script_ended_mid_run)

    def _script_ended_mid_run(self) -> None:
        """At the interpreter's exit with the run not ended (``fit`` raised, or Ctrl+C): tell the
        window why, in words, rather than leave it to notice the silence."""
        error = getattr(sys, "last_value", None)  # set when an uncaught exception ended the script
        where = f"at epoch {self._epoch}, batch {self._batches_done}"
        if isinstance(error, KeyboardInterrupt):
            message = f"The script was interrupted (Ctrl+C) {where}."
        elif error is not None:
            message = f"The script stopped with an error {where}: {type(error).__name__}: {error}"
        else:
            message = f"The script ended {where}, before its training did."
        trace = "".join(traceback.format_exception(error)) if error is not None else ""
        self._send(RunFailed(message, trace))
        self.sender.close()

    def _begin_reporting(self, *, steps: int, batch_size: int, train_count: int, clock: RunClock) -> None:
        self._clock = clock
        self._steps = steps
        self._batch_size = batch_size
        self._train_count = train_count  # 0: not known
        self._epoch = 0
        self._epoch_started = time.perf_counter()
        self._paused_before_epoch = 0.0
        self._batches_done = 0
        self._trained = 0  # batches trained so far: the weights' state
        self._trained_shown = -1  # the weights' state of the last picture sent
        self._unsent: tuple | None = None  # (batch, logs, time) of the last batch done and not reported
        self._lock = threading.Lock()
        self._last_report = -math.inf
        self._probe_failed = False

    def _send(self, event) -> None:
        if self.recorder is not None:
            self.recorder.record(event)
        self.sender.send(event)

    def _run_started(self, fit: dict) -> RunStarted:
        from visualizer.training.device import describe_device
        from visualizer.training.models import describe_model

        model = self._model
        backend = keras.backend.backend()
        device, device_note = describe_device(backend)
        try:
            summary = describe_model(model)
        except (AttributeError, ValueError):  # a subclassed model's layers have no symbolic output
            summary = ""
        classes = _output_size(model)
        self._sent_layers, shown = self._choose_layers()
        return RunStarted(
            backend=backend,
            device=device,
            device_note=device_note,
            model_name=model.name,
            model_summary=summary,
            parameter_count=int(model.count_params()),
            data_source="the script's own data",
            train_count=self._train_count or self._steps * self._batch_size,
            test_count=_count(fit.get("val_x")),
            epochs=int(self.params.get("epochs") or 0),
            steps_per_epoch=self._steps,
            class_names=tuple(str(index) for index in range(classes)),
            run_name=self._name or _script_name(),
            shown_layers=tuple(shown),
        )

    def _choose_probe_image(self, fit: dict) -> tuple[np.ndarray | None, int]:
        if self._probe_images is not None:
            images = self._probe_images
            return (images[0] if images.ndim == 4 else images), -1
        rank = len(self._model.inputs[0].shape) if getattr(self._model, "inputs", None) else 4
        for images, labels in ((fit.get("val_x"), fit.get("val_y")), (fit.get("x"), fit.get("y"))):
            shape = getattr(images, "shape", None)
            if shape is not None and len(shape) == rank and shape[0]:
                return np.asarray(images[0], dtype=np.float32), _label(labels)
        return None, -1

    # Batches and epochs

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch + 1
        self._epoch_started = time.perf_counter()
        self._paused_before_epoch = self._clock.paused_s
        self._unsent = None
        self._batches_done = 0

    def on_train_batch_end(self, batch, logs=None):
        # On JAX and torch Keras calls this on a thread of its own (async_safe), so it only notes
        # the batch; its report goes out from the training thread, at the next batch's beginning.
        done = (batch + 1, logs, time.perf_counter())
        with self._lock:
            if self._unsent is None or done[0] > self._unsent[0]:
                self._unsent = done
            self._batches_done = max(self._batches_done, done[0])
            self._trained += 1

    def on_train_batch_begin(self, batch, logs=None):
        self._obey_window()
        # Batches are reported at most every _interval_s by the time they ended, pictures of new
        # weights when the schedule says.
        with self._lock:
            due = self._unsent is not None and self._unsent[2] - self._last_report >= self._interval_s
        if due:
            self._send_unsent()
        if self._probes.due(time.perf_counter()) and self._trained != self._trained_shown:
            self._send_probe()

    def _on_window_request(self, action: str) -> None:
        """A request from the window (on the sending thread): acted on at the next batch's beginning."""
        control = self._window_control
        if action == "pause":
            control.pause()
        elif action == "resume":
            control.resume()
        elif action == "stop":
            control.request_stop()

    def _obey_window(self) -> None:
        """Pause, or stop after this batch, as the window asked (on the training thread, between
        batches); a pause is left out of the run's times, as the app's own runs leave theirs."""
        control = self._window_control
        if control is None:
            return
        if control.is_paused() and not control.stop_requested():
            paused_at = time.perf_counter()
            self._send_unsent()
            paused = Status(f"Paused from the window after epoch {self._epoch}, batch {self._batches_done}.")
            # Said again every PAUSED_HEARTBEAT_S: a window that hears nothing for a while takes the
            # script for stopped (connected_runs.SILENT_AFTER_S).
            self._send(paused)
            while not control.wait_while_paused(PAUSED_HEARTBEAT_S):
                self._send(paused)
            self._clock.add_pause(time.perf_counter() - paused_at)
            if not control.stop_requested():
                self._send(Status("Training…"))
        if control.stop_requested():
            self._model.stop_training = True  # Keras ends the epoch after this batch; the run ends stopped early

    def _send_unsent(self) -> None:
        """Report the last batch done, if not yet reported."""
        with self._lock:
            done, self._unsent = self._unsent, None
        if done is not None:
            self._last_report = done[2]
            self._send_batch(*done)

    def _send_batch(self, batch: int, logs, at: float) -> None:
        logs = logs or {}
        paused_in_epoch = self._clock.paused_s - self._paused_before_epoch
        active_s = max(at - self._epoch_started - paused_in_epoch, 1e-9)
        images = batch * self._batch_size
        if self._train_count:
            images = min(images, self._train_count)  # the last batch may be short
        self._send(
            BatchEnd(
                epoch=self._epoch,
                batch=batch,
                steps_per_epoch=self._steps,
                loss=_metric(logs, "loss"),
                accuracy=_metric(logs, _accuracy_key(logs)),
                images_per_second=images / active_s,
                elapsed_s=self._clock.elapsed_at(at),
            )
        )

    def on_epoch_end(self, epoch, logs=None):
        self._send_unsent()  # the epoch is over: its last batch's loss is ready
        self._send_probe(end_of_epoch=True)
        logs = dict(logs or {})
        if self._steps == 0 or self._batches_done == self._steps:  # not an epoch cut short by a stop
            self.epochs_completed += 1
        loss, accuracy, val_loss, val_accuracy = _scores(logs)
        self.last_epoch = EpochEnd(self._epoch, loss, accuracy, val_loss, val_accuracy, self._clock.elapsed_s())
        self._send(self.last_epoch)

    def on_train_end(self, logs=None):
        last = self.last_epoch or EpochEnd(0, math.nan, math.nan, math.nan, math.nan, 0.0)
        finished = RunFinished(
            stopped_early=bool(self._model.stop_training),
            epochs_completed=self.epochs_completed,
            train_loss=last.loss,
            train_accuracy=last.accuracy,
            test_loss=last.val_loss,
            test_accuracy=last.val_accuracy,
            elapsed_s=self._clock.elapsed_s(),
            model_path=None if self._record is None else str(self._record),
        )
        atexit.unregister(self._script_ended_mid_run)
        try:
            if self._record is not None:
                self._save_recording(finished)
        finally:
            self._send(finished)
            self.sender.close()

    def _save_recording(self, finished: RunFinished) -> None:
        """The model, with the run's recording inside, as ``record`` (written atomically)."""
        from visualizer.training.run import save_model_atomically

        if self.recorder.started is None:
            return
        title = run_title(self.recorder.started.run_name or "Script", finished)
        save_model_atomically(self.model, self._record, self.recorder.recording(None, title, finished))

    # Pictures

    def _pictures_wanted(self, end_of_epoch: bool = False) -> bool:
        """Pictures are made while a window is listening, and at each epoch's end when the run is recorded."""
        return self.sender.window_listening or (end_of_epoch and self._record is not None)

    def _can_probe(self) -> bool:
        return self._probe_image is not None and not self._probe_failed

    def _probe_choice(self) -> tuple[np.ndarray, int, int]:
        """(the image probed, as the model takes it; its label, -1 if not known; its index)."""
        return self._probe_image, self._probe_label, 0

    def _send_probe(self, *, end_of_epoch: bool = False, compiled: bool = True) -> None:
        """A probe snapshot of the weights as they are, when pictures are wanted; the probe is
        built on the first one (and read eagerly then: shown at once, compiled at the next)."""
        if not self._can_probe() or not self._pictures_wanted(end_of_epoch):
            return
        began = time.perf_counter()
        first = self._probe is None
        if first and not self._build_probe():
            return
        image, label, index = self._probe_choice()
        self.model  # noqa: B018 - on JAX, reading the property puts the current weights in the layers
        snapshot = self._probe.snapshot(
            image,
            label,
            probe_index=index,
            epoch=self._epoch,
            batch=self._batches_done,
            end_of_epoch=end_of_epoch,
            steps_per_epoch=self._steps,
            compiled=compiled and not first,
        )
        self._send(_with_probabilities(snapshot))
        self._shown_index = index
        self._trained_shown = self._trained
        self._probes.done(began)

    def _choose_layers(self) -> tuple[list[str] | None, list[str]]:
        """(the layers whose maps are sent, None for all; those the window shows first, [] for all
        it is sent)."""
        from visualizer.training.probes import layers_to_send

        if self._layers is not None:
            return (None if self._layers == "all" else list(self._layers)), []
        try:
            return layers_to_send(self._model)
        except (AttributeError, ValueError):  # a subclassed model's layers have no symbolic output
            return None, []

    def _build_probe(self) -> bool:
        from visualizer.training.probes import Probe

        try:
            self._probe = Probe(self._model, self._sent_layers)
        except Exception as error:  # a model the probe cannot read: the run streams on without pictures
            self._probe_failed = True
            traceback.print_exc()
            self._send(Status(f"No feature maps for this model ({type(error).__name__}: {error}); curves only."))
            return False
        return True


def _fit_arguments(model) -> dict:
    """The local variables of the ``model.fit`` call that is running (x, y, batch_size, val_x ...),
    or {} when it is not on the stack (a custom training loop calling the callbacks itself)."""
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_name == "fit" and frame.f_locals.get("self") is model:
            return dict(frame.f_locals)
        frame = frame.f_back
    return {}


def _batch_size(fit: dict) -> int:
    size = fit.get("batch_size")
    if isinstance(size, int) and size > 0:
        return size
    return 32 if _count(fit.get("x")) else 0  # Keras's default for arrays; unknown for datasets


def _count(data) -> int:
    shape = getattr(data, "shape", None)
    return int(shape[0]) if shape is not None and len(shape) and shape[0] is not None else 0


def _label(labels) -> int:
    if getattr(labels, "shape", None) is None or not labels.shape[0]:
        return -1
    first = np.asarray(labels[0])
    return int(first.argmax()) if first.size > 1 else int(first.reshape(-1)[0])


def _output_size(model) -> int:
    try:
        size = model.outputs[0].shape[-1]
    except (AttributeError, IndexError, TypeError):
        return 0
    return int(size) if size else 0


def _script_name() -> str:
    if "ipykernel" in sys.modules:
        return "notebook"
    return Path(sys.argv[0]).name if sys.argv and sys.argv[0] not in ("", "-c") else "python"


def _accuracy_key(logs: dict) -> str:
    for key in ACCURACY_KEYS:
        if key in logs:
            return key
    return next((key for key in logs if "acc" in key and not key.startswith("val_")), "accuracy")


def _scores(logs: dict) -> tuple[float, float, float, float]:
    """(loss, accuracy, validation loss, validation accuracy) of an epoch's logs; NaN for any missing."""
    accuracy = _accuracy_key(logs)
    return _metric(logs, "loss"), _metric(logs, accuracy), _metric(logs, "val_loss"), _metric(logs, "val_" + accuracy)


def _metric(logs: dict, key: str) -> float:
    value = logs.get(key)
    return math.nan if value is None else float(value)


def _with_probabilities(snapshot):
    """The snapshot with the model's output as probabilities: a model that ends in logits (no
    softmax) gives scores of any sign, which the window's bars cannot show."""
    import dataclasses

    scores = snapshot.probabilities.astype(np.float64)
    if scores.size == 1:  # one sigmoid unit: the two classes' probabilities
        p = float(scores[0]) if 0 <= scores[0] <= 1 else 1 / (1 + math.exp(-float(scores[0])))
        return dataclasses.replace(snapshot, probabilities=frozen_float32([1 - p, p]))
    if scores.size and scores.min() >= 0 and abs(scores.sum() - 1) < 1e-3:
        return snapshot
    exponentials = np.exp(scores - scores.max())
    return dataclasses.replace(snapshot, probabilities=frozen_float32(exponentials / exponentials.sum()))


class ProbeSchedule:
    """When the next picture is due: every ``interval_s`` on average, taken at the first batch
    boundary after each due time. Counting from the due times (not from when the last picture was
    taken, which is later by the probe's own time) keeps the average rate whatever the batches
    take: with 30 ms batches and a 40 ms interval, pictures come after one batch or two, 25 a
    second, where counting from the last picture gave one every two batches, 16 a second. Behind by
    a whole interval (a pause, an evaluation, batches longer than the interval), it starts again
    from the picture just taken rather than catching up in a burst."""

    def __init__(self, interval_s: float) -> None:
        self.interval_s = interval_s
        self._due = -math.inf

    def due(self, now: float) -> bool:
        return now >= self._due

    def done(self, began: float) -> None:
        """A picture was taken at ``began``."""
        behind = began - self._due >= self.interval_s
        self._due = began + self.interval_s if behind else self._due + self.interval_s


class OwnRunView(LiveView):
    """LiveView as the app's own runs use it (run.py): the same reports, over the same stream (or
    to any ``on_event``, such as the command line's printer). run() sends the run's RunStarted and
    RunFinished itself, since it knows the data and saves the model; this probes the test image
    chosen in the window (``control``, a run.RunControl), from ``probe_images`` (uint8, the test
    split as loaded) and ``probe_labels``, and follows another choice even while the run is paused.
    ``probe`` (a probes.Probe) is None for a run that shows no pictures. BatchEnd goes out about
    10 times a second and probe snapshots ``probe_rate_hz`` times a second."""

    def __init__(self, *, on_event, control, clock: RunClock, probe, probe_images, probe_labels, default_probe_index: int,
                 steps_per_epoch: int, batch_size: int, train_count: int, epochs_done: int, probe_rate_hz: float) -> None:
        keras.callbacks.Callback.__init__(self)  # not LiveView's: no window address, no recording
        self._init_reports(OWN_RUN_BATCH_RATE_HZ, probe_rate_hz)
        self._on_event = on_event
        self._control = control
        self._probe = probe
        self._probe_images = probe_images
        self._probe_labels = probe_labels
        self._default_probe_index = default_probe_index
        self._shown_index: int | None = None
        self._begin_reporting(steps=steps_per_epoch, batch_size=batch_size, train_count=train_count, clock=clock)
        self.epochs_completed = epochs_done

    def on_train_begin(self, logs=None):
        self._clock.restart()

    def on_train_end(self, logs=None):
        pass  # run() reports the end, once the model is saved

    def _send(self, event) -> None:
        self._on_event(event)

    def _can_probe(self) -> bool:
        return self._probe is not None

    def _pictures_wanted(self, end_of_epoch: bool = False) -> bool:
        return True  # the window drops the pictures it has no time for

    def _probe_choice(self) -> tuple[np.ndarray, int, int]:
        index = self._chosen_index()
        return to_model_input(self._probe_images[index : index + 1])[0], int(self._probe_labels[index]), index

    def _chosen_index(self) -> int:
        chosen = self._control.probe_index()
        index = self._default_probe_index if chosen is None else chosen
        return index % len(self._probe_labels)

    def send_first_probe(self) -> None:
        """The untrained network (epoch 0, batch 0), sent before training starts: read eagerly, so
        that it is on screen while the probe's predict function compiles, a one-off cost kept out
        of the first batch."""
        self._send_probe(compiled=False)
        image, _, _ = self._probe_choice()
        self._probe.compile_now(image)

    def follow_choice(self) -> None:
        """Send a snapshot if another probe image has been chosen (called while the run is paused,
        so that people may look at other images meanwhile)."""
        if self._probe is not None and self._chosen_index() != self._shown_index:
            self._send_probe()

    def report_held(self) -> None:
        """As a pause begins: report the last batch done if the rate limit held it back, and the
        pictures of the weights the run holds, so the page shows where the run stopped."""
        self._send_unsent()
        if self._probe is not None and self._trained != self._trained_shown:
            self._send_probe()

    def on_train_batch_begin(self, batch, logs=None):
        super().on_train_batch_begin(batch, logs)
        self.follow_choice()
