"""The training run: a plain blocking function that reports what happens as events.

``run(config, on_event, control)`` works on any thread and in any process, never imports Qt, and
never raises: whatever goes wrong ends the run with a RunFailed event that says so in words.
Keras is imported inside ``run`` so that the caller (or a child process) can choose the backend
with KERAS_BACKEND first.

Update rates are limited here, at the source (live_callback.OwnRunView, the callback scripts use
too): BatchEnd about 10 times a second and probe snapshots ``config.probe_rate_hz`` times a
second, so that training with the live view on stays close to plain ``model.fit``.
"""

from __future__ import annotations

import math
import os
import sys
import tempfile
import threading
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from visualizer.fileio import replace_atomically
from visualizer.training.config import TrainConfig
from visualizer.training.data import DataError, Dataset
from visualizer.training.events import (
    RunFailed,
    RunFinished,
    RunStarted,
    Status,
)
from visualizer.training.model_file import ModelFileError
from visualizer.training.models import NetworkDoesNotFit
from visualizer.training.recording import RunRecorder, RunRecording, model_title, run_title
from visualizer.training.recording_file import add_recording


class _Cell:
    """A mutable int with the ``.value`` interface of multiprocessing.Value."""

    def __init__(self, value: int) -> None:
        self.value = value


class _Stage:
    """What the run is doing, in words, for the message should it fail. Entering a stage may
    also tell the listener, as a Status."""

    def __init__(self, on_event: Callable[[object], None]) -> None:
        self.doing = "starting"
        self._on_event = on_event
        self.autosave = None  # the run's AutosaveCallback once training starts: it records the end

    def enter(self, doing: str, status: str | None = None) -> None:
        self.doing = doing
        if status is not None:
            self._on_event(Status(status))


class RunControl:
    """Lets other threads pause, resume and stop a run and choose its probe image.

    The run asks ``stop_requested()``, ``wait_while_paused()`` and ``probe_index()`` between
    batches. Stopping finishes the current batch; the run then still evaluates, saves the model
    and reports RunFinished. process.ProcessRunControl does the same across processes.
    """

    def __init__(self, probe_index: int | None = None) -> None:
        self._stop = self._new_flag()
        self._running = self._new_flag()
        self._running.set()
        self._probe = self._new_cell(-1 if probe_index is None else probe_index)

    # Primitives; the process-safe variant overrides these two.
    def _new_flag(self):
        return threading.Event()

    def _new_cell(self, value: int):
        return _Cell(value)

    # Called by whoever steers the run.
    def request_stop(self) -> None:
        self._stop.set()
        self._running.set()  # a paused run must wake up to stop

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    def set_probe_index(self, index: int) -> None:
        if index < 0:
            raise ValueError(f"the probe image index must be 0 or more, not {index}")
        self._probe.value = index

    # Called by the run.
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    def is_paused(self) -> bool:
        return not self._running.is_set()

    def wait_while_paused(self, timeout: float | None = None) -> bool:
        """Block while paused. True once running (or stopping); False if ``timeout`` ran out."""
        return self._running.wait(timeout)

    def probe_index(self) -> int | None:
        """The probe image chosen while the run goes on, or None for the config's."""
        value = self._probe.value
        return None if value < 0 else value


