"""Quiz mode in the inspector's One image tab: the model's bars stay hidden until the class has
picked a class, then they are revealed with whether the class agreed with the model and the truth."""

import numpy as np
import pytest
from PyQt6.QtCore import Qt

from tests.inspection.tiny_models import conv_stack, save
from visualizer.inspection.protocol import Explained
from visualizer.ui.inspector.tabs.image import ImageTab
from visualizer.ui.main_window import MainWindow
from visualizer.ui.quiz.session import session

NAMES = tuple(f"class {i}" for i in range(10))


@pytest.fixture(autouse=True)
def fresh_session():
    session().restart()
    yield
    session().restart()


def explained(probabilities) -> Explained:
    picture = np.linspace(0, 1, 28 * 28).reshape(28, 28)
    return Explained(
        generation=1,
        shown=picture,
        model_input=picture[..., None],
        probabilities=np.asarray(probabilities),
        class_index=int(np.argmax(probabilities)),
        layers=(),
        grad_cam=None,
        gradient=picture,
        seconds=0.0,
    )


def click_class(qtbot, panel, index: int) -> None:
    button = next(b for b in panel.choice_buttons() if b.property("answer") == index)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def ask_about_test_image_5(tab) -> np.ndarray:
    """Quiz mode on, and test image #5 (true class 7) shown, which the model calls class 3: its probabilities."""
    probabilities = np.full(10, 0.02)
    probabilities[3] = 0.82
    session().set_enabled(True)
    tab.show_explanation(explained(probabilities), "Test image #5", 7, NAMES, (), False)
    return probabilities


@pytest.fixture
def tab(shown):
    return shown(ImageTab, (1000, 700))


def test_the_bars_are_hidden_until_a_class_is_picked(qtbot, tab):
    probabilities = ask_about_test_image_5(tab)
    panel = tab.quiz.panel
    assert panel.isVisible() and panel.is_asking()
    assert not tab.bars.isVisible() and not tab.caption.isVisible()
    assert len(panel.choice_buttons()) == 10
    click_class(qtbot, panel, 3)  # the model's choice, not the true class
    assert tab.bars.isVisible() and tab.caption.isVisible()
    np.testing.assert_allclose(tab.bars.values(), probabilities)
    reveal = panel.reveal_label.text()
    assert "✘" in reveal and "the model agrees" in reveal and "it is class 7" in reveal and "class 3 82%" in reveal
    assert session().score.page("Model inspector") == (0, 1)

    tab.show_explanation(explained(probabilities), "Test image #6", 3, NAMES, (), False)
    assert not tab.bars.isVisible()
    click_class(qtbot, panel, 3)
    assert "✔" in panel.reveal_label.text() and session().score.total() == (1, 2)


def test_turning_quiz_mode_on_asks_about_the_picture_shown_and_off_shows_the_bars(qtbot, tab):
    tab.show_explanation(explained(np.full(10, 0.1)), "My drawing", None, NAMES, (), False)
    assert tab.bars.isVisible() and not tab.quiz.panel.isVisible()
    session().set_enabled(True)
    assert not tab.bars.isVisible() and tab.quiz.panel.question().text.startswith("Which class will the model choose")
    session().set_enabled(False)
    assert tab.bars.isVisible() and not tab.quiz.panel.isVisible()
    assert session().score.total() == (0, 0)


@pytest.mark.slow
def test_the_inspector_with_a_tiny_model_hides_then_reveals_its_bars(qtbot, keep, tmp_path):
    window = keep(MainWindow(first_page="inspector"))
    window.resize(1280, 720)
    window.show()
    window.quiz_action.trigger()  # View > Quiz mode
    assert session().is_enabled()
    page = window.inspect_model(str(save(conv_stack(), tmp_path, "tiny.keras")), may_ask=False)
    qtbot.waitUntil(lambda: not page.is_busy(), timeout=120_000)
    page.tabs.setCurrentWidget(page.image_tab)
    panel = page.image_tab.quiz.panel
    qtbot.waitUntil(panel.is_asking, timeout=120_000)
    assert not page.image_tab.bars.isVisible()
    model_choice = panel.question().model_answer
    assert model_choice == int(np.argmax(page.controller.explained.probabilities))
    click_class(qtbot, panel, model_choice)
    assert page.image_tab.bars.isVisible() and "the model agrees" in panel.reveal_label.text()
    np.testing.assert_allclose(page.image_tab.bars.values(), page.controller.explained.probabilities)


def test_the_same_picture_drawn_again_is_asked_about_once(qtbot, tab):
    probabilities = ask_about_test_image_5(tab)
    panel = tab.quiz.panel
    click_class(qtbot, panel, 7)
    assert session().score.total() == (1, 1)
    redrawn = explained(probabilities[::-1])  # another input range: new probabilities, the same picture
    tab.show_explanation(redrawn, "Test image #5", 7, NAMES, (), False)
    assert not panel.is_asking() and tab.bars.isVisible()
    session().set_enabled(False)
    session().set_enabled(True)
    assert not panel.is_asking() and tab.bars.isVisible()
    assert session().score.total() == (1, 1)
    tab.show_explanation(explained(probabilities), "Test image #6", 3, NAMES, (), False)
    assert panel.is_asking() and not tab.bars.isVisible()


def test_a_picture_drawn_again_while_asked_keeps_its_question_open(qtbot, tab):
    session().set_enabled(True)
    tab.show_explanation(explained(np.full(10, 0.1)), "Test image #5", 7, NAMES, (), False)
    question = tab.quiz.panel.question()
    tab.show_explanation(explained(np.full(10, 0.1)), "Test image #5", 7, NAMES, (), False)
    assert tab.quiz.panel.question() is question and not tab.bars.isVisible()
    tab.quiz.panel.skip_button.click()
    tab.show_explanation(explained(np.full(10, 0.1)), "Test image #5", 7, NAMES, (), False)
    assert not tab.quiz.panel.is_asking() and tab.bars.isVisible()
    assert session().score.total() == (0, 0)
