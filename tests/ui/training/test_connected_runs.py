"""Runs that scripts stream to the page, with no window: a mock view, a mock driver and a mock
ScriptRuns whose ticks are fed by hand. Two scripts' runs are listed under Runs, either can be
shown from its start and followed, the app's own run trains on while set aside, and a script that
goes quiet is shown as having stopped sending, its curves kept."""

from __future__ import annotations

import math
from dataclasses import replace
from unittest.mock import MagicMock

import pytest

from tests.ui.training.test_controller import STARTED, batch, finished, frame, running
from tests.ui.training.test_recorded_runs import same_recording
from visualizer.training.events import EpochEnd, RunFailed, RunFinished
from visualizer.training.recording_file import holds_model, read_recording, write_recording_alone
from visualizer.ui.training import connected_runs
from visualizer.ui.training.controller import TrainingController
from visualizer.ui.training.external import ScriptRuns
from visualizer.ui.training.view import NO_RESULT_YET, RunState

SCRIPT_A = replace(STARTED, run_name="train_a.py", device="GPU: a test card", backend="jax")
SCRIPT_B = replace(STARTED, run_name="notebook", model_name="tiny")


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def scripts():
    return MagicMock(spec=ScriptRuns)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def controller(view, driver, scripts, clock):
    made = TrainingController(view, driver, scripts=scripts)
    made.connected_runs.clock = clock
    return made


def tick(scripts, frames: dict) -> None:
    """One tick of the stream, through the slot the controller connected."""
    scripts.framesReady.connect.call_args.args[0](frames)


def choose(view, run_id: str) -> None:
    view.runChosen.connect.call_args.args[0](run_id)


def listed(view) -> tuple[list, str]:
    return view.show_runs.call_args.args


def test_two_scripts_runs_are_listed_and_either_is_shown_from_its_start(controller, view, scripts):
    tick(scripts, {"a": frame(SCRIPT_A, batch(1, 1), batch(1, 2)), "b": frame(SCRIPT_B, batch(1, 1))})
    assert listed(view) == ([("a", "train_a.py · live"), ("b", "notebook · live")], "")
    assert controller.history.batch_count == 0  # the app's own run is still the one shown

    choose(view, "a")
    assert controller.history.batch_count == 2 and controller.run_title == "train_a.py"
    assert "GPU: a test card" in view.show_device.call_args.args[0]
    assert controller.state == RunState.RUNNING
    assert listed(view)[1] == "a"
    assert "Watching train_a.py" in view.show_recording_note.call_args.args[0]

    tick(scripts, {"a": frame(batch(1, 3)), "b": frame(batch(1, 2))})
    assert controller.history.batch_count == 3  # the shown run is followed live
    choose(view, "b")
    assert controller.history.batch_count == 2 and controller.run_title == "notebook"
    view.clear_run.assert_called()
    tick(scripts, {"a": frame(EpochEnd(1, 0.5, 0.8, 0.6, 0.7, 9.0))})
    assert controller.history.epochs == []  # a run not shown is only kept
    choose(view, "a")
    assert controller.history.batch_count == 3 and len(controller.history.epochs) == 1


def test_the_apps_own_run_trains_on_while_a_scripts_run_is_shown(controller, view, driver, scripts):
    deliver = driver.frameReady.connect.call_args.args[0]
    chosen, probe_chosen = view.runChosen.connect.call_args.args[0], view.probeChosen.connect.call_args.args[0]
    running(controller, view)  # forgets the view's calls, its connections included
    deliver(frame(STARTED, batch(1, 1)))
    tick(scripts, {"a": frame(SCRIPT_A, batch(1, 1), batch(1, 2), batch(1, 3))})
    chosen("a")

    deliver(frame(batch(1, 2), batch(1, 3), batch(1, 4)))
    assert controller.history.batch_count == 3  # still the script's
    controller.toggle_play()
    controller.stop()
    probe_chosen(5)
    driver.pause.assert_not_called()  # Pause and Stop went to the script (see the next test)
    driver.stop.assert_not_called()
    driver.set_probe.assert_not_called()

    deliver(frame(finished()))
    chosen("")
    assert controller.history.batch_count == 4  # what it sent meanwhile is drawn on its return
    assert controller.run_title == "CNN" and controller.result == finished()
    assert controller.state == RunState.IDLE
    assert listed(view) == ([("a", "train_a.py · live")], "")


