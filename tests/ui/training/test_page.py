"""The training page driven by a fake training process that plays a scripted run.

The fake has TrainingProcess's API; each poll() hands over the next chunk of the script, so the
tests see the page exactly as it is between two timer ticks.
"""

from __future__ import annotations

import csv
import io
import os
import threading
import time
from dataclasses import replace

import numpy as np
import pytest
from PyQt6.QtCore import QPointF, Qt

from tests.ui.training.training_script import STEPS, FakeTrainingProcess, diverging_run, scripted_run, snapshot
from visualizer.training.architecture import as_layer_list
from visualizer.training.config import TrainConfig
from visualizer.training.events import (
    BatchEnd,
    EpochEnd,
    ProbeSnapshot,
    RunFailed,
    RunFinished,
    Status,
)
from visualizer.ui.kit.mosaic import feature_map_mosaic
from visualizer.ui.training.link import RunDriver
from visualizer.ui.training.page import SNAPSHOT_INTERVAL_MS, TrainingPage


@pytest.fixture
def model_file(tmp_path):
    path = tmp_path / "run" / "model.keras"
    path.parent.mkdir()
    path.write_bytes(b"PK fake keras archive " * 100)
    return str(path)


@pytest.fixture
def page_with(qtbot, model_file, keep):
    """A page whose Train button plays ``chunks`` (a scripted two-epoch run by default)."""
    threads_before = threading.active_count()
    made = []

    def build(chunks=None, **fake_options):
        def factory(config):
            process = FakeTrainingProcess(config, chunks or scripted_run(model_path=model_file),
                                          **fake_options)
            made.append(process)
            return process

        page = keep(TrainingPage(process_factory=factory), before_close=TrainingPage.shutdown)
        page.resize(1080, 680)
        page.show()
        return page, made

    yield build
    assert threading.active_count() == threads_before, "a test left a thread running"


def run_to_end(qtbot, page):
    qtbot.mouseClick(page.run_panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.controller.state == "idle", timeout=5000)


def test_settings_form_builds_the_seeds_config_by_default_and_follows_the_widgets(page_with):
    page, _ = page_with()
    form = page.settings
    config = form.config()
    seed = TrainConfig()
    for name in ("model", "epochs", "batch_size", "learning_rate", "optimizer", "conv_blocks",
                 "conv_dropout", "dense_units", "dense_dropout", "fc_units", "train_limit"):
        assert getattr(config, name) == getattr(seed, name), name

    form.editor.table.selectRow(3)  # the second conv layer (row 0 is the input)
    form.editor.fields.kernel.rows.setValue(3)
    form.editor.fields.kernel.cols.setValue(3)
    form.epochs.setValue(2)
    form.batch_size.setValue(64)
    form.learning_rate.setValue(0.0005)
    form.optimizer.setCurrentIndex(form.optimizer.findData("sgd"))
    form.train_limit.setValue(640)
    config = form.config()
    assert config.model == "layers" and form.model.currentData() == "layers"
    assert config.layers[2] == replace(as_layer_list(seed)[2], kernel=(3, 3))
    assert config.layers[:2] + config.layers[3:] == as_layer_list(seed)[:2] + as_layer_list(seed)[3:]
    assert (config.epochs, config.batch_size, config.optimizer) == (2, 64, "sgd")
    assert config.learning_rate == pytest.approx(0.0005)
    assert config.train_limit == 640 and config.test_limit is None

    form.model.setCurrentIndex(form.model.findData("fc"))
    assert form.config() == replace(config, model="fc", layers=())
    assert form.editor.layers() == as_layer_list(TrainConfig(model="fc"))


def test_invalid_settings_cannot_be_entered(page_with):
    fields = page_with()[0].settings.editor.fields
    fields.rate.setValue(1.0)
    assert fields.rate.value() < 1.0  # a dropout rate of 1 would drop everything
    fields.filters.setValue(0)
    assert fields.filters.value() == 1


