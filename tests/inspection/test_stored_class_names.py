"""Class names stored with a model: the run this app recorded in its .keras file names the classes,
read from the recording's small description without Keras; a count that does not fit is noted."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from visualizer.inspection.report import class_names
from visualizer.training.recording_file import DESCRIPTION_ENTRY, recorded_class_names


def archive_with_names(path: Path, names) -> Path:
    with zipfile.ZipFile(path, "w") as zipped:
        zipped.writestr("config.json", "{}")
        zipped.writestr(DESCRIPTION_ENTRY, json.dumps({"format": 1, "started": {"class_names": names}}))
    return path


def test_a_recorded_runs_class_names_are_the_models(tmp_path):
    path = archive_with_names(tmp_path / "run.keras", ["cat", "dog", "bird"])
    assert recorded_class_names(path) == ("cat", "dog", "bird")
    names, source, stored, notes = class_names(path, 3, (32, 32), 3)
    assert names == ("cat", "dog", "bird") and stored and "recorded" in source and not notes
    names, _, stored, notes = class_names(path, 4, (32, 32), 3)
    assert names == ("class 0", "class 1", "class 2", "class 3") and not stored
    assert "3 classes for 4 outputs" in notes[0]


def test_a_file_without_a_readable_recording_names_nothing(tmp_path):
    assert recorded_class_names(archive_with_names(tmp_path / "odd.keras", "not a list")) is None
    (tmp_path / "plain.keras").write_bytes(b"PK\x03\x04 cut short")
    assert recorded_class_names(tmp_path / "plain.keras") is None
    assert recorded_class_names(tmp_path / "missing.keras") is None
    names, source, stored, _ = class_names(tmp_path / "missing.keras", 10, (28, 28), 1)
    assert names[0] == "T-shirt/top" and not stored and "Fashion-MNIST" in source
