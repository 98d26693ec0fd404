"""The probe image's feature maps or kernels of one layer, twice side by side: a run at epoch 1 and
at its last epoch, or two runs at their last epochs, each with the model's prediction then.

Colours are the Feature maps and Kernels tabs' (viridis per map; blue-white-red about 0 for
weights), and each picture is scaled on its own, so it is the patterns that compare.
"""

from __future__ import annotations

import numpy as np
from PyQt6.QtCore import Qt
from PyQt6.QtGui import QColor, QIcon, QPixmap
from PyQt6.QtWidgets import QComboBox, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget
from superqt.utils import signals_blocked

from visualizer.training.events import ProbeSnapshot
from visualizer.ui.kit import colormaps
from visualizer.ui.kit.compact import compact_combo
from visualizer.ui.kit.mosaic import coloured_feature_maps, colourise, kernel_mosaic
from visualizer.ui.kit.mosaic_view import MosaicView
from visualizer.ui.kit.plain import push_button, wrapping_label
from visualizer.ui.kit.probability_bars import ProbabilityBars, prediction_caption
from visualizer.ui.kit.probe_view import ProbeImageView
from visualizer.ui.kit.theme import error_text_colour
from visualizer.ui.training.positions import snapshot_heading
from visualizer.ui.training.tabs.compare_curves import ComparedRun
from visualizer.ui.training.tabs.snapshots import KERNEL_GAP_RGBA, KERNEL_TILE_PIXELS

MAPS = "feature maps"
KERNELS = "kernels"
BAR_ROOM = 1.15  # the bars' height over one text line per class: close rows leave the picture room


def swatch_icon(colour: tuple[int, int, int]) -> QIcon:
    """A small square of a run's colour, for the lists and menus that name runs."""
    pixmap = QPixmap(14, 14)
    pixmap.fill(QColor(*colour))
    return QIcon(pixmap)


def _layers(snapshot: ProbeSnapshot, kind: str):
    return snapshot.feature_maps if kind == MAPS else snapshot.kernels


def layer_choices(snapshots: list[ProbeSnapshot]) -> list[tuple[str, int, str]]:
    """(kind, position, name) of every picture the snapshots hold, feature maps then kernels, in
    the network's order. Layers are matched by place, not name (a recording's network may name
    its layers otherwise); the name is the first run's that has the layer."""
    choices = []
    for kind in (MAPS, KERNELS):
        count = max((len(_layers(snapshot, kind)) for snapshot in snapshots), default=0)
        for position in range(count):
            name = next(_layers(s, kind)[position].name for s in snapshots if position < len(_layers(s, kind)))
            choices.append((kind, position, name))
    return choices


