"""The concept pages inside the main window: listed in order, and driven by its Step menu."""

import pytest

from visualizer.ui.pages import page_names

CONCEPT_PAGES = ["convolution", "stride-padding", "pooling", "transposed"]


def test_concept_pages_come_in_the_notebook_order():
    names = page_names()
    assert names[: len(CONCEPT_PAGES)] == CONCEPT_PAGES


@pytest.mark.parametrize("name", CONCEPT_PAGES)
def test_step_menu_drives_each_page(qtbot, name):
    from visualizer.ui.main_window import MainWindow

    window = MainWindow(first_page=name)
    qtbot.addWidget(window)
    window.resize(1280, 720)
    window.show()
    page = window.current_page()
    assert page.title and page.step_count() > 1
    actions = {action.text(): action for action in window.actions()}
    page.reset()
    actions["Step forward"].trigger()
    actions["Step forward"].trigger()
    assert page.current_step() == 2
    actions["Step back"].trigger()
    assert page.current_step() == 1
    actions["Play / pause"].trigger()
    assert page.controls.is_playing()
    actions["Play / pause"].trigger()
    assert not page.controls.is_playing()
    actions["Reset"].trigger()
    assert page.current_step() == 0
    page.set_step(page.step_count() - 1)
    assert page.current_step() == page.step_count() - 1


def test_pages_follow_the_application_font(qtbot):
    from PyQt6.QtGui import QFont
    from PyQt6.QtWidgets import QApplication

    from visualizer.ui.demos.pooling import PoolingPage

    app = QApplication.instance()
    original = QFont(app.font())
    page = PoolingPage()
    qtbot.addWidget(page)
    page.resize(1060, 660)
    page.show()
    before = page.view.arithmetic.font().pointSizeF()
    try:
        bigger = QFont(original)
        bigger.setPointSizeF(original.pointSizeF() * 1.6)
        app.setFont(bigger)
        qtbot.wait(10)
        assert page.view.arithmetic.font().pointSizeF() == pytest.approx(before * 1.6)
        assert page._panel_scroll.width() <= 0.3 * page.width() + 1  # the demo keeps most of the room
    finally:
        app.setFont(original)