def test_train_shows_loading_progress_curves_and_maps(page_with, qtbot):
    page, made = page_with()
    process_hold = {"at": 2}

    qtbot.mouseClick(page.run_panel.train_button, Qt.MouseButton.LeftButton)
    process = made[0]
    assert process.calls[0] == "start"
    assert process.config.probe_index == page.probe_bar.probe_spin.value()
    process.hold_at = process_hold["at"]  # stop after the two loading statuses
    assert not page.run_panel.train_button.isEnabled() and not page.settings.isEnabled()
    qtbot.waitUntil(lambda: "Loading Keras" in page.run_panel.status_label.text(), timeout=3000)
    assert page.run_panel.progress.maximum() == 0  # busy: TensorFlow loads

    process.hold_at = 1 + 2  # RunStarted and two batches
    qtbot.waitUntil(lambda: page.controller.history.batch_count == 2, timeout=3000)
    assert "CPU" in page.run_panel.device_label.text() and "cannot use it" in page.run_panel.device_label.text()
    assert "bundled subset" in page.run_panel.data_label.text()
    # The bar moves at most every PROGRESS_INTERVAL_MS: the newest batch shows within that.
    qtbot.waitUntil(lambda: page.run_panel.progress.format() == "Epoch 1/2 · batch 2/4", timeout=1000)
    assert page.run_panel.progress.value() == 2 and page.run_panel.progress.maximum() == 8
    assert "images/s" in page.run_panel.speed_label.text() and "left" in page.run_panel.time_label.text()
    qtbot.waitUntil(lambda: len(page.curves_tab.loss_plot.smooth_curve.getData()[0]) == 2, timeout=3000)
    x, y = page.curves_tab.loss_plot.smooth_curve.getData()
    np.testing.assert_allclose(x, [0.25, 0.5])
    assert len(y) == 2

    page.tabs.setCurrentWidget(page.maps_tab)
    qtbot.waitUntil(lambda: bool(page.maps_tab.maps_view.layer_images()), timeout=3000)
    images = page.maps_tab.maps_view.layer_images()
    assert [image.shape for image in images] == [(231, 231, 4), (119, 119, 4), (59, 119, 4), (31, 63, 4)]
    assert page.maps_tab.maps_view.layer_titles()[0] == "conv2d  28×28×64"
    caption = page.maps_tab.probe_view.caption.text()
    assert "True: <b>Ankle boot</b>" in caption and "<b>Trouser</b> (wrong)" in caption

    process.hold_at = None
    qtbot.waitUntil(lambda: page.controller.state == "idle", timeout=5000)
    x, _ = page.curves_tab.accuracy_plot.validation_curve.getData()
    np.testing.assert_array_equal(x, [1, 2])
    page.tabs.setCurrentWidget(page.kernels_tab)
    shapes = [image.shape for image in page.kernels_tab.kernels_view.layer_images()]
    # 8 x 8 filters of 2x2 drawn 8x8 pixels each; 32 filters x 64 input channels
    assert shapes == [(71, 71, 4), (287, 575, 4)]
    assert page.kernels_tab.kernels_view.minimumHeight() >= 71 + 287  # the tab scrolls rather than shrink them
    assert page.run_panel.train_button.isEnabled() and page.settings.isEnabled()
    assert page.results_tab.save_model_button.isEnabled()
    assert page.results_tab.results_rows()[-1][0].startswith("CNN — 2 epochs")
    assert page.results_tab.results_rows()[-1][3] == "0.8200"
    assert "join" in process.calls


