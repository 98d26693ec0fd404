"""The live training page: set up a run, press Train, and watch the seed notebook's CNN learn.

Left: the settings, the Train / Pause / Stop buttons and the run's progress. Right: the probe
image and the epoch replay slider above the tabs (curves, feature maps, kernels, confusion
matrix, results, compared runs).
The page composes these parts and implements TrainingView (view.py): its parts' signals become
the view's signals, which the controller (controller.py, the run's logic) connects, and the
controller answers through the view's setters. The run itself is a child process driven by RunDriver; runs that
Keras scripts stream with LiveView() arrive through ScriptRuns (external.py), which listens from the
page's first showing until it shuts down, and are chosen under Runs. Before the first run it shows
the recorded run shipped with the app (resources.recorded_run_path()), and says so above the plots.
"""

from __future__ import annotations

from PyQt6.QtCore import QSettings, Qt, QTimer, pyqtSignal
from PyQt6.QtWidgets import (
    QApplication,
    QLabel,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from visualizer.resources import recorded_run_path
from visualizer.training.config import TrainConfig
from visualizer.training.events import ConfusionSample, EpochConfusion, ProbeSnapshot
from visualizer.training.history import RunHistory
from visualizer.training.recording import RunRecording
from visualizer.training.saved_runs import autosave_root
from visualizer.ui.kit.banner import Banner
from visualizer.ui.kit.export import write_png
from visualizer.ui.kit.latest_only import LatestOnly
from visualizer.ui.kit.lazy_tabs import LazyTabs
from visualizer.ui.kit.poller import PRESTART_DELAY_MS
from visualizer.ui.kit.save_file import ask_save_path
from visualizer.ui.training.controller import TrainingController
from visualizer.ui.training.external import ScriptRuns
from visualizer.ui.training.link import POLL_INTERVAL_MS, RunDriver
from visualizer.ui.training.replay_bar import ProbeReplayBar
from visualizer.ui.training.run_panel import RunPanel
from visualizer.ui.training.tabs.compare import CompareTab
from visualizer.ui.training.tabs.confusion import ConfusionTab
from visualizer.ui.training.tabs.curves import CurvesTab
from visualizer.ui.training.tabs.results import ResultsTab
from visualizer.ui.training.tabs.snapshots import FeatureMapsTab, KernelsTab
from visualizer.ui.training.view import ResultRow, RunState

# The curves are redrawn at most this often (and at each epoch's end): repainting both plots
# takes a few milliseconds, and a smoother curve than 5 updates a second tells nothing more.
CURVES_INTERVAL_MS = 200
# Feature maps and kernels: the visible tab (only it draws) draws the newest snapshot at most every
# POLL_INTERVAL_MS, the interval at which the run's reports are read, so that each snapshot read is
# drawn at that read (a run takes PICTURES_PER_SECOND, between batches, so some come closer
# together than others); pacing the drawings at the snapshots' own average interval dropped one
# in ten.
SNAPSHOT_INTERVAL_MS = POLL_INTERVAL_MS
# The progress bar moves at most this often (a run's end and the busy bar at once): a QProgressBar
# repaints itself at once on every new value, which at 20 frames a second cost as much as a fifth
# of the window's drawing.
PROGRESS_INTERVAL_MS = 100
# Amber, unlike the banner's blue and red: a recorded run is neither news nor an error. Dark ink,
# since the background is light whatever the palette.
RECORDING_NOTE_STYLE = "background:#fff4ce; border:1px solid #c59a00; color:black; padding:4px;"


class TrainingPage(QWidget):
    """The page. ``process_factory(config)`` makes the run's process (tests pass a fake), and
    ``prestart_factory(prestart)`` one started ahead of Train (RunDriver says when each is used). On
    opening it offers to resume a run that a crash cut off (autosaved in saved_runs.autosave_root())."""

    inspectRequested = pyqtSignal(str)  # the run's model, for the model inspector (OffersModels)
    pageRequested = pyqtSignal(str)  # a concept page that explains a problem in the form (OpensPages)
    # TrainingView's signals, connected by the controller
    trainRequested = pyqtSignal(object, str, int)  # config, title, probe index
    playToggled = pyqtSignal()
    stopRequested = pyqtSignal()
    probeChosen = pyqtSignal(int)
    replayMoved = pyqtSignal(int)
    liveRequested = pyqtSignal()
    settingsChanged = pyqtSignal(object)  # settings.DataChoice
    prestartDue = pyqtSignal()
    saveModelRequested = pyqtSignal()
    saveRunRequested = pyqtSignal()
    inspectModelRequested = pyqtSignal()
    exportCsvRequested = pyqtSignal()
    saveRequested = pyqtSignal(str, str, object)  # what, path, write(temporary path): see save_file
    bannerActionClicked = pyqtSignal()
    bannerSecondActionClicked = pyqtSignal()
    runChosen = pyqtSignal(str)  # a script's run id, or "" for this app's own

    def __init__(self, process_factory=None, parent: QWidget | None = None, prestart_factory=None) -> None:
        super().__init__(parent)
        self.snapshots_rendered = 0  # feature-map or kernel pictures actually drawn
        self.banner = Banner()
        self.recording_note = QLabel()  # says that a recorded run is shown, not a live one
        self.recording_note.setObjectName("recordingNote")
        self.recording_note.setWordWrap(True)
        self.recording_note.setStyleSheet(RECORDING_NOTE_STYLE)
        self.recording_note.hide()
        self.run_panel = RunPanel()
        self.settings = self.run_panel.settings
        self.probe_bar = ProbeReplayBar()
        self.curves_tab = CurvesTab()
        self.maps_tab = FeatureMapsTab()
        self.kernels_tab = KernelsTab()
        self.confusion_tab = ConfusionTab()
        self.results_tab = ResultsTab()
        self.compare_tab = CompareTab()
        self.tabs = QTabWidget()
        for tab, title, tip in (
            (self.curves_tab, "Curves", "Loss and accuracy, batch by batch and epoch by epoch"),
            (self.maps_tab, "Feature maps", "What each conv layer makes of the probe image"),
            (self.kernels_tab, "Kernels", "The weights of every conv layer's kernels"),
            (self.confusion_tab, "Confusion",
             "The confusion matrix of a sample of the test images at each epoch's end: click a cell to see its images"),
            (self.results_tab, "Results",
             "Final scores of each run beside the seed notebook's, the model's layers and the log"),
            (self.compare_tab, "Compare runs",
             "Finished and opened runs side by side: their curves overlaid, their feature maps and kernels"),
        ):
            self.tabs.setTabToolTip(self.tabs.addTab(tab, title), tip)
        self._lay_out()

        self._snapshot: ProbeSnapshot | None = None
        self._lazy_tabs = LazyTabs(self.tabs, self._draw_snapshot_tab)
        self._lazy_tabs.add(self.maps_tab)
        self._lazy_tabs.add(self.kernels_tab)
        self._confusion: tuple = (None, None, "")
        self._lazy_confusion = LazyTabs(self.tabs, self._draw_confusion_tab)
        self._lazy_confusion.add(self.confusion_tab)
        # Compare runs redraws its list and both plots (about 50 ms, the longest the window stood
        # still at a run's end): done when it is opened, not as each run ends.
        self._recordings: list[RunRecording] = []
        self._lazy_compare = LazyTabs(self.tabs, lambda tab: tab.show_recordings(self._recordings))
        self._lazy_compare.add(self.compare_tab)
        self._curves = LatestOnly(self, self._draw_curves, CURVES_INTERVAL_MS)
        self._snapshots = LatestOnly(self, self._draw_snapshot, SNAPSHOT_INTERVAL_MS)
        self._progress = LatestOnly(self, lambda progress: self.run_panel.show_progress(*progress), PROGRESS_INTERVAL_MS)
        self.driver = RunDriver(process_factory, parent=self, prestart_factory=prestart_factory)
        self._prestart_asked = False  # True once the page has asked for a process started ahead
        self._prestart_timer = QTimer(self)
        self._prestart_timer.setSingleShot(True)
        self._prestart_timer.setInterval(PRESTART_DELAY_MS)
        self._prestart_timer.timeout.connect(self._on_prestart_timer_timeout)
        self._connect_widgets()
        self.scripts = ScriptRuns(parent=self)
        self.controller = TrainingController(self, self.driver, autosave_root(), self.scripts)
        self._on_settings_changed()
        bundled = recorded_run_path()
        if bundled is not None:
            self.controller.open_recording_file(str(bundled), bundled=True)
        self.controller.interrupted_runs.offer()
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    def _lay_out(self) -> None:
        right = QWidget()
        column = QVBoxLayout(right)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.probe_bar)
        column.addWidget(self.tabs, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.run_panel)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([420, 660])  # the layer list needs room for its three columns
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.banner)
        layout.addWidget(self.recording_note)
        layout.addWidget(splitter, 1)

    def _connect_widgets(self) -> None:
        """The parts' signals become the page's own (TrainingView's), which the controller connects."""
        self.run_panel.train_button.clicked.connect(self._on_train_clicked)
        self.run_panel.pause_button.clicked.connect(self.playToggled)
        self.run_panel.stop_button.clicked.connect(self.stopRequested)
        self.run_panel.runChosen.connect(self.runChosen)
        self.settings.changed.connect(self._on_settings_changed)
        self.settings.pageRequested.connect(self.pageRequested)
        self.probe_bar.probeChanged.connect(self.probeChosen)
        self.probe_bar.replayMoved.connect(self.replayMoved)
        self.probe_bar.liveClicked.connect(self.liveRequested)
        for tab in (self.curves_tab, self.maps_tab, self.kernels_tab, self.compare_tab):
            tab.savePngRequested.connect(self._ask_save_png)
        for part in (self.curves_tab, self.results_tab):
            part.exportCsvRequested.connect(self.exportCsvRequested)
        self.results_tab.saveModelRequested.connect(self.saveModelRequested)
        self.results_tab.saveRunRequested.connect(self.saveRunRequested)
        self.results_tab.inspectModelRequested.connect(self.inspectModelRequested)
        self.banner.actionClicked.connect(self.bannerActionClicked)
        self.banner.secondActionClicked.connect(self.bannerSecondActionClicked)

    # -- the user's commands ----------------------------------------------------------------
    def _on_train_clicked(self) -> None:
        try:
            config = self.settings.config()
        except ValueError as error:
            self.show_banner("error", f"These settings do not make a run: {error}")
            return
        self.trainRequested.emit(config, self.settings.describe(), self.probe_bar.probe_index())

    def toggle_play(self) -> None:
        """Pause or resume the run (the window's Space shortcut calls this too)."""
        self.playToggled.emit()

    def _on_settings_changed(self) -> None:
        self.settingsChanged.emit(self.settings.data_choice())

    def _on_prestart_timer_timeout(self) -> None:
        if self.isVisible():
            self._prestart_asked = True
            self.prestartDue.emit()

    def restore_settings(self, settings: QSettings) -> None:
        """The run's settings from last time (RemembersSettings)."""
        self.settings.restore_settings(settings)

    def save_settings(self, settings: QSettings) -> None:
        self.settings.save_settings(settings)

    def closeEvent(self, event) -> None:
        # The main window closes every page before it closes: a run must not outlive it.
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop the run for good, e.g. because the window closes; kills it if it does not stop."""
        self._prestart_timer.stop()
        self._prestart_asked = False
        self.settings.editor.stop_saving()
        self.controller.shutdown()

    # -- files -------------------------------------------------------------------------------
    def ask_save_path(self, title: str, name: str, file_filter: str) -> str:
        return ask_save_path(self, title, name, file_filter) or ""

    def offer_model_to_inspect(self, path: str) -> None:
        self.inspectRequested.emit(path)

    def _ask_save_png(self, widget: QWidget, name: str) -> None:
        path = self.ask_save_path("Save as PNG", name, "PNG images (*.png)")
        if path:
            self.saveRequested.emit("the image", path, lambda temporary: write_png(widget, temporary))

    # -- drawing, a few times a second at most -------------------------------------------------
    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._prestart_asked:
            self._prestart_timer.start()
        self.scripts.listen()  # once: scripts find the page from now on
        self.draw_now()

    def _draw_curves(self, curves: tuple[RunHistory, int]) -> None:
        self.curves_tab.show_history(*curves)

    def _draw_snapshot(self, snapshot: ProbeSnapshot) -> None:
        """Draw the snapshot in the visible tab now; the other tab is drawn when it is opened."""
        self._snapshot = snapshot
        self._lazy_tabs.mark_stale()

    def _draw_snapshot_tab(self, tab: QWidget) -> None:
        self.snapshots_rendered += 1
        tab.show_snapshot(self._snapshot)

    def _draw_confusion_tab(self, tab: ConfusionTab) -> None:
        tab.show_confusion(*self._confusion)

    # -- TrainingView: what the controller shows -------------------------------------------------
    def set_state(self, state: RunState) -> None:
        self.run_panel.set_state(state)

    def show_status(self, text: str) -> None:
        self.run_panel.status_label.setText(text)

    def show_progress(self, done: int, total: int, text: str) -> None:
        self._progress.submit((done, total, text))
        if total == 0 or done >= total:  # busy, or the run's end: at once
            self._progress.flush()

    def show_speed(self, text: str) -> None:
        self.run_panel.speed_label.setText(text)

    def show_timing(self, text: str) -> None:
        self.run_panel.time_label.setText(text)

    def show_device(self, html: str) -> None:
        self.run_panel.device_label.setText(html)

    def show_data(self, text: str, tooltip: str | None = None) -> None:
        self.run_panel.show_data(text, tooltip)

    def set_probe_count(self, count: int) -> None:
        self.probe_bar.set_probe_count(count)

    def set_class_names(self, names: tuple[str, ...]) -> None:
        self.maps_tab.probe_view.set_class_names(names)
        self.confusion_tab.set_class_names(names)

    def set_shown_layers(self, names: tuple[str, ...]) -> None:
        self.maps_tab.set_shown_layers(names)

    def show_model_summary(self, text: str) -> None:
        self.results_tab.summary_text.setPlainText(text)

    def append_log(self, line: str) -> None:
        self.results_tab.append_log(line)

    def clear_run(self) -> None:
        self._curves.clear()
        self._snapshots.clear()
        self.curves_tab.clear()

    def show_curves(self, history: RunHistory, epochs: int) -> None:
        self._curves.submit((history, epochs))

    def show_snapshot(self, snapshot: ProbeSnapshot) -> None:
        self._snapshots.submit(snapshot)

    def draw_now(self) -> None:
        self._curves.flush()
        self._snapshots.flush()
        self._progress.flush()

    def show_replay(self, count: int, position: int, label: str) -> None:
        self.probe_bar.show_replay(count, position, label)

    def show_confusion(self, sample: ConfusionSample | None, confusion: EpochConfusion | None, text: str) -> None:
        self._confusion = (sample, confusion, text)
        self._lazy_confusion.mark_stale()

    def show_results(self, rows: list[ResultRow]) -> None:
        self.results_tab.show_results(rows)

    def show_result_summary(self, html: str) -> None:
        self.results_tab.result_label.setText(html)

    def set_model_saveable(self, saveable: bool) -> None:
        self.results_tab.save_model_button.setEnabled(saveable)
        self.results_tab.inspect_model_button.setEnabled(saveable)

    def set_run_saveable(self, saveable: bool) -> None:
        self.results_tab.save_run_button.setVisible(saveable)

    def show_banner(
        self, kind: str, text: str, details: str = "", action: str = "", second_action: str = ""
    ) -> None:
        self.banner.show_message(kind, text, details=details, action=action, second_action=second_action)

    def show_recordings(self, recordings: list[RunRecording]) -> None:
        self._recordings = recordings
        self._lazy_compare.mark_stale()

    def show_recording_note(self, text: str) -> None:
        self.recording_note.setText(text)
        self.recording_note.setVisible(bool(text))

    def show_runs(self, runs: list[tuple[str, str]], shown: str) -> None:
        self.run_panel.show_runs(runs, shown)

    def show_settings(self, config: TrainConfig) -> None:
        outside = self.settings.show_config(config)
        if outside:
            self.show_banner(
                "info", "The form cannot show some of the recorded run's settings as they were, so it shows "
                f"the nearest it offers: {', '.join(outside)}. Check them before you press Train.",
            )

    def open_recorded_run(self, path: str) -> str | None:
        """Show the run recorded in the model file at ``path`` (ShowsRecordedRuns); why not, or None."""
        return self.controller.open_recording_file(path)

    def hide_banner(self) -> None:
        self.banner.hide()
