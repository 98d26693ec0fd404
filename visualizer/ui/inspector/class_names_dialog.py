"""The inspector's Class names… dialog: type or paste a model's class names, one a line or
separated by commas; the count must equal the model's outputs, and a wrong one is said in words
in the dialog, which stays open."""

from __future__ import annotations

from PyQt6.QtWidgets import QDialog, QDialogButtonBox, QPlainTextEdit, QVBoxLayout, QWidget

from visualizer.ui.inspector.class_names import parse_typed_names
from visualizer.ui.kit.plain import wrapping_label

ERROR_STYLE = "color:#c5221f;"


class ClassNamesDialog(QDialog):
    """``names()`` gives the accepted names as text ("" when the user chose to forget theirs)."""

    def __init__(self, count: int, current: tuple[str, ...], source: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Class names")
        self.count = count
        self.intro = wrapping_label(
            f"This model has <b>{count} outputs</b>. Give one name for each, in the order of its outputs: "
            f"one a line, or separated by commas. Now they come from {source}. They are kept for this model "
            "file in the app's settings."
        )
        self.editor = QPlainTextEdit("\n".join(current))
        self.editor.setToolTip("One name a line, or all on one line separated by commas")
        self.error = wrapping_label("")
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.forget_button = buttons.addButton("Forget mine", QDialogButtonBox.ButtonRole.ResetRole)
        self.forget_button.setToolTip("Go back to the names stored with the model or the test folder's")
        self.forget_button.clicked.connect(self._on_forget_button_clicked)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self._forget = False
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.editor, 1)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.resize(420, 360)

    def names(self) -> str:
        return "" if self._forget else self.editor.toPlainText()

    def accept(self) -> None:
        """Close only with names that fit the model; else say why and stay open."""
        if not self._forget:
            try:
                parse_typed_names(self.editor.toPlainText(), self.count)
            except ValueError as error:
                self.error.setText(str(error))
                self.error.show()
                return
        super().accept()

    def _on_forget_button_clicked(self) -> None:
        self._forget = True
        self.accept()
