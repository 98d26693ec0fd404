"""A run's recording inside its .keras file: written by the run itself, read back without Keras,
ignored by Keras, and refused in words when damaged."""

from __future__ import annotations

import dataclasses
import io
import json
import zipfile

import keras
import numpy as np
import pytest

from tests.training.tiny import copy_archive, record_tiny_run, tiny_config
from visualizer.training.events import (
    BatchEnd,
    ConfusionSample,
    EpochConfusion,
    EpochEnd,
    ProbeSnapshot,
    RunFinished,
    RunStarted,
)
from visualizer.training.recording import RunRecorder
from visualizer.training.recording_file import (
    ARRAYS_ENTRY,
    DESCRIPTION_ENTRY,
    RecordingError,
    has_recording,
    read_recording,
    write_recording,
)
from visualizer.training.run import RunControl, run, save_model_atomically


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """A real tiny run of two epochs saved with its recording, and every event it reported."""
    path = tmp_path_factory.mktemp("recorded") / "run.keras"
    return path, record_tiny_run(path, epochs=2)


def of(events, kind) -> list:
    return [event for event in events if isinstance(event, kind)]


def assert_same_snapshot(read: ProbeSnapshot, sent: ProbeSnapshot) -> None:
    """Equal, but for the feature maps, which are kept in float16."""
    assert (read.epoch, read.batch, read.probe_index, read.label, read.end_of_epoch, read.steps_per_epoch) == (
        sent.epoch, sent.batch, sent.probe_index, sent.label, sent.end_of_epoch, sent.steps_per_epoch)
    np.testing.assert_array_equal(read.image, sent.image)
    np.testing.assert_array_equal(read.probabilities, sent.probabilities)
    assert [layer.name for layer in read.kernels] == [layer.name for layer in sent.kernels]
    for got, want in zip(read.kernels, sent.kernels, strict=True):
        np.testing.assert_array_equal(got.kernels, want.kernels)
    assert [layer.name for layer in read.feature_maps] == [layer.name for layer in sent.feature_maps]
    for got, want in zip(read.feature_maps, sent.feature_maps, strict=True):
        assert got.maps.dtype == np.float32
        np.testing.assert_array_equal(got.maps, want.maps.astype(np.float16).astype(np.float32))
        np.testing.assert_allclose(got.maps, want.maps, rtol=1e-3, atol=1e-4)


def test_the_saved_model_holds_the_run_as_it_was_reported(recorded):
    path, events = recorded
    recording = read_recording(path)
    finished = events[-1]
    assert recording.config == tiny_config(epochs=2)
    assert recording.started == of(events, RunStarted)[0]
    assert recording.finished == finished and recording.finished.model_path == str(path)
    assert list(recording.batches) == of(events, BatchEnd)
    assert list(recording.epochs) == of(events, EpochEnd)
    sent = [snapshot for snapshot in of(events, ProbeSnapshot) if snapshot.end_of_epoch]
    assert [snapshot.epoch for snapshot in recording.snapshots] == [1, 2]
    for read, original in zip(recording.snapshots, sent, strict=True):
        assert_same_snapshot(read, original)
    assert recording.title == "CNN — 2 epochs, 64 training images"
    assert recording.events()[0] == recording.started and recording.events()[-1] == finished


def test_plain_keras_loads_the_file_and_its_model_is_the_recorded_one(recorded):
    path, _ = recorded
    names = zipfile.ZipFile(path).namelist()
    assert DESCRIPTION_ENTRY in names and ARRAYS_ENTRY in names
    model = keras.models.load_model(path)  # the extra entries do not bother Keras
    last = read_recording(path).snapshots[-1]
    predicted = model.predict(last.image[np.newaxis, ..., np.newaxis], verbose=0)[0]
    np.testing.assert_allclose(predicted, last.probabilities, atol=1e-5)


def test_a_model_without_a_recording_reads_as_none_and_can_be_given_one(recorded, tmp_path):
    path, _ = recorded
    plain = tmp_path / "plain.keras"
    save_model_atomically(keras.models.load_model(path), plain)
    assert not has_recording(plain) and read_recording(plain) is None
    recording = read_recording(path)
    write_recording(plain, recording)
    assert has_recording(plain)
    again = read_recording(plain)
    assert again.batches == recording.batches and again.finished == recording.finished
    write_recording(plain, dataclasses.replace(recording, title="renamed"))  # replaces, never doubles
    assert read_recording(plain).title == "renamed"
    assert zipfile.ZipFile(plain).namelist().count(DESCRIPTION_ENTRY) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plain.keras"], "no temporary file is left"
    keras.models.load_model(plain)


