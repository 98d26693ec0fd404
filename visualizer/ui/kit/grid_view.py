"""GridView: a 2-D array drawn as coloured cells, with the marks a step-through needs.

Everything is painted in one pass: the colours go through one scaled QImage (so a 256x256 image
costs the same as a 5x5 grid), then grid lines, hatching, numbers and highlight outlines are
drawn only where the cells are large enough to show them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from PyQt6.QtCore import QPointF, QRectF, QSize, Qt, pyqtSignal
from PyQt6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter, QPen, QPixmap
from PyQt6.QtWidgets import QSizePolicy, QWidget
from pyqtgraph.functions import ndarray_to_qimage

from visualizer.ops.trace import format_number
from visualizer.ui.kit import colormaps, grid_marks

Cell = tuple[int, int]

EMPTY_COLOUR = np.array([238, 238, 238], np.uint8)  # a cell not computed yet
PADDING_TINT = np.array([200, 200, 200], float)  # padding cells are pulled towards this grey
MIN_TEXT_PX = 7  # numbers smaller than this are not drawn
GRID_LINE_MIN_CELL = 6.0  # cells smaller than this get no grid lines
HATCH_MIN_CELL = 6.0
MARK_MIN_CELL = 6.0


def format_value(value: float) -> str:
    """A cell's number as the step-through's arithmetic writes it (3 significant digits)."""
    if value == -np.inf:
        return "−∞"  # max-pooling padding: it never wins
    return format_number(value)


def _same_mask(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    if a is None or b is None:
        return a is b
    return a.shape == b.shape and np.array_equal(a, b)


def _block_average(array: np.ndarray, block_rows: int, block_cols: int) -> np.ndarray:
    """Mean of an (H, W) or (H, W, C) array over blocks, as float32; the last row and column are
    repeated to fill the blocks at the edges. Booleans become the fraction of True cells."""
    rows, cols = array.shape[:2]
    pad = ((0, -rows % block_rows), (0, -cols % block_cols)) + ((0, 0),) * (array.ndim - 2)
    padded = np.pad(array, pad, mode="edge")
    shape = (padded.shape[0] // block_rows, padded.shape[1] // block_cols) + array.shape[2:]
    total = np.zeros(shape, np.float32)
    for i in range(block_rows):  # a few strided adds beat a reduction over interleaved axes
        for j in range(block_cols):
            total += padded[i::block_rows, j::block_cols]
    total /= block_rows * block_cols
    return total


def _blend(rgb: np.ndarray, fraction: np.ndarray, weight: float, colour) -> np.ndarray:
    """Mix `colour` into `rgb` by `weight` times each pixel's `fraction` (0..1)."""
    mix = (weight * fraction)[..., None]
    return (rgb * (1.0 - mix) + mix * np.asarray(colour, np.float32)).round().astype(np.uint8)


