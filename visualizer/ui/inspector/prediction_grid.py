"""PredictionGrid: the seed notebook's grid of predictions, 5 rows x 3 columns, paged and clickable.

Each cell is the notebook's `plot_image` beside its `plot_value_array`: the image, and vertical
bars for the K probabilities on a 0-1 scale, grey with the model's choice red and the true class
blue (a right answer is therefore one blue bar); under them the caption "Sneaker 97% (Sneaker)",
blue when right and red when wrong. "Mistakes only" pages through the wrong answers alone.
"""

from __future__ import annotations

import numpy as np
from PyQt6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, pyqtSignal
from PyQt6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen
from PyQt6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QSizePolicy, QToolTip, QVBoxLayout, QWidget

from visualizer.inspection.evaluation import Evaluation
from visualizer.ui.inspector.thumbnails import caption_colour, image_tooltip
from visualizer.ui.kit.plain import push_button
from visualizer.ui.kit.probability_bars import CHOSEN_COLOUR, OTHER_COLOUR, TRUE_COLOUR
from visualizer.ui.kit.thumbnails import image_to_qimage

ROWS, COLUMNS = 5, 3
PAGE_SIZE = ROWS * COLUMNS
GAP = 6.0
TICK_MIN_PX = 7  # class numbers under the bars smaller than this are left out
HOVER_COLOUR = QColor("#ff8c00")
LEGEND = (
    "As in the seed notebook: a blue caption is a right answer, a red one a wrong answer; the bars are "
    "grey, the model's choice red and the true class blue. Click an image to inspect it."
)


class PredictionCanvas(QWidget):
    """Paints up to 15 images with their bars; emits ``imageChosen(index)`` on a click."""

    imageChosen = pyqtSignal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._evaluation: Evaluation | None = None
        self._indices = np.zeros(0, np.int64)
        self._images: list = []
        self._hovered: int | None = None

    def set_images(self, evaluation: Evaluation | None, indices: np.ndarray) -> None:
        self._evaluation = evaluation
        self._indices = np.asarray(indices, np.int64)[:PAGE_SIZE]
        self._images = [image_to_qimage(evaluation.images[i], evaluation.light_on_dark) for i in self._indices] if evaluation else []
        self._hovered = None
        self.update()

    def indices(self) -> np.ndarray:
        return self._indices.copy()

    def sizeHint(self) -> QSize:
        line = self.fontMetrics().height()
        return QSize(COLUMNS * 11 * line, ROWS * 5 * line)

    def minimumSizeHint(self) -> QSize:
        line = self.fontMetrics().height()
        return QSize(COLUMNS * 6 * line, ROWS * 3 * line)

    # -- geometry ------------------------------------------------------------------------------
    def cell_rect(self, slot: int) -> QRectF:
        """Where the ``slot``-th image of the page (row by row) is drawn with its bars and caption."""
        row, column = divmod(slot, COLUMNS)
        width, height = self.width() / COLUMNS, self.height() / ROWS
        return QRectF(column * width, row * height, width, height).adjusted(GAP / 2, GAP / 2, -GAP / 2, -GAP / 2)

    def slot_at(self, point: QPointF) -> int | None:
        for slot in range(len(self._indices)):
            if self.cell_rect(slot).contains(point):
                return slot
        return None

    def _layout(self, cell: QRectF) -> tuple[QRectF, QRectF, QRectF]:
        """The image square, the bar chart beside it, and the caption line under both."""
        line = QFontMetricsF(self.font()).height() * 1.2
        side = max(4.0, min(cell.height() - line, cell.width() * 0.42))
        image = QRectF(cell.left(), cell.top(), side, side)
        bars = QRectF(image.right() + GAP, cell.top(), cell.right() - image.right() - GAP, side)
        caption = QRectF(cell.left(), cell.top() + side, cell.width(), line)
        return image, bars, caption

    # -- mouse ---------------------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:
        slot = self.slot_at(event.position()) if event.button() == Qt.MouseButton.LeftButton else None
        if slot is None:
            super().mousePressEvent(event)
            return
        self.imageChosen.emit(int(self._indices[slot]))

    def mouseMoveEvent(self, event) -> None:
        slot = self.slot_at(event.position())
        if slot != self._hovered:
            self._hovered = slot
            self.setCursor(Qt.CursorShape.PointingHandCursor if slot is not None else Qt.CursorShape.ArrowCursor)
            self.update()
        super().mouseMoveEvent(event)

    def leaveEvent(self, event) -> None:
        self._hovered = None
        self.update()
        super().leaveEvent(event)

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            slot = self.slot_at(QPointF(event.pos()))
            if slot is None or self._evaluation is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(event.globalPos(), image_tooltip(self._evaluation, int(self._indices[slot])), self)
            return True
        return super().event(event)

    # -- painting ------------------------------------------------------------------------------
    def paintEvent(self, _event) -> None:
        evaluation = self._evaluation
        if evaluation is None or not len(self._indices):
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        for slot, index in enumerate(self._indices):
            cell = self.cell_rect(slot)
            image, bars, caption = self._layout(cell)
            painter.drawImage(image, self._images[slot])
            painter.setPen(QPen(QColor("#bbbbbb"), 1))
            painter.drawRect(image)
            self._paint_bars(painter, bars, int(index))
            painter.setFont(self.font())
            painter.setPen(caption_colour(bool(evaluation.right[index]), bool(evaluation.known[index])))
            text = QFontMetricsF(self.font()).elidedText(evaluation.caption(int(index)), Qt.TextElideMode.ElideRight, caption.width())
            painter.drawText(caption, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)
            if slot == self._hovered:
                painter.setPen(QPen(HOVER_COLOUR, 2))
                painter.drawRect(cell)
        painter.end()

    def _paint_bars(self, painter: QPainter, area: QRectF, index: int) -> None:
        """The notebook's `plot_value_array`: one bar per class on a 0-1 scale, class numbers below."""
        evaluation = self._evaluation
        probabilities = evaluation.probabilities[index]
        k = len(probabilities)
        slot = area.width() / k
        tick_font = QFont(self.font())
        tick_px = min(QFontMetricsF(tick_font).height() * 0.6, slot * 0.9 / (0.62 * len(str(k - 1))), area.height() * 0.2)
        ticks = tick_px >= TICK_MIN_PX
        plot = area.adjusted(0, 0, 0, -(tick_px * 1.3 if ticks else 0))
        painter.setPen(QPen(QColor("#999999"), 1))
        painter.drawLine(plot.bottomLeft(), plot.bottomRight())
        colours = [OTHER_COLOUR] * k
        colours[int(evaluation.predictions[index])] = CHOSEN_COLOUR
        label = int(evaluation.labels[index])
        if label >= 0:
            colours[label] = TRUE_COLOUR
        for position, (value, colour) in enumerate(zip(probabilities, colours)):
            height = plot.height() * float(np.clip(value, 0.0, 1.0))
            left = area.left() + position * slot + slot * 0.15
            painter.fillRect(QRectF(left, plot.bottom() - height, slot * 0.7, height), colour)
        if ticks:
            tick_font.setPixelSize(int(tick_px))
            painter.setFont(tick_font)
            painter.setPen(self.palette().windowText().color())
            for position in range(k):
                box = QRectF(area.left() + position * slot, plot.bottom(), slot, area.bottom() - plot.bottom())
                painter.drawText(box, Qt.AlignmentFlag.AlignCenter, str(position))