def test_fields_a_newer_version_adds_are_ignored(recorded, tmp_path):
    path, _ = recorded

    def newer(name: str, data: bytes) -> bytes:
        if name != DESCRIPTION_ENTRY:
            return data
        description = json.loads(data)
        description["format"] = 2
        description["config"]["warmup_epochs"] = 3
        description["started"]["cpu_count"] = 16
        description["snapshots"][0]["saliency"] = "somewhere"
        description["shiny_new_part"] = {}
        return json.dumps(description).encode()

    changed = copy_archive(path, tmp_path / "newer.keras", newer)
    recording = read_recording(changed)
    assert recording.config == tiny_config(epochs=2)
    assert recording.started == read_recording(path).started


@pytest.mark.parametrize(
    ("entry", "data", "words"),
    [
        (ARRAYS_ENTRY, b"not an npz at all", "is damaged"),
        (ARRAYS_ENTRY, None, "its arrays are missing"),
        (DESCRIPTION_ENTRY, b"{ half a json", "is damaged"),
        (DESCRIPTION_ENTRY, b'{"format": 1}', "is damaged"),
    ],
)
def test_a_damaged_recording_is_refused_in_words(recorded, tmp_path, entry, data, words):
    path, _ = recorded
    damaged = copy_archive(path, tmp_path / "damaged.keras", lambda name, original: data if name == entry else original)
    with pytest.raises(RecordingError) as raised:
        read_recording(damaged)
    message = str(raised.value)
    assert str(damaged) in message and words in message
    assert "Traceback" not in message


def test_damaged_compressed_bytes_are_refused_in_words(recorded, tmp_path):
    path, _ = recorded
    damaged = tmp_path / "flipped.keras"
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zipped:
        entry = zipped.getinfo(ARRAYS_ENTRY)
    assert entry.compress_type == zipfile.ZIP_DEFLATED and entry.compress_size > 300
    start = entry.header_offset + 30 + len(entry.filename) + len(entry.extra)  # the compressed data
    for index in range(start + 100, start + 300):
        data[index] ^= 0xFF
    damaged.write_bytes(bytes(data))
    with pytest.raises(RecordingError, match="cannot be read"):
        read_recording(damaged)


def test_arrays_of_the_wrong_rank_are_refused_in_words(recorded, tmp_path):
    path, _ = recorded

    def flatten_the_first_map(name, original):
        if name != ARRAYS_ENTRY:
            return original
        with np.load(io.BytesIO(original)) as loaded:
            arrays = {key: loaded[key] for key in loaded.files}
        arrays["snapshot0.maps0"] = arrays["snapshot0.maps0"][..., 0]
        out = io.BytesIO()
        np.savez(out, **arrays)
        return out.getvalue()

    damaged = copy_archive(path, tmp_path / "flat.keras", flatten_the_first_map)
    with pytest.raises(RecordingError, match="have 2 axes, not 3"):
        read_recording(damaged)


def test_a_file_that_is_no_archive_is_refused_in_words(tmp_path):
    notes = tmp_path / "notes.keras"
    notes.write_text("my lesson plan")
    assert not has_recording(notes)
    with pytest.raises(RecordingError, match="cannot be read"):
        read_recording(notes)


def test_a_run_stopped_early_records_what_it_did(tmp_path):
    control = RunControl()
    events = []

    def stop_after_the_first_batch(event):
        events.append(event)
        if isinstance(event, BatchEnd):
            control.request_stop()

    path = tmp_path / "stopped.keras"
    result = run(tiny_config(epochs=3), stop_after_the_first_batch, control, save_to=path)
    recording = read_recording(path)
    assert result.stopped_early and recording.finished == result
    assert list(recording.batches) == of(events, BatchEnd)
    assert recording.batches[-1].batch < 8, "it stopped within the first epoch"
    assert list(recording.epochs) == of(events, EpochEnd) and len(recording.epochs) == 1
    assert recording.title == "CNN — 0 epochs (stopped early), 64 training images"
    (kept,) = recording.snapshots  # Keras closes the epoch that Stop cut short with a snapshot
    assert kept.cut_short and (kept.epoch, kept.batch, kept.steps_per_epoch) == (1, recording.batches[-1].batch, 8)
    assert [confusion.epoch for confusion in recording.confusions] == [1], "and with its confusion matrix"


