"""KernelEditor: a preset menu and a table of editable weights, coloured like the kernel views.

The size belongs to the page (its valid range comes from ops/shapes.py); the editor keeps the
weights, applies presets at the current size and reports every change with `kernelChanged`.
"""

from __future__ import annotations

import numpy as np
from PyQt6.QtCore import QSize, Qt, pyqtSignal
from PyQt6.QtGui import QBrush, QColor
from PyQt6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from superqt.utils import signals_blocked

from visualizer.ui.kit import colormaps, kernel_presets
from visualizer.ui.kit.compact import compact_combo
from visualizer.ui.kit.grid_view import format_value
from visualizer.ui.kit.theme import error_text_colour

# Far beyond any weight worth showing; larger ones overflow the float32 colour maps and the sums.
MAX_WEIGHT = 1e6


def parse_weight(text: str) -> float:
    """A typed weight: "0.5", "-2", "−2", "0,5" or a fraction such as "1/9"; ValueError otherwise."""
    text = text.strip().replace("−", "-").replace(",", ".")
    numerator, slash, denominator = text.partition("/")
    if slash and float(denominator) == 0:
        raise ValueError(f"{text!r} divides by zero")
    value = float(numerator) / float(denominator) if slash else float(text)
    if not np.isfinite(value):
        raise ValueError(f"{text!r} is not a finite number")
    if abs(value) > MAX_WEIGHT:
        raise ValueError(f"{text!r} is larger than {MAX_WEIGHT:,.0f}")
    return value


