"""Quiz mode on the real concept pages: Step asks first, the answer is revealed and counted, and
then the step is drawn."""

import numpy as np
import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QApplication

from visualizer.ops.trace import format_sum
from visualizer.ui.demos.convolution import ConvolutionPage
from visualizer.ui.demos.network import NetworkPage
from visualizer.ui.demos.pooling import PoolingPage
from visualizer.ui.demos.stride_padding import StridePaddingPage
from visualizer.ui.demos.transposed import TransposedConvolutionPage
from visualizer.ui.quiz.questions import SIZE, VALUE, WINNER, format_answer
from visualizer.ui.quiz.session import session


@pytest.fixture(autouse=True)
def fresh_session():
    session().restart()
    yield
    session().restart()


def type_answer(qtbot, panel, text: str) -> None:
    qtbot.keyClicks(panel.answer_edit, text)
    qtbot.keyClick(panel.answer_edit, Qt.Key.Key_Return)


def test_step_asks_the_size_then_a_cell_and_draws_each_step_after_the_reveal(qtbot, shown):
    page = shown(StridePaddingPage)
    panel = page.quiz.panel
    assert not panel.isVisible() and page.controls.quiz_button.isVisible()
    page.controls.quiz_button.click()
    assert session().is_enabled() and panel.isVisible()

    page.controls.forward_button.click()
    question = panel.question()
    assert question.kind == SIZE and panel.is_asking()
    assert page.current_step() == 0  # the step waits for the answer
    assert question.answer == page.view.trace().output.shape[0]
    assert not page.view.isVisible()  # its output grid and formula would give the size away
    assert panel.answer_edit.isVisible() and page.focusWidget() is panel.answer_edit  # Enter submits at once
    type_answer(qtbot, panel, str(question.answer + 1))
    assert "✘" in panel.reveal_label.text() and f"= {question.answer}" in panel.reveal_label.text()
    assert page.view.isVisible()
    assert page.current_step() == 1 and not panel.is_asking()
    assert panel.score_label.text() == "Score: 0 / 1 on this page · 0 / 1 in all"

    page.step(1)  # the Right arrow: the reveal gives way to the next question
    question = panel.question()
    assert question.kind == VALUE and page.current_step() == 1 and page.view.isVisible()
    step = page.view.trace()[2]
    assert question.answer == pytest.approx(step.value)
    assert format_sum(step, max_terms=step.window.size).rsplit(" = ", 1)[0] in question.working
    type_answer(qtbot, panel, format_answer(step.value))
    assert "✔" in panel.reveal_label.text()
    assert page.current_step() == 2
    assert f"output[{step.out_row}, {step.out_col}]" in page.view.arithmetic.text()  # the step is drawn
    assert session().score.page(page.title) == (1, 2)


def test_max_pooling_asks_which_cell_wins_and_a_click_answers(qtbot, shown):
    page = shown(PoolingPage)
    page.controls.quiz_button.click()
    page.step(1)
    type_answer(qtbot, page.quiz.panel, str(page.trace.output.shape[0]))  # the size question first
    page.step(1)
    panel = page.quiz.panel
    question = panel.question()
    assert question.kind == WINNER
    step = page.trace[2]
    buttons = {button.property("answer"): button for button in panel.choice_buttons()}
    assert len(buttons) == step.window.size and all(button.isVisible() for button in buttons.values())
    right = question.answer
    assert (step.rows[right[0]], step.cols[right[1]]) == step.winner
    qtbot.mouseClick(buttons[right], Qt.MouseButton.LeftButton)
    assert "✔" in panel.reveal_label.text() and "max(" in panel.reveal_label.text()
    assert page.current_step() == 2 and not panel.choices.isEnabled()
    assert session().score.total() == (2, 2)


def test_play_stops_at_each_question(qtbot, shown):
    page = shown(ConvolutionPage)
    page.controls.quiz_button.click()
    page.controls.speed.setValue(60)
    page.toggle_play()
    qtbot.waitUntil(lambda: page.quiz.panel.is_asking(), timeout=3000)
    assert not page.controls.is_playing() and page.current_step() == 0
    type_answer(qtbot, page.quiz.panel, "0")
    assert page.current_step() == 1
    page.toggle_play()
    qtbot.waitUntil(lambda: page.quiz.panel.is_asking(), timeout=3000)
    assert page.quiz.panel.question().kind == VALUE and not page.controls.is_playing()
    page.controls.quiz_button.click()  # quiz mode off: the question goes, stepping is plain again
    assert not page.quiz.panel.isVisible() and not session().is_enabled()
    page.step(1)
    assert page.current_step() == 2
    assert session().score.total() == (0, 1)


