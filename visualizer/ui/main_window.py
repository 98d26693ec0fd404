"""The main window: a navigation list of pages on the left, the current page on the right.

Pages are created the first time they are shown. The window's menus and keyboard shortcuts use
what the current page offers, as declared in `visualizer.ui.page_contract`: Space plays or pauses
a `Playable` page, the arrows and Home step a `Steppable` one, GIF export records an `Animatable`
one, and Open image / Draw image hand a picture to a page that `TakesInputImage`.

For a classroom the window has a presentation mode (F5): large type, full screen, and nothing on
screen but the page.
"""

from __future__ import annotations

import logging
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

from PyQt6.QtCore import QByteArray, QSettings, Qt
from PyQt6.QtGui import QAction, QCloseEvent, QKeySequence
from PyQt6.QtWidgets import (
    QApplication,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QWidget,
)

from visualizer.training.recording_file import holds_model
from visualizer.ui.kit import model_files, stored_settings
from visualizer.ui.kit.save_file import ask_save_path
from visualizer.ui.page_contract import (
    Animatable,
    HasDrawingCanvas,
    LearnedKernel,
    OffersLearnedKernels,
    OffersModels,
    OpensModels,
    OpensPages,
    Playable,
    Steppable,
    StepsThroughKernels,
    TakesInputImage,
)
from visualizer.ui.pages import PAGES, PageSpec, find_page
from visualizer.ui.quiz.menu import add_quiz_action
from visualizer.ui.shell import help_boxes
from visualizer.ui.shell.app_icon import app_icon
from visualizer.ui.shell.recent_models import RecentModels, RecentModelsMenu
from visualizer.ui.shell.text_size import ApplicationTextSize, EscapeLeavesPresentation
from visualizer.ui.shell.wheel_guard import WheelGuard

if TYPE_CHECKING:
    from visualizer.ui.kit.images import UserImage  # imported when a picture is first asked for

log = logging.getLogger(__name__)

_SPEC_ROLE = Qt.ItemDataRole.UserRole
APP_NAME = "CNN Visualizer"
MODEL_PAGE = "inspector"  # where File > Open model and dropped model files go
KERNEL_PAGE = "convolution"  # where a trained model's kernel is stepped through
ZOOM_STEP = 1.15