def test_results_table_keeps_the_seeds_rows_and_one_row_per_finished_run(page_with, qtbot):
    page, _ = page_with()
    run_to_end(qtbot, page)
    page.settings.model.setCurrentIndex(page.settings.model.findData("fc"))
    run_to_end(qtbot, page)
    rows = page.results_tab.results_rows()
    assert rows[0] == ["Fully connected network - After 5 Epochs (seed notebook)",
                       "0.8923", "0.2935", "0.8731", "0.2432"]
    assert rows[1] == ["Convolutional network - After 5 Epochs (seed notebook)",
                       "0.8860", "0.3094", "0.9048", "0.1954"]
    assert [row[0].split(",")[0] for row in rows[2:]] == ["CNN — 2 epochs", "Fully connected — 2 epochs"]


def test_pause_resume_and_stop_call_through_and_stop_offers_to_save(page_with, qtbot):
    page, made = page_with()
    qtbot.mouseClick(page.run_panel.train_button, Qt.MouseButton.LeftButton)
    process = made[0]
    process.hold_at = 5
    qtbot.waitUntil(lambda: page.controller.history.batch_count == 2, timeout=3000)
    qtbot.mouseClick(page.run_panel.pause_button, Qt.MouseButton.LeftButton)
    assert process.calls[-1] == "pause" and page.run_panel.pause_button.text().endswith("Resume")
    page.toggle_play()  # what the window's Space shortcut calls
    assert process.calls[-1] == "resume" and page.run_panel.pause_button.text().endswith("Pause")
    qtbot.mouseClick(page.run_panel.stop_button, Qt.MouseButton.LeftButton)
    assert process.calls[-1] == "stop"
    assert not page.run_panel.stop_button.isEnabled() and "Stopping" in page.run_panel.status_label.text()
    qtbot.waitUntil(lambda: page.controller.state == "idle", timeout=3000)
    assert page.controller.result.stopped_early
    assert page.banner.isVisible() and page.banner.kind == "info"
    assert "kept" in page.banner.message.text() and page.banner.action.text() == "Save model…"
    assert "stopped early" in page.results_tab.results_rows()[-1][0]


def test_run_failed_shows_a_red_banner_with_details_and_train_works_again(page_with, qtbot):
    failure = RunFailed("Fashion-MNIST was not found in /nowhere: choose another folder.",
                        "Traceback (most recent call last):\n  DataError: /nowhere")
    page, made = page_with([[Status("Reading Fashion-MNIST…")], [failure]])
    run_to_end(qtbot, page)
    assert page.banner.isVisible() and page.banner.kind == "error"
    assert "not found" in page.banner.message.text()
    assert page.banner.details_button.isVisible()
    qtbot.mouseClick(page.banner.details_button, Qt.MouseButton.LeftButton)
    assert page.banner.details.isVisible() and "DataError" in page.banner.details.toPlainText()
    assert "DataError" in page.results_tab.log_text.toPlainText()
    assert page.run_panel.train_button.isEnabled()
    run_to_end(qtbot, page)
    assert len(made) == 2


def test_a_process_that_dies_silently_becomes_a_message(page_with, qtbot):
    page, made = page_with([[Status("Loading…")]] + [[]] * 50)
    qtbot.mouseClick(page.run_panel.train_button, Qt.MouseButton.LeftButton)
    made[0].alive = False
    qtbot.waitUntil(lambda: page.controller.state == "idle", timeout=3000)
    assert page.banner.kind == "error" and "ended without" in page.banner.message.text()


def test_a_diverged_run_keeps_its_curves_says_why_and_offers_no_model(page_with, qtbot):
    page, _ = page_with(diverging_run())
    rows_before = page.results_tab.results_rows()
    run_to_end(qtbot, page)
    assert page.banner.isVisible() and page.banner.kind == "error"
    text = page.banner.message.text()
    assert "diverged at epoch 1, batch 3" in text and "smaller learning rate, e.g. 0.01 for SGD" in text
    assert not page.banner.details_button.isVisible()  # a reason, not a crash: no traceback
    page.draw_now()
    x, y = page.curves_tab.loss_plot.batch_curve.getData()
    np.testing.assert_allclose(x, [0.25, 0.5, 0.75])
    assert y[-1] > 1000  # the explosion is on the curve
    assert len(page.curves_tab.loss_plot.epoch_curve.getData()[0]) == 1
    assert not page.results_tab.save_model_button.isEnabled()
    assert not page.results_tab.inspect_model_button.isEnabled()
    assert page.results_tab.results_rows() == rows_before, "no result row for a diverged run"
    assert page.run_panel.train_button.isEnabled()
    assert "diverged" in page.results_tab.log_text.toPlainText()