def test_going_back_or_a_new_setting_drops_the_question_uncounted(qtbot, shown):
    page = shown(StridePaddingPage)
    session().set_enabled(True)
    assert page.controls.quiz_button.isChecked()
    page.set_step(3)  # a jump asks nothing
    assert page.current_step() == 3 and page.quiz.panel.question() is None
    page.step(1)
    assert page.quiz.panel.question().kind == SIZE
    page.step(1)  # Step again while it waits: the question stays
    assert page.quiz.panel.is_asking() and page.current_step() == 3
    page.step(-1)
    assert not page.quiz.panel.is_asking() and page.current_step() == 2
    page.step(1)
    type_answer(qtbot, page.quiz.panel, "1000")
    page.step(1)
    assert page.quiz.panel.question().kind == VALUE
    page.stride_rows.setValue(1)  # new settings: the next question is about the size again
    assert not page.quiz.panel.is_asking()
    page.step(1)
    assert page.quiz.panel.question().kind == SIZE
    assert page.quiz.panel.question().answer == page.view.trace().output.shape[0]
    page.quiz.panel.skip_button.click()
    assert page.current_step() == 4 and session().score.total() == (0, 1)


def test_drawing_a_step_directly_asks_nothing_so_a_gif_export_walks_every_step(qtbot, shown):
    page = shown(PoolingPage)
    session().set_enabled(True)
    page.step(1)
    assert page.quiz.panel.is_asking()
    for index in range(4):  # as the exporter walks the steps
        page.set_step(index)
        assert page.current_step() == index
    assert not page.quiz.panel.is_asking() and page.view.isVisible()
    click_at = page.trace.output.shape[1]  # a click on the first cell of the second row
    page.view.stepClicked.emit(click_at)
    assert page.current_step() == click_at and page.quiz.panel.question() is None
    assert session().score.total() == (0, 0)


def test_transposed_scatter_and_convolution_questions(qtbot, shown):
    page = shown(TransposedConvolutionPage)
    session().set_enabled(True)
    page.step(1)
    assert page.quiz.panel.question().answer == page.conv.output.shape[0]
    type_answer(qtbot, page.quiz.panel, str(page.conv.output.shape[0]))
    page.step(1)
    question = page.quiz.panel.question()
    assert question.kind == VALUE and "stamps next" in question.text
    type_answer(qtbot, page.quiz.panel, format_answer(question.answer))
    assert "✔" in page.quiz.panel.reveal_label.text() and page.current_step() == 2
    page.step_box.setCurrentIndex(1)  # convolution (by output cell)
    page.step(1)
    page.quiz.panel.skip_button.click()  # the size question, after the change
    page.step(1)
    question = page.quiz.panel.question()
    assert question.answer == pytest.approx(page.conv.output.reshape(-1)[2])
    assert session().score.total() == (2, 2)


def test_the_network_page_has_no_quiz(qtbot, shown):
    page = shown(NetworkPage)
    assert page.quiz is None and not page.controls.quiz_button.isVisible()
    session().set_enabled(True)
    before = page.current_step()
    page.step(1)
    assert page.current_step() == min(before + 1, page.step_count() - 1)


def test_quiz_page_with_colour_input_asks_about_the_selected_filter(qtbot, shown):
    page = shown(ConvolutionPage)
    page.mode_box.setCurrentIndex(1)
    session().set_enabled(True)
    page.step(1)
    page.quiz.panel.skip_button.click()
    page.step(1)
    question = page.quiz.panel.question()
    trace = page.depth_view.trace()
    assert question.answer == pytest.approx(trace.output.reshape(-1)[page.current_step() + 1])
    assert question.working.count("×") == np.size(trace.windows[0, 0])


def test_view_menu_quiz_mode_has_its_own_shortcut_and_follows_the_page_buttons(qtbot, keep):
    from visualizer.ui.main_window import MainWindow

    window = keep(MainWindow(first_page="pooling"))
    rows = window.shortcut_rows()
    assert ("F6", "Quiz mode") in rows
    keys = [key.strip() for keys, _ in rows for key in keys.split(",") if key.strip()]
    assert keys.count("F6") == 1
    page = window.current_page()
    window.quiz_action.trigger()
    assert session().is_enabled() and page.controls.quiz_button.isChecked()
    page.controls.quiz_button.click()
    assert not session().is_enabled() and not window.quiz_action.isChecked()


