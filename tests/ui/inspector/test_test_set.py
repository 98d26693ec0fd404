"""The inspector's test-set tab with real widgets and hand-built evaluations: confusion cells
and table rows pick exactly their images, the gallery filters and sorts, the prediction grid
pages, and the CSV files read back equal to the evaluation."""

import csv
import io

import numpy as np
import pytest
from PyQt6.QtCore import QPoint, QPointF, Qt
from PyQt6.QtWidgets import QFileDialog

from visualizer.inspection.evaluation import Evaluation
from visualizer.ui.inspector.gallery import Gallery
from visualizer.ui.inspector.prediction_grid import PAGE_SIZE, PredictionGrid
from visualizer.ui.inspector.tabs.test_set import TestSetTab
from visualizer.ui.inspector.thumbnails import RIGHT_COLOUR, WRONG_COLOUR
from visualizer.ui.kit.confusion_view import ConfusionMatrixView

NAMES = tuple(f"class {i}" for i in range(10))


def random_evaluation(count=60, classes=10, seed=0, rgb=False, unknown=0):
    rng = np.random.default_rng(seed)
    shape = (count, 28, 28, 3) if rgb else (count, 28, 28)
    images = rng.integers(0, 256, shape, dtype=np.uint8)
    labels = rng.integers(0, classes, count)
    logits = rng.normal(size=(count, classes))
    logits[np.arange(count), labels] += 1.5  # right about half the time
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    labels[:unknown] = -1
    names = NAMES if classes == 10 else tuple(f"c{i}" for i in range(classes))
    return Evaluation(images, labels, probabilities, names, source="random")


def click(qtbot, widget, point: QPointF) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=QPoint(int(point.x()), int(point.y())))


@pytest.fixture
def evaluation():
    return random_evaluation()


def shown(qtbot, widget, evaluation, width, height):
    """``widget`` filled with ``evaluation``, on screen at ``width`` x ``height``."""
    qtbot.addWidget(widget)
    widget.resize(width, height)
    widget.set_evaluation(evaluation)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def tab(qtbot, evaluation):
    return shown(qtbot, TestSetTab(), evaluation, 1000, 650)


def busiest_off_diagonal_cell(evaluation):
    pair = evaluation.most_confused(1)[0]
    return pair.true, pair.predicted


def test_clicking_a_confusion_cell_shows_exactly_its_images(tab, evaluation, qtbot):
    true, predicted = busiest_off_diagonal_cell(evaluation)
    expected = np.flatnonzero((evaluation.labels == true) & (evaluation.predictions == predicted))
    assert len(expected) == evaluation.confusion_matrix[true, predicted] > 0
    view = tab.confusion_view
    with qtbot.waitSignal(view.cellClicked) as clicked:
        click(qtbot, view, view.cell_rect(true, predicted).center())
    assert clicked.args == [true, predicted]
    assert sorted(tab.gallery.shown_indices().tolist()) == expected.tolist()
    assert tab.gallery.model.rowCount() == len(expected)
    assert view.selected() == (true, predicted)
    assert tab.gallery.filters() == (true, predicted, None)  # the filters say what is shown


def test_a_diagonal_cell_shows_the_right_answers_of_its_class(tab, evaluation, qtbot):
    view = tab.confusion_view
    click(qtbot, view, view.cell_rect(3, 3).center())
    shown = tab.gallery.shown_indices()
    assert shown.tolist() == np.flatnonzero((evaluation.labels == 3) & evaluation.right).tolist()


def test_confused_pairs_and_classes_rows_pick_their_images(tab, evaluation):
    pairs = evaluation.most_confused()
    assert tab.pairs_table.rowCount() == min(20, len(pairs))
    second = pairs[1]
    tab.pairs_table.cellClicked.emit(1, 0)
    expected = evaluation.select(true=second.true, predicted=second.predicted)
    assert tab.gallery.shown_indices().tolist() == expected.tolist() and len(expected) == second.count
    assert tab.confusion_view.selected() == (second.true, second.predicted)
    tab.class_table.cellClicked.emit(4, 0)
    assert tab.gallery.shown_indices().tolist() == evaluation.select(true=4).tolist()
    assert tab.class_table.item(4, 2).text() == f"{evaluation.per_class_accuracy[4]:.1%}"