def run(
    config: TrainConfig,
    on_event: Callable[[object], None],
    control: RunControl | None = None,
    *,
    save_to: str | os.PathLike[str] | None = None,
    probes: bool = True,
    autosave_to: str | os.PathLike[str] | None = None,
    optimizer_state: bool = True,
    loaded: Dataset | None = None,
) -> RunFinished | RunFailed:
    """Train ``config``'s model, reporting events to ``on_event`` (called on this thread).

    Events, in order: Status (start-up steps), RunStarted, a ProbeSnapshot of the untrained
    network (epoch 0, batch 0), the ConfusionSample, then BatchEnd / ProbeSnapshot / EpochEnd /
    EpochConfusion while training, and last RunFinished or RunFailed, which is also returned. A run whose loss diverges (NaN,
    infinite, or exploding: see divergence.py) stops after that batch and ends with a RunFailed
    that says where and what to try; its model is not saved. Probe images are indexed into the
    test split as loaded (``datasets.load_dataset(config).test_images``), whatever
    ``config.test_limit`` is. The model is saved as ``save_to`` (a path ending in .keras) or, by
    default, as model.keras in a new temporary folder; the caller owns that file afterwards. The
    file also holds the run's recording (recording_file.py): its settings, curves and end-of-epoch
    snapshots, up to where it ended.
    ``probes=False`` sends no ProbeSnapshot and no confusion matrix, for callers that show none.
    ``autosave_to`` (a folder, see saved_runs.py) keeps each finished epoch there; a config with
    ``resume_from`` trains on from that autosaved run's last epoch, saving into its folder.
    ``optimizer_state=False`` leaves the optimizer's state (Adam's moments) out of the saved model:
    a third of the size, for a model that is to be looked at rather than trained on.
    ``loaded``: the data of ``config.data_dir``, already read (by a process started ahead).
    """
    control = control or RunControl()
    stage = _Stage(on_event)
    try:
        saving = _Saving(save_to, optimizer_state)
        result = _train(config, on_event, control, saving, probes, stage, autosave_to, loaded)
    except Exception as error:  # the boundary: every failure becomes an event for people
        result = RunFailed(message=explain_failure(error, stage.doing), traceback=traceback.format_exc())
    if stage.autosave is not None:
        stage.autosave.finish(result)
    try:
        on_event(result)
    except Exception:  # a broken listener must not turn a finished run into an exception
        traceback.print_exc()
    return result


def explain_failure(error: BaseException, stage: str) -> str:
    """What went wrong, in words a person can act on."""
    if isinstance(error, DataError):
        return f"The training data could not be loaded. {error}"
    if isinstance(error, (ModelFileError, NetworkDoesNotFit)):  # already in words: what is wrong and what to do
        return str(error)
    # TensorFlow and PyTorch report a full GPU with their own error types.
    if isinstance(error, MemoryError) or type(error).__name__ in ("ResourceExhaustedError", "OutOfMemoryError"):
        return (
            f"Training ran out of memory while {stage}. "
            "Try a smaller batch size, fewer training images or a smaller model."
        )
    if isinstance(error, ModuleNotFoundError) and stage == "loading Keras":
        return (
            f"Keras could not be loaded: the module {error.name!r} is missing. Install it, or "
            "choose an installed backend (tensorflow, jax or torch) with KERAS_BACKEND."
        )
    if isinstance(error, OSError) and stage == "saving the model":
        return f"The trained model could not be saved: {error}. Check that the folder is writable."
    return f"Training failed while {stage}: {type(error).__name__}: {error}"


def _backend_being_loaded() -> str:
    if "keras" in sys.modules:
        return sys.modules["keras"].backend.backend()
    return os.environ.get("KERAS_BACKEND") or "tensorflow"


@dataclass(frozen=True)
class PreparedData:
    """The images a run trains and tests on, as the model takes them, and where they came from."""

    x_train: np.ndarray  # float32 (N, H, W, C) in [0, 1]: (N, 28, 28, 1) for Fashion-MNIST
    y_train: np.ndarray  # int32 (N,)
    x_test: np.ndarray
    y_test: np.ndarray
    source: str  # in words, with the counts used when a limit applies
    full: Dataset  # everything loaded; probe images are indexed into full.test_images


def prepare_data(config: TrainConfig, loaded: Dataset | None = None, on_progress=None) -> PreparedData:
    """Load the config's data set (unless ``loaded`` holds it) and apply its limits (class-balanced
    subsets); ``on_progress`` hears how far a long read of a folder has got, in words."""
    from visualizer.training.data import stratified_subset, to_model_input
    from visualizer.training.datasets import load_dataset

    data = loaded if loaded is not None else load_dataset(config, on_progress)
    train_images, train_labels = data.train_images, data.train_labels
    if config.train_limit is not None and config.train_limit < len(train_labels):
        seed = 0 if config.seed is None else config.seed
        train_images, train_labels = stratified_subset(train_images, train_labels, config.train_limit, seed=seed)
    test_images, test_labels = data.test_images, data.test_labels
    if config.test_limit is not None and config.test_limit < len(test_labels):
        test_images, test_labels = stratified_subset(test_images, test_labels, config.test_limit, seed=None)
    source = data.source
    if (len(train_labels), len(test_labels)) != (len(data.train_labels), len(data.test_labels)):
        source += f", using {len(train_labels):,} training and {len(test_labels):,} test images"
    return PreparedData(
        x_train=to_model_input(train_images),
        y_train=train_labels.astype(np.int32),
        x_test=to_model_input(test_images),
        y_test=test_labels.astype(np.int32),
        source=source,
        full=data,
    )


