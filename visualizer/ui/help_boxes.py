"""The Help menu's two boxes: every keyboard shortcut that works now, and About."""

from __future__ import annotations

from collections.abc import Iterable

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QAction, QKeySequence
from PyQt6.QtWidgets import QAbstractButton, QMessageBox, QWidget

from visualizer import __version__


def shortcut_rows(actions: Iterable[QAction], page: QWidget | None, page_title: str) -> list[tuple[str, str]]:
    """(keys, what they do) for every action with a shortcut, in the order given, then the page's
    buttons that have one (the training page's Train, Pause and Stop), named with `page_title`."""
    rows = []
    for action in actions:
        keys = ", ".join(sequence.toString(QKeySequence.SequenceFormat.NativeText) for sequence in action.shortcuts())
        if keys:
            rows.append((keys, action.text().replace("&", "").rstrip("…")))
    for button in page.findChildren(QAbstractButton) if page is not None else []:
        if not button.shortcut().isEmpty():
            keys = button.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            name = button.text().strip("▶❚■ ").replace("&", "")
            rows.append((keys, f"{name} ({page_title})"))
    return rows


def show_shortcuts(parent: QWidget, rows: list[tuple[str, str]]) -> None:
    table = "".join(
        f"<tr><td style='padding-right:16px'><b>{keys}</b></td><td>{text}</td></tr>" for keys, text in rows
    )
    box = QMessageBox(parent)
    box.setWindowTitle("Keyboard shortcuts")
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setText(f"<table>{table}</table>")
    box.exec()


def show_about(parent: QWidget, app_name: str) -> None:
    QMessageBox.about(
        parent,
        f"About {app_name}",
        f"{app_name} {__version__}\n\nSee convolutional neural networks work: "
        "concept demos, live training and a model inspector.\n\n"
        "Sample photographs: scikit-image's sample data (CC0 / public domain); "
        "Fashion-MNIST: Zalando Research (MIT licence).",
    )
