"""The quiz's questions against the ops the pages draw, on many random settings: the right answer
is accepted, a wrong one refused, and the working ends with the answer."""

import re

import numpy as np
import pytest

from visualizer.ops import shapes
from visualizer.ops.trace import conv_trace, pool_trace, transpose_conv_trace, transpose_scatter_trace
from visualizer.ui.quiz import questions
from visualizer.ui.quiz.questions import SIZE, TOLERANCE, VALUE, WINNER
from visualizer.ui.quiz.score import QuizScore

SEEDS = range(40)


def last_number(text: str) -> float:
    return float(re.findall(r"-?\d+(?:\.\d+)?", text)[-1])


def random_conv_settings(rng):
    height, width = (int(v) for v in rng.integers(3, 12, size=2))
    kernel = (int(rng.integers(1, height + 1)), int(rng.integers(1, width + 1)))
    stride = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    padding = ["valid", "same", tuple(int(v) for v in rng.integers(0, 3, size=4))][rng.integers(3)]
    return np.round(rng.normal(size=(height, width)), 2), kernel, stride, padding


def check_number_question(question, exact):
    assert question.check(str(exact))
    assert question.check(questions.format_answer(exact)) if question.kind == VALUE else question.check(f"{exact}")
    assert not question.check(str(exact + 1))
    assert not question.check("not a number")
    assert last_number(question.working.split("<br>")[0]) == pytest.approx(float(questions.format_answer(exact)))


@pytest.mark.parametrize("seed", SEEDS)
def test_conv_size_question_is_the_formula_and_the_trace(seed):
    rng = np.random.default_rng(seed)
    image, kernel, stride, padding = random_conv_settings(rng)
    question = questions.conv_size_question(image.shape, kernel, stride, padding)
    trace = conv_trace(image, np.ones(kernel), stride, padding)
    assert question.kind == SIZE
    assert question.answer == trace.output.shape[0] == shapes.conv_output_shape(image.shape, kernel, stride, padding)[0]
    check_number_question(question, question.answer)
    assert question.working.endswith(f"= {trace.output.shape[1]}")  # the columns' formula, when shown


@pytest.mark.parametrize("seed", SEEDS)
def test_pool_and_transposed_size_questions_match_their_ops(seed):
    rng = np.random.default_rng(seed)
    image = rng.normal(size=tuple(int(v) for v in rng.integers(3, 10, size=2)))
    size = (int(rng.integers(1, image.shape[0] + 1)), int(rng.integers(1, image.shape[1] + 1)))
    padding = ["valid", "same"][seed % 2]
    question = questions.pool_size_question(image.shape, size, None, padding)
    assert question.answer == pool_trace(image, size, None, "max", padding).output.shape[0]
    check_number_question(question, question.answer)
    small = rng.normal(size=(int(rng.integers(2, 5)), int(rng.integers(2, 5))))
    kernel = rng.normal(size=(int(rng.integers(1, 5)), int(rng.integers(1, 5))))
    stride = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    question = questions.transpose_size_question(small.shape, kernel.shape, stride, "valid")
    assert question.answer == transpose_conv_trace(small, kernel, stride, "valid").output.shape[0]
    check_number_question(question, question.answer)


@pytest.mark.parametrize("seed", SEEDS)
def test_cell_value_question_is_the_traced_value(seed):
    rng = np.random.default_rng(seed)
    image, kernel_hw, stride, padding = random_conv_settings(rng)
    trace = conv_trace(image, np.round(rng.normal(size=kernel_hw), 2), stride, padding)
    index = int(rng.integers(len(trace)))
    question = questions.window_step_question(trace, index)
    exact = trace.output.reshape(-1)[index]
    assert question.kind == VALUE and question.answer == pytest.approx(exact)
    check_number_question(question, exact)
    assert question.check(exact + 0.9 * TOLERANCE) and question.check(exact - 0.9 * TOLERANCE)
    assert not question.check(exact + 2 * TOLERANCE)
    assert "…" not in question.working  # every product is written out
    assert question.working.count("×") == trace.windows[0, 0].size


@pytest.mark.parametrize("seed", SEEDS)
def test_pooling_cell_questions_average_sum_and_winner(seed):
    rng = np.random.default_rng(seed)
    image = rng.integers(0, 4, size=(6, 7)).astype(float)  # small integers: ties happen
    for mode in ("avg", "sum"):
        trace = pool_trace(image, 2, None, mode, "same")
        index = int(rng.integers(len(trace)))
        question = questions.window_step_question(trace, index)
        check_number_question(question, trace.output.reshape(-1)[index])
    trace = pool_trace(image, (2, 3), None, "max", ["valid", "same"][seed % 2])
    index = int(rng.integers(len(trace)))
    step = trace[index]
    question = questions.window_step_question(trace, index)
    assert question.kind == WINNER
    row, col = question.answer
    assert (step.rows[row], step.cols[col]) == step.winner
    assert question.check((row, col))
    window = np.where(step.is_padding, -np.inf, step.window)
    for r in range(window.shape[0]):
        for c in range(window.shape[1]):
            assert question.check((r, c)) == (window[r, c] == step.value)
            assert (question.choices[r][c] is None) == bool(step.is_padding[r, c])
    assert f"= {step.value:.3g}" in question.working
    # The winner is named counting from 0, as every row, column and output[r, c] around it is.
    assert f"window[{row}, {col}]" in question.working
    assert question.shown_answer().startswith(f"window[{row}, {col}]")


