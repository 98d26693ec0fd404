"""Gallery: the test images a filter picks, as captioned thumbnails in a scrollable grid.

Filters: true class, predicted class, right / wrong / all; an order (test-set order, or by the
model's confidence); and a "most confident mistakes" preset. `show_indices` shows a given list
instead (the images of a confusion-matrix cell, say) until a filter is changed. Thumbnails are
made only for the images scrolled into view, so 10,000 images cost no more than a screenful.
"""

from __future__ import annotations

import numpy as np
from PyQt6.QtCore import QAbstractListModel, QModelIndex, QSize, Qt, pyqtSignal
from PyQt6.QtWidgets import QComboBox, QGridLayout, QHBoxLayout, QLabel, QListView, QVBoxLayout, QWidget
from superqt.utils import signals_blocked

from visualizer.inspection.evaluation import Evaluation
from visualizer.ui.inspector.thumbnails import caption_colour, image_tooltip
from visualizer.ui.kit.compact import compact_combo
from visualizer.ui.kit.plain import push_button
from visualizer.ui.kit.thumbnails import thumbnail

ALL = "All"
RIGHT_CHOICES = (("All", None), ("Right", True), ("Wrong", False))
SORT_CHOICES = (
    ("Test-set order", None),
    ("Most confident first", True),
    ("Least confident first", False),
)
THUMBNAIL_EM = 4.5  # a thumbnail's side, in lines of text
CACHE_LIMIT = 3000  # thumbnails kept; more are made again when scrolled back to