def test_changing_the_probe_calls_set_probe(page_with, qtbot):
    page, made = page_with()
    qtbot.mouseClick(page.run_panel.train_button, Qt.MouseButton.LeftButton)
    process = made[0]
    process.hold_at = 3
    qtbot.waitUntil(lambda: page.controller.started is not None, timeout=3000)
    assert page.probe_bar.probe_spin.maximum() == 31  # 32 test images
    page.probe_bar.probe_spin.setValue(7)
    assert process.calls[-1] == ("set_probe", 7)
    page.shutdown()


def test_replay_slider_shows_the_epoch_one_snapshot(page_with, qtbot):
    page, _ = page_with()
    page.tabs.setCurrentWidget(page.maps_tab)
    run_to_end(qtbot, page)
    slider = page.probe_bar.replay_slider
    assert (slider.minimum(), slider.maximum(), slider.value()) == (0, 2, 2)
    assert page.probe_bar.replay_label.text() == "Live"
    slider.setValue(0)
    assert page.probe_bar.replay_label.text() == "End of epoch 1 (of 2)"
    shown = page.controller.shown_snapshot()
    assert shown.epoch == 1 and shown.end_of_epoch
    # the maps are drawn from epoch 1's maps (which differ from the live ones, scaled by 2)
    expected = feature_map_mosaic(shown.feature_maps[0].maps)
    drawn = page.maps_tab.maps_view.layer_images()[0]
    assert drawn.shape[:2] == expected.shape
    assert "end of epoch 1" in page.maps_tab.probe_view.caption.text()
    page.tabs.setCurrentWidget(page.kernels_tab)
    assert "end of epoch 1" in page.kernels_tab.kernels_when.text()
    qtbot.mouseClick(page.probe_bar.live_button, Qt.MouseButton.LeftButton)
    assert slider.value() == 2 and page.probe_bar.replay_label.text() == "Live"
    assert "end of epoch 2" in page.kernels_tab.kernels_when.text()


def test_a_run_stopped_during_an_epoch_is_described_the_same_everywhere(page_with, qtbot, model_file):
    # Stop after the second batch of epoch 2: Keras still closes the epoch with its snapshot.
    chunks = scripted_run(epochs=2, model_path=model_file)[: 3 + STEPS + 1 + 2]
    chunks.append([EpochEnd(2, 0.7, 0.75, 0.7, 0.74, 3.0), snapshot(2, 2, end_of_epoch=True)])
    chunks.append([RunFinished(True, 1, 0.7, 0.75, 0.7, 0.74, 3.5, model_file)])
    page, _ = page_with(chunks)
    page.tabs.setCurrentWidget(page.maps_tab)
    run_to_end(qtbot, page)
    where = "stopped during epoch 2, after batch 2 of 4"
    assert page.banner.message.text().startswith(f"S{where[1:]}: test accuracy")
    assert page.run_panel.progress.format() == f"S{where[1:]}"
    page.probe_bar.replay_slider.setValue(1)
    assert page.probe_bar.replay_label.text() == f"S{where[1:]}"
    page.probe_bar.replay_slider.setValue(2)
    assert where in page.maps_tab.probe_view.caption.text()
    assert "end of epoch 2" not in page.maps_tab.probe_view.caption.text()
    page.tabs.setCurrentWidget(page.kernels_tab)
    assert where in page.kernels_tab.kernels_when.text()


