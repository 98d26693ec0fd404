"""How GridView draws what lies on top of its cells: hatching, grid lines, window outlines, the
numbers, the weights written in a window (never over a number), rings, and the colour bar of a picture. Each function draws with
the painter it is given, in the widget's pixels, and knows nothing of the grid's data."""

from __future__ import annotations

import numpy as np
from PyQt6.QtCore import QPointF, QRectF, Qt
from PyQt6.QtGui import QBrush, QColor, QFont, QFontMetrics, QImage, QPainter, QPen, QPixmap
from pyqtgraph.functions import ndarray_to_qimage

FRAME_COLOUR = QColor(90, 90, 90)


def hatch_brush(spacing: int, cross: bool) -> QBrush:
    """A texture of diagonal lines (crossed for inserted zeros), dark enough for grayscale."""
    pixmap = QPixmap(spacing, spacing)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(QColor(60, 60, 60, 150), 1.2))
    painter.drawLine(QPointF(0, spacing), QPointF(spacing, 0))
    if cross:
        painter.drawLine(QPointF(0, 0), QPointF(spacing, spacing))
    painter.end()
    return QBrush(pixmap)


def row_runs(mask: np.ndarray) -> list[tuple[int, int, int]]:
    """(row, first column, end column) of each horizontal run of True cells."""
    runs = []
    padded = np.zeros((mask.shape[0], mask.shape[1] + 2), bool)
    padded[:, 1:-1] = mask
    edges = np.diff(padded.astype(np.int8), axis=1)
    for row in np.flatnonzero(mask.any(axis=1)):
        starts = np.flatnonzero(edges[row] == 1)
        ends = np.flatnonzero(edges[row] == -1)
        runs.extend((int(row), int(s), int(e)) for s, e in zip(starts, ends))
    return runs


def paint_hatching(painter: QPainter, origin: QPointF, cell: float, mask: np.ndarray, brush: QBrush) -> None:
    """Fill the cells of `mask` with `brush`, a run of cells in a row at a time."""
    painter.setBrushOrigin(origin)
    for row, start, end in row_runs(mask):
        painter.fillRect(QRectF(origin.x() + start * cell, origin.y() + row * cell, (end - start) * cell, cell), brush)


def paint_grid_lines(painter: QPainter, area: QRectF, rows: int, cols: int, cell: float) -> None:
    painter.setPen(QPen(QColor(255, 255, 255, 60) if cell < 14 else QColor(120, 120, 120), 1))
    for row in range(1, rows):
        y = area.top() + row * cell
        painter.drawLine(QPointF(area.left(), y), QPointF(area.right(), y))
    for col in range(1, cols):
        x = area.left() + col * cell
        painter.drawLine(QPointF(x, area.top()), QPointF(x, area.bottom()))


def paint_outline(painter: QPainter, cells: list[tuple[int, int]], rects: list[QRectF], cell: float, *, dashed: bool) -> None:
    """Outline of a set of cells (`rects` are their rectangles), white under black so it shows on
    every colour map.

    A solid block gets one rectangle; a dilated window (cells with gaps) gets each cell
    outlined and a thin frame around its whole span.
    """
    if not cells:
        return
    width = max(2.0, min(4.0, cell / 8))
    bounds = rects[0]
    for rect in rects[1:]:
        bounds = bounds.united(rect)
    rows = {r for r, _ in cells}
    cols = {c for _, c in cells}
    solid = len(set(cells)) == (max(rows) - min(rows) + 1) * (max(cols) - min(cols) + 1)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    for colour, extra in ((QColor(255, 255, 255), 2.5), (QColor(20, 20, 20), 0.0)):
        pen = QPen(colour, width + extra)
        pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
        if dashed:
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        if solid or cell < 10:
            painter.drawRect(bounds)
            continue
        for rect in rects:
            painter.drawRect(rect.adjusted(1, 1, -1, -1))
        pen.setWidthF(1.0 + extra / 2)
        painter.setPen(pen)
        painter.drawRect(bounds)


