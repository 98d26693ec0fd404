"""A run trained on a folder of pictures, opened in the main window's inspector with its real model
process: the Test set tab evaluates on that run's own test part, with its class names, and says
so; with the folder gone it says that in words and falls back."""

from __future__ import annotations

import shutil

import pytest

from tests.inspection.test_run_test_part import CLASSES, run_on_a_folder  # noqa: F401 - the fixture
from tests.ui.inspector.test_page import open_and_wait, window  # noqa: F401 - the fixture
from visualizer.training.image_folder import load_image_folder_dataset

TIMEOUT_MS = 120_000


@pytest.mark.slow  # trains a tiny model, and a model process that imports Keras
def test_the_test_set_tab_evaluates_on_the_runs_own_test_part(qtbot, window, run_on_a_folder):  # noqa: F811
    path, folder = run_on_a_folder
    page = open_and_wait(qtbot, window, path)
    tab = page.test_set_tab
    qtbot.waitUntil(lambda: not page.is_busy() and tab.evaluation() is not None, timeout=TIMEOUT_MS)
    evaluation = tab.evaluation()
    assert len(evaluation) == len(load_image_folder_dataset(folder, seed=3).test_labels) == 6
    assert evaluation.class_names == tuple(CLASSES)
    assert tab.confusion_view._names == tuple(CLASSES)
    assert [tab.class_table.item(row, 0).text() for row in range(3)] == list(CLASSES)
    assert "6 images" in tab.summary_label.text()
    assert f"the run's own test part of your pictures in {folder}" in tab.summary_label.text()
    assert tab.evaluate_button.text() == "Evaluate the run's test part" and str(folder) in tab.evaluate_button.toolTip()
    assert page.controller.picture.title == "Test image #0"
    assert page.controller.opened.report.input_range == (0.0, 1.0) and page.controller.input_range is None  # not asked


@pytest.mark.slow
def test_with_the_folder_gone_the_tab_says_so_and_falls_back(qtbot, window, run_on_a_folder, tmp_path):  # noqa: F811
    path, folder = run_on_a_folder
    moved = tmp_path / "moved"
    shutil.move(str(folder), moved)
    try:
        page = open_and_wait(qtbot, window, path)
        qtbot.waitUntil(lambda: not page.is_busy(), timeout=TIMEOUT_MS)
    finally:
        shutil.move(str(moved), folder)
    text = page.banner.message.text()
    assert page.banner.kind == "warning" and "run's own test part cannot be read again" in text
    assert f"the folder of pictures it trained on, {folder}, has gone" in text
    assert "Fashion-MNIST has 10 classes and this model has 3" in text  # so no test set is evaluated
    tab = page.test_set_tab
    assert tab.evaluation() is None and not tab.evaluate_button.isEnabled()
    assert tab.evaluate_button.text() == "Evaluate the test set" and tab.evaluate_button.toolTip() == text
    assert "has gone" in tab.empty_label.text()
    assert page.controller.picture is not None, "a sample picture is explained meanwhile"
