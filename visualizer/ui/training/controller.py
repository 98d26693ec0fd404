"""The training page's logic, with no widget: the run's state, what it has reported, the results
of this session, the epoch replay and (run_files.py) the files a run leaves.

The controller drives a RunDriver (link.py) and talks to the page only through ``TrainingView``
(view.py): it connects the view's and the driver's signals in ``_connect`` and answers through the
view's setters; so it is tested with a mock view and no window. A recorded run (a .keras
file holding its recording, see training/recording_file.py) is shown the same way, as if it had
just happened, and so is a run that a script streams to the page (connected_runs.py).
"""

from __future__ import annotations

import logging
import time
import traceback
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from visualizer.training.config import TrainConfig
from visualizer.training.events import (
    BatchEnd,
    ProbeSnapshot,
    RunFailed,
    RunFinished,
    RunStarted,
)
from visualizer.training.history import RunHistory
from visualizer.training.recording import RunRecorder, RunRecording, run_title
from visualizer.ui.training.confusion_shown import OWN_RUN, RECORDED_RUN, SCRIPT_RUN, confusion_shown
from visualizer.ui.training.connected_runs import ConnectedRuns
from visualizer.ui.training.data_check import DataFolderCheck
from visualizer.ui.training.interrupted_runs import InterruptedRuns
from visualizer.ui.training.positions import how_it_ended, replay_label
from visualizer.ui.training.recorded_runs import RecordedRuns
from visualizer.ui.training.run_files import RunFiles
from visualizer.ui.training.view import NO_RESULT_YET, RunState, TrainingView

if TYPE_CHECKING:
    from visualizer.ui.training.external import ScriptRuns
    from visualizer.ui.training.link import Frame, RunDriver

log = logging.getLogger(__name__)


def format_duration(seconds: float) -> str:
    """``m:ss``, or ``h:mm:ss`` from an hour on; rounded to the second, never negative."""
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def device_html(started: RunStarted) -> str:
    device = f"Device: <b>{started.device}</b> (Keras backend: {started.backend})"
    if started.device_note:
        device += f"<br><span style='color:#b35c00'>{started.device_note}</span>"
    return device


def data_texts(started: RunStarted) -> tuple[str, str]:
    """The data line (the counts only where the source does not say them already) and its tip."""
    counts = f"{started.train_count:,} training and {started.test_count:,} test images"
    source = started.data_source
    data = f"Data: {source}" if f"{started.train_count:,}" in source else f"Data: {source}; {counts}"
    return data, counts


def result_summary_html(title: str, finished: RunFinished) -> str:
    return (
        f"<b>{title}</b>: test accuracy <b>{finished.test_accuracy:.4f}</b>, test loss "
        f"<b>{finished.test_loss:.4f}</b> (train accuracy {finished.train_accuracy:.4f}, "
        f"train loss {finished.train_loss:.4f}), {format_duration(finished.elapsed_s)}."
    )


def progress_of(batch: BatchEnd, epochs: int) -> tuple[int, int, str]:
    """The progress bar's batches done, its total and its text."""
    total = batch.steps_per_epoch * epochs
    done = (batch.epoch - 1) * batch.steps_per_epoch + batch.batch
    return done, total, f"Epoch {batch.epoch}/{epochs} · batch {batch.batch}/{batch.steps_per_epoch}"


def timing_text(batch: BatchEnd, epochs: int, batch_size: int | None) -> str:
    """The time so far and, with the batch size known, about how long the run has left."""
    done, total, _ = progress_of(batch, epochs)
    remaining = ""
    if batch.images_per_second > 0 and batch_size is not None:
        left = (total - done) * batch_size / batch.images_per_second
        remaining = f", about {format_duration(left)} left"
    return f"{format_duration(batch.elapsed_s)} elapsed{remaining}"


