"""Events a training run reports. Immutable snapshots of plain floats and copied numpy arrays,
so they can cross threads and processes (they pickle)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def frozen_float32(array) -> np.ndarray:
    """A float32 numpy copy of ``array`` that cannot be changed: what snapshots hold, safe to hand
    to another thread."""
    frozen = np.array(array, dtype=np.float32, copy=True)
    frozen.setflags(write=False)
    return frozen


@dataclass(frozen=True)
class Status:
    """A step of the start-up that takes time (loading TensorFlow, reading data, building)."""

    text: str


@dataclass(frozen=True)
class RunStarted:
    backend: str  # "tensorflow", "jax" or "torch"
    device: str  # e.g. "GPU: NVIDIA H100 80GB HBM3" or "CPU"
    device_note: str  # e.g. "a GPU exists but TensorFlow cannot use it: ..." or ""
    model_name: str
    model_summary: str  # one line per layer: name, type, output shape, parameters
    parameter_count: int
    data_source: str  # where the images came from, in words
    train_count: int
    test_count: int
    epochs: int
    steps_per_epoch: int
    class_names: tuple[str, ...]
    run_name: str = ""  # a run from another script: its file name, or LiveView(name=...); "" for the app's own
    # The layers whose feature maps are shown until the user chooses others under Layers (the
    # snapshots may hold more); () shows every layer the snapshots hold.
    shown_layers: tuple[str, ...] = ()


@dataclass(frozen=True)
class BatchEnd:
    epoch: int  # 1-based
    batch: int  # 1-based within the epoch
    steps_per_epoch: int
    loss: float  # running mean over the epoch so far, as Keras reports it
    accuracy: float
    images_per_second: float
    elapsed_s: float


@dataclass(frozen=True)
class EpochEnd:
    epoch: int
    loss: float
    accuracy: float
    val_loss: float
    val_accuracy: float
    elapsed_s: float


@dataclass(frozen=True)
class LayerMaps:
    """Activations of one layer for the probe image: (H, W, C) float32."""

    name: str
    maps: np.ndarray


@dataclass(frozen=True)
class LayerKernels:
    """Weights of one conv layer: (kh, kw, C_in, C_out) float32."""

    name: str
    kernels: np.ndarray


@dataclass(frozen=True)
class ProbeSnapshot:
    epoch: int
    batch: int
    probe_index: int
    image: np.ndarray  # float32, (H, W) grey or (H, W, 3) colour: the app's runs (28, 28) in [0, 1]
    label: int  # -1 when unknown (a probe image given to LiveView without its label)
    feature_maps: tuple[LayerMaps, ...]
    kernels: tuple[LayerKernels, ...]
    probabilities: np.ndarray  # (10,) the model's prediction for the probe image
    end_of_epoch: bool = False  # True for the snapshot kept for the per-epoch replay
    steps_per_epoch: int = 0  # the run's batches per epoch; 0: not known

    @property
    def cut_short(self) -> bool:
        """An end-of-epoch snapshot of an epoch that Stop ended before its last batch."""
        return self.end_of_epoch and 0 < self.batch < self.steps_per_epoch


@dataclass(frozen=True)
class ConfusionSample:
    """The test images whose predicted classes EpochConfusion reports, sent once as training
    begins: a fixed sample of the run's test part, balanced across classes (confusion.py)."""

    indices: np.ndarray  # int (M,): positions in the test split as loaded, as probe indices count
    labels: np.ndarray  # int (M,): their true classes
    pictures: np.ndarray  # uint8 (M, h, w) grey or (M, h, w, 3) colour: the images, shrunk when large
    test_count: int  # the images in the run's test part, of which these M are a sample

    def counts(self, confusion: EpochConfusion, class_count: int) -> np.ndarray:
        """The K x K confusion matrix of ``confusion``: true classes down, predictions across."""
        cells = np.asarray(self.labels, np.int64) * class_count + np.asarray(confusion.predicted, np.int64)
        return np.bincount(cells, minlength=class_count * class_count).reshape(class_count, class_count)


def prediction_dtype(class_count: int) -> np.dtype:
    """The smallest type that holds a predicted class: one byte per image up to 256 classes."""
    return np.dtype(np.uint8 if class_count <= 256 else np.uint16)


@dataclass(frozen=True)
class EpochConfusion:
    """The class the network predicted at the end of ``epoch`` for each image of the run's ConfusionSample."""

    epoch: int
    predicted: np.ndarray  # (M,) uint8 (uint16 beyond 256 classes), in the sample's order


@dataclass(frozen=True)
class WindowRequest:
    """The window asks a script's run (LiveView) to pause after its current batch, resume, or stop
    after its current batch (it then evaluates and ends as a run stopped early)."""

    action: str  # one of WINDOW_ACTIONS


WINDOW_ACTIONS = ("pause", "resume", "stop")


@dataclass(frozen=True)
class AutosaveOff:
    """Autosave could not write (a full or read-only disk); the run trains on without it."""

    message: str  # for people: why, and what to do


@dataclass(frozen=True)
class RunFinished:
    stopped_early: bool
    epochs_completed: int
    train_loss: float
    train_accuracy: float
    test_loss: float
    test_accuracy: float
    elapsed_s: float
    model_path: str | None  # the trained model, saved as .keras in a temporary folder


@dataclass(frozen=True)
class RunFailed:
    message: str  # for people: what went wrong and what to do
    traceback: str


Event = (
    Status | RunStarted | BatchEnd | EpochEnd | ProbeSnapshot | ConfusionSample | EpochConfusion | AutosaveOff
    | RunFinished | RunFailed
)
