"""The live training page: set up a run, press Train, and watch the seed notebook's CNN learn.

Left: the settings, the Train / Pause / Stop buttons and the run's progress. Right: the probe
image and the epoch replay slider above four tabs (curves, feature maps, kernels, results).
The run is a child process driven by RunDriver; this page only draws the frames it hands over.
"""

from __future__ import annotations

import logging
import random
import time
import traceback
from dataclasses import replace
from pathlib import Path

from PyQt6.QtCore import QEvent, Qt, QTimer, pyqtSignal
from PyQt6.QtGui import QFont, QKeySequence
from PyQt6.QtWidgets import (
    QApplication,
    QFileDialog,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSlider,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from visualizer.fileio import copy_atomically, write_text_atomically
from visualizer.training.events import ProbeSnapshot, RunFailed, RunFinished, RunStarted
from visualizer.ui.export import save_png
from visualizer.ui.training.driver import Frame, RunDriver
from visualizer.ui.training.history import RunHistory
from visualizer.ui.training.mosaic import colourise, feature_map_mosaic, kernel_mosaic
from visualizer.ui.training.settings import SettingsForm
from visualizer.ui.training.views import (
    FEATURE_CMAP,
    KERNEL_CMAP,
    CurvePlot,
    MosaicView,
    ProbeView,
    lookup_table,
)

log = logging.getLogger(__name__)

# The seed notebook's own results after 5 epochs, shown beside this session's runs.
SEED_REFERENCE_ROWS = (
    ("Fully connected network - After 5 Epochs (seed notebook)", 0.8923, 0.2935, 0.8731, 0.2432),
    ("Convolutional network - After 5 Epochs (seed notebook)", 0.8860, 0.3094, 0.9048, 0.1954),
)
RESULT_COLUMNS = ("Model", "Train Accuracy", "Train Loss", "Test Accuracy", "Test Loss")
MAX_PROBE_INDEX = 59999
# The curves are redrawn at most this often (and at each epoch's end): repainting both plots
# takes a few milliseconds, and a smoother curve than 5 updates a second tells nothing more.
CURVES_INTERVAL_S = 0.2
# Feature maps and kernels: the run sends up to 20 snapshots a second; 10 look as live and cost
# the GUI thread half as much (each drawing takes 5-15 ms on a busy machine).
SNAPSHOT_INTERVAL_S = 0.1
MAPS_CAPTION = (
    "Each picture is one layer: every channel's map for the probe image, tiled, each scaled to its "
    "own range (viridis: dark = low, yellow = high). Drag to pan, wheel to zoom."
)
KERNELS_CAPTION = (
    "First conv layer: one tile per filter. Deeper layers: one row per filter, one column per input "
    "channel. Blue is negative, red positive, white zero (the scale is symmetric). Drag to pan, "
    "wheel to zoom."
)
NO_CONV_CAPTION = (
    "This network has no convolution layers, so there are no feature maps or kernels to show: "
    "the fully connected baseline sees the image only as 784 separate numbers."
)
KERNEL_TILE_PIXELS = 8  # small kernels are magnified to about this size so the gaps stay thin
KERNEL_GAP_RGBA = (150, 150, 150, 255)  # grey: neither a signed weight's blue/red nor zero's white


class Throttle:
    """Says when a view with new data is due for a redraw: at most once per ``interval_s``,
    so only the newest data is drawn (last value wins) however fast it arrives."""

    def __init__(self, interval_s: float) -> None:
        self.interval_s = interval_s
        self.reset()

    def reset(self) -> None:
        self.pending = False
        self._drawn_at = -float("inf")

    def due(self, now: float, force: bool = False) -> bool:
        if not self.pending or not (force or now - self._drawn_at >= self.interval_s):
            return False
        self.pending = False
        self._drawn_at = now
        return True


def format_duration(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


class Banner(QFrame):
    """A message across the top of the page: red for errors, blue for news, with optional details
    (a traceback) and an optional action button."""

    actionClicked = pyqtSignal()

    STYLES = {
        "error": "background:#fde2e1; border:1px solid #d93025; color:#8c1d18;",
        "info": "background:#e3f0fd; border:1px solid #1a73e8; color:#0b3d91;",
    }

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.kind = ""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        top = QHBoxLayout()
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        top.addWidget(self.message, 1)
        self.action = QPushButton()
        self.action.clicked.connect(self.actionClicked)
        top.addWidget(self.action)
        self.details_button = QPushButton("Details")
        self.details_button.setCheckable(True)
        self.details_button.setToolTip("Show the technical details (the traceback)")
        top.addWidget(self.details_button)
        close = QPushButton("✕")
        close.setFixedWidth(28)
        close.setToolTip("Hide this message")
        close.clicked.connect(self.hide)
        top.addWidget(close)
        layout.addLayout(top)
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setFont(QFont("monospace", 8))
        self.details.setMaximumHeight(160)
        self.details.hide()
        self.details_button.toggled.connect(self.details.setVisible)
        layout.addWidget(self.details)
        self.hide()

    def show_message(self, kind: str, text: str, details: str = "", action: str = "") -> None:
        self.kind = kind
        self.setStyleSheet(f"#banner {{{self.STYLES[kind]}}} QLabel {{border:none;}}")
        self.message.setText(text)
        self.details.setPlainText(details)
        self.details_button.setVisible(bool(details))
        self.details_button.setChecked(False)
        self.action.setText(action)
        self.action.setVisible(bool(action))
        self.show()


class TrainingPage(QWidget):
    """The page. ``process_factory(config)`` makes the run's process (tests pass a fake)."""

    def __init__(self, process_factory=None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = "idle"
        self.driver = RunDriver(process_factory, parent=self)
        self.driver.frameReady.connect(self._on_driver_frame)
        self.history = RunHistory()
        self.started: RunStarted | None = None
        self.result: RunFinished | None = None
        self.session_results: list[tuple[str, RunFinished]] = []
        self.snapshots_rendered = 0  # feature-map or kernel pictures actually drawn
        self._config = None
        self._stopping = False
        self._run_title = ""
        self._live_snapshot: ProbeSnapshot | None = None
        self._curves_throttle = Throttle(CURVES_INTERVAL_S)
        self._snapshot_throttle = Throttle(SNAPSHOT_INTERVAL_S)
        self._dirty_tabs: set[QWidget] = set()
        self._feature_lut = lookup_table(FEATURE_CMAP)
        self._kernel_lut = lookup_table(KERNEL_CMAP)

        self.banner = Banner()
        self.banner.actionClicked.connect(self._on_banner_action)
        left = self._build_left()
        right = self._build_right()
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([350, 730])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.banner)
        layout.addWidget(splitter, 1)

        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
        self._set_state("idle")

    # -- building -------------------------------------------------------------------------------
    def _build_left(self) -> QWidget:
        self.settings = SettingsForm()
        scroll = QScrollArea()
        scroll.setWidget(self.settings)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._settings_scroll = scroll
        self._fit_settings_column()

        self.train_button = QPushButton("▶ Train")
        self.train_button.setShortcut(QKeySequence("Ctrl+Return"))
        self.train_button.setToolTip("Train a new model with these settings (Ctrl+Enter)")
        self.train_button.clicked.connect(self._on_train_clicked)
        self.pause_button = QPushButton("❚❚ Pause")
        self.pause_button.setShortcut(QKeySequence("Ctrl+P"))
        self.pause_button.setToolTip("Pause after the current batch; press again to resume (Ctrl+P)")
        self.pause_button.clicked.connect(self.toggle_play)
        self.stop_button = QPushButton("■ Stop")
        self.stop_button.setShortcut(QKeySequence("Esc"))
        self.stop_button.setToolTip(
            "Stop after the current batch and keep the model as it is, to save it (Esc)"
        )
        self.stop_button.clicked.connect(self._on_stop_clicked)
        buttons = QHBoxLayout()
        for button in (self.train_button, self.pause_button, self.stop_button):
            buttons.addWidget(button)

        status_box = QGroupBox("Run")
        grid = QGridLayout(status_box)
        grid.setVerticalSpacing(2)
        self.status_label = QLabel("Ready: choose settings and press Train.")
        self.status_label.setWordWrap(True)
        self.device_label = QLabel("Device: shown when the run starts")
        self.device_label.setWordWrap(True)
        self.data_label = QLabel()
        self.data_label.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.setFormat("")
        self.speed_label = QLabel("")
        self.time_label = QLabel("")
        for row, widget in enumerate(
            (self.status_label, self.device_label, self.data_label, self.progress)
        ):
            grid.addWidget(widget, row, 0, 1, 2)
        grid.addWidget(self.speed_label, 4, 0)
        grid.addWidget(self.time_label, 4, 1, Qt.AlignmentFlag.AlignRight)
        self.settings.changed.connect(self._show_data_choice)
        self._show_data_choice()

        left = QWidget()
        layout = QVBoxLayout(left)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll, 1)
        layout.addLayout(buttons)
        layout.addWidget(status_box)
        return left

    def _build_right(self) -> QWidget:
        self.probe_spin = QSpinBox()
        self.probe_spin.setRange(0, MAX_PROBE_INDEX)
        self.probe_spin.setToolTip("Which test image's feature maps to show (changeable while training)")
        self.probe_spin.setKeyboardTracking(False)
        self.probe_spin.valueChanged.connect(self._on_probe_spin_changed)
        random_button = QPushButton("Random")
        random_button.setToolTip("Pick a random test image as the probe")
        random_button.clicked.connect(self._on_random_clicked)
        self.replay_slider = QSlider(Qt.Orientation.Horizontal)
        self.replay_slider.setRange(0, 0)
        self.replay_slider.setPageStep(1)
        self.replay_slider.setToolTip(
            "Scrub back through the snapshots taken at the end of each epoch; the right end is live"
        )
        self.replay_slider.valueChanged.connect(self._on_replay_slider_changed)
        self.replay_label = QLabel("Live")
        self.replay_label.setMinimumWidth(150)
        self.live_button = QPushButton("Live")
        self.live_button.setToolTip("Follow the training again")
        self.live_button.clicked.connect(self._on_live_clicked)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Probe image #"))
        bar.addWidget(self.probe_spin)
        bar.addWidget(random_button)
        bar.addSpacing(16)
        bar.addWidget(QLabel("View epoch"))
        bar.addWidget(self.replay_slider, 1)
        bar.addWidget(self.replay_label)
        bar.addWidget(self.live_button)

        self.tabs = QTabWidget()
        self.tabs.addTab(self._build_curves_tab(), "Curves")
        self.tabs.addTab(self._build_maps_tab(), "Feature maps")
        self.tabs.addTab(self._build_kernels_tab(), "Kernels")
        self.tabs.addTab(self._build_results_tab(), "Results")
        for index, tip in enumerate((
            "Loss and accuracy, batch by batch and epoch by epoch",
            "What each conv layer makes of the probe image",
            "The weights of every conv layer's kernels",
            "Final scores of each run beside the seed notebook's, the model's layers and the log",
        )):
            self.tabs.setTabToolTip(index, tip)
        self.tabs.currentChanged.connect(self._on_tabs_changed)

        right = QWidget()
        layout = QVBoxLayout(right)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.tabs, 1)
        return right

    @staticmethod
    def _button(text: str, tip: str, slot) -> QPushButton:
        button = QPushButton(text)
        button.setToolTip(tip)
        button.clicked.connect(slot)
        return button

    def _build_curves_tab(self) -> QWidget:
        self.loss_plot = CurvePlot("loss", "Loss (lower is better)")
        self.accuracy_plot = CurvePlot("accuracy", "Accuracy (higher is better)")
        self.accuracy_plot.setYRange(0, 1)
        plots = QSplitter(Qt.Orientation.Horizontal)
        plots.addWidget(self.loss_plot)
        plots.addWidget(self.accuracy_plot)
        # Short labels and a hint that wraps: in presentation mode this row must still fit a
        # 1280-pixel projector beside the settings column.
        hint = QLabel("Hover a curve to read its values.")
        hint.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(hint, 1)
        self.export_csv_button = self._button(
            "Curves as CSV…", "Export every batch and epoch value of this run as a CSV file",
            self._on_export_csv_clicked,
        )
        buttons.addWidget(self.export_csv_button)
        buttons.addWidget(self._button(
            "Loss plot as PNG…", "Save the loss plot as an image",
            lambda: self._ask_save_png(self.loss_plot, "loss.png"),
        ))
        buttons.addWidget(self._button(
            "Accuracy plot as PNG…", "Save the accuracy plot as an image",
            lambda: self._ask_save_png(self.accuracy_plot, "accuracy.png"),
        ))
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addWidget(plots, 1)
        layout.addLayout(buttons)
        return tab

    def _mosaic_scroll(self, view: MosaicView) -> QScrollArea:
        scroll = QScrollArea()
        scroll.setWidget(view)
        scroll.setWidgetResizable(True)
        return scroll

    def _build_maps_tab(self) -> QWidget:
        self.probe_view = ProbeView()
        self.probe_view.setFixedWidth(230)
        self.maps_view = MosaicView(columns=2)
        self.maps_caption = QLabel(MAPS_CAPTION)
        self.maps_caption.setWordWrap(True)
        column = QVBoxLayout()
        column.addWidget(self.maps_caption)
        column.addWidget(self._mosaic_scroll(self.maps_view), 1)
        column.addWidget(self._button(
            "Save feature maps as PNG…", "The feature maps as an image",
            lambda: self._ask_save_png(self.maps_view, "feature-maps.png"),
        ), 0, Qt.AlignmentFlag.AlignRight)
        tab = QWidget()
        layout = QHBoxLayout(tab)
        layout.addWidget(self.probe_view)
        layout.addLayout(column, 1)
        self.maps_tab = tab
        return tab

    def _build_kernels_tab(self) -> QWidget:
        self.kernels_view = MosaicView(columns=1)
        self.kernels_caption = QLabel(KERNELS_CAPTION)
        self.kernels_caption.setWordWrap(True)
        # What the kernels show changes with every snapshot; it lives outside the plot, whose
        # layout would otherwise be recomputed on every frame.
        self.kernels_when = QLabel()
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addWidget(self.kernels_caption)
        layout.addWidget(self.kernels_when)
        layout.addWidget(self._mosaic_scroll(self.kernels_view), 1)
        layout.addWidget(self._button(
            "Save kernels as PNG…", "The kernels as an image",
            lambda: self._ask_save_png(self.kernels_view, "kernels.png"),
        ), 0, Qt.AlignmentFlag.AlignRight)
        self.kernels_tab = tab
        return tab

    def _build_results_tab(self) -> QWidget:
        self.result_label = QLabel("No finished run yet.")
        self.result_label.setWordWrap(True)
        self.result_label.setTextFormat(Qt.TextFormat.RichText)
        self.results_table = QTableWidget(0, len(RESULT_COLUMNS))
        self.results_table.setHorizontalHeaderLabels(RESULT_COLUMNS)
        self.results_table.verticalHeader().hide()
        self.results_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        header = self.results_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self._fill_results_table()
        self.save_model_button = self._button(
            "Save model…", "Save the trained model as a .keras file", self._on_save_model_clicked
        )
        self.save_model_button.setEnabled(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_model_button)
        buttons.addWidget(self._button(
            "Export curves as CSV…", "Every batch and epoch value of this run", self._on_export_csv_clicked
        ))
        buttons.addStretch(1)
        self.summary_text = QPlainTextEdit()
        self.summary_text.setReadOnly(True)
        self.summary_text.setFont(QFont("monospace", 8))
        self.summary_text.setPlaceholderText("The model's layers appear here when a run starts.")
        self.log_text = QPlainTextEdit()
        self.log_text.setReadOnly(True)
        self.log_text.setFont(QFont("monospace", 8))
        lower = QTabWidget()
        lower.addTab(self.summary_text, "Model")
        lower.addTab(self.log_text, "Log")
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addWidget(self.result_label)
        layout.addWidget(self.results_table, 1)
        layout.addLayout(buttons)
        layout.addWidget(lower, 1)
        return tab

    # -- state ----------------------------------------------------------------------------------
    def _set_state(self, state: str) -> None:
        """idle / running / paused / stopping: which controls may be used."""
        self.state = state
        busy = state != "idle"
        self.settings.setEnabled(not busy)
        self.train_button.setEnabled(not busy)
        self.pause_button.setEnabled(state in ("running", "paused"))
        self.stop_button.setEnabled(state in ("running", "paused"))
        self.pause_button.setText("▶ Resume" if state == "paused" else "❚❚ Pause")

    def _log(self, text: str) -> None:
        self.log_text.appendPlainText(f"{time.strftime('%H:%M:%S')}  {text}")

    def _show_data_choice(self) -> None:
        if self.state == "idle":
            self.data_label.setText(f"Data: {self.settings.data_choice().title}")

    # -- the user's commands ------------------------------------------------------------------
    def _on_train_clicked(self) -> None:
        if self.driver.running:
            return
        try:
            config = self.settings.config()
        except ValueError as error:
            self.banner.show_message("error", f"These settings do not make a run: {error}")
            return
        config = replace(config, probe_index=self.probe_spin.value())
        self.banner.hide()
        self._discard_run_model()
        self._reset_run_views()
        self._config = config
        self._run_title = self.settings.describe()
        try:
            self.driver.start(config)
        except Exception as error:  # e.g. the process could not be spawned
            log.exception("could not start the training process")
            message = f"The training process could not start: {error}"
            self._show_failure(RunFailed(message, traceback.format_exc()))
            return
        self._set_state("running")
        self.status_label.setText("Starting the training process…")
        self.progress.setRange(0, 0)  # busy until the first batch: TensorFlow loads and traces
        self.progress.setFormat("")
        self._log(f"Train pressed: {config}")

    def toggle_play(self) -> None:
        """Pause or resume the run (the window's Space shortcut calls this too)."""
        if self.state == "running":
            self.driver.pause()
            self._set_state("paused")
            self.status_label.setText("Paused after the current batch. Resume to go on.")
        elif self.state == "paused":
            self.driver.resume()
            self._set_state("running")
            self.status_label.setText("Training…")

    def _on_stop_clicked(self) -> None:
        if self.state not in ("running", "paused"):
            return
        self.driver.stop()
        self._stopping = True
        self._set_state("stopping")
        self.status_label.setText("Stopping: finishing the batch, evaluating on the test images, saving…")
        self.progress.setRange(0, 0)

    def _on_probe_spin_changed(self, value: int) -> None:
        self.driver.set_probe(value)

    def _on_random_clicked(self) -> None:
        self.probe_spin.setValue(random.randint(0, self.probe_spin.maximum()))

    def _on_live_clicked(self) -> None:
        self.replay_slider.setValue(self.replay_slider.maximum())

    def closeEvent(self, event) -> None:
        # The main window closes every page before it closes: a run must not outlive it.
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop the run for good, e.g. because the window closes; kills it if it does not stop."""
        if self.driver.running:
            self._log("Closing: stopping the run")
        self.driver.shutdown()
        self._set_state("idle")
        self._discard_run_model()

    def _discard_run_model(self) -> None:
        """Delete the last run's temporary model file (and its folder, once empty): it was
        offered for saving, and only the latest run's model can be saved."""
        if self.result is None or self.result.model_path is None:
            return
        path = Path(self.result.model_path)
        self.save_model_button.setEnabled(False)
        self.result = replace(self.result, model_path=None)
        try:
            path.unlink(missing_ok=True)
            path.parent.rmdir()
        except OSError:  # the folder holds something else, or is gone: leave it
            pass

    # -- frames from the run --------------------------------------------------------------------
    def _reset_run_views(self) -> None:
        self.history = RunHistory()
        self.started = None
        self.result = None
        self._stopping = False
        self._live_snapshot = None
        self._curves_throttle.reset()
        self._snapshot_throttle.reset()
        self.loss_plot.clear_data()
        self.accuracy_plot.clear_data()
        self.save_model_button.setEnabled(False)
        self.speed_label.setText("")
        self.time_label.setText("")
        self.replay_slider.blockSignals(True)
        self.replay_slider.setRange(0, 0)
        self.replay_slider.blockSignals(False)
        self.replay_label.setText("Live")

    def _on_driver_frame(self, frame: Frame) -> None:
        if frame.status is not None:
            self._log(frame.status)
            if not self.history.batch_count and not self._stopping:
                self.status_label.setText(frame.status)
        if frame.started is not None:
            self._on_run_started(frame.started)
        for batch in frame.batches:
            self.history.add_batch(batch)
        for epoch in frame.epochs:
            self.history.add_epoch(epoch)
            self._log(
                f"Epoch {epoch.epoch}: loss {epoch.loss:.4f}, accuracy {epoch.accuracy:.4f}, "
                f"validation loss {epoch.val_loss:.4f}, validation accuracy {epoch.val_accuracy:.4f}"
            )
        for snapshot in frame.epoch_snapshots:
            self.history.add_snapshot(snapshot)
        if frame.epoch_snapshots:
            self._update_replay_range()
        if frame.batches or frame.epochs:
            self._curves_throttle.pending = True
        if frame.batches:
            self._show_progress(frame.batches[-1])
        if frame.snapshot is not None:
            self._live_snapshot = frame.snapshot
            self._snapshot_throttle.pending = self._is_live()
        self._draw_due(force=bool(frame.epochs) or frame.ended)
        if frame.finished is not None:
            self._on_run_finished(frame.finished)
        if frame.failed is not None:
            self._show_failure(frame.failed)

    def _draw_due(self, force: bool = False) -> None:
        """Redraw the curves and the snapshot views if they have news and their time has come.
        A hidden page (another page is shown) draws nothing until it is shown again."""
        if not self.isVisible():
            return
        now = time.monotonic()
        if self._curves_throttle.due(now, force):
            self._show_curves()
        if self._snapshot_throttle.due(now, force) and self._live_snapshot is not None:
            self._show_snapshot(self._live_snapshot)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._draw_due(force=True)

    def _fit_settings_column(self) -> None:
        # The settings never scroll sideways, so their column is as wide as the form needs; that
        # grows with the font (presentation mode, zoom), else the right of every row is cut off.
        scroll = self._settings_scroll
        needed = (self.settings.minimumSizeHint().width() + 2 * scroll.frameWidth()
                  + scroll.verticalScrollBar().sizeHint().width())
        scroll.setMinimumWidth(max(320, needed))

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange and hasattr(self, "_settings_scroll"):
            # After the children have taken the new font too, which their size hints depend on.
            QTimer.singleShot(0, self._fit_settings_column)

    def _on_run_started(self, started: RunStarted) -> None:
        self.started = started
        device = f"Device: <b>{started.device}</b> (Keras backend: {started.backend})"
        if started.device_note:
            device += f"<br><span style='color:#b35c00'>{started.device_note}</span>"
        self.device_label.setText(device)
        counts = f"{started.train_count:,} training and {started.test_count:,} test images"
        source = started.data_source
        self.data_label.setText(f"Data: {source}" if f"{started.train_count:,}" in source
                                else f"Data: {source}; {counts}")
        self.data_label.setToolTip(counts)
        self.probe_spin.setMaximum(max(0, started.test_count - 1))
        self.probe_view.set_class_names(started.class_names)
        self.summary_text.setPlainText(
            f"{started.model_name}: {started.parameter_count:,} parameters\n\n{started.model_summary}"
        )
        self._log(f"Run started on {started.device}: {started.model_name}, {started.data_source}")

    def _planned_epochs(self) -> int:
        if self.started is not None:
            return self.started.epochs
        return self._config.epochs if self._config is not None else 1

    def _show_curves(self) -> None:
        epochs = self._planned_epochs()
        for plot in (self.loss_plot, self.accuracy_plot):
            plot.show_history(self.history, epochs)

    def _show_progress(self, batch) -> None:
        epochs = self._planned_epochs()
        total = batch.steps_per_epoch * epochs
        done = (batch.epoch - 1) * batch.steps_per_epoch + batch.batch
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.progress.setFormat(
            f"Epoch {batch.epoch}/{epochs} · batch {batch.batch}/{batch.steps_per_epoch}"
        )
        if self.state == "running":
            self.status_label.setText("Training…")
        self.speed_label.setText(f"{batch.images_per_second:,.0f} images/s")
        remaining = ""
        if batch.images_per_second > 0 and self._config is not None:
            left = (total - done) * self._config.batch_size / batch.images_per_second
            remaining = f", about {format_duration(left)} left"
        self.time_label.setText(f"{format_duration(batch.elapsed_s)} elapsed{remaining}")

    def _on_run_finished(self, finished: RunFinished) -> None:
        self.result = finished
        self._set_state("idle")
        self._stopping = False
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        how = "Stopped" if finished.stopped_early else "Finished"
        self.progress.setFormat(f"{how} after {finished.epochs_completed} epoch(s)")
        self.status_label.setText(
            f"{how}: test accuracy {finished.test_accuracy:.4f}, test loss {finished.test_loss:.4f}"
        )
        self.time_label.setText(f"{format_duration(finished.elapsed_s)} in all")
        self.save_model_button.setEnabled(finished.model_path is not None)
        epochs = finished.epochs_completed
        title = f"{self._run_title} — {epochs} epoch{'s' if epochs != 1 else ''}"
        if finished.stopped_early:
            title += " (stopped early)"
        if self.started is not None and self.started.train_count < 60000:
            title += f", {self.started.train_count:,} training images"
        self.session_results.append((title, finished))
        self._fill_results_table()
        self.result_label.setText(
            f"<b>{title}</b>: test accuracy <b>{finished.test_accuracy:.4f}</b>, test loss "
            f"<b>{finished.test_loss:.4f}</b> (train accuracy {finished.train_accuracy:.4f}, "
            f"train loss {finished.train_loss:.4f}), {format_duration(finished.elapsed_s)}."
        )
        self._log(f"{how}: {title}; test accuracy {finished.test_accuracy:.4f}")
        text = (
            f"{how} after {epochs} epoch(s): test accuracy {finished.test_accuracy:.4f}."
            + (" The model is kept as it was when you stopped." if finished.stopped_early else "")
        )
        action = "Save model…" if finished.model_path else ""
        self.banner.show_message("info", text, action=action)

    def _show_failure(self, failed: RunFailed) -> None:
        self._set_state("idle")
        self._stopping = False
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("Failed")
        self.status_label.setText("The run failed; see the message above.")
        self.banner.show_message("error", failed.message, details=failed.traceback)
        self._log(f"Run failed: {failed.message}\n{failed.traceback}")

    def _on_banner_action(self) -> None:
        self._on_save_model_clicked()

    # -- feature maps and kernels ------------------------------------------------------------
    def _is_live(self) -> bool:
        return self.replay_slider.value() == self.replay_slider.maximum()

    def _update_replay_range(self) -> None:
        """Positions 0..n-1 are the epochs kept for replay; position n is live."""
        was_live = self._is_live()
        count = len(self.history.replay_epochs())
        self.replay_slider.blockSignals(True)
        self.replay_slider.setRange(0, count)
        if was_live:
            self.replay_slider.setValue(count)
        self.replay_slider.blockSignals(False)
        self._update_replay_label()

    def _update_replay_label(self) -> None:
        epochs = self.history.replay_epochs()
        position = self.replay_slider.value()
        if position >= len(epochs):
            self.replay_label.setText("Live")
        else:
            self.replay_label.setText(f"End of epoch {epochs[position]} (of {epochs[-1]})")

    def _on_replay_slider_changed(self, position: int) -> None:
        self._update_replay_label()
        snapshot = self.shown_snapshot()
        if snapshot is not None:
            self._show_snapshot(snapshot)

    def shown_snapshot(self) -> ProbeSnapshot | None:
        """The snapshot the views should show: the chosen epoch's, or the newest when live."""
        epochs = self.history.replay_epochs()
        position = self.replay_slider.value()
        if position < len(epochs):
            return self.history.epoch_snapshots[epochs[position]]
        return self._live_snapshot

    def _show_snapshot(self, snapshot: ProbeSnapshot) -> None:
        """Draw the snapshot in the visible tab now; the other tab is drawn when it is opened."""
        self._dirty_tabs = {self.maps_tab, self.kernels_tab}
        self._draw_visible_tab()

    def _on_tabs_changed(self, _index: int) -> None:
        self._draw_visible_tab()

    def _draw_visible_tab(self) -> None:
        current = self.tabs.currentWidget()
        if current not in self._dirty_tabs:
            return
        snapshot = self.shown_snapshot()
        if snapshot is None:
            return
        self._dirty_tabs.discard(current)
        self.snapshots_rendered += 1
        if current is self.maps_tab:
            self._draw_maps(snapshot)
        else:
            self._draw_kernels(snapshot)

    def _snapshot_title(self, snapshot: ProbeSnapshot) -> str:
        if snapshot.end_of_epoch:
            when = f"end of epoch {snapshot.epoch}"
        else:
            when = f"epoch {snapshot.epoch}, batch {snapshot.batch}"
        return f"Test image #{snapshot.probe_index} · {when}"

    def _draw_maps(self, snapshot: ProbeSnapshot) -> None:
        layers = []
        for layer in snapshot.feature_maps:
            height, width, channels = layer.maps.shape
            image = colourise(feature_map_mosaic(layer.maps), self._feature_lut)
            layers.append((layer.name, f"{layer.name}  {height}×{width}×{channels}", image))
        self.maps_caption.setText(MAPS_CAPTION if layers else NO_CONV_CAPTION)
        rows = (len(layers) + self.maps_view.columns - 1) // self.maps_view.columns
        self.maps_view.setMinimumHeight(max(1, rows) * 230)
        self.maps_view.show_layers(layers)
        self.probe_view.show_prediction(
            snapshot.image, snapshot.label, snapshot.probabilities, self._snapshot_title(snapshot)
        )

    def _draw_kernels(self, snapshot: ProbeSnapshot) -> None:
        layers, limits = [], []
        for layer in snapshot.kernels:
            kh, kw, channels_in, channels_out = layer.kernels.shape
            values, limit = kernel_mosaic(layer.kernels, zoom=max(1, KERNEL_TILE_PIXELS // max(kh, kw)))
            image = colourise((values / limit + 1.0) / 2.0, self._kernel_lut, background=KERNEL_GAP_RGBA)
            if channels_in == 1:
                layout = "one tile per filter"
            else:
                layout = "rows: filters, columns: input channels"
            title = f"{layer.name}  {kh}×{kw}×{channels_in}×{channels_out} ({layout})"
            layers.append((layer.name, title, image))
            limits.append(f"{layer.name} ±{limit:.3f}")
        self.kernels_caption.setText(KERNELS_CAPTION if layers else NO_CONV_CAPTION)
        self.kernels_when.setText(
            f"{self._snapshot_title(snapshot)} · colour scales: {', '.join(limits)}" if layers else ""
        )
        if self.kernels_view.show_layers(layers):
            # Deeper layers hold C_out x C_in kernels: give them their pixels; the tab scrolls.
            self.kernels_view.stretch_rows_to_images()
            self.kernels_view.setMinimumHeight(self.kernels_view.natural_height())

    # -- results and files --------------------------------------------------------------------
    def _fill_results_table(self) -> None:
        rows = [(title, r.train_accuracy, r.train_loss, r.test_accuracy, r.test_loss)
                for title, r in self.session_results]
        reference_count = len(SEED_REFERENCE_ROWS)
        self.results_table.setRowCount(reference_count + len(rows))
        for row, values in enumerate((*SEED_REFERENCE_ROWS, *rows)):
            for column, value in enumerate(values):
                text = value if column == 0 else f"{value:.4f}"
                item = QTableWidgetItem(text)
                if column:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if row < reference_count:
                    font = item.font()
                    font.setItalic(True)
                    item.setFont(font)
                    item.setForeground(Qt.GlobalColor.darkGray)
                    item.setToolTip("The seed notebook's own result, for comparison")
                self.results_table.setItem(row, column, item)

    def results_rows(self) -> list[list[str]]:
        table = self.results_table
        columns = range(table.columnCount())
        return [[table.item(row, column).text() for column in columns] for row in range(table.rowCount())]

    def _ask_path(self, title: str, name: str, file_filter: str) -> str:
        path, _ = QFileDialog.getSaveFileName(self, title, name, file_filter)
        return path

    def _report_saved(self, what: str, path: str) -> None:
        self._log(f"Saved {what} to {path}")
        self.banner.show_message("info", f"Saved {what} to {path}.")

    def _report_save_error(self, what: str, path: str, error: Exception) -> None:
        log.exception("could not save %s to %s", what, path)
        self.banner.show_message(
            "error", f"Could not save {what} to {path}: {error}. Choose another folder and try again.",
            details=traceback.format_exc(),
        )

    def save_model(self, path: str) -> None:
        """Copy the trained model (.keras) to ``path`` atomically."""
        if self.result is None or self.result.model_path is None:
            raise RuntimeError("there is no trained model to save yet")
        copy_atomically(self.result.model_path, path)

    def _on_save_model_clicked(self) -> None:
        if self.result is None or self.result.model_path is None:
            return
        path = self._ask_path("Save model", "model.keras", "Keras models (*.keras)")
        if not path:
            return
        if not path.endswith(".keras"):
            path += ".keras"  # Keras refuses to load a model file without this suffix
        try:
            self.save_model(path)
        except OSError as error:
            self._report_save_error("the model", path, error)
        else:
            self._report_saved("the model", path)

    def export_csv(self, path: str) -> None:
        write_text_atomically(path, self.history.to_csv())

    def _on_export_csv_clicked(self) -> None:
        path = self._ask_path("Export curves as CSV", "curves.csv", "CSV files (*.csv)")
        if not path:
            return
        try:
            self.export_csv(path)
        except OSError as error:
            self._report_save_error("the curves", path, error)
        else:
            self._report_saved("the curves", path)

    def _ask_save_png(self, widget: QWidget, name: str) -> None:
        path = self._ask_path("Save as PNG", name, "PNG images (*.png)")
        if not path:
            return
        try:
            save_png(widget, path)
        except OSError as error:
            self._report_save_error("the image", path, error)
        else:
            self._report_saved("the image", path)

