from PyQt6.QtCore import QPoint, QPointF, Qt
from PyQt6.QtGui import QWheelEvent
from PyQt6.QtWidgets import QApplication, QComboBox, QDoubleSpinBox, QScrollArea, QVBoxLayout, QWidget

from visualizer.ui.shell.wheel_guard import WheelGuard


def _wheel(widget: QWidget) -> None:
    """One notch of the wheel towards the user, over the middle of ``widget``."""
    centre = QPointF(widget.rect().center())
    event = QWheelEvent(
        centre, QPointF(widget.mapToGlobal(centre.toPoint())), QPoint(0, 0), QPoint(0, -120),
        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False,
    )
    QApplication.sendEvent(widget, event)


def _scrolled_form(qtbot):
    area = QScrollArea()
    content = QWidget()
    layout = QVBoxLayout(content)
    rate = QDoubleSpinBox()
    rate.setDecimals(5)
    rate.setValue(0.001)
    rate.setSingleStep(0.0001)
    choice = QComboBox()
    choice.addItems(["first", "second", "third"])
    layout.addWidget(rate)
    layout.addWidget(choice)
    layout.addSpacing(3000)  # taller than the area: the form must be scrolled
    area.setWidget(content)
    area.resize(300, 200)
    qtbot.addWidget(area)
    area.show()
    qtbot.waitExposed(area)
    return area, rate, choice


def test_an_unfocused_spin_box_or_combo_box_scrolls_the_form_instead_of_changing(qtbot):
    guard = WheelGuard()
    QApplication.instance().installEventFilter(guard)
    try:
        area, rate, choice = _scrolled_form(qtbot)
        assert rate.focusPolicy() == Qt.FocusPolicy.StrongFocus  # the wheel never gives it the focus
        assert choice.focusPolicy() == Qt.FocusPolicy.StrongFocus
        bar = area.verticalScrollBar()

        _wheel(rate)
        _wheel(rate.lineEdit())
        _wheel(choice)
        assert rate.value() == 0.001
        assert choice.currentIndex() == 0
        assert bar.value() > 0  # the wheel moved the form instead

        area.activateWindow()
        rate.setFocus()
        qtbot.waitUntil(rate.hasFocus, timeout=2000)
        _wheel(rate)
        assert rate.value() < 0.001  # clicked into, it takes the wheel as usual
    finally:
        QApplication.instance().removeEventFilter(guard)


def test_in_the_main_window_a_page_setting_ignores_the_wheel_until_clicked(qtbot, keep):
    from PyQt6.QtWidgets import QSpinBox

    from visualizer.ui.main_window import MainWindow

    window = keep(MainWindow(first_page="convolution"))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    boxes = [box for box in window.current_page().findChildren(QSpinBox) if box.isVisible() and box.isEnabled()]
    assert boxes, "the convolution page has spin boxes"
    assert all(box.focusPolicy() == Qt.FocusPolicy.StrongFocus for box in boxes)
    box = next(box for box in boxes if box.value() < box.maximum())
    before = box.value()
    box.clearFocus()
    _wheel(box)
    _wheel(box.lineEdit())
    assert box.value() == before