def test_a_network_without_conv_layers_says_why_there_are_no_maps(page_with, qtbot):
    no_conv = [[replace(e, feature_maps=(), kernels=()) if isinstance(e, ProbeSnapshot) else e
                for e in chunk] for chunk in scripted_run()]
    page, _ = page_with(no_conv)
    page.tabs.setCurrentWidget(page.maps_tab)
    run_to_end(qtbot, page)
    assert page.maps_tab.maps_view.layer_images() == []
    assert "no convolution layers" in page.maps_tab.maps_caption.text()
    page.tabs.setCurrentWidget(page.kernels_tab)
    assert "no convolution layers" in page.kernels_tab.kernels_caption.text()


def test_save_model_copies_the_run_model_atomically(page_with, qtbot, tmp_path, model_file, monkeypatch):
    page, _ = page_with()
    run_to_end(qtbot, page)
    destination = tmp_path / "saved" / "fashion"
    destination.parent.mkdir()
    monkeypatch.setattr(page, "ask_save_path", lambda *args: str(destination))
    qtbot.mouseClick(page.results_tab.save_model_button, Qt.MouseButton.LeftButton)
    saved = destination.with_suffix(".keras")
    assert saved.read_bytes() == open(model_file, "rb").read()
    assert os.listdir(destination.parent) == ["fashion.keras"]  # no temporary left behind
    assert "Saved the model" in page.banner.message.text()


def test_inspect_this_model_hands_the_run_model_to_the_inspector(page_with, qtbot, model_file):
    page, _ = page_with()
    assert not page.results_tab.inspect_model_button.isEnabled()
    run_to_end(qtbot, page)
    with qtbot.waitSignal(page.inspectRequested, timeout=1000) as asked:
        qtbot.mouseClick(page.results_tab.inspect_model_button, Qt.MouseButton.LeftButton)
    assert asked.args == [model_file]


def test_the_next_run_deletes_the_previous_temporary_model(page_with, qtbot, model_file):
    page, _ = page_with()
    run_to_end(qtbot, page)
    assert os.path.exists(model_file) and page.results_tab.save_model_button.isEnabled()
    qtbot.mouseClick(page.run_panel.train_button, Qt.MouseButton.LeftButton)
    assert not os.path.exists(os.path.dirname(model_file))  # file and its folder
    assert not page.results_tab.save_model_button.isEnabled()
    page.shutdown()


def test_shutdown_deletes_the_unsaved_temporary_model(page_with, qtbot, model_file):
    page, _ = page_with()
    run_to_end(qtbot, page)
    page.shutdown()
    assert not os.path.exists(model_file) and not os.path.exists(os.path.dirname(model_file))
    assert not page.results_tab.save_model_button.isEnabled()


def test_save_model_into_a_missing_folder_says_so(page_with, qtbot, tmp_path, monkeypatch):
    page, _ = page_with()
    run_to_end(qtbot, page)
    monkeypatch.setattr(page, "ask_save_path", lambda *args: str(tmp_path / "missing" / "m.keras"))
    page.saveModelRequested.emit()
    assert page.banner.kind == "error" and "Could not save the model" in page.banner.message.text()


def test_export_curves_as_csv(page_with, qtbot, tmp_path, monkeypatch):
    page, _ = page_with()
    run_to_end(qtbot, page)
    path = tmp_path / "curves.csv"
    monkeypatch.setattr(page, "ask_save_path", lambda *args: str(path))
    qtbot.mouseClick(page.curves_tab.export_csv_button, Qt.MouseButton.LeftButton)
    rows = list(csv.DictReader(io.StringIO(path.read_text())))
    assert [row["kind"] for row in rows].count("batch") == 2 * STEPS
    epochs = [row for row in rows if row["kind"] == "epoch"]
    assert [row["epoch"] for row in epochs] == ["1", "2"]
    assert float(epochs[1]["val_loss"]) == pytest.approx(0.55)
    first = rows[0]
    assert (first["epoch"], first["batch"]) == ("1", "1")
    assert float(first["loss"]) == pytest.approx(2.0 / 1.25)


