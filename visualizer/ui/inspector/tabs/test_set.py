"""TestSetTab: the model on a whole set of labelled images.

Before any evaluation it says what to do: evaluate the test set, or open a folder of images
(one sub-folder per class). After one, it shows a summary line, accuracy per class, the
confusion matrix (click a cell to see exactly its images in the gallery), the most confused
pairs (click a row for the same), the gallery with its filters, and the seed notebook's
prediction grid; both tables save as CSV. The evaluation itself runs elsewhere: the page
reports its progress with `set_progress` and hands the result over with `set_evaluation`.
"""

from __future__ import annotations

import logging

import numpy as np
from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QProgressBar,
    QSplitter,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from visualizer.inspection.evaluation import Evaluation
from visualizer.ui.inspector.gallery import Gallery
from visualizer.ui.inspector.prediction_grid import PredictionGrid
from visualizer.ui.kit.banner import Banner
from visualizer.ui.kit.confusion_view import ConfusionMatrixView
from visualizer.ui.kit.plain import push_button, wrapping_label
from visualizer.ui.kit.save_file import ask_save_path, save_to_file

logger = logging.getLogger(__name__)

CONFUSED_PAIRS_SHOWN = 20
NUMBER_ALIGNMENT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
EMPTY_TEXT = (
    "<b>No test set evaluated yet.</b><br>Evaluate the model on Fashion-MNIST's test images (or, for a "
    "model this app trained, on the test part of its run's own data), or open a folder of your own images "
    "laid out with one sub-folder per class (the sub-folders' names, sorted, are the class names, as "
    "<code>keras.utils.image_dataset_from_directory</code> reads them)."
)
EVALUATE_TIP = "Run the model on every test image (in the background)"


def _table(headers: tuple[str, ...], tip: str) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    table.setToolTip(tip)
    table.setWordWrap(False)
    return table


def _fill_row(table: QTableWidget, row: int, texts: list[str], data: object) -> None:
    """Write one row; the first cell carries ``data`` (what a click on the row shows)."""
    for column, text in enumerate(texts):
        item = QTableWidgetItem(text)
        if column:
            item.setTextAlignment(NUMBER_ALIGNMENT)
        if column == 0:
            item.setData(Qt.ItemDataRole.UserRole, data)
        table.setItem(row, column, item)


def summary_text(evaluation: Evaluation) -> str:
    """One line: accuracy, how many images, where they came from."""
    known = evaluation.known_count
    parts = []
    if known:
        parts.append(f"<b>Accuracy {evaluation.accuracy:.1%}</b> ({evaluation.right_count:,} of {known:,} right)")
    else:
        parts.append("<b>No accuracy</b>: no image has a known class")
    parts.append(f"{len(evaluation):,} images")
    if known < len(evaluation):
        parts.append(f"{len(evaluation) - known:,} without a known class")
    if evaluation.source:
        parts.append(evaluation.source)
    return " · ".join(parts)


