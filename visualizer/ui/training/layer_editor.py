"""The network part of the training form: a preset (the seed's CNN, its fully connected baseline,
or your own layers) and the list of layers, which the user edits row by row.

Each row shows its output shape and parameter count, worked out by the app's own size rules
(:func:`visualizer.training.layer_list.work_out_network`) as the user types, and the total below.
A layer that cannot follow the one above it (a window larger than the picture, a conv after
Flatten) is explained under the list in words, with the formula and a link to the concept page
that shows why; the form's ``problem()`` then keeps Train disabled. The list ends in the output
layer the app always adds (Dense, one unit per class), shown as a fixed last row.

"Save network…" writes the list as a plain .keras file (network_file.py, in a child process,
since it needs Keras); "Open network…" fills the list from one (``open_network_file``), or, for a
network the list cannot show, offers to train the file as it is (file_network.py): the Network
menu then names the file and a line naming it takes the rows' place.
"""

from __future__ import annotations

import dataclasses
import html
import json
import os
import sys
from pathlib import Path

from PyQt6.QtCore import QEvent, QProcess, QProcessEnvironment, Qt, pyqtSignal
from PyQt6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PyQt6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QMenu,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from superqt.utils import signals_blocked

from visualizer.training.architecture import as_layer_list
from visualizer.training.config import MODEL_TITLES, TrainConfig
from visualizer.training.layer_list import (
    LayerProblem,
    LayerSpec,
    Worked,
    row_title,
    specs_to_json,
    work_out_network,
)
from visualizer.training.network_file import ERROR_MARK, NetworkFileError, read_network_file
from visualizer.ui.kit.plain import push_button, wrapping_label
from visualizer.ui.kit.save_file import ask_save_path
from visualizer.ui.training import file_network
from visualizer.ui.training.file_network import FILE
from visualizer.ui.training.layer_fields import KIND_TITLES, RowFields

PRESETS = ("cnn", "fc")
OWN = "layers"
# What a row added from the menu starts as: the settings a beginner would pick first.
NEW_ROWS = {
    "conv": LayerSpec("conv", filters=32, kernel=(3, 3), stride=(1, 1), padding="same"),
    "pool": LayerSpec("pool", mode="max", size=(2, 2), stride=None),
    "batchnorm": LayerSpec("batchnorm"),
    "dropout": LayerSpec("dropout", rate=0.25),
    "flatten": LayerSpec("flatten"),
    "global_pool": LayerSpec("global_pool", mode="average"),
    "dense": LayerSpec("dense", units=64, activation="relu"),
}
# What each kind of layer does, in the Add layer menu.
ADD_MENU_HINTS = {
    "conv": "filters slide over the picture",
    "pool": "shrink the maps (max or average)",
    "batchnorm": "rescale each channel",
    "dropout": "switch values off at random while training",
    "flatten": "the maps as one flat list",
    "global_pool": "one number per map",
    "dense": "every input to every unit",
}
# The network fields of TrainConfig that the presets read (kept while a preset is chosen, so a
# recorded run's CNN with other blocks trains again as it was).
PRESET_FIELDS = ("conv_blocks", "conv_dropout", "dense_units", "dense_dropout", "fc_units")
PROBLEM_COLOUR = "#b00020"  # in the label's rich text: a style sheet would keep it from growing with the type
PROBLEM_ROW = QColor("#ffd7d7")
UNKNOWN = "?"
NETWORK_FILTER = "Keras networks (*.keras)"
PACKAGE_ROOT = str(Path(__file__).resolve().parents[3])  # the folder holding the visualizer package
MAX_SHOWN_ROWS = 16  # a longer list scrolls inside its table


def _size(shape) -> str:
    return "×".join(str(size) for size in shape)


