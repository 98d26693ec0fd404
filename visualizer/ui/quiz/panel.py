"""QuizPanel: asks one question in large type, takes the answer (typed, Enter submits, or a
clicked choice), then reveals right or wrong with the working, and keeps the score in view.

The reveal stays until the next question or `clear()`: the page decides when to step on.
"""

from __future__ import annotations

import html

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtGui import QColor, QFont, QFontMetrics
from PyQt6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from visualizer.ui.kit.theme import readable_text_colour
from visualizer.ui.quiz.questions import CLASS, WINNER, Question, parse_number
from visualizer.ui.quiz.session import session

RIGHT_COLOUR, WRONG_COLOUR = "#1a7f37", "#c62828"
CLASS_COLUMNS = 5
STEP_IDLE_TEXT = "<b>Quiz mode</b>: press Step to get a question before each step."
CELL_FONT_SCALE = 1.4
PADDING_TEXT = "pad"  # a padding cell of a max pool window: it can never win
QUESTION_SCALE = 1.5  # the question's "x-large" type against the application font
QUESTION_LINES = 2  # the lines a question usually takes: the panel keeps room for them


def _rich_label(tip: str = "") -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    if tip:
        label.setToolTip(tip)
    return label


class QuizPanel(QFrame):
    """One page's quiz box; `page_title` names its line of the score."""

    answered = pyqtSignal(bool)  # right or not, once revealed
    skipped = pyqtSignal()

    def __init__(
        self,
        page_title: str,
        parent: QWidget | None = None,
        class_columns: int = CLASS_COLUMNS,
        idle_text: str = STEP_IDLE_TEXT,
        compact: bool = False,
    ) -> None:
        """``compact``: for a narrow column, where what the reveal uncovers shows the answer too;
        the reveal then replaces the question and the choices, in smaller type."""
        super().__init__(parent)
        self._compact = compact
        self._idle_text = idle_text
        self.setObjectName("quizPanel")
        self._class_columns = class_columns
        self.setFrameShape(QFrame.Shape.StyledPanel)
        # As tall as its room (`_reserve_room`), so that the demo above it keeps its place and size
        # from step to step instead of jumping as a question, a reveal or the idle line replace each other.
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self._room = 0
        self._sample: Question | None = None  # the question the room was last made for
        self._measuring = False
        self._page_title = page_title
        self._question: Question | None = None
        self._revealed = False
        self.question_label = _rich_label("The question: answer it before the step is drawn")
        self.hint_label = _rich_label()
        self.answer_edit = QLineEdit()
        self.answer_edit.setPlaceholderText("your answer")
        self.answer_edit.setToolTip("Type the answer and press Enter")
        self.submit_button = QPushButton("Answer")
        self.submit_button.setToolTip("Check the answer (Enter)")
        self.skip_button = QPushButton("Skip")
        self.skip_button.setToolTip("Draw the step without answering; it does not count")
        self.answer_row = QWidget()
        row = QHBoxLayout(self.answer_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.answer_edit, 1)
        row.addWidget(self.submit_button)
        self.choices = QWidget()
        self._choice_layout = QGridLayout(self.choices)
        self._choice_layout.setContentsMargins(0, 0, 0, 0)
        self._choice_layout.setSpacing(3)
        self._choice_layout.setAlignment(Qt.AlignmentFlag.AlignLeft)
        self.reveal_label = _rich_label("Right or wrong, and how the answer comes")
        self.score_label = QLabel()
        self.score_label.setWordWrap(True)
        self.score_label.setToolTip("Right answers out of questions asked, since the app opened")
        bottom = QHBoxLayout()
        bottom.addWidget(self.score_label, 1)
        bottom.addWidget(self.skip_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(4)
        layout.addWidget(self.question_label)
        layout.addWidget(self.hint_label)
        layout.addWidget(self.answer_row)
        layout.addWidget(self.choices)
        layout.addWidget(self.reveal_label)
        layout.addStretch(1)  # the room a shorter state leaves stays under the text, the score at the bottom
        layout.addLayout(bottom)

        self.answer_edit.returnPressed.connect(self._on_answer_submitted)
        self.submit_button.clicked.connect(self._on_answer_submitted)
        self.skip_button.clicked.connect(self._on_skip_clicked)
        session().scoreChanged.connect(self._show_score)
        self.clear()

    # -- state ---------------------------------------------------------------------------------
    def question(self) -> Question | None:
        return self._question

    def is_asking(self) -> bool:
        """A question is on screen and not answered yet."""
        return self._question is not None and not self._revealed

    # -- asking and revealing ------------------------------------------------------------------
    def ask(self, question: Question) -> None:
        self._question, self._revealed = question, False
        self.question_label.show()
        self.question_label.setText(f'<span style="font-size: x-large; font-weight: bold">{html.escape(question.text)}</span>')
        self.hint_label.setText(f"<i>{html.escape(question.hint)}</i>")
        self.hint_label.show()
        self.reveal_label.clear()
        self.reveal_label.hide()
        typed = question.kind not in (WINNER, CLASS)
        self.answer_edit.clear()
        self.answer_row.setVisible(typed)
        self._fill_choices(question)
        self.choices.setVisible(not typed)
        self.skip_button.show()
        self._show_score()
        if typed and self.isVisible() and not self._measuring:
            self.answer_edit.setFocus()
        self._reserve_room()

    def submit(self, answer) -> bool:
        """Reveal the answer to the question asked, count it, and say whether it was right."""
        question = self._question
        if question is None or self._revealed:
            return False
        right = question.check(answer)
        self._show_reveal(question, answer, right)
        session().record(self._page_title, right)
        self.answered.emit(right)
        return right

    def clear(self) -> None:
        """No question: the panel shows only the score."""
        self._question, self._revealed = None, False
        self.question_label.setText(f'<span style="font-size: large">{self._idle_text}</span>')
        self.question_label.show()
        for widget in (self.hint_label, self.answer_row, self.choices, self.reveal_label, self.skip_button):
            widget.hide()
        self._show_score()
        self._reserve_room()

    # -- room ----------------------------------------------------------------------------------
    def _reserve_room(self, start_again: bool = False) -> None:
        """Hold the panel at the tallest height it has needed at this width, and at least at the
        room of a question over two lines in large type with its hint, answer row and score."""
        if start_again:
            self._room = 0
        layout = self.layout()
        width = self.width() if self.isVisible() else self.sizeHint().width()
        needed = layout.totalHeightForWidth(width) if layout.hasHeightForWidth() else layout.totalSizeHint().height()
        self._room = max(self._room, needed, self._usual_room())
        if self.height() != self._room or self.minimumHeight() != self._room:
            self.setFixedHeight(self._room)

    def _usual_room(self) -> int:
        large = QFont(self.font())
        large.setPointSizeF(self.font().pointSizeF() * QUESTION_SCALE)
        margins = self.layout().contentsMargins()
        spacing = self.layout().spacing()
        return (
            margins.top() + margins.bottom() + 4 * spacing
            + QUESTION_LINES * QFontMetrics(large).lineSpacing()
            + self.fontMetrics().lineSpacing()  # the hint
            + self.answer_edit.sizeHint().height()
            + self.skip_button.sizeHint().height()
        )

    def _measure_again(self) -> None:
        """A new width or font wraps the text anew: the room is measured again, for the question
        it was made for when the panel is idle, else for what it shows (it only grows until then)."""
        if self._question is None and self._sample is not None:
            self.reserve_room_for(self._sample)
        else:
            self._reserve_room(start_again=self._question is None)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self._measure_again()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.FontChange:
            self._measure_again()

    def reserve_room_for(self, question: Question) -> None:
        """Make room now for ``question`` asked and then revealed (missed: the longer verdict), so
        that neither moves the demo when it comes; the panel is left idle."""
        self._sample = question
        self._room = 0
        self._measuring = True
        try:
            self.ask(question)
            self._show_reveal(question, None, question.check(None))
        finally:
            self._measuring = False
        self.clear()

    def _show_reveal(self, question: Question, answer, right: bool) -> None:
        self._revealed = True
        colour = readable_text_colour_name(RIGHT_COLOUR if right else WRONG_COLOUR)
        mark = "✔" if right else "✘"
        verdict = html.escape(question.verdict(answer))
        verdict_size, working_size = ("large", "medium") if self._compact else ("x-large", "large")
        self.reveal_label.setText(
            f'<span style="font-size: {verdict_size}; font-weight: bold; color: {colour}">{mark} {verdict}</span>'
            f'<br><span style="font-size: {working_size}">{question.working}</span>'
        )
        if self._compact:
            self.question_label.hide()
            self.choices.hide()
        self.reveal_label.show()
        self.answer_row.hide()
        self._mark_choices(question, answer)
        self.choices.setEnabled(False)
        self.hint_label.hide()
        self.skip_button.hide()
        self._reserve_room()


    # -- parts ---------------------------------------------------------------------------------
    def _fill_choices(self, question: Question) -> None:
        while self._choice_layout.count():
            self._choice_layout.takeAt(0).widget().deleteLater()
        self.choices.setEnabled(True)
        if question.kind == WINNER:
            for r, row in enumerate(question.choices):
                for c, text in enumerate(row):
                    button = self._choice_button(PADDING_TEXT if text is None else text, (r, c))
                    button.setEnabled(text is not None)
                    self._make_cell_sized(button)
                    self._choice_layout.addWidget(button, r, c)
        elif question.kind == CLASS:
            for index, name in enumerate(question.choices):
                self._choice_layout.addWidget(self._choice_button(name, index), *divmod(index, self._class_columns))

    def _mark_choices(self, question: Question, answer) -> None:
        """On the choice buttons: ✔ on each right one, ✘ on a wrong one picked."""
        for button in self.choice_buttons():
            value = button.property("answer")
            value = tuple(value) if isinstance(value, list) else value
            if question.check(value):
                button.setText(f"✔ {button.text()}")
            elif value == answer:
                button.setText(f"✘ {button.text()}")

    def _make_cell_sized(self, button: QPushButton) -> None:
        """A window cell as a large square-ish button, laid out like the window, readable from the back."""
        font = button.font()
        font.setPointSizeF(font.pointSizeF() * CELL_FONT_SCALE)
        font.setBold(True)
        button.setFont(font)
        line = button.fontMetrics().height()
        button.setFixedSize(int(3.5 * line), int(1.8 * line))

    def _choice_button(self, text: str, answer) -> QPushButton:
        button = QPushButton(text)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keep Space/arrows for the window shortcuts
        button.setProperty("answer", answer)
        button.clicked.connect(lambda: self.submit(answer))
        return button

    def choice_buttons(self) -> list[QPushButton]:
        return [self._choice_layout.itemAt(i).widget() for i in range(self._choice_layout.count())]

    def _show_score(self) -> None:
        self.score_label.setText(session().score.describe(self._page_title))

    def _on_answer_submitted(self) -> None:
        if self._question is None or self._question.kind in (WINNER, CLASS):
            return
        if parse_number(self.answer_edit.text()) is None:  # a slip of the keyboard is not an answer
            self.hint_label.setText(f"<i>That is not a number. {html.escape(self._question.hint)}</i>")
            return
        self.submit(self.answer_edit.text())

    def _on_skip_clicked(self) -> None:
        self.skipped.emit()


def readable_text_colour_name(colour: str) -> str:
    """The verdict's colour, made readable on the current theme's background."""
    return readable_text_colour(QColor(colour)).name()
