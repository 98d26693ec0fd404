"""The main window: pages, navigation, shortcuts, zoom, presentation mode, open/draw image, settings.

Most tests run against fake pages registered with monkeypatch, so they check the window's wiring
and not any one page. Dialogs are monkeypatched so nothing blocks.
"""

import numpy as np
import pytest
from PIL import Image
from PyQt6.QtCore import QSettings, Qt, pyqtSignal
from PyQt6.QtWidgets import QApplication, QFileDialog, QLabel, QMessageBox, QWidget

from visualizer.ui.main_window import MainWindow
from visualizer.ui.pages import PAGES, PageSpec


class FakePage(QWidget):
    """Records every call the window makes on it; it offers every part of the page contract."""

    title = "Fake steps"
    input_image_mode = "gray"

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple] = []
        self._step = 0

    def toggle_play(self):
        self.calls.append(("toggle_play",))

    def step(self, delta):
        self.calls.append(("step", delta))

    def reset(self):
        self.calls.append(("reset",))

    def step_count(self):
        return 3

    def current_step(self):
        return self._step

    def set_step(self, index):
        self._step = index

    def set_input_image(self, pixels, title):
        self.calls.append(("set_input_image", pixels.shape, title))


class PlainPage(QLabel):
    def __init__(self) -> None:
        super().__init__("a page with no steps and no input")


FAKE_PAGES = (
    PageSpec("fake", "Fake steps", "Concepts", f"{__name__}:FakePage", "A fake step-through"),
    PageSpec("plain", "Plain page", "Concepts", f"{__name__}:PlainPage", "A page without controls"),
    PageSpec("third", "Third page", "Other", f"{__name__}:PlainPage", "Another plain page"),
)


@pytest.fixture
def fake_pages(register_pages):
    register_pages(FAKE_PAGES)


@pytest.fixture
def window(qtbot, fake_pages):
    win = MainWindow(first_page="fake")
    qtbot.addWidget(win)
    win.resize(1000, 640)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    return win


def _point_size() -> float:
    return QApplication.font().pointSizeF()


# -- pages and navigation ------------------------------------------------------------------------------
@pytest.mark.parametrize("spec", PAGES, ids=lambda spec: spec.name)
def test_every_registered_page_opens_without_error(qtbot, spec):
    win = MainWindow(first_page=spec.name)
    qtbot.addWidget(win)
    page = win.current_page()
    assert page is not None
    assert "could not be opened" not in (page.text() if isinstance(page, QLabel) else "")
    assert spec.title in win.windowTitle()


