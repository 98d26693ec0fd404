"""What the training page's controller asks of its page, and what the page tells it.

``TrainingView`` is the contract between controller.py (no widgets) and page.py (widgets only):
signals for what the user asks, setters for what the page shows. The controller connects the
signals in one place; tests drive it with ``MagicMock(spec=TrainingView)`` and no window.
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Protocol

from PyQt6.QtCore import pyqtSignal

if TYPE_CHECKING:
    from visualizer.training.config import TrainConfig
    from visualizer.training.events import ConfusionSample, EpochConfusion, ProbeSnapshot
    from visualizer.training.history import RunHistory
    from visualizer.training.recording import RunRecording

ResultRow = tuple[str, float, float, float, float]  # title, train acc., train loss, test acc., test loss
NO_RESULT_YET = "No finished run yet."


class RunState(str, Enum):
    """The run's state; its value is the word (``RunState.IDLE == "idle"``)."""

    IDLE = "idle"
    RUNNING = "running"
    PAUSED = "paused"
    STOPPING = "stopping"

    def __str__(self) -> str:  # as StrEnum does: the value, not "RunState.IDLE"
        return self.value


class TrainingView(Protocol):
    """The signals are declared with their argument types, as the page declares them (and as
    ``MagicMock(spec=...)`` offers them to connect). Curves and snapshots may be drawn later than
    asked (a few times a second at most, the newest only); ``draw_now`` draws what is waiting."""

    # -- what the user asks ----------------------------------------------------------------
    trainRequested = pyqtSignal(object, str, int)  # config: TrainConfig, title, probe index
    playToggled = pyqtSignal()  # pause a run, or resume a paused one
    stopRequested = pyqtSignal()
    probeChosen = pyqtSignal(int)  # the test image to probe
    replayMoved = pyqtSignal(int)  # 0..n-1 an epoch kept, n live
    liveRequested = pyqtSignal()
    settingsChanged = pyqtSignal(object)  # training.data.DataChoice: the data chosen now
    prestartDue = pyqtSignal()  # the page has been in view a while: start a process ahead
    saveModelRequested = pyqtSignal()
    saveRunRequested = pyqtSignal()  # a script's run, as it arrived: see connected_runs.py
    inspectModelRequested = pyqtSignal()
    exportCsvRequested = pyqtSignal()
    saveRequested = pyqtSignal(str, str, object)  # what, path, write(temporary path): see save_file
    bannerActionClicked = pyqtSignal()
    bannerSecondActionClicked = pyqtSignal()
    runChosen = pyqtSignal(str)  # the run to show: a script's run id, or "" for this app's own

    # -- what the page shows ---------------------------------------------------------------
    def set_state(self, state: RunState) -> None: ...
    def show_status(self, text: str) -> None: ...
    def show_progress(self, done: int, total: int, text: str) -> None: ...  # total 0: busy
    def show_speed(self, text: str) -> None: ...
    def show_timing(self, text: str) -> None: ...
    def show_device(self, html: str) -> None: ...
    def show_data(self, text: str, tooltip: str | None = None) -> None: ...  # None: keep the tip
    def set_probe_count(self, count: int) -> None: ...
    def set_class_names(self, names: tuple[str, ...]) -> None: ...
    def set_shown_layers(self, names: tuple[str, ...]) -> None: ...
    def show_model_summary(self, text: str) -> None: ...
    def append_log(self, line: str) -> None: ...
    def clear_run(self) -> None: ...  # the previous run's curves, and pictures not drawn yet
    def show_curves(self, history: RunHistory, epochs: int) -> None: ...
    def show_snapshot(self, snapshot: ProbeSnapshot) -> None: ...
    def draw_now(self) -> None: ...
    def show_replay(self, count: int, position: int, label: str) -> None: ...
    # The confusion matrix of ``confusion``'s predictions for ``sample`` under the heading ``text``;
    # without predictions, ``text`` says why there is no matrix. Drawn when its tab is in view.
    def show_confusion(self, sample: ConfusionSample | None, confusion: EpochConfusion | None, text: str) -> None: ...
    def show_results(self, rows: list[ResultRow]) -> None: ...
    def show_result_summary(self, html: str) -> None: ...
    def set_model_saveable(self, saveable: bool) -> None: ...
    def set_run_saveable(self, saveable: bool) -> None: ...  # a script's run that has ended or gone quiet
    def show_banner(
        self, kind: str, text: str, details: str = "", action: str = "", second_action: str = ""
    ) -> None: ...
    def hide_banner(self) -> None: ...
    def show_recordings(self, recordings: list[RunRecording]) -> None: ...  # runs to compare
    def show_settings(self, config: TrainConfig) -> None: ...  # the form shows these settings
    def show_recording_note(self, text: str) -> None: ...  # what recorded or script's run is shown; "": none
    # The scripts' runs, (run id, label) each, and the run shown ("": this app's own; Train, Pause
    # and Stop act on that one only).
    def show_runs(self, runs: list[tuple[str, str]], shown: str) -> None: ...
    def ask_save_path(self, title: str, name: str, file_filter: str) -> str: ...  # "": cancelled
    def offer_model_to_inspect(self, path: str) -> None: ...  # the model inspector opens the file
