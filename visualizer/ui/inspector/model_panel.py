"""The inspector's left column: open a model, read what the loader found and assumed, answer
the input-range question when the model does not say, and pick a test picture."""

from __future__ import annotations

import html

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import QComboBox, QGroupBox, QHBoxLayout, QLabel, QProgressBar, QSpinBox, QVBoxLayout, QWidget
from superqt.utils import signals_blocked

from visualizer.inspection.protocol import ModelOpened
from visualizer.ui.kit.plain import push_button, scroll_area, wrapping_label

NO_MODEL_TEXT = (
    "No model is open. Open a trained Keras image classifier (.keras or .h5): one you trained on the "
    "Live training page, or any other. File > Open model… (Ctrl+Shift+O) or drop the file on the window."
)


RANGE_QUESTION = (
    "The model does not say what pixel values it was trained on. Which range? With a labelled test "
    "set open, Check input ranges tries each one on it and picks the one the model gets most right."
)


def range_check_text(accuracies: tuple[tuple[str, float], ...], chosen: str, count: int) -> str:
    """Each range's accuracy side by side, the chosen one in bold."""
    cells = [
        f"<b>{html.escape(name)}: {accuracy:.0%}</b>" if name == chosen else f"{html.escape(name)}: {accuracy:.0%}"
        for name, accuracy in accuracies
    ]
    return f"Accuracy on {count:,} test images: " + " · ".join(cells)


class ModelPanel(QWidget):
    openRequested = pyqtSignal()
    classNamesRequested = pyqtSignal()
    rangeCheckRequested = pyqtSignal()
    inputRangeChosen = pyqtSignal(str)
    testImageChosen = pyqtSignal(int)
    randomImageRequested = pyqtSignal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.open_button = push_button("Open model…", "Open a trained Keras classifier (.keras or .h5)",
                                       self.openRequested)
        self.report = wrapping_label(NO_MODEL_TEXT)
        self.report.setTextFormat(Qt.TextFormat.RichText)
        self.report.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.report.setAlignment(Qt.AlignmentFlag.AlignTop)

        self.range_box = QGroupBox("Input range")
        self.range_question = wrapping_label(RANGE_QUESTION)
        self.range_choice = QComboBox()
        self.range_choice.setToolTip("The pixel values the model expects: black to white")
        self.range_choice.activated.connect(
            lambda index: self.inputRangeChosen.emit(self.range_choice.itemText(index))
        )
        self.check_ranges_button = push_button(
            "Check input ranges", "", self.rangeCheckRequested
        )
        self.check_progress = QProgressBar()
        self.check_progress.setFormat("Checking: %v of %m ranges")
        self.check_progress.hide()
        self.check_result = wrapping_label("")
        self.check_result.setTextFormat(Qt.TextFormat.RichText)
        self.check_result.hide()
        range_row = QHBoxLayout()
        range_row.addWidget(self.range_choice, 1)
        range_row.addWidget(self.check_ranges_button)
        range_layout = QVBoxLayout(self.range_box)
        range_layout.addWidget(self.range_question)
        range_layout.addLayout(range_row)
        range_layout.addWidget(self.check_progress)
        range_layout.addWidget(self.check_result)
        self.range_box.hide()
        self.set_range_check_available(False, "")
        self.names_button = push_button(
            "Class names…", "Type or paste the names of the model's classes, in the order of its outputs",
            self.classNamesRequested,
        )
        self.names_button.setEnabled(False)
        self._report = None  # the open model's LoaderReport

        self.picture_box = QGroupBox("Test picture")
        self.test_index = QSpinBox()
        self.test_index.setRange(0, 0)
        self.test_index.setPrefix("#")
        self.test_index.setKeyboardTracking(False)
        self.test_index.setToolTip("Which test image to explain")
        self.test_index.valueChanged.connect(self.testImageChosen.emit)
        self.random_button = push_button("Random", "A random test image", self.randomImageRequested)
        self.picture_title = wrapping_label("")
        row = QHBoxLayout()
        row.addWidget(QLabel("Test image"))
        row.addWidget(self.test_index, 1)
        row.addWidget(self.random_button)
        picture_layout = QVBoxLayout(self.picture_box)
        picture_layout.addLayout(row)
        picture_layout.addWidget(self.picture_title)
        self.picture_box.setEnabled(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(self.open_button, 1)
        top.addWidget(self.names_button)
        layout.addLayout(top)
        layout.addWidget(scroll_area(self.report), 1)
        layout.addWidget(self.range_box)
        layout.addWidget(self.picture_box)

    def show_model(self, opened: ModelOpened) -> None:
        report = opened.report
        self._report = report
        self._show_report_lines(report.lines())
        self.report.setToolTip(report.path)
        self.range_box.hide()
        self.check_result.hide()
        self.picture_box.setEnabled(False)
        self.names_button.setEnabled(True)

    def show_class_names_source(self, source: str) -> None:
        """Say where the class names now come from (the names typed, a test folder's...)."""
        if self._report is not None:
            count = self._report.class_count
            self._show_report_lines([
                f"classes: {count}, names from {source}" if line.startswith("classes: ") else line
                for line in self._report.lines()
            ])

    def _show_report_lines(self, lines: list[str]) -> None:
        items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
        self.report.setText(f"<b>{html.escape(self._report.model_name)}</b><ul style='margin-left:-20px'>{items}</ul>")

    def set_range_check_available(self, available: bool, reason: str) -> None:
        self._check_available = available
        self.check_ranges_button.setEnabled(available and self.check_progress.isHidden())
        self.check_ranges_button.setToolTip(
            "Evaluate up to 500 test images under each range, side by side, and choose the best"
            if available else reason
        )

    def show_range_check_progress(self, done: int, total: int) -> None:
        running = 0 <= done < total
        self.check_progress.setVisible(running)
        if running:
            self.check_progress.setMaximum(max(1, total))
            self.check_progress.setValue(done)
        self.check_ranges_button.setEnabled(self._check_available and not running)

    def show_range_check(self, accuracies: tuple[tuple[str, float], ...], chosen: str, count: int) -> None:
        self.check_result.setText(range_check_text(accuracies, chosen, count))
        self.check_result.show()

    def ask_input_range(self, choices: tuple[str, ...], chosen: str) -> None:
        self.range_choice.clear()
        self.range_choice.addItems(choices)
        self.range_choice.setCurrentText(chosen)
        self.range_box.show()

    def set_test_count(self, count: int) -> None:
        self.test_index.setRange(0, max(0, count - 1))
        self.picture_box.setEnabled(count > 0)

    def show_picture_title(self, title: str, test_index: int | None) -> None:
        self.picture_title.setText(title)
        if test_index is not None and test_index != self.test_index.value():
            with signals_blocked(self.test_index):
                self.test_index.setValue(test_index)
