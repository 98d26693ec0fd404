"""The training page's recorded runs: showing a run recorded in a .keras file as if it had just
happened, and keeping each opened run once for comparing runs. A part that TrainingController
owns: it reads the files and decides whether a run may be shown; the controller shows it."""

from __future__ import annotations

import logging
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from visualizer.training.config import MODEL_TITLES
from visualizer.training.data import FULL_TRAIN_COUNT
from visualizer.training.recording import RunRecording
from visualizer.training.recording_file import RecordingError, holds_model, read_recording

if TYPE_CHECKING:
    from visualizer.ui.training.view import TrainingView

log = logging.getLogger(__name__)


def recording_note(recording: RunRecording, path: str, bundled: bool) -> str:
    """What the page says of a recorded run it shows, so nobody takes it for a live one."""
    if recording.config is None:
        return (
            f"This is a recorded run of a script ({recording.started.run_name or 'LiveView'}), opened from "
            f"{Path(path).name}: {recording.title}. Press Train to train the app's own network."
        )
    if not bundled:
        return f"This is a recorded run, opened from {Path(path).name}: {recording.title}. Press Train to train your own."
    started = recording.started
    data = "the full Fashion-MNIST" if started.train_count >= FULL_TRAIN_COUNT else f"{started.train_count:,} Fashion-MNIST images"
    return (
        f"This is a recorded run of the seed's {MODEL_TITLES.get(recording.config.model, ('', 'model'))[1]}, trained "
        f"{recording.finished.epochs_completed} epochs on {data} ({started.device}), shipped with the app. "
        "Press Train to train your own."
    )


class RunShower(Protocol):
    """What RecordedRuns asks of the controller that owns it."""

    @property
    def training(self) -> bool: ...  # a run is under way, which must go on undisturbed
    @property
    def shown_model_path(self) -> str | None: ...  # the model file of the run shown, if any
    @property
    def has_unsaved_model(self) -> bool: ...  # the run shown was trained here and is not saved
    # model_path: the file's model, None for a run saved without one (a script's, from the window)
    def show_recorded_run(self, recording: RunRecording, model_path: str | None, note: str, show_settings: bool) -> None: ...
    def keep_for_comparing(self, recording: RunRecording) -> None: ...  # once, however often opened


class RecordedRuns:
    """Opens recorded runs for ``shower`` and says in ``view``'s banner why one is not shown."""

    def __init__(self, view: TrainingView, shower: RunShower) -> None:
        self._view = view
        self._shower = shower
        self.opened: dict[Path, RunRecording] = {}  # by resolved path: each compared once

    def open_file(self, path: str, bundled: bool = False) -> str | None:
        """Show the run recorded in the .keras file at ``path``, if it holds one, with a note
        saying what it is: the app's own recorded run (``bundled``) or a file opened. Returns why
        it is not shown, in words, or None; the model in the file opens elsewhere regardless."""
        shown = self._shower.shown_model_path
        if shown and Path(shown).resolve() == Path(path).resolve():
            return None  # the run shown is this file's: "Inspect this model" opened it
        try:
            recording = read_recording(path)
        except RecordingError as error:
            log.exception("could not read the recorded run in %s", path)
            self._view.show_banner("error", str(error), details=traceback.format_exc())
            return str(error)
        if recording is None:
            return None
        opened = Path(path).resolve()
        if opened in self.opened:  # the same file again: shown, but compared once
            recording = self.opened[opened]
        # An opened run's settings fill the form, ready to train it again; the app's own recorded
        # run leaves the user's settings as they were.
        why_not = self.open(recording, path, recording_note(recording, path, bundled), not bundled)
        self.opened[opened] = recording
        return why_not

    def open(self, recording: RunRecording, model_path: str, note: str, show_settings: bool = False) -> str | None:
        """Show ``recording`` as if its run had just happened (see RunShower.show_recorded_run).
        Returns why it is not shown, or None. Refused while a run trains, which must go on
        undisturbed, and while the run shown has a model not saved yet (then it is only added to
        the runs to compare), so that nothing trained is lost."""
        name = Path(model_path).name
        if self._shower.training:
            self._view.show_banner(
                "info",
                f"A run is training, so the recorded run in {model_path} is not shown. Open it again once this run has ended.",
            )
            return f"The recorded run in {name} is not shown: a run is training."
        if self._shower.has_unsaved_model:
            self._shower.keep_for_comparing(recording)
            self._view.show_banner(
                "info",
                f"The recorded run in {name} is added to Compare runs. This page keeps showing "
                "the run you trained, whose model is not saved yet: save it, then open the file again "
                "to show its run here.",
                action="Save model…",
            )
            return f"The recorded run in {name} is only added to Compare runs: the model you trained is not saved yet."
        self._shower.show_recorded_run(recording, model_path if holds_model(model_path) else None, note, show_settings)
        self._shower.keep_for_comparing(recording)
        return None