def layer_picture(snapshot: ProbeSnapshot, kind: str, position: int) -> tuple[str, str, np.ndarray] | None:
    """The name, title and RGBA picture of the feature maps or kernels of the layer at
    ``position`` among the snapshot's layers of that kind; None if it has no such layer."""
    layers = _layers(snapshot, kind)
    if not 0 <= position < len(layers):
        return None
    if kind == MAPS:
        layer = layers[position]
        height, width, channels = layer.maps.shape
        rgba = coloured_feature_maps(layer.maps, colormaps.rgba_lookup_table(colormaps.SEQUENTIAL))
        return layer.name, f"{layer.name}  {height}×{width}×{channels}", rgba
    layer = layers[position]
    kh, kw, channels_in, channels_out = layer.kernels.shape
    values, limit = kernel_mosaic(layer.kernels, zoom=max(1, KERNEL_TILE_PIXELS // max(kh, kw)))
    lut = colormaps.rgba_lookup_table(colormaps.DIVERGING)
    rgba = colourise((values / limit + 1.0) / 2.0, lut, background=KERNEL_GAP_RGBA)
    return layer.name, f"{layer.name}  {kh}×{kw}×{channels_in}×{channels_out}  ±{limit:.3f}", rgba


def probe_note(left: ProbeSnapshot | None, right: ProbeSnapshot | None) -> str:
    """A warning when the two sides show the network different probe images, else ""."""
    if left is None or right is None:
        return ""
    if left.probe_index == right.probe_index and np.array_equal(left.image, right.image):
        return ""
    if left.probe_index != right.probe_index:
        which = f"test image #{left.probe_index} on the left, #{right.probe_index} on the right"
    else:
        which = f"both test image #{left.probe_index}, but from different test sets"
    return (
        f"<b>Different probe images</b> ({which}): the maps differ partly because the input does; "
        "compare what each layer picks out, not the pictures pixel for pixel."
    )


class SnapshotColumn(QWidget):
    """One side: a run and one of its epochs, that epoch's picture of the chosen layer, and the
    probe image with the prediction at the end of that epoch."""

    def __init__(self, side: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.run_box = compact_combo(14)
        self.run_box.setToolTip(f"The run shown on the {side}")
        self.epoch_box = QComboBox()
        self.epoch_box.setToolTip(f"Which epoch's end the {side} shows")
        self.mosaic = MosaicView(columns=1)
        self.mosaic.setMinimumHeight(160)
        self.probe = ProbeImageView()
        self.probe.setFixedSize(64, 64)
        self.caption = wrapping_label()
        self.caption.setTextFormat(Qt.TextFormat.RichText)
        self.bars = ProbabilityBars()
        self.runs: list[ComparedRun] = []
        header = QHBoxLayout()
        header.addWidget(self.run_box, 1)
        header.addWidget(self.epoch_box)
        probe_row = QHBoxLayout()
        probe_row.addWidget(self.probe, 0, Qt.AlignmentFlag.AlignTop)
        probe_row.addWidget(self.bars, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(header)
        layout.addWidget(self.mosaic, 1)
        layout.addWidget(self.caption)
        layout.addLayout(probe_row)

    def set_runs(self, runs: list[ComparedRun]) -> None:
        """Offer these runs, keeping the one shown when it is still among them."""
        current = self.run()
        self.runs = list(runs)
        with signals_blocked(self.run_box):
            self.run_box.clear()
            for run in runs:
                self.run_box.addItem(swatch_icon(run.colour), run.label)
            if current is not None and current in self.runs:
                self.run_box.setCurrentIndex(self.runs.index(current))

    def run(self) -> ComparedRun | None:
        index = self.run_box.currentIndex()
        return self.runs[index] if 0 <= index < len(self.runs) else None

    def select(self, run: ComparedRun, epoch_index: int) -> None:
        """Show ``run`` at its ``epoch_index``-th snapshot (-1: the last)."""
        with signals_blocked(self.run_box, self.epoch_box):
            self.run_box.setCurrentIndex(self.runs.index(run))
            self.fill_epochs()
            self.epoch_box.setCurrentIndex(epoch_index % max(1, self.epoch_box.count()))

    def fill_epochs(self) -> None:
        """The epochs the shown run kept a snapshot of; the same epoch stays chosen when it can."""
        run = self.run()
        previous = self.epoch_box.currentData()  # the epoch number: the text may gain " (last)"
        snapshots = run.recording.snapshots if run is not None else ()
        with signals_blocked(self.epoch_box):
            self.epoch_box.clear()
            for index, snapshot in enumerate(snapshots):
                last = " (last)" if index == len(snapshots) - 1 and index > 0 else ""
                self.epoch_box.addItem(f"epoch {snapshot.epoch}{last}", snapshot.epoch)
            found = self.epoch_box.findData(previous) if previous is not None else -1
            self.epoch_box.setCurrentIndex(found if found >= 0 else 0)

    def snapshot(self) -> ProbeSnapshot | None:
        run = self.run()
        index = self.epoch_box.currentIndex()
        if run is None or not 0 <= index < len(run.recording.snapshots):
            return None
        return run.recording.snapshots[index]

    def show_layer(self, kind: str, position: int, name: str) -> None:
        run, snapshot = self.run(), self.snapshot()
        for part in (self.probe, self.bars):
            part.setVisible(snapshot is not None)
        if run is None or snapshot is None:
            self.mosaic.show_layers([])
            self.caption.setText("This run kept no probe snapshot (it ended before its first epoch did).")
            return
        picture = layer_picture(snapshot, kind, position)
        self.mosaic.show_layers([picture] if picture else [])
        self.probe.set_image(snapshot.image)
        self.bars.set_class_names(run.recording.started.class_names)
        self.bars.setFixedHeight(round(self.bars.minimumHeight() * BAR_ROOM))
        self.bars.set_values(snapshot.probabilities, snapshot.label)
        title = snapshot_heading(snapshot)
        names = self.bars.class_names(len(snapshot.probabilities))
        # Half a column is narrow: the caption's lines run on as one paragraph.
        caption = prediction_caption(names, snapshot.label, snapshot.probabilities, title).replace("<br>", " · ")
        if picture is None:
            missing = "no convolution layers" if not snapshot.feature_maps else f"no layer like {name}"
            caption = f"<i>This run has {missing}.</i><br>{caption}"
        self.caption.setText(caption)


class CompareSnapshots(QWidget):
    """Two SnapshotColumns side by side, the layer they show, and the two usual pairings."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layer_box = compact_combo(16)
        self.layer_box.setToolTip("The layer, and whether its feature maps or its kernels are shown")
        self.left = SnapshotColumn("left")
        self.right = SnapshotColumn("right")
        self.first_last_button = push_button(
            "Epoch 1 ↔ last", "The left run at the end of its first epoch and of its last", self.show_first_and_last
        )
        self.two_runs_button = push_button(
            "Two runs' last epochs",
            "The left run and another run, each at the end of its last epoch",
            self.show_two_runs,
        )
        self.note = wrapping_label()
        self.note.setTextFormat(Qt.TextFormat.RichText)
        self.note.setStyleSheet(f"color: {error_text_colour().name()}")
        self.note.hide()
        controls = QHBoxLayout()
        controls.addWidget(QLabel("Layer:"))
        controls.addWidget(self.layer_box, 1)
        controls.addWidget(self.first_last_button)
        controls.addWidget(self.two_runs_button)
        columns = QGridLayout()
        columns.addWidget(self.left, 0, 0)
        columns.addWidget(self.right, 0, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(controls)
        layout.addWidget(self.note)
        layout.addLayout(columns, 1)
        self.user_chose = False  # what the sides show: the usual pairing until the user picks
        self.layer_box.currentIndexChanged.connect(self._draw)
        for column in (self.left, self.right):
            column.run_box.activated.connect(self._on_user_chose)
            column.epoch_box.activated.connect(self._on_user_chose)
            column.run_box.currentIndexChanged.connect(lambda _index, column=column: self._on_run_changed(column))
            column.epoch_box.currentIndexChanged.connect(self._on_layers_changed)

    def heightForWidth(self, width: int) -> int:
        # The scroll area gives this view the height it asks for at the width: its least height
        # for that width, so it fills the view rather than the pictures' preferred height, and
        # scrolls only when the view is smaller.
        layout = self.layout()
        if layout.hasHeightForWidth():
            return layout.minimumHeightForWidth(width)
        return layout.minimumSize().height()

    def set_runs(self, runs: list[ComparedRun]) -> None:
        """Offer these runs. Until the user picks what to compare, and when a side's run is gone,
        show the usual pairing: the two newest runs' last epochs, or one run's first and last
        (only runs with feature maps count when there are any)."""
        kept = all(column.run() in runs for column in (self.left, self.right))
        for column in (self.left, self.right):
            column.set_runs(runs)
        self.two_runs_button.setEnabled(len(runs) > 1)
        self.first_last_button.setEnabled(bool(runs))
        if runs and (not self.user_chose or not kept):
            # Runs with conv layers first: a fully connected run has no maps to put side by side.
            with_maps = [run for run in runs if any(s.feature_maps for s in run.recording.snapshots)]
            if len(with_maps) > 1:
                self._pair(with_maps[-2], -1, with_maps[-1], -1)
            else:
                run = (with_maps or runs)[-1]
                self._pair(run, 0, run, -1)
        else:
            self._on_layers_changed()

    def show_first_and_last(self) -> None:
        run = self.left.run()
        if run is not None:
            self.user_chose = True
            self._pair(run, 0, run, -1)

    def show_two_runs(self) -> None:
        run = self.left.run()
        others = [other for other in self.left.runs if other is not run]
        if run is not None and others:
            self.user_chose = True
            self._pair(run, -1, others[-1], -1)

    def _pair(self, left: ComparedRun, left_epoch: int, right: ComparedRun, right_epoch: int) -> None:
        self.left.select(left, left_epoch)
        self.right.select(right, right_epoch)
        self._on_layers_changed()

    def _on_user_chose(self, *_args) -> None:
        self.user_chose = True

    def _on_run_changed(self, column: SnapshotColumn) -> None:
        column.fill_epochs()
        self._on_layers_changed()

    def _on_layers_changed(self) -> None:
        """Offer the layers that either side holds, keeping the chosen one when it can."""
        snapshots = [s for s in (self.left.snapshot(), self.right.snapshot()) if s is not None]
        choices = layer_choices(snapshots)
        current = self.layer_box.currentData()
        with signals_blocked(self.layer_box):
            self.layer_box.clear()
            for kind, position, name in choices:
                self.layer_box.addItem(f"{name}: {kind}", (kind, position, name))
            keys = [(kind, position) for kind, position, _name in choices]
            found = keys.index(current[:2]) if current and current[:2] in keys else 0
            self.layer_box.setCurrentIndex(found if choices else -1)
        self._draw()

    def _draw(self) -> None:
        kind, position, name = self.layer_box.currentData() or (MAPS, -1, "")
        for column in (self.left, self.right):
            column.show_layer(kind, position, name)
        note = probe_note(self.left.snapshot(), self.right.snapshot())
        self.note.setText(note)
        self.note.setVisible(bool(note))
