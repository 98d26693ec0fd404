"""The Compare runs tab: every run finished since the app started, and every recorded run opened,
side by side. A list names the runs (each in its colour, with what sets it apart) and shows, hides
or removes them; under it, their curves overlaid, and one layer's pictures at two epochs.
"""

from __future__ import annotations

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QListView,
    QListWidget,
    QListWidgetItem,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from superqt.utils import signals_blocked

from visualizer.training.recording import RunRecording
from visualizer.ui.kit.plain import push_button, scroll_area, wrapping_label
from visualizer.ui.training.tabs.compare_curves import RUN_COLOURS, CompareCurves, ComparedRun, history_of
from visualizer.ui.training.tabs.compare_labels import run_labels
from visualizer.ui.training.tabs.compare_snapshots import CompareSnapshots, swatch_icon

EMPTY_TEXT = (
    "<h3>Train two runs, or open recorded runs, to compare them.</h3>"
    "<p>Each run that finishes while the app is open, and each recorded run you open, is listed "
    "here in its own colour: their loss and accuracy curves drawn over each other (the fully "
    "connected network against the CNN, kernel 2 against kernel 3, learning rate 0.001 against "
    "0.01), and the probe image's feature maps and kernels at epoch 1 beside the last epoch, "
    "or one run's beside another's.</p>"
)
LIST_ROWS = 3  # rows of the run list shown before it scrolls: the plots need the height


def score_text(recording: RunRecording) -> str:
    finished = recording.finished
    return f"test accuracy {finished.test_accuracy:.4f}, test loss {finished.test_loss:.4f}"


class CompareTab(QWidget):
    """The runs compared, and the two views of them. ``savePngRequested(widget, file name)`` asks
    the page to save a plot."""

    savePngRequested = pyqtSignal(QWidget, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runs: list[ComparedRun] = []
        self._seen: list[RunRecording] = []  # every recording handed over, removed ones included
        self.empty_label = wrapping_label(EMPTY_TEXT)
        self.empty_label.setTextFormat(Qt.TextFormat.RichText)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.run_list = QListWidget()
        self.run_list.setToolTip("Tick a run to show it, untick it to hide it; Remove takes it out of the comparison")
        self.run_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        # Its height fits its rows only: a long row is cut at its end, the scores, keeping the
        # settings that tell runs apart (whole in its tooltip), rather than given a scroll bar
        # that would cover it.
        self.run_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.run_list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.run_list.setResizeMode(QListView.ResizeMode.Adjust)
        self.remove_button = push_button(
            "Remove", "Take the selected run out of the comparison (the run itself is kept)", self.remove_selected
        )
        self.curves = CompareCurves()
        self.snapshots = CompareSnapshots()
        self.views = QTabWidget()
        self.views.addTab(self.curves, "Curves")
        # In a scroll area: the two columns must not make the whole page taller or wider.
        self.views.addTab(scroll_area(self.snapshots), "Feature maps and kernels")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty_label)
        self.stack.addWidget(self._comparison_page())
        layout = QVBoxLayout(self)
        layout.addWidget(self.stack)
        self.run_list.itemChanged.connect(self._on_run_list_item_changed)
        self.run_list.currentRowChanged.connect(self._on_run_list_row_changed)
        self.curves.runToggled.connect(self._on_curves_run_toggled)
        self.curves.savePngRequested.connect(self.savePngRequested)
        self._remove_enabled()

    def _comparison_page(self) -> QWidget:
        page = QWidget()
        row = QHBoxLayout()
        row.addWidget(self.run_list, 1)
        row.addWidget(self.remove_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.views, 1)
        return page

    # -- the runs ------------------------------------------------------------------------------
    def show_recordings(self, recordings: list[RunRecording]) -> None:
        """Add the recordings not seen before (a run removed from the comparison stays out), and
        take out those no longer among them (a script's run kept when it went quiet, replaced by
        its whole recording when it ended)."""
        kept = [run for run in self.runs if any(run.recording is recording for recording in recordings)]
        added = len(kept) != len(self.runs)
        self.runs = kept
        for recording in recordings:
            if not any(recording is seen for seen in self._seen):
                colour = RUN_COLOURS[len(self._seen) % len(RUN_COLOURS)]
                self._seen.append(recording)
                self.runs.append(ComparedRun(recording, history_of(recording), colour))
                added = True
        if added:
            self._runs_changed()

    def remove_selected(self) -> None:
        row = self.run_list.currentRow()
        if 0 <= row < len(self.runs):
            del self.runs[row]
            self._runs_changed()

    def set_run_visible(self, run: ComparedRun, visible: bool) -> None:
        run.visible = visible
        item = self.run_list.item(self.runs.index(run))
        with signals_blocked(self.run_list):
            item.setCheckState(Qt.CheckState.Checked if visible else Qt.CheckState.Unchecked)
        self.curves.update_visibility()

    def _runs_changed(self) -> None:
        """Rename the runs by what sets them apart now, and show them everywhere."""
        for run, label in zip(self.runs, run_labels([run.recording for run in self.runs])):
            run.label = label
        with signals_blocked(self.run_list):
            self.run_list.clear()
            for run in self.runs:
                item = QListWidgetItem(swatch_icon(run.colour), f"{run.label}  ({score_text(run.recording)})")
                item.setToolTip(item.text())
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Checked if run.visible else Qt.CheckState.Unchecked)
                self.run_list.addItem(item)
        row_height = self.run_list.sizeHintForRow(0) if self.runs else 0
        self.run_list.setFixedHeight(row_height * min(max(len(self.runs), 1), LIST_ROWS) + 2 * self.run_list.frameWidth() + 2)
        self.curves.set_runs(self.runs)
        self.snapshots.set_runs(self.runs)
        self.stack.setCurrentIndex(1 if self.runs else 0)
        self._remove_enabled()

    def _remove_enabled(self) -> None:
        self.remove_button.setEnabled(0 <= self.run_list.currentRow() < len(self.runs))

    # -- reacting ------------------------------------------------------------------------------
    def _on_run_list_item_changed(self, item: QListWidgetItem) -> None:
        run = self.runs[self.run_list.row(item)]
        self.set_run_visible(run, item.checkState() == Qt.CheckState.Checked)

    def _on_run_list_row_changed(self, _row: int) -> None:
        self._remove_enabled()

    def _on_curves_run_toggled(self, run: ComparedRun) -> None:
        self.set_run_visible(run, not run.visible)
