"""The runs that scripts stream to the training page (``LiveView()``, see external.py), and which
run the page shows: this app's own, or one of theirs. A part that TrainingController owns.

A script's run is drawn exactly as the app's own: its frames go through the controller's
``on_frame``. Everything each script has sent is kept as one Frame, so choosing a run draws its
whole history at once (curves, the per-epoch replay, the newest pictures) and then follows it live.
While a script's run is shown, the app's own run is set aside (the controller's attributes for the
shown run) and what it sends meanwhile is kept, to be drawn when it is chosen again; it trains on
undisturbed. A script that goes quiet for ``SILENT_AFTER_S`` without having said it ended (killed,
stopped in a debugger, hung) is shown as having stopped sending, with the batch it got to.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from visualizer.training.events import RunFinished
from visualizer.training.recording import RunRecording, run_title
from visualizer.ui.training.link import Frame
from visualizer.ui.training.positions import how_it_ended
from visualizer.ui.training.view import RunState

if TYPE_CHECKING:
    from visualizer.ui.training.controller import TrainingController
    from visualizer.ui.training.view import TrainingView

OWN_RUN = ""  # the run id the Runs choice gives this app's own run
SILENT_AFTER_S = 5.0  # a script sends several times a second while it trains, and its RunStarted at once
LIVE, ENDED, SILENT = "live", "ended", "stopped sending"
# The controller's attributes that describe the run it shows: set aside while a script's run is shown.
SHOWN_RUN_FIELDS = ("state", "history", "started", "result", "config", "run_title", "live_snapshot",
                    "replay_position", "run_kind", "recorder", "model_is_temporary", "model_saved", "note")
NOT_FOR_SCRIPTS = "A script's run is shown: Train acts on this app's own run. Choose “This app's run” under Runs."
STEERS_SCRIPT = "Pause and Stop act on the script's run, after its current batch."
SAVE_RUN_HINT = "Results › Save run… keeps it in a file."


@dataclass
class ScriptRun:
    """One run a script has streamed: all it sent (``everything``), when it was last heard from."""

    run_id: str
    last_heard: float
    everything: Frame = field(default_factory=Frame)
    state: str = LIVE
    asked: str = ""  # what this window last asked of it: "pause", "resume" or "stop"
    kept: RunRecording | None = None  # what it sent, as kept for comparing once it ended or went quiet

    @property
    def name(self) -> str:
        started = self.everything.started
        if started is None:
            return f"run {self.run_id[:8]}"
        return started.run_name or started.model_name

    @property
    def label(self) -> str:
        return f"{self.name} · {self.state}"

    def silence_text(self) -> str:
        """"the run stopped sending at epoch 2, batch 340" (or before its first batch)."""
        batches = self.everything.batches
        where = f"at epoch {batches[-1].epoch}, batch {batches[-1].batch}" if batches else "before its first batch"
        return f"the run stopped sending {where}"

    def recording(self) -> RunRecording | None:
        """What arrived, as a recorded run (the app's replay, Compare runs, a file to save); None
        before its first batch. A run that ended without saying how it did (it stopped sending,
        or failed) counts as stopped early, with its last epoch's scores (NaN before one ended)."""
        sent = self.everything
        if sent.started is None or not sent.batches:
            return None
        finished = sent.finished or self._cut_short()
        return RunRecording(
            config=None,
            title=run_title(self.name, finished),  # as LiveView(record=...) titles it
            started=sent.started,
            batches=tuple(sent.batches),
            epochs=tuple(sent.epochs),
            snapshots=tuple(sent.epoch_snapshots),
            finished=finished,
            confusion_sample=sent.confusion_sample,
            confusions=tuple(sent.confusions),
        )

    def _cut_short(self) -> RunFinished:
        sent = self.everything
        last_batch = sent.batches[-1]
        if sent.epochs:
            last = sent.epochs[-1]
            train, test = (last.loss, last.accuracy), (last.val_loss, last.val_accuracy)
        else:
            train, test = (last_batch.loss, last_batch.accuracy), (math.nan, math.nan)
        return RunFinished(True, len(sent.epochs), *train, *test, last_batch.elapsed_s, None)

    def no_scores_text(self) -> str:
        """The Results tab's line while the run has no final scores (rich text)."""
        if self.state == SILENT:
            return (f"<b>{self.name}</b>: {self.silence_text()}, before it finished, so there are no final "
                    "scores. Save run… below keeps what arrived in a file.")
        if self.everything.failed is not None:
            return f"<b>{self.name}</b> failed before it finished, so there are no final scores; the banner says why."
        return f"<b>{self.name}</b> has not finished yet: its scores come at its end."

    def note(self) -> str:
        """What the page says above the plots while this run is shown."""
        if self.state == SILENT:
            return (f"{self.name}, streamed by a script: {self.silence_text()} (the script was stopped, killed or "
                    f"hangs). What arrived is kept here and in Compare runs. {SAVE_RUN_HINT}")
        if self.state == ENDED:
            return f"{self.name}, streamed by a script on this machine, has ended. {SAVE_RUN_HINT} {NOT_FOR_SCRIPTS}"
        return f"Watching {self.name}, streamed live by a script on this machine. {STEERS_SCRIPT} {NOT_FOR_SCRIPTS}"


class ConnectedRuns:
    """Keeps the scripts' runs for ``controller`` and shows the one chosen (``shown``: a run id, or
    OWN_RUN). ``clock`` is time.monotonic, or a test's own."""

    def __init__(self, view: TrainingView, controller: TrainingController, clock=time.monotonic) -> None:
        self._view = view
        self._controller = controller
        self.clock = clock
        self.runs: dict[str, ScriptRun] = {}
        self.shown = OWN_RUN
        self._own: dict | None = None  # the app's own run, set aside while a script's run is shown
        self._own_later = Frame()  # what the app's own run sent while set aside

    @property
    def watching(self) -> bool:
        """A script's run is shown, not the app's own."""
        return self.shown != OWN_RUN

    def on_own_frame(self, frame: Frame) -> None:
        """A frame of the app's own run (RunDriver): drawn now, or kept while a script's run is shown."""
        if self.watching:
            self._own_later.extend(frame)
        else:
            self._controller.on_frame(frame)

    def on_frames(self, frames: dict[str, Frame]) -> None:
        """One tick of the scripts' stream (external.ScriptRuns): a Frame per run that sent something."""
        now = self.clock()
        changed = False
        for run_id, frame in frames.items():
            run = self.runs.get(run_id)
            label = run.label if run is not None else ""
            if run is None:
                run = self.runs[run_id] = ScriptRun(run_id, now)
            run.everything.extend(frame)
            run.last_heard = now
            was = run.state
            run.state = ENDED if run.everything.ended else LIVE
            changed = changed or run.label != label
            if run.state == ENDED and was != ENDED:
                self._keep_for_comparing(run)
            if run_id == self.shown:
                self._controller.on_frame(frame)
                if run.state != was:
                    self._view.show_recording_note(run.note())  # e.g. "… has ended"
                    self._view.set_run_saveable(run.state != LIVE)
        for run in self.runs.values():
            if run.state == LIVE and now - run.last_heard > SILENT_AFTER_S:
                run.state = SILENT
                changed = True
                self._keep_for_comparing(run)
                if run.run_id == self.shown:
                    self._show_silence(run)
        if changed:
            self._show_choice()

    def choose(self, run_id: str) -> None:
        """Show ``run_id``'s run (OWN_RUN: the app's own), from its start."""
        if run_id == self.shown or (run_id != OWN_RUN and run_id not in self.runs):
            return
        if not self.watching:
            self._own = {name: getattr(self._controller, name) for name in SHOWN_RUN_FIELDS}
        self.shown = run_id
        if run_id == OWN_RUN:
            self._show_own()
        else:
            self._show_script_run(self.runs[run_id])
        self._show_choice()

    @property
    def shown_recording(self) -> RunRecording | None:
        """The shown script's run as a recording, once it has ended or stopped sending; else None."""
        run = self.runs.get(self.shown)
        return run.recording() if run is not None and run.state != LIVE else None

    def save_shown(self) -> None:
        """Results › Save run…: what the shown script's run sent, in a file the user picks."""
        recording = self.shown_recording
        if recording is not None:
            self._controller.files.ask_and_save_recording(recording)
        elif self.watching:
            self._view.show_banner("info", f"{self.runs[self.shown].name} sent no batch before it ended: there is nothing to save.")

    def steer(self, action: str) -> None:
        """Ask the script whose run is shown to pause, resume or stop ("pause", "resume",
        "stop"), and say so."""
        controller, view = self._controller, self._view
        started = controller.started
        name = started.run_name if started is not None and started.run_name else "The script"
        if controller.scripts is None or not controller.scripts.tell(self.shown, action):
            view.show_status(f"{name} cannot be reached: its run goes on as it is.")
            return
        self.runs[self.shown].asked = action
        if action == "pause":
            controller.set_state(RunState.PAUSED)
            view.show_status(f"Asked {name} to pause after its current batch. Resume to go on.")
        elif action == "resume":
            controller.set_state(RunState.RUNNING)
            view.show_status("Training…")
        else:
            controller.set_state(RunState.STOPPING)
            view.show_status(f"Asked {name} to stop after its current batch; it then evaluates and ends.")

    def _keep_for_comparing(self, run: ScriptRun) -> None:
        """Add what ``run`` sent to Compare runs, instead of what was kept of it before (a run that
        went quiet, then sent again and ended)."""
        recording = run.recording()
        if recording is not None:
            self._controller.keep_for_comparing(recording, instead_of=run.kept)
            run.kept = recording

    def shutdown(self) -> None:
        """The page closes: the app's own run is put back, so that its files are dealt with as ever."""
        self.choose(OWN_RUN)

    def _show_choice(self) -> None:
        self._view.show_runs([(run.run_id, run.label) for run in self.runs.values()], self.shown)

    def _show_script_run(self, run: ScriptRun) -> None:
        controller = self._controller
        controller.reset_run()
        controller.config, controller.run_title = None, run.name
        live = {"pause": RunState.PAUSED, "stop": RunState.STOPPING}.get(run.asked, RunState.RUNNING)
        controller.set_state(live if run.state == LIVE else RunState.IDLE)
        self._view.hide_banner()
        self._view.show_result_summary(run.no_scores_text())  # a finished run's scores replace it
        controller.on_frame(run.everything)
        self._view.show_recording_note(run.note())
        self._view.set_run_saveable(run.state != LIVE)
        if run.state == SILENT:
            self._show_silence(run)
        controller.log(f"Showing {run.name}, a run streamed by a script")

    def _show_silence(self, run: ScriptRun) -> None:
        controller = self._controller
        controller.set_state(RunState.IDLE)
        text = run.silence_text()
        self._view.show_status(f"{text[0].upper()}{text[1:]}; its curves are kept.")
        self._view.show_result_summary(run.no_scores_text())
        self._view.show_recording_note(run.note())
        self._view.set_run_saveable(True)
        controller.log(f"{run.name}: {text}")

    def _show_own(self) -> None:
        """Draw the app's own run again as it was set aside, then what it sent meanwhile."""
        controller, view = self._controller, self._view
        for name, value in (self._own or {}).items():
            setattr(controller, name, value)
        self._own = None
        view.clear_run()
        view.hide_banner()
        controller.set_state(controller.state)
        view.show_recording_note(controller.note)
        view.set_model_saveable(controller.files.can_save_model)
        view.set_run_saveable(False)
        controller.show_summary()
        if controller.started is not None:
            controller.show_started(controller.started)
        view.show_curves(controller.history, controller.planned_epochs())
        controller.show_replay()
        snapshot = controller.shown_snapshot()
        if snapshot is not None:
            view.show_snapshot(snapshot)
        self._show_own_progress()
        later, self._own_later = self._own_later, Frame()
        controller.on_frame(later)
        view.draw_now()

    def _show_own_progress(self) -> None:
        controller, view = self._controller, self._view
        last_batch = controller.history.last_batch
        if controller.result is not None:
            ended = how_it_ended(controller.result, last_batch)
            view.show_progress(1, 1, ended)
            view.show_status(f"{ended}: test accuracy {controller.result.test_accuracy:.4f}")
        elif last_batch is not None:
            controller.show_progress(last_batch)
        else:
            view.show_progress(0, 1, "")
            view.show_status("This app's run: choose settings and press Train." if controller.state == RunState.IDLE
                             else "Training…")
