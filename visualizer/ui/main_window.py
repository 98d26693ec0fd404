"""The main window: a navigation list of pages on the left, the current page on the right.

Pages are created the first time they are shown. A page may offer step controls (methods
`toggle_play`, `step(delta)`, `reset`); the window's keyboard shortcuts call them when present.
"""

from __future__ import annotations

import logging
import traceback

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QAction, QFont, QKeySequence
from PyQt6.QtWidgets import (
    QApplication,
    QFileDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QWidget,
)

from visualizer import __version__
from visualizer.ui.pages import PAGES, PageSpec, find_page

log = logging.getLogger(__name__)

_SPEC_ROLE = Qt.ItemDataRole.UserRole


class MainWindow(QMainWindow):
    def __init__(self, first_page: str | None = None) -> None:
        super().__init__()
        self.setWindowTitle("CNN Visualizer")
        self.resize(1280, 720)
        self._pages: dict[str, QWidget] = {}

        self.navigation = QListWidget()
        self.navigation.setObjectName("navigation")
        self.navigation.setMaximumWidth(220)
        self._fill_navigation()
        self.stack = QStackedWidget()

        splitter = QSplitter()
        splitter.addWidget(self.navigation)
        splitter.addWidget(self.stack)
        splitter.setStretchFactor(1, 1)
        self.setCentralWidget(splitter)
        self._build_menus()
        self.statusBar().showMessage("Ready")

        self.navigation.currentItemChanged.connect(self._on_navigation_changed)
        self.show_page(first_page or PAGES[0].name)

    # -- pages -------------------------------------------------------------------------------
    def _fill_navigation(self) -> None:
        section = None
        for spec in PAGES:
            if spec.section != section:
                section = spec.section
                header = QListWidgetItem(section.upper())
                header.setFlags(Qt.ItemFlag.NoItemFlags)
                font = header.font()
                font.setBold(True)
                header.setFont(font)
                self.navigation.addItem(header)
            item = QListWidgetItem(spec.title)
            item.setData(_SPEC_ROLE, spec.name)
            item.setToolTip(spec.tip)
            self.navigation.addItem(item)

    def show_page(self, name: str) -> QWidget:
        spec = find_page(name)
        for row in range(self.navigation.count()):
            item = self.navigation.item(row)
            if item.data(_SPEC_ROLE) == name:
                self.navigation.setCurrentItem(item)
                break
        return self._ensure_page(spec)

    def current_page(self) -> QWidget | None:
        return self.stack.currentWidget()

    def _ensure_page(self, spec: PageSpec) -> QWidget:
        page = self._pages.get(spec.name)
        if page is None:
            try:
                page = spec.create()
            except Exception as error:  # a broken page must not take the app down
                log.exception("could not open page %s", spec.name)
                page = QLabel(
                    f"The {spec.title} page could not be opened:\n{error}\n\n"
                    + traceback.format_exc(limit=3)
                )
                page.setWordWrap(True)
            self._pages[spec.name] = page
            self.stack.addWidget(page)
        self.stack.setCurrentWidget(page)
        self.statusBar().showMessage(spec.tip)
        return page

    def _on_navigation_changed(self, item: QListWidgetItem | None, _previous) -> None:
        if item is not None and item.data(_SPEC_ROLE):
            self._ensure_page(find_page(item.data(_SPEC_ROLE)))

    # -- menus and shortcuts -------------------------------------------------------------------
    def _add_action(self, menu, text: str, slot, shortcut=None, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        if tip:
            action.setToolTip(tip)
            action.setStatusTip(tip)
        action.triggered.connect(slot)
        menu.addAction(action)
        self.addAction(action)  # shortcuts work even while the menu bar is hidden
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self._add_action(
            file_menu, "Save view as PNG…", self._on_save_png, "Ctrl+S", "Save the current page as a PNG image"
        )
        file_menu.addSeparator()
        self._add_action(file_menu, "Quit", self.close, QKeySequence.StandardKey.Quit)

        step_menu = bar.addMenu("&Step")
        self._add_action(step_menu, "Play / pause", lambda: self._call_page("toggle_play"), "Space")
        self._add_action(step_menu, "Step back", lambda: self._call_page("step", -1), "Left")
        self._add_action(step_menu, "Step forward", lambda: self._call_page("step", 1), "Right")
        self._add_action(step_menu, "Reset", lambda: self._call_page("reset"), "Home")

        view_menu = bar.addMenu("&View")
        self._add_action(view_menu, "Zoom in", lambda: self.zoom(1.15), "Ctrl+=")
        self._add_action(view_menu, "Zoom out", lambda: self.zoom(1 / 1.15), "Ctrl+-")
        self._add_action(view_menu, "Full screen", self.toggle_full_screen, "F11")

        help_menu = bar.addMenu("&Help")
        self._add_action(help_menu, "About CNN Visualizer", self._on_about)

    def _call_page(self, method: str, *args) -> None:
        page = self.current_page()
        handler = getattr(page, method, None)
        if callable(handler):
            handler(*args)

    def zoom(self, factor: float) -> None:
        app = QApplication.instance()
        font = QFont(app.font())
        size = font.pointSizeF() if font.pointSizeF() > 0 else 10.0
        font.setPointSizeF(max(6.0, min(48.0, size * factor)))
        app.setFont(font)

    def toggle_full_screen(self) -> None:
        self.showNormal() if self.isFullScreen() else self.showFullScreen()

    def save_screenshot(self, path: str) -> bool:
        return self.grab().save(path)

    def _on_save_png(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save view as PNG", "view.png", "PNG images (*.png)")
        if path:
            page = self.current_page() or self
            if page.grab().save(path):
                self.statusBar().showMessage(f"Saved {path}")
            else:
                QMessageBox.warning(self, "Save failed", f"Could not write {path}.")

    def _on_about(self) -> None:
        QMessageBox.about(
            self,
            "About CNN Visualizer",
            f"CNN Visualizer {__version__}\n\nSee convolutional neural networks work: "
            "concept demos, live training, and a model inspector.",
        )
