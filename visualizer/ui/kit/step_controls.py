"""StepControls: play / pause / step / reset buttons, a speed box and a scrubber.

The controls own the timer but not the step: they emit `stepRequested(index)` and the page
answers with `set_position(index, count)`, so keyboard shortcuts, clicks on an output cell and
the scrubber all go through the same path.
"""

from __future__ import annotations

from PyQt6.QtCore import Qt, QTimer, pyqtSignal
from PyQt6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QSpinBox, QVBoxLayout, QWidget
from superqt.utils import signals_blocked


class StepControls(QWidget):
    stepRequested = pyqtSignal(int)
    playingChanged = pyqtSignal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._index = 0
        self._count = 1
        self._fixed_interval_ms: int | None = None
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._on_timer_timeout)

        self.reset_button = QPushButton("Reset")
        self.reset_button.setToolTip("Go back to the first step (Home)")
        self.back_button = QPushButton("◀ Back")
        self.back_button.setToolTip("One step back (Left arrow)")
        self.play_button = QPushButton("▶ Play")
        self.play_button.setToolTip("Play the steps one after another, or pause (Space)")
        self.forward_button = QPushButton("Next ▶")
        self.forward_button.setToolTip("One step forward (Right arrow)")
        self.end_button = QPushButton("End")
        self.end_button.setToolTip("Jump to the last step: the whole output computed")
        self.quiz_button = QPushButton("? Quiz")
        self.quiz_button.setCheckable(True)
        self.quiz_button.setToolTip("Quiz mode: ask the class a question before each step is drawn (View > Quiz mode)")
        self.quiz_button.hide()  # shown by pages that have questions

        self.speed = QSpinBox()
        self.speed.setRange(1, 60)
        self.speed.setValue(3)
        self.speed.setSuffix(" steps/s")
        self.speed.setToolTip("Playing speed, in steps per second (1 to 60)")
        self.scrubber = QSlider(Qt.Orientation.Horizontal)
        self.scrubber.setToolTip("Drag to jump to any step")
        self.position_label = QLabel()
        self.position_label.setToolTip("The current step and the number of steps")

        # The scrubber gets a row of its own: full width for precise dragging, whatever the font size.
        scrub_row = QHBoxLayout()
        scrub_row.addWidget(self.scrubber, 1)
        scrub_row.addWidget(self.position_label)
        button_row = QHBoxLayout()
        for button in (self.reset_button, self.back_button, self.play_button, self.forward_button, self.end_button):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keep Space/arrows for the window shortcuts
            button_row.addWidget(button)
        button_row.addWidget(self.speed)
        self.quiz_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button_row.addWidget(self.quiz_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(scrub_row)
        layout.addLayout(button_row)

        self.reset_button.clicked.connect(lambda: self.stepRequested.emit(0))
        self.back_button.clicked.connect(lambda: self.stepRequested.emit(self._index - 1))
        self.forward_button.clicked.connect(lambda: self.stepRequested.emit(self._index + 1))
        self.end_button.clicked.connect(lambda: self.stepRequested.emit(self._count - 1))
        self.play_button.clicked.connect(self.toggle_play)
        self.scrubber.valueChanged.connect(self._on_scrubber_value_changed)
        self.speed.valueChanged.connect(self._on_speed_value_changed)
        self.set_position(0, 1)

    def set_position(self, index: int, count: int) -> None:
        """Show where the page is; stops playing at the last step."""
        self._index, self._count = index, max(1, count)
        with signals_blocked(self.scrubber):
            self.scrubber.setRange(0, self._count - 1)
            self.scrubber.setValue(index)
        self.position_label.setText(f"step {index + 1} / {self._count}")
        self.back_button.setEnabled(index > 0)
        self.reset_button.setEnabled(index > 0)
        self.forward_button.setEnabled(index < self._count - 1)
        self.end_button.setEnabled(index < self._count - 1)
        if self.is_playing() and index >= self._count - 1:
            self.pause()

    def set_fixed_play_interval(self, milliseconds: int) -> None:
        """Play at one step every ``milliseconds``, slower than the speed box allows (a step
        that needs talking over); the speed box is hidden, since it no longer applies."""
        self._fixed_interval_ms = int(milliseconds)
        self.speed.hide()

    def play_interval_ms(self) -> int:
        if self._fixed_interval_ms is not None:
            return self._fixed_interval_ms
        return int(1000 / self.speed.value())

    def is_playing(self) -> bool:
        return self._timer.isActive()

    def play(self) -> None:
        if self._index >= self._count - 1:
            self.stepRequested.emit(0)  # replay from the start
        self._timer.start(self.play_interval_ms())
        self.play_button.setText("Pause")
        self.playingChanged.emit(True)

    def pause(self) -> None:
        self._timer.stop()
        self.play_button.setText("▶ Play")
        self.playingChanged.emit(False)

    def toggle_play(self) -> None:
        self.pause() if self.is_playing() else self.play()

    def _on_timer_timeout(self) -> None:
        self.stepRequested.emit(self._index + 1)

    def _on_scrubber_value_changed(self, value: int) -> None:
        self.stepRequested.emit(value)

    def _on_speed_value_changed(self, value: int) -> None:
        if self.is_playing():
            self._timer.setInterval(self.play_interval_ms())