class TestSetTab(QWidget):
    """Emits ``evaluateRequested()``, ``folderChosen(path)`` and ``imageChosen(index)``."""

    __test__ = False  # not a pytest test class, whatever its name

    evaluateRequested = pyqtSignal()
    folderChosen = pyqtSignal(str)
    imageChosen = pyqtSignal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._evaluation: Evaluation | None = None
        self._buttons_under_text: bool | None = None
        self._can_evaluate = True  # the built-in test set fits the model
        self._evaluating = False
        self.banner = Banner()
        self.summary_label = wrapping_label("")
        self.summary_label.setTextFormat(Qt.TextFormat.RichText)
        self.progress = QProgressBar()
        self.progress.setFormat("Evaluating: %v of %m images")
        self.progress.hide()
        self.evaluate_button = push_button(
            "Evaluate the test set", EVALUATE_TIP, self.evaluateRequested.emit
        )
        self.folder_button = push_button(
            "Open a folder of images…", "A folder with one sub-folder of images per class", self._on_folder_button_clicked
        )
        self.predictions_csv_button = push_button(
            "Predictions as CSV…",
            "Save one row per image: index, true class, predicted class, confidence, every probability",
            self._on_predictions_csv_button_clicked,
        )
        self.confusion_csv_button = push_button(
            "Confusion matrix as CSV…", "Save the confusion matrix: rows the true class, columns the prediction",
            self._on_confusion_csv_button_clicked,
        )
        self.confusion_view = ConfusionMatrixView()
        self.confusion_view.cellClicked.connect(self._on_confusion_view_cell_clicked)
        self.class_table = _table(("Class", "Right", "Accuracy"), "Click a class to see its images")
        self.class_table.cellClicked.connect(self._on_class_table_cell_clicked)
        self.pairs_table = _table(("True → predicted", "Images"), "Click a pair to see those images")
        self.pairs_table.cellClicked.connect(self._on_pairs_table_cell_clicked)
        self.gallery = Gallery()
        self.gallery.imageChosen.connect(self.imageChosen)
        self.grid = PredictionGrid()
        self.grid.imageChosen.connect(self.imageChosen)
        self.views = QTabWidget()
        self.views.addTab(self._overview(), "Confusion matrix and gallery")
        self.views.addTab(self.grid, "Prediction grid")
        self.views.setCornerWidget(self._csv_buttons(), Qt.Corner.TopRightCorner)
        self.stack = QStackedWidget()
        self.stack.addWidget(self._empty_page())
        self.stack.addWidget(self.views)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.banner)
        layout.addLayout(self._top_row())
        layout.addWidget(self.progress)
        layout.addWidget(self.stack, 1)
        self.set_evaluation(None)

    def _top_row(self) -> QHBoxLayout:
        self._top_buttons = QHBoxLayout()
        row = QHBoxLayout()
        row.addWidget(self.summary_label, 1)
        row.addLayout(self._top_buttons)
        return row

    def _csv_buttons(self) -> QWidget:
        """The two CSV buttons, beside the tabs of the views, where the tab bar leaves room."""
        corner = QWidget()
        row = QHBoxLayout(corner)
        row.setContentsMargins(0, 0, 0, 2)
        row.addWidget(self.predictions_csv_button)
        row.addWidget(self.confusion_csv_button)
        return corner

    def _empty_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.empty_label = wrapping_label(EMPTY_TEXT)
        self.empty_label.setTextFormat(Qt.TextFormat.RichText)
        self._empty_buttons = QHBoxLayout()
        layout.addStretch(1)
        layout.addWidget(self.empty_label)
        layout.addLayout(self._empty_buttons)
        layout.addStretch(2)
        return page

    def _place_source_buttons(self, empty: bool) -> None:
        """The buttons that start an evaluation: under the "what to do" text while there is no
        evaluation, beside the summary once there is one."""
        if empty == self._buttons_under_text:
            return
        self._buttons_under_text = empty
        old, new = (self._top_buttons, self._empty_buttons) if empty else (self._empty_buttons, self._top_buttons)
        for button in (self.evaluate_button, self.folder_button):
            old.removeWidget(button)
            new.addWidget(button)
            button.show()  # a widget given a new parent is hidden until shown
        if empty:
            self._empty_buttons.addStretch(1)
        else:
            self._empty_buttons.takeAt(0)  # the stretch

    def _overview(self) -> QSplitter:
        # The matrix gets the whole column (readable in presentation mode); the tables share it.
        self.tables = QTabWidget()
        self.tables.addTab(self.confusion_view, "Confusion matrix")
        self.tables.addTab(self.class_table, "Per class")
        self.tables.addTab(self.pairs_table, "Most confused")
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.tables)
        splitter.addWidget(self.gallery)
        splitter.setSizes([1000, 1000])  # shares: the matrix and the gallery start equal
        return splitter

    # -- setters -------------------------------------------------------------------------------
    def set_evaluation(self, evaluation: Evaluation | None) -> None:
        """Show an evaluation (None: the "what to do" page)."""
        self._evaluation = evaluation
        self.progress.hide()
        self._evaluating = False
        self._update_evaluate_button()
        self.predictions_csv_button.setEnabled(evaluation is not None)
        self.confusion_csv_button.setEnabled(evaluation is not None)
        self.gallery.set_evaluation(evaluation)
        self.grid.set_evaluation(evaluation)
        self._place_source_buttons(empty=evaluation is None)
        if evaluation is None:
            self.summary_label.setText("")
            self.stack.setCurrentIndex(0)
            return
        self.banner.hide()
        self.summary_label.setText(summary_text(evaluation))
        self.confusion_view.set_matrix(evaluation.confusion_matrix, evaluation.class_names)
        self._fill_class_table(evaluation)
        self._fill_pairs_table(evaluation)
        self.stack.setCurrentIndex(1)

    def evaluation(self) -> Evaluation | None:
        return self._evaluation

    def set_progress(self, done: int, total: int) -> None:
        """The evaluation running elsewhere has done ``done`` of ``total`` images."""
        running = 0 <= done < total
        self._evaluating = running
        self.progress.setVisible(running)
        self._update_evaluate_button()
        if running:
            self.progress.setMaximum(max(1, total))
            self.progress.setValue(done)

    def set_default_test_set(self, title: str, tip: str, available: bool) -> None:
        """What the Evaluate button evaluates on ("Evaluate " + ``title``) and which images, in words
        (``tip``); where it cannot evaluate the model, ``tip`` says why, also under the "what to do" text."""
        self._can_evaluate = available
        self.evaluate_button.setText(f"Evaluate {title}")
        self.evaluate_button.setToolTip(tip)
        self.empty_label.setText(EMPTY_TEXT if available or not tip else f"{EMPTY_TEXT}<br><br>{tip}")
        self._update_evaluate_button()

    def _update_evaluate_button(self) -> None:
        self.evaluate_button.setEnabled(self._can_evaluate and not self._evaluating)

    def show_error(self, text: str, details: str = "") -> None:
        self.banner.show_message("error", text, details)

    def _fill_class_table(self, evaluation: Evaluation) -> None:
        totals = evaluation.class_totals
        right = np.diag(evaluation.confusion_matrix)
        accuracy = evaluation.per_class_accuracy
        self.class_table.setRowCount(evaluation.class_count)
        for label, name in enumerate(evaluation.class_names):
            share = "–" if np.isnan(accuracy[label]) else f"{accuracy[label]:.1%}"
            _fill_row(self.class_table, label, [name, f"{right[label]:,} of {totals[label]:,}", share], label)

    def _fill_pairs_table(self, evaluation: Evaluation) -> None:
        pairs = evaluation.most_confused(CONFUSED_PAIRS_SHOWN)
        self.pairs_table.setRowCount(len(pairs))
        self.tables.setTabText(2, f"Most confused ({len(pairs)})" if pairs else "Most confused (none)")
        names = evaluation.class_names
        for row, pair in enumerate(pairs):
            texts = [f"{names[pair.true]} → {names[pair.predicted]}", f"{pair.count:,}"]
            _fill_row(self.pairs_table, row, texts, (pair.true, pair.predicted))

    # -- slots ---------------------------------------------------------------------------------
    def _on_confusion_view_cell_clicked(self, true: int, predicted: int) -> None:
        self.gallery.set_filter(true=true, predicted=predicted)

    def _on_class_table_cell_clicked(self, row: int, _column: int) -> None:
        label = self.class_table.item(row, 0).data(Qt.ItemDataRole.UserRole)
        self.confusion_view.set_selected(None)
        self.gallery.set_filter(true=label)

    def _on_pairs_table_cell_clicked(self, row: int, _column: int) -> None:
        true, predicted = self.pairs_table.item(row, 0).data(Qt.ItemDataRole.UserRole)
        self.confusion_view.set_selected((true, predicted))
        self.gallery.set_filter(true=true, predicted=predicted)

    def _on_folder_button_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open a folder of images, one sub-folder per class")
        if folder:
            self.folderChosen.emit(folder)

    def _on_predictions_csv_button_clicked(self) -> None:
        self._save_csv("Save the predictions as CSV", "predictions.csv", self.save_predictions_csv)

    def _on_confusion_csv_button_clicked(self) -> None:
        self._save_csv("Save the confusion matrix as CSV", "confusion-matrix.csv", self.save_confusion_csv)

    # -- files ---------------------------------------------------------------------------------
    def _save_csv(self, title: str, name: str, save) -> None:
        path = ask_save_path(self, title, name, "CSV files (*.csv)")
        if path:
            save(path)

    def save_predictions_csv(self, path: str) -> bool:
        """Write the predictions table to ``path``; an error is shown in the banner. True if written."""
        return self._write(path, lambda evaluation: evaluation.predictions_csv())

    def save_confusion_csv(self, path: str) -> bool:
        return self._write(path, lambda evaluation: evaluation.confusion_csv())

    def _write(self, path: str, table) -> bool:
        if self._evaluation is None:
            return False
        text = table(self._evaluation)
        return save_to_file(self.banner.show_message, "the table", path, lambda temporary: temporary.write_text(text, encoding="utf-8"))
