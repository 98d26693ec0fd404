"""A push button made in one call: every button of ours explains itself in a tooltip."""

from __future__ import annotations

from collections.abc import Callable

from PyQt6.QtWidgets import QPushButton


def push_button(text: str, tip: str, slot: Callable[[], object] | None = None) -> QPushButton:
    button = QPushButton(text)
    button.setToolTip(tip)
    if slot is not None:
        button.clicked.connect(slot)
    return button
