"""The inspector with networks that are not the seed's, with no model process: a 64x64 grey
network's canvas, a test folder's class names everywhere (and a warning when their sorted order is
not the network's), names the user types (kept per model across a restart, a wrong count refused in
words), and the input-range check choosing the range the network gets most right."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from PyQt6.QtCore import QSettings, Qt

from tests.ui.inspector.test_controller import opened, report
from tests.ui.inspector.test_link import FakeServer
from visualizer.inspection import protocol as s
from visualizer.inspection.evaluation import Evaluation
from visualizer.ui.inspector.class_names import choose_class_names, parse_typed_names
from visualizer.ui.inspector.class_names_dialog import ClassNamesDialog
from visualizer.ui.inspector.link import ModelClient
from visualizer.ui.inspector.page import InspectorPage

FOLDERS = ("bicycle", "helmet", "kite")  # a test folder's sub-folders, sorted


def model(classes=3, size=(64, 64), channels=1, stored=False, path="/models/helmets.keras") -> s.ModelOpened:
    base = opened(classes=classes, input_range=None)
    names = tuple(f"class {i}" for i in range(classes))
    described = dataclasses.replace(
        base.report, path=path, input_shape=(*size, channels), image_size=size, channels=channels,
        class_names=("ape", "bee", "cow") if stored else names, class_names_stored=stored,
    )
    return dataclasses.replace(base, report=described)


def folder_evaluated(predicted, labels=(0, 0, 1, 1, 2, 2), generation=2) -> s.Evaluated:
    count = len(labels)
    return s.Evaluated(generation, np.full((count, 64, 64), 200, np.uint8), np.array(labels),
                       np.eye(3)[list(predicted)], FOLDERS, "/photos", 0.1)


@pytest.fixture
def page(qtbot, keep):
    page = keep(InspectorPage(client=ModelClient(server_factory=FakeServer)))
    page.resize(1280, 720)
    return page


def open_on_folder(page, opened_model, predicted=(0, 0, 1, 1, 2, 2)):
    page.open_model(opened_model.report.path)
    page.client.replied.emit(opened_model)
    page.evaluateRequested.emit("/photos")
    page.client.replied.emit(folder_evaluated(predicted))


# -- the canvas --------------------------------------------------------------------------------------
def test_a_64x64_grey_networks_canvas_is_64x64_and_a_colour_networks_has_three_channels(page):
    page.open_model("/models/helmets.keras")
    page.client.replied.emit(model())
    assert page.draw_tab.canvas.image().shape == (64, 64)
    assert "64x64 grey" in page.draw_tab.caption.text() and "Fashion-MNIST" not in page.draw_tab.caption.text()
    page.client.replied.emit(model(size=(32, 32), channels=3))
    assert page.draw_tab.canvas.image().shape == (32, 32, 3)


def test_a_drawing_for_a_fashion_mnist_network_is_shown_as_its_test_pictures_are(page):
    page.client.replied.emit(opened(input_range=(0.0, 1.0)))  # ten classes, 28x28: the app's Fashion-MNIST
    assert page.draw_tab.canvas.image().shape == (28, 28) and page.draw_tab.canvas.shown_inverted
    page.draw_tab.canvas.set_image(np.ones((28, 28)))
    assert page.controller.picture.drawn and page.controller.picture.light_on_dark


# -- class names --------------------------------------------------------------------------------------
def test_a_test_folders_names_are_used_in_the_matrix_the_table_the_gallery_and_the_other_tabs(page):
    open_on_folder(page, model())
    tab = page.test_set_tab
    assert tab.confusion_view._names == FOLDERS
    assert [tab.class_table.item(row, 0).text() for row in range(3)] == list(FOLDERS)
    gallery = tab.gallery
    caption = gallery.model.data(gallery.model.index(2, 0), Qt.ItemDataRole.DisplayRole)
    assert caption.startswith("helmet") and "(helmet)" in caption
    assert [gallery.true_box.itemText(i) for i in range(1, 4)] == list(FOLDERS)
    assert page.why_tab.class_picker.itemText(2) == "helmet"
    assert "classes: 3, names from the test folder&#x27;s sub-folders" in page.model_panel.report.text()
    assert page.banner.kind != "warning"


def test_a_folder_whose_sorted_order_is_not_the_networks_is_warned_about(page):
    open_on_folder(page, model(), predicted=(2, 2, 1, 1, 0, 0))  # the network's first class is the kite
    assert page.banner.kind == "warning" and page.banner.isVisibleTo(page)
    text = page.banner.message.text()
    assert "may not be in the model's order" in text and "33%" in text and "100%" in text and "Class names" in text


def test_names_stored_with_the_model_win_over_the_folders(page):
    open_on_folder(page, model(stored=True))
    assert page.test_set_tab.confusion_view._names == ("ape", "bee", "cow")


def test_typed_names_are_used_everywhere_and_kept_per_model_across_a_restart(qtbot, keep, page, tmp_path):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    page.restore_settings(settings)
    open_on_folder(page, model())
    page.classNamesTyped.emit("bike, helmet, kite")
    assert page.test_set_tab.confusion_view._names == ("bike", "helmet", "kite")
    assert page.draw_tab.bars is not None and page.why_tab.class_picker.itemText(1) == "bike"
    page.save_settings(settings)
    settings.sync()

    again = keep(InspectorPage(client=ModelClient(server_factory=FakeServer)))
    again.restore_settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    open_on_folder(again, model())
    assert again.test_set_tab.confusion_view._names == ("bike", "helmet", "kite")
    open_on_folder(again, model(path="/models/other.keras"))
    assert again.test_set_tab.confusion_view._names == FOLDERS, "another model keeps its own names"


def test_a_wrong_count_of_names_is_refused_in_words(page):
    open_on_folder(page, model())
    page.classNamesTyped.emit("bike\nhelmet")
    assert page.banner.kind == "error"
    assert "3 outputs" in page.banner.message.text() and "you gave 2 names" in page.banner.message.text()
    assert page.test_set_tab.confusion_view._names == FOLDERS


def test_the_dialog_stays_open_with_the_reason_for_a_wrong_count(qtbot):
    dialog = ClassNamesDialog(3, FOLDERS, "the test folder")
    qtbot.addWidget(dialog)
    assert dialog.editor.toPlainText() == "bicycle\nhelmet\nkite"
    dialog.editor.setPlainText("a, b, c, d")
    dialog.accept()
    assert dialog.result() != ClassNamesDialog.DialogCode.Accepted and "you gave 4 names" in dialog.error.text()
    dialog.editor.setPlainText("a, b, c")
    dialog.accept()
    assert dialog.result() == ClassNamesDialog.DialogCode.Accepted and dialog.names() == "a, b, c"


def test_names_are_parsed_from_lines_or_commas_and_chosen_in_order():
    assert parse_typed_names(" cat \n\n dog\nbird ", 3) == ("cat", "dog", "bird")
    assert parse_typed_names("cat, dog , bird", 3) == ("cat", "dog", "bird")
    assert parse_typed_names("T-shirt, top\nTrouser", 2) == ("T-shirt, top", "Trouser")  # lines win over commas
    with pytest.raises(ValueError, match="given more than once: cat"):
        parse_typed_names("cat, cat, dog", 3)
    numbers = report(classes=3)
    assert choose_class_names(numbers, None, None, False).names == ("class 0", "class 1", "class 2")
    assert choose_class_names(numbers, None, FOLDERS, True).from_test_folder
    assert choose_class_names(numbers, ("x", "y", "z"), FOLDERS, True).names == ("x", "y", "z")


def test_an_order_doubt_needs_most_classes_off_the_diagonal():
    def evaluation(predicted):
        return Evaluation(np.zeros((6, 2, 2), np.uint8), np.array([0, 0, 1, 1, 2, 2]), np.eye(3)[list(predicted)], FOLDERS)

    assert evaluation((2, 2, 1, 1, 0, 0)).order_doubt() is not None
    assert evaluation((0, 0, 1, 1, 0, 0)).order_doubt() is None  # one class wrong: a weak model, not a renumbering
    assert evaluation((0, 1, 2, 0, 1, 2)).order_doubt() is None  # guesses: no renumbering does better


# -- the input-range check ----------------------------------------------------------------------------
def test_the_range_check_shows_each_ranges_accuracy_and_chooses_the_best(page):
    open_on_folder(page, model())
    panel = page.model_panel
    assert panel.range_box.isVisibleTo(page) and panel.check_ranges_button.isEnabled()
    sent = page.client._server.sent
    panel.check_ranges_button.click()
    request = sent[-1]
    assert isinstance(request, s.CheckRanges) and request.folder == "/photos" and request.limit <= 500
    assert (-1.0, 1.0) in request.ranges and (0.0, 1.0) in request.ranges and (0.0, 255.0) in request.ranges
    assert not panel.check_ranges_button.isEnabled() and page.controller.range_check == request.generation
    labels = np.array([0, 0, 1, 1, 2, 2])
    right_only_under = {(-1.0, 1.0): labels}
    predictions = np.array([right_only_under.get(r, np.zeros(6, np.int64)) for r in request.ranges])
    page.client.replied.emit(s.RangesChecked(request.generation, request.ranges, predictions, labels, FOLDERS, 0.2))
    assert page.controller.input_range == "[-1, 1]" and panel.range_choice.currentText() == "[-1, 1]"
    assert isinstance(sent[-1], s.Evaluate), "the test set is evaluated again under the chosen range"
    assert any(isinstance(r, s.SetInputRange) and r.input_range == (-1.0, 1.0) for r in sent)
    text = panel.check_result.text()
    assert "<b>[-1, 1]: 100%</b>" in text and "[0, 1]: 33%" in text and "6 test images" in text


def test_the_range_check_waits_for_a_labelled_test_set(page):
    page.client.replied.emit(model())
    assert not page.model_panel.check_ranges_button.isEnabled()
    assert "labelled test set" in page.model_panel.check_ranges_button.toolTip()