def problem_html(problem: LayerProblem, spec: LayerSpec | None) -> str:
    """The explanation under the list: which layer (None: the list as a whole), why in words, the
    formula, and the link."""
    if spec is None:
        title = "The list cannot make a network."
    else:
        title = f"Layer {problem.index + 1} ({html.escape(row_title(spec))}) cannot be built."
    text = f'<span style="color:{PROBLEM_COLOUR}"><b>{title}</b> {html.escape(problem.message)}'
    if problem.formula:
        axes = [line.split(": ", 1) for line in problem.formula.split("; ")]
        if len(axes) == 2 and axes[0][1] == axes[1][1]:
            axes = [["rows and columns", axes[0][1]]]  # the same sum for both: once is enough
        for axis, formula in axes:
            text += f"<br>{html.escape(axis)}:<br><tt>{html.escape(formula)}</tt>"
    text += "</span>"
    if problem.page:
        text += f'<br><a href="{problem.page}">Why? See Stride and padding</a>'
    return text


class LayerEditor(QWidget):
    """The network chooser and layer list. ``changed`` whenever the network or its rows change;
    ``pageRequested(name)`` when the user follows the link to a concept page."""

    changed = pyqtSignal()
    pageRequested = pyqtSignal(str)
    savingDone = pyqtSignal(str)  # "Save network…" ended: "" when the file was written, else why not

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._specs: list[LayerSpec] = []
        self._base = TrainConfig()  # the preset's settings while a preset is chosen
        self._input_shape: tuple[int, int, int] | None = (28, 28, 1)
        self._class_count: int | None = 10
        self._worked: Worked | None = None
        self._saving: QProcess | None = None
        self._file: str | None = None  # a network trained from its file (the Network menu's FILE entry)
        self.network = QComboBox()
        for kind, (title, _short) in MODEL_TITLES.items():
            if kind in (*PRESETS, OWN):
                self.network.addItem(title, kind)
        self.network.setToolTip(
            "Start from the seed notebook's CNN or its fully connected network, then change the layers "
            "below: any change makes it your own"
        )
        self.table = self._build_table()
        self.fields = RowFields()
        self.total_label = wrapping_label()
        self.problem_label = wrapping_label()
        self.problem_label.setObjectName("layerProblem")
        self.problem_label.setTextFormat(Qt.TextFormat.RichText)
        self.problem_label.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse
                                                   | Qt.TextInteractionFlag.LinksAccessibleByKeyboard)
        self.problem_label.linkActivated.connect(self.pageRequested)
        self.note_label = wrapping_label()  # what Save / Open did
        self.file_label = wrapping_label()  # in the rows' place while a network from a file is chosen
        self.file_label.setTextFormat(Qt.TextFormat.RichText)
        self._lay_out()
        self.network.currentIndexChanged.connect(self._on_network_changed)
        self.table.itemSelectionChanged.connect(self._on_table_selection_changed)
        self.fields.rowEdited.connect(self._on_fields_row_edited)
        self.set_network(TrainConfig())

    def _build_table(self) -> QTableWidget:
        table = QTableWidget(0, 3)
        table.setHorizontalHeaderLabels(["Layer", "Output", "Params"])
        table.verticalHeader().setVisible(False)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        table.setToolTip(
            "The network, input to output: each row's output shape and learned numbers (parameters). "
            "Choose a row to change it below (Delete removes it, Ctrl+Up / Ctrl+Down move it)"
        )
        table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 8)
        table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        return table

    def _fit_table(self) -> None:
        """Tall enough for every row (the form scrolls, not the list), up to MAX_SHOWN_ROWS, and wide
        enough for every row's words, whatever the type size (the form's column grows with it)."""
        table, frame = self.table, 2 * self.table.frameWidth()
        rows = min(table.rowCount(), MAX_SHOWN_ROWS)
        table.setFixedHeight(table.horizontalHeader().height() + rows * table.verticalHeader().defaultSectionSize() + frame)
        header = table.horizontalHeader()
        width = sum(max(table.sizeHintForColumn(column), header.sectionSizeHint(column)) for column in range(3))
        if table.rowCount() > MAX_SHOWN_ROWS:
            width += table.verticalScrollBar().sizeHint().width()
        table.setMinimumWidth(width + frame)

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fit_table()

    def _lay_out(self) -> None:
        self.add_button = QPushButton("Add layer")
        self.add_button.setToolTip("Add a layer below the chosen row (Insert)")
        menu = QMenu(self.add_button)
        for kind in NEW_ROWS:
            action = menu.addAction(f"{KIND_TITLES[kind]}: {ADD_MENU_HINTS[kind]}")
            action.triggered.connect(lambda _checked=False, chosen=kind: self.add_row(chosen))
        self.add_button.setMenu(menu)
        self.remove_button = push_button("Remove", "Remove the chosen layer (Delete)", self.remove_row)
        self.up_button = push_button("▲", "Move the chosen layer up (Ctrl+Up)", lambda: self.move_row(-1))
        self.down_button = push_button("▼", "Move the chosen layer down (Ctrl+Down)", lambda: self.move_row(1))
        for keys, slot in (("Insert", self.add_button.showMenu), ("Delete", self.remove_row),
                           ("Ctrl+Up", lambda: self.move_row(-1)), ("Ctrl+Down", lambda: self.move_row(1))):
            shortcut = QShortcut(QKeySequence(keys), self.table)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(slot)
        self.save_button = push_button("Save network…", "Save these layers as a plain .keras file (untrained)",
                                       self._on_save_clicked)
        self.open_button = push_button("Open network…", "Fill the list from a .keras file's layers (or train a network "
                                       "the list cannot show from its file, as it is)",
                                       self._on_open_clicked)
        self._edit_buttons = QWidget()  # hidden with the rows
        edit_row = QHBoxLayout(self._edit_buttons)
        edit_row.setContentsMargins(0, 0, 0, 0)
        for button in (self.add_button, self.remove_button, self.up_button, self.down_button):
            edit_row.addWidget(button)
        file_row = QHBoxLayout()
        file_row.addWidget(self.save_button)
        file_row.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.network)
        layout.addWidget(self.file_label)
        layout.addWidget(self.table)
        layout.addWidget(self.total_label)
        layout.addWidget(self.problem_label)
        layout.addWidget(self._edit_buttons)
        layout.addWidget(self.fields)
        layout.addLayout(file_row)
        layout.addWidget(self.note_label)

    # -- reading -------------------------------------------------------------------------------
    def kind(self) -> str:
        return self.network.currentData()

    def layers(self) -> tuple[LayerSpec, ...]:
        return tuple(self._specs)

    def network_file(self) -> str | None:
        """The .keras file of a network trained from its file, while that is chosen; else None."""
        return self._file if self.kind() == FILE else None

    def config_fields(self) -> dict:
        """The TrainConfig fields of the network shown: the preset's settings, the own list, or the file."""
        if self.kind() == FILE:
            return {"model": FILE, "model_file": self._file}
        if self.kind() == OWN:
            return {"model": OWN, "layers": tuple(self._specs)}
        return {"model": self.kind(), **{name: getattr(self._base, name) for name in PRESET_FIELDS}}

    def problem(self) -> LayerProblem | None:
        """Why the list cannot make a network for the data chosen; None when it can (or when the
        picture size is not known yet, or the network is a file's, which the run checks)."""
        if self.kind() == FILE:
            return None
        return self._worked.problem if self._worked is not None else None

    def problem_text(self) -> str:
        problem = self.problem()
        if problem is None:
            return ""
        return f"Layer {problem.index + 1} cannot be built: {problem.message}"

    # -- what the form tells it ----------------------------------------------------------------
    def set_data(self, input_shape: tuple[int, int, int] | None, class_count: int | None) -> None:
        """The picture the network takes (None: not known yet, a folder still being looked at) and the
        classes it tells apart."""
        self._input_shape = tuple(input_shape) if input_shape is not None else None
        self._class_count = class_count
        self._refresh()

    def set_network(self, config: TrainConfig) -> None:
        """Show ``config``'s network: a preset with its settings, the own list, or a file's network
        (by its file); any other shows as the seed's CNN. No ``changed``."""
        if config.model == FILE and config.model_file:
            self.show_network_file(config.model_file)
            return
        if config.model not in (*PRESETS, OWN):
            config = dataclasses.replace(config, model="cnn")
        if config.model in PRESETS:
            self._base = config
        with signals_blocked(self.network):
            self.network.setCurrentIndex(max(self.network.findData(config.model), 0))
        self._specs = list(as_layer_list(config)) if config.model in (*PRESETS, OWN) else []
        self._refresh(select=0 if self._specs else None)

    def show_network_file(self, path: str) -> None:
        """Train the network in the .keras file at ``path`` as it is: the Network menu's entry for
        it, chosen, and a line naming it instead of the rows. No ``changed``."""
        self._file = str(path)
        index = self.network.findData(FILE)
        with signals_blocked(self.network):
            if index < 0:
                self.network.addItem("", FILE)
                index = self.network.count() - 1
            self.network.setItemText(index, file_network.entry_title(self._file))
            self.network.setItemData(index, self._file, Qt.ItemDataRole.ToolTipRole)
            self.network.setCurrentIndex(index)
        self._refresh()

    def use_network_file(self, path: str) -> None:
        """show_network_file, and say so."""
        self.show_network_file(path)
        self.changed.emit()

    def show_layers(self, specs) -> None:
        """Make ``specs`` the own list. No ``changed``."""
        self._specs = list(specs)
        self._make_own()
        self._refresh(select=0 if self._specs else None)

    def set_layers(self, specs) -> None:
        """Make ``specs`` the own list (as "Open network…" does) and say so."""
        self.show_layers(specs)
        self.changed.emit()

    # -- editing -------------------------------------------------------------------------------
    def selected_index(self) -> int | None:
        """The chosen layer (0-based), or None (none, or the fixed input or output row)."""
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        index = rows[0].row() - 1  # row 0 is the input
        return index if 0 <= index < len(self._specs) else None

    def add_row(self, kind: str) -> None:
        chosen = self.selected_index()
        at = len(self._specs) if chosen is None else chosen + 1
        self._specs.insert(at, NEW_ROWS[kind])
        self._edited(select=at)

    def remove_row(self) -> None:
        chosen = self.selected_index()
        if chosen is None:
            return
        del self._specs[chosen]
        self._edited(select=min(chosen, len(self._specs) - 1) if self._specs else None)

    def move_row(self, step: int) -> None:
        chosen = self.selected_index()
        if chosen is None or not 0 <= chosen + step < len(self._specs):
            return
        self._specs[chosen], self._specs[chosen + step] = self._specs[chosen + step], self._specs[chosen]
        self._edited(select=chosen + step)

    def _edited(self, select: int | None) -> None:
        self._make_own()
        self._refresh(select=select)
        self.changed.emit()

    def _make_own(self) -> None:
        with signals_blocked(self.network):
            self.network.setCurrentIndex(self.network.findData(OWN))

    def _on_network_changed(self, _index: int) -> None:
        kind = self.kind()
        if kind in PRESETS:
            self._base = TrainConfig(model=kind)
            self._specs = list(as_layer_list(self._base))
            self._refresh(select=0)
        else:  # the own list as it was, or the file's network
            self._refresh()
        self.changed.emit()

    def _on_fields_row_edited(self, spec: LayerSpec) -> None:
        chosen = self.selected_index()
        if chosen is not None:
            self._specs[chosen] = spec
            self._make_own()
            self._refresh()
            self.changed.emit()

    def _on_table_selection_changed(self) -> None:
        chosen = self.selected_index()
        self.fields.show_row(None if chosen is None else self._specs[chosen], (chosen or 0) + 1)
        for button in (self.remove_button, self.up_button, self.down_button):
            button.setEnabled(chosen is not None)

    # -- showing -------------------------------------------------------------------------------
    def _refresh(self, select: int | None = None) -> None:
        """Work the rows out again and show them; ``select`` a layer (0-based), else keep the choice."""
        keep = self.selected_index() if select is None else select
        shape = self._input_shape
        self._worked = work_out_network(self._specs, shape) if shape is not None else None
        rows = self._worked.rows if self._worked is not None else ()
        problem = self.problem()
        with signals_blocked(self.table):
            self.table.setRowCount(len(self._specs) + 2)
            self._set_row(0, "Input (the picture)", _size(shape) if shape else UNKNOWN, "", fixed=True)
            for index, spec in enumerate(self._specs):
                known = index < len(rows)
                self._set_row(index + 1, f"{index + 1}. {row_title(spec)}",
                              _size(rows[index].shape) if known else UNKNOWN,
                              f"{rows[index].params:,}" if known else UNKNOWN,
                              bad=problem is not None and problem.index == index)
            self._set_output_row(rows, problem)
        self._fit_table()
        if keep is not None and 0 <= keep < len(self._specs):
            self.table.selectRow(keep + 1)
        else:
            self.table.clearSelection()
        self._on_table_selection_changed()
        self._show_total_and_problem()
        self._show_rows_or_file()

    def _show_rows_or_file(self) -> None:
        from_file = self.kind() == FILE
        for widget in (self.table, self.total_label, self._edit_buttons, self.fields):
            widget.setVisible(not from_file)
        self.problem_label.setVisible(not from_file and self.problem() is not None)
        self.file_label.setVisible(from_file)
        self.file_label.setText(file_network.note_html(self._file) if from_file else "")
        self.save_button.setEnabled(not from_file and self._saving is None)
        self.save_button.setToolTip("The network is its file already: choose a list of layers to save one"
                                    if from_file else "Save these layers as a plain .keras file (untrained)")

    def _set_output_row(self, rows, problem) -> None:
        classes = self._class_count
        title = f"Output: Dense {classes if classes else 'one per class'}, softmax"
        last = rows[-1].shape if rows else self._input_shape
        flat = problem is None and last is not None and len(last) == 1 and classes
        params = f"{last[0] * classes + classes:,}" if flat else UNKNOWN
        self._set_row(len(self._specs) + 1, title, str(classes) if classes else UNKNOWN, params, fixed=True)
        self.table.item(len(self._specs) + 1, 0).setToolTip(
            "The app always ends the network with this layer: one probability per class (it cannot be removed)"
        )

    def _set_row(self, row: int, title: str, shape: str, params: str, fixed: bool = False, bad: bool = False) -> None:
        for column, text in enumerate((title, shape, params)):
            item = QTableWidgetItem(text)
            if column:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if fixed:
                item.setFlags(Qt.ItemFlag.ItemIsEnabled)  # shown, not chosen: the app sets it
                font = item.font()
                font.setItalic(True)
                item.setFont(font)
            if bad:
                item.setBackground(QBrush(PROBLEM_ROW))
                item.setForeground(QBrush(QColor("black")))
            self.table.setItem(row, column, item)

    def _show_total_and_problem(self) -> None:
        problem = self.problem()
        if self._worked is None:
            self.total_label.setText(
                "The shapes and counts appear once the picture size is known: when the app has looked "
                "at the folder's pictures."
            )
        elif problem is None:
            last = self._worked.rows[-1].shape if self._worked.rows else self._input_shape
            output = last[0] * self._class_count + self._class_count if self._class_count else 0
            self.total_label.setText(f"<b>Total: {self._worked.total_params + output:,} parameters</b>")
        else:
            self.total_label.setText("Total: not known until the layer marked in red is fixed.")
        spec = self._specs[problem.index] if problem and problem.index < len(self._specs) else None
        self.problem_label.setText(problem_html(problem, spec) if problem else "")
        self.problem_label.setVisible(problem is not None)

    # -- files -----------------------------------------------------------------------------------
    def open_network_file(self, path: str) -> str | None:
        """Fill the list from the .keras file at ``path``; None when it did, else why not, in words
        (a network that is not a plain list of known layers can still be trained from its file)."""
        try:
            specs = read_network_file(path)
        except NetworkFileError as error:
            return f"{error} It cannot be shown as rows of the list."
        self.set_layers(specs)
        return None

    def _on_open_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open network", "", NETWORK_FILTER)
        if not path:
            return
        problem = self.open_network_file(path)
        if problem is None:
            self.note_label.setText(f"Opened the layers of {html.escape(path)}.")
            return
        accepted, note = file_network.ask_to_train_file(self, path, problem)
        if accepted:
            self.use_network_file(path)
        self.note_label.setText(html.escape(note))

    def _on_save_clicked(self) -> None:
        path = ask_save_path(self, "Save network", "network.keras", NETWORK_FILTER, suffix=".keras")
        if path:
            refused = self.save_network_file(path)
            if refused:
                self.note_label.setText(html.escape(refused))

    def save_network_file(self, path: str) -> str | None:
        """Start writing the list as an uncompiled .keras file at ``path`` (in a child process: it
        needs Keras); ``savingDone`` says how it went. Why it cannot start, in words, or None."""
        if self._input_shape is None or self._class_count is None:
            return "The picture size is not known yet: choose a data set, or wait until the folder has been looked at."
        if self.problem() is not None:
            return "Fix the layer marked in red first: " + self.problem_text()
        if self._saving is not None:
            return "The network is still being saved."
        request = {"layers": specs_to_json(self._specs), "input_shape": list(self._input_shape),
                   "class_count": self._class_count, "path": path}
        self._saving = QProcess(self)
        self._saving.setProperty("target", path)
        self._saving.finished.connect(lambda code, _status, target=path: self._on_saving_finished(code, target))
        self._saving.errorOccurred.connect(self._on_saving_error)
        self.save_button.setEnabled(False)
        self.note_label.setText("Saving the network (loading Keras)…")
        environment = QProcessEnvironment.systemEnvironment()
        # The child imports this same copy of the app, installed or not.
        paths = [PACKAGE_ROOT, environment.value("PYTHONPATH")]
        environment.insert("PYTHONPATH", os.pathsep.join(path for path in paths if path))
        self._saving.setProcessEnvironment(environment)
        self._saving.start(sys.executable, ["-m", "visualizer.training.network_file", json.dumps(request)])
        return None

    def stop_saving(self) -> None:
        """End a save still under way (the window closes): its child, and the temporary file it was
        writing (fileio.replace_atomically names it ".<name>.<random>.part.keras" beside the file)."""
        saving, self._saving = self._saving, None
        if saving is None:
            return
        target = Path(saving.property("target"))
        saving.finished.disconnect()
        saving.kill()
        saving.waitForFinished(2000)
        for leftover in target.parent.glob(f".{target.stem}.*.part{target.suffix}"):
            leftover.unlink(missing_ok=True)
        saving.deleteLater()

    def _on_saving_error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart and self._saving is not None:  # no "finished" follows
            self._saving.deleteLater()
            self._saving = None
            self.save_button.setEnabled(True)
            self.note_label.setText(f"Could not save the network: Python could not be started ({sys.executable}).")
            self.savingDone.emit("Python could not be started")

    def _on_saving_finished(self, code: int, path: str) -> None:
        errors = bytes(self._saving.readAllStandardError()).decode("utf-8", "replace").splitlines()
        self._saving.deleteLater()
        self._saving = None
        self.save_button.setEnabled(self.kind() != FILE)
        reason = next((line[len(ERROR_MARK):] for line in reversed(errors) if line.startswith(ERROR_MARK)), "")
        if code != 0 and not reason:
            reason = errors[-1] if errors else f"the saving process ended with code {code}"
        done = f"Saved the network to {html.escape(path)}."
        self.note_label.setText(f"Could not save the network: {html.escape(reason)}" if code else done)
        self.savingDone.emit(reason if code else "")
