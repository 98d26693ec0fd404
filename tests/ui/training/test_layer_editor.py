"""The layer list in the training form, clicked as a user would: rows added, removed and moved
with their shapes and counts as work_out gives them, a layer that does not fit explained with
Train off, the presets, and Save network… / Open network…"""

from __future__ import annotations

import re

import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QFileDialog

from visualizer.training import data
from visualizer.training.architecture import as_layer_list
from visualizer.training.config import TrainConfig
from visualizer.training.layer_list import LayerSpec, work_out_network
from visualizer.ui.training.layer_editor import NEW_ROWS, LayerEditor, row_title
from visualizer.ui.training.run_panel import RunPanel


@pytest.fixture
def editor(qtbot, keep):
    widget = keep(LayerEditor())
    qtbot.addWidget(widget)
    widget.resize(420, 900)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def shown_rows(editor: LayerEditor) -> list[tuple[str, str, str]]:
    table = editor.table
    return [tuple(table.item(row, column).text() for column in range(3)) for row in range(table.rowCount())]


def expected_rows(specs, input_shape=(28, 28, 1), classes=10) -> list[tuple[str, str, str]]:
    worked = work_out_network(specs, input_shape)
    assert worked.problem is None
    rows = [("Input (the picture)", "×".join(map(str, input_shape)), "")]
    rows += [(f"{number}. {row_title(row.spec)}", "×".join(map(str, row.shape)), f"{row.params:,}")
             for number, row in enumerate(worked.rows, start=1)]
    last = worked.rows[-1].shape[0]
    rows.append((f"Output: Dense {classes}, softmax", str(classes), f"{last * classes + classes:,}"))
    return rows


def add(qtbot, editor: LayerEditor, kind: str) -> None:
    """Choose ``kind`` from the Add layer menu, as a click would."""
    action = next(action for action in editor.add_button.menu().actions() if action.text().startswith(
        {"conv": "Conv2D", "pool": "Pooling", "batchnorm": "BatchNormalization", "dropout": "Dropout",
         "flatten": "Flatten", "global_pool": "Global pooling", "dense": "Dense"}[kind]))
    action.trigger()


def test_rows_added_removed_and_moved_show_the_shapes_and_counts_worked_out(qtbot, editor):
    assert editor.kind() == "cnn" and shown_rows(editor) == expected_rows(as_layer_list(TrainConfig()))
    editor.table.selectRow(2)  # the first pooling layer
    add(qtbot, editor, "batchnorm")
    specs = list(as_layer_list(TrainConfig()))
    specs.insert(2, NEW_ROWS["batchnorm"])
    assert editor.kind() == "layers" and editor.layers() == tuple(specs)
    assert shown_rows(editor) == expected_rows(specs)
    assert editor.selected_index() == 2

    qtbot.mouseClick(editor.up_button, Qt.MouseButton.LeftButton)
    specs[1], specs[2] = specs[2], specs[1]
    assert editor.layers() == tuple(specs) and shown_rows(editor) == expected_rows(specs)
    editor.table.setFocus()
    qtbot.keyClick(editor.table, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)  # back down
    specs[1], specs[2] = specs[2], specs[1]
    assert editor.layers() == tuple(specs) and editor.selected_index() == 2

    qtbot.keyClick(editor.table, Qt.Key.Key_Delete)
    del specs[2]
    assert editor.layers() == tuple(specs) and shown_rows(editor) == expected_rows(specs)
    qtbot.mouseClick(editor.remove_button, Qt.MouseButton.LeftButton)  # now the pooling layer at 2
    del specs[2]
    assert shown_rows(editor) == expected_rows(specs)
    total = int(re.sub(r"\D", "", editor.total_label.text()))
    assert total == work_out_network(specs, (28, 28, 1)).total_params + 256 * 10 + 10


def test_a_rows_fields_change_it_and_its_shape_as_the_user_types(qtbot, editor):
    editor.table.selectRow(1)  # Conv2D 64, 2×2
    fields = editor.fields
    assert fields.filters.isVisibleTo(editor) and not fields.units.isVisibleTo(editor)
    fields.filters.setValue(8)
    fields.stride.rows.setValue(2)
    fields.padding.setCurrentIndex(fields.padding.findData("valid"))
    assert editor.layers()[0] == LayerSpec("conv", filters=8, kernel=(2, 2), stride=(2, 1), padding="valid")
    assert shown_rows(editor)[1][1:] == ("14×27×8", f"{2 * 2 * 1 * 8 + 8:,}")
    editor.table.selectRow(2)  # a pooling layer: its stride may be "= size"
    assert fields.mode.isVisibleTo(editor) and not fields.filters.isVisibleTo(editor)
    assert fields.stride.rows.text() == "= size" and not fields.stride.cols.isEnabled()