@pytest.mark.parametrize("seed", SEEDS)
def test_stamp_question_adds_the_stamp_to_the_partial_sum(seed):
    rng = np.random.default_rng(seed)
    small = np.round(rng.normal(size=(3, 3)), 1)
    kernel = np.round(rng.normal(size=(3, 3)), 1)
    padding = ["valid", "same"][seed % 2]
    trace = transpose_scatter_trace(small, kernel, 2, padding)
    index = int(rng.integers(len(trace)))
    question = questions.stamp_question(trace, index)
    out_row, out_col = (int(v) for v in re.findall(r"output\[(\d+), (\d+)\]", question.text)[0])
    after = trace.partial_full(index)[out_row + trace.crop_origin[0], out_col + trace.crop_origin[1]]
    check_number_question(question, after)
    row, col = out_row + trace.crop_origin[0], out_col + trace.crop_origin[1]
    reached_by = [i for i in range(len(trace)) if row in trace[i].rows and col in trace[i].cols]
    any_both = any(
        any(j < index for j in others) and any(j > index for j in others)
        for a in range(3)
        for b in range(3)
        if trace[index].in_output[a, b]
        for others in [[i for i in range(len(trace)) if trace[index].rows[a] in trace[i].rows and trace[index].cols[b] in trace[i].cols]]
    )
    if any_both:  # a cell both an earlier and a later stamp reach is asked about
        assert min(reached_by) < index < max(reached_by)
    if index == len(trace) - 1:  # the last stamp leaves the finished output
        assert question.answer == pytest.approx(trace.output[out_row, out_col])


def test_class_question_checks_the_true_class_and_says_whether_the_model_agreed():
    names = ("cat", "dog", "bird")
    question = questions.class_question(names, [0.1, 0.7, 0.2], true_label=2)
    assert question.check(2) and not question.check(1)
    assert question.verdict(1) == "You chose dog: the model agrees, and you are wrong: it is bird."
    assert question.verdict(2) == "You chose bird: the model chose dog, and you are right."
    unlabelled = questions.class_question(names, [0.1, 0.7, 0.2], true_label=None)
    assert unlabelled.check(1) and not unlabelled.check(0)
    assert unlabelled.verdict(1) == "You chose dog: the model agrees."
    assert "dog 70%" in unlabelled.working


def test_typed_numbers_may_use_a_comma_or_a_minus_sign():
    assert questions.parse_number(" −0,5 ") == -0.5
    assert questions.parse_number("") is None
    assert questions.format_answer(-0.001) == "0.00"


def test_score_counts_per_page_and_in_all():
    score = QuizScore()
    score.record("Pooling", True)
    score.record("Pooling", False)
    score.record("Convolution", True)
    assert score.page("Pooling") == (1, 2)
    assert score.total() == (2, 3)
    assert score.describe("Convolution") == "Score: 1 / 1 on this page · 2 / 3 in all"


def test_the_window_place_names_only_the_padding_the_window_covers():
    image = np.arange(25, dtype=float).reshape(5, 5)
    dilated = conv_trace(image, np.ones((3, 3)), 1, "same", 2)
    text = questions.window_step_question(dilated, 0).text
    assert "input rows -2, 0, 2, columns -2, 0, 2, where row -2 and column -2 are padding" in text
    assert "-1" not in text
    pooled = pool_trace(image, 2, 2, "max", "same")  # the odd border row and column go after
    text = questions.window_step_question(pooled, len(pooled) - 1).text
    assert "input rows 4 to 5, columns 4 to 5, where row 5 and column 5 are padding" in text
    inside = questions.window_step_question(conv_trace(image, np.ones((3, 3))), 0).text
    assert "input rows 0 to 2, columns 0 to 2)" in inside and "padding" not in inside


@pytest.mark.parametrize("seed", SEEDS)
def test_every_row_and_column_named_as_padding_lies_outside_the_input(seed):
    rng = np.random.default_rng(seed)
    image, kernel, stride, padding = random_conv_settings(rng)
    trace = conv_trace(image, np.ones(kernel), stride, padding)
    height, width = image.shape
    for index in range(len(trace)):
        text = questions.window_step_question(trace, index).text
        named = re.findall(r"(row|column) (-?\d+)", text.split("where", 1)[1]) if "where" in text else []
        for kind, number in named:
            assert not 0 <= int(number) < (height if kind == "row" else width), text


@pytest.mark.parametrize("typed", ["nan", "inf", "-inf", "1_0", "1,000,0", "1.0.0", "- 3", "3-", "0x10", "1e400", "½", "٣"])
def test_what_is_not_a_plain_finite_number_is_refused(typed):
    assert questions.parse_number(typed) is None
    assert not questions.conv_size_question((5, 5), (3, 3)).check(typed)


@pytest.mark.parametrize(
    ("typed", "number"),
    [("–3", -3.0), ("−3", -3.0), ("+3", 3.0), ("1e3", 1000.0), ("2.5E-1", 0.25), (" 0,25 ", 0.25)],
)
def test_plain_numbers_with_any_minus_sign_are_read(typed, number):
    assert questions.parse_number(typed) == number


def test_numbers_handed_over_must_be_finite():
    assert questions.parse_number(float("nan")) is None and questions.parse_number(np.inf) is None
    assert questions.parse_number(np.int64(3)) == 3.0