def test_clicking_the_navigation_opens_the_page(qtbot, window):
    navigation = window.navigation
    row = next(r for r in range(navigation.count()) if navigation.item(r).data(Qt.ItemDataRole.UserRole) == "plain")
    rect = navigation.visualItemRect(navigation.item(row))
    qtbot.mouseClick(navigation.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert isinstance(window.current_page(), PlainPage)
    assert window.current_page_name() == "plain"
    assert window.windowTitle().startswith("Plain page")


def test_section_headers_cannot_be_selected(window):
    header = window.navigation.item(0)
    assert header.text() == "CONCEPTS"
    assert not header.flags() & Qt.ItemFlag.ItemIsSelectable


def test_pages_are_created_once(window):
    first = window.current_page()
    window.show_page("plain")
    window.show_page("fake")
    assert window.current_page() is first


def test_ctrl_page_down_and_up_move_between_pages(qtbot, window):
    qtbot.keyClick(window, Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    assert window.current_page_name() == "plain"
    qtbot.keyClick(window, Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    assert window.current_page_name() == "third"
    qtbot.keyClick(window, Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    assert window.current_page_name() == "fake"  # wraps round
    qtbot.keyClick(window, Qt.Key.Key_PageUp, Qt.KeyboardModifier.ControlModifier)
    assert window.current_page_name() == "third"


# -- shortcuts -------------------------------------------------------------------------------------------
def test_step_shortcuts_call_the_page(qtbot, window):
    page = window.current_page()
    qtbot.keyClick(window, Qt.Key.Key_Space)
    qtbot.keyClick(window, Qt.Key.Key_Right)
    qtbot.keyClick(window, Qt.Key.Key_Left)
    qtbot.keyClick(window, Qt.Key.Key_Home)
    assert page.calls == [("toggle_play",), ("step", 1), ("step", -1), ("reset",)]


def test_step_shortcuts_on_a_page_without_steps_do_nothing(qtbot, window):
    window.show_page("plain")
    qtbot.keyClick(window, Qt.Key.Key_Right)  # must not raise
    assert window.current_page_name() == "plain"


def test_gif_export_is_enabled_only_on_step_through_pages(window):
    assert window.export_gif_action.isEnabled()
    window.show_page("plain")
    assert not window.export_gif_action.isEnabled()


def test_shortcut_list_names_the_classroom_keys(window):
    keys = " | ".join(f"{k}: {t}" for k, t in window.shortcut_rows())
    for expected in ("F5", "F11", "Ctrl+O", "Ctrl+E", "Space", "Ctrl+0", "Ctrl+Q"):
        assert expected in keys


def test_shortcut_list_includes_the_page_buttons_own_keys(window):
    from PyQt6.QtGui import QKeySequence
    from PyQt6.QtWidgets import QPushButton

    train = QPushButton("▶ Train", window.current_page())
    train.setShortcut(QKeySequence("Ctrl+Return"))
    assert ("Ctrl+Return", "Train (Fake steps)") in window.shortcut_rows()


# -- zoom and presentation --------------------------------------------------------------------------------
def test_zoom_changes_the_application_font(qtbot, window):
    base = _point_size()
    qtbot.keyClick(window, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert _point_size() == pytest.approx(base * 1.15, rel=0.01)
    qtbot.keyClick(window, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(window, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert _point_size() == pytest.approx(base / 1.15, rel=0.01)
    qtbot.keyClick(window, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert _point_size() == pytest.approx(base, rel=0.01)


def test_zoom_has_limits(window):
    for _ in range(30):
        window.zoom(1.15)
    assert window.zoom_level() == pytest.approx(3.0)


def test_closing_the_window_gives_the_font_back(qtbot, fake_pages):
    base = _point_size()
    win = MainWindow()
    qtbot.addWidget(win)
    win.set_zoom(2.0)
    assert _point_size() == pytest.approx(2 * base, rel=0.01)
    win.close()
    assert _point_size() == pytest.approx(base, rel=0.01)


def test_presentation_mode_hides_and_restores_the_chrome(qtbot, window):
    base = _point_size()
    qtbot.keyClick(window, Qt.Key.Key_F5)
    assert window.is_presenting()
    assert not window.menuBar().isVisible()
    assert not window.statusBar().isVisible()
    assert not window.navigation.isVisible()
    assert _point_size() == pytest.approx(base * 1.6, rel=0.01)
    assert window.isFullScreen()
    # still navigable
    qtbot.keyClick(window, Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    assert window.current_page_name() == "plain"
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert not window.is_presenting()
    assert window.menuBar().isVisible() and window.statusBar().isVisible() and window.navigation.isVisible()
    assert _point_size() == pytest.approx(base, rel=0.01)
    assert not window.isFullScreen()


def test_esc_leaves_presentation_mode_even_when_the_page_has_its_own_esc(qtbot, window):
    """The training page's Stop button also answers Esc; two shortcuts on one key run neither."""
    from PyQt6.QtGui import QKeySequence
    from PyQt6.QtWidgets import QPushButton

    stop = QPushButton("Stop", window.current_page())
    stop.setShortcut(QKeySequence("Esc"))
    stop.show()
    stopped = []
    stop.clicked.connect(lambda: stopped.append(True))
    qtbot.keyClick(window, Qt.Key.Key_F5)
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert not window.is_presenting()
    qtbot.wait(300)  # a button's shortcut clicks it after a short animation
    assert not stopped, "leaving presentation mode must not also stop a training run"
    qtbot.keyClick(window, Qt.Key.Key_Escape)  # outside presentation mode Esc is the page's
    qtbot.waitUntil(lambda: bool(stopped), timeout=1000)


def test_f5_also_leaves_presentation_mode(qtbot, window):
    qtbot.keyClick(window, Qt.Key.Key_F5)
    qtbot.keyClick(window, Qt.Key.Key_F5)
    assert not window.is_presenting() and window.menuBar().isVisible()


# -- input pictures --------------------------------------------------------------------------------------
@pytest.fixture
def warnings(monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: shown.append((title, text)))
    return shown


def _choose_file(monkeypatch, path):
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))


def test_open_image_passes_the_array_to_the_page(window, monkeypatch, warnings, tmp_path):
    path = tmp_path / "shirt.png"
    Image.fromarray(np.full((40, 30), 128, np.uint8)).save(path)
    _choose_file(monkeypatch, path)
    window.open_action.trigger()
    assert window.current_page().calls == [("set_input_image", (40, 30), "shirt.png")]
    assert warnings == []


def test_open_image_shows_a_wait_cursor_while_reading_and_none_after(window, monkeypatch, warnings, tmp_path):
    from visualizer.ui.kit import images

    cursors = []
    real_load = images.load_image_file

    def load(*args, **kwargs):
        cursor = QApplication.overrideCursor()
        cursors.append(cursor.shape() if cursor is not None else None)
        return real_load(*args, **kwargs)

    monkeypatch.setattr(images, "load_image_file", load)
    for name, content in (("shirt.png", None), ("broken.png", b"not a picture")):
        path = tmp_path / name
        if content is None:
            Image.fromarray(np.full((40, 30), 128, np.uint8)).save(path)
        else:
            path.write_bytes(content)
        _choose_file(monkeypatch, path)
        window.open_action.trigger()
        assert QApplication.overrideCursor() is None, "the wait cursor is taken back, error or not"
    assert cursors == [Qt.CursorShape.WaitCursor] * 2


def test_open_image_with_a_bad_file_shows_a_message_and_carries_on(window, monkeypatch, warnings, tmp_path):
    path = tmp_path / "broken.png"
    path.write_bytes(b"not a picture at all")
    _choose_file(monkeypatch, path)
    window.open_action.trigger()
    assert len(warnings) == 1
    assert "broken.png" in warnings[0][1]
    assert window.current_page().calls == []
    assert window.isVisible()
    window.show_page("plain")  # the app is still usable
    assert window.current_page_name() == "plain"


@pytest.mark.parametrize("name, reason", [("cut.png", "truncated"), ("tiny.png", "too small")])
def test_open_image_with_a_truncated_or_tiny_png_says_why_and_keeps_the_picture(
    window, monkeypatch, warnings, tmp_path, name, reason
):
    whole = tmp_path / "whole.png"
    Image.fromarray(np.random.default_rng(2).integers(0, 255, (64, 64), dtype=np.uint8)).save(whole)
    path = tmp_path / name
    if name == "cut.png":
        path.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    else:
        Image.fromarray(np.zeros((2, 40), np.uint8)).save(path)
    _choose_file(monkeypatch, path)
    window.open_action.trigger()
    assert len(warnings) == 1
    assert name in warnings[0][1] and reason in warnings[0][1]
    assert window.current_page().calls == []


def test_open_image_on_a_page_without_input_says_so(window, monkeypatch, warnings):
    window.show_page("plain")
    asked = []
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: asked.append(1) or ("", ""))
    window.open_action.trigger()
    assert asked == [] and warnings == []
    assert "no input picture" in window.statusBar().currentMessage()


def test_cancelling_the_file_dialog_changes_nothing(window, monkeypatch, warnings):
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: ("", ""))
    window.open_action.trigger()
    assert window.current_page().calls == [] and warnings == []


def test_draw_image_passes_the_drawing(window, monkeypatch):
    from visualizer.ui.kit import images

    monkeypatch.setattr(images.DrawDialog, "get_image", classmethod(lambda cls, parent=None, size=28: np.ones((28, 28))))
    window.draw_action.trigger()
    assert window.current_page().calls == [("set_input_image", (28, 28), "Your drawing")]


class DrawingPage(FakePage):
    """A page with a drawing canvas of its own, as the inspector has."""

    def show_drawing_canvas(self):
        self.calls.append(("show_drawing_canvas",))


def test_draw_image_on_a_page_with_its_own_canvas_shows_that_canvas(qtbot, register_pages, monkeypatch):
    from visualizer.ui.kit import images

    register_pages((PageSpec("drawing", "Drawing page", "Models", f"{__name__}:DrawingPage", "A page that draws"),))
    monkeypatch.setattr(images.DrawDialog, "get_image", classmethod(lambda *args, **kwargs: pytest.fail("the 28x28 dialog")))
    win = MainWindow(first_page="drawing")
    qtbot.addWidget(win)
    win.draw_action.trigger()
    assert win.current_page().calls == [("show_drawing_canvas",)]


def test_draw_image_on_the_inspector_goes_to_its_canvas_of_the_networks_size(qtbot, keep, monkeypatch):
    from visualizer.ui.kit import images

    monkeypatch.setattr(images.DrawDialog, "get_image", classmethod(lambda *args, **kwargs: pytest.fail("the 28x28 dialog")))
    win = keep(MainWindow(first_page="inspector"))
    page = win.current_page()
    page.set_canvas(64, 48, 3, False)  # as for an open 64x48 colour network
    win.draw_action.trigger()
    assert page.tabs.currentWidget() is page.draw_tab
    assert page.draw_tab.canvas.image().shape == (64, 48, 3) and "64x48" in page.draw_tab.caption.text()


def test_save_png_from_the_menu(window, monkeypatch, warnings, tmp_path):
    target = tmp_path / "view"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    window.save_png_action.trigger()
    assert (tmp_path / "view.png").stat().st_size > 100
    assert warnings == []


# -- settings --------------------------------------------------------------------------------------------
def test_last_page_and_zoom_are_remembered_in_the_given_settings_only(qtbot, fake_pages, tmp_path):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    first = MainWindow(settings=settings)
    qtbot.addWidget(first)
    assert first.current_page_name() == "fake"
    first.show_page("third")
    first.set_zoom(1.3)
    first.close()
    assert settings.value("last_page") == "third"

    again = MainWindow(settings=QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(again)
    assert again.current_page_name() == "third"
    assert again.zoom_level() == pytest.approx(1.3)
    again.close()

    asked = MainWindow(first_page="plain", settings=QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(asked)
    assert asked.current_page_name() == "plain"


def test_a_remembered_page_that_no_longer_exists_is_ignored(qtbot, fake_pages, tmp_path):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue("last_page", "removed-page")
    win = MainWindow(settings=settings)
    qtbot.addWidget(win)
    assert win.current_page_name() == "fake"


def test_a_broken_page_shows_its_error_instead_of_crashing(qtbot, register_pages):
    register_pages([PageSpec("broken", "Broken", "Concepts", "visualizer.no_such_module:Page", "broken")])
    win = MainWindow()
    qtbot.addWidget(win)
    assert "could not be opened" in win.current_page().text()


class StubbornPage(QLabel):
    """A page that refuses to close, as one with unsaved work might."""

    refuse = True

    def closeEvent(self, event):
        event.setAccepted(not self.refuse)


def test_a_page_that_refuses_to_close_keeps_the_window_open(qtbot, register_pages):
    register_pages([PageSpec("stubborn", "Stubborn", "Concepts", f"{__name__}:StubbornPage", "refuses")])
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    assert not win.close()
    assert win.isVisible()
    win.current_page().refuse = False
    assert win.close()


def test_the_about_box_names_only_what_the_app_has(window, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append((box.windowTitle(), box.text())))
    next(action for action in window.actions() if action.text() == "About CNN Visualizer").trigger()
    [(title, text)] = shown
    assert title == "About CNN Visualizer"
    assert "concept demos, live training and a model inspector" in text
    assert "inspector" in [spec.name for spec in PAGES]  # the real registry: the app has what the box names


# -- models: a page that offers one, the page that opens them, and files dropped on the window -------
class ModelMakerPage(QWidget):
    inspectRequested = pyqtSignal(str)


class ModelOpenerPage(QWidget):
    modelOpened = pyqtSignal(str)

    def __init__(self) -> None:
        super().__init__()
        self.opened: list[tuple[str, bool, bool]] = []

    def open_model(self, path: str, unsafe: bool = False, may_ask: bool = True) -> None:
        self.opened.append((path, unsafe, may_ask))

    def is_busy(self) -> bool:
        return False

    def failure(self) -> str | None:
        return None


@pytest.fixture
def model_pages(register_pages):
    register_pages([
        PageSpec("maker", "Maker", "Training", f"{__name__}:ModelMakerPage", "makes models"),
        PageSpec("inspector", "Inspector", "Models", f"{__name__}:ModelOpenerPage", "opens models"),
    ])


def test_a_page_offering_a_model_opens_it_in_the_inspector(qtbot, keep, model_pages):
    window = keep(MainWindow(first_page="maker"))
    window.current_page().inspectRequested.emit("/runs/model.keras")
    assert window.current_page_name() == "inspector"
    assert window.current_page().opened == [("/runs/model.keras", False, True)]


def test_a_dropped_model_file_opens_in_the_inspector_and_other_files_are_refused(qtbot, keep, model_pages, tmp_path):
    from PyQt6.QtCore import QMimeData, QPoint, QPointF, QUrl
    from PyQt6.QtGui import QDragEnterEvent, QDropEvent

    window = keep(MainWindow(first_page="maker"))
    held = []  # the events point at their data: it must outlive them

    def drag(name: str) -> tuple[QDragEnterEvent, QDropEvent]:
        data = QMimeData()
        held.append(data)
        data.setUrls([QUrl.fromLocalFile(str(tmp_path / name))])
        enter = QDragEnterEvent(QPoint(5, 5), Qt.DropAction.CopyAction, data, Qt.MouseButton.LeftButton,
                                Qt.KeyboardModifier.NoModifier)
        drop = QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, data, Qt.MouseButton.LeftButton,
                          Qt.KeyboardModifier.NoModifier)
        return enter, drop

    enter, _ = drag("notes.txt")
    window.dragEnterEvent(enter)
    assert not enter.isAccepted()
    enter, drop = drag("fashion.h5")
    window.dragEnterEvent(enter)
    assert enter.isAccepted()
    window.dropEvent(drop)
    assert window.current_page().opened == [(str(tmp_path / "fashion.h5"), False, True)]


def test_the_window_has_the_apps_icon_at_the_sizes_title_and_task_bars_ask_for(window):
    icon = window.windowIcon()
    assert not icon.isNull()
    sizes = {(size.width(), size.height()) for size in icon.availableSizes()}
    assert {(16, 16), (32, 32), (48, 48)} <= sizes