def test_a_recording_made_before_snapshots_knew_the_epoch_length_uses_the_runs(recorded, tmp_path):
    path, _ = recorded

    def older(name: str, data: bytes) -> bytes:
        if name != DESCRIPTION_ENTRY:
            return data
        description = json.loads(data)
        for snapshot in description["snapshots"]:
            del snapshot["steps_per_epoch"]
        return json.dumps(description).encode()

    recording = read_recording(copy_archive(path, tmp_path / "older.keras", older))
    assert [s.steps_per_epoch for s in recording.snapshots] == [8, 8]
    assert not any(s.cut_short for s in recording.snapshots)


def test_the_recorder_keeps_only_what_a_recording_holds():
    recorder = RunRecorder()
    with pytest.raises(ValueError, match="never started"):
        recorder.recording(tiny_config(), "x", RunFinished(False, 0, 0, 0, 0, 0, 0, None))
    passed = []
    watch = recorder.watching(passed.append)
    batch = BatchEnd(1, 1, 8, 2.0, 0.1, 100.0, 0.1)
    watch(batch)
    watch("not an event")
    assert passed == [batch, "not an event"] and recorder.batches == [batch] and recorder.epochs == []


def test_without_the_optimizer_state_the_file_is_a_third_of_the_size_and_predicts_the_same(recorded, tmp_path):
    path, _ = recorded
    lean = tmp_path / "lean.keras"
    result = run(tiny_config(epochs=2), lambda event: None, save_to=lean, optimizer_state=False)
    assert isinstance(result, RunFinished)
    assert lean.stat().st_size < 0.4 * path.stat().st_size
    last = read_recording(lean).snapshots[-1]
    model = keras.models.load_model(lean, compile=False)  # as the inspector loads it
    predicted = model.predict(last.image[np.newaxis, ..., np.newaxis], verbose=0)[0]
    np.testing.assert_allclose(predicted, last.probabilities, atol=1e-5)


def test_the_confusion_matrices_are_kept_for_each_epoch(recorded):
    path, events = recorded
    recording = read_recording(path)
    (sent_sample,) = of(events, ConfusionSample)
    sample = recording.confusion_sample
    for name in ("indices", "labels", "pictures"):
        np.testing.assert_array_equal(getattr(sample, name), getattr(sent_sample, name))
    assert sample.pictures.dtype == np.uint8 and sample.test_count == sent_sample.test_count == 32
    sent = of(events, EpochConfusion)
    assert [confusion.epoch for confusion in recording.confusions] == [1, 2]
    for read, original in zip(recording.confusions, sent, strict=True):
        assert read.predicted.dtype == np.uint8
        np.testing.assert_array_equal(read.predicted, original.predicted)
    kinds = [type(event).__name__ for event in recording.events()]
    assert kinds[1] == "ConfusionSample" and kinds.count("EpochConfusion") == 2
    assert kinds.index("EpochConfusion") > kinds.index("EpochEnd")


def without_confusions(name: str, data: bytes) -> bytes:
    """An archive entry as a recording made before the app kept confusion matrices has it."""
    if name == DESCRIPTION_ENTRY:
        description = json.loads(data)
        del description["confusion"]
        return json.dumps(description).encode()
    if name == ARRAYS_ENTRY:
        with np.load(io.BytesIO(data)) as loaded:
            arrays = {key: loaded[key] for key in loaded.files if not key.startswith("confusion.")}
        out = io.BytesIO()
        np.savez(out, **arrays)
        return out.getvalue()
    return data


def test_a_recording_made_before_confusion_matrices_still_opens(recorded, tmp_path):
    path, _ = recorded
    old = read_recording(copy_archive(path, tmp_path / "old.keras", without_confusions))
    assert old.confusion_sample is None and old.confusions == ()
    assert old.batches == read_recording(path).batches


def test_a_confusion_class_out_of_range_is_refused_in_words(recorded, tmp_path):
    path, _ = recorded

    def eleventh_class(name, original):
        if name != ARRAYS_ENTRY:
            return original
        with np.load(io.BytesIO(original)) as loaded:
            arrays = {key: loaded[key] for key in loaded.files}
        arrays["confusion.predicted"][0, 0] = 10
        out = io.BytesIO()
        np.savez(out, **arrays)
        return out.getvalue()

    damaged = copy_archive(path, tmp_path / "eleven.keras", eleventh_class)
    with pytest.raises(RecordingError, match="outside 0..9"):
        read_recording(damaged)
