"""A network drawn as a row of blocks, one per stage, each labelled with its output shape."""

from __future__ import annotations

import math
from dataclasses import dataclass

from PyQt6.QtCore import QPointF, QRectF, QSize, Qt, pyqtSignal
from PyQt6.QtGui import (
    QColor,
    QFont,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QPolygonF,
)
from PyQt6.QtWidgets import QSizePolicy, QWidget

from visualizer.ui.kit.theme import accent_text_colour, muted_text_colour

LABEL_LINES = 4  # the stage's name (up to two lines) and its shape (up to two)
SLANT = 0.6  # how far a block's top rises per pixel of depth
MIN_BLOCK_HEIGHT = 12.0
LONGEST_VECTOR = 2000  # a vector this long is drawn full height; shorter ones by the log of their length


def format_shape(shape: tuple[int, ...], separator: str = " × ") -> str:
    """(7, 7, 32) -> "7 × 7 × 32"."""
    return separator.join(str(n) for n in shape)


@dataclass(frozen=True)
class Block:
    """One stage as the diagram draws it."""

    label: str  # under the block
    heading: str  # the first line of its tooltip
    shape: tuple[int, ...]  # (rows, cols, channels) is drawn as a box, (length,) as a thin bar
    dashed: bool = False  # a light dashed outline: a stage that passes on what it gets (dropout)


