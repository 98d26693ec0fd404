"""A recorded run inside its model's .keras file, so that one file holds both.

A .keras file is a zip archive (config.json, metadata.json, model.weights.h5). The recording
adds two entries that Keras does not read, so the file still loads with plain
``keras.models.load_model``:

- ``recording/recording.json``: the format version, the settings, the title, the RunStarted and
  RunFinished events, and the snapshots' small fields (epoch, label, layer names);
- ``recording/arrays.npz``: the batch and epoch values as columns (one array per field), and
  each end-of-epoch snapshot's image, kernels and prediction in float32 and its feature maps in
  float16 (about 3 significant digits, far finer than a colour map shows; half the size); and,
  for runs that reported them, the confusion sample (its test indices, labels and small uint8
  pictures) and each epoch's predicted class per sample image (``confusion.predicted``, one row
  per epoch in ``confusion.epochs``). A recording without them (made before the app kept them)
  reads with ``confusion_sample`` None.

Reading needs neither Keras nor Qt, and never unpickles (``allow_pickle=False``). Fields a newer
version adds are ignored; a missing or damaged part raises RecordingError with words for people.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import zipfile
import zlib
from pathlib import Path

import numpy as np

from visualizer.fileio import replace_atomically
from visualizer.training.events import (
    BatchEnd,
    ConfusionSample,
    EpochConfusion,
    EpochEnd,
    LayerKernels,
    LayerMaps,
    ProbeSnapshot,
    RunFinished,
    RunStarted,
    frozen_float32,
    prediction_dtype,
)
from visualizer.training.recording import RunRecording
from visualizer.training.saved_runs import config_from_dict, config_to_dict

FOLDER = "recording/"
DESCRIPTION_ENTRY = FOLDER + "recording.json"
ARRAYS_ENTRY = FOLDER + "arrays.npz"
FORMAT_VERSION = 1
KERAS_CONFIG_ENTRY = "config.json"  # the model's architecture, in every .keras file Keras writes
_FLOAT16_MAX = float(np.finfo(np.float16).max)


class RecordingError(ValueError):
    """The recording in a model file cannot be read; the message says which file and why."""


# -- writing -------------------------------------------------------------------------------------
def add_recording(archive: str | os.PathLike[str], recording: RunRecording) -> None:
    """Add ``recording`` to a .keras file that has none yet (one being written, not yet in place)."""
    with zipfile.ZipFile(archive, "a") as zipped:
        if DESCRIPTION_ENTRY in zipped.namelist():
            raise ValueError(f"{archive} already holds a recording")
        _write_entries(zipped, recording)


def write_recording(path: str | os.PathLike[str], recording: RunRecording) -> None:
    """Put ``recording`` into the .keras file at ``path``, replacing any it has, atomically: the
    new archive is built beside it, then renamed onto it."""
    path = Path(path)

    def write(temporary: Path) -> None:
        with zipfile.ZipFile(path) as source, zipfile.ZipFile(temporary, "w") as target:
            for info in source.infolist():
                if not info.filename.startswith(FOLDER):
                    target.writestr(info, source.read(info))
            _write_entries(target, recording)

    replace_atomically(path, write)


def write_recording_alone(path: str | os.PathLike[str], recording: RunRecording) -> None:
    """Write a new file at ``path`` that holds ``recording`` and no model: what a script streamed
    to the window, whose model stays with the script. The app opens it as any recorded run. Not
    atomic by itself: the window's saving writes a temporary file and renames it."""
    with zipfile.ZipFile(path, "w") as target:
        _write_entries(target, recording)


def _write_entries(zipped: zipfile.ZipFile, recording: RunRecording) -> None:
    description, arrays = _encode(recording)
    zipped.writestr(DESCRIPTION_ENTRY, json.dumps(description, indent=1), zipfile.ZIP_DEFLATED)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    zipped.writestr(ARRAYS_ENTRY, buffer.getvalue(), zipfile.ZIP_DEFLATED)