def test_save_plot_as_png(page_with, qtbot, tmp_path, monkeypatch):
    page, _ = page_with()
    run_to_end(qtbot, page)
    path = tmp_path / "loss.png"
    monkeypatch.setattr(page, "ask_save_path", lambda *args: str(path))
    page._ask_save_png(page.curves_tab.loss_plot, "loss.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_hovering_a_curve_reads_its_value(page_with, qtbot):
    page, _ = page_with()
    run_to_end(qtbot, page)
    plot = page.curves_tab.loss_plot
    assert plot.readout_text() == ""
    scene_point = plot.getPlotItem().vb.mapViewToScene(QPointF(0.52, 1.0))
    plot._on_scene_mouse_moved(scene_point)  # what moving the mouse there does
    text = plot.readout_text()
    assert text.startswith("epoch 0.500\n")  # the nearest batch point: epoch 1, batch 2 of 4
    assert f"loss {page.controller.history.batch('loss')[1]:.4f}" in text
    assert f"smoothed {page.controller.history.batch('smooth_loss')[1]:.4f}" in text
    tip = plot.validation_curve.scatter.opts["tip"](2, 0.55, None)
    assert tip == "epoch 2, validation loss: 0.5500"


def test_shutdown_terminates_a_run_that_does_not_stop(page_with, qtbot):
    page, made = page_with([[Status("Loading…")]] + [[]] * 1000, ignores_stop=True)
    qtbot.mouseClick(page.run_panel.train_button, Qt.MouseButton.LeftButton)
    page.driver.shutdown(grace_s=0.2)
    calls = made[0].calls
    assert "stop" in calls and calls.index("terminate") > calls.index("stop")
    assert not made[0].is_alive() and not page.driver.running


def test_driver_hands_over_one_frame_per_tick_with_only_the_newest_snapshot(qtbot):
    chunks = scripted_run()
    everything = [event for chunk in chunks for event in chunk]
    process = FakeTrainingProcess(TrainConfig(), [everything])
    driver = RunDriver(lambda config: process)
    frames = []
    driver.frameReady.connect(frames.append)
    driver.start(TrainConfig())
    qtbot.waitUntil(lambda: bool(frames), timeout=3000)
    frame = frames[0]
    assert len(frame.batches) == 2 * STEPS and len(frame.epochs) == 2
    assert frame.snapshot.epoch == 2 and frame.snapshot.end_of_epoch
    assert [s.epoch for s in frame.epoch_snapshots] == [1, 2]
    assert frame.finished is not None and not driver.running


def test_curves_and_maps_are_redrawn_a_few_times_a_second_not_on_every_frame(
    page_with, qtbot, monkeypatch
):
    batches = [[BatchEnd(1, b, 40, 1.0 / b, 0.5, 100.0, b * 0.01), snapshot(1, b)]
               for b in range(1, 41)]
    chunks = scripted_run()[:3] + batches + [[RunFinished(False, 1, 0.4, 0.8, 0.5, 0.8, 1.0, None)]]
    page, _ = page_with(chunks)
    draws = []
    original = page.curves_tab.loss_plot.show_history
    monkeypatch.setattr(page.curves_tab.loss_plot, "show_history", lambda *a: (draws.append(1), original(*a)))
    page.tabs.setCurrentWidget(page.maps_tab)
    started = time.monotonic()
    run_to_end(qtbot, page)
    elapsed_s = time.monotonic() - started
    assert len(page.curves_tab.loss_plot.smooth_curve.getData()[0]) == 40  # every point is there at the end
    assert len(draws) < 40 / 2  # 40 frames of about 30 ms: a redraw every 200 ms or so
    # At most one snapshot drawn every SNAPSHOT_INTERVAL_MS (and the last at the end), whatever the
    # frames' pace: about 30 of the 40 frames when they come every 30 ms.
    assert 2 <= page.snapshots_rendered <= elapsed_s * 1000 / SNAPSHOT_INTERVAL_MS + 2
    assert "batch 40" in page.maps_tab.probe_view.caption.text()  # but always the newest in the end


def test_a_hidden_page_draws_nothing_until_it_is_shown_again(page_with, qtbot):
    page, made = page_with()
    page.tabs.setCurrentWidget(page.maps_tab)
    page.hide()
    run_to_end(qtbot, page)
    assert len(page.curves_tab.loss_plot.smooth_curve.getData()[0] or []) == 0
    assert page.snapshots_rendered == 0 and page.controller.history.batch_count == 2 * STEPS
    page.show()
    assert len(page.curves_tab.loss_plot.smooth_curve.getData()[0]) == 2 * STEPS
    assert page.snapshots_rendered == 1


def test_closing_the_page_stops_a_running_training(page_with, qtbot, monkeypatch):
    page, made = page_with([[Status("Loading…")]] + [[]] * 1000, ignores_stop=True)
    qtbot.mouseClick(page.run_panel.train_button, Qt.MouseButton.LeftButton)
    assert page.driver.running
    quick_shutdown = page.driver.shutdown
    monkeypatch.setattr(page.driver, "shutdown", lambda: quick_shutdown(grace_s=0.2))
    page.close()  # what the main window does to every page as it closes
    assert "stop" in made[0].calls and "terminate" in made[0].calls
    assert not page.driver.running and not made[0].is_alive()


def test_the_page_fits_a_1280_pixel_projector_in_presentation_mode(page_with, qtbot, presentation_type):
    page, _ = page_with()
    presentation_type()
    # Presentation mode hides the navigation and the menus: the page has the whole width.
    assert page.minimumSizeHint().width() <= 1280
    page.resize(1280, 720)
    qtbot.wait(50)
    # The settings never scroll sideways: their column must be wide enough for the large type.
    visible = page.settings.parentWidget()  # the scroll area's viewport
    assert visible.width() >= page.settings.minimumSizeHint().width()


def test_every_control_and_tab_explains_itself_in_a_tooltip(page_with):
    from PyQt6.QtWidgets import QAbstractButton, QAbstractSpinBox, QComboBox, QSlider

    page, _ = page_with()
    untipped = []
    for kind in (QAbstractButton, QAbstractSpinBox, QComboBox, QSlider):
        for control in page.findChildren(kind):
            if control.isVisible() and not control.toolTip():
                untipped.append(control.text() if hasattr(control, "text") else type(control).__name__)
    assert not untipped, f"no tooltip on {untipped}"
    assert all(page.tabs.tabToolTip(i) for i in range(page.tabs.count()))


def test_an_empty_data_folder_is_named_when_chosen_and_the_last_run_stays(page_with, qtbot, tmp_path, monkeypatch):
    from PyQt6.QtWidgets import QFileDialog

    from visualizer.training.data import BUNDLED_DIR

    page, made = page_with()
    run_to_end(qtbot, page)
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args: str(empty))
    data = page.settings.data
    data.activated.emit(data.findData("__other__"))  # "Another folder…", as a click picks it
    assert page.banner.isVisible() and page.banner.kind == "error"
    assert str(empty) in page.banner.message.text() and "train-images-idx3-ubyte.gz" in page.banner.message.text()
    qtbot.mouseClick(page.run_panel.train_button, Qt.MouseButton.LeftButton)
    assert len(made) == 1 and page.controller.state == "idle"  # refused: no run was started
    assert page.results_tab.save_model_button.isEnabled() and page.results_tab.inspect_model_button.isEnabled()
    assert page.banner.kind == "error" and str(empty) in page.banner.message.text()
    bundled = next(i for i in range(data.count()) if getattr(data.itemData(i), "data_dir", None) == str(BUNDLED_DIR))
    data.setCurrentIndex(bundled)
    data.activated.emit(bundled)
    assert not page.banner.isVisible()
