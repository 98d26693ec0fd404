"""The bar above the tabs: which test image to probe, and which epoch's snapshot to view."""

from __future__ import annotations

import random

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import QHBoxLayout, QLabel, QSlider, QSpinBox, QWidget
from superqt.utils import signals_blocked

from visualizer.training.data import FULL_TRAIN_COUNT
from visualizer.ui.kit.plain import push_button


class ProbeReplayBar(QWidget):
    """Emits ``probeChanged(index)``, ``replayMoved(position)`` and ``liveClicked``; the replay
    slider's positions 0..n-1 are the epochs kept for replay, position n is live."""

    probeChanged = pyqtSignal(int)
    replayMoved = pyqtSignal(int)
    liveClicked = pyqtSignal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.probe_spin = QSpinBox()
        # Until a run says how many test images it has, any index of the full set may be asked for.
        self.probe_spin.setRange(0, FULL_TRAIN_COUNT - 1)
        self.probe_spin.setToolTip("Which test image's feature maps to show (changeable while training)")
        self.probe_spin.setKeyboardTracking(False)
        self.probe_spin.valueChanged.connect(self.probeChanged)
        random_button = push_button(
            "Random", "Pick a random test image as the probe", self._on_random_clicked
        )
        self.replay_slider = QSlider(Qt.Orientation.Horizontal)
        self.replay_slider.setRange(0, 0)
        self.replay_slider.setPageStep(1)
        self.replay_slider.setToolTip(
            "Scrub back through the snapshots taken at the end of each epoch; the right end is live"
        )
        self.replay_slider.valueChanged.connect(self.replayMoved)
        self.replay_label = QLabel("Live")
        self.replay_label.setMinimumWidth(150)
        self.live_button = push_button("Live", "Follow the training again", self.liveClicked.emit)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Probe image #"))
        layout.addWidget(self.probe_spin)
        layout.addWidget(random_button)
        layout.addSpacing(16)
        layout.addWidget(QLabel("View epoch"))
        layout.addWidget(self.replay_slider, 1)
        layout.addWidget(self.replay_label)
        layout.addWidget(self.live_button)

    def probe_index(self) -> int:
        return self.probe_spin.value()

    def set_probe_count(self, count: int) -> None:
        self.probe_spin.setMaximum(max(0, count - 1))

    def show_replay(self, count: int, position: int, label: str) -> None:
        with signals_blocked(self.replay_slider):
            self.replay_slider.setRange(0, count)
            self.replay_slider.setValue(position)
        self.replay_label.setText(label)

    def _on_random_clicked(self) -> None:
        self.probe_spin.setValue(random.randint(0, self.probe_spin.maximum()))