def test_a_layer_that_makes_the_picture_vanish_is_explained_and_train_is_off(qtbot, keep):
    panel = keep(RunPanel())
    panel.show()
    editor = panel.settings.editor
    assert panel.train_button.isEnabled() and editor.problem_label.isHidden()
    editor.table.selectRow(3)  # the second conv layer, which sees 14×14
    editor.fields.kernel.rows.setValue(15)
    assert editor.problem_label.isHidden()  # "same" pads the picture enough for any kernel…
    editor.fields.padding.setCurrentIndex(editor.fields.padding.findData("valid"))  # …"valid" does not
    problem = editor.problem_label.text()
    assert "Layer 3 (Conv2D 32, 15×2, valid, relu) cannot be built." in problem
    assert "rows:<br><tt>out = floor((14 + 0 + 0 - 15) / 1) + 1 = 0</tt>" in problem
    assert "columns:<br><tt>out = floor((14 + 0 + 0 - 2) / 1) + 1 = 13</tt>" in problem
    assert editor.problem_label.isVisible() and 'href="stride-padding"' in problem
    assert not panel.train_button.isEnabled()
    assert "Train is off until this is fixed: Layer 3 cannot be built" in panel.train_button.toolTip()
    assert "?" in shown_rows(editor)[4][1] and "not known" in editor.total_label.text()
    editor.fields.kernel.rows.setValue(2)
    assert panel.train_button.isEnabled() and editor.problem_label.isHidden()
    assert panel.train_button.toolTip().startswith("Train a new model")


def test_the_link_under_the_list_opens_the_stride_and_padding_page(qtbot, keep, register_pages):
    from visualizer.ui.main_window import MainWindow
    from visualizer.ui.pages import find_page

    register_pages([find_page("stride-padding"), find_page("training")])
    window = keep(MainWindow(first_page="training"))
    window.show()
    editor = window.current_page().settings.editor
    editor.set_layers([LayerSpec("pool", size=(40, 40), stride=None), LayerSpec("flatten")])
    link = re.search(r'href="([^"]+)"', editor.problem_label.text()).group(1)
    editor.problem_label.linkActivated.emit(link)  # what the label does when its link is clicked
    assert window.current_page_name() == "stride-padding"


def test_each_preset_makes_its_config_and_the_data_sets_the_input(qtbot, keep, monkeypatch):
    from visualizer.ui.training.settings import SettingsForm

    monkeypatch.delenv(data.DATA_DIR_ENV, raising=False)
    form = keep(SettingsForm())
    assert form.config() == TrainConfig(**{**_data_fields(form), "model": "cnn"})
    form.model.setCurrentIndex(form.model.findData("fc"))
    assert form.config() == TrainConfig(**{**_data_fields(form), "model": "fc"}) and form.describe() == "Fully connected"
    assert form.editor.layers() == as_layer_list(TrainConfig(model="fc"))
    form.model.setCurrentIndex(form.model.findData("layers"))  # the list as it is, now your own
    assert form.config().model == "layers" and form.config().layers == as_layer_list(TrainConfig(model="fc"))
    assert form.describe() == "Own layers"
    form.model.setCurrentIndex(form.model.findData("cnn"))
    assert form.editor.layers() == as_layer_list(TrainConfig())

    cifar = next(row for row in range(form.data.count())
                 if getattr(form.data.itemData(row), "dataset", None) == "cifar10")
    form.data.setCurrentIndex(cifar)
    form.data.activated.emit(cifar)
    assert shown_rows(form.editor)[0][1] == "32×32×3" and shown_rows(form.editor)[1][1] == "32×32×64"
    form.add_data_folder("/my/pictures", dataset="folder")  # sized once the app has looked at them
    assert {row[1] for row in shown_rows(form.editor)} == {"?"} and "once the picture size is known" in form.editor.total_label.text()
    assert "still looking" in form.problem() and form.config().dataset == "folder"
    qtbot.waitSignal(form.folder_panel.looked).wait()
    assert "is not a folder" in form.problem() and {row[1] for row in shown_rows(form.editor)} == {"?"}


def _data_fields(form) -> dict:
    config = form.config()
    return {name: getattr(config, name) for name in ("dataset", "data_dir", "allow_download")}


def test_save_network_then_open_network_fills_the_same_rows(qtbot, editor, tmp_path, monkeypatch):
    editor.table.selectRow(4)  # the second pooling layer
    add(qtbot, editor, "dropout")
    add(qtbot, editor, "global_pool")
    specs = editor.layers()
    path = tmp_path / "mine.keras"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args: (str(tmp_path / "mine"), ""))
    with qtbot.waitSignal(editor.savingDone, timeout=60_000) as saved:
        qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert saved.args == [""] and path.is_file() and "Saved the network" in editor.note_label.text()

    editor.set_network(TrainConfig(model="fc"))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args: (str(path), ""))
    with qtbot.waitSignal(editor.changed):
        qtbot.mouseClick(editor.open_button, Qt.MouseButton.LeftButton)
    assert editor.kind() == "layers" and editor.layers() == specs
    (tmp_path / "broken.keras").write_text("no zip")
    assert "cannot be read as a .keras file" in editor.open_network_file(str(tmp_path / "broken.keras"))
    assert editor.layers() == specs  # unchanged


def test_closing_mid_save_ends_the_child_and_leaves_no_file(qtbot, editor, tmp_path):
    path = tmp_path / "mine.keras"
    assert editor.save_network_file(str(path)) is None
    saving = editor._saving
    qtbot.waitUntil(lambda: saving.state() == saving.ProcessState.Running, timeout=10_000)
    (tmp_path / ".mine.k2j4x9.part.keras").write_bytes(b"PK half")  # as if killed mid-write
    editor.stop_saving()
    assert saving.state() == saving.ProcessState.NotRunning and list(tmp_path.iterdir()) == []
    assert editor.save_network_file(str(path)) is None  # a new save can start
    editor.stop_saving()