def test_pause_resume_and_stop_of_a_scripts_run_are_asked_of_the_script(controller, view, scripts):
    tick(scripts, {"a": frame(SCRIPT_A, batch(1, 1))})
    choose(view, "a")
    scripts.tell.return_value = True
    controller.toggle_play()
    scripts.tell.assert_called_with("a", "pause")
    assert controller.state == RunState.PAUSED
    assert "Asked train_a.py to pause after its current batch" in view.show_status.call_args.args[0]
    choose(view, "")
    choose(view, "a")
    assert controller.state == RunState.PAUSED, "shown again, it is still paused"
    controller.toggle_play()
    scripts.tell.assert_called_with("a", "resume")
    assert controller.state == RunState.RUNNING
    controller.stop()
    scripts.tell.assert_called_with("a", "stop")
    assert controller.state == RunState.STOPPING
    choose(view, "")
    choose(view, "a")
    assert controller.state == RunState.STOPPING, "shown again, it is still stopping"
    tick(scripts, {"a": frame(batch(1, 2), finished(stopped_early=True))})
    assert controller.state == RunState.IDLE and controller.result.stopped_early
    assert "train_a.py, streamed by a script on this machine, has ended" in view.show_recording_note.call_args.args[0]
    assert "model is kept" not in view.show_banner.call_args.args[1]  # the script holds its model, not the app

    tick(scripts, {"b": frame(SCRIPT_B, batch(1, 1))})
    choose(view, "b")
    scripts.tell.return_value = False  # gone, or its connection closed
    controller.toggle_play()
    assert controller.state == RunState.RUNNING
    assert "notebook cannot be reached" in view.show_status.call_args.args[0]


def test_a_script_that_goes_quiet_has_stopped_sending_and_keeps_its_curves(controller, view, scripts, clock):
    steps = replace(SCRIPT_A, steps_per_epoch=400)
    tick(scripts, {"a": frame(steps, replace(batch(1, 400), steps_per_epoch=400), replace(batch(2, 340), steps_per_epoch=400))})
    choose(view, "a")
    clock.now += connected_runs.SILENT_AFTER_S / 2
    tick(scripts, {})
    assert listed(view)[0] == [("a", "train_a.py · live")]
    clock.now += connected_runs.SILENT_AFTER_S
    tick(scripts, {})
    assert listed(view)[0] == [("a", "train_a.py · stopped sending")]
    assert view.show_status.call_args.args[0] == "The run stopped sending at epoch 2, batch 340; its curves are kept."
    assert "the run stopped sending at epoch 2, batch 340" in view.show_recording_note.call_args.args[0]
    assert "before it finished, so there are no final scores" in view.show_result_summary.call_args.args[0]
    assert controller.state == RunState.IDLE and controller.history.batch_count == 2

    tick(scripts, {"a": frame(replace(batch(2, 341), steps_per_epoch=400))})  # it was only held up
    assert listed(view)[0] == [("a", "train_a.py · live")]


def test_what_a_quiet_script_sent_is_compared_and_saved_as_a_recorded_run(controller, view, scripts, clock, tmp_path):
    epoch = EpochEnd(1, 0.5, 0.8, 0.6, 0.7, 9.0)
    tick(scripts, {"a": frame(SCRIPT_A, batch(1, 1), epoch, batch(2, 1)), "b": frame(SCRIPT_B, batch(1, 1))})
    choose(view, "a")
    view.set_run_saveable.assert_called_with(False)  # live: not yet
    clock.now += 2 * connected_runs.SILENT_AFTER_S
    tick(scripts, {})
    view.set_run_saveable.assert_called_with(True)
    assert "Save run…" in view.show_recording_note.call_args.args[0]
    a, b = controller.recordings  # both went quiet: each in Compare runs
    assert a.title == "train_a.py — 1 epoch (stopped early)" and b.started == SCRIPT_B
    assert a.finished == RunFinished(True, 1, 0.5, 0.8, 0.6, 0.7, batch(2, 1).elapsed_s, None)
    assert math.isnan(b.finished.test_accuracy), "no epoch ended: no test scores to show"

    view.ask_save_path.return_value = str(tmp_path / "mine")
    view.saveRunRequested.connect.call_args.args[0]()
    path = tmp_path / "mine.keras"
    assert view.ask_save_path.call_args.args[1] == "train_a-py-run.keras"
    assert holds_model(path) is False and same_recording(read_recording(path), a)
    assert "Saved the run to" in view.show_banner.call_args.args[1]

    tick(scripts, {"a": frame(batch(2, 2), replace(finished(), epochs_completed=2))})  # it was held up, then ended
    assert len(controller.recordings) == 2 and controller.recordings[0].finished.epochs_completed == 2
    assert controller.recordings[1] is b


