"""The training page with the real training process: a tiny run from Train to the results."""

import multiprocessing
import os
import threading

import pytest
from PyQt6.QtCore import Qt

from visualizer.training.recording_file import read_recording
from visualizer.ui.training.page import TrainingPage


@pytest.mark.slow
def test_a_tiny_real_run_fills_the_page_and_leaves_nothing_running(qtbot, tmp_path, keep):
    threads_before = threading.active_count()
    page = keep(TrainingPage(), before_close=TrainingPage.shutdown)
    page.resize(1080, 680)
    page.show()
    form = page.settings
    bundled = next(i for i in range(form.data.count())
                   if getattr(form.data.itemData(i), "is_subset", False))
    form.data.setCurrentIndex(bundled)
    form.epochs.setValue(1)
    form.train_limit.setValue(64)
    form.test_limit.setValue(32)
    page.tabs.setCurrentWidget(page.maps_tab)

    qtbot.mouseClick(page.run_panel.train_button, Qt.MouseButton.LeftButton)
    assert page.controller.state == "running"
    try:
        qtbot.waitUntil(lambda: page.controller.state == "idle", timeout=120000)
    finally:
        if page.driver.running:
            page.shutdown()

    assert page.banner.kind == "info", page.banner.message.text() + page.banner.details.toPlainText()
    assert page.controller.result is not None and not page.controller.result.stopped_early
    assert page.controller.started.train_count == 64 and page.controller.started.test_count == 32
    assert page.controller.history.batch_count >= 1 and len(page.controller.history.epochs) == 1
    assert page.controller.history.replay_epochs() == [1]
    titles = page.maps_tab.maps_view.layer_titles()
    assert len(titles) == 4 and "28×28×64" in titles[0] and "7×7×32" in titles[3]
    assert page.maps_tab.maps_view.layer_images()[0].shape == (231, 231, 4)
    page.tabs.setCurrentWidget(page.kernels_tab)
    assert [image.shape for image in page.kernels_tab.kernels_view.layer_images()] == [(71, 71, 4), (287, 575, 4)]
    assert page.results_tab.results_rows()[-1][0] == "CNN — 1 epoch, 64 training images"

    destination = tmp_path / "model.keras"
    page.controller.files.save_model(str(destination))
    assert destination.stat().st_size > 1000
    saved = read_recording(destination)  # Save model… keeps the run's recording in the file
    kept = page.controller.recordings  # and the page keeps the run for comparing runs
    assert len(kept) == 1 and kept[0].title == saved.title == "CNN — 1 epoch, 64 training images"
    assert kept[0].batches == saved.batches and kept[0].epochs == saved.epochs and len(saved.snapshots) == 1
    temporary_model = page.controller.result.model_path
    page.shutdown()  # what closing the window does: waits for the child, deletes the temporary model
    assert not page.driver.running and not page.driver.exiting
    assert not os.path.exists(temporary_model)
    assert threading.active_count() == threads_before
    assert multiprocessing.active_children() == []
