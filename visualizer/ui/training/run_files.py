"""The files a training run leaves: its model (a temporary .keras file until it is saved, deleted
when done with), its curves as CSV, and any picture saved from the page. A part that
TrainingController owns; what it needs of the controller is the small RunFileHost below."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from visualizer.fileio import copy_atomically, write_text_atomically
from visualizer.training.recording_file import write_recording_alone
from visualizer.ui.kit.save_file import save_to_file

if TYPE_CHECKING:
    from visualizer.training.events import RunFinished
    from visualizer.training.history import RunHistory
    from visualizer.training.recording import RunRecording
    from visualizer.ui.training.view import TrainingView


def keras_path(path: str) -> str:
    """``path`` ending in .keras: Keras refuses to load a model file named otherwise."""
    return path if path.endswith(".keras") else path + ".keras"


class RunFileHost(Protocol):
    """What RunFiles reads and sets on the controller that owns it: the run shown."""

    view: TrainingView
    result: RunFinished | None  # the shown run's end, with its model file
    history: RunHistory
    model_is_temporary: bool  # the run's own model file, deleted when done with
    model_saved: bool  # Save model… has copied the shown run's model somewhere

    def log(self, text: str) -> None: ...


class RunFiles:
    """Save model…, Inspect this model, Export CSV and Save as PNG for the run ``host`` shows."""

    def __init__(self, host: RunFileHost) -> None:
        self._host = host

    def ask_and_save_model(self) -> None:
        if self.can_save_model:
            path = self._host.view.ask_save_path("Save model", "model.keras", "Keras models (*.keras)")
            if path:
                self.save_model_as(path)

    def offer_model_to_inspect(self) -> None:
        if self.can_save_model:
            self._host.view.offer_model_to_inspect(self._host.result.model_path)

    def ask_and_export_csv(self) -> None:
        path = self._host.view.ask_save_path("Export curves as CSV", "curves.csv", "CSV files (*.csv)")
        if path:
            self.save_file("the curves", path, lambda temporary: temporary.write_text(self._host.history.to_csv(), encoding="utf-8"))


    def ask_and_save_recording(self, recording: RunRecording) -> None:
        """Save a script's run as it arrived, without a model (the script has it), in a file the
        app opens again as a recorded run."""
        name = "".join(c if c.isalnum() or c in "-_" else "-" for c in recording.started.run_name or "run").strip("-")
        path = self._host.view.ask_save_path("Save run", f"{name or 'run'}-run.keras", "Recorded runs (*.keras)")
        if path:
            self.save_file("the run", keras_path(path), lambda temporary: write_recording_alone(temporary, recording))

    @property
    def can_save_model(self) -> bool:
        return self._host.result is not None and self._host.result.model_path is not None

    @property
    def has_unsaved_model(self) -> bool:
        """The shown run was trained here and its model, in a temporary file, is not saved yet."""
        return self.can_save_model and self._host.model_is_temporary and not self._host.model_saved

    def save_model(self, path: str) -> None:
        """Copy the trained model (.keras) to ``path`` atomically."""
        if not self.can_save_model:
            raise RuntimeError("there is no trained model to save yet")
        copy_atomically(self._host.result.model_path, path)
        self._host.model_saved = True

    def save_model_as(self, path: str) -> None:
        """Save the model as ``path`` and say how it went; Keras refuses to load a model file
        whose name lacks the .keras suffix, so it is added when missing."""
        path = keras_path(path)
        if not self.can_save_model:
            raise RuntimeError("there is no trained model to save yet")
        source = self._host.result.model_path
        if self.save_file("the model", path, lambda temporary: shutil.copyfile(source, temporary)):
            self._host.model_saved = True

    def export_csv(self, path: str) -> None:
        write_text_atomically(path, self._host.history.to_csv())

    def save_file(self, what: str, path: str, write: Callable[[Path], object]) -> bool:
        """``write(temporary)``, the temporary file then becoming ``path``; the banner says it is
        saved, or why not and what to do (the kit's one save helper). True when it is saved."""
        if not save_to_file(self._host.view.show_banner, what, path, write):
            return False
        self._host.log(f"Saved {what} to {path}")
        return True

    def discard_run_model(self) -> None:
        """Delete the last run's temporary model file (and its folder, once empty): it was
        offered for saving, and only the latest run's model can be saved."""
        if not self.can_save_model:
            return
        path = Path(self._host.result.model_path)
        self._host.view.set_model_saveable(False)
        self._host.result = replace(self._host.result, model_path=None)
        if not self._host.model_is_temporary:  # an opened recording's file is the user's, not ours
            return
        try:
            path.unlink(missing_ok=True)
            path.parent.rmdir()
        except OSError:  # the folder holds something else, or is gone: leave it
            pass
