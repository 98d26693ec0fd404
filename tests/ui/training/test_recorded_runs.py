"""Recorded runs on the training page: a .keras file holding a run's recording replays there as if
the run had just happened; the app's own recorded run shows before the first run; each finished
run is kept for comparing; a training run is never disturbed by one being opened."""

from __future__ import annotations

import shutil
from dataclasses import replace
from unittest.mock import MagicMock

import numpy as np
import pytest
from PyQt6.QtCore import Qt

from tests.training.tiny import copy_archive, record_tiny_run
from tests.ui.training.test_controller import STARTED, batch, frame
from tests.ui.training.training_script import snapshot
from visualizer.resources import recorded_run_path, resource_path
from visualizer.training.config import TrainConfig
from visualizer.training.events import EpochEnd, RunFinished
from visualizer.training.recording_file import ARRAYS_ENTRY, read_recording, write_recording_alone
from visualizer.ui.main_window import MainWindow
from visualizer.ui.pages import PageSpec, find_page
from visualizer.ui.training.controller import TrainingController
from visualizer.ui.training.link import RunDriver
from visualizer.ui.training.page import TrainingPage
from visualizer.ui.training.view import RunState


@pytest.fixture(scope="module")
def recorded_file(tmp_path_factory):
    """A real tiny run of two epochs, saved with its recording."""
    path = tmp_path_factory.mktemp("recorded") / "run.keras"
    record_tiny_run(path, epochs=2)
    return path


@pytest.fixture
def recorded(recorded_file, tmp_path):
    """A copy of the recorded run of the test's own, and what it holds."""
    path = tmp_path / "lesson.keras"
    shutil.copyfile(recorded_file, path)
    return path, read_recording(path)


def same_snapshot(one, other) -> bool:
    return all(
        np.array_equal(a, b) if isinstance(a, np.ndarray) else a == b
        for a, b in zip(_parts(one), _parts(other), strict=True)
    )


def _parts(snapshot) -> list:
    return [snapshot.epoch, snapshot.batch, snapshot.probe_index, snapshot.label, snapshot.image, snapshot.probabilities,
            *(layer.maps for layer in snapshot.feature_maps), *(layer.kernels for layer in snapshot.kernels)]


def same_recording(one, other) -> bool:
    plain = ("config", "title", "started", "batches", "epochs", "finished")
    return all(getattr(one, name) == getattr(other, name) for name in plain) and len(one.snapshots) == len(
        other.snapshots) and all(same_snapshot(a, b) for a, b in zip(one.snapshots, other.snapshots))


@pytest.fixture
def controller(view):
    driver = MagicMock(spec=RunDriver)
    driver.running = False
    return TrainingController(view, driver)


# -- the controller, with no window ------------------------------------------------------------
def test_an_opened_recording_shows_as_if_the_run_had_just_happened(controller, view, recorded):
    path, recording = recorded
    assert controller.open_recording_file(str(path)) is None
    assert controller.history.epochs == list(recording.epochs)
    assert controller.history.batch_count == len(recording.batches)
    assert controller.history.replay_epochs() == [1, 2]
    view.show_replay.assert_called_with(2, 1, "End of epoch 2 (of 2)")  # the replay at the last epoch
    assert same_snapshot(controller.shown_snapshot(), recording.snapshots[-1])
    assert same_snapshot(view.show_snapshot.call_args.args[0], recording.snapshots[-1])
    view.show_results.assert_called_with([(recording.title, *(
        getattr(recording.finished, name) for name in ("train_accuracy", "train_loss", "test_accuracy", "test_loss")))])
    view.show_device.assert_called_with(f"Device: <b>{recording.started.device}</b> (Keras backend: tensorflow)")
    note = view.show_recording_note.call_args.args[0]
    assert "recorded run" in note and "lesson.keras" in note and "Press Train" in note
    view.set_model_saveable.assert_called_with(True)
    assert controller.result.model_path == str(path) and controller.files.can_save_model
    (shown,) = view.show_recordings.call_args.args
    assert len(shown) == 1 and same_recording(shown[0], recording)
    assert controller.state == RunState.IDLE


