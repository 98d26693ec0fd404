"""Where model files come from in the window: the Open model dialog and files dropped on it; and
where the run recorded in one goes (training/recording_file.py)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PyQt6.QtWidgets import QFileDialog, QWidget

from visualizer.training.recording_file import has_recording
from visualizer.ui.page_contract import ShowsRecordedRuns

MODEL_FILTER = "Keras models (*.keras *.h5 *.hdf5);;All files (*)"
MODEL_SUFFIXES = (".keras", ".h5", ".hdf5")
RECORDING_PAGE = "training"  # where the run recorded in an opened model file replays

log = logging.getLogger(__name__)


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


def show_recorded_run(show_page: Callable[[str], QWidget], path: str) -> str | None:
    """Hand a model file that holds a recorded run to the page that replays runs (shown with
    ``show_page``); why it is not shown, in words, or None (also when the file holds no run)."""
    if not has_recording(path):
        return None
    page = show_page(RECORDING_PAGE)
    if not isinstance(page, ShowsRecordedRuns):
        return None
    try:
        return page.open_recorded_run(str(path))
    except Exception as error:  # the boundary: a recording that fails must not keep the model shut
        log.exception("could not show the run recorded in %s", path)
        return f"The run recorded in {Path(path).name} cannot be shown ({error}); the model opens without it."