class GridView(QWidget):
    """Cells coloured by a colour map, values printed when they fit.

    Marks, from bottom to top: padding (tinted and hatched), inserted zeros (cross-hatched),
    pending cells (not computed yet: empty, or dimmed for pictures), the hovered window (dashed),
    the current window or cell (solid outline, kernel weights written small in the corners),
    and marked cells (a ring, e.g. the winner of a max-pooling window).
    """

    cellClicked = pyqtSignal(int, int)
    cellHovered = pyqtSignal(int, int)  # (-1, -1) when the pointer leaves the grid

    def __init__(self, parent: QWidget | None = None, *, max_cell_em: float = 3.2) -> None:
        super().__init__(parent)
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._max_cell_em = max_cell_em
        self._values = np.zeros((1, 1))
        self._rgb: np.ndarray | None = None  # colours given directly (a colour photo)
        self._cmap = colormaps.SEQUENTIAL
        self._levels = (0.0, 1.0)
        self._show_values = True
        self._shaded: np.ndarray | None = None
        self._inserted: np.ndarray | None = None
        self._pending: np.ndarray | None = None
        self._pending_dim = False
        self._window: list[Cell] = []
        self._window_weights: list[str] = []
        self._hover: list[Cell] = []
        self._marks = np.zeros((0, 2), int)
        self._hovered_cell: Cell | None = None
        self._pixmap: QPixmap | None = None  # the colours scaled to the screen, reused by repaints
        self._text_cache: tuple | None = None
        self._caption = ""
        self._readout = ""
        self._coordinate_name = "cell"
        self._coordinate_origin = (0, 0)
        self._hatch = grid_marks.hatch_brush(8, cross=False)
        self._cross_hatch = grid_marks.hatch_brush(8, cross=True)

    # -- data ----------------------------------------------------------------------------------
    def set_data(
        self,
        values: np.ndarray,
        *,
        cmap: str = colormaps.SEQUENTIAL,
        levels: tuple[float, float] | None = None,
        rgb: np.ndarray | None = None,
        show_values: bool = True,
    ) -> None:
        """Show a 2-D array. `rgb` (H, W, 3 uint8) colours the cells directly, e.g. a photo."""
        values = np.asarray(values, float)
        if values.ndim != 2:
            raise ValueError(f"GridView shows 2-D arrays, not shape {values.shape}")
        levels = levels if levels is not None else colormaps.levels_for(cmap, values)
        unchanged = (
            rgb is None
            and self._rgb is None
            and (cmap, levels, show_values) == (self._cmap, self._levels, self._show_values)
            and np.array_equal(values, self._values)
        )
        if unchanged:
            return  # a page re-sending the same data must not cost a re-colouring
        resized = values.shape != self._values.shape
        self._values = values
        self._rgb = None if rgb is None else np.asarray(rgb, np.uint8)
        self._cmap = cmap
        self._levels = levels
        self._show_values = show_values
        if resized:
            self._shaded = self._inserted = self._pending = None
            self._window, self._window_weights, self._hover = [], [], []
            self._marks = np.zeros((0, 2), int)
            self.updateGeometry()
        self._invalidate()

    def set_caption(self, text: str) -> None:
        """A title drawn just above the cells, so it stays with them however the widget is sized."""
        self._caption = text
        self.update()

    def caption(self) -> str:
        return self._caption

    def set_coordinates(self, name: str, origin: tuple[int, int] = (0, 0)) -> None:
        """How the hover readout below the cells names them: `name` and where row/col 0 lies."""
        self._coordinate_name, self._coordinate_origin = name, origin

    def readout(self) -> str:
        return self._readout

    def values(self) -> np.ndarray:
        return self._values

    def levels(self) -> tuple[float, float]:
        return self._levels

    def grid_shape(self) -> tuple[int, int]:
        return self._values.shape

    def is_shaded(self, row: int, col: int) -> bool:
        return self._shaded is not None and bool(self._shaded[row, col])

    def set_shaded(self, mask: np.ndarray | None) -> None:
        """Padding cells: tinted grey and hatched."""
        mask = self._checked_mask(mask)
        if not _same_mask(mask, self._shaded):
            self._shaded = mask
            self._invalidate()

    def set_inserted(self, mask: np.ndarray | None) -> None:
        """Zeros inserted between input cells (transposed convolution): cross-hatched."""
        mask = self._checked_mask(mask)
        if not _same_mask(mask, self._inserted):
            self._inserted = mask
            self._invalidate()

    def set_pending(self, mask: np.ndarray | None, *, dim: bool = False) -> None:
        """Cells not computed yet: drawn empty, or dimmed (`dim`) so a picture stays readable."""
        mask = self._checked_mask(mask)
        if not _same_mask(mask, self._pending) or dim != self._pending_dim:
            self._pending = mask
            self._pending_dim = dim
            self._invalidate()

    def set_window(self, cells: Iterable[Cell], weights: Sequence[str] = ()) -> None:
        """The current window (or cell), outlined; `weights` are written small in its cells."""
        self._window = [tuple(c) for c in cells]
        self._window_weights = list(weights)
        self.update()

    def window(self) -> list[Cell]:
        return list(self._window)

    def hover_window(self) -> list[Cell]:
        return list(self._hover)

    def marks(self) -> list[Cell]:
        return [(int(r), int(c)) for r, c in self._marks]

    def pending(self) -> np.ndarray | None:
        return self._pending

    def set_hover_window(self, cells: Iterable[Cell]) -> None:
        self._hover = [tuple(c) for c in cells]
        self.update()

    def set_marks(self, cells) -> None:
        """Cells to ring, as (row, col) pairs or an (N, 2) integer array."""
        self._marks = np.asarray(cells, int).reshape(-1, 2)
        self.update()

    def _checked_mask(self, mask: np.ndarray | None) -> np.ndarray | None:
        if mask is None:
            return None
        mask = np.asarray(mask, bool)
        if mask.shape != self._values.shape:
            raise ValueError(f"mask shape {mask.shape} does not match the grid {self._values.shape}")
        return mask if mask.any() else None

    def _invalidate(self) -> None:
        self._pixmap = None
        self._text_cache = None
        self.update()

    # -- geometry ------------------------------------------------------------------------------
    def _em(self) -> float:
        return float(self.fontMetrics().height())

    def _text_line(self) -> float:
        return self.fontMetrics().height() * 1.3

    def _cell_area(self) -> QRectF:
        """Where the cells may go: the widget less a caption line above and a readout line below."""
        line = self._text_line()
        return QRectF(1, line, self.width() - 2, self.height() - 2 * line)

    def sizeHint(self) -> QSize:
        rows, cols = self._values.shape
        cell = min(self._max_cell_em * self._em(), 360.0 / max(rows, cols))
        return QSize(int(cols * cell) + 2, int(rows * cell + 2 * self._text_line()) + 2)

    def minimumSizeHint(self) -> QSize:
        return QSize(48, int(48 + 2 * self._text_line()))

    def cell_size(self) -> float:
        rows, cols = self._values.shape
        area = self._cell_area()
        size = min(area.width() / cols, area.height() / rows)
        size = min(size, self._max_cell_em * self._em())
        if size >= 4:
            size = float(int(size))  # whole pixels keep grid lines crisp
        return max(size, 0.01)

    def _origin(self) -> QPointF:
        rows, cols = self._values.shape
        cell = self.cell_size()
        area = self._cell_area()
        return QPointF(
            area.left() + (area.width() - cols * cell) / 2.0, area.top() + (area.height() - rows * cell) / 2.0
        )

    def cell_rect(self, row: int, col: int) -> QRectF:
        cell = self.cell_size()
        origin = self._origin()
        return QRectF(origin.x() + col * cell, origin.y() + row * cell, cell, cell)

    def cell_at(self, point: QPointF) -> Cell | None:
        cell = self.cell_size()
        origin = self._origin()
        col = int(np.floor((point.x() - origin.x()) / cell))
        row = int(np.floor((point.y() - origin.y()) / cell))
        rows, cols = self._values.shape
        if 0 <= row < rows and 0 <= col < cols:
            return row, col
        return None

    # -- mouse ---------------------------------------------------------------------------------
    def mouseMoveEvent(self, event) -> None:
        cell = self.cell_at(event.position())
        if cell != self._hovered_cell:
            self._set_hovered(cell)
        super().mouseMoveEvent(event)

    def leaveEvent(self, event) -> None:
        if self._hovered_cell is not None:
            self._set_hovered(None)
        super().leaveEvent(event)

    def _set_hovered(self, cell: Cell | None) -> None:
        self._hovered_cell = cell
        if cell is None:
            self._readout = ""
        else:
            row, col = cell
            value = format_value(float(self._values[row, col]))
            r, c = row - self._coordinate_origin[0], col - self._coordinate_origin[1]
            note = " (padding)" if self.is_shaded(row, col) else ""
            self._readout = f"{self._coordinate_name} row {r}, col {c}: {value}{note}"
        self.update()
        self.cellHovered.emit(*(cell if cell is not None else (-1, -1)))

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            cell = self.cell_at(event.position())
            if cell is not None:
                self.cellClicked.emit(*cell)
                return
        super().mousePressEvent(event)

    # -- painting ------------------------------------------------------------------------------
    def _cell_colours(
        self,
        rows: np.ndarray | None = None,
        cols: np.ndarray | None = None,
        block: tuple[int, int] | None = None,
    ) -> np.ndarray:
        """Colours of the cells, of the cells at `rows` x `cols` (one per screen pixel), or of the
        cells averaged over `block`-sized blocks, with padding tinted and pending cells emptied or
        dimmed (in proportion, over blocks)."""
        if block is not None:
            return self._block_colours(*block)

        def pick(array: np.ndarray) -> np.ndarray:
            return array if rows is None else array.take(rows, axis=0).take(cols, axis=1)

        if self._rgb is not None:
            rgb = pick(self._rgb).copy()
        else:
            rgb = colormaps.map_to_rgb(pick(self._values), self._cmap, self._levels)
        if self._shaded is not None:
            shaded = pick(self._shaded)
            rgb[shaded] = (0.45 * rgb[shaded] + 0.55 * PADDING_TINT).astype(np.uint8)
        if self._pending is not None:
            pending = pick(self._pending)
            if self._pending_dim:
                rgb[pending] = (0.3 * rgb[pending] + 0.7 * EMPTY_COLOUR).astype(np.uint8)
            else:
                rgb[pending] = EMPTY_COLOUR
        return rgb

    def _block_colours(self, block_rows: int, block_cols: int) -> np.ndarray:
        # Averaging the values before colouring costs a quarter of colouring every cell and then
        # averaging the colours, for a 515x515 grid drawn at about half size.
        if self._rgb is not None:
            rgb = _block_average(self._rgb, block_rows, block_cols).round().astype(np.uint8)
        else:
            values = _block_average(self._values, block_rows, block_cols)
            rgb = colormaps.map_to_rgb(values, self._cmap, self._levels)
        if self._shaded is not None:
            rgb = _blend(rgb, _block_average(self._shaded, block_rows, block_cols), 0.55, PADDING_TINT)
        if self._pending is not None:
            weight = 0.7 if self._pending_dim else 1.0
            rgb = _blend(rgb, _block_average(self._pending, block_rows, block_cols), weight, EMPTY_COLOUR)
        return rgb

    def _scaled_pixmap(self, area: QRectF) -> QPixmap:
        """The cell colours at display size; rebuilt only when the data or the size change.

        Near display size (or larger), the cell under each pixel is picked before colouring, so
        only as many values are coloured as there are pixels; a grid much larger than its area is
        averaged over blocks, coloured, and scaled to size smoothly.
        """
        width, height = max(1, round(area.width())), max(1, round(area.height()))
        if self._pixmap is None or (self._pixmap.width(), self._pixmap.height()) != (width, height):
            rows, cols = self._values.shape
            # Shrinking by picking one cell per pixel aliases regular patterns (the zeros a
            # transposed convolution inserts become a moire of squares): average instead.
            shrink = rows > 1.5 * height or cols > 1.5 * width
            if shrink:
                rgb = self._cell_colours(block=(-(-rows // height), -(-cols // width)))
            else:
                rgb = self._cell_colours(np.arange(height) * rows // height, np.arange(width) * cols // width)
            image = ndarray_to_qimage(np.ascontiguousarray(rgb), QImage.Format.Format_RGB888)
            if shrink:
                image = image.scaled(
                    width,
                    height,
                    Qt.AspectRatioMode.IgnoreAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            # QImage only borrows the numpy buffer; the deep copy lets the pixmap outlive it.
            self._pixmap = QPixmap.fromImage(image.copy())
        return self._pixmap

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        rows, cols = self._values.shape
        cell = self.cell_size()
        origin = self._origin()
        area = QRectF(origin.x(), origin.y(), cols * cell, rows * cell)
        painter.drawPixmap(area.topLeft(), self._scaled_pixmap(area))
        if cell >= HATCH_MIN_CELL:
            for mask, brush in ((self._shaded, self._hatch), (self._inserted, self._cross_hatch)):
                if mask is not None:
                    grid_marks.paint_hatching(painter, origin, cell, mask, brush)
        if cell >= GRID_LINE_MIN_CELL:
            grid_marks.paint_grid_lines(painter, area, rows, cols, cell)
        painter.setPen(QPen(grid_marks.FRAME_COLOUR, 1))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(area)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        grid_marks.paint_outline(painter, self._hover, self._rects(self._hover), cell, dashed=True)
        grid_marks.paint_outline(painter, self._window, self._rects(self._window), cell, dashed=False)
        self._paint_texts(painter)
        if len(self._marks) and cell >= MARK_MIN_CELL:  # rings on tiny cells would only hide the picture
            grid_marks.paint_rings(painter, self._rects(self._marks), cell)
        self._paint_labels(painter, area)
        painter.end()

    def _paint_labels(self, painter: QPainter, area: QRectF) -> None:
        line = self._text_line()
        painter.setPen(self.palette().color(self.foregroundRole()))
        if self._caption:
            font = QFont(self.font())
            font.setBold(True)
            painter.setFont(font)
            box = QRectF(0, area.top() - line, self.width(), line)
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, self._elided(self._caption, font))
        painter.setFont(self.font())
        box = QRectF(0, area.bottom(), self.width(), line)
        if self._readout:
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, self._elided(self._readout, self.font()))
        elif not self._show_values and self._rgb is None:
            self._paint_legend(painter, box)

    def _paint_legend(self, painter: QPainter, box: QRectF) -> None:
        """A colour bar with its end values, for pictures, whose cells carry no numbers."""
        low, high = (format_value(v) for v in self._levels)
        table = colormaps.lookup_table(self._cmap)
        grid_marks.paint_colour_bar(painter, box, table, low, high, self.palette().color(self.foregroundRole()))

    def _elided(self, text: str, font: QFont) -> str:
        return QFontMetrics(font).elidedText(text, Qt.TextElideMode.ElideRight, self.width() - 4)

    def _texts(self) -> tuple[list[str], np.ndarray, int]:
        """Formatted values, a dark-text flag per cell, and the font pixel size that fits them."""
        if self._text_cache is None:
            texts = [format_value(v) for v in self._values.ravel()]
            dark = colormaps.text_colour_for(self._cell_colours()).ravel()
            self._text_cache = (texts, dark, max(len(t) for t in texts))
        return self._text_cache

    def _value_font(self, cell: float, longest: int) -> QFont | None:
        """The largest font (up to the application font x1.3) whose widest value fits a cell."""
        font = QFont(self.font())
        base_px = self.fontMetrics().height() * 0.75 * 1.3
        px = min(base_px, cell * 0.42, (cell * 0.88) / (0.62 * max(longest, 1)))
        if px < MIN_TEXT_PX:
            return None
        font.setPixelSize(int(px))
        return font

    def text_layout(self) -> tuple[QFont | None, list[tuple[QRectF, str, QColor]], list[tuple[QRectF, str, QFont]]]:
        """What is written on the cells, where: the numbers' font (None when none fit), each number
        as (box, text, colour) and each weight of the current window as (box, text, font). In a
        window cell the number moves up to make room for its weight (`grid_marks.place_badge`)."""
        cell = self.cell_size()
        rows, cols = self._values.shape
        font, numbers = None, {}
        if self._show_values and rows * cols <= 2500:  # a picture's numbers would be unreadable anyway
            texts, dark, longest = self._texts()
            font = self._value_font(cell, longest)
        if font is not None:
            pending = self._pending.ravel() if self._pending is not None else None
            black, white = QColor(0, 0, 0), QColor(255, 255, 255)
            for index, text in enumerate(texts):
                if pending is None or not pending[index]:
                    row, col = divmod(index, cols)
                    numbers[row, col] = (self.cell_rect(row, col), text, black if dark[index] else white)
        badges = []
        if self._window_weights and cell >= 30:
            badge_font = QFont(self.font())
            badge_font.setPixelSize(max(MIN_TEXT_PX, int(min(cell * 0.24, self.fontMetrics().height() * 0.8))))
            badge_font.setBold(True)
            centre = Qt.AlignmentFlag.AlignCenter
            for (row, col), weight in zip(self._window, self._window_weights):
                number = numbers.get((row, col))
                box = QRectF(QFontMetrics(font).boundingRect(number[0].toRect(), centre, number[1])) if number else None
                moved, badge = grid_marks.place_badge(self.cell_rect(row, col), box, weight, badge_font, MIN_TEXT_PX)
                if number is not None:
                    numbers[row, col] = (moved, number[1], number[2])
                if badge is not None:
                    badges.append((badge[0], weight, badge[1]))
        return font, list(numbers.values()), badges

    def _paint_texts(self, painter: QPainter) -> None:
        font, numbers, badges = self.text_layout()
        if font is not None:
            grid_marks.paint_values(painter, font, numbers)
        grid_marks.paint_weights(painter, badges)

    def _rects(self, cells) -> list[QRectF]:
        return [self.cell_rect(int(row), int(col)) for row, col in cells]