def test_summary_line_states_accuracy_count_and_source(tab, evaluation):
    text = tab.summary_label.text()
    assert f"{evaluation.accuracy:.1%}" in text
    assert f"{evaluation.right_count} of 60 right" in text and "60 images" in text and "random" in text


def test_the_confusion_view_tells_each_cell_in_words_and_hides_small_text(qtbot):
    view = ConfusionMatrixView()
    qtbot.addWidget(view)
    counts = np.arange(16).reshape(4, 4)
    view.set_matrix(counts, ("a", "b", "c", "d"))
    view.resize(400, 400)
    assert view.cell_at(view.cell_rect(2, 1).center()) == (2, 1)
    assert view.cell_at(QPointF(1, 1)) is None
    assert view.tooltip_for(2, 1) == "true c, predicted b: 9 images (24% of c)"  # 9 of 8 + 9 + 10 + 11
    assert np.allclose(view.row_fractions().sum(axis=1), 1)
    assert view.counts_shown()
    with pytest.raises(ValueError, match="square"):
        view.set_matrix(np.zeros((3, 4)), ("a", "b", "c"))
    many = ConfusionMatrixView()
    qtbot.addWidget(many)
    many.set_matrix(np.ones((40, 40), int), tuple(f"class {i}" for i in range(40)))
    many.resize(500, 500)
    many.grab()  # paints without error
    assert many.cell_size() < 12 and not many.counts_shown()  # too small to hold "1" readably
    assert many.cell_at(many.cell_rect(39, 0).center()) == (39, 0)
    assert many.tooltip_for(39, 0) == "true class 39, predicted class 0: 1 image (2% of class 39)"


@pytest.fixture
def gallery(qtbot, evaluation):
    return shown(qtbot, Gallery(), evaluation, 600, 500)


def test_gallery_filters_by_true_predicted_and_right(gallery, evaluation):
    assert gallery.shown_indices().tolist() == list(range(60))
    gallery.true_box.setCurrentIndex(gallery.true_box.findData(2))
    assert gallery.shown_indices().tolist() == evaluation.select(true=2).tolist()
    gallery.right_box.setCurrentIndex(gallery.right_box.findData(False))
    assert gallery.shown_indices().tolist() == evaluation.select(true=2, right=False).tolist()
    gallery.set_filter(predicted=5, right=True)
    assert gallery.shown_indices().tolist() == evaluation.select(predicted=5, right=True).tolist()
    assert gallery.count_label.text().startswith(f"{len(evaluation.select(predicted=5, right=True))} ")


def test_gallery_sorts_by_confidence_and_presets_the_most_confident_mistakes(gallery, evaluation, qtbot):
    gallery.set_sort(True)
    confidences = evaluation.confidence[gallery.shown_indices()]
    assert len(confidences) == 60 and np.all(np.diff(confidences) <= 0)
    gallery.set_sort(False)
    assert np.all(np.diff(evaluation.confidence[gallery.shown_indices()]) >= 0)
    gallery.set_filter(true=1)
    qtbot.mouseClick(gallery.mistakes_button, Qt.MouseButton.LeftButton)
    assert gallery.shown_indices().tolist() == evaluation.most_confident_mistakes().tolist()
    assert gallery.filters() == (None, None, False)


