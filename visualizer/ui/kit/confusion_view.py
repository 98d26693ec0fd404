"""ConfusionMatrixView: K x K image counts, true classes down, predictions across; click a cell.

Each cell is coloured by its share of its row (the true class), so a class with few images
reads as clearly as a large one; the count is written in the cell while cells are large enough
to hold it, and every cell has a tooltip in words whatever its size.
"""

from __future__ import annotations

import numpy as np
from PyQt6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, pyqtSignal
from PyQt6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen
from PyQt6.QtWidgets import QSizePolicy, QToolTip, QWidget

from visualizer.ui.kit import colormaps

CMAP = colormaps.SEQUENTIAL
MIN_TEXT_PX = 7  # counts and names smaller than this are not drawn
SELECTED_COLOUR = QColor("#ff8c00")
MARGIN = 4.0


class ConfusionMatrixView(QWidget):
    """Set with `set_matrix(counts, class_names)`; emits ``cellClicked(true, predicted)``."""

    cellClicked = pyqtSignal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._counts = np.zeros((0, 0), np.int64)
        self._names: tuple[str, ...] = ()
        self._colours = np.zeros((0, 0, 3), np.uint8)
        self._dark_text = np.zeros((0, 0), bool)
        self._selected: tuple[int, int] | None = None
        self.setToolTip("")

    # -- data ----------------------------------------------------------------------------------
    def set_matrix(self, counts: np.ndarray, class_names: tuple[str, ...]) -> None:
        counts = np.asarray(counts, np.int64)
        if counts.ndim != 2 or counts.shape[0] != counts.shape[1] or counts.shape[0] != len(class_names):
            raise ValueError(f"a confusion matrix for {len(class_names)} classes must be square, not {counts.shape}")
        self._counts = counts
        self._names = tuple(class_names)
        self._selected = None
        self._colours = colormaps.map_to_rgb(self.row_fractions(), CMAP, (0.0, 1.0))
        self._dark_text = colormaps.text_colour_for(self._colours)
        self.updateGeometry()
        self.update()

    def counts(self) -> np.ndarray:
        return self._counts

    def row_fractions(self) -> np.ndarray:
        """Each cell's share of its row (its true class); 0 in an empty row."""
        totals = self._counts.sum(axis=1, keepdims=True)
        return self._counts / np.maximum(totals, 1)

    def set_selected(self, cell: tuple[int, int] | None) -> None:
        """Outline one cell (the one whose images are shown), or none."""
        self._selected = cell
        self.update()

    def selected(self) -> tuple[int, int] | None:
        return self._selected

    # -- geometry ------------------------------------------------------------------------------
    def _k(self) -> int:
        return len(self._names)

    def _label_font(self, cell: float) -> QFont | None:
        """The application font, smaller when the cells are; None when names would be unreadable."""
        font = QFont(self.font())
        pixels = min(QFontMetricsF(font).height() * 0.75, cell * 0.85)
        if pixels < MIN_TEXT_PX:
            return None
        font.setPixelSize(int(pixels))
        return font

    def _name_room(self) -> float:
        """Room for the class names beside and above the cells (at the largest font they get)."""
        if not self._names:
            return 0.0
        metrics = QFontMetricsF(self.font())
        return max(metrics.horizontalAdvance(name) for name in self._names) + 2 * MARGIN

    def _title_room(self) -> float:
        return QFontMetricsF(self.font()).height() * 1.3

    def _cell_area(self) -> QRectF:
        left = top = self._title_room() + self._name_room()
        return QRectF(left, top, self.width() - left - MARGIN, self.height() - top - MARGIN)

    def cell_size(self) -> float:
        k = max(1, self._k())
        area = self._cell_area()
        size = min(area.width(), area.height()) / k
        size = min(size, QFontMetricsF(self.font()).height() * 4)
        return max(1.0, float(int(size)) if size >= 4 else size)

    def _origin(self) -> QPointF:
        """The top left of the cells: centred across the room left beside the names."""
        area = self._cell_area()
        spare = area.width() - self._k() * self.cell_size()
        return QPointF(area.left() + max(0.0, spare / 2), area.top())

    def cell_rect(self, true: int, predicted: int) -> QRectF:
        origin = self._origin()
        cell = self.cell_size()
        return QRectF(origin.x() + predicted * cell, origin.y() + true * cell, cell, cell)

    def cell_at(self, point: QPointF) -> tuple[int, int] | None:
        origin = self._origin()
        cell = self.cell_size()
        column = int(np.floor((point.x() - origin.x()) / cell))
        row = int(np.floor((point.y() - origin.y()) / cell))
        if 0 <= row < self._k() and 0 <= column < self._k():
            return row, column
        return None

    def tooltip_for(self, true: int, predicted: int) -> str:
        count = int(self._counts[true, predicted])
        share = self.row_fractions()[true, predicted]
        images = "image" if count == 1 else "images"
        return (
            f"true {self._names[true]}, predicted {self._names[predicted]}: {count} {images} "
            f"({share:.0%} of {self._names[true]})"
        )

    def sizeHint(self) -> QSize:
        side = int(self._title_room() + self._name_room() + max(1, self._k()) * 2.6 * self.fontMetrics().height())
        return QSize(side, side)

    def minimumSizeHint(self) -> QSize:
        side = int(self._title_room() + self._name_room() + 120)
        return QSize(side, side)

    # -- mouse ---------------------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:
        cell = self.cell_at(event.position()) if event.button() == Qt.MouseButton.LeftButton else None
        if cell is None:
            super().mousePressEvent(event)
            return
        self.set_selected(cell)
        self.cellClicked.emit(*cell)

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            cell = self.cell_at(QPointF(event.pos()))
            if cell is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(event.globalPos(), self.tooltip_for(*cell), self)
            return True
        return super().event(event)

    def mouseMoveEvent(self, event) -> None:
        cell = self.cell_at(event.position())
        self.setCursor(Qt.CursorShape.PointingHandCursor if cell else Qt.CursorShape.ArrowCursor)
        super().mouseMoveEvent(event)

    # -- painting ------------------------------------------------------------------------------
    def paintEvent(self, _event) -> None:
        if not self._k():
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        cell = self.cell_size()
        self._paint_cells(painter, cell)
        font = self._label_font(cell)
        if font is not None:
            self._paint_names(painter, cell, font)
        self._paint_titles(painter, cell)
        painter.end()

    def _count_pixels(self) -> float:
        """The pixel size of the counts: the largest that fits the longest count in a cell."""
        cell = self.cell_size()
        longest = len(str(int(self._counts.max()))) if self._counts.size else 1
        return min(QFontMetricsF(self.font()).height() * 0.75, cell * 0.45, cell * 0.9 / (0.62 * longest))

    def counts_shown(self) -> bool:
        """Whether the cells are large enough for their counts to be written in them."""
        return self._count_pixels() >= MIN_TEXT_PX

    def _paint_cells(self, painter: QPainter, cell: float) -> None:
        k = self._k()
        count_font = QFont(self.font())
        pixels = self._count_pixels()
        count_font.setPixelSize(max(1, int(pixels)))
        painter.setFont(count_font)
        for true in range(k):
            for predicted in range(k):
                rect = self.cell_rect(true, predicted)
                painter.fillRect(rect, QColor(*(int(c) for c in self._colours[true, predicted])))
                if pixels >= MIN_TEXT_PX:
                    painter.setPen(QColor("black") if self._dark_text[true, predicted] else QColor("white"))
                    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, str(int(self._counts[true, predicted])))
        area = QRectF(self.cell_rect(0, 0).topLeft(), self.cell_rect(k - 1, k - 1).bottomRight())
        if cell >= 6:
            painter.setPen(QPen(self.palette().window().color(), 1))
            for line in range(1, k):
                offset = line * cell
                painter.drawLine(QPointF(area.left() + offset, area.top()), QPointF(area.left() + offset, area.bottom()))
                painter.drawLine(QPointF(area.left(), area.top() + offset), QPointF(area.right(), area.top() + offset))
        if self._selected is not None:
            painter.setPen(QPen(SELECTED_COLOUR, max(2.0, cell * 0.08)))
            painter.drawRect(self.cell_rect(*self._selected).adjusted(1, 1, -1, -1))

    def _paint_names(self, painter: QPainter, cell: float, font: QFont) -> None:
        painter.setFont(font)
        painter.setPen(self.palette().windowText().color())
        room = self._name_room() - MARGIN
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        for index, name in enumerate(self._names):
            row = self.cell_rect(index, 0)
            painter.drawText(QRectF(row.left() - room - MARGIN, row.top(), room, cell), right, name)
            column = self.cell_rect(0, index)
            painter.save()  # column names read upwards, ending just above their column
            painter.translate(column.left(), column.top() - MARGIN)
            painter.rotate(-90)
            painter.drawText(QRectF(0, 0, room, cell), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, name)
            painter.restore()

    def _paint_titles(self, painter: QPainter, cell: float) -> None:
        bold = QFont(self.font())
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(self.palette().windowText().color())
        k = self._k()
        top_left = self.cell_rect(0, 0).topLeft()
        span = k * cell
        line = self._title_room()
        painter.drawText(QRectF(top_left.x(), 0, span, line), Qt.AlignmentFlag.AlignCenter, "Predicted class")
        painter.save()
        painter.translate(0, top_left.y() + span)
        painter.rotate(-90)
        painter.drawText(QRectF(0, 0, span, line), Qt.AlignmentFlag.AlignCenter, "True class")
        painter.restore()
