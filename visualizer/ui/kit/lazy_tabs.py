"""Tabs drawn only when seen: a page hands over new content for all its tabs at once, but only the
tab in view is drawn now; each other tab is drawn when it is opened, once per new content. A stroke
on the drawing canvas or a training probe arrives many times a second, and only the tab in view has
to keep up with it."""

from __future__ import annotations

from collections.abc import Callable

from PyQt6.QtWidgets import QTabWidget, QWidget


class LazyTabs:
    """``draw(tab)`` draws one tab from the page's newest content; tabs registered with ``add``
    are drawn by it only when they are in view and have not been drawn since ``mark_stale``."""

    def __init__(self, tabs: QTabWidget, draw: Callable[[QWidget], None]) -> None:
        self._tabs = tabs
        self._draw = draw
        self._lazy: set[QWidget] = set()
        self._stale: set[QWidget] = set()
        tabs.currentChanged.connect(self._on_tabs_current_changed)

    def add(self, tab: QWidget) -> None:
        self._lazy.add(tab)

    def mark_stale(self, tabs: set[QWidget] | None = None) -> None:
        """New content for ``tabs`` (all lazy tabs when None): draw the one in view now."""
        self._stale = set(self._lazy if tabs is None else tabs) & self._lazy
        self.draw_visible()

    def forget(self) -> None:
        """Nothing to draw any more (the content was cleared)."""
        self._stale.clear()

    def draw_visible(self) -> None:
        tab = self._tabs.currentWidget()
        if tab in self._stale:
            self._stale.discard(tab)
            self._draw(tab)

    def _on_tabs_current_changed(self, _index: int) -> None:
        self.draw_visible()