class ThumbnailModel(QAbstractListModel):
    """One row per shown image: its thumbnail, caption (coloured right / wrong) and tooltip."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._evaluation: Evaluation | None = None
        self._indices = np.zeros(0, np.int64)
        self._side = 84
        self._pixmaps: dict[int, object] = {}
        self.item_size = QSize(100, 100)

    def set_contents(self, evaluation: Evaluation | None, indices: np.ndarray, side: int) -> None:
        self.beginResetModel()
        if evaluation is not self._evaluation or side != self._side:
            self._pixmaps.clear()
        self._evaluation, self._indices, self._side = evaluation, np.asarray(indices, np.int64), side
        self.endResetModel()

    def indices(self) -> np.ndarray:
        return self._indices.copy()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._indices)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        evaluation = self._evaluation
        if evaluation is None or not index.isValid():
            return None
        image = int(self._indices[index.row()])
        if role == Qt.ItemDataRole.DisplayRole:
            name, _, truth = evaluation.caption(image).partition(" (")
            return f"{name}\n({truth}"  # two lines: the guess, then the truth in brackets
        if role == Qt.ItemDataRole.DecorationRole:
            return self._pixmap(image)
        if role == Qt.ItemDataRole.ForegroundRole:
            return caption_colour(bool(evaluation.right[image]), bool(evaluation.known[image]))
        if role == Qt.ItemDataRole.ToolTipRole:
            return image_tooltip(evaluation, image)
        if role == Qt.ItemDataRole.SizeHintRole:
            return self.item_size  # every caption fits, not only the first one's
        return None

    def _pixmap(self, image: int):
        if image not in self._pixmaps:
            if len(self._pixmaps) >= CACHE_LIMIT:
                self._pixmaps.clear()
            self._pixmaps[image] = thumbnail(self._evaluation.images[image], self._side, self._evaluation.light_on_dark)
        return self._pixmaps[image]


def _filled_combo(entries: list[tuple[str, object]], tip: str, min_chars: int = 6) -> QComboBox:
    box = compact_combo(min_chars)
    for text, value in entries:
        box.addItem(text, value)
    box.setToolTip(tip)
    return box


class Gallery(QWidget):
    """Set with `set_evaluation`; emits ``imageChosen(index)`` when a thumbnail is clicked."""

    imageChosen = pyqtSignal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._evaluation: Evaluation | None = None
        self._chosen: np.ndarray | None = None  # a list given by show_indices, until a filter changes
        self._chosen_description = ""
        self.true_box = _filled_combo([(ALL, None)], "Show only images of this true class")
        self.predicted_box = _filled_combo([(ALL, None)], "Show only images the model put in this class")
        self.right_box = _filled_combo(list(RIGHT_CHOICES), "Show the right answers, the wrong ones, or both")
        self.sort_box = _filled_combo(list(SORT_CHOICES), "The order of the images")
        self.mistakes_button = push_button(
            "Most confident mistakes",
            "The wrong answers of every class, the ones the model was surest of first",
            self._on_mistakes_button_clicked,
        )
        for box in (self.true_box, self.predicted_box, self.right_box):
            box.currentIndexChanged.connect(self._on_filter_changed)
        self.sort_box.currentIndexChanged.connect(self._on_sort_box_changed)
        self.count_label = QLabel("No images yet.")
        self.count_label.setWordWrap(True)
        self.model = ThumbnailModel(self)
        self.view = self._make_view()
        self.view.clicked.connect(self._on_view_clicked)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self._filter_rows())
        count_row = QHBoxLayout()
        count_row.addWidget(self.count_label, 1)
        count_row.addWidget(self.mistakes_button)
        layout.addLayout(count_row)
        layout.addWidget(self.view, 1)

    def _filter_rows(self) -> QGridLayout:
        """Two rows of two filters, labels beside them, columns lined up."""
        grid = QGridLayout()
        parts = (("True", self.true_box), ("Predicted", self.predicted_box), ("Answers", self.right_box), ("Order", self.sort_box))
        for position, (text, box) in enumerate(parts):
            row, column = divmod(position, 2)
            grid.addWidget(QLabel(text), row, 2 * column)
            grid.addWidget(box, row, 2 * column + 1)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        return grid

    def _make_view(self) -> QListView:
        view = QListView()
        view.setModel(self.model)
        view.setViewMode(QListView.ViewMode.IconMode)
        view.setMovement(QListView.Movement.Static)
        view.setResizeMode(QListView.ResizeMode.Adjust)
        view.setUniformItemSizes(True)
        view.setWordWrap(False)  # the caption's two lines are split by hand
        view.setSelectionMode(QListView.SelectionMode.SingleSelection)
        view.setLayoutMode(QListView.LayoutMode.Batched)
        view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        view.setToolTip("")
        return view

    # -- setters -------------------------------------------------------------------------------
    def set_evaluation(self, evaluation: Evaluation | None) -> None:
        """Show this evaluation's images, every filter back to "All", in test-set order."""
        self._evaluation = evaluation
        self._chosen = None
        names = evaluation.class_names if evaluation is not None else ()
        with signals_blocked(self.true_box, self.predicted_box, self.right_box, self.sort_box):
            for box in (self.true_box, self.predicted_box):
                box.clear()
                box.addItem(ALL, None)
                for label, name in enumerate(names):
                    box.addItem(name, label)
            self.right_box.setCurrentIndex(0)
            self.sort_box.setCurrentIndex(0)
        self._refresh()

    def set_filter(self, true: int | None = None, predicted: int | None = None, right: bool | None = None) -> None:
        """Choose the filters (None is "All"); shows what they pick."""
        with signals_blocked(self.true_box, self.predicted_box, self.right_box):
            self.true_box.setCurrentIndex(self.true_box.findData(true))
            self.predicted_box.setCurrentIndex(self.predicted_box.findData(predicted))
            self.right_box.setCurrentIndex(self.right_box.findData(right))
        self._chosen = None
        self._refresh()

    def set_sort(self, most_confident_first: bool | None) -> None:
        """None: test-set order; True / False: by confidence, most / least confident first."""
        self.sort_box.setCurrentIndex(self.sort_box.findData(most_confident_first))

    def show_indices(self, indices, description: str = "") -> None:
        """Show exactly these images (in the chosen order) until a filter is changed."""
        self._chosen = np.asarray(indices, np.int64).reshape(-1)
        self._chosen_description = description
        self._refresh()

    def shown_indices(self) -> np.ndarray:
        """The images shown, in the order shown."""
        return self.model.indices()

    def filters(self) -> tuple[int | None, int | None, bool | None]:
        return self.true_box.currentData(), self.predicted_box.currentData(), self.right_box.currentData()

    # -- slots ---------------------------------------------------------------------------------
    def _on_filter_changed(self, _index: int) -> None:
        self._chosen = None
        self._refresh()

    def _on_sort_box_changed(self, _index: int) -> None:
        self._refresh()

    def _on_mistakes_button_clicked(self) -> None:
        self.set_filter(right=False)
        self.set_sort(True)

    def _on_view_clicked(self, index: QModelIndex) -> None:
        self.imageChosen.emit(int(self.model.indices()[index.row()]))

    # -- contents ------------------------------------------------------------------------------
    def _thumbnail_side(self) -> int:
        side = int(self.fontMetrics().height() * THUMBNAIL_EM)
        if self._evaluation is not None and len(self._evaluation):
            image_side = max(self._evaluation.images.shape[1:3])
            if image_side < side:
                side = image_side * (side // image_side)  # whole magnification: sharp pixels
        return side

    def _refresh(self) -> None:
        evaluation = self._evaluation
        if evaluation is None:
            self.model.set_contents(None, np.zeros(0, np.int64), self._thumbnail_side())
            self.count_label.setText("No images yet.")
            return
        indices = self._chosen if self._chosen is not None else evaluation.select(*self.filters())
        order = self.sort_box.currentData()
        if order is not None:
            indices = evaluation.sort_by_confidence(indices, most_confident_first=order)
        side = self._thumbnail_side()
        metrics = self.fontMetrics()
        widest = max(metrics.horizontalAdvance(f"{name} 100%") for name in (*evaluation.class_names, "?"))
        self.model.item_size = QSize(max(side, widest) + 8, side + int(metrics.height() * 2.4) + 4)
        self.model.set_contents(evaluation, indices, side)
        self.view.setIconSize(QSize(side, side))
        self.view.setGridSize(self.model.item_size + QSize(8, 6))
        self._update_count(len(indices))

    def _update_count(self, shown: int) -> None:
        total = len(self._evaluation)
        images = "image" if shown == 1 else "images"
        if self._chosen is not None:
            note = self._chosen_description or "chosen"
            self.count_label.setText(f"{shown:,} {images} ({note}) of {total:,}. Change a filter to leave this choice.")
        else:
            self.count_label.setText(f"{shown:,} {images} of {total:,}." + ("" if shown else " None fits these filters."))

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.FontChange and self._evaluation is not None:
            self._refresh()  # thumbnails and captions follow presentation mode
