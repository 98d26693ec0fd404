"""The training page's Confusion tab: the matrix of the epoch the replay shows, the images of a
cell, recorded runs with and without matrices, and why there is none."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from PyQt6.QtCore import Qt

from tests.ui.training.training_script import CLASS_NAMES, FakeTrainingProcess, confusion_sample, epoch_confusion, scripted_run
from visualizer.training.config import TrainConfig
from visualizer.training.events import EpochEnd, RunFinished, RunStarted
from visualizer.training.history import RunHistory
from visualizer.training.recording import RunRecording
from visualizer.ui.training.confusion_shown import NO_SAMPLE_TEXT, RECORDED_RUN, SCRIPT_RUN, confusion_shown
from visualizer.ui.training.page import TrainingPage
from visualizer.ui.training.tabs.confusion import ConfusionTab, sample_text


def matrix_of(epoch: int) -> np.ndarray:
    return confusion_sample().counts(epoch_confusion(epoch), 10)


def click_cell(qtbot, tab: ConfusionTab, true: int, predicted: int) -> None:
    qtbot.mouseClick(tab.matrix, Qt.MouseButton.LeftButton, pos=tab.matrix.cell_rect(true, predicted).center().toPoint())


@pytest.fixture
def trained_page(qtbot, keep):
    """A page that has played the scripted two-epoch run, its Confusion tab in view."""
    chunks = scripted_run(model_path=None)
    page = keep(TrainingPage(process_factory=lambda config: FakeTrainingProcess(config, chunks)),
                before_close=TrainingPage.shutdown)
    page.resize(1280, 720)
    page.show()
    page.tabs.setCurrentWidget(page.confusion_tab)
    qtbot.mouseClick(page.run_panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.controller.state == "idle", timeout=5000)
    return page


def test_the_tab_follows_the_epoch_slider(trained_page):
    page, tab = trained_page, trained_page.confusion_tab
    assert tab.stack.currentIndex() == 1
    np.testing.assert_array_equal(tab.matrix.counts(), matrix_of(2))
    assert "End of epoch 2 (of 2), the newest" in tab.heading.text()
    page.probe_bar.replay_slider.setValue(0)
    np.testing.assert_array_equal(tab.matrix.counts(), matrix_of(1))
    assert "End of epoch 1 (of 2)" in tab.heading.text()
    assert "20 of the 32 test images (2 per class, the same ones at every epoch): 10 right (50.0%)" in tab.heading.text()
    page.probe_bar.replay_slider.setValue(1)
    np.testing.assert_array_equal(tab.matrix.counts(), matrix_of(2))
    assert "19 right (95.0%)" in tab.heading.text()


def test_a_cell_click_lists_its_images_and_the_choice_stays_across_epochs(trained_page, qtbot):
    page, tab = trained_page, trained_page.confusion_tab
    page.probe_bar.replay_slider.setValue(0)
    click_cell(qtbot, tab, 0, 1)  # epoch 1 took the T-shirt #0 for a Trouser
    assert tab.matrix.selected() == (0, 1)
    assert tab.shown_indices() == [0]
    assert "True <b>T-shirt/top</b>, predicted <b>Trouser</b>: 1 image." in tab.cell_label.text()
    assert "Test image #0" in tab.images.item(0).toolTip()
    click_cell(qtbot, tab, 3, 3)
    assert tab.shown_indices() == [26]  # the second Dress (#26): the first was taken for a Coat
    page.probe_bar.replay_slider.setValue(1)  # epoch 2 gets both Dresses right
    assert tab.matrix.selected() == (3, 3) and tab.shown_indices() == [6, 26]


def test_the_tab_is_drawn_only_when_it_is_in_view(trained_page):
    page, tab = trained_page, trained_page.confusion_tab
    page.tabs.setCurrentWidget(page.curves_tab)
    page.probe_bar.replay_slider.setValue(0)
    np.testing.assert_array_equal(tab.matrix.counts(), matrix_of(2))  # not drawn while out of view
    page.tabs.setCurrentWidget(tab)
    np.testing.assert_array_equal(tab.matrix.counts(), matrix_of(1))


def recording_of(events: list, **changes) -> RunRecording:
    of = {kind: [event for event in events if isinstance(event, kind)] for kind in (RunStarted, EpochEnd, RunFinished)}
    snapshots = tuple(event for event in events if getattr(event, "end_of_epoch", False))
    recording = RunRecording(TrainConfig(epochs=2), "CNN — 2 epochs", of[RunStarted][0], (), tuple(of[EpochEnd]),
                             snapshots, of[RunFinished][0], confusion_sample(), (epoch_confusion(1), epoch_confusion(2)))
    return replace(recording, **changes)


def test_recorded_runs_replay_their_matrices_and_old_ones_say_they_have_none(qtbot, keep, tmp_path):
    page = keep(TrainingPage(process_factory=lambda config: None), before_close=TrainingPage.shutdown)
    page.resize(1280, 720)
    page.show()
    page.tabs.setCurrentWidget(page.confusion_tab)
    events = [event for chunk in scripted_run() for event in chunk]
    tab, controller = page.confusion_tab, page.controller
    controller.show_recorded_run(recording_of(events), str(tmp_path / "run.keras"), "A recorded run", False)
    np.testing.assert_array_equal(tab.matrix.counts(), matrix_of(2))  # the replay opens at the last epoch
    page.probe_bar.replay_slider.setValue(0)
    np.testing.assert_array_equal(tab.matrix.counts(), matrix_of(1))
    controller.show_recorded_run(recording_of(events, confusion_sample=None, confusions=()),
                                 str(tmp_path / "old.keras"), "An old recorded run", False)
    assert tab.stack.currentIndex() == 0 and tab.empty_label.text() == NO_SAMPLE_TEXT[RECORDED_RUN]


def test_confusion_shown_says_why_there_is_no_matrix():
    history = RunHistory()
    assert confusion_shown(history, 0, SCRIPT_RUN) == (None, None, NO_SAMPLE_TEXT[SCRIPT_RUN])
    history.add_confusion(confusion_sample())
    sample, confusion, text = confusion_shown(history, 0)
    assert sample is history.confusion_sample and confusion is None and "end of the epoch under way" in text
    history.add_confusion(epoch_confusion(2))  # a resumed run: epoch 1 was trained before the cut
    from tests.ui.training.training_script import snapshot

    for epoch in (1, 2):
        history.add_snapshot(snapshot(epoch, 4, end_of_epoch=True))
    assert confusion_shown(history, 0)[1:] == (None, "No confusion matrix was kept for epoch 1.")
    assert confusion_shown(history, 1)[1].epoch == 2 and confusion_shown(history, 2)[1].epoch == 2


def test_the_caption_says_when_the_whole_test_part_is_counted(qtbot):
    sample = replace(confusion_sample(), test_count=20)
    assert sample_text(sample, epoch_confusion(2)).startswith("The matrix counts all 20 test images: 19 right")
    tab = ConfusionTab()
    qtbot.addWidget(tab)
    tab.show_confusion(None, None, "Press Train.")
    assert tab.stack.currentIndex() == 0 and tab.empty_label.text() == "Press Train."
    tab.set_class_names(CLASS_NAMES)
    tab.show_confusion(sample, epoch_confusion(1), "End of epoch 1")
    assert tab.stack.currentIndex() == 1 and tab.matrix.counts().sum() == 20