def _encode(recording: RunRecording) -> tuple[dict, dict[str, np.ndarray]]:
    arrays = {**_columns("batch", BatchEnd, recording.batches), **_columns("epoch", EpochEnd, recording.epochs)}
    snapshots = []
    for number, snapshot in enumerate(recording.snapshots):
        prefix = f"snapshot{number}"
        arrays[f"{prefix}.image"] = np.asarray(snapshot.image, np.float32)
        arrays[f"{prefix}.probabilities"] = np.asarray(snapshot.probabilities, np.float32)
        for index, layer in enumerate(snapshot.feature_maps):
            maps = np.clip(np.asarray(layer.maps, np.float32), -_FLOAT16_MAX, _FLOAT16_MAX)
            arrays[f"{prefix}.maps{index}"] = maps.astype(np.float16)
        for index, layer in enumerate(snapshot.kernels):
            arrays[f"{prefix}.kernels{index}"] = np.asarray(layer.kernels, np.float32)
        snapshots.append({
            "epoch": snapshot.epoch,
            "batch": snapshot.batch,
            "probe_index": snapshot.probe_index,
            "label": snapshot.label,
            "end_of_epoch": snapshot.end_of_epoch,
            "steps_per_epoch": snapshot.steps_per_epoch,
            "feature_maps": [layer.name for layer in snapshot.feature_maps],
            "kernels": [layer.name for layer in snapshot.kernels],
        })
    description = {
        "format": FORMAT_VERSION,
        "title": recording.title,
        "config": None if recording.config is None else config_to_dict(recording.config),
        "started": dataclasses.asdict(recording.started),
        "finished": dataclasses.asdict(recording.finished),
        "snapshots": snapshots,
    }
    sample = recording.confusion_sample
    if sample is not None:
        description["confusion"] = {"test_count": sample.test_count}
        arrays["confusion.indices"] = np.asarray(sample.indices, np.int64)
        arrays["confusion.labels"] = np.asarray(sample.labels, np.int64)
        arrays["confusion.pictures"] = np.asarray(sample.pictures, np.uint8)
        arrays["confusion.epochs"] = np.array([confusion.epoch for confusion in recording.confusions], np.int64)
        dtype = prediction_dtype(len(recording.started.class_names))
        arrays["confusion.predicted"] = np.array(
            [confusion.predicted for confusion in recording.confusions], dtype
        ).reshape(len(recording.confusions), len(sample.labels))
    return description, arrays


def _columns(prefix: str, kind: type, events) -> dict[str, np.ndarray]:
    """One array per field of ``kind``: e.g. batch.loss holds every batch's loss."""
    return {
        f"{prefix}.{field.name}": np.array([getattr(event, field.name) for event in events])
        for field in dataclasses.fields(kind)
    }


# -- reading -------------------------------------------------------------------------------------
def has_recording(path: str | os.PathLike[str]) -> bool:
    """Whether the file is a .keras archive that holds a recording (damaged or not)."""
    try:
        with zipfile.ZipFile(path) as zipped:
            return DESCRIPTION_ENTRY in zipped.namelist()
    except (OSError, zipfile.BadZipFile):
        return False


def holds_model(path: str | os.PathLike[str]) -> bool:
    """Whether the file may hold a model: any file but a .keras archive without Keras's
    config.json (a recorded run saved from the window alone, see write_recording_alone)."""
    try:
        with zipfile.ZipFile(path) as zipped:
            return KERAS_CONFIG_ENTRY in zipped.namelist()
    except (OSError, zipfile.BadZipFile):
        return True  # an .h5 file, or one the model loader explains


def recorded_class_names(path: str | os.PathLike[str]) -> tuple[str, ...] | None:
    """The class names of the run recorded in the .keras file at ``path`` (read from its small
    description only), or None when it holds no readable recording or names."""
    try:
        with zipfile.ZipFile(path) as zipped:
            if DESCRIPTION_ENTRY not in zipped.namelist():
                return None
            names = json.loads(zipped.read(DESCRIPTION_ENTRY).decode("utf-8"))["started"]["class_names"]
    except (OSError, zipfile.BadZipFile, EOFError, zlib.error, ValueError, KeyError, TypeError):
        return None
    if not isinstance(names, list) or not names or not all(isinstance(name, str) for name in names):
        return None
    return tuple(names)


def read_recording(path: str | os.PathLike[str]) -> RunRecording | None:
    """The run recorded in the .keras file at ``path``, or None when it holds no recording.

    Raises RecordingError when the file or its recording cannot be read."""
    try:
        with zipfile.ZipFile(path) as zipped:
            names = zipped.namelist()
            if DESCRIPTION_ENTRY not in names:
                return None
            if ARRAYS_ENTRY not in names:
                raise RecordingError(f"The recorded run in {path} is incomplete: its arrays are missing.")
            description = json.loads(zipped.read(DESCRIPTION_ENTRY).decode("utf-8"))
            with np.load(io.BytesIO(zipped.read(ARRAYS_ENTRY)), allow_pickle=False) as loaded:
                arrays = {name: loaded[name] for name in loaded.files}
        return _decode(description, arrays)
    except RecordingError:
        raise
    except (OSError, zipfile.BadZipFile, EOFError, zlib.error) as error:  # zlib: damaged compressed bytes
        raise RecordingError(f"The recorded run in {path} cannot be read: {error}.") from error
    except (ValueError, KeyError, TypeError, IndexError, AttributeError) as error:
        raise RecordingError(
            f"The recorded run in {path} is damaged ({type(error).__name__}: {error}). "
            "The model in it may still open; record the run again to replay it."
        ) from error