def test_training_after_a_recording_replaces_it_and_keeps_its_file(controller, view, recorded):
    path, _ = recorded
    controller.open_recording_file(str(path))
    controller.train(TrainConfig(), "CNN", 0)
    view.show_recording_note.assert_called_with("")
    assert controller.history.batch_count == 0 and controller.driver.start.called
    assert path.is_file(), "an opened file is the user's: never deleted as a run's temporary model"
    controller.shutdown()
    assert path.is_file()


def test_a_recording_opened_while_a_run_trains_is_refused_and_the_run_goes_on(controller, view, recorded):
    path, _ = recorded
    controller.train(TrainConfig(), "CNN", 0)
    controller.driver.running = True
    controller.on_frame(frame(STARTED, batch(1, 1)))
    view.reset_mock()
    problem = controller.open_recording_file(str(path))
    assert problem is not None and "a run is training" in problem
    assert "is not shown" in view.show_banner.call_args.args[1]
    assert controller.state == RunState.RUNNING and controller.started == STARTED
    assert controller.history.batch_count == 1
    view.clear_run.assert_not_called()
    view.show_recordings.assert_not_called()
    controller.driver.stop.assert_not_called()


def test_a_damaged_recording_is_refused_in_words_and_the_page_goes_on(controller, view, recorded, tmp_path):
    path, _ = recorded
    damaged = copy_archive(path, tmp_path / "damaged.keras", lambda name, data: b"garbage" if name == ARRAYS_ENTRY else data)
    problem = controller.open_recording_file(str(damaged))
    assert "damaged.keras" in problem and "damaged" in problem
    kind, text = view.show_banner.call_args.args[:2]
    assert kind == "error" and text == problem
    assert controller.state == RunState.IDLE and controller.result is None
    controller.train(TrainConfig(), "CNN", 0)
    assert controller.driver.start.called


def test_a_model_file_without_a_recording_changes_nothing(controller, view, recorded, tmp_path):
    path, _ = recorded
    plain = copy_archive(path, tmp_path / "plain.keras", lambda name, data: None if name.startswith("recording/") else data)
    assert controller.open_recording_file(str(plain)) is None
    view.clear_run.assert_not_called()
    view.show_banner.assert_not_called()
    assert controller.result is None


def test_inspecting_the_shown_recording_does_not_open_it_again(controller, view, recorded):
    path, _ = recorded
    controller.open_recording_file(str(path))
    view.reset_mock()
    assert controller.open_recording_file(str(path)) is None
    view.clear_run.assert_not_called()
    view.show_recordings.assert_not_called()


def test_a_finished_run_is_kept_as_a_recording_of_what_it_reported(controller, view):
    controller.train(TrainConfig(), "CNN", 0)
    epoch = EpochEnd(1, 0.9, 0.6, 1.0, 0.55, 3.0)
    end = snapshot(1, 4, end_of_epoch=True)
    done = RunFinished(False, 1, 0.9, 0.6, 1.0, 0.55, 4.0, None)
    controller.on_frame(frame(STARTED, batch(1, 1), batch(1, 3), snapshot(1, 3)))
    controller.on_frame(frame(batch(1, 4), epoch, end))
    controller.on_frame(frame(done))
    (recordings,) = view.show_recordings.call_args.args
    (recording,) = recordings
    assert recording.started == STARTED and recording.finished == done
    assert recording.batches == (batch(1, 1), batch(1, 3), batch(1, 4))
    assert recording.epochs == (epoch,) and len(recording.snapshots) == 1 and recording.snapshots[0] is end
    assert recording.config == TrainConfig() and recording.title == "CNN — 1 epoch, 128 training images"


def _finish_a_run(controller, model_path):
    controller.train(TrainConfig(), "CNN", 0)
    controller.on_frame(frame(STARTED, batch(1, 4), EpochEnd(1, 0.9, 0.6, 1.0, 0.55, 3.0), snapshot(1, 4, end_of_epoch=True)))
    controller.on_frame(frame(RunFinished(False, 1, 0.9, 0.6, 1.0, 0.55, 4.0, str(model_path))))


