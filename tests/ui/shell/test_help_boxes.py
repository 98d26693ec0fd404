"""Help > About: versions, the Keras backend, the device and the folders, read without Keras."""

import json
import subprocess
import sys
from importlib import metadata

from PyQt6.QtWidgets import QMessageBox

from visualizer import __version__
from visualizer.ui.main_window import MainWindow
from visualizer.ui.shell import help_boxes


def test_about_names_the_installed_versions_and_says_what_is_missing(monkeypatch):
    real_version = metadata.version

    def version(name):
        if name == "tensorflow":
            raise metadata.PackageNotFoundError(name)
        return real_version(name)

    monkeypatch.setattr(help_boxes.metadata, "version", version)
    rows = dict(help_boxes.version_rows())
    assert rows["Keras"] == real_version("keras")
    assert rows["PyQt6"] and rows["Qt"] and rows["Python"] == sys.version.split()[0]
    assert rows["TensorFlow"] == "not installed"


def test_the_backend_is_read_as_keras_reads_it(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    assert help_boxes.keras_backend() == "tensorflow"  # no keras.json: Keras's default
    (tmp_path / "keras.json").write_text(json.dumps({"backend": "jax", "floatx": "float32"}))
    assert help_boxes.keras_backend() == "jax"
    assert ("jax", metadata.version("jax")) in help_boxes.version_rows()
    monkeypatch.setenv("KERAS_BACKEND", "torch")
    assert help_boxes.keras_backend() == "torch"  # the variable wins over the file
    (tmp_path / "keras.json").write_text("{broken")
    monkeypatch.delenv("KERAS_BACKEND")
    assert help_boxes.keras_backend() == "tensorflow"


def test_about_names_the_folders_it_uses(tmp_path, monkeypatch):
    monkeypatch.setenv("CNN_VISUALIZER_DATA", str(tmp_path / "fashion"))
    monkeypatch.setenv("CNN_VISUALIZER_AUTOSAVE", str(tmp_path / "kept-runs"))
    folders = dict(help_boxes.folder_rows())
    assert str(tmp_path / "fashion") in folders["Training images"]
    assert folders["Autosaves"] == str(tmp_path / "kept-runs")  # where the autosave really writes
    assert "Save model" in folders["Trained models"]


def test_the_about_box_shows_versions_device_and_folders(qtbot, keep, monkeypatch):
    window = keep(MainWindow(first_page="convolution"))
    shown = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(box.text()))
    next(action for action in window.actions() if action.text() == "About CNN Visualizer").trigger()
    [text] = shown
    for words in (f"CNN Visualizer {__version__}", "Keras backend", "TensorFlow", "Device", "Autosaves", "Fashion-MNIST"):
        assert words in text


def test_about_does_not_import_keras_or_tensorflow():
    code = (
        "import sys; from visualizer.ui.shell.help_boxes import about_html; about_html('CNN Visualizer'); "
        "print(sorted(name for name in ('keras', 'tensorflow', 'jax', 'torch') if name in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
