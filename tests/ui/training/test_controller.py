"""The training page's controller with no window: a mock view and a mock driver, fed frames."""

from __future__ import annotations

import inspect
from dataclasses import replace
from types import SimpleNamespace
from unittest.mock import ANY, call

import pytest

from tests.ui.training.training_script import CLASS_NAMES, STEPS, snapshot
from visualizer.training.config import TrainConfig
from visualizer.training.data import FILE_NAMES
from visualizer.training.events import (
    BatchEnd,
    EpochEnd,
    RunFailed,
    RunFinished,
    RunStarted,
    Status,
)
from visualizer.ui.training.controller import TrainingController, format_duration
from visualizer.ui.training.link import Frame
from visualizer.ui.training.view import RunState, TrainingView

STARTED = RunStarted("tensorflow", "CPU", "no CUDA build", "seed CNN", "conv2d ...", 412778,
                     "bundled subset", 128, 32, 2, STEPS, CLASS_NAMES)


def frame(*events) -> Frame:
    made = Frame()
    for event in events:
        made.add(event)
    return made


def batch(epoch: int, number: int) -> BatchEnd:
    return BatchEnd(epoch, number, STEPS, 1.0 / number, 0.5, 200.0, 3.0)


def finished(model_path: str | None = None, stopped_early=False) -> RunFinished:
    return RunFinished(stopped_early, 2, 0.45, 0.84, 0.5, 0.82, 65.0, model_path)


@pytest.fixture
def controller(view, driver):
    return TrainingController(view, driver)


def running(controller, view, config=None) -> TrainingController:
    """The controller after Train, with the view's record of calls so far forgotten."""
    controller.driver.running = False  # any previous run has ended
    controller.train(config or TrainConfig(batch_size=32), "CNN", probe_index=3)
    controller.driver.running = True
    view.reset_mock()
    return controller


def texts(method) -> list[str]:
    return [args[0] for args, _ in method.call_args_list]


def test_a_new_controller_shows_the_idle_state(controller, view):
    view.set_state.assert_called_once_with(RunState.IDLE)
    assert controller.state == "idle"


def test_train_starts_the_driver_with_the_probe_and_shows_a_busy_run(controller, view, driver):
    controller.train(TrainConfig(epochs=2), "CNN", probe_index=3)
    started_with = driver.start.call_args.args[0]
    assert (started_with.epochs, started_with.probe_index) == (2, 3)
    view.hide_banner.assert_called_once()
    view.clear_run.assert_called_once()
    view.set_state.assert_called_with(RunState.RUNNING)
    view.show_progress.assert_called_with(0, 0, "")  # busy until the first batch
    assert texts(view.show_status) == ["Starting the training process…"]
    assert "Train pressed" in view.append_log.call_args.args[0]


def test_train_while_a_run_goes_on_does_nothing(controller, view, driver):
    running(controller, view)
    controller.train(TrainConfig(), "CNN", probe_index=0)
    driver.start.assert_called_once()
    view.clear_run.assert_not_called()


def test_a_process_that_cannot_start_becomes_a_red_banner(controller, view, driver):
    driver.start.side_effect = OSError("no more processes")
    controller.train(TrainConfig(), "CNN", probe_index=0)
    assert controller.state == "idle"
    kind, message = view.show_banner.call_args.args[:2]
    assert kind == "error" and "could not start: no more processes" in message
    assert "OSError" in view.show_banner.call_args.kwargs["details"]
    view.show_progress.assert_called_with(0, 1, "Failed")


def test_statuses_are_shown_until_the_first_batch_and_always_logged(controller, view):
    running(controller, view)
    controller.on_frame(frame(Status("Loading Keras…")))
    assert texts(view.show_status) == ["Loading Keras…"]
    controller.on_frame(frame(batch(1, 1)))
    controller.on_frame(frame(Status("Saving the model…")))
    assert "Saving the model…" not in texts(view.show_status)
    assert view.append_log.call_args.args[0].endswith("Saving the model…")


def test_a_stopping_run_keeps_saying_it_stops(controller, view, driver):
    running(controller, view)
    controller.stop()
    controller.on_frame(frame(Status("Reading Fashion-MNIST…")))
    assert texts(view.show_status) == [
        "Stopping: finishing the batch, evaluating on the test images, saving…"
    ]