def test_a_recording_opened_while_the_trained_model_is_unsaved_keeps_that_model(controller, view, recorded, tmp_path):
    path, recording = recorded
    trained = tmp_path / "run" / "model.keras"
    trained.parent.mkdir()
    trained.write_bytes(b"PK the model just trained")
    _finish_a_run(controller, trained)
    shown_result = controller.result
    problem = controller.open_recording_file(str(path))
    assert "only added to Compare runs" in problem and "not saved yet" in problem
    assert trained.is_file() and controller.result is shown_result and controller.has_unsaved_model
    kind, text = view.show_banner.call_args.args[:2]
    assert kind == "info" and "Compare runs" in text and view.show_banner.call_args.kwargs["action"] == "Save model…"
    (compared,) = view.show_recordings.call_args.args
    assert len(compared) == 2 and same_recording(compared[1], recording)
    saved = tmp_path / "mine.keras"
    controller.files.save_model_as(str(saved))
    assert saved.read_bytes() == b"PK the model just trained", "Save model still saves the run trained"
    assert controller.open_recording_file(str(path)) is None  # saved now: the recording is shown
    assert controller.result.model_path == str(path)
    (compared,) = view.show_recordings.call_args.args
    assert len(compared) == 2, "the file opened twice is compared once"


def test_the_same_run_opened_again_from_its_file_or_a_copy_is_shown_but_compared_once(controller, view, recorded, tmp_path):
    path, _ = recorded
    other = tmp_path / "other.keras"
    shutil.copyfile(path, other)
    for opened in (path, other, path):
        assert controller.open_recording_file(str(opened)) is None
    assert controller.result.model_path == str(path)
    (compared,) = view.show_recordings.call_args.args
    assert len(compared) == 1


# -- the page ---------------------------------------------------------------------------------
def test_the_page_opens_on_the_recorded_run_and_says_so(qtbot, keep, recorded, monkeypatch):
    path, recording = recorded
    monkeypatch.setenv("CNN_VISUALIZER_RECORDED_RUN", str(path))
    page = keep(TrainingPage(), before_close=TrainingPage.shutdown)
    page.resize(1060, 660)
    page.show()
    qtbot.waitExposed(page)
    assert page.recording_note.isVisible()
    assert "This is a recorded run of the seed's CNN, trained 2 epochs on 64 Fashion-MNIST images" in page.recording_note.text()
    loss = page.curves_tab.loss_plot
    np.testing.assert_array_equal(loss.validation_curve.getData()[1], [epoch.val_loss for epoch in recording.epochs])
    np.testing.assert_array_equal(loss.epoch_curve.getData()[1], [epoch.loss for epoch in recording.epochs])
    steps = recording.started.steps_per_epoch
    np.testing.assert_allclose(loss.batch_curve.getData()[0], [b.epoch - 1 + b.batch / steps for b in recording.batches])
    assert page.probe_bar.replay_slider.value() == 1
    page.tabs.setCurrentWidget(page.maps_tab)
    for position, recorded_snapshot in enumerate(recording.snapshots):
        page.probe_bar.replay_slider.setValue(position)
        assert same_snapshot(page.controller.shown_snapshot(), recorded_snapshot)
        assert same_snapshot(page._snapshot, recorded_snapshot), "the feature maps drawn are the recorded ones"
    assert page.results_tab.save_model_button.isEnabled() and page.results_tab.inspect_model_button.isEnabled()
    with qtbot.waitSignal(page.inspectRequested) as asked:
        qtbot.mouseClick(page.results_tab.inspect_model_button, Qt.MouseButton.LeftButton)
    assert asked.args == [str(path)]