class NetworkDiagram(QWidget):
    """The stages as blocks, left to right: block height follows the picture's side, block depth
    the number of channels, so the network visibly trades space for channels. Click to pick one."""

    stageClicked = pyqtSignal(int)

    ACCENT = QColor(33, 102, 172)

    def __init__(self, blocks: tuple[Block, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._blocks = tuple(blocks)
        self._current = 0
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setToolTip("Click a stage to see what it does (← → also move between stages)")

    def blocks(self) -> tuple[Block, ...]:
        return self._blocks

    def set_blocks(self, blocks: tuple[Block, ...]) -> None:
        self._blocks = tuple(blocks)
        self._current = min(self._current, len(self._blocks) - 1)
        self.update()

    def set_current(self, index: int) -> None:
        self._current = index
        self.update()

    # -- geometry ----------------------------------------------------------------------------------
    def sizeHint(self) -> QSize:
        line = self.fontMetrics().height()
        return QSize(900, int(line * (LABEL_LINES + 0.5)) + self._block_area_height())

    def minimumSizeHint(self) -> QSize:
        return QSize(400, self.sizeHint().height())

    def _block_area_height(self) -> int:
        return max(90, int(self.fontMetrics().height() * 6))

    def _slot_width(self) -> float:
        return self.width() / len(self._blocks)

    def slot_rect(self, index: int) -> QRectF:
        slot = self._slot_width()
        return QRectF(index * slot, 0, slot, self.height())

    def stage_at(self, point: QPointF) -> int | None:
        if not self.rect().contains(point.toPoint()):
            return None
        index = int(point.x() // self._slot_width())
        return index if 0 <= index < len(self._blocks) else None

    def _block_size(self, block: Block, area: float, slot: float) -> tuple[float, float]:
        """(height, depth) of a block in pixels."""
        # The deepest block's slanted top rises SLANT x its depth: leave room for it, so the
        # tallest block fits and blocks of the same side keep the same height.
        deepest = max(self._depth(b, slot) for b in self._blocks)
        full = area * 0.92 - deepest * SLANT
        if len(block.shape) == 3:
            tallest = max(b.shape[0] for b in self._blocks if len(b.shape) == 3)
            return max(full * block.shape[0] / tallest, MIN_BLOCK_HEIGHT), self._depth(block, slot)
        # vectors: a thin bar whose height grows with the log of its length
        share = min(1.0, math.log10(block.shape[0]) / math.log10(LONGEST_VECTOR))
        return max(full * share, MIN_BLOCK_HEIGHT), 0.0

    @staticmethod
    def _depth(block: Block, slot: float) -> float:
        """How deep a block is drawn: grows with the log of its channels (0 for vectors)."""
        if len(block.shape) != 3:
            return 0.0
        return min(slot * 0.35, 4 + 5 * math.log2(block.shape[2]))

    # -- mouse -------------------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        index = self.stage_at(event.position())
        if index is not None and event.button() == Qt.MouseButton.LeftButton:
            self.stageClicked.emit(index)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        index = self.stage_at(event.position())
        if index is not None:
            block = self._blocks[index]
            self.setToolTip(f"{block.heading}\nOutput: {format_shape(block.shape)}")
        self.setCursor(Qt.CursorShape.PointingHandCursor if index is not None else Qt.CursorShape.ArrowCursor)

    # -- painting ----------------------------------------------------------------------------------
    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        area = float(self._block_area_height())
        slot = self._slot_width()
        bottom = area * 0.95 + 4
        for index, block in enumerate(self._blocks):
            rect = self.slot_rect(index)
            selected = index == self._current
            if selected:
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(QColor(self.ACCENT.red(), self.ACCENT.green(), self.ACCENT.blue(), 40))
                painter.drawRoundedRect(rect.adjusted(2, 2, -2, -2), 6, 6)
            self._paint_block(painter, block, selected, rect.center().x(), bottom, area, slot)
            if index + 1 < len(self._blocks):
                self._paint_arrow(painter, rect.right() - slot * 0.12, rect.right() + slot * 0.12, bottom - area * 0.3)
            self._paint_labels(painter, block, selected, rect, bottom)
        painter.end()

    def _paint_block(
        self, painter: QPainter, block: Block, selected: bool, centre_x: float, bottom: float, area: float, slot: float
    ) -> None:
        """The block's front face, and for a 3-D block its slanted top and side."""
        height, depth = self._block_size(block, area, slot)
        width = slot * 0.22 if depth else max(6.0, slot * 0.09)
        front = QRectF(centre_x - (width + depth) / 2, bottom - height, width, height)
        fill = self.ACCENT if selected else QColor(150, 170, 195)
        if block.dashed:
            fill = fill.lighter(125)
        painter.setPen(QPen(QColor(60, 60, 60), 1))
        if depth:
            rise = QPointF(depth, -depth * SLANT)
            top = QPolygonF([front.topLeft(), front.topLeft() + rise, front.topRight() + rise, front.topRight()])
            side = QPolygonF([front.topRight(), front.topRight() + rise, front.bottomRight() + rise, front.bottomRight()])
            painter.setBrush(fill.lighter(130))
            painter.drawPolygon(top)
            painter.setBrush(fill.darker(120))
            painter.drawPolygon(side)
        painter.setBrush(fill)
        if block.dashed:
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QPen(fill.darker(140), 1.5, Qt.PenStyle.DashLine))
        painter.drawRect(front)

    def _paint_labels(self, painter: QPainter, block: Block, selected: bool, rect: QRectF, bottom: float) -> None:
        """The stage's name under its block, bold when selected, and its shape under that."""
        line = self.fontMetrics().height()
        align = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap
        painter.setPen(self.palette().windowText().color())
        font = QFont(self.font())
        font.setBold(selected)
        painter.setFont(font)
        painter.drawText(QRectF(rect.left() + 2, bottom + 6, rect.width() - 4, line * 2.2), align, block.label)
        font.setBold(False)
        painter.setFont(font)
        painter.setPen(accent_text_colour(self.ACCENT) if selected else muted_text_colour())
        shape_rect = QRectF(rect.left() + 1, bottom + 6 + line * 2.2, rect.width() - 2, line * 1.8)
        painter.drawText(shape_rect, align, format_shape(block.shape, "×"))

    @staticmethod
    def _paint_arrow(painter: QPainter, x0: float, x1: float, y: float) -> None:
        painter.setPen(QPen(QColor(110, 110, 110), 1.5))
        painter.drawLine(QPointF(x0, y), QPointF(x1 - 4, y))
        path = QPainterPath()
        path.moveTo(x1, y)
        path.lineTo(x1 - 7, y - 4)
        path.lineTo(x1 - 7, y + 4)
        path.closeSubpath()
        painter.fillPath(path, QColor(110, 110, 110))
