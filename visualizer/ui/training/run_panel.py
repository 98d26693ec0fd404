"""The page's left column: the settings, which run to show (this app's or a script's), the
Train / Pause / Stop buttons and the run's progress."""

from __future__ import annotations

from PyQt6.QtCore import QEvent, Qt, QTimer, pyqtSignal
from PyQt6.QtGui import QKeySequence
from PyQt6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)
from superqt.utils import signals_blocked

from visualizer.ui.kit.plain import push_button, scroll_area, wrapping_label
from visualizer.ui.training.connected_runs import NOT_FOR_SCRIPTS, STEERS_SCRIPT
from visualizer.ui.training.settings import SettingsForm
from visualizer.ui.training.view import RunState

OWN_RUN_LABEL = "This app's run"
RUNS_TIP = (
    "Which run the page shows: this app's own, or one that a Keras script on this machine streams "
    "with callbacks=[LiveView()] (live, ended, or stopped sending)"
)


class RunPanel(QWidget):
    """Setters for the run's state and progress; the buttons are for the page to connect, and
    ``runChosen(run id)`` says which run to show ("" this app's own)."""

    runChosen = pyqtSignal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._state = RunState.IDLE
        self._script_shown = False  # a script's run is shown: the buttons are not for it
        self.settings = SettingsForm()
        self._settings_scroll = scroll_area(self.settings, sideways=False)
        self._fit_settings_column()

        self.train_button = push_button("▶ Train", "Train a new model with these settings (Ctrl+Enter)")
        self.train_button.setShortcut(QKeySequence("Ctrl+Return"))
        self.pause_button = push_button(
            "❚❚ Pause", "Pause after the current batch; press again to resume (Ctrl+P)"
        )
        self.pause_button.setShortcut(QKeySequence("Ctrl+P"))
        self.stop_button = push_button(
            "■ Stop", "Stop after the current batch and keep the model as it is, to save it (Esc)"
        )
        self.stop_button.setShortcut(QKeySequence("Esc"))
        self.runs_combo = QComboBox()
        self.runs_combo.addItem(OWN_RUN_LABEL, "")
        self.runs_combo.setToolTip(RUNS_TIP)
        self.runs_combo.activated.connect(self._on_runs_combo_activated)
        runs = QHBoxLayout()
        runs.addWidget(QLabel("Runs"))
        runs.addWidget(self.runs_combo, 1)
        buttons = QHBoxLayout()
        for button in (self.train_button, self.pause_button, self.stop_button):
            buttons.addWidget(button)
        self._tips = {button: button.toolTip() for button in (self.train_button, self.pause_button, self.stop_button)}
        self.settings.changed.connect(self._on_settings_changed)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._settings_scroll, 1)
        layout.addLayout(runs)
        layout.addLayout(buttons)
        layout.addWidget(self._build_status_box())

    def _build_status_box(self) -> QGroupBox:
        self.status_label = wrapping_label("Ready: choose settings and press Train.")
        self.device_label = wrapping_label("Device: shown when the run starts")
        self.data_label = wrapping_label()
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.setFormat("")
        self.speed_label = QLabel("")
        self.time_label = QLabel("")
        box = QGroupBox("Run")
        grid = QGridLayout(box)
        grid.setVerticalSpacing(2)
        for row, widget in enumerate((self.status_label, self.device_label, self.data_label, self.progress)):
            grid.addWidget(widget, row, 0, 1, 2)
        grid.addWidget(self.speed_label, 4, 0)
        grid.addWidget(self.time_label, 4, 1, Qt.AlignmentFlag.AlignRight)
        return box

    def set_state(self, state: RunState) -> None:
        """Which controls may be used: the settings and Train only while no run is going on, and
        not while a script's run is shown (they would act on this app's own); Pause and Stop while
        the run shown trains, the app's own or a script's."""
        self._state = state
        busy = state != RunState.IDLE or self._script_shown
        controllable = state in (RunState.RUNNING, RunState.PAUSED)
        problem = self.settings.problem()  # a folder or a layer that does not fit: said where it is chosen
        self.settings.setEnabled(not busy)
        self.train_button.setEnabled(not busy and not problem)
        self.pause_button.setEnabled(controllable)
        self.stop_button.setEnabled(controllable)
        self.pause_button.setText("▶ Resume" if state == RunState.PAUSED else "❚❚ Pause")
        for button, tip in self._tips.items():
            script_tip = NOT_FOR_SCRIPTS if button is self.train_button else f"{tip} {STEERS_SCRIPT}"
            button.setToolTip(script_tip if self._script_shown else tip)
        if problem and not self._script_shown:
            self.train_button.setToolTip(f"Train is off until this is fixed: {problem}")

    def _on_settings_changed(self) -> None:
        self.set_state(self._state)
        self._fit_settings_column()  # a longer layer row may need a wider column

    def show_runs(self, runs: list[tuple[str, str]], shown: str) -> None:
        """The Runs choice: this app's run, then each script's run (run id, label); ``shown`` chosen."""
        with signals_blocked(self.runs_combo):
            self.runs_combo.clear()
            self.runs_combo.addItem(OWN_RUN_LABEL, "")
            for run_id, label in runs:
                self.runs_combo.addItem(label, run_id)
            self.runs_combo.setCurrentIndex(max(0, self.runs_combo.findData(shown)))
        self._script_shown = bool(shown)
        self.set_state(self._state)

    def _on_runs_combo_activated(self, index: int) -> None:
        self.runChosen.emit(self.runs_combo.itemData(index))

    def show_progress(self, done: int, total: int, text: str) -> None:
        # The text first: setFormat asks for a paint later, setValue paints at once, so the other
        # way round the bar was painted twice for each new position (once with the old text).
        self.progress.setRange(0, total)
        self.progress.setFormat(text)
        self.progress.setValue(done)

    def show_data(self, text: str, tooltip: str | None = None) -> None:
        self.data_label.setText(text)
        if tooltip is not None:
            self.data_label.setToolTip(tooltip)

    def _fit_settings_column(self) -> None:
        # The settings never scroll sideways, so their column is as wide as the form needs; that
        # grows with the font (presentation mode, zoom), else the right of every row is cut off.
        scroll = self._settings_scroll
        needed = (self.settings.minimumSizeHint().width() + 2 * scroll.frameWidth()
                  + scroll.verticalScrollBar().sizeHint().width())
        scroll.setMinimumWidth(max(320, needed))

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            # After the children have taken the new font too, which their size hints depend on.
            QTimer.singleShot(0, self._fit_settings_column)