class KernelEditor(QWidget):
    kernelChanged = pyqtSignal()

    def __init__(self, parent: QWidget | None = None, *, preset: str = kernel_presets.IDENTITY, seed: int = 0) -> None:
        super().__init__(parent)
        self._kernel = np.zeros((3, 3))
        self._seed = seed
        self._updating = False

        self.preset_box = compact_combo()
        self.preset_box.setToolTip("Fill the kernel with a well-known filter")
        self.table = QTableWidget()
        self.table.setToolTip("The kernel's weights: double-click a cell (or start typing) to change it")
        self.table.horizontalHeader().hide()
        self.table.verticalHeader().hide()
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        for header in (self.table.horizontalHeader(), self.table.verticalHeader()):
            header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
            header.setMinimumSectionSize(1)  # the cell size is _fit_table's; large type must not widen it
        self.table.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet(f"color: {error_text_colour().name()}")
        self.message.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        # The editor's size hints (below) decide its size, not the table's fixed size of the moment.
        layout.setSizeConstraint(QVBoxLayout.SizeConstraint.SetNoConstraint)
        layout.addWidget(self.preset_box)
        layout.addWidget(self.table, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.message)

        self.preset_box.activated.connect(self._on_preset_box_activated)
        self.table.itemChanged.connect(self._on_table_item_changed)
        self._fill_presets(3, 3, preset)
        self._kernel = kernel_presets.make_kernel(self.preset(), 3, 3, self._seed)
        self._refresh_table()

    # -- public ----------------------------------------------------------------------------------
    def kernel(self) -> np.ndarray:
        return self._kernel.copy()

    def preset(self) -> str:
        return self.preset_box.currentText()

    def set_kernel_size(self, rows: int, cols: int) -> None:
        """Resize, re-making the current preset at the new size (an edited kernel keeps its corner)."""
        if (rows, cols) == self._kernel.shape:
            return
        name = self.preset()
        if name == kernel_presets.CUSTOM:
            kernel = np.zeros((rows, cols))
            r, c = min(rows, self._kernel.shape[0]), min(cols, self._kernel.shape[1])
            kernel[:r, :c] = self._kernel[:r, :c]
        else:
            if name not in kernel_presets.preset_names(rows, cols):
                name = kernel_presets.IDENTITY
            kernel = kernel_presets.make_kernel(name, rows, cols, self._seed)
        self._fill_presets(rows, cols, name)
        self._set(kernel)

    def set_preset(self, name: str) -> None:
        rows, cols = self._kernel.shape
        if name not in kernel_presets.preset_names(rows, cols):
            raise ValueError(f"No {name!r} preset for a {rows}x{cols} kernel.")
        self._seed += name == kernel_presets.RANDOM  # a new random kernel each time it is chosen
        self.preset_box.setCurrentText(name)
        self._set(kernel_presets.make_kernel(name, rows, cols, self._seed))

    def set_kernel(self, kernel: np.ndarray, preset: str = kernel_presets.CUSTOM) -> None:
        """Show given weights, named as `preset` when they came from one (else as custom)."""
        kernel = np.asarray(kernel, float)
        self._fill_presets(*kernel.shape, preset)
        self._set(kernel)

    def set_weight(self, row: int, col: int, value: float) -> None:
        """Change one weight, as typing in the table does."""
        self.table.item(row, col).setText(str(value))

    # -- internals -------------------------------------------------------------------------------
    def _fill_presets(self, rows: int, cols: int, current: str) -> None:
        names = kernel_presets.preset_names(rows, cols)
        if current not in names:
            current = kernel_presets.CUSTOM
        if current == kernel_presets.CUSTOM:
            names = names + [kernel_presets.CUSTOM]
        with signals_blocked(self.preset_box):
            self.preset_box.clear()
            for index, name in enumerate(names):
                self.preset_box.addItem(name)
                self.preset_box.setItemData(index, kernel_presets.TIPS[name], Qt.ItemDataRole.ToolTipRole)
            self.preset_box.setCurrentText(current)

    def _set(self, kernel: np.ndarray) -> None:
        self._kernel = np.asarray(kernel, float).copy()
        self.message.hide()
        self._refresh_table()
        self.kernelChanged.emit()

    def _refresh_table(self) -> None:
        rows, cols = self._kernel.shape
        self._updating = True
        self.table.setRowCount(rows)
        self.table.setColumnCount(cols)
        rgb = colormaps.map_to_rgb(self._kernel, colormaps.DIVERGING, colormaps.symmetric_levels(self._kernel))
        dark = colormaps.text_colour_for(rgb)
        for r in range(rows):
            for c in range(cols):
                item = self.table.item(r, c)
                if item is None:
                    item = QTableWidgetItem()
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                    self.table.setItem(r, c, item)
                item.setText(format_value(self._kernel[r, c]))
                item.setToolTip(f"weight at row {r}, column {c}: {self._kernel[r, c]:g}")
                item.setBackground(QBrush(QColor(*rgb[r, c])))
                item.setForeground(QBrush(QColor(0, 0, 0) if dark[r, c] else QColor(255, 255, 255)))
        self._updating = False
        self._fit_table()
        self.updateGeometry()  # the size hints follow the kernel's shape

    def _cell_sides(self) -> tuple[int, int]:
        """(roomy, tight): a cell wide enough for "-0.000", and the least that still shows a digit."""
        metrics = self.fontMetrics()
        tight = int(metrics.height() * 1.6)
        return max(metrics.horizontalAdvance("-0.000") + 10, tight), tight

    def _fit_table(self) -> None:
        # Roomy cells when there is space; narrower ones (long numbers elided, full value in the
        # tooltip) rather than pushing the window past the screen, as three 7x7 slices side by
        # side in large type would.
        roomy, tight = self._cell_sides()
        rows, cols = self._kernel.shape
        frame = 2 * self.table.frameWidth()
        room = (self.width() - frame) // cols if self.width() > 0 else roomy
        side = max(tight, min(roomy, room))
        for c in range(cols):
            self.table.setColumnWidth(c, side)
        for r in range(rows):
            self.table.setRowHeight(r, side)
        self.table.setFixedSize(cols * side + frame, rows * side + frame)

    def sizeHint(self) -> QSize:
        roomy, _ = self._cell_sides()
        return self._size_with_cells(roomy)

    def minimumSizeHint(self) -> QSize:
        _, tight = self._cell_sides()
        return self._size_with_cells(tight)

    def _size_with_cells(self, side: int) -> QSize:
        """Width for cells of ``side`` pixels; height of the table as it is now."""
        cols = self._kernel.shape[1]
        frame = 2 * self.table.frameWidth()
        spacing = self.layout().spacing()
        width = max(cols * side + frame, self.preset_box.minimumSizeHint().width())
        height = self.preset_box.sizeHint().height() + spacing + self.table.height()
        if self.message.isVisible():
            height += spacing + self.message.sizeHint().height()
        return QSize(width, height)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_table()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.FontChange:
            self._fit_table()
            self.updateGeometry()

    def _on_preset_box_activated(self, _index: int) -> None:
        name = self.preset()
        if name != kernel_presets.CUSTOM:
            self.set_preset(name)

    def _on_table_item_changed(self, item: QTableWidgetItem) -> None:
        if self._updating:
            return
        typed = item.text()
        try:
            value = parse_weight(typed)
        except ValueError:
            self._refresh_table()  # puts the old weight back in the cell
            self.message.setText(
                f"“{typed}” is not a usable weight (try 0.5, -2 or 1/9, at most "
                f"{MAX_WEIGHT:,.0f} either way); the weight was left as it was."
            )
            self.message.show()
            return
        kernel = self._kernel.copy()
        kernel[item.row(), item.column()] = value
        self._fill_presets(*kernel.shape, kernel_presets.CUSTOM)
        self._set(kernel)