class PredictionGrid(QWidget):
    """The canvas with Previous / Next and a "Mistakes only" switch; emits ``imageChosen(index)``."""

    imageChosen = pyqtSignal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._evaluation: Evaluation | None = None
        self._pool = np.zeros(0, np.int64)  # every image the pages go through
        self._page = 0
        self.canvas = PredictionCanvas()
        self.canvas.imageChosen.connect(self.imageChosen)
        self.previous_button = push_button("◀ Previous", "The previous 15 images", self._on_previous_button_clicked)
        self.next_button = push_button("Next ▶", "The next 15 images", self._on_next_button_clicked)
        self.mistakes_box = QCheckBox("Mistakes only")
        self.mistakes_box.setToolTip("Page through the images the model got wrong, and no others")
        self.mistakes_box.toggled.connect(self._on_mistakes_box_toggled)
        self.page_label = QLabel()
        controls = QHBoxLayout()
        controls.addWidget(self.previous_button)
        controls.addWidget(self.next_button)
        controls.addWidget(self.page_label, 1)
        controls.addWidget(self.mistakes_box)
        self.canvas.setToolTip(LEGEND)
        self.page_label.setToolTip(LEGEND)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(controls)
        layout.addWidget(self.canvas, 1)
        self._show_page()

    def set_evaluation(self, evaluation: Evaluation | None) -> None:
        self._evaluation = evaluation
        self._page = 0
        self._choose_pool()

    def set_mistakes_only(self, mistakes_only: bool) -> None:
        self.mistakes_box.setChecked(mistakes_only)

    def set_page(self, page: int) -> None:
        self._page = int(np.clip(page, 0, self.page_count() - 1))
        self._show_page()

    def page(self) -> int:
        return self._page

    def page_count(self) -> int:
        return max(1, -(-len(self._pool) // PAGE_SIZE))

    def shown_indices(self) -> np.ndarray:
        return self.canvas.indices()

    def _on_previous_button_clicked(self) -> None:
        self.set_page(self._page - 1)

    def _on_next_button_clicked(self) -> None:
        self.set_page(self._page + 1)

    def _on_mistakes_box_toggled(self, _checked: bool) -> None:
        self._page = 0
        self._choose_pool()

    def _choose_pool(self) -> None:
        evaluation = self._evaluation
        if evaluation is None:
            self._pool = np.zeros(0, np.int64)
        elif self.mistakes_box.isChecked():
            self._pool = evaluation.select(right=False)
        else:
            self._pool = np.arange(len(evaluation))
        self._show_page()

    def _show_page(self) -> None:
        start = self._page * PAGE_SIZE
        shown = self._pool[start : start + PAGE_SIZE]
        self.canvas.set_images(self._evaluation, shown)
        self.previous_button.setEnabled(self._page > 0)
        self.next_button.setEnabled(self._page < self.page_count() - 1)
        if self._evaluation is None:
            self.page_label.setText("No images yet.")
        elif not len(shown):
            mistakes = self.mistakes_box.isChecked()
            self.page_label.setText("No mistakes: every image with a known class is right." if mistakes else "No images.")
        else:
            what = "mistakes" if self.mistakes_box.isChecked() else "images"
            self.page_label.setText(
                f"Page {self._page + 1:,} of {self.page_count():,}: {what} {start + 1:,}–{start + len(shown):,} of {len(self._pool):,}"
            )
