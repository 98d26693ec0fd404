"""The concept pages inside the main window: listed in order, and driven by its Step menu."""

import pytest

from visualizer.ui.pages import page_names

CONCEPT_PAGES = ["convolution", "stride-padding", "pooling", "transposed"]


def test_concept_pages_come_in_the_notebook_order():
    names = page_names()
    assert names[: len(CONCEPT_PAGES)] == CONCEPT_PAGES


@pytest.mark.parametrize("name", CONCEPT_PAGES)
def test_step_menu_drives_each_page(keep, name):
    from visualizer.ui.main_window import MainWindow

    window = keep(MainWindow(first_page=name))
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


def test_pages_follow_the_application_font(keep, presentation_type):
    from visualizer.ui.demos.pooling import PoolingPage
    from visualizer.ui.shell.text_size import PRESENTATION_SCALE

    page = keep(PoolingPage())
    page.resize(1060, 660)
    page.show()
    before = page.view.arithmetic.font().pointSizeF()
    presentation_type()
    assert page.view.arithmetic.font().pointSizeF() == pytest.approx(before * PRESENTATION_SCALE)
    assert page._panel_scroll.width() <= 0.3 * page.width() + 1  # the demo keeps most of the room


def test_pages_take_a_picture_from_the_window_menu(keep):
    import numpy as np

    from visualizer.ui.demos.convolution import DEPTH, ConvolutionPage

    page = keep(ConvolutionPage())
    assert page.input_image_mode == "gray"
    picture = np.linspace(0, 1, 12 * 10).reshape(12, 10)
    page.set_input_image(picture, "gradient.png")
    assert page.source.source_title() == "gradient.png"
    np.testing.assert_array_equal(page.view.input.values(), picture)
    assert page.current_step() == page.step_count() - 1 == 10 * 8 - 1

    page.mode_box.setCurrentText(DEPTH)
    assert page.input_image_mode == "rgb"
    page.set_input_image(np.dstack([picture] * 3), "gradient.png")
    assert page.rgb_source.image().shape == (12, 10, 3)
    with pytest.raises(ValueError, match="too small"):
        page.set_input_image(np.zeros((2, 2, 3)), "tiny.png")


@pytest.mark.parametrize("name", CONCEPT_PAGES)
def test_step_keys_still_step_after_a_spin_box_was_used(keep, qtbot, name):
    """A teacher changes the kernel size, then presses Right and Space to go on with the class."""
    from PyQt6.QtCore import Qt
    from PyQt6.QtWidgets import QApplication, QSpinBox

    from visualizer.ui.main_window import MainWindow

    window = keep(MainWindow(first_page=name))
    window.show()
    window.activateWindow()
    qtbot.waitExposed(window)
    page = window.current_page()
    box = next(box for box in page.findChildren(QSpinBox) if box.isVisible())
    box.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is box)
    page.reset()
    qtbot.keyClick(box, Qt.Key.Key_Right)
    assert page.current_step() == 1
    qtbot.keyClick(box, Qt.Key.Key_Space)
    assert page.controls.is_playing()
    qtbot.keyClick(box, Qt.Key.Key_Space)
    qtbot.keyClick(box, Qt.Key.Key_Home)
    assert page.current_step() == 0 and not page.controls.is_playing()
    before = box.value()
    qtbot.keyClick(box, Qt.Key.Key_Up)  # the box still takes its own keys
    assert box.value() == min(box.maximum(), before + box.singleStep())


@pytest.mark.parametrize("name", CONCEPT_PAGES)
def test_every_choice_of_every_combo_box_shows_whole_at_1280x720(keep, qtbot, name):
    """ "Sobel x (vertical edg", "random whole numb": a choice cut short reads as a mistake."""
    from PyQt6.QtWidgets import QComboBox, QStyle, QStyleOptionComboBox

    from visualizer.ui.main_window import MainWindow

    window = keep(MainWindow(first_page=name))
    window.resize(1280, 720)
    window.show()
    qtbot.waitExposed(window)
    page = window.current_page()
    if name == "convolution":  # the colour mode adds three kernel boxes side by side
        page.mode_box.setCurrentIndex(1)
    qtbot.wait(50)
    column = page._panel_scroll.viewport()
    boxes = [box for box in page.findChildren(QComboBox) if box.isVisible()]
    assert boxes
    for box in boxes:
        option = QStyleOptionComboBox()
        box.initStyleOption(option)
        field = box.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, option, QStyle.SubControl.SC_ComboBoxEditField, box)
        texts = [box.itemText(i) for i in range(box.count())]
        longest = max(texts, key=box.fontMetrics().horizontalAdvance)
        assert field.width() >= box.fontMetrics().horizontalAdvance(longest), f"{longest!r} is cut short"
        if column.isAncestorOf(box):  # and the box lies inside the left column, which does not scroll sideways
            assert box.mapTo(column, box.rect().topRight()).x() < column.width(), f"{box.currentText()!r} runs off the column"
