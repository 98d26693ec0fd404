"""The model's layers as a table a class can read: type, output shape and learned numbers; a
click on a layer asks for its activations."""

from __future__ import annotations

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import QHeaderView, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from visualizer.inspection.protocol import LayerSummary
from visualizer.ui.kit.plain import wrapping_label

COLUMNS = ("Layer", "Type", "Output shape", "Learned numbers")


def shape_text(shape: tuple) -> str:
    return " × ".join("?" if size is None else str(size) for size in shape)


class ArchitectureTab(QWidget):
    layerChosen = pyqtSignal(str)  # the layer's label

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = wrapping_label("Open a model to see its layers.")
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setToolTip("Click a layer to see what it makes of the picture (One image tab)")
        self.table.cellClicked.connect(self._on_table_cell_clicked)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)

    def show_layers(self, layers: tuple[LayerSummary, ...], input_shape: tuple) -> None:
        rows = [("input", "Input", shape_text(input_shape), 0), *(
            (layer.label, layer.kind, shape_text(layer.output_shape), layer.parameters) for layer in layers
        )]
        self.table.setRowCount(len(rows))
        for row, (label, kind, shape, parameters) in enumerate(rows):
            for column, text in enumerate((label, kind, shape, f"{parameters:,}" if parameters else "–")):
                item = QTableWidgetItem(text)
                if column >= 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        total = sum(layer.parameters for layer in layers)
        self.summary.setText(f"{len(layers)} layers, {total:,} learned numbers (weights and biases).")

    def row_texts(self) -> list[list[str]]:
        table = self.table
        return [[table.item(row, column).text() for column in range(table.columnCount())]
                for row in range(table.rowCount())]

    def _on_table_cell_clicked(self, row: int, _column: int) -> None:
        if row > 0:
            self.layerChosen.emit(self.table.item(row, 0).text())
