"""Controls that size themselves to the narrow control column rather than to their longest item."""

from __future__ import annotations

from PyQt6.QtWidgets import QComboBox


def compact_combo(min_chars: int = 12) -> QComboBox:
    """A combo box whose width does not grow with its longest entry (the popup still shows it whole)."""
    box = QComboBox()
    box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    box.setMinimumContentsLength(min_chars)
    return box
