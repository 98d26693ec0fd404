"""How large the window's text is: the application font's size when the window opened, times the
zoom (Ctrl+= / Ctrl+-), times the presentation scale while presenting; and the Esc key that always
leaves presentation mode."""

from __future__ import annotations

from collections.abc import Callable

from PyQt6.QtCore import QEvent, QObject, Qt
from PyQt6.QtGui import QFont
from PyQt6.QtWidgets import QApplication

ZOOM_LIMITS = (0.5, 3.0)
PRESENTATION_SCALE = 1.6


class ApplicationTextSize:
    def __init__(self) -> None:
        font = QApplication.font()
        self.base_point_size = font.pointSizeF() if font.pointSizeF() > 0 else 10.0
        self.zoom = 1.0

    def apply(self, zoom: float, presenting: bool) -> None:
        """Set the application font for ``zoom`` (kept within ZOOM_LIMITS) and presentation mode."""
        self.zoom = max(ZOOM_LIMITS[0], min(ZOOM_LIMITS[1], zoom))
        self._set_point_size(self.base_point_size * self.zoom * (PRESENTATION_SCALE if presenting else 1.0))

    def restore(self) -> None:
        """The font is the application's: give it back as found, for whatever window comes next."""
        self._set_point_size(self.base_point_size)

    @staticmethod
    def _set_point_size(size: float) -> None:
        font = QFont(QApplication.font())
        font.setPointSizeF(size)
        QApplication.setFont(font)


class EscapeLeavesPresentation(QObject):
    """Installed on the application while presenting: Esc leaves presentation mode before any
    shortcut is looked up. A page's own Esc (the training page's Stop) would otherwise make the
    key ambiguous, and Qt then runs neither."""

    def __init__(self, leave: Callable[[], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._leave = leave

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and event.key() == Qt.Key.Key_Escape
            and event.modifiers() == Qt.KeyboardModifier.NoModifier
        ):
            event.accept()  # claimed here, so no shortcut runs
            self._leave()
            return True
        return super().eventFilter(watched, event)