class TrainingController:
    """One run at a time; the results of every run this session. ``autosave_root`` is where runs
    are autosaved (saved_runs.py): a run found there cut off by a crash can be resumed. ``scripts``
    brings the runs that scripts stream to the page, if it listens for them."""

    def __init__(
        self, view: TrainingView, driver: RunDriver, autosave_root: Path | None = None, scripts: ScriptRuns | None = None
    ) -> None:
        self.view = view
        self.driver = driver
        self.scripts = scripts
        self._last_status = ""  # the last Status text a run sent
        self.connected_runs = ConnectedRuns(view, self)
        self.interrupted_runs = InterruptedRuns(view, self, autosave_root)
        self.state = RunState.IDLE
        self.history = RunHistory()
        self.started: RunStarted | None = None
        self.result: RunFinished | None = None
        self.session_results: list[tuple[str, RunFinished]] = []
        self.recordings: list[RunRecording] = []  # this session's finished runs and opened recordings
        self.config: TrainConfig | None = None
        self.run_title = ""
        self.note = ""  # what the page says above the plots of the run shown
        self.live_snapshot: ProbeSnapshot | None = None
        self.replay_position = 0  # 0..n-1: the epochs kept for replay; n: live
        self.run_kind = OWN_RUN  # the run shown: trained here (OWN_RUN) or opened from a file (RECORDED_RUN)
        self.recorder = RunRecorder()  # the run's events, for its recording once it finishes
        self.model_is_temporary = True  # the run's own model file, deleted when done with
        self.model_saved = False  # Save model… has copied the shown run's model somewhere
        self.files = RunFiles(self)  # saving the shown run's model, curves and pictures
        self.recorded_runs = RecordedRuns(view, self)
        self._data_choice = None  # the form's data choice (settings.DataChoice), for a process started ahead
        self.data_check = DataFolderCheck(view)
        self._prestarting = False  # True once the page has been in view long enough to start one
        view.set_state(self.state)
        self._connect()

    @property
    def has_unsaved_model(self) -> bool:
        return self.files.has_unsaved_model

    def _connect(self) -> None:
        """The one place where the view's and the link's signals reach the controller."""
        view = self.view
        view.trainRequested.connect(self._on_view_train_requested)
        view.playToggled.connect(self._on_view_play_toggled)
        view.stopRequested.connect(self._on_view_stop_requested)
        view.probeChosen.connect(self._on_view_probe_chosen)
        view.replayMoved.connect(self._on_view_replay_moved)
        view.liveRequested.connect(self._on_view_live_requested)
        view.settingsChanged.connect(self._on_view_settings_changed)
        view.prestartDue.connect(self._on_view_prestart_due)
        view.saveModelRequested.connect(self.files.ask_and_save_model)
        view.saveRunRequested.connect(self.connected_runs.save_shown)
        view.inspectModelRequested.connect(self.files.offer_model_to_inspect)
        view.exportCsvRequested.connect(self.files.ask_and_export_csv)
        view.saveRequested.connect(self.files.save_file)
        view.bannerActionClicked.connect(self._on_view_banner_action_clicked)
        view.bannerSecondActionClicked.connect(self._on_view_banner_second_action_clicked)
        view.runChosen.connect(self.connected_runs.choose)
        self.driver.frameReady.connect(self.connected_runs.on_own_frame)
        if self.scripts is not None:
            self.scripts.framesReady.connect(self.connected_runs.on_frames)

    # -- slots -------------------------------------------------------------------------------
    def _on_view_probe_chosen(self, index: int) -> None:
        if not self.connected_runs.watching:  # a script's run has a probe of its own
            self.driver.set_probe(index)

    def _on_view_settings_changed(self, choice) -> None:
        self._data_choice = choice
        self.data_check.follow(choice.data_dir)
        if self.state == RunState.IDLE:
            self.view.show_data(f"Data: {choice.title}")
        if self._prestarting:
            self._prestart()  # another data folder: the process started ahead is replaced

    def _on_view_prestart_due(self) -> None:
        self._prestarting = True
        self._prestart()

    def _prestart(self) -> None:
        if self._data_choice is not None and self.data_check.problem is None:  # a folder without data: no use
            self.driver.prestart(self._data_choice.data_dir, self._data_choice.allow_download)

    def _on_view_banner_action_clicked(self) -> None:
        """The banner's button: Resume while an interrupted run is offered, else Save model."""
        if self.interrupted_runs.offered is not None:
            self.interrupted_runs.resume()
        else:
            self.files.ask_and_save_model()

    def _on_view_banner_second_action_clicked(self) -> None:
        self.interrupted_runs.discard()

    # -- the user's commands ----------------------------------------------------------------
    def train(self, config: TrainConfig, title: str, probe_index: int) -> None:
        if self.driver.running or self.data_check.check(config.data_dir) is not None:
            return  # a folder without data: the banner says so, and the shown run stays
        self.interrupted_runs.offered = None
        self.view.hide_banner()
        self._start(replace(config, probe_index=probe_index), title)

    _on_view_train_requested = train  # a slot for _connect

    def _start(self, config: TrainConfig, title: str, so_far: tuple[list, list] | None = None) -> None:
        """Start a run of ``config``; a resumed run's batches and epochs ``so_far`` stay in the
        curves and in its recording."""
        self.files.discard_run_model()
        self.reset_run()
        if so_far is not None:
            self.recorder.carry_on_from(*so_far)
            self.history = RunHistory.of(*so_far)
            self.view.show_curves(self.history, config.epochs)
        self.config = config
        self.run_title = title
        try:
            self.driver.start(config)
        except Exception as error:  # e.g. the process could not be spawned
            log.exception("could not start the training process")
            message = f"The training process could not start: {error}"
            self._on_run_failed(RunFailed(message, traceback.format_exc()))
            return
        self.set_state(RunState.RUNNING)
        self.view.show_status("Starting the training process…")
        self.view.show_progress(0, 0, "")  # busy until the first batch: TensorFlow loads and traces
        self.log(f"Train pressed: {config}")

    # -- a run cut off by a crash (interrupted_runs.py) ------------------------------------------
    def resume_run(self, config: TrainConfig, title: str, so_far: tuple[list, list]) -> None:
        self._start(config, title, so_far)

    # -- pause and stop ----------------------------------------------------------------------
    def toggle_play(self) -> None:
        """Pause or resume the run shown: the app's own, or a script's (asked over the stream)."""
        if self.connected_runs.watching:
            if self.state in (RunState.RUNNING, RunState.PAUSED):
                self.connected_runs.steer("resume" if self.state == RunState.PAUSED else "pause")
            return
        if self.state == RunState.RUNNING:
            self.driver.pause()
            self.set_state(RunState.PAUSED)
            self.view.show_status("Paused after the current batch. Resume to go on.")
        elif self.state == RunState.PAUSED:
            self.driver.resume()
            self.set_state(RunState.RUNNING)
            self.view.show_status("Training…")

    _on_view_play_toggled = toggle_play  # a slot for _connect

    def stop(self) -> None:
        if self.state not in (RunState.RUNNING, RunState.PAUSED):
            return
        if self.connected_runs.watching:
            self.connected_runs.steer("stop")
            return
        self.driver.stop()
        self.set_state(RunState.STOPPING)
        self.view.show_status("Stopping: finishing the batch, evaluating on the test images, saving…")
        self.view.show_progress(0, 0, "")

    _on_view_stop_requested = stop  # a slot for _connect

    def shutdown(self) -> None:
        """Stop the run for good, e.g. because the window closes; kills it if it does not stop."""
        if self.driver.running:
            self.log("Closing: stopping the run")
        self._prestarting = False
        self.connected_runs.shutdown()
        if self.scripts is not None:
            self.scripts.close()  # the scripts train on; they find no window until one opens
        self.driver.shutdown()
        self.set_state(RunState.IDLE)
        self.files.discard_run_model()

    # -- the epoch replay --------------------------------------------------------------------
    def select_replay(self, position: int) -> None:
        count = len(self.history.replay_epochs())
        position = min(max(position, 0), count)
        if position == self.replay_position:
            return
        self.replay_position = position
        self.show_replay()
        snapshot = self.shown_snapshot()
        if snapshot is not None:
            self.view.show_snapshot(snapshot)
            self.view.draw_now()

    _on_view_replay_moved = select_replay  # a slot for _connect

    def go_live(self) -> None:
        self.select_replay(len(self.history.replay_epochs()))

    _on_view_live_requested = go_live  # a slot for _connect

    def is_live(self) -> bool:
        return self.replay_position >= len(self.history.replay_epochs())

    def shown_snapshot(self) -> ProbeSnapshot | None:
        """The snapshot the views should show: the chosen epoch's, or the newest when live."""
        epochs = self.history.replay_epochs()
        if self.replay_position < len(epochs):
            return self.history.epoch_snapshots[epochs[self.replay_position]]
        return self.live_snapshot

    def show_replay(self) -> None:
        epochs = self.history.replay_epochs()
        if self.replay_position >= len(epochs):
            label = "Live"
        else:
            label = replay_label(self.history.epoch_snapshots[epochs[self.replay_position]], epochs[-1])
        self.view.show_replay(len(epochs), self.replay_position, label)
        self.show_confusion()

    def show_confusion(self) -> None:
        """The confusion matrix of the epoch the replay shows (the newest while live), or why there is none."""
        kind = SCRIPT_RUN if self.connected_runs.watching else self.run_kind
        self.view.show_confusion(*confusion_shown(self.history, self.replay_position, kind))

    # -- frames from the run -----------------------------------------------------------------
    def on_frame(self, frame: Frame) -> None:
        """Everything the run reported since the previous frame."""
        if frame.status is not None:
            self._on_status(frame.status)
        if frame.started is not None:
            self._on_run_started(frame.started)
        self._record(frame)
        if frame.snapshot is not None:
            self._on_live_snapshot(frame.snapshot)
        if frame.autosave_off is not None:
            self.log(frame.autosave_off)
            self.view.show_banner("error", frame.autosave_off)
        if frame.epochs or frame.ended:
            self.view.draw_now()  # an epoch's end and the run's are worth a picture at once
        if frame.finished is not None:
            self._on_run_finished(frame.finished)
        if frame.failed is not None:
            self._on_run_failed(frame.failed)

    def _on_status(self, text: str) -> None:
        if text != self._last_status:  # a paused script says so every few seconds: logged once
            self.log(text)
        self._last_status = text
        if not self.history.batch_count and self.state != RunState.STOPPING:
            self.view.show_status(text)

    def _on_run_started(self, started: RunStarted) -> None:
        self.show_started(started)
        self.log(f"Run started on {started.device}: {started.model_name}, {started.data_source}")

    def show_started(self, started: RunStarted) -> None:
        """What the run is: its device, data, classes and model."""
        self.started = started
        self.view.show_device(device_html(started))
        self.view.show_data(*data_texts(started))
        self.view.set_probe_count(started.test_count)
        self.view.set_class_names(started.class_names)
        self.view.set_shown_layers(started.shown_layers)
        self.view.show_model_summary(
            f"{started.model_name}: {started.parameter_count:,} parameters\n\n{started.model_summary}"
        )

    def _record(self, frame: Frame) -> None:
        """Add the frame's batches, epochs, end-of-epoch snapshots and confusion predictions to the history."""
        for event in (frame.started, frame.confusion_sample, *frame.batches, *frame.epochs, *frame.epoch_snapshots,
                      *frame.confusions):
            self.recorder.record(event)
        for batch in frame.batches:
            self.history.add_batch(batch)
        for epoch in frame.epochs:
            self.history.add_epoch(epoch)
            self.log(
                f"Epoch {epoch.epoch}: loss {epoch.loss:.4f}, accuracy {epoch.accuracy:.4f}, "
                f"validation loss {epoch.val_loss:.4f}, validation accuracy {epoch.val_accuracy:.4f}"
            )
        if frame.epoch_snapshots:
            was_live = self.is_live()
            for snapshot in frame.epoch_snapshots:
                self.history.add_snapshot(snapshot)
            if was_live:
                self.replay_position = len(self.history.replay_epochs())
        for confusion in (frame.confusion_sample, *frame.confusions):
            if confusion is not None:
                self.history.add_confusion(confusion)
        if frame.epoch_snapshots or frame.confusion_sample is not None or frame.confusions:
            self.show_replay()
        if frame.batches or frame.epochs:
            self.view.show_curves(self.history, self.planned_epochs())
        if frame.batches:
            self.show_progress(frame.batches[-1])

    def _on_live_snapshot(self, snapshot: ProbeSnapshot) -> None:
        self.live_snapshot = snapshot
        if self.is_live():
            self.view.show_snapshot(snapshot)

    def planned_epochs(self) -> int:
        if self.started is not None:
            return self.started.epochs
        return self.config.epochs if self.config is not None else 1

    def show_progress(self, batch: BatchEnd) -> None:
        epochs = self.planned_epochs()
        self.view.show_progress(*progress_of(batch, epochs))
        if self.state == RunState.RUNNING:
            self.view.show_status("Training…")
        self.view.show_speed(f"{batch.images_per_second:,.0f} images/s")
        self.view.show_timing(timing_text(batch, epochs, self.config.batch_size if self.config is not None else None))

    def _on_run_finished(self, finished: RunFinished) -> None:
        self.set_state(RunState.IDLE)
        title = self._result_title(finished)
        self._show_result(title, finished)
        how = "Stopped" if finished.stopped_early else "Finished"
        self.log(f"{how}: {title}; test accuracy {finished.test_accuracy:.4f}")
        text = (
            f"{how_it_ended(finished, self.history.last_batch)}: test accuracy {finished.test_accuracy:.4f}."
            # A script's model stays with the script.
            + (" The model is kept as it was when you stopped." if finished.stopped_early and not self.connected_runs.watching else "")
        )
        self.view.show_banner("info", text, action="Save model…" if finished.model_path else "")
        if self.recorder.started is not None and self.recorder.epochs and self.config is not None:
            self.add_recording(self.recorder.recording(self.config, title, finished))  # not a run stopped unstarted

    def _show_result(self, title: str, finished: RunFinished) -> None:
        """The finished run's progress, status, row in the results and summary; its model may be saved."""
        self.result = finished
        how = "Stopped" if finished.stopped_early else "Finished"
        self.view.show_progress(1, 1, how_it_ended(finished, self.history.last_batch))
        self.view.show_status(
            f"{how}: test accuracy {finished.test_accuracy:.4f}, test loss {finished.test_loss:.4f}"
        )
        self.view.show_timing(f"{format_duration(finished.elapsed_s)} in all")
        self.view.set_model_saveable(finished.model_path is not None)
        if not any(kept is finished for _, kept in self.session_results):  # a script's run chosen again
            self.session_results.append((title, finished))
        self.view.show_results([
            (title, r.train_accuracy, r.train_loss, r.test_accuracy, r.test_loss)
            for title, r in self.session_results
        ])
        self.view.show_result_summary(result_summary_html(title, finished))

    def show_summary(self) -> None:
        """The Results tab's line on the run shown: its scores, or that it has none yet."""
        if self.result is not None:
            self.view.show_result_summary(result_summary_html(self._result_title(self.result), self.result))
        else:
            self.view.show_result_summary(NO_RESULT_YET)

    def _result_title(self, finished: RunFinished) -> str:
        # A script's data is its own, all of it: named as LiveView(record=...) names its run.
        own_run = self.started is not None and self.config is not None
        return run_title(self.run_title, finished, self.started.train_count if own_run else None)

    def _on_run_failed(self, failed: RunFailed) -> None:
        self.set_state(RunState.IDLE)
        self.view.show_progress(0, 1, "Failed")
        self.view.show_status("The run failed; see the message above.")
        self.view.show_banner("error", failed.message, details=failed.traceback)
        self.log(f"Run failed: {failed.message}\n{failed.traceback}")

    def add_recording(self, recording: RunRecording) -> None:
        """Keep a finished or opened run for comparing runs side by side."""
        self.recordings.append(recording)
        self.view.show_recordings(list(self.recordings))

    # -- recorded runs (recorded_runs.py decides whether and how one is shown) ------------------
    def open_recording_file(self, path: str, bundled: bool = False) -> str | None:
        """Show the run recorded in the .keras file at ``path``, if it holds one; why not, or None."""
        return self.recorded_runs.open_file(path, bundled)

    @property
    def training(self) -> bool:
        return self.driver.running

    @property
    def shown_model_path(self) -> str | None:
        return self.result.model_path if self.result is not None else None

    def keep_for_comparing(self, recording: RunRecording, instead_of: RunRecording | None = None) -> None:
        """Add ``recording`` to the runs to compare once, however often it is opened (a run kept
        here, saved, and opened again from its file included); in the place of ``instead_of``
        where that is kept (an earlier recording of the same run)."""
        if any(kept is recording or kept.same_run(recording) for kept in self.recordings):
            return
        for index, kept in enumerate(self.recordings):
            if kept is instead_of:
                self.recordings[index] = recording
                self.view.show_recordings(list(self.recordings))
                return
        self.add_recording(recording)

    def show_recorded_run(self, recording: RunRecording, model_path: str | None, note: str, show_settings: bool) -> None:
        """Show ``recording`` as if its run had just happened, with the replay at its last epoch
        (and its settings in the form with ``show_settings``); its model is the file ``model_path``
        (inspected and saved, never deleted), or there is none (a script's run saved alone)."""
        self.connected_runs.choose("")  # the recorded run takes the place of the app's own
        self.view.hide_banner()
        if show_settings and recording.config is not None:  # first: the form's change must not overwrite the run's data line
            self.view.show_settings(recording.config)
        self.files.discard_run_model()
        self.reset_run()
        self.config, self.run_title = recording.config, recording.title
        self._on_run_started(recording.started)
        self.history = RunHistory.of(
            recording.batches, recording.epochs, recording.snapshots, recording.confusion_sample, recording.confusions
        )
        self.run_kind = RECORDED_RUN
        self.live_snapshot = recording.snapshots[-1] if recording.snapshots else None
        self.view.show_curves(self.history, self.planned_epochs())
        if recording.batches:
            self.show_progress(recording.batches[-1])
        self.model_is_temporary = False
        self._show_result(recording.title, replace(recording.finished, model_path=model_path))
        self.note = note
        self.view.show_recording_note(note)
        self.replay_position = max(len(self.history.replay_epochs()) - 1, 0)
        self.show_replay()
        if self.shown_snapshot() is not None:
            self.view.show_snapshot(self.shown_snapshot())
        self.view.draw_now()
        self.log(f"Opened the recorded run {recording.title}" + (f" from {model_path}" if model_path else ""))

    # -- helpers -----------------------------------------------------------------------------
    def set_state(self, state: RunState) -> None:
        self.state = state
        self.view.set_state(state)

    def reset_run(self) -> None:
        self.history = RunHistory()
        self._last_status = ""
        self.started = None
        self.result = None
        self.live_snapshot = None
        self.replay_position = 0
        self.run_kind = OWN_RUN
        self.recorder = RunRecorder()
        self.model_is_temporary = True
        self.model_saved = False
        self.note = ""
        self.view.show_recording_note("")
        self.view.clear_run()
        self.view.set_model_saveable(False)
        self.view.show_speed("")
        self.view.show_timing("")
        self.show_replay()  # nothing kept: "Live", and no confusion matrix yet

    def log(self, text: str) -> None:
        self.view.append_log(f"{time.strftime('%H:%M:%S')}  {text}")
