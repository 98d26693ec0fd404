"""The Results tab: this session's final scores beside the seed notebook's, the model's layers,
the log, and the buttons that save the model and the curves."""

from __future__ import annotations

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtGui import QFont
from PyQt6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from visualizer.ui.kit.plain import push_button
from visualizer.ui.training.view import NO_RESULT_YET, ResultRow

# The seed notebook's own results after 5 epochs, shown beside this session's runs.
SEED_REFERENCE_ROWS = (
    ("Fully connected network - After 5 Epochs (seed notebook)", 0.8923, 0.2935, 0.8731, 0.2432),
    ("Convolutional network - After 5 Epochs (seed notebook)", 0.8860, 0.3094, 0.9048, 0.1954),
)
RESULT_COLUMNS = ("Model", "Train Accuracy", "Train Loss", "Test Accuracy", "Test Loss")


def _monospace_text(placeholder: str = "") -> QPlainTextEdit:
    text = QPlainTextEdit()
    text.setReadOnly(True)
    text.setFont(QFont("monospace", 8))
    text.setPlaceholderText(placeholder)
    return text


class ResultsTab(QWidget):
    """Emits ``saveModelRequested``, ``saveRunRequested`` (shown for a script's run that has
    ended or stopped sending) and ``exportCsvRequested`` for the page to ask where, and
    ``inspectModelRequested`` to open the run's model in the model inspector."""

    saveModelRequested = pyqtSignal()
    saveRunRequested = pyqtSignal()
    exportCsvRequested = pyqtSignal()
    inspectModelRequested = pyqtSignal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.result_label = QLabel(NO_RESULT_YET)
        self.result_label.setWordWrap(True)
        self.result_label.setTextFormat(Qt.TextFormat.RichText)
        self.results_table = QTableWidget(0, len(RESULT_COLUMNS))
        self.results_table.setHorizontalHeaderLabels(RESULT_COLUMNS)
        self.results_table.verticalHeader().hide()
        self.results_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.results_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.show_results([])
        self.save_model_button = push_button(
            "Save model…", "Save the trained model as a .keras file", self.saveModelRequested.emit
        )
        self.save_model_button.setEnabled(False)
        self.inspect_model_button = push_button(
            "Inspect this model", "Open the trained model in the model inspector: why it predicts what it does",
            self.inspectModelRequested,
        )
        self.inspect_model_button.setEnabled(False)
        self.save_run_button = push_button(
            "Save run…", "Save what the script sent (curves, the replay's pictures, confusion matrices) as a "
            "recorded run this app opens again; the model stays with the script", self.saveRunRequested.emit,
        )
        self.save_run_button.setVisible(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_run_button)
        buttons.addWidget(self.save_model_button)
        buttons.addWidget(self.inspect_model_button)
        buttons.addWidget(push_button(
            "Export curves as CSV…", "Every batch and epoch value of this run", self.exportCsvRequested.emit
        ))
        buttons.addStretch(1)
        self.summary_text = _monospace_text("The model's layers appear here when a run starts.")
        self.log_text = _monospace_text()
        lower = QTabWidget()
        lower.addTab(self.summary_text, "Model")
        lower.addTab(self.log_text, "Log")
        layout = QVBoxLayout(self)
        layout.addWidget(self.result_label)
        layout.addWidget(self.results_table, 1)
        layout.addLayout(buttons)
        layout.addWidget(lower, 1)

    def show_results(self, rows: list[ResultRow]) -> None:
        """The seed notebook's rows (in grey italics), then ``rows``, one per finished run."""
        reference_count = len(SEED_REFERENCE_ROWS)
        self.results_table.setRowCount(reference_count + len(rows))
        for row, values in enumerate((*SEED_REFERENCE_ROWS, *rows)):
            for column, value in enumerate(values):
                item = QTableWidgetItem(value if column == 0 else f"{value:.4f}")
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

    def append_log(self, line: str) -> None:
        self.log_text.appendPlainText(line)
