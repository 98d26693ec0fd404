"""The training page's recorded runs: showing a run recorded in a .keras file as if it had just
happened, and keeping each opened run once for comparing runs. Part of TrainingController (it
uses the controller's view, driver, history and result), kept apart as one job of its own."""

from __future__ import annotations

import logging
import traceback
from dataclasses import replace
from pathlib import Path

from visualizer.training.config import MODEL_TITLES
from visualizer.training.data import FULL_TRAIN_COUNT
from visualizer.training.recording import RunRecording
from visualizer.training.recording_file import RecordingError, read_recording
from visualizer.ui.training.history import RunHistory

log = logging.getLogger(__name__)


def recording_note(recording: RunRecording, path: str, bundled: bool) -> str:
    """What the page says of a recorded run it shows, so nobody takes it for a live one."""
    if not bundled:
        return f"This is a recorded run, opened from {Path(path).name}: {recording.title}. Press Train to train your own."
    started = recording.started
    data = "the full Fashion-MNIST" if started.train_count >= FULL_TRAIN_COUNT else f"{started.train_count:,} Fashion-MNIST images"
    return (
        f"This is a recorded run of the seed's {MODEL_TITLES.get(recording.config.model, ('', 'model'))[1]}, trained "
        f"{recording.finished.epochs_completed} epochs on {data} ({started.device}), shipped with the app. "
        "Press Train to train your own."
    )


class RecordedRuns:
    """TrainingController's methods for recorded runs."""

    def open_recording_file(self, path: str, bundled: bool = False) -> str | None:
        """Show the run recorded in the .keras file at ``path``, if it holds one, with a note
        saying what it is: the app's own recorded run (``bundled``) or a file opened. Returns why
        it is not shown, in words, or None; the model in the file opens elsewhere regardless."""
        if self.result is not None and self.result.model_path and Path(self.result.model_path).resolve() == Path(path).resolve():
            return None  # the run shown is this file's: "Inspect this model" opened it
        try:
            recording = read_recording(path)
        except RecordingError as error:
            log.exception("could not read the recorded run in %s", path)
            self.view.show_banner("error", str(error), details=traceback.format_exc())
            return str(error)
        if recording is None:
            return None
        opened = Path(path).resolve()
        if opened in self.opened_recordings:  # the same file again: shown, but compared once
            recording = self.opened_recordings[opened]
        # An opened run's settings fill the form, ready to train it again; the app's own recorded
        # run leaves the user's settings as they were.
        why_not = self.open_recording(recording, path, recording_note(recording, path, bundled), not bundled)
        self.opened_recordings[opened] = recording
        return why_not

    def open_recording(self, recording: RunRecording, model_path: str, note: str, show_settings: bool = False) -> str | None:
        """Show ``recording`` as if its run had just happened, with the replay at its last epoch
        (and its settings in the form with ``show_settings``); its model is the file ``model_path``
        (inspected and saved, never deleted). Returns why it is not shown, or None. Refused while a
        run trains, which must go on undisturbed, and while the run shown has a model not saved yet
        (then it is only added to the runs to compare), so that nothing trained is lost."""
        name = Path(model_path).name
        if self.driver.running:
            self.view.show_banner(
                "info",
                f"A run is training, so the recorded run in {model_path} is not shown. Open it again once this run has ended.",
            )
            return f"The recorded run in {name} is not shown: a run is training."
        if self.has_unsaved_model:
            self._keep_for_comparing(recording)
            self.view.show_banner(
                "info",
                f"The recorded run in {name} is added to Compare runs. This page keeps showing "
                "the run you trained, whose model is not saved yet: save it, then open the file again "
                "to show its run here.",
                action="Save model…",
            )
            return f"The recorded run in {name} is only added to Compare runs: the model you trained is not saved yet."
        self.view.hide_banner()
        if show_settings:  # first: the form's change must not overwrite the run's data line
            self.view.show_settings(recording.config)
        self.discard_run_model()
        self._reset_run()
        self.config, self.run_title = recording.config, recording.title
        self._on_run_started(recording.started)
        self.history = RunHistory.of(recording.batches, recording.epochs, recording.snapshots)
        self.live_snapshot = recording.snapshots[-1] if recording.snapshots else None
        self.view.show_curves(self.history, self._planned_epochs())
        if recording.batches:
            self._show_progress(recording.batches[-1])
        self.model_is_temporary = False
        self._show_result(recording.title, replace(recording.finished, model_path=str(model_path)))
        self.view.show_recording_note(note)
        self.replay_position = max(len(self.history.replay_epochs()) - 1, 0)
        self._show_replay()
        if self.shown_snapshot() is not None:
            self.view.show_snapshot(self.shown_snapshot())
        self.view.draw_now()
        self._log(f"Opened the recorded run {recording.title} from {model_path}")
        self._keep_for_comparing(recording)
        return None

    def _keep_for_comparing(self, recording: RunRecording) -> None:
        if not any(kept is recording for kept in self.recordings):
            self.add_recording(recording)