@dataclass(frozen=True)
class _Saving:
    """Where the trained model goes (None: a new temporary folder) and whether with its optimizer state."""

    path: str | os.PathLike[str] | None
    optimizer_state: bool


def _train(
    config, on_event, control, saving: _Saving, probes, stage: _Stage, autosave_to, loaded
) -> RunFinished | RunFailed:
    recorder = RunRecorder()
    on_event = recorder.watching(on_event)
    from visualizer.training.datasets import DATASET_TITLES

    stage.enter("reading the data", f"Reading {DATASET_TITLES.get(config.dataset, 'your pictures')}…")
    data = prepare_data(config, loaded, lambda text: on_event(Status(text)))
    _report_skipped(data.full.skipped, on_event)
    model, probe = _build(config, data, on_event, stage, probes)
    from visualizer.training.divergence import StopOnDivergence

    divergence = StopOnDivergence(learning_rate=config.learning_rate, optimizer=config.optimizer)
    if autosave_to is not None or config.resume_from is not None:
        from visualizer.training.autosave import autosave_callback

        stage.autosave = autosave_callback(
            config, autosave_to, data.source, on_event, save_model_atomically, recorder, divergence
        )
    stage.enter("training")
    progress, stopped_early, clock = _fit(config, data, model, probe, on_event, control, [divergence], stage.autosave)
    if divergence.diverged:  # the weights are broken: nothing worth saving or testing
        return RunFailed(message=divergence.reason, traceback="")
    if progress.last_epoch is None:  # stopped before the first batch: nothing was trained
        return RunFinished(
            stopped_early=True,
            epochs_completed=0,
            train_loss=math.nan,
            train_accuracy=math.nan,
            test_loss=math.nan,
            test_accuracy=math.nan,
            elapsed_s=clock.elapsed_s(),
            model_path=None,
        )
    stage.enter("saving the model", "Saving the model…")
    if saving.path is not None:
        path = Path(saving.path)
    else:
        path = Path(tempfile.mkdtemp(prefix="cnn-visualizer-")) / "model.keras"
    # The validation data is the test split, and Keras evaluates it after the last batch of every
    # epoch, stopped or not; so the last epoch's validation metrics are the test metrics of the
    # final weights, and evaluating again would only repeat the same pass.
    last = progress.last_epoch
    finished = RunFinished(
        stopped_early=stopped_early,
        epochs_completed=progress.epochs_completed,
        train_loss=last.loss,
        train_accuracy=last.accuracy,
        test_loss=last.val_loss,
        test_accuracy=last.val_accuracy,
        elapsed_s=clock.elapsed_s(),
        model_path=str(path),
    )
    title = run_title(model_title(config), finished, recorder.started.train_count)
    if not saving.optimizer_state:
        _forget_optimizer_state(model)
    save_model_atomically(model, path, recorder.recording(config, title, finished))
    return finished


SKIPPED_LISTED = 10  # unreadable files named one by one; the rest are counted


def _report_skipped(skipped: tuple[str, ...], on_event) -> None:
    """Name the files of a folder of pictures that could not be read (and were left out)."""
    for problem in skipped[:SKIPPED_LISTED]:
        on_event(Status(f"skipped {problem}"))
    if len(skipped) > SKIPPED_LISTED:
        on_event(Status(f"skipped {len(skipped) - SKIPPED_LISTED} more unreadable files"))