def test_a_run_stopped_during_an_epoch_says_so_everywhere(controller, view):
    running(controller, view)
    controller.on_frame(frame(STARTED, *(batch(1, n) for n in range(1, STEPS + 1)),
                              EpochEnd(1, 0.9, 0.7, 0.8, 0.72, 2.0), snapshot(1, STEPS, end_of_epoch=True)))
    controller.stop()
    # Stop ends epoch 2 after its second batch; Keras still closes the epoch (validation, snapshot).
    controller.on_frame(frame(batch(2, 1), batch(2, 2), EpochEnd(2, 0.7, 0.75, 0.7, 0.74, 3.0),
                              snapshot(2, 2, end_of_epoch=True),
                              replace(finished("/tmp/m.keras", stopped_early=True), epochs_completed=1)))
    where = "Stopped during epoch 2, after batch 2 of 4"
    assert view.show_banner.call_args.args[1].startswith(f"{where}: test accuracy")
    assert view.show_progress.call_args.args[2] == where
    assert view.show_replay.call_args.args == (2, 2, "Live")
    controller.select_replay(1)
    assert view.show_replay.call_args.args == (2, 1, where)
    controller.select_replay(0)
    assert view.show_replay.call_args.args == (2, 0, "End of epoch 1 (of 2)")


def test_a_run_stopped_at_an_epoch_end_counts_its_epochs(controller, view):
    running(controller, view)
    controller.on_frame(frame(STARTED, *(batch(1, n) for n in range(1, STEPS + 1))))
    controller.stop()
    controller.on_frame(frame(EpochEnd(1, 0.9, 0.7, 0.8, 0.72, 2.0), snapshot(1, STEPS, end_of_epoch=True),
                              replace(finished("/tmp/m.keras", stopped_early=True), epochs_completed=1)))
    assert view.show_banner.call_args.args[1].startswith("Stopped after 1 epoch(s): test accuracy")
    assert view.show_progress.call_args.args[2] == "Stopped after 1 epoch(s)"


def test_run_started_shows_the_device_the_data_and_the_model(controller, view):
    running(controller, view)
    controller.on_frame(frame(STARTED))
    device = view.show_device.call_args.args[0]
    assert "<b>CPU</b>" in device and "no CUDA build" in device
    view.show_data.assert_called_once_with(
        "Data: bundled subset; 128 training and 32 test images", "128 training and 32 test images"
    )
    view.set_probe_count.assert_called_once_with(32)
    view.set_class_names.assert_called_once_with(CLASS_NAMES)
    assert view.show_model_summary.call_args.args[0].startswith("seed CNN: 412,778 parameters")


def test_batches_update_the_curves_and_the_progress(controller, view):
    running(controller, view)
    controller.on_frame(frame(STARTED))
    controller.on_frame(frame(batch(1, 1), batch(1, 2)))
    view.show_curves.assert_called_once_with(controller.history, 2)
    assert controller.history.batch_count == 2
    view.show_progress.assert_called_with(2, 2 * STEPS, "Epoch 1/2 · batch 2/4")
    view.show_speed.assert_called_with("200 images/s")
    # 6 batches of 32 images left at 200 images a second
    view.show_timing.assert_called_with(f"0:03 elapsed, about {format_duration(6 * 32 / 200)} left")
    assert texts(view.show_status) == ["Training…"]
    view.draw_now.assert_not_called()  # batches wait for the view's throttle


def test_an_epochs_end_is_drawn_at_once_and_logged(controller, view):
    running(controller, view)
    controller.on_frame(frame(EpochEnd(1, 0.5, 0.8, 0.6, 0.75, 2.0), snapshot(1, STEPS, end_of_epoch=True)))
    view.draw_now.assert_called_once()
    view.show_curves.assert_called_once()
    assert "Epoch 1: loss 0.5000" in view.append_log.call_args.args[0]
    view.show_replay.assert_called_once_with(1, 1, "Live")


def test_live_snapshots_are_shown_only_while_the_replay_is_live(controller, view):
    running(controller, view)
    epoch_one = snapshot(1, STEPS, end_of_epoch=True)
    controller.on_frame(frame(epoch_one))
    view.show_snapshot.assert_called_once_with(epoch_one)
    live = snapshot(2, 1)
    controller.on_frame(frame(live))
    view.show_snapshot.assert_called_with(live)

    view.reset_mock()
    controller.select_replay(0)
    view.show_replay.assert_called_once_with(1, 0, "End of epoch 1 (of 1)")
    view.show_snapshot.assert_called_once_with(epoch_one)
    view.draw_now.assert_called_once()
    assert controller.shown_snapshot() is epoch_one

    view.reset_mock()
    newer = snapshot(2, 2)
    controller.on_frame(frame(newer))
    view.show_snapshot.assert_not_called()  # the user looks at epoch 1
    controller.on_frame(frame(snapshot(2, STEPS, end_of_epoch=True)))
    assert view.show_replay.call_args.args == (2, 0, "End of epoch 1 (of 2)")  # stays on epoch 1

    controller.go_live()
    assert view.show_replay.call_args.args == (2, 2, "Live")
    assert view.show_snapshot.call_args.args[0].end_of_epoch
    assert controller.is_live()


