"""What the form shows under the data choice when it is a folder of the user's own pictures.

The folder is looked at as soon as it is chosen, off the GUI thread (a survey of 100,000 files
reads 100,000 headers, which takes seconds): the classes with their counts, the first picture of
the first few classes as thumbnails, grey or colour, the files that cannot be read, the test part
set aside, and the picture size the app picks, which the user may change. Each look is tagged with
a number; the answer of a look that a newer choice has replaced is dropped. A folder the run
could not train on is said in words here, and ``problem()`` keeps Train off until another is chosen.
"""

from __future__ import annotations

import html
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PyQt6.QtCore import QObject, Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from superqt.utils import signals_blocked

from visualizer.imagefile import ImageError, read_picture
from visualizer.training.data import DataError
from visualizer.training.image_folder import MAX_SIDE, TEST_FRACTION, FolderSurvey, choose_image_size, survey_folder
from visualizer.ui.kit.plain import push_button, wrapping_label
from visualizer.ui.kit.thumbnails import thumbnail

log = logging.getLogger(__name__)

THUMBNAIL_CLASSES = 8  # the first picture of this many classes is shown
THUMBNAIL_SIDE = 40  # pixels on screen
THUMBNAIL_READ_SIDE = 96  # a large photo is decoded this small for its thumbnail
SIZE_RANGE = (8, 256)  # the picture sides the user may choose
LISTED_CLASSES = 12  # more classes than this are summed up as "and N more"
SPLIT_SEED = 0  # the seed image_folder.stratified_split is given by a run (datasets.load_dataset)
PROBLEM_COLOUR = "#b00020"
WARNING_COLOUR = "#8a5a00"


@dataclass(frozen=True)
class FolderLook:
    """One look at a folder, made off the GUI thread: the survey (None when the folder cannot be
    trained on, ``problem`` then says why) and the first picture of the first classes."""

    folder: str
    survey: FolderSurvey | None = None
    problem: str = ""
    thumbnails: tuple[tuple[str, np.ndarray], ...] = field(default=())


def look_at_folder(folder: str, on_progress=None) -> FolderLook:
    """Survey ``folder`` (headers only) and read one picture of each of the first classes; a long
    survey tells ``on_progress`` how far it has got, in words. Never raises for a bad folder:
    ``problem`` says what is wrong, in words."""
    try:
        survey = survey_folder(folder, on_progress=on_progress)
    except DataError as error:
        return FolderLook(folder, problem=str(error))
    mode = "rgb" if survey.colour else "gray"
    first: dict[int, Path] = {}
    for path, label in survey.files:  # sorted by class, then by name
        first.setdefault(label, path)
    thumbnails = []
    for label in sorted(first)[:THUMBNAIL_CLASSES]:
        try:
            picture = read_picture(first[label], mode, max_side=THUMBNAIL_READ_SIDE)
        except ImageError:  # damaged past its header: the run lists it as skipped
            continue
        thumbnails.append((survey.class_names[label], picture))
    if not any(count >= 2 for count in survey.class_counts().values()):
        return FolderLook(folder, survey, problem=(
            f"No class of {survey.folder} has two pictures that can be read, so no test part can be set aside: "
            "put two or more pictures in each class sub-folder."
        ), thumbnails=tuple(thumbnails))
    return FolderLook(folder, survey, thumbnails=tuple(thumbnails))


class _Answers(QObject):
    """Carries a finished look from its thread to the GUI thread (a queued signal)."""

    looked = pyqtSignal(int, object)  # the look's number, FolderLook
    progressed = pyqtSignal(int, str)  # the look's number, how far it has got


def _breakable(text: str) -> str:
    """``text`` as rich text that may wrap after each "/" of a path: a long path would otherwise
    widen the form's column to its full length."""
    return html.escape(text).replace("/", "/\u200b")


def _plural(count: int, word: str) -> str:
    """"1 class", "3 classes", "2 files"."""
    if count == 1:
        return f"1 {word}"
    return f"{count:,} {word}{'es' if word.endswith('s') else 's'}"


