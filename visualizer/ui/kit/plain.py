"""Plain Qt widgets made in one call, set up the way every page of ours wants them."""

from __future__ import annotations

from collections.abc import Callable

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QLabel, QPushButton, QScrollArea, QWidget


def push_button(text: str, tip: str, slot: Callable[[], object] | None = None) -> QPushButton:
    """A button that explains itself in a tooltip, as every control of ours does."""
    button = QPushButton(text)
    button.setToolTip(tip)
    if slot is not None:
        button.clicked.connect(slot)
    return button


def wrapping_label(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    return label


def scroll_area(widget: QWidget, sideways: bool = True) -> QScrollArea:
    """``widget`` in a scroll area that resizes it; ``sideways=False`` never scrolls sideways."""
    scroll = QScrollArea()
    scroll.setWidget(widget)
    scroll.setWidgetResizable(True)
    if not sideways:
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    return scroll
