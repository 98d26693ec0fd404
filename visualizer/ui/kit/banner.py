"""A message across the top of a page: red for errors, blue for news, with optional details and
up to two action buttons."""

from __future__ import annotations

from typing import ClassVar

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtGui import QFont
from PyQt6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


class Banner(QFrame):
    """A message across the top of the page: red for errors, amber for warnings, blue for news, with optional details
    (a traceback) and up to two action buttons (e.g. Resume and Discard)."""

    actionClicked = pyqtSignal()
    secondActionClicked = pyqtSignal()

    STYLES: ClassVar[dict[str, str]] = {
        "error": "background:#fde2e1; border:1px solid #d93025;",
        "info": "background:#e3f0fd; border:1px solid #1a73e8;",
        "warning": "background:#fef7e0; border:1px solid #e37400;",
    }
    # The backgrounds are light whatever the palette, so the message is dark ink on them too (a
    # dark palette would otherwise give it light text).
    INK = "black"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.kind = ""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        top = QHBoxLayout()
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        top.addWidget(self.message, 1)
        self.action = QPushButton()
        self.action.clicked.connect(self.actionClicked)
        top.addWidget(self.action)
        self.second_action = QPushButton()
        self.second_action.clicked.connect(self.secondActionClicked)
        top.addWidget(self.second_action)
        self.details_button = QPushButton("Details")
        self.details_button.setCheckable(True)
        self.details_button.setToolTip("Show the technical details (the traceback)")
        top.addWidget(self.details_button)
        close = QPushButton("✕")
        close.setFixedWidth(28)
        close.setToolTip("Hide this message")
        close.clicked.connect(self.hide)
        top.addWidget(close)
        layout.addLayout(top)
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setFont(QFont("monospace", 8))
        self.details.setMaximumHeight(160)
        self.details.hide()
        self.details_button.toggled.connect(self.details.setVisible)
        layout.addWidget(self.details)
        self.hide()

    def show_message(
        self, kind: str, text: str, details: str = "", action: str = "", second_action: str = ""
    ) -> None:
        self.kind = kind
        self.setStyleSheet(f"#banner {{{self.STYLES[kind]}}} #banner QLabel {{border:none; color:{self.INK};}}")
        self.message.setText(text)
        self.details.setPlainText(details)
        self.details_button.setVisible(bool(details))
        self.details_button.setChecked(False)
        self.action.setText(action)
        self.action.setVisible(bool(action))
        self.second_action.setText(second_action)
        self.second_action.setVisible(bool(second_action))
        self.show()