def _build(config: TrainConfig, data: PreparedData, on_event, stage: _Stage, probes: bool):
    """Load Keras, build the model (and its probe when wanted) and report RunStarted."""
    stage.enter("loading Keras", f"Loading Keras with the {_backend_being_loaded()} backend…")
    import keras

    from visualizer.training.device import describe_device

    backend = keras.backend.backend()
    device, device_note = describe_device(backend)

    stage.enter("building the model", "Building the model…")
    from visualizer.training.models import build_model, describe_model
    from visualizer.training.probes import Probe

    if config.seed is not None:
        keras.utils.set_random_seed(config.seed)
    if config.resume_from is not None:
        stage.enter("loading the autosaved model", "Loading the autosaved model…")
        model = keras.models.load_model(Path(config.resume_from) / "model.keras")
    elif config.model == "file":
        stage.enter("loading the network from its file", f"Loading the network from {Path(config.model_file).name}…")
        from visualizer.training.model_file import load_for_training

        model = load_for_training(config, data.full)
    else:
        model = build_model(config, data.full.image_shape, len(data.full.class_names))
    probe = Probe(model) if probes else None
    on_event(
        RunStarted(
            backend=backend,
            device=device,
            device_note=device_note,
            model_name=model.name,
            model_summary=describe_model(model),
            parameter_count=int(model.count_params()),
            data_source=data.source,
            train_count=len(data.y_train),
            test_count=len(data.y_test),
            epochs=config.epochs,
            steps_per_epoch=_steps_per_epoch(config, data),
            class_names=tuple(data.full.class_names),
        )
    )
    return model, probe


def _steps_per_epoch(config: TrainConfig, data: PreparedData) -> int:
    return math.ceil(len(data.y_train) / config.batch_size)


def _fit(config: TrainConfig, data: PreparedData, model, probe, on_event, control: RunControl, watchers: list, autosave):
    """Train, unless a stop came first, with one callback per job: ``watchers`` (such as
    divergence.StopOnDivergence), the live view (progress and probes, the same callback a script
    uses: live_callback.OwnRunView), control, the confusion matrix and ``autosave`` (None: none).
    They share what they must through the objects passed to them; the one rule of order is that
    the view comes before control. Returns the live view, which holds the last epoch's scores, whether the run was stopped
    on request, and the run's clock."""
    from visualizer.training.control import ControlCallback, RunClock
    from visualizer.training.live_callback import OwnRunView

    initial_epoch = autosave.epochs_done if autosave is not None else 0
    clock = RunClock()
    view = OwnRunView(
        on_event=on_event,
        control=control,
        clock=clock,
        probe=probe,  # None: a run without pictures (the command line shows none)
        probe_images=data.full.test_images,
        probe_labels=data.full.test_labels,
        default_probe_index=config.probe_index,
        steps_per_epoch=_steps_per_epoch(config, data),
        batch_size=config.batch_size,
        train_count=len(data.y_train),
        epochs_done=initial_epoch,
        probe_rate_hz=config.probe_rate_hz,
    )
    controlling = ControlCallback(
        control=control, clock=clock, while_paused=view.follow_choice, on_pause=view.report_held,
    )
    from visualizer.training.confusion import ConfusionCallback

    confusion = ConfusionCallback.for_run(config, data, on_event) if probe is not None else None  # shown with probes
    # The view reports a batch at the next one's beginning, before control may hold the run there.
    callbacks = [*watchers, view, controlling, *(c for c in (confusion, autosave) if c is not None)]
    if not control.stop_requested():
        if probe is not None:
            view.send_first_probe()
        model.fit(
            data.x_train,
            data.y_train,
            batch_size=config.batch_size,
            epochs=config.epochs,
            initial_epoch=initial_epoch,
            validation_data=(data.x_test, data.y_test),
            shuffle=True,
            verbose=0,
            callbacks=callbacks,
        )
    return view, controlling.stopped_early, clock


def _forget_optimizer_state(model) -> None:
    """Compile the model afresh: a new optimizer holds no state until its first step."""
    import keras

    model.compile(**keras.saving.deserialize_keras_object(model.get_compile_config()))


def save_model_atomically(model, path: str | os.PathLike[str], recording: RunRecording | None = None) -> None:
    """Save as ``path`` (.keras) so that the file is either the old one or the complete new one;
    with the run's ``recording`` inside it when one is given (see recording_file.py)."""
    path = Path(path)
    if path.suffix != ".keras":
        raise ValueError(f"the model file name must end in .keras, not {path.name!r}")

    def write(temporary: Path) -> None:
        with warnings.catch_warnings():
            # Keras saves TensorFlow variables with np.array(), which NumPy 2 warns about; the
            # file is right, and the warning is not ours to fix.
            warnings.filterwarnings("ignore", "__array__ implementation doesn't accept a copy", DeprecationWarning)
            model.save(temporary)
        if recording is not None:
            add_recording(temporary, recording)

    replace_atomically(path, write)
