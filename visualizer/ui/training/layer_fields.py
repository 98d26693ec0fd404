"""The fields of one row of the layer list, for the row chosen in the editor: a conv layer's
filters, kernel, stride, padding, dilation and activation; a pooling layer's kind, size, stride
and padding; a dropout's rate; a dense layer's units and activation. Only the fields of the row's
kind are shown. Every change is sent at once as the row's new LayerSpec (``rowEdited``).
"""

from __future__ import annotations

import dataclasses

from PyQt6.QtCore import pyqtSignal
from PyQt6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QWidget,
)
from superqt.utils import signals_blocked

from visualizer.training.layer_list import ACTIVATIONS, LayerSpec

MAX_WINDOW = 15  # kernel and pooling sides; larger windows make no sense on pictures this small
MAX_STEP = 8  # strides and dilations
KIND_TITLES = {
    "conv": "Conv2D", "pool": "Pooling", "batchnorm": "BatchNormalization", "dropout": "Dropout",
    "flatten": "Flatten", "global_pool": "Global pooling", "dense": "Dense",
}
# The fields each kind of row shows (a LayerSpec field name each).
KIND_FIELDS = {
    "conv": ("filters", "kernel", "stride", "padding", "dilation", "activation"),
    "pool": ("mode", "size", "stride", "padding"),
    "batchnorm": (),
    "dropout": ("rate",),
    "flatten": (),
    "global_pool": ("mode",),
    "dense": ("units", "activation"),
}
POOL_STRIDE_AS_SIZE = "= size"


def _spin(low: int, high: int, tip: str, special: str = "") -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(low, high)
    spin.setToolTip(tip)
    if special:
        spin.setSpecialValueText(special)
    return spin


class PairEdit(QWidget):
    """Two numbers, rows × columns (a kernel, a window, a stride). With ``none_text``, the rows'
    lowest value (0) reads as that text and means None: no pair (a pooling stride equal to its size)."""

    changed = pyqtSignal()

    def __init__(self, high: int, tip: str, none_text: str = "") -> None:
        super().__init__()
        low = 0 if none_text else 1
        self.rows = _spin(low, high, tip + " (rows)", none_text)
        self.cols = _spin(1, high, tip + " (columns)")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.rows, 1)
        layout.addWidget(QLabel("×"))
        layout.addWidget(self.cols, 1)
        for spin in (self.rows, self.cols):
            spin.valueChanged.connect(self._on_spin_changed)

    def value(self) -> tuple[int, int] | None:
        if self.rows.value() == 0:
            return None
        return (self.rows.value(), self.cols.value())

    def set_value(self, pair: tuple[int, int] | None) -> None:
        with signals_blocked(self.rows, self.cols):
            self.rows.setValue(0 if pair is None else pair[0])
            if pair is not None:
                self.cols.setValue(pair[1])
        self.cols.setEnabled(pair is not None)

    def _on_spin_changed(self, _value: int) -> None:
        self.cols.setEnabled(self.rows.value() != 0)
        self.changed.emit()


