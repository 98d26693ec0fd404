"""The mouse wheel scrolls the page, not the setting under the pointer. At 1280x720 the settings
column must be scrolled, and a spin box or list passing under the pointer would otherwise take the
wheel and change a value nobody meant to touch (a learning rate of 0.001 became 0.00001). A spin
box or combo box takes the wheel only once it has the keyboard focus (clicked or tabbed to)."""

from __future__ import annotations

from PyQt6.QtCore import QEvent, QObject, Qt
from PyQt6.QtWidgets import QAbstractScrollArea, QAbstractSpinBox, QApplication, QComboBox, QWidget

_GUARDED = (QAbstractSpinBox, QComboBox)


def _guarded_control(watched: QObject) -> QWidget | None:
    """The spin box or combo box ``watched`` is, or is the editor of (a spin box's line edit)."""
    for candidate in (watched, watched.parent() if isinstance(watched, QWidget) else None):
        if isinstance(candidate, _GUARDED):
            return candidate
    return None


def _scroll_area_around(widget: QWidget) -> QAbstractScrollArea | None:
    parent = widget.parentWidget()
    while parent is not None and not isinstance(parent, QAbstractScrollArea):
        parent = parent.parentWidget()
    return parent


class WheelGuard(QObject):
    """Installed on the application: spin boxes and combo boxes get the focus by click or Tab only
    (not by the wheel), and while unfocused their wheel events scroll the area around them."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.Polish and isinstance(watched, _GUARDED):
            watched.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        elif kind == QEvent.Type.Wheel and (control := _guarded_control(watched)) is not None and not control.hasFocus():
            area = _scroll_area_around(control)
            if area is not None:
                QApplication.sendEvent(area.verticalScrollBar(), event)
            return True
        return super().eventFilter(watched, event)
