"""The quiz's questions, made from the same ops the concept pages draw (no Qt).

A question is asked before a step is drawn: the output size from the formula
(`visualizer.ops.shapes`), the value of the next output cell or which cell wins a max pool
(`visualizer.ops.trace`), or, in the inspector, which class a picture shows. Every answer and every
working is read from those ops' results, never computed a second way.

Typed values are compared after rounding to `DECIMALS` places: an answer within half the last
shown digit of the exact value counts, and the question says so.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from visualizer.ops import shapes
from visualizer.ops.trace import ConvStep, PoolStep, ScatterStep, format_number, format_sum

DECIMALS = 2
TOLERANCE = 0.5 * 10**-DECIMALS  # half the last digit shown
# A hair over the tolerance, so an answer typed exactly at the edge (1.245 for 1.24) is not refused
# by the float error of the subtraction.
_SLACK = 1e-9

SIZE, VALUE, WINNER, CLASS = "size", "value", "winner", "class"


@dataclass(frozen=True)
class Question:
    """text: what is asked, in words; kind: SIZE and VALUE take a typed number, WINNER a cell of
    the window (choices, (row, col) on the step's window), CLASS a class name (choices).
    answer: the right answer (an int, a float, a (row, col) or a class index);
    working: how the answer comes, written out; accepted: the other answers that are right too
    (cells holding the same maximum); hint: how an answer is compared, in words."""

    text: str
    kind: str
    answer: object
    working: str
    choices: tuple = ()
    accepted: tuple = ()
    hint: str = ""
    model_answer: int | None = None  # CLASS: the model's choice, which the reveal compares with
    true_known: bool = False  # CLASS: the answer is the picture's true class, not the model's choice

    def verdict(self, answer) -> str:
        """Right or wrong in words, with the right answer when it was missed."""
        right = self.check(answer)
        if self.kind != CLASS:
            return "Right!" if right else f"Not quite: the answer is {self.shown_answer()}."
        chosen = self.choices[answer] if isinstance(answer, int) and 0 <= answer < len(self.choices) else "?"
        model = self.choices[self.model_answer]
        agrees = "the model agrees" if answer == self.model_answer else f"the model chose {model}"
        if not self.true_known:
            return f"You chose {chosen}: {agrees}."
        truth = "right" if right else f"wrong: it is {self.shown_answer()}"
        return f"You chose {chosen}: {agrees}, and you are {truth}."

    def shown_answer(self) -> str:
        if self.kind == VALUE:
            return format_answer(self.answer)
        if self.kind == CLASS:
            return str(self.choices[self.answer])
        if self.kind == WINNER:
            return window_cell(*self.answer)
        return str(self.answer)

    def check(self, answer) -> bool:
        """Whether ``answer`` is right: a typed text or number for SIZE and VALUE, a choice for the others."""
        if self.kind in (SIZE, VALUE):
            number = parse_number(answer)
            if number is None:
                return False
            if self.kind == SIZE:
                return number == self.answer
            return abs(number - self.answer) <= TOLERANCE + _SLACK
        return answer == self.answer or answer in self.accepted


_NUMBER = re.compile(r"[+-]?\d+([.,]\d+)?([eE][+-]?\d+)?", re.ASCII)
_MINUS_SIGNS = str.maketrans({"\u2212": "-", "\u2013": "-"})  # the minus sign and the en dash


def parse_number(answer) -> float | None:
    """A typed number ("14", "-0.5", "0,25", "−3", "–3", "1e3"), or None when it is not one: no
    "nan" or "inf", no digit grouping ("1_000", "1,000,000"), nothing that is not finite."""
    if isinstance(answer, (int, float, np.integer, np.floating)):
        number = float(answer)
    else:
        text = str(answer).strip().translate(_MINUS_SIGNS)
        if not _NUMBER.fullmatch(text):
            return None
        number = float(text.replace(",", "."))
    return number if math.isfinite(number) else None


def format_answer(value: float) -> str:
    text = f"{value:.{DECIMALS}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


# --- sizes --------------------------------------------------------------------------------------


def _size_question(what: str, formulas: tuple[str, str], sizes: tuple[int, int]) -> Question:
    """Rows are asked; when columns differ, the working shows both."""
    if sizes[0] == sizes[1] and formulas[0] == formulas[1]:
        text = f"{what}: how many rows (and columns) will the output have?"
        working = formulas[0]
    else:
        text = f"{what}: how many rows will the output have?"
        working = f"rows: {formulas[0]}<br>columns: {formulas[1]}"
    return Question(text, SIZE, int(sizes[0]), working, hint="Type a whole number.")


def conv_size_question(input_hw, kernel_hw, stride=1, padding="valid", dilation=1) -> Question:
    sizes = shapes.conv_output_shape(input_hw, kernel_hw, stride, padding, dilation)
    formulas = shapes.conv_formula(input_hw, kernel_hw, stride, padding, dilation)
    return _size_question(f"Input {_hw(input_hw)}, kernel {_hw(kernel_hw)}{_settings(stride, padding, dilation)}", formulas, sizes)


def pool_size_question(input_hw, size=2, stride=None, padding="valid") -> Question:
    sizes = shapes.pool_output_shape(input_hw, size, stride, padding)
    formulas = shapes.pool_formula(input_hw, size, stride, padding)
    return _size_question(f"Input {_hw(input_hw)}, window {_hw(size)}{_settings(stride, padding)}", formulas, sizes)


def transpose_size_question(input_hw, kernel_hw, stride=1, padding="valid", output_padding=None) -> Question:
    sizes = shapes.conv_transpose_output_shape(input_hw, kernel_hw, stride, padding, output_padding)
    formulas = shapes.conv_transpose_formula(input_hw, kernel_hw, stride, padding, output_padding)
    extra = "" if output_padding is None else f", output_padding {_hw(output_padding)}"
    what = f"Transposed: input {_hw(input_hw)}, kernel {_hw(kernel_hw)}{_settings(stride, padding)}{extra}"
    return _size_question(what, formulas, sizes)


def _hw(value) -> str:
    rows, cols = shapes.as_pair(value, "size")
    return f"{rows}×{cols}"


def _settings(stride=None, padding="valid", dilation=1) -> str:
    parts = []
    if stride is not None:
        parts.append(f"stride {_hw(stride)}")
    parts.append(f"padding {padding if isinstance(padding, str) else tuple(padding)}")
    if shapes.as_pair(dilation, "dilation") != (1, 1):
        parts.append(f"dilation {_hw(dilation)}")
    return ", " + ", ".join(parts)


# --- cells --------------------------------------------------------------------------------------

_VALUE_HINT = f"Type a number; within ±{TOLERANCE:g} of the exact value counts ({DECIMALS} decimals)."


def _worked_sum(step) -> str:
    """The step's arithmetic, every term written, ending with the answer as the quiz shows it."""
    terms = format_sum(step, max_terms=max(1, int(np.size(step.window)))).rsplit(" = ", 1)[0]
    return f"{terms} = {format_answer(step.value)}"


def _window_place(step, origin, input_hw=None) -> str:
    """Where a step's window lies, in the coordinates of the input ``origin`` (top, left) starts at,
    naming the rows and columns of it that are padding: those outside ``input_hw`` where it is
    known, else those the step's padding mask marks wholly."""
    (top, left), mask = origin, np.asarray(step.is_padding)
    rows = [int(r) - top for r in step.rows]
    cols = [int(c) - left for c in step.cols]
    if input_hw is None:
        row_padding, col_padding = mask.all(axis=1), mask.all(axis=0)
    else:
        row_padding = [not 0 <= r < input_hw[0] for r in rows]
        col_padding = [not 0 <= c < input_hw[1] for c in cols]
    place = f"input rows {_span(rows)}, columns {_span(cols)}"
    padded = [f"row {r}" for r, pad in zip(rows, row_padding) if pad]
    padded += [f"column {c}" for c, pad in zip(cols, col_padding) if pad]
    if not padded:
        return place
    named = padded[0] if len(padded) == 1 else ", ".join(padded[:-1]) + " and " + padded[-1]
    return f"{place}, where {named} {'is' if len(padded) == 1 else 'are'} padding"


def _span(indices: list[int]) -> str:
    """Neighbours as "2 to 4", dilated taps one by one as "-2, 0, 2"."""
    if len(indices) > 1 and all(b - a == 1 for a, b in zip(indices, indices[1:])):
        return f"{indices[0]} to {indices[-1]}"
    return ", ".join(str(i) for i in indices)


def cell_value_question(step: ConvStep | PoolStep, origin=None, input_hw=None) -> Question:
    """The value of the output cell a convolution or an average / sum pooling step computes;
    ``origin``, the input's (top, left) on the padded input, names where its window lies, and
    ``input_hw``, the input's (rows, columns), which of it is padding."""
    if isinstance(step, PoolStep) and step.mode == "max":
        raise ValueError("a max pooling step asks which cell wins: use winner_question")
    how = {"avg": "the average of its window", "sum": "the sum of its window"}.get(getattr(step, "mode", ""), "")
    how = how or "each input value times the weight on it, all added up"
    place = "" if origin is None else f", over {_window_place(step, origin, input_hw)}"
    text = f"What will output[{step.out_row}, {step.out_col}] be? ({how}{place})"
    return Question(text, VALUE, float(step.value), _worked_sum(step), hint=_VALUE_HINT)


def window_cell(row: int, col: int) -> str:
    """A cell of a window, counted from 0 like every row, column and output[r, c] on the pages."""
    return f"window[{row}, {col}] (row {row}, column {col} of the window, counting from 0)"


def winner_question(step: PoolStep, origin=(0, 0), input_hw=None) -> Question:
    """Which cell of a max pooling window holds the largest value; a tie accepts every cell holding it."""
    if step.mode != "max" or step.winner is None:
        raise ValueError("only a max pooling step has a winner")
    window = np.asarray(step.window)
    winner = (int(step.winner[0] - step.rows[0]), int(step.winner[1] - step.cols[0]))
    real = ~np.asarray(step.is_padding)
    tied = tuple((int(r), int(c)) for r, c in zip(*np.nonzero(real & (window == step.value))) if (r, c) != winner)
    choices = tuple(
        tuple(None if step.is_padding[r, c] else format_number(window[r, c]) for c in range(window.shape[1]))
        for r in range(window.shape[0])
    )
    working = format_sum(step, max_terms=max(1, window.size))
    note = " (ties: each largest cell counts; the first in reading order is ringed)" if tied else ""
    working += f"<br>the largest is {window_cell(*winner)}{note}"
    place = _window_place(step, origin, input_hw)
    text = f"Which cell of the window wins the max pool for output[{step.out_row}, {step.out_col}] ({place})?"
    return Question(text, WINNER, winner, working, choices=choices, accepted=tied, hint="Click the cell that wins.")


def stamp_question(trace, index: int) -> Question:
    """Scatter view of a transposed convolution: what an output cell the stamp of step ``index``
    reaches will hold once it is added. The cell is one an earlier stamp reached too (overlapping
    stamps add up) and a later one will reach as well (the finished output on screen does not give
    it away), where the stamp has one."""
    step: ScatterStep = trace[index]
    inside = [(int(a), int(b)) for a, b in np.argwhere(step.in_output)]
    if not inside:
        raise ValueError("this stamp lands wholly in the cropped border")
    a, b = max(inside, key=lambda cell: _stamp_overlaps(trace, index, step.rows[cell[0]], step.cols[cell[1]]))
    row, col = int(step.rows[a]), int(step.cols[b])
    before = float(trace.partial_full(index - 1)[row, col])
    after = float(trace.partial_full(index)[row, col])
    added = float(step.stamp[a, b])
    out_row, out_col = int(step.out_rows[a]), int(step.out_cols[b])
    text = f"input[{step.in_row}, {step.in_col}] stamps next: what will output[{out_row}, {out_col}] hold once its stamp is added?"
    working = (
        f"{format_answer(before)} + {format_number(step.input_value)}×{format_number(step.kernel[a, b])} "
        f"= {format_answer(before)} + {format_answer(added)} = {format_answer(after)}"
    )
    return Question(text, VALUE, after, working, hint=_VALUE_HINT)


def _stamp_overlaps(trace, index: int, row: int, col: int) -> tuple[bool, bool]:
    """Whether a stamp before step ``index``, and one after it, reach cell (row, col) of the full result."""
    reaching = (trace.row_index == row).any(axis=1)[:, None] & (trace.col_index == col).any(axis=1)[None, :]
    steps = np.flatnonzero(reaching.reshape(-1))
    return bool((steps > index).any()), bool((steps < index).any())


def window_step_question(trace, index: int) -> Question:
    """The cell question for step ``index`` of a convolution or pooling trace."""
    step = trace[index]
    (top, bottom), (left, right) = trace.padding
    padded_hw = np.shape(trace.padding_mask)
    input_hw = (padded_hw[0] - top - bottom, padded_hw[1] - left - right)
    if isinstance(step, PoolStep) and step.mode == "max":
        return winner_question(step, (top, left), input_hw)
    return cell_value_question(step, (top, left), input_hw)


# --- the inspector ------------------------------------------------------------------------------


def class_question(class_names, probabilities, true_label: int | None) -> Question:
    """What a picture shows: right is the true class where it is known, else the model's choice;
    the reveal says whether the model agreed, and the working gives its top three."""
    probabilities = np.asarray(probabilities, dtype=np.float64)
    predicted = int(np.argmax(probabilities))
    top = np.argsort(probabilities)[::-1][:3]
    working = "Model: " + ", ".join(f"{class_names[i]} {probabilities[i]:.0%}" for i in top)
    if true_label is not None:
        verdict = "right" if predicted == true_label else "wrong"
        working += f"<br>True class: {class_names[true_label]} (the model is {verdict})"
    if true_label is None:
        text, hint, answer = "Which class will the model choose for this picture?", "Click a class.", predicted
    else:
        text, hint, answer = "What does this picture show?", "Click a class (the true class is known).", int(true_label)
    return Question(
        text, CLASS, answer, working, choices=tuple(class_names), hint=hint, model_answer=predicted, true_known=true_label is not None
    )
