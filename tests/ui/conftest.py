"""Fixtures shared by the UI tests."""

import pytest
from PyQt6.QtGui import QFont
from PyQt6.QtWidgets import QApplication


@pytest.fixture
def presentation_type(qtbot):
    """Call it to switch the application's type to presentation-mode size; the size the tests
    started with comes back afterwards, whatever happened."""
    from visualizer.ui.main_window import PRESENTATION_SCALE

    app = QApplication.instance()
    original = QFont(app.font())

    def enlarge() -> None:
        presenting = QFont(original)
        presenting.setPointSizeF(original.pointSizeF() * PRESENTATION_SCALE)
        app.setFont(presenting)
        qtbot.wait(10)

    yield enlarge
    app.setFont(original)