def paint_values(painter: QPainter, font: QFont, numbers: list[tuple[QRectF, str, QColor]]) -> None:
    """Each number centred in its box, in its colour."""
    painter.setFont(font)
    for box, text, colour in numbers:
        painter.setPen(colour)
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)


def place_badge(
    cell: QRectF, number: QRectF | None, text: str, font: QFont, min_px: int
) -> tuple[QRectF | None, tuple[QRectF, QFont] | None]:
    """Where a weight's badge and the cell's number go so that the badge never covers the number:
    (the number's box, the badge's box and font). The number moves to the top of its cell and the badge sits
    in the bottom-right corner under it, its font shrunk down to ``min_px`` if it must; where even
    that does not fit, the badge is left out (None) and the number stays centred: the number is what
    the class reads, and the weights are written in the kernel beside the grid too.
    ``number`` is the box the number takes centred in the cell, None for a cell without one."""
    corner = cell.adjusted(2, 2, -3, -2)
    raised = None
    if number is not None:
        raised = QRectF(number)
        raised.moveTop(corner.top())
    badge_font = QFont(font)
    for px in range(font.pixelSize(), min_px - 1, -1):
        badge_font.setPixelSize(px)
        box = QRectF(QFontMetrics(badge_font).boundingRect(text)).adjusted(-2, 0, 2, 0)
        box.moveBottomRight(corner.bottomRight())
        if box.left() < corner.left() or box.top() < corner.top():
            continue  # wider or taller than the cell
        if raised is None or not box.intersects(raised):
            return raised, (box, QFont(badge_font))
    return number, None


def paint_weights(painter: QPainter, badges: list[tuple[QRectF, str, QFont]]) -> None:
    """Each weight small in its box, on a pale yellow label."""
    for box, text, font in badges:
        painter.setFont(font)
        painter.fillRect(box, QColor(255, 244, 160, 235))
        painter.setPen(QColor(0, 0, 0))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)


def paint_rings(painter: QPainter, rects: list[QRectF], cell: float) -> None:
    inset = max(1.0, cell * 0.12)
    for colour, width in ((QColor(255, 255, 255), 4.0), (QColor(200, 0, 120), 2.0)):
        painter.setPen(QPen(colour, min(width, max(1.0, cell / 6)) if cell < 12 else width))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for rect in rects:
            painter.drawEllipse(rect.adjusted(inset, inset, -inset, -inset))


def paint_colour_bar(painter: QPainter, box: QRectF, table: np.ndarray, low: str, high: str, text: QColor) -> None:
    """The colour map `table` ((256, 3) uint8) as a bar with its end values either side, centred
    in `box`; nothing when the box is too narrow."""
    metrics = painter.fontMetrics()
    gap = metrics.horizontalAdvance(" ")
    low_width, high_width = metrics.horizontalAdvance(low), metrics.horizontalAdvance(high)
    bar_width = min(box.width() * 0.5, 8 * metrics.height(), box.width() - low_width - high_width - 4 * gap)
    if bar_width < 20:
        return
    left = (box.width() - (low_width + high_width + bar_width + 2 * gap)) / 2 + low_width + gap
    bar = QRectF(left, box.top() + box.height() * 0.3, bar_width, box.height() * 0.4)
    ramp = ndarray_to_qimage(np.ascontiguousarray(table[None, :, :]), QImage.Format.Format_RGB888)
    painter.drawImage(bar, ramp)
    painter.setPen(QPen(FRAME_COLOUR, 1))
    painter.drawRect(bar)
    painter.setPen(text)
    middle = Qt.AlignmentFlag.AlignVCenter
    painter.drawText(QRectF(left - gap - low_width, box.top(), low_width, box.height()), middle, low)
    painter.drawText(QRectF(bar.right() + gap, box.top(), high_width, box.height()), middle, high)