def _decode(description: dict, arrays: dict[str, np.ndarray]) -> RunRecording:
    snapshots = []
    for number, values in enumerate(description["snapshots"]):
        prefix = f"snapshot{number}"
        snapshots.append(
            ProbeSnapshot(
                epoch=int(values["epoch"]),
                batch=int(values["batch"]),
                probe_index=int(values["probe_index"]),
                image=frozen_float32(arrays[f"{prefix}.image"]),
                label=int(values["label"]),
                feature_maps=tuple(
                    LayerMaps(name, frozen_float32(arrays[f"{prefix}.maps{index}"]))
                    for index, name in enumerate(values["feature_maps"])
                ),
                kernels=tuple(
                    LayerKernels(name, frozen_float32(arrays[f"{prefix}.kernels{index}"]))
                    for index, name in enumerate(values["kernels"])
                ),
                probabilities=frozen_float32(arrays[f"{prefix}.probabilities"]),
                end_of_epoch=bool(values.get("end_of_epoch", True)),
                # Recordings made before snapshots carried it: the run's own.
                steps_per_epoch=int(values.get("steps_per_epoch", description["started"]["steps_per_epoch"])),
            )
        )
    _check_shapes(snapshots)
    started = _event(RunStarted, description["started"])
    sample, confusions = _confusions(description, arrays, len(started.class_names))
    return RunRecording(
        config=None if description["config"] is None else config_from_dict(description["config"]),
        title=str(description["title"]),
        started=dataclasses.replace(started, class_names=tuple(started.class_names), shown_layers=tuple(started.shown_layers)),
        batches=_rows("batch", BatchEnd, arrays),
        epochs=_rows("epoch", EpochEnd, arrays),
        snapshots=tuple(snapshots),
        finished=_event(RunFinished, description["finished"]),
        confusion_sample=sample,
        confusions=confusions,
    )


def _confusions(description: dict, arrays: dict[str, np.ndarray], class_count: int):
    """The confusion sample and each epoch's predictions, or (None, ()) for a recording made before
    the app kept them; values that cannot be a confusion matrix of ``class_count`` classes are refused."""
    if "confusion" not in description:
        return None, ()
    labels = arrays["confusion.labels"].astype(np.int64)
    pictures = arrays["confusion.pictures"]
    predicted = arrays["confusion.predicted"]
    epochs = arrays["confusion.epochs"]
    count = len(labels)
    if pictures.dtype != np.uint8 or pictures.ndim not in (3, 4) or len(pictures) != count:
        raise ValueError(f"the confusion sample's pictures are {pictures.dtype} {pictures.shape}, not {count} uint8 images")
    if predicted.shape != (len(epochs), count) or arrays["confusion.indices"].shape != (count,):
        raise ValueError("the confusion sample's arrays differ in length")
    for values in (labels, predicted):
        if values.size and (values.min() < 0 or values.max() >= class_count):
            raise ValueError(f"a confusion class lies outside 0..{class_count - 1}")
    sample = ConfusionSample(
        indices=arrays["confusion.indices"].astype(np.int64),
        labels=labels,
        pictures=pictures,
        test_count=int(description["confusion"]["test_count"]),
    )
    dtype = prediction_dtype(class_count)
    return sample, tuple(
        EpochConfusion(epoch=int(epoch), predicted=row.astype(dtype)) for epoch, row in zip(epochs, predicted)
    )


def _check_shapes(snapshots: list[ProbeSnapshot]) -> None:
    """Refuse arrays of the wrong rank here, in words, rather than in a view that draws them."""
    for snapshot in snapshots:
        # The probe image is (H, W) when gray and (H, W, 3) when in colour (a CIFAR-10 or own-folder run).
        ranks = [("image", snapshot.image, (2, 3)), ("probabilities", snapshot.probabilities, (1,))]
        ranks += [(f"feature maps of {layer.name}", layer.maps, (3,)) for layer in snapshot.feature_maps]
        ranks += [(f"kernels of {layer.name}", layer.kernels, (4,)) for layer in snapshot.kernels]
        for what, array, allowed in ranks:
            if array.ndim not in allowed:
                expected = " or ".join(map(str, allowed))
                raise ValueError(f"epoch {snapshot.epoch}'s {what} have {array.ndim} axes, not {expected}")


def _event(kind: type, values: dict):
    """``kind`` from its fields' values, ignoring fields this version does not know."""
    known = {field.name for field in dataclasses.fields(kind)}
    return kind(**{name: value for name, value in values.items() if name in known})


def _rows(prefix: str, kind: type, arrays: dict[str, np.ndarray]) -> tuple:
    columns = {
        field.name: arrays[f"{prefix}.{field.name}"].tolist()
        for field in dataclasses.fields(kind)
        if f"{prefix}.{field.name}" in arrays
    }
    count = len(next(iter(columns.values()), []))
    if any(len(values) != count for values in columns.values()):
        raise ValueError(f"the {prefix} columns differ in length")
    return tuple(kind(**{name: values[row] for name, values in columns.items()}) for row in range(count))