def test_selecting_the_shown_position_again_draws_nothing(controller, view):
    running(controller, view)
    controller.on_frame(frame(snapshot(1, STEPS, end_of_epoch=True)))
    view.reset_mock()
    controller.go_live()
    view.show_snapshot.assert_not_called()
    view.show_replay.assert_not_called()


def test_a_finished_run_adds_a_result_row_and_offers_to_save(controller, view, tmp_path):
    model = tmp_path / "model.keras"
    model.write_bytes(b"model")
    running(controller, view)
    controller.on_frame(frame(STARTED))
    controller.on_frame(frame(finished(str(model))))
    assert controller.state == "idle" and controller.files.can_save_model
    view.set_state.assert_called_with(RunState.IDLE)
    view.draw_now.assert_called_once()
    view.show_progress.assert_called_with(1, 1, "Finished after 2 epoch(s)")
    view.set_model_saveable.assert_called_with(True)
    view.show_results.assert_called_once_with(
        [("CNN — 2 epochs, 128 training images", 0.84, 0.45, 0.82, 0.5)]
    )
    assert "test accuracy <b>0.8200</b>" in view.show_result_summary.call_args.args[0]
    view.show_banner.assert_called_with("info", ANY, action="Save model…")

    running(controller, view)
    controller.on_frame(frame(finished(None, stopped_early=True)))
    rows = view.show_results.call_args.args[0]
    assert [row[0] for row in rows] == ["CNN — 2 epochs, 128 training images",
                                       "CNN — 2 epochs (stopped early)"]
    view.show_banner.assert_called_with("info", ANY, action="")
    assert "kept as it was" in view.show_banner.call_args.args[1]
    assert not model.exists()  # the second Train deleted the first run's unsaved model


def test_a_failed_run_shows_a_red_banner_with_the_traceback(controller, view):
    running(controller, view)
    controller.on_frame(frame(RunFailed("Out of memory.", "Traceback: ResourceExhaustedError")))
    assert controller.state == "idle"
    view.show_banner.assert_called_once_with(
        "error", "Out of memory.", details="Traceback: ResourceExhaustedError"
    )
    view.show_progress.assert_called_with(0, 1, "Failed")
    assert "ResourceExhaustedError" in view.append_log.call_args.args[0]


def test_pause_resume_and_stop_drive_the_run(controller, view, driver):
    controller.toggle_play()
    controller.stop()
    driver.pause.assert_not_called()
    driver.stop.assert_not_called()  # nothing runs yet
    running(controller, view)
    controller.toggle_play()
    controller.toggle_play()
    controller.stop()
    assert driver.method_calls[-3:] == [call.pause(), call.resume(), call.stop()]
    assert [c.args[0] for c in view.set_state.call_args_list] == ["paused", "running", "stopping"]
    controller.toggle_play()  # a stopping run can no longer be paused
    assert driver.pause.call_count == 1


def test_the_probe_goes_to_the_driver(controller, view, driver):
    view.probeChosen.connect.call_args.args[0](7)
    driver.set_probe.assert_called_once_with(7)


def choice(title: str, data_dir: str | None = None, allow_download: bool = False) -> SimpleNamespace:
    """What the view's settingsChanged carries (a settings.DataChoice)."""
    return SimpleNamespace(title=title, data_dir=data_dir, allow_download=allow_download)


def test_the_data_choice_is_shown_only_between_runs(controller, view):
    changed = view.settingsChanged.connect.call_args.args[0]
    changed(choice("Bundled subset"))
    view.show_data.assert_called_once_with("Data: Bundled subset")
    running(controller, view)
    changed(choice("Another"))
    view.show_data.assert_not_called()


def test_saving_says_where_or_why_not(controller, view, tmp_path):
    assert controller.files.save_file("the curves", str(tmp_path / "a.csv"), lambda temporary: temporary.write_text("x,y"))
    assert (tmp_path / "a.csv").read_text() == "x,y"
    view.show_banner.assert_called_with("info", f"Saved the curves to {tmp_path / 'a.csv'}.")

    def refuse(temporary):
        temporary.write_text("half")
        raise PermissionError("read-only folder")

    assert not controller.files.save_file("the image", str(tmp_path / "a.png"), refuse)
    kind, message = view.show_banner.call_args.args
    assert kind == "error" and f"Could not save the image to {tmp_path / 'a.png'}: read-only" in message
    assert sorted(path.name for path in tmp_path.iterdir()) == ["a.csv"]  # nothing half-written left
    assert "PermissionError" in view.show_banner.call_args.kwargs["details"]


