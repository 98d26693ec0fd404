"""Combo boxes sized on purpose: compact ones for the narrow control column, which do not grow with
their longest item, and fitting ones for names that must be read whole (layer and class names),
which grow with whatever items they are given later and are never squeezed below them."""

from __future__ import annotations

from PyQt6.QtCore import QSize
from PyQt6.QtWidgets import QComboBox


def compact_combo(min_chars: int = 12) -> QComboBox:
    """A combo box whose width does not grow with its longest entry (the popup still shows it whole)."""
    box = QComboBox()
    box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    box.setMinimumContentsLength(min_chars)
    return box


class FittingComboBox(QComboBox):
    """A combo box never narrower than its longest item, also for items added or renamed after it
    was first shown. Qt's default sizes a box once, at first show: one first shown empty or with a
    short model's layers clipped a later model's "conv2d_12" to "conv2d_". And a layout may squeeze
    a box below its contents (its minimum size hint is a few characters wide), as the Why tab's row
    cut "the predicted class (Ankle boot)": here the minimum is the contents."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()


def fitting_combo() -> QComboBox:
    return FittingComboBox()
