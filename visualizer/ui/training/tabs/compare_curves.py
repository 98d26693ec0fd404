"""The compared runs' loss and accuracy over epochs, overlaid: one colour per run, the training
value (dashed, circles) and the validation value (solid, squares) at each epoch's end, and on
request the smoothed batch curves (thin).

Each run's items are built once, when the run joins, and only shown or hidden after that.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyqtgraph as pg
from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import QCheckBox, QHBoxLayout, QSplitter, QVBoxLayout, QWidget

from visualizer.training.history import RunHistory
from visualizer.training.recording import RunRecording
from visualizer.ui.kit.plain import label_axes, push_button, wrapping_label
from visualizer.ui.kit.theme import plot_background, plot_text_colour
from visualizer.ui.training.tabs.compare_labels import legend_text

# Okabe and Ito's colour-blind-safe colours, without black and yellow (one of them vanishes on
# each theme). The first four stand out at least 3:1 from both the white and the dark plot
# background; orange and sky blue are paler on white, so they come last.
RUN_COLOURS = (
    (0, 114, 178),  # blue
    (213, 94, 0),  # vermillion
    (0, 158, 115),  # bluish green
    (204, 121, 167),  # reddish purple
    (230, 159, 0),  # orange
    (86, 180, 233),  # sky blue
)

CURVES_CAPTION = (
    "Solid lines with squares: validation (the test set) at each epoch's end; dashed lines with "
    "circles: training (the epoch's mean). Click a run in the legend or untick it above to hide it."
)


@dataclass(eq=False)  # a run is itself: two runs with the same numbers are still two
class ComparedRun:
    """A run in the comparison: its recording, the curves computed from it, its colour (kept
    while other runs come and go), its name among the runs compared, and whether it is shown."""

    recording: RunRecording
    history: RunHistory
    colour: tuple[int, int, int]
    label: str = ""
    visible: bool = True


def history_of(recording: RunRecording) -> RunHistory:
    """The run's curves, computed as the live page computes them."""
    return RunHistory.of(recording.batches, recording.epochs)


class RunItems:
    """One run's curves in one plot: training and validation per epoch, smoothed batches."""

    def __init__(self, plot: pg.PlotItem, run: ComparedRun, metric: str) -> None:
        colour = run.colour
        self.validation = plot.plot(pen=pg.mkPen(colour, width=2), symbol="s", symbolSize=7, symbolBrush=colour, symbolPen=colour)
        self.train = plot.plot(
            pen=pg.mkPen(colour, width=1.5, style=Qt.PenStyle.DashLine),
            symbol="o",
            symbolSize=6,
            symbolBrush=colour,
            symbolPen=colour,
        )
        self.batches = plot.plot(pen=pg.mkPen(colour + (150,), width=1))
        history = run.history
        epochs = history.epoch_column("epoch")
        self.validation.setData(epochs, history.epoch_column("val_" + metric))
        self.train.setData(epochs, history.epoch_column(metric))
        self.batches.setData(history.batch("x"), history.batch("smooth_" + metric))

    def items(self) -> tuple[pg.PlotDataItem, ...]:
        return self.validation, self.train, self.batches

    def show(self, run_visible: bool, batches: bool) -> None:
        self.validation.setVisible(run_visible)
        self.train.setVisible(run_visible)
        self.batches.setVisible(run_visible and batches)


class ComparePlot(pg.PlotWidget):
    """One metric of every compared run; the legend names each run (its validation curve) and
    emits ``runClicked(run)`` when its entry is clicked."""

    runClicked = pyqtSignal(object)

    def __init__(self, metric: str, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.metric = metric
        self.setBackground(plot_background())
        item = self.getPlotItem()
        item.setTitle(title, color=plot_text_colour())
        label_axes(item, bottom="epochs done")
        self.legend = item.addLegend(
            offset=(-10, 10) if metric == "loss" else (-10, -10),
            labelTextColor=plot_text_colour(),
            labelTextSize="8pt",
        )
        self.legend.sigSampleClicked.connect(self._on_legend_sample_clicked)
        self.items: dict[int, RunItems] = {}  # by id() of the run
        self._runs: dict[int, ComparedRun] = {}
        self.batches_shown = False

    def set_runs(self, runs: list[ComparedRun]) -> None:
        """Show these runs: items for a run that joins, none left for a run that is gone."""
        plot = self.getPlotItem()
        wanted = {id(run): run for run in runs}
        for key in [key for key in self.items if key not in wanted]:
            for curve in self.items.pop(key).items():
                plot.removeItem(curve)
            del self._runs[key]
        for key, run in wanted.items():
            if key not in self.items:
                self.items[key] = RunItems(plot, run, self.metric)
                self._runs[key] = run
        self.legend.clear()
        for key, run in wanted.items():
            self.legend.addItem(self.items[key].validation, legend_text(run.label))
        self.update_visibility()
        epochs = max((len(run.recording.epochs) for run in runs), default=0)
        axis = plot.getAxis("bottom")
        axis.setTickSpacing(1, 1) if 0 < epochs <= 20 else axis.setTickSpacing()

    def update_visibility(self) -> None:
        for key, items in self.items.items():
            items.show(self._runs[key].visible, self.batches_shown)
        for sample, _label in self.legend.items:
            sample.update()

    def _on_legend_sample_clicked(self, curve) -> None:
        for key, items in self.items.items():
            if items.validation is curve:
                self.runClicked.emit(self._runs[key])


class CompareCurves(QWidget):
    """Loss and accuracy side by side. ``runToggled(run)`` asks to show or hide a run (clicked in
    a legend); ``savePngRequested(plot, file name)`` asks to save a plot."""

    runToggled = pyqtSignal(object)
    savePngRequested = pyqtSignal(QWidget, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.loss_plot = ComparePlot("loss", "Loss (lower is better)")
        self.accuracy_plot = ComparePlot("accuracy", "Accuracy (higher is better)")
        self.plots = (self.loss_plot, self.accuracy_plot)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        for plot in self.plots:
            splitter.addWidget(plot)
            plot.runClicked.connect(self.runToggled)
        self.batches_box = QCheckBox("Smoothed batch curves")
        self.batches_box.setToolTip("Also draw each run's batch-by-batch curve, smoothed as on the Curves tab")
        self.batches_box.toggled.connect(self._on_batches_box_toggled)
        buttons = QHBoxLayout()
        buttons.addWidget(self.batches_box)
        buttons.addStretch(1)
        for plot, name in ((self.loss_plot, "loss"), (self.accuracy_plot, "accuracy")):
            buttons.addWidget(
                push_button(
                    f"{name.capitalize()} as PNG…",
                    f"Save the compared {name} curves as an image",
                    lambda _checked=False, plot=plot, name=name: self.savePngRequested.emit(plot, f"compare-{name}.png"),
                )
            )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter, 1)
        layout.addWidget(wrapping_label(CURVES_CAPTION))
        layout.addLayout(buttons)

    def set_runs(self, runs: list[ComparedRun]) -> None:
        for plot in self.plots:
            plot.set_runs(runs)

    def update_visibility(self) -> None:
        for plot in self.plots:
            plot.update_visibility()

    def _on_batches_box_toggled(self, shown: bool) -> None:
        for plot in self.plots:
            plot.batches_shown = shown
        self.update_visibility()
