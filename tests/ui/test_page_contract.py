"""The page contract: which real pages offer what, and how the main window uses only that."""

import numpy as np
import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QFileDialog, QLabel, QMessageBox, QWidget

from visualizer.ui.main_window import MainWindow
from visualizer.ui.page_contract import (
    Animatable,
    OffersLearnedKernels,
    OffersModels,
    OpensModels,
    Playable,
    Steppable,
    TakesInputImage,
    Titled,
)
from visualizer.ui.pages import PageSpec, find_page

STEP_PAGES = ["convolution", "stride-padding", "pooling", "transposed", "network"]


@pytest.mark.parametrize("name", STEP_PAGES)
def test_step_pages_offer_stepping_export_and_an_input_picture(qtbot, name):
    page = find_page(name).create()
    qtbot.addWidget(page)
    for part in (Playable, Animatable, Steppable, TakesInputImage, Titled):
        assert isinstance(page, part), part.__name__
    assert page.title == find_page(name).title  # the page's own heading and its navigation entry agree
    assert page.input_image_mode in ("gray", "rgb")


def test_the_training_page_plays_and_pauses_and_offers_its_models(qtbot):
    from visualizer.ui.training.page import TrainingPage

    page = TrainingPage()
    qtbot.addWidget(page)
    assert isinstance(page, Playable) and isinstance(page, OffersModels)
    for part in (Animatable, Steppable, TakesInputImage, OpensModels):
        assert not isinstance(page, part), part.__name__


def test_the_inspector_opens_models_takes_pictures_and_offers_kernels(qtbot):
    from visualizer.ui.inspector.page import InspectorPage

    page = InspectorPage()
    qtbot.addWidget(page)
    for part in (OpensModels, TakesInputImage, OffersLearnedKernels, Titled):
        assert isinstance(page, part), part.__name__
    for part in (Playable, Animatable, OffersModels):
        assert not isinstance(page, part), part.__name__
    page.shutdown()


def test_a_plain_widget_offers_nothing(qtbot):
    plain = QLabel("text")
    qtbot.addWidget(plain)
    for part in (Playable, Animatable, Steppable, TakesInputImage, Titled):
        assert not isinstance(plain, part), part.__name__


# -- the window, against pages that offer one part each ------------------------------------------------
class PlayOnlyPage(QWidget):
    """Like the training page: Space pauses it, nothing else."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple] = []

    def toggle_play(self) -> None:
        self.calls.append(("toggle_play",))


class StepsOnlyPage(PlayOnlyPage):
    """Every step method but no input picture."""

    def step(self, delta: int) -> None:
        self.calls.append(("step", delta))

    def reset(self) -> None:
        self.calls.append(("reset",))

    def step_count(self) -> int:
        return 4

    def current_step(self) -> int:
        return 0

    def set_step(self, index: int) -> None:
        self.calls.append(("set_step", index))


class StepsWithoutPlayPage(StepsOnlyPage):
    """Steps that can be recorded, but step() is missing: not Steppable, yet Animatable."""

    step = None


PARTIAL_PAGES = (
    PageSpec("play", "Play only", "Concepts", f"{__name__}:PlayOnlyPage", "plays"),
    PageSpec("steps", "Steps only", "Concepts", f"{__name__}:StepsOnlyPage", "steps"),
    PageSpec("record", "Record only", "Concepts", f"{__name__}:StepsWithoutPlayPage", "records"),
)


@pytest.fixture
def window(qtbot, register_pages):
    register_pages(PARTIAL_PAGES)
    win = MainWindow(first_page="play")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    return win


def test_space_pauses_a_play_only_page_and_the_step_keys_leave_it_alone(qtbot, window):
    page = window.current_page()
    for key in (Qt.Key.Key_Space, Qt.Key.Key_Right, Qt.Key.Key_Left, Qt.Key.Key_Home):
        qtbot.keyClick(window, key)
    assert page.calls == [("toggle_play",)]


def test_gif_export_is_enabled_exactly_for_pages_with_steps_to_record(window):
    enabled = {}
    for spec in PARTIAL_PAGES:
        window.show_page(spec.name)
        enabled[spec.name] = window.export_gif_action.isEnabled()
        assert enabled[spec.name] == isinstance(window.current_page(), Animatable)
    assert enabled == {"play": False, "steps": True, "record": True}


def test_the_step_keys_need_the_whole_stepping_contract(qtbot, window):
    window.show_page("record")
    page = window.current_page()
    qtbot.keyClick(window, Qt.Key.Key_Right)
    qtbot.keyClick(window, Qt.Key.Key_Home)
    assert page.calls == []
    window.show_page("steps")
    page = window.current_page()
    qtbot.keyClick(window, Qt.Key.Key_Right)
    qtbot.keyClick(window, Qt.Key.Key_Home)
    assert page.calls == [("step", 1), ("reset",)]


@pytest.mark.parametrize("action", ["open_action", "draw_action"])
@pytest.mark.parametrize("name", ["play", "steps"])
def test_a_page_without_an_input_picture_gets_a_word_in_the_status_bar(window, monkeypatch, action, name):
    from visualizer.ui.kit import images

    asked = []
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: asked.append("file") or ("", ""))
    monkeypatch.setattr(images.DrawDialog, "get_image", classmethod(lambda cls, *a, **k: asked.append("draw")))
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: asked.append("warning"))
    window.show_page(name)
    getattr(window, action).trigger()
    assert asked == []
    title = find_page(name).title
    assert window.statusBar().currentMessage() == f"The {title} page has no input picture to replace."
    assert window.current_page().calls == []


def test_the_window_hands_a_drawing_over_in_the_mode_the_page_asks_for(qtbot, monkeypatch):
    from visualizer.ui.demos.convolution import DEPTH
    from visualizer.ui.kit import images

    monkeypatch.setattr(images.DrawDialog, "get_image", classmethod(lambda cls, *a, **k: np.ones((28, 28))))
    win = MainWindow(first_page="convolution")
    qtbot.addWidget(win)
    page = win.current_page()
    page.mode_box.setCurrentText(DEPTH)
    win.draw_action.trigger()
    assert page.rgb_source.source_title() == "Your drawing"
    assert page.rgb_source.image().shape == (28, 28, 3)
