"""A network the layer list cannot show (it branches), opened with "Open network…": offered to be
trained from its file as it is, named in the Network menu, given to the run as model="file",
left by choosing a preset, remembered while the file is there, and shown for a recorded run."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from PyQt6.QtCore import QSettings, Qt
from PyQt6.QtWidgets import QFileDialog, QMessageBox

from visualizer.training.config import TrainConfig
from visualizer.ui.training.settings import SettingsForm


def _tensor(source: str, shape) -> dict:
    return {"class_name": "__keras_tensor__", "config": {"shape": shape, "dtype": "float32", "keras_history": [source, 0, 0]}}


def _layer(class_name: str, name: str, config: dict, sources=(), shape=None) -> dict:
    nodes = [{"args": [[_tensor(source, shape) for source in sources]] if len(sources) > 1
              else [_tensor(sources[0], shape)], "kwargs": {}}] if sources else []
    return {"module": "keras.layers", "class_name": class_name, "config": {"name": name, **config},
            "registered_name": None, "name": name, "inbound_nodes": nodes}


def write_keras_file(path: Path, layers: list[dict]) -> Path:
    """A .keras archive holding only config.json, as Keras 3 writes a Functional model's: the
    window reads no more of the file (the run's Keras reads the weights)."""
    model = {"module": "keras", "class_name": "Functional", "registered_name": "Functional",
             "config": {"name": path.stem, "trainable": True, "layers": layers,
                        "input_layers": [[layers[0]["name"], 0, 0]], "output_layers": [[layers[-1]["name"], 0, 0]]}}
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("metadata.json", json.dumps({"keras_version": "3.0.0"}))
        archive.writestr("config.json", json.dumps(model))
    return path


def branching_network(path: Path) -> Path:
    """Two convolutions side by side on the picture, added, then the output: no list of rows."""
    return write_keras_file(path, [
        _layer("InputLayer", "pictures", {"batch_shape": [None, 28, 28, 1], "dtype": "float32"}),
        _layer("Conv2D", "left", {"filters": 8, "kernel_size": [3, 3], "padding": "same", "activation": "relu"},
               ["pictures"], [None, 28, 28, 1]),
        _layer("Conv2D", "right", {"filters": 8, "kernel_size": [5, 5], "padding": "same", "activation": "relu"},
               ["pictures"], [None, 28, 28, 1]),
        _layer("Add", "together", {}, ["left", "right"], [None, 28, 28, 8]),
        _layer("GlobalAveragePooling2D", "pooled", {}, ["together"], [None, 28, 28, 8]),
        _layer("Dense", "classes", {"units": 10, "activation": "softmax"}, ["pooled"], [None, 8]),
    ])


@pytest.fixture
def form(qtbot, keep, bundled_data_only):
    widget = keep(SettingsForm())
    widget.resize(440, 1000)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def open_network(qtbot, form, monkeypatch, path: Path, answer=QMessageBox.StandardButton.Yes) -> list[str]:
    """Click Open network… and choose ``path``; the offer is answered ``answer``. The offer's text, if made."""
    asked = []

    def question(_parent, _title, text, _buttons, default):
        asked.append(text)
        assert default == QMessageBox.StandardButton.Yes
        return answer

    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args: (str(path), ""))
    monkeypatch.setattr(QMessageBox, "question", question)
    qtbot.mouseClick(form.editor.open_button, Qt.MouseButton.LeftButton)
    return asked


def test_a_branching_network_is_offered_as_its_file_and_trains_as_model_file(qtbot, form, tmp_path, monkeypatch):
    path = branching_network(tmp_path / "branchy.keras")
    editor = form.editor
    with qtbot.waitSignal(form.changed):
        asked = open_network(qtbot, form, monkeypatch, path)
    assert len(asked) == 1 and "branches or merges" in asked[0] and "Train the network in branchy.keras as it is" in asked[0]
    assert form.model.currentText() == "From file: branchy.keras" and editor.kind() == "file"
    assert editor.table.isHidden() and editor.fields.isHidden() and editor.file_label.isVisible()
    assert "5 layers" in editor.file_label.text() and "branchy.keras" in editor.file_label.text()
    assert not editor.save_button.isEnabled() and form.problem() == ""
    config = form.config()
    assert (config.model, config.model_file) == ("file", str(path)) and form.describe() == "branchy.keras"

    form.model.setCurrentIndex(form.model.findData("fc"))  # another preset leaves it
    assert form.config().model == "fc" and editor.table.isVisible() and editor.file_label.isHidden()
    assert editor.save_button.isEnabled() and form.model.findText("From file: branchy.keras") >= 0
    form.model.setCurrentIndex(form.model.findData("file"))  # and the menu still offers it
    assert form.config().model_file == str(path)


def test_declining_the_offer_keeps_the_network_and_a_file_that_cannot_train_is_not_offered(qtbot, form, tmp_path, monkeypatch):
    path = branching_network(tmp_path / "branchy.keras")
    before = form.config()
    asked = open_network(qtbot, form, monkeypatch, path, answer=QMessageBox.StandardButton.No)
    assert asked and form.config() == before and "branches or merges" in form.editor.note_label.text()

    with_code = write_keras_file(tmp_path / "coded.keras", [
        _layer("InputLayer", "pictures", {"batch_shape": [None, 28, 28, 1]}),
        _layer("Lambda", "scale", {"function": "x * 2"}, ["pictures"], [None, 28, 28, 1]),
        _layer("Dense", "classes", {"units": 10}, ["scale"], [None, 28, 28, 1]),
    ])
    asked = open_network(qtbot, form, monkeypatch, with_code)
    assert asked == [] and form.config() == before
    assert "Nor can it be trained as it is" in form.editor.note_label.text() and "Lambda" in form.editor.note_label.text()


def test_a_network_from_a_file_is_remembered_while_the_file_is_there(qtbot, form, keep, tmp_path, monkeypatch):
    path = branching_network(tmp_path / "branchy.keras")
    open_network(qtbot, form, monkeypatch, path)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    form.save_settings(settings)
    settings.sync()

    again = keep(SettingsForm())
    again.restore_settings(settings)
    assert (again.config().model, again.config().model_file) == ("file", str(path))
    assert again.model.currentText() == "From file: branchy.keras"

    path.unlink()
    gone = keep(SettingsForm())
    gone.restore_settings(settings)
    assert gone.config().model == TrainConfig().model and gone.model.findData("file") < 0


def test_a_recorded_run_of_a_network_from_a_file_shows_its_entry(form):
    recorded = TrainConfig(model="file", model_file="/elsewhere/mine.keras", epochs=3)
    assert form.show_config(recorded) == []
    shown = form.config()
    assert form.model.currentText() == "From file: mine.keras"
    assert (shown.model, shown.model_file, shown.epochs) == ("file", "/elsewhere/mine.keras", 3)
    assert "not on this computer" in form.editor.file_label.text()