def test_saving_an_opened_recording_copies_the_file_with_its_recording(qtbot, keep, recorded, tmp_path, monkeypatch):
    path, recording = recorded
    monkeypatch.setenv("CNN_VISUALIZER_RECORDED_RUN", str(path))
    page = keep(TrainingPage(), before_close=TrainingPage.shutdown)
    copy = tmp_path / "saved" / "copy.keras"
    copy.parent.mkdir()
    page.controller.files.save_model_as(str(copy))
    assert copy.read_bytes() == path.read_bytes()
    assert read_recording(copy).finished == recording.finished


def test_a_fresh_install_shows_the_bundled_recorded_run_of_the_seed_cnn(qtbot, keep, monkeypatch):
    monkeypatch.delenv("CNN_VISUALIZER_RECORDED_RUN")
    bundled = recorded_run_path()
    assert bundled == resource_path("recorded", "seed-cnn.keras") and bundled.stat().st_size < 4_000_000
    page = keep(TrainingPage(), before_close=TrainingPage.shutdown)
    assert page.recording_note.text().startswith(
        "This is a recorded run of the seed's CNN, trained 5 epochs on the full Fashion-MNIST")
    assert "Press Train to train your own" in page.recording_note.text()
    assert page.controller.history.replay_epochs() == [1, 2, 3, 4, 5]
    assert page.controller.result.test_accuracy > 0.88 and page.controller.result.model_path == str(bundled)
    recording = read_recording(bundled)  # each epoch's confusion matrix, shown on the Confusion tab
    assert [confusion.epoch for confusion in recording.confusions] == [1, 2, 3, 4, 5]
    tab = page.confusion_tab
    page.show()
    page.tabs.setCurrentWidget(tab)
    assert tab.stack.currentIndex() == 1, tab.empty_label.text()
    assert "epoch 5" in tab.heading.text().lower()


def test_an_opened_recorded_run_puts_its_settings_in_the_form_and_keeps_its_data_line(qtbot, keep, recorded):
    path, recording = recorded
    page = keep(TrainingPage(), before_close=TrainingPage.shutdown)
    form = page.settings
    form.epochs.setValue(9)
    form.learning_rate.setValue(0.01)
    form.model.setCurrentIndex(form.model.findData("fc"))
    assert page.open_recorded_run(str(path)) is None
    shown = form.config()
    assert (shown.model, shown.epochs, shown.learning_rate) == ("cnn", recording.config.epochs, recording.config.learning_rate)
    assert shown.conv_blocks == recording.config.conv_blocks and shown.batch_size == recording.config.batch_size
    assert recording.started.data_source in page.run_panel.data_label.text()


def test_settings_the_form_cannot_show_are_named_in_the_banner(qtbot, keep, recorded):
    path, recording = recorded
    page = keep(TrainingPage(), before_close=TrainingPage.shutdown)
    wide = replace(recording.config, epochs=300, learning_rate=2e-6, conv_dropout=0.95)
    outside = page.settings.show_config(wide)
    assert outside == ["epochs", "learning rate"]  # the network's rows show any dropout rate
    assert page.settings.config().conv_dropout == 0.95
    page.show_settings(wide)
    assert page.banner.kind == "info" and "epochs, learning rate" in page.banner.message.text()
    assert page.settings.show_config(recording.config) == []


def test_a_recorded_run_of_a_network_from_a_file_shows_the_file_as_its_network(qtbot, keep, recorded):
    _path, recording = recorded
    page = keep(TrainingPage(), before_close=TrainingPage.shutdown)
    from_file = replace(recording.config, model="file", model_file="/elsewhere/mine.keras", epochs=3)
    page.show_settings(from_file)
    assert page.banner.kind == "", "the form shows every setting of the run as it was"
    shown = page.settings.config()
    assert (shown.model, shown.model_file, shown.epochs) == ("file", "/elsewhere/mine.keras", 3)
    assert page.settings.model.currentText() == "From file: mine.keras"
    assert "not on this computer" in page.settings.editor.file_label.text()