def test_save_model_as_adds_the_keras_suffix_and_copies(controller, view, tmp_path):
    model = tmp_path / "run" / "model.keras"
    model.parent.mkdir()
    model.write_bytes(b"weights")
    with pytest.raises(RuntimeError):
        controller.files.save_model(str(tmp_path / "early.keras"))
    controller.on_frame(frame(finished(str(model))))
    controller.files.save_model_as(str(tmp_path / "mine"))
    assert (tmp_path / "mine.keras").read_bytes() == b"weights"
    controller.files.export_csv(str(tmp_path / "curves.csv"))
    assert (tmp_path / "curves.csv").read_text().startswith("kind,epoch,batch")


def test_shutdown_stops_the_driver_and_deletes_the_unsaved_model(controller, view, driver, tmp_path):
    model = tmp_path / "run" / "model.keras"
    model.parent.mkdir()
    model.write_bytes(b"weights")
    controller.on_frame(frame(finished(str(model))))
    running(controller, view)
    controller.shutdown()
    driver.shutdown.assert_called_once()
    assert controller.state == "idle"
    assert "Closing" in view.append_log.call_args.args[0]
    assert not model.parent.exists()


def test_the_controller_connects_every_signal_the_view_declares(view, controller):
    for name, _ in inspect.getmembers(TrainingView, lambda member: isinstance(member, property)):
        getattr(view, name).connect.assert_called_once()


def test_the_driver_frames_reach_the_controller(controller, view, driver):
    running(controller, view)
    deliver = driver.frameReady.connect.call_args.args[0]
    deliver(frame(batch(1, 1)))
    assert controller.history.batch_count == 1


def test_the_banner_button_saves_the_model_when_no_run_is_offered(controller, view, tmp_path):
    model = tmp_path / "run" / "model.keras"
    model.parent.mkdir()
    model.write_bytes(b"weights")
    controller.on_frame(frame(finished(str(model))))
    view.ask_save_path.return_value = str(tmp_path / "kept")
    view.bannerActionClicked.connect.call_args.args[0]()
    assert (tmp_path / "kept.keras").read_bytes() == b"weights"


def data_folder(folder) -> str:
    """A folder holding the four Fashion-MNIST file names (what the form's check looks at)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in FILE_NAMES.values():
        (folder / (name + ".gz")).write_bytes(b"")
    return str(folder)


def test_a_process_is_started_ahead_only_once_due_and_again_for_other_data(controller, view, driver, tmp_path):
    one, two, three = (data_folder(tmp_path / name) for name in ("one", "two", "three"))
    changed = view.settingsChanged.connect.call_args.args[0]
    changed(choice("Fashion-MNIST", one))
    driver.prestart.assert_not_called()  # the page was not in view long enough yet
    view.prestartDue.connect.call_args.args[0]()
    driver.prestart.assert_called_once_with(one, False)
    changed(choice("Other", two, allow_download=True))
    driver.prestart.assert_called_with(two, True)
    changed(choice("Empty", str(tmp_path)))
    assert driver.prestart.call_count == 2  # a folder without the data is not worth a process
    controller.shutdown()
    changed(choice("Third", three))
    assert driver.prestart.call_count == 2  # closed: nothing more is started ahead


def test_a_folder_without_the_data_is_named_at_once_and_keeps_the_shown_run(controller, view, driver, tmp_path):
    model = tmp_path / "run" / "model.keras"
    model.parent.mkdir()
    model.write_bytes(b"weights")
    changed = view.settingsChanged.connect.call_args.args[0]
    train = view.trainRequested.connect.call_args.args[0]
    running(controller, view)
    controller.on_frame(frame(STARTED, finished(str(model))))
    driver.running = False
    driver.reset_mock()
    empty = tmp_path / "empty"
    empty.mkdir()
    view.reset_mock()
    changed(choice("Your folder", str(empty)))
    kind, text = view.show_banner.call_args.args
    assert kind == "error" and str(empty) in text and "t10k-labels-idx1-ubyte.gz" in text
    train(TrainConfig(data_dir=str(empty)), "CNN", 0)
    driver.start.assert_not_called()  # Train is refused: the finished run and its model stay
    view.clear_run.assert_not_called()
    view.set_model_saveable.assert_not_called()
    assert model.exists() and controller.files.can_save_model and controller.has_unsaved_model
    view.hide_banner.assert_not_called()
    changed(choice("Bundled subset", data_folder(tmp_path / "good")))
    view.hide_banner.assert_called_once()  # the problem is gone, and so is the banner
    changed(choice("Downloaded"))
    view.hide_banner.assert_called_once()  # a banner about something else is left alone


@pytest.mark.parametrize("seconds, text", [(0, "0:00"), (59.6, "1:00"), (754, "12:34"),
                                           (3600 + 62, "1:01:02"), (-5, "0:00")])
def test_durations_read_as_minutes_and_seconds(seconds, text):
    assert format_duration(seconds) == text