class MainWindow(QMainWindow):
    """``settings`` remembers the last page, window geometry, zoom, the last folder, the models
    opened and each page's own settings between runs; without it (tests, screenshots) nothing is
    read or written."""

    def __init__(self, first_page: str | None = None, settings: QSettings | None = None) -> None:
        super().__init__()
        self.setWindowTitle(APP_NAME)
        self.setWindowIcon(app_icon())
        self.setAcceptDrops(True)  # a model file dropped on the window opens in the inspector
        self.resize(1280, 720)
        self._settings = settings
        self._pages: dict[str, QWidget] = {}
        self._current_spec: PageSpec | None = None
        self._text_size = ApplicationTextSize()
        self._escape_filter = EscapeLeavesPresentation(lambda: self.set_presentation(False), self)
        self._presenting = False
        self._was_full_screen = False
        self._wheel_guard = WheelGuard(self)  # ends with the window, which removes it from the app
        QApplication.instance().installEventFilter(self._wheel_guard)

        self.navigation = QListWidget()
        self.navigation.setObjectName("navigation")
        self.navigation.setMaximumWidth(240)
        self.navigation.setToolTip("Pages: click one to open it (Ctrl+PgUp / Ctrl+PgDown)")
        self._fill_navigation()
        self.stack = QStackedWidget()

        self.splitter = QSplitter()
        self.splitter.addWidget(self.navigation)
        self.splitter.addWidget(self.stack)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setCollapsible(1, False)
        # The list only needs its longest title; every other pixel goes to the page.
        metrics = self.navigation.fontMetrics()
        longest = max(metrics.horizontalAdvance(spec.title) for spec in PAGES)
        self.splitter.setSizes([min(240, longest + 40), 1280])
        self.setCentralWidget(self.splitter)
        self._build_menus()
        self.statusBar().showMessage("Ready")

        self._restore_settings()
        self.navigation.currentItemChanged.connect(self._on_navigation_changed)
        self.show_page(self._first_page_name(first_page))

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

    def current_page_name(self) -> str | None:
        return self._current_spec.name if self._current_spec else None

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
            stored_settings.restore_page(page, spec.name, self._settings)
            self.stack.addWidget(page)
            if isinstance(page, OffersModels):
                page.inspectRequested.connect(self.inspect_model)
            if isinstance(page, OpensModels):
                page.modelOpened.connect(self.recent_menu.add)
            if isinstance(page, OffersLearnedKernels):
                page.stepThroughRequested.connect(self.step_through_kernel)
            if isinstance(page, OpensPages):
                page.pageRequested.connect(self.show_page)
        self.stack.setCurrentWidget(page)
        self._current_spec = spec
        self.setWindowTitle(f"{spec.title} — {APP_NAME}")
        self.statusBar().showMessage(spec.tip)
        self._update_page_actions()
        return page

    def _on_navigation_changed(self, item: QListWidgetItem | None, _previous) -> None:
        if item is not None and item.data(_SPEC_ROLE):
            self._ensure_page(find_page(item.data(_SPEC_ROLE)))

    def go_to_neighbour_page(self, offset: int) -> None:
        """Open the page ``offset`` places further down the navigation (wrapping round)."""
        names = [spec.name for spec in PAGES]
        current = names.index(self.current_page_name()) if self.current_page_name() in names else 0
        self.show_page(names[(current + offset) % len(names)])

    def _first_page_name(self, requested: str | None) -> str:
        if requested:
            return requested
        if self._settings is not None:
            remembered = self._settings.value("last_page", "", type=str)
            if remembered in {spec.name for spec in PAGES}:
                return remembered
        return PAGES[0].name

    # -- menus and shortcuts -------------------------------------------------------------------
    def _add_action(self, menu: QMenu, text: str, slot, shortcuts=(), tip: str = "") -> QAction:
        action = QAction(text, self)
        if isinstance(shortcuts, str):
            shortcuts = (shortcuts,)
        sequences = [QKeySequence(shortcut) for shortcut in shortcuts]
        if sequences:
            action.setShortcuts(sequences)
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
        self.open_action = self._add_action(
            file_menu, "Open image…", self._on_open_image, "Ctrl+O",
            "Use a picture file as the input of the current page",
        )
        self.draw_action = self._add_action(
            file_menu, "Draw image…", self._on_draw_image, "Ctrl+D",
            "Draw a small picture with the mouse and use it as the input of the current page",
        )
        self.open_model_action = self._add_action(
            file_menu, "Open model…", self._on_open_model, "Ctrl+Shift+O",
            "Open a trained Keras image classifier (.keras or .h5) in the model inspector",
        )
        self.recent_menu = RecentModelsMenu(RecentModels(self._settings), file_menu)
        self.recent_menu.modelChosen.connect(self.inspect_model)
        file_menu.addMenu(self.recent_menu)
        file_menu.addSeparator()
        self.save_png_action = self._add_action(
            file_menu, "Save view as PNG…", self._on_save_png, "Ctrl+S",
            "Save the current page as a PNG image",
        )
        self.export_gif_action = self._add_action(
            file_menu, "Export step-through as GIF…", self._on_export_gif, "Ctrl+E",
            "Record every step of the current page as an animated GIF",
        )
        file_menu.addSeparator()
        self._add_action(file_menu, "Quit", self.close, "Ctrl+Q", "Close the app")

        step_menu = bar.addMenu("&Step")
        self._add_action(step_menu, "Play / pause", self._on_play_pause, "Space", "Play the steps one after another, or pause")
        self._add_action(step_menu, "Step back", lambda: self._on_step(-1), "Left", "Go back one step")
        self._add_action(step_menu, "Step forward", lambda: self._on_step(1), "Right", "Go forward one step")
        self._add_action(step_menu, "Reset", self._on_reset, "Home", "Go back to the first step")

        view_menu = bar.addMenu("&View")
        self._add_action(view_menu, "Zoom in", lambda: self.zoom(ZOOM_STEP), ("Ctrl+=", "Ctrl++"), "Make all text larger")
        self._add_action(view_menu, "Zoom out", lambda: self.zoom(1 / ZOOM_STEP), "Ctrl+-", "Make all text smaller")
        self._add_action(view_menu, "Reset zoom", self.reset_zoom, "Ctrl+0", "Text back to its normal size")
        view_menu.addSeparator()
        self._add_action(
            view_menu, "Previous page", lambda: self.go_to_neighbour_page(-1), "Ctrl+PgUp", "Open the page above in the list"
        )
        self._add_action(
            view_menu, "Next page", lambda: self.go_to_neighbour_page(1), "Ctrl+PgDown", "Open the page below in the list"
        )
        view_menu.addSeparator()
        self._add_action(view_menu, "Full screen", self.toggle_full_screen, "F11", "Fill the screen with the window")
        self.presentation_action = self._add_action(
            view_menu, "Presentation mode", self.toggle_presentation, "F5",
            "Large text, full screen, only the page on screen (F5 or Esc to leave)",
        )
        self.presentation_action.setCheckable(True)
        self.quiz_action = add_quiz_action(view_menu, self._add_action)
        # Esc leaves presentation mode; enabled only then, so Esc keeps its usual meaning otherwise.
        self.leave_presentation_action = QAction("Leave presentation mode", self)
        self.leave_presentation_action.setShortcut(QKeySequence("Esc"))
        self.leave_presentation_action.setEnabled(False)
        self.leave_presentation_action.triggered.connect(lambda: self.set_presentation(False))
        self.addAction(self.leave_presentation_action)

        help_menu = bar.addMenu("&Help")
        self._add_action(help_menu, "Keyboard shortcuts", self._on_shortcuts, "F1", "List every keyboard shortcut")
        self._add_action(help_menu, "About CNN Visualizer", self._on_about, tip="Version and credits")
        for menu in (file_menu, step_menu, view_menu, help_menu):
            menu.setToolTipsVisible(True)

    def _on_play_pause(self) -> None:
        page = self.current_page()
        if isinstance(page, Playable):
            page.toggle_play()

    def _on_step(self, delta: int) -> None:
        page = self.current_page()
        if isinstance(page, Steppable):
            page.step(delta)

    def _on_reset(self) -> None:
        page = self.current_page()
        if isinstance(page, Steppable):
            page.reset()

    def _update_page_actions(self) -> None:
        self.export_gif_action.setEnabled(isinstance(self.current_page(), Animatable))

    # -- zoom and presentation -------------------------------------------------------------------
    def zoom(self, factor: float) -> None:
        self.set_zoom(self._text_size.zoom * factor)

    def reset_zoom(self) -> None:
        self.set_zoom(1.0)

    def zoom_level(self) -> float:
        return self._text_size.zoom

    def set_zoom(self, zoom: float) -> None:
        self._text_size.apply(zoom, self._presenting)

    def toggle_full_screen(self) -> None:
        self.showNormal() if self.isFullScreen() else self.showFullScreen()

    def is_presenting(self) -> bool:
        return self._presenting

    def toggle_presentation(self) -> None:
        self.set_presentation(not self._presenting)

    def set_presentation(self, on: bool) -> None:
        if on == self._presenting:
            return
        self._presenting = on
        self.presentation_action.setChecked(on)
        self.leave_presentation_action.setEnabled(on)
        self.menuBar().setVisible(not on)
        self.statusBar().setVisible(not on)
        self.navigation.setVisible(not on)
        self._text_size.apply(self._text_size.zoom, on)
        app = QApplication.instance()
        if on:
            app.installEventFilter(self._escape_filter)
            self._was_full_screen = self.isFullScreen()
            self.showFullScreen()
        else:
            app.removeEventFilter(self._escape_filter)
            if not self._was_full_screen:
                self.showNormal()

    # -- settings --------------------------------------------------------------------------------
    def _restore_settings(self) -> None:
        if self._settings is None:
            return
        geometry = self._settings.value("geometry")
        if isinstance(geometry, QByteArray):  # anything else was not written by saveGeometry
            self.restoreGeometry(geometry)
        zoom = stored_settings.read_number(self._settings, "zoom")
        if zoom is not None and zoom != 1.0:
            self.set_zoom(zoom)

    def save_settings(self) -> None:
        if self._settings is None:
            return
        if self.current_page_name():
            self._settings.setValue("last_page", self.current_page_name())
        self._settings.setValue("geometry", self.saveGeometry())
        self._settings.setValue("zoom", self._text_size.zoom)
        stored_settings.save_pages(self._pages, self._settings)
        self._settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        # Pages stop their timers and workers in their own closeEvent; one may refuse (for
        # example to ask before stopping a training run), and then the window stays open.
        for page in self._pages.values():
            if not page.close():
                event.ignore()
                return
        self.set_presentation(False)  # so the geometry saved is the normal window's
        self.save_settings()
        self._text_size.restore()
        super().closeEvent(event)

    def _last_folder(self) -> str:
        if self._settings is None:
            return ""
        return self._settings.value("last_folder", "", type=str)

    def _remember_folder(self, path: str) -> None:
        if self._settings is not None:
            self._settings.setValue("last_folder", str(Path(path).parent))

    # -- input pictures --------------------------------------------------------------------------
    def _input_page(self) -> TakesInputImage | None:
        """The current page if it takes an input picture, else None with a word in the status bar."""
        page = self.current_page()
        if isinstance(page, TakesInputImage):
            return page
        title = self._current_spec.title if self._current_spec else "current"
        self.statusBar().showMessage(
            f"The {title} page has no input picture to replace.",
            8000,
        )
        return None

    def _on_open_image(self) -> None:
        from visualizer.ui.kit import images

        page = self._input_page()
        if page is None:
            return
        opened = images.ask_for_image_file(
            self, page.input_image_mode, self._last_folder(), on_chosen=self._remember_folder
        )
        if opened is not None:
            self._give_page_image(page, opened)

    def _on_draw_image(self) -> None:
        from visualizer.ui.kit import images

        page = self._input_page()
        if page is None:
            return
        if isinstance(page, HasDrawingCanvas):
            page.show_drawing_canvas()
            return
        drawing = images.ask_for_drawing(self, page.input_image_mode)
        if drawing is not None:
            self._give_page_image(page, drawing)

    def _give_page_image(self, page: TakesInputImage, picture: UserImage) -> None:
        try:
            page.set_input_image(picture.pixels, picture.title)
        except (ValueError, TypeError) as error:  # the page explains what it cannot take
            log.exception("page refused the image %s", picture.title)
            QMessageBox.warning(self, "Cannot use this image", f"{picture.title}: {error}")
            return
        self.statusBar().showMessage(f"Input picture: {picture.title}", 5000)

    # -- models ----------------------------------------------------------------------------------
    def inspect_model(self, path: str, unsafe: bool = False, may_ask: bool = True) -> QWidget:
        """Open the model file at ``path`` in the page that opens models, and show that page; a
        run recorded in the file replays on the training page."""
        problem = model_files.show_recorded_run(self.show_page, path)
        if not holds_model(path):  # a script's run saved from the window: its model stays with the script
            page = self.show_page(model_files.RECORDING_PAGE)
            self.statusBar().showMessage(problem or (
                f"{Path(path).name} holds a recorded run without its model (a script's run saved from the "
                "Training page): it is shown there; the model stays with the script."), 15000)
            return page
        page = self.show_page(MODEL_PAGE)
        if isinstance(page, OpensModels):
            page.open_model(str(path), unsafe=unsafe, may_ask=may_ask)
        if problem:
            self.statusBar().showMessage(problem, 15000)
        return page

    def step_through_kernel(self, learned: LearnedKernel) -> None:
        """Show a trained model's kernel on its picture on the page that steps through kernels."""
        page = self.show_page(KERNEL_PAGE)
        if isinstance(page, StepsThroughKernels):
            page.show_learned_kernel(learned)

    def _on_open_model(self) -> None:
        path = model_files.ask_for_model_file(self, self._last_folder())
        if path:
            self._remember_folder(path)
            self.inspect_model(path)

    def dragEnterEvent(self, event) -> None:
        if model_files.dropped_model(event) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event) -> None:
        path = model_files.dropped_model(event)
        if path is not None:
            event.acceptProposedAction()
            self.inspect_model(path)

    # -- export ----------------------------------------------------------------------------------
    def save_screenshot(self, path: str) -> None:
        """Save the whole window as a PNG; raises ExportError with a readable message."""
        from visualizer.ui.kit.export import save_png

        save_png(self, path)

    def _default_export_path(self, suffix: str) -> str:
        name = (self.current_page_name() or "view") + suffix
        folder = self._last_folder()
        return str(Path(folder) / name) if folder else name

    def _ask_save_path(self, title: str, suffix: str, file_filter: str) -> str | None:
        path = ask_save_path(self, title, self._default_export_path(suffix), file_filter, suffix)
        if path is not None:
            self._remember_folder(path)
        return path

    def _on_save_png(self) -> None:
        from visualizer.ui.kit.export import save_view_as_png

        path = self._ask_save_path("Save view as PNG", ".png", "PNG images (*.png)")
        if path:
            self.statusBar().showMessage(save_view_as_png(self, self.current_page() or self, path), 5000)

    def _on_export_gif(self) -> None:
        from visualizer.ui.kit.export import export_steps_as_gif

        page = self.current_page()
        if isinstance(page, Animatable):
            path = self._ask_save_path("Export step-through as GIF", ".gif", "GIF animations (*.gif)")
            if path:
                self.statusBar().showMessage(export_steps_as_gif(self, page, path), 8000)

    # -- help ------------------------------------------------------------------------------------
    def shortcut_rows(self) -> list[tuple[str, str]]:
        """(keys, what they do) for every action with a shortcut, in menu order, then the current
        page's buttons that have one."""
        title = self._current_spec.title if self._current_spec else "this page"
        return help_boxes.shortcut_rows(self.actions(), self.current_page(), title)

    def _on_shortcuts(self) -> None:
        help_boxes.show_shortcuts(self, self.shortcut_rows())

    def _on_about(self) -> None:
        help_boxes.show_about(self, APP_NAME)