def test_gallery_captions_follow_the_notebook_and_a_click_chooses_the_image(gallery, evaluation, qtbot):
    model = gallery.model
    right = int(evaluation.select(right=True)[0])
    wrong = int(evaluation.select(right=False)[0])
    shown = gallery.shown_indices().tolist()
    for image, colour in ((right, RIGHT_COLOUR), (wrong, WRONG_COLOUR)):
        row = model.index(shown.index(image))
        assert model.data(row, Qt.ItemDataRole.DisplayRole).replace("\n", " ") == evaluation.caption(image)
        assert model.data(row, Qt.ItemDataRole.ForegroundRole) == colour
        assert not model.data(row, Qt.ItemDataRole.DecorationRole).isNull()
    gallery.set_sort(True)
    first = int(gallery.shown_indices()[0])
    rect = gallery.view.visualRect(model.index(0))
    with qtbot.waitSignal(gallery.imageChosen) as chosen:
        qtbot.mouseClick(gallery.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert chosen.args == [first]


def test_gallery_shows_a_given_list_until_a_filter_changes(gallery, evaluation):
    gallery.show_indices([7, 3, 11], "three chosen")
    assert gallery.shown_indices().tolist() == [7, 3, 11]
    assert "three chosen" in gallery.count_label.text()
    gallery.set_sort(True)  # sorting keeps the choice, in the new order
    assert gallery.shown_indices().tolist() == evaluation.sort_by_confidence([7, 3, 11]).tolist()
    gallery.right_box.setCurrentIndex(gallery.right_box.findData(True))
    assert sorted(gallery.shown_indices().tolist()) == evaluation.select(right=True).tolist()


def test_gallery_magnifies_small_images_by_a_whole_factor_and_keeps_colour(qtbot):
    gallery = Gallery()
    qtbot.addWidget(gallery)
    evaluation = random_evaluation(rgb=True)
    gallery.set_evaluation(evaluation)
    pixmap = gallery.model.data(gallery.model.index(0), Qt.ItemDataRole.DecorationRole)
    assert pixmap.width() % 28 == 0 and pixmap.width() >= 56
    factor = pixmap.width() // 28
    colour = pixmap.toImage().pixelColor(factor * 5, factor * 9)
    assert [colour.red(), colour.green(), colour.blue()] == evaluation.images[0, 9, 5].tolist()


@pytest.fixture
def grid(qtbot, evaluation):
    return shown(qtbot, PredictionGrid(), evaluation, 900, 600)


def test_grid_pages_through_the_images_fifteen_at_a_time(grid, qtbot):
    assert PAGE_SIZE == 15 and grid.page_count() == 4
    assert grid.shown_indices().tolist() == list(range(15))
    assert not grid.previous_button.isEnabled()
    qtbot.mouseClick(grid.next_button, Qt.MouseButton.LeftButton)
    assert grid.page() == 1 and grid.shown_indices().tolist() == list(range(15, 30))
    grid.set_page(99)
    assert grid.page() == 3 and not grid.next_button.isEnabled()
    qtbot.mouseClick(grid.previous_button, Qt.MouseButton.LeftButton)
    assert grid.shown_indices().tolist() == list(range(30, 45))
    assert grid.page_label.text() == "Page 3 of 4: images 31–45 of 60"


def test_grid_mistakes_only_pages_through_the_wrong_answers(grid, evaluation):
    wrong = evaluation.select(right=False)
    grid.set_page(2)
    grid.set_mistakes_only(True)
    assert grid.page() == 0
    assert grid.shown_indices().tolist() == wrong[:15].tolist()
    assert grid.page_count() == -(-len(wrong) // 15)
    assert not evaluation.right[grid.shown_indices()].any()


def test_clicking_a_grid_cell_chooses_its_image(grid, qtbot):
    grid.set_page(1)
    canvas = grid.canvas
    with qtbot.waitSignal(grid.imageChosen) as chosen:
        click(qtbot, canvas, canvas.cell_rect(4).center())  # second row, second column
    assert chosen.args == [19]
    assert canvas.slot_at(canvas.cell_rect(14).center()) == 14


def test_the_tab_forwards_chosen_images_from_both_views(tab, qtbot):
    with qtbot.waitSignal(tab.imageChosen) as from_grid:
        tab.grid.canvas.imageChosen.emit(12)
    with qtbot.waitSignal(tab.imageChosen) as from_gallery:
        tab.gallery.imageChosen.emit(34)
    assert (from_grid.args, from_gallery.args) == ([12], [34])


def test_csv_files_written_and_read_back_equal_the_evaluation(tab, evaluation, tmp_path, monkeypatch, qtbot):
    predictions_path = tmp_path / "predictions.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(predictions_path), ""))
    qtbot.mouseClick(tab.predictions_csv_button, Qt.MouseButton.LeftButton)
    rows = list(csv.reader(io.StringIO(predictions_path.read_text(encoding="utf-8"))))
    assert rows[0] == ["index", "true", "predicted", "confidence", *NAMES]
    assert [NAMES.index(row[1]) for row in rows[1:]] == evaluation.labels.tolist()
    assert [NAMES.index(row[2]) for row in rows[1:]] == evaluation.predictions.tolist()
    assert np.allclose(np.array([row[4:] for row in rows[1:]], float), evaluation.probabilities, rtol=1e-5)
    confusion_path = tmp_path / "confusion.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(confusion_path), ""))
    qtbot.mouseClick(tab.confusion_csv_button, Qt.MouseButton.LeftButton)
    rows = list(csv.reader(io.StringIO(confusion_path.read_text(encoding="utf-8"))))
    assert np.array([row[1:] for row in rows[1:]], int).tolist() == evaluation.confusion_matrix.tolist()
    assert tab.banner.kind == "info"


def test_a_csv_that_cannot_be_written_is_explained(tab, tmp_path):
    assert not tab.save_predictions_csv(str(tmp_path / "no such folder" / "p.csv"))
    assert tab.banner.kind == "error" and "does not exist" in tab.banner.message.text()


def test_before_an_evaluation_the_tab_says_what_to_do(qtbot, tmp_path, monkeypatch):
    tab = TestSetTab()
    qtbot.addWidget(tab)
    assert tab.stack.currentIndex() == 0 and not tab.predictions_csv_button.isEnabled()
    assert tab.evaluate_button.parent() is tab.stack.widget(0)  # under the text that says what to do
    with qtbot.waitSignal(tab.evaluateRequested):
        qtbot.mouseClick(tab.evaluate_button, Qt.MouseButton.LeftButton)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args, **kwargs: str(tmp_path))
    with qtbot.waitSignal(tab.folderChosen) as chosen:
        qtbot.mouseClick(tab.folder_button, Qt.MouseButton.LeftButton)
    assert chosen.args == [str(tmp_path)]
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args, **kwargs: "")
    with qtbot.waitSignal(tab.folderChosen, timeout=100, raising=False) as cancelled:
        qtbot.mouseClick(tab.folder_button, Qt.MouseButton.LeftButton)
    assert not cancelled.signal_triggered