class RowFields(QWidget):
    """The chosen row's fields. ``show_row(spec)`` fills them; each edit emits ``rowEdited(spec)``."""

    rowEdited = pyqtSignal(object)  # the row's new LayerSpec

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._spec: LayerSpec | None = None
        self.title = QLabel()
        self.filters = _spin(1, 1024, "Filters: how many feature maps this layer makes (output channels)")
        self.kernel = PairEdit(MAX_WINDOW, "Kernel size: the window each filter looks at")
        self.size = PairEdit(MAX_WINDOW, "Pooling window: the cells each output cell summarises")
        self.stride = PairEdit(
            MAX_STEP, "Stride: how far the window moves each step; '= size' moves it by its own size", POOL_STRIDE_AS_SIZE
        )
        self.dilation = PairEdit(MAX_STEP, "Dilation: gaps between the kernel's cells (1: none)")
        self.padding = self._combo(("valid", "same"), "'valid': no padding, the picture shrinks; 'same': zeros "
                                   "around the picture keep its size (at stride 1)")
        self.activation = self._combo(ACTIVATIONS, "What each output goes through: relu keeps positives only")
        self.mode = self._combo(("max", "average"), "Keep the largest value of each window, or the average")
        self.rate = QDoubleSpinBox()
        self.rate.setRange(0.0, 0.95)
        self.rate.setSingleStep(0.05)
        self.rate.setDecimals(2)
        self.rate.setToolTip("The share of values set to 0 at random in each training step")
        self.units = _spin(1, 4096, "Units: how many numbers this layer outputs")
        self._editors = {
            "filters": self.filters, "kernel": self.kernel, "stride": self.stride, "padding": self.padding,
            "dilation": self.dilation, "activation": self.activation, "mode": self.mode, "size": self.size,
            "rate": self.rate, "units": self.units,
        }
        labels = {"filters": "Filters", "kernel": "Kernel", "stride": "Stride", "padding": "Padding",
                  "dilation": "Dilation", "activation": "Activation", "mode": "Kind", "size": "Window",
                  "rate": "Rate", "units": "Units"}
        self._form = QFormLayout(self)
        self._form.setContentsMargins(0, 0, 0, 0)
        self._form.addRow(self.title)
        for name in ("mode", "filters", "units", "kernel", "size", "stride", "padding", "dilation", "activation", "rate"):
            self._form.addRow(labels[name], self._editors[name])
        for spin in (self.filters, self.units, self.rate):
            spin.valueChanged.connect(self._on_field_changed)
        for pair in (self.kernel, self.size, self.stride, self.dilation):
            pair.changed.connect(self._on_field_changed)
        for combo in (self.padding, self.activation, self.mode):
            combo.currentIndexChanged.connect(self._on_field_changed)
        self.show_row(None)

    @staticmethod
    def _combo(values, tip: str) -> QComboBox:
        combo = QComboBox()
        for value in values:
            combo.addItem(value, value)
        combo.setToolTip(tip)
        return combo

    def show_row(self, spec: LayerSpec | None, number: int = 0) -> None:
        """Show ``spec``'s fields (row ``number``, from 1); None: no row chosen."""
        self._spec = spec
        shown = KIND_FIELDS[spec.kind] if spec is not None else ()
        if spec is None:
            self.title.setText("Choose a row to change its settings.")
        else:
            plain = "" if shown else ": it has no settings"
            self.title.setText(f"<b>Layer {number}: {KIND_TITLES[spec.kind]}</b>{plain}")
        for name, editor in self._editors.items():
            self._form.setRowVisible(editor, name in shown)
        if spec is None:
            return
        with signals_blocked(*(editor for editor in self._editors.values() if not isinstance(editor, PairEdit))):
            self.filters.setValue(spec.filters)
            self.units.setValue(spec.units)
            self.rate.setValue(spec.rate)
            for combo, value in ((self.padding, spec.padding), (self.activation, spec.activation), (self.mode, spec.mode)):
                combo.setCurrentIndex(max(combo.findData(value), 0))
        self.kernel.set_value(spec.kernel)
        self.size.set_value(spec.size)
        self.dilation.set_value(spec.dilation)
        # A conv layer always has a stride; a pooling layer's may be "its size" (None).
        is_pool = spec.kind == "pool"
        with signals_blocked(self.stride.rows):
            self.stride.rows.setMinimum(0 if is_pool else 1)
            self.stride.rows.setSpecialValueText(POOL_STRIDE_AS_SIZE if is_pool else "")
        self.stride.set_value(spec.stride if is_pool else (spec.stride or (1, 1)))

    def _on_field_changed(self, *_args) -> None:
        if self._spec is None:
            return
        values = {
            "filters": self.filters.value(), "units": self.units.value(), "rate": round(self.rate.value(), 2),
            "padding": self.padding.currentData(), "activation": self.activation.currentData(),
            "mode": self.mode.currentData(), "kernel": self.kernel.value(), "size": self.size.value(),
            "dilation": self.dilation.value(), "stride": self.stride.value(),
        }
        changes = {name: values[name] for name in KIND_FIELDS[self._spec.kind]}
        self._spec = dataclasses.replace(self._spec, **changes)
        self.rowEdited.emit(self._spec)
