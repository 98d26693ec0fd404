"""The files a training run leaves: its model (a temporary .keras file until it is saved, deleted
when done with), its curves as CSV, and any picture saved from the page. A mixin of
TrainingController, which holds the shown run's ``result``, ``history``, ``model_is_temporary``
and ``model_saved``, its ``view`` and its ``log``."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from visualizer.fileio import copy_atomically, write_text_atomically
from visualizer.ui.kit.save_file import save_to_file


class RunFiles:
    """Save model…, Inspect this model, Export CSV and Save as PNG for the run shown."""

    def _on_view_save_model_requested(self) -> None:
        if self.can_save_model:
            path = self.view.ask_save_path("Save model", "model.keras", "Keras models (*.keras)")
            if path:
                self.save_model_as(path)

    def _on_view_inspect_model_requested(self) -> None:
        if self.can_save_model:
            self.view.offer_model_to_inspect(self.result.model_path)

    def _on_view_export_csv_requested(self) -> None:
        path = self.view.ask_save_path("Export curves as CSV", "curves.csv", "CSV files (*.csv)")
        if path:
            self.save_file("the curves", path, lambda temporary: temporary.write_text(self.history.to_csv(), encoding="utf-8"))


    @property
    def can_save_model(self) -> bool:
        return self.result is not None and self.result.model_path is not None

    @property
    def has_unsaved_model(self) -> bool:
        """The shown run was trained here and its model, in a temporary file, is not saved yet."""
        return self.can_save_model and self.model_is_temporary and not self.model_saved

    def save_model(self, path: str) -> None:
        """Copy the trained model (.keras) to ``path`` atomically."""
        if not self.can_save_model:
            raise RuntimeError("there is no trained model to save yet")
        copy_atomically(self.result.model_path, path)
        self.model_saved = True

    def save_model_as(self, path: str) -> None:
        """Save the model as ``path`` and say how it went; Keras refuses to load a model file
        whose name lacks the .keras suffix, so it is added when missing."""
        if not path.endswith(".keras"):
            path += ".keras"
        if not self.can_save_model:
            raise RuntimeError("there is no trained model to save yet")
        source = self.result.model_path
        if self.save_file("the model", path, lambda temporary: shutil.copyfile(source, temporary)):
            self.model_saved = True

    def export_csv(self, path: str) -> None:
        write_text_atomically(path, self.history.to_csv())

    def save_file(self, what: str, path: str, write: Callable[[Path], object]) -> bool:
        """``write(temporary)``, the temporary file then becoming ``path``; the banner says it is
        saved, or why not and what to do (the kit's one save helper). True when it is saved."""
        if not save_to_file(self.view.show_banner, what, path, write):
            return False
        self.log(f"Saved {what} to {path}")
        return True

    _on_view_save_requested = save_file  # a slot for _connect

    def discard_run_model(self) -> None:
        """Delete the last run's temporary model file (and its folder, once empty): it was
        offered for saving, and only the latest run's model can be saved."""
        if not self.can_save_model:
            return
        path = Path(self.result.model_path)
        self.view.set_model_saveable(False)
        self.result = replace(self.result, model_path=None)
        if not self.model_is_temporary:  # an opened recording's file is the user's, not ours
            return
        try:
            path.unlink(missing_ok=True)
            path.parent.rmdir()
        except OSError:  # the folder holds something else, or is gone: leave it
            pass