def test_progress_shows_while_evaluating_and_goes_when_done(qtbot, evaluation):
    tab = TestSetTab()
    qtbot.addWidget(tab)
    tab.show()
    tab.set_progress(0, 10000)
    assert tab.progress.isVisible() and not tab.evaluate_button.isEnabled()
    tab.set_progress(2500, 10000)
    assert tab.progress.value() == 2500 and tab.progress.maximum() == 10000
    tab.set_evaluation(evaluation)
    assert not tab.progress.isVisible() and tab.evaluate_button.isEnabled()
    assert tab.stack.currentIndex() == 1
    assert tab.evaluate_button.parent() is tab and tab.evaluate_button.isVisible()  # beside the summary
    tab.set_evaluation(None)
    tab.set_evaluation(None)
    assert tab.evaluate_button.parent() is tab.stack.widget(0) and tab.evaluate_button.isVisible()


def test_a_test_set_that_does_not_fit_the_model_cannot_be_evaluated(qtbot, evaluation):
    tab = TestSetTab()
    qtbot.addWidget(tab)
    tab.set_default_test_set("the test set", "This model reads 32x32 colour images; Fashion-MNIST's are 28x28 gray.", False)
    assert not tab.evaluate_button.isEnabled() and "32x32" in tab.evaluate_button.toolTip()
    assert "32x32" in tab.empty_label.text()
    tab.set_progress(10, 10)
    tab.set_evaluation(evaluation)  # a folder's images, say
    assert not tab.evaluate_button.isEnabled()
    tab.set_default_test_set("the run's test part", "The test part of your pictures in /tmp/shapes", True)
    assert tab.evaluate_button.isEnabled() and "32x32" not in tab.empty_label.text()
    assert tab.evaluate_button.text() == "Evaluate the run's test part" and "/tmp/shapes" in tab.evaluate_button.toolTip()


def test_images_without_a_known_class_are_shown_but_not_scored(qtbot):
    evaluation = random_evaluation(unknown=10)
    tab = TestSetTab()
    qtbot.addWidget(tab)
    tab.set_evaluation(evaluation)
    assert "10 without a known class" in tab.summary_label.text()
    assert tab.confusion_view.counts().sum() == 50
    tab.gallery.set_filter(right=False)
    assert not set(tab.gallery.shown_indices().tolist()) & set(range(10))


def test_presentation_size_type_still_fits_and_shows_counts(tab, presentation_type, qtbot):
    presentation_type()
    tab.resize(1000, 650)
    qtbot.wait(20)
    assert tab.width() <= 1000 and tab.height() <= 650
    assert tab.confusion_view.cell_size() >= 20 and tab.confusion_view.counts_shown()
    tab.views.setCurrentIndex(1)
    qtbot.wait(20)
    image, _, _ = tab.grid.canvas._layout(tab.grid.canvas.cell_rect(0))
    assert image.width() >= 40  # the grid's images stay recognisable
