"""Fixtures shared by the UI tests."""

import gc

import pytest
from PyQt6.QtCore import QCoreApplication, QEvent
from PyQt6.QtGui import QFont
from PyQt6.QtWidgets import QApplication


@pytest.fixture
def page(qtbot, request):
    """The test module's PAGE_CLASS, shown and exposed at 1060×660, the size its tests expect."""
    page = request.module.PAGE_CLASS()
    qtbot.addWidget(page)
    page.resize(1060, 660)
    page.show()
    qtbot.waitExposed(page)
    return page


@pytest.fixture
def shown(qtbot, keep):
    """Call it with a widget class (and a size): an instance, kept until the test is over, shown
    and exposed at that size (by default 1060×660, as the `page` fixture)."""

    def show(widget_class, size=(1060, 660)):
        widget = keep(widget_class())
        qtbot.addWidget(widget)
        widget.resize(*size)
        widget.show()
        qtbot.waitExposed(widget)
        return widget

    return show


@pytest.fixture
def register_pages(monkeypatch):
    """Call it with PageSpecs to make them the app's only pages for this test: in the page
    registry and in the main window, which holds the registry's list under its own name."""
    from visualizer.ui import main_window, pages

    def register(specs) -> None:
        monkeypatch.setattr(pages, "PAGES", tuple(specs))
        monkeypatch.setattr(main_window, "PAGES", tuple(specs))

    return register


@pytest.fixture
def keep(qtbot):
    """Call it with each widget the test creates (it hands the widget back), and with a function
    to call on the widget before it closes where closing alone does not stop the widget's work:
    the widget is held until the test is over, then closed and deleted right away.

    qtbot holds widgets only weakly; a window or page (full of signal connections, so of reference
    cycles) would otherwise be deleted by a garbage collection at a random moment, possibly in the
    middle of painting one of its plots, which crashes Qt.
    """
    kept = []

    def keep_widget(widget, before_close=None):
        kept.append((widget, before_close))
        return widget

    yield keep_widget
    for widget, before_close in kept:
        if before_close is not None:
            before_close(widget)
        widget.close()
        widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    kept.clear()
    gc.collect()


@pytest.fixture
def presentation_type(qtbot):
    """Call it to switch the application's type to presentation-mode size; the size the tests
    started with comes back afterwards, whatever happened."""
    from visualizer.ui.shell.text_size import PRESENTATION_SCALE

    app = QApplication.instance()
    original = QFont(app.font())

    def enlarge() -> None:
        presenting = QFont(original)
        presenting.setPointSizeF(original.pointSizeF() * PRESENTATION_SCALE)
        app.setFont(presenting)
        qtbot.wait(10)

    yield enlarge
    app.setFont(original)