def test_the_bundled_recorded_run_leaves_the_users_settings_as_they_were(qtbot, keep, monkeypatch):
    monkeypatch.delenv("CNN_VISUALIZER_RECORDED_RUN")
    page = keep(TrainingPage(), before_close=TrainingPage.shutdown)
    before = page.settings.config()
    page.settings.epochs.setValue(9)
    page.controller.open_recording_file(str(recorded_run_path()), bundled=True)
    assert page.settings.config() == replace(before, epochs=9)


def test_without_a_recorded_run_the_page_opens_blank(qtbot, keep):
    page = keep(TrainingPage(), before_close=TrainingPage.shutdown)
    assert page.recording_note.isHidden() and page.controller.result is None
    assert not page.results_tab.save_model_button.isEnabled()


# -- the window -------------------------------------------------------------------------------
@pytest.fixture
def training_and_inspector(register_pages):
    register_pages([
        find_page("training"),
        PageSpec("inspector", "Inspector", "Models", "tests.ui.test_main_window:ModelOpenerPage", "opens models"),
    ])


def test_a_model_file_opened_in_the_window_replays_its_run(qtbot, keep, recorded, training_and_inspector):
    path, recording = recorded
    window = keep(MainWindow(first_page="inspector"))
    window.inspect_model(str(path))
    assert window.current_page_name() == "inspector"
    assert window.current_page().opened == [(str(path), False, True)]
    training = window.show_page("training")
    assert training.controller.history.epochs == list(recording.epochs)
    assert len(training.controller.recordings) == 1 and same_recording(training.controller.recordings[0], recording)
    window.show_page("inspector")
    window.inspect_model(str(path))  # again, as "Inspect this model" does: shown already
    assert len(training.controller.recordings) == 1


def test_a_damaged_recording_is_said_in_the_status_bar_and_the_model_still_opens(
    qtbot, keep, recorded, tmp_path, training_and_inspector
):
    path, _ = recorded
    damaged = copy_archive(path, tmp_path / "damaged.keras", lambda name, data: None if name == ARRAYS_ENTRY else data)
    window = keep(MainWindow(first_page="inspector"))
    window.inspect_model(str(damaged))
    assert window.current_page().opened == [(str(damaged), False, True)]
    assert "its arrays are missing" in window.statusBar().currentMessage()


def test_a_run_stopped_before_its_first_batch_is_not_kept_for_comparing(controller, view):
    controller.train(TrainConfig(), "CNN", 0)
    nothing = float("nan")
    controller.on_frame(frame(STARTED))
    controller.on_frame(frame(RunFinished(True, 0, nothing, nothing, nothing, nothing, 0.5, None)))
    view.show_recordings.assert_not_called()
    assert controller.recordings == []


def test_a_recorded_run_without_its_model_opens_on_the_training_page_only(qtbot, keep, recorded, tmp_path, training_and_inspector):
    _, recording = recorded
    alone = tmp_path / "script-run.keras"
    write_recording_alone(alone, recording)
    window = keep(MainWindow(first_page="inspector"))
    window.inspect_model(str(alone))
    assert window.current_page_name() == "training"
    training = window.current_page()
    assert training.controller.history.epochs == list(recording.epochs)
    assert not training.results_tab.save_model_button.isEnabled() and not training.results_tab.inspect_model_button.isEnabled()
    assert "without its model" in window.statusBar().currentMessage()
    assert window.show_page("inspector").opened == [], "no model to inspect"


def test_a_damaged_recorded_run_without_its_model_is_explained_and_nothing_else_opens(
    qtbot, keep, recorded, tmp_path, training_and_inspector
):
    _, recording = recorded
    alone = tmp_path / "script-run.keras"
    write_recording_alone(alone, recording)
    damaged = copy_archive(alone, tmp_path / "damaged.keras", lambda name, data: None if name == ARRAYS_ENTRY else data)
    window = keep(MainWindow(first_page="inspector"))
    window.inspect_model(str(damaged))
    assert window.current_page_name() == "training" and "its arrays are missing" in window.statusBar().currentMessage()
    assert window.current_page().controller.history.batch_count == 0
    assert window.show_page("inspector").opened == []
