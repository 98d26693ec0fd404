"""Where model files come from in the window: the Open model dialog and files dropped on it."""

from __future__ import annotations

from pathlib import Path

from PyQt6.QtWidgets import QFileDialog, QWidget

MODEL_FILTER = "Keras models (*.keras *.h5 *.hdf5);;All files (*)"
MODEL_SUFFIXES = (".keras", ".h5", ".hdf5")


def ask_for_model_file(parent: QWidget | None, folder: str = "") -> str | None:
    """The model file the user picks, or None when they cancel."""
    path, _ = QFileDialog.getOpenFileName(parent, "Open a trained model", folder, MODEL_FILTER)
    return path or None


def dropped_model(event) -> str | None:
    """The model file a drag carries, if it carries exactly one local file named like a model."""
    urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
    if len(urls) == 1 and urls[0].isLocalFile() and Path(urls[0].toLocalFile()).suffix.lower() in MODEL_SUFFIXES:
        return urls[0].toLocalFile()
    return None