class FolderPanel(QWidget):
    """Shown while the data is a folder of class sub-folders. ``changed`` when a look ends or the
    user changes the picture size; ``looked`` (for the tests, and anyone waiting) when a look's
    answer is shown."""

    changed = pyqtSignal()
    looked = pyqtSignal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._folder: str | None = None
        self._look: FolderLook | None = None  # the answer shown; None while looking or with no folder
        self._number = 0  # of the newest look: older answers are dropped
        self._preferred_size: tuple[int, int] | None = None  # shown instead of the suggestion (remembered)
        self._answers = _Answers(self)
        self._answers.looked.connect(self._on_answers_looked)
        self._answers.progressed.connect(self._on_answers_progressed)
        self.summary = wrapping_label()
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.thumbnails = QHBoxLayout()
        self.thumbnails.setSpacing(4)
        self.unreadable_label = wrapping_label()
        self.show_unreadable_button = push_button(
            "Show…", "List the files that cannot be read, and why", self._on_show_unreadable_clicked)
        self.unreadable_box: QMessageBox | None = None
        self.height_spin = self._size_spin("Height the pictures are resized to (the app suggests one from their sizes)")
        self.width_spin = self._size_spin("Width the pictures are resized to (the app suggests one from their sizes)")
        self.size_note = wrapping_label()
        self.problem_label = wrapping_label()
        self.problem_label.setTextFormat(Qt.TextFormat.RichText)
        self._lay_out()
        self.setVisible(False)

    def _size_spin(self, tip: str) -> QSpinBox:
        spin = QSpinBox()
        spin.setRange(*SIZE_RANGE)
        spin.setSuffix(" px")
        spin.setToolTip(tip)
        spin.valueChanged.connect(self._on_size_spin_changed)
        return spin

    def _lay_out(self) -> None:
        unreadable = QHBoxLayout()
        unreadable.addWidget(self.unreadable_label, 1)
        unreadable.addWidget(self.show_unreadable_button)
        self.size_row = QWidget()
        size = QGridLayout(self.size_row)
        size.setContentsMargins(0, 0, 0, 0)
        size.addWidget(QLabel("Picture size"), 0, 0)
        size.addWidget(self.height_spin, 0, 1)
        size.addWidget(QLabel("×"), 0, 2)
        size.addWidget(self.width_spin, 0, 3)
        size.setColumnStretch(4, 1)
        size.addWidget(self.size_note, 1, 0, 1, 5)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addLayout(self.thumbnails)
        layout.addLayout(unreadable)
        layout.addWidget(self.size_row)
        layout.addWidget(self.problem_label)

    # -- reading ---------------------------------------------------------------------------------
    def looking(self) -> bool:
        return self._folder is not None and self._look is None

    def problem(self) -> str:
        """Why the folder cannot be trained on now, in words; "" when it can (or no folder is shown)."""
        if self._folder is None:
            return ""
        if self._look is None:
            return "The app is still looking at your pictures."
        return self._look.problem

    def image_size(self) -> tuple[int, int] | None:
        """(height, width) the pictures are resized to; None when not known (no folder, or looking)."""
        if self._look is None or self._look.survey is None:
            return None
        return (self.height_spin.value(), self.width_spin.value())

    def input_shape(self) -> tuple[int, int, int] | None:
        size = self.image_size()
        if size is None:
            return None
        return (*size, 3 if self._look.survey.colour else 1)

    def class_count(self) -> int | None:
        survey = self._look.survey if self._look is not None else None
        return len(survey.class_names) if survey is not None else None

    # -- what the form tells it -----------------------------------------------------------------
    def show_folder(self, folder: str | None) -> None:
        """Look at ``folder`` (None: the data is no folder of pictures; the panel hides). The same
        folder again keeps what was found; another starts a new look, and the answer of any look
        still under way is dropped."""
        if folder == self._folder:
            return
        self._folder, self._look, self._preferred_size = folder, None, None
        self._number += 1
        self.setVisible(folder is not None)
        if folder is None:
            return
        self._show_looking(folder)
        number, answers = self._number, self._answers
        threading.Thread(target=self._look_in_thread, args=(folder, number, answers),
                         name="folder-look", daemon=True).start()

    def prefer_size(self, size: tuple[int, int]) -> None:
        """Show ``size`` (height, width) instead of the suggested one when the look under way ends:
        the size the user chose for this folder last time."""
        if self.looking():
            self._preferred_size = tuple(min(max(side, SIZE_RANGE[0]), SIZE_RANGE[1]) for side in size)

    @staticmethod
    def _look_in_thread(folder: str, number: int, answers: _Answers) -> None:
        def progressed(text: str) -> None:
            try:
                answers.progressed.emit(number, text)
            except RuntimeError:  # the panel was closed and deleted meanwhile
                pass

        try:
            look = look_at_folder(folder, progressed)
        except Exception as error:  # a folder that changes while it is read, a full disk...: said, not fatal
            log.exception("looking at %s failed", folder)
            look = FolderLook(folder, problem=f"The folder {folder} could not be looked at: {error}.")
        try:
            answers.looked.emit(number, look)
        except RuntimeError:  # the panel was closed and deleted meanwhile
            pass

    def _on_answers_progressed(self, number: int, text: str) -> None:
        if number == self._number and self.looking():
            self.summary.setText(f"{text} ({_breakable(self._folder)})")

    def _on_answers_looked(self, number: int, look: FolderLook) -> None:
        if number != self._number:  # a newer choice replaced this folder
            return
        self._look = look
        self._show_look(look)
        self.looked.emit()
        self.changed.emit()

    # -- showing -----------------------------------------------------------------------------------
    def _show_looking(self, folder: str) -> None:
        self.summary.setText(f"Looking at your pictures in {_breakable(folder)}…")
        self.summary.setVisible(True)
        self._set_thumbnails(())
        for widget in (self.unreadable_label, self.show_unreadable_button, self.size_row, self.problem_label):
            widget.setVisible(False)

    def _show_look(self, look: FolderLook) -> None:
        survey = look.survey
        self.summary.setText(self._summary_html(survey) if survey is not None else "")
        self.summary.setVisible(survey is not None)
        self._set_thumbnails(look.thumbnails)
        unreadable = survey.unreadable if survey is not None else ()
        self.unreadable_label.setText(
            f"{_plural(len(unreadable), 'file')} cannot be read and {'is' if len(unreadable) == 1 else 'are'} "
            "skipped.")
        for widget in (self.unreadable_label, self.show_unreadable_button):
            widget.setVisible(bool(unreadable))
        self.size_row.setVisible(survey is not None)
        if survey is not None:
            suggested = choose_image_size(survey.sizes)
            shown = self._preferred_size or suggested
            with signals_blocked(self.height_spin, self.width_spin):
                self.height_spin.setValue(shown[0])
                self.width_spin.setValue(shown[1])
            self.size_note.setText(
                f"Suggested {suggested[0]}×{suggested[1]}: the pictures' middle size, at most {MAX_SIDE} on a side. "
                "Every picture is resized to this size.")
        self.problem_label.setText(f'<span style="color:{PROBLEM_COLOUR}">{_breakable(look.problem)}</span>')
        self.problem_label.setVisible(bool(look.problem))

    def _summary_html(self, survey: FolderSurvey) -> str:
        counts = survey.class_counts()
        shown = [f"{html.escape(name)} {count:,}" for name, count in list(counts.items())[:LISTED_CLASSES]]
        if len(counts) > LISTED_CLASSES:
            shown.append(f"and {len(counts) - LISTED_CLASSES} more")
        kind = "colour" if survey.colour else "grey"
        text = (f"<b>{_plural(len(counts), 'class')}</b>, {_plural(len(survey.files), 'picture')} ({kind}): "
                f"{', '.join(shown)}.<br>A stratified {round(TEST_FRACTION * 100)}% of each class is set aside "
                f"as the test part (the same every time: seed {SPLIT_SEED}).")
        alone = [name for name, count in counts.items() if count == 1]
        empty = [name for name, count in counts.items() if count == 0]
        if alone:
            text += (f'<br><span style="color:{WARNING_COLOUR}">Only one picture in {html.escape(", ".join(alone))}: '
                     "it is used for training only and never tested. Add a picture or more to test it.</span>")
        if empty:
            text += (f'<br><span style="color:{WARNING_COLOUR}">No readable picture in {html.escape(", ".join(empty))}: '
                     "the network still has an output for it, which it never learns. Add pictures or remove "
                     "the sub-folder.</span>")
        return text

    def _set_thumbnails(self, thumbnails) -> None:
        while self.thumbnails.count():
            widget = self.thumbnails.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        for name, picture in thumbnails:
            label = QLabel()
            label.setPixmap(thumbnail(picture, THUMBNAIL_SIDE))
            label.setFixedSize(THUMBNAIL_SIDE, THUMBNAIL_SIDE)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setToolTip(f"The first picture of {name}")
            label.setAccessibleName(f"first picture of {name}")
            self.thumbnails.addWidget(label)
        self.thumbnails.addStretch(1)

    # -- reacting ----------------------------------------------------------------------------------
    def _on_size_spin_changed(self, _value: int) -> None:
        self.changed.emit()

    def _on_show_unreadable_clicked(self) -> None:
        survey = self._look.survey if self._look is not None else None
        if survey is None:
            return
        box = QMessageBox(QMessageBox.Icon.Information, "Files that cannot be read",
                          f"{_plural(len(survey.unreadable), 'file')} in {survey.folder} cannot be read; "
                          "the run skips them. Open one in an image viewer to see what is wrong, or remove it.",
                          QMessageBox.StandardButton.Close, self)
        box.setDetailedText("\n".join(survey.unreadable))
        self.unreadable_box = box
        box.open()  # not modal for the app: the window goes on
