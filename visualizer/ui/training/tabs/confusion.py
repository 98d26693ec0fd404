"""The Confusion tab: the confusion matrix of the run's test sample at the epoch the replay shows.

The matrix (kit/confusion_view.py, the inspector's) counts a fixed sample of the test images, the
same at every epoch (training/confusion.py says why a sample); the caption says which images and
which epoch. Clicking a cell shows that cell's images beside it, and the choice stays while the
slider moves, so one can watch a pair of classes come apart epoch by epoch.
"""

from __future__ import annotations

import numpy as np
from PyQt6.QtCore import QSize, Qt
from PyQt6.QtGui import QIcon
from PyQt6.QtWidgets import (
    QListWidget,
    QListWidgetItem,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from visualizer.training.events import ConfusionSample, EpochConfusion
from visualizer.ui.kit.confusion_view import ConfusionMatrixView
from visualizer.ui.kit.plain import wrapping_label
from visualizer.ui.kit.thumbnails import icon_list, thumbnail

THUMBNAIL_EM = 4.0  # a thumbnail's side, in lines of text
CELL_HINT = "Click a cell of the matrix to see its images here."


def sample_text(sample: ConfusionSample, confusion: EpochConfusion) -> str:
    """Which images the matrix counts and how many of them the network got right."""
    count = len(sample.labels)
    per_class = np.bincount(np.asarray(sample.labels, np.int64))
    per_class = per_class[per_class > 0]
    if count >= sample.test_count:
        which = f"all {count:,} test images"
    else:
        balance = f"{per_class[0]:,} per class" if len(set(per_class.tolist())) == 1 else "balanced across classes"
        which = f"{count:,} of the {sample.test_count:,} test images ({balance}, the same ones at every epoch)"
    right = int(np.sum(np.asarray(sample.labels) == np.asarray(confusion.predicted)))
    share = f" ({right / count:.1%})" if count else ""
    return f"The matrix counts {which}: {right:,} right{share}."


class ConfusionTab(QWidget):
    """Set with ``set_class_names`` and ``show_confusion``; a click on a cell lists its images."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._names: tuple[str, ...] = ()
        self._sample: ConfusionSample | None = None
        self._confusion: EpochConfusion | None = None
        self._cell: tuple[int, int] | None = None
        self.heading = wrapping_label("")
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.matrix = ConfusionMatrixView()
        self.matrix.cellClicked.connect(self._on_matrix_cell_clicked)
        self.cell_label = wrapping_label(CELL_HINT)
        self.images = self._make_image_list()
        self.empty_label = wrapping_label("")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty_label)
        self.stack.addWidget(self._matrix_and_images())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.stack, 1)
        self.show_confusion(None, None, "")

    def _make_image_list(self) -> QListWidget:
        images = icon_list(QListWidget.SelectionMode.NoSelection)
        images.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        return images

    def _matrix_and_images(self) -> QWidget:
        cell_column = QWidget()
        column = QVBoxLayout(cell_column)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.cell_label)
        column.addWidget(self.images, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.matrix)
        splitter.addWidget(cell_column)
        splitter.setSizes([560, 300])
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addWidget(splitter, 1)
        return page

    # -- setters -------------------------------------------------------------------------------
    def set_class_names(self, names: tuple[str, ...]) -> None:
        self._names = tuple(names)

    def show_confusion(self, sample: ConfusionSample | None, confusion: EpochConfusion | None, text: str) -> None:
        """The matrix of ``confusion``'s predictions for ``sample`` under the heading ``text``; with
        no predictions, ``text`` alone (why there is no matrix). The cell chosen stays chosen."""
        self._sample, self._confusion = sample, confusion
        if sample is None or confusion is None or not self._names:
            self.empty_label.setText(text)
            self.stack.setCurrentIndex(0)
            return
        self.heading.setText(f"<b>{text}.</b> {sample_text(sample, confusion)}")
        self.matrix.set_matrix(sample.counts(confusion, len(self._names)), self._names)
        if self._cell is not None and max(self._cell) >= len(self._names):
            self._cell = None
        self.matrix.set_selected(self._cell)
        self._list_cell_images()
        self.stack.setCurrentIndex(1)

    def choose_cell(self, true: int, predicted: int) -> None:
        """List the images of one cell (as a click on it does)."""
        self._cell = (true, predicted)
        self.matrix.set_selected(self._cell)
        self._list_cell_images()

    def shown_indices(self) -> list[int]:
        """The test indices of the images listed, in the order listed."""
        return [self.images.item(row).data(Qt.ItemDataRole.UserRole) for row in range(self.images.count())]

    # -- slots ---------------------------------------------------------------------------------
    def _on_matrix_cell_clicked(self, true: int, predicted: int) -> None:
        self.choose_cell(true, predicted)

    # -- contents ------------------------------------------------------------------------------
    def _list_cell_images(self) -> None:
        self.images.clear()
        sample, confusion = self._sample, self._confusion
        if self._cell is None or sample is None or confusion is None:
            self.cell_label.setText(CELL_HINT)
            return
        true, predicted = self._cell
        chosen = np.flatnonzero((np.asarray(sample.labels) == true) & (np.asarray(confusion.predicted) == predicted))
        names = self._names
        images = "image" if len(chosen) == 1 else "images"
        self.cell_label.setText(f"True <b>{names[true]}</b>, predicted <b>{names[predicted]}</b>: {len(chosen):,} {images}.")
        side = self._thumbnail_side()
        self.images.setIconSize(QSize(side, side))
        self.images.setGridSize(QSize(side + 8, side + self.fontMetrics().height() + 8))
        for position in chosen:
            index = int(sample.indices[position])
            item = QListWidgetItem(QIcon(thumbnail(sample.pictures[position], side, light_on_dark=True)), f"#{index}")
            item.setData(Qt.ItemDataRole.UserRole, index)
            item.setToolTip(f"Test image #{index}: true {names[true]}, predicted {names[predicted]}")
            self.images.addItem(item)

    def _thumbnail_side(self) -> int:
        side = int(self.fontMetrics().height() * THUMBNAIL_EM)
        image_side = max(self._sample.pictures.shape[1:3]) if self._sample is not None else 0
        if 0 < image_side < side:
            side = image_side * (side // image_side)  # a whole magnification: sharp pixels
        return side