@pytest.mark.parametrize("depth", [False, True])
def test_size_question_hides_the_shapes_box_that_states_the_output_size(qtbot, shown, depth):
    page = shown(ConvolutionPage)
    page.mode_box.setCurrentIndex(int(depth))
    assert page.shapes_label.isVisible() and "output" in page.shapes_label.text()
    session().set_enabled(True)
    page.step(1)
    assert page.quiz.panel.question().kind == SIZE
    assert not page.shapes_label.isVisible()
    page.quiz.panel.skip_button.click()
    assert page.shapes_label.isVisible()
    page.reset()
    page.step(1)
    assert not page.shapes_label.isVisible()
    session().set_enabled(False)
    assert page.shapes_label.isVisible()


@pytest.mark.parametrize("page_class", [StridePaddingPage, PoolingPage, TransposedConvolutionPage])
def test_size_question_leaves_no_label_stating_the_output_size(qtbot, shown, page_class):
    from PyQt6.QtWidgets import QLabel

    page = shown(page_class)
    session().set_enabled(True)
    page.step(1)
    question = page.quiz.panel.question()
    assert question.kind == SIZE
    size = f"{question.answer}×"
    asked = page.quiz.panel.findChildren(QLabel)
    visible = [label.text() for label in page.findChildren(QLabel) if label.isVisible() and label not in asked]
    assert not [text for text in visible if "output" in text.lower() and size in text]


def test_a_scrubber_move_held_by_a_question_puts_the_scrubber_back_on_the_step_drawn(qtbot, shown):
    page = shown(PoolingPage)
    session().set_enabled(True)
    page.controls.scrubber.setValue(1)
    assert page.quiz.panel.is_asking() and page.current_step() == 0
    assert page.controls.scrubber.value() == 0
    page.controls.scrubber.setValue(1)  # moved on again while the question is open
    assert page.quiz.panel.is_asking() and page.controls.scrubber.value() == 0
    page.quiz.panel.skip_button.click()
    assert page.current_step() == 1 and page.controls.scrubber.value() == 1


@pytest.mark.parametrize("typed", ["nan", "1_0"])
def test_typing_what_is_not_a_number_gets_the_hint_and_is_not_counted(qtbot, shown, typed):
    page = shown(PoolingPage)
    session().set_enabled(True)
    page.step(1)
    panel = page.quiz.panel
    type_answer(qtbot, panel, typed)
    assert panel.is_asking() and "That is not a number" in panel.hint_label.text()
    assert session().score.total() == (0, 0) and page.current_step() == 0


@pytest.mark.parametrize("page_class", [ConvolutionPage, PoolingPage])
def test_the_grids_keep_their_place_and_size_from_step_to_step_in_quiz_mode(qtbot, shown, page_class):
    """The quiz panel changes between the idle line, a question and a reveal: the demo above it must
    not jump up and shrink each time, or the class loses the cell it was looking at."""
    page = shown(page_class, (1100, 650))  # the page's room in a 1280x720 window
    panel = page.quiz.panel
    grids = [page.view.input, page.view.output]
    page.controls.quiz_button.click()
    qtbot.wait(20)

    def geometry():
        QApplication.processEvents()  # the layouts take in the panel's new contents
        return [(grid.mapTo(page, grid.rect().topLeft()), grid.size()) for grid in grids]

    page.step(1)  # the size question hides the demo: answer it, then watch the cell questions
    type_answer(qtbot, panel, str(panel.question().answer))
    before = geometry()
    for index in range(4):
        page.step(1)
        question = panel.question()
        assert panel.is_asking() and question.kind in (VALUE, WINNER)
        assert geometry() == before, f"the grids moved when question {index + 1} was asked"
        if question.kind == WINNER:
            panel.submit(question.answer if index % 2 else (-1, -1))
        elif index % 2:
            type_answer(qtbot, panel, format_answer(question.answer))
        else:
            type_answer(qtbot, panel, "12345")  # a wrong answer: its reveal is the longest
        assert geometry() == before, f"the grids moved when answer {index + 1} was revealed"
    page.quiz.start_over()  # new settings: back to the idle line
    assert geometry() == before