def test_a_recorded_run_saved_without_its_model_opens_with_nothing_to_inspect(controller, view, scripts, tmp_path):
    tick(scripts, {"a": frame(SCRIPT_A, batch(1, 1), EpochEnd(1, 0.5, 0.8, 0.6, 0.7, 9.0), finished())})
    choose(view, "a")
    path = tmp_path / "run.keras"
    write_recording_alone(path, controller.connected_runs.shown_recording)
    choose(view, "")
    assert controller.open_recording_file(str(path)) is None
    assert controller.history.batch_count == 1 and controller.result.model_path is None
    assert len(controller.recordings) == 1, "the run kept when it ended, read back from its file: compared once"
    view.set_model_saveable.assert_called_with(False)
    assert "recorded run of a script (train_a.py)" in view.show_recording_note.call_args.args[0]


def test_a_finished_scripts_run_is_ended_and_its_result_counted_once(controller, view, scripts):
    tick(scripts, {"a": frame(SCRIPT_A, batch(1, 1), EpochEnd(1, 0.5, 0.8, 0.6, 0.7, 9.0), finished())})
    assert listed(view)[0] == [("a", "train_a.py · ended")]
    for run_id in ("a", "", "a"):
        choose(view, run_id)
    assert controller.state == RunState.IDLE
    assert [title.split(" — ")[0] for title, _ in controller.session_results] == ["train_a.py"]
    (kept,) = controller.recordings  # in Compare runs once, however often shown
    assert kept.title == "train_a.py — 2 epochs" and kept.config is None and kept.finished == finished()
    assert kept.started == SCRIPT_A and len(kept.batches) == 1 and len(kept.epochs) == 1


def test_a_run_id_nobody_sent_is_not_chosen(controller, view):
    choose(view, "nobody")
    assert not controller.connected_runs.watching
    view.show_runs.assert_not_called()


def test_shutdown_puts_the_apps_run_back_and_stops_listening(controller, view, scripts):
    tick(scripts, {"a": frame(SCRIPT_A, batch(1, 1))})
    choose(view, "a")
    controller.shutdown()
    assert not controller.connected_runs.watching
    scripts.close.assert_called_once()


def test_a_script_that_failed_says_why_in_the_banner_and_is_listed_as_ended(controller, view, scripts):
    failed = RunFailed("The script stopped with an error at epoch 1, batch 2: ValueError: the data ran out",
                       "Traceback …\nValueError: the data ran out\n")
    tick(scripts, {"a": frame(SCRIPT_A, batch(1, 1), batch(1, 2))})
    choose(view, "a")
    tick(scripts, {"a": frame(failed)})
    assert listed(view) == ([("a", "train_a.py · ended")], "a")
    level, message = view.show_banner.call_args.args
    assert level == "error" and message == failed.message
    assert view.show_banner.call_args.kwargs["details"] == failed.traceback
    assert controller.state == RunState.IDLE and controller.history.batch_count == 2, "its curves are kept"
    choose(view, "")
    assert view.show_result_summary.call_args.args[0] == NO_RESULT_YET, "the app's own run has none"
    choose(view, "a")
    assert "failed before it finished" in view.show_result_summary.call_args.args[0]


def test_saving_a_run_that_sent_no_batch_or_into_a_missing_folder_says_so_and_writes_nothing(controller, view, scripts, clock, tmp_path):
    tick(scripts, {"a": frame(SCRIPT_A), "b": frame(SCRIPT_B, batch(1, 1))})
    clock.now += 2 * connected_runs.SILENT_AFTER_S
    tick(scripts, {})
    choose(view, "a")
    save = view.saveRunRequested.connect.call_args.args[0]
    save()
    view.ask_save_path.assert_not_called()
    assert "sent no batch before it ended: there is nothing to save" in view.show_banner.call_args.args[1]

    choose(view, "b")
    view.ask_save_path.return_value = str(tmp_path / "gone" / "run.keras")
    save()
    level, message = view.show_banner.call_args.args[:2]
    assert level == "error" and "Could not save the run" in message and "Choose another folder" in message
    assert not (tmp_path / "gone").exists() and list(tmp_path.iterdir()) == []
