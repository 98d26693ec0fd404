"""Autosave: each finished epoch of a run is kept on disk (model, history, settings), the last
few runs only; a run cut off by a kill is found and trains on from its last epoch; a folder that
cannot be written turns autosave off with one message while training goes on."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import keras
import pytest

from tests.full_disk import full_disk
from tests.read_only import read_only
from tests.training.tiny import tiny_config
from visualizer.training import saved_runs
from visualizer.training.events import AutosaveOff, BatchEnd, EpochEnd, RunFinished
from visualizer.training.run import RunControl, run


def _remove_model(result) -> None:
    if isinstance(result, RunFinished) and result.model_path:
        shutil.rmtree(Path(result.model_path).parent, ignore_errors=True)


def _only_run(root: Path) -> Path:
    folders = saved_runs.run_folders(root)
    assert len(folders) == 1, folders
    return folders[0]


def test_each_finished_epoch_is_kept_with_its_history_and_settings(tmp_path):
    config = tiny_config(epochs=2)
    events = []
    result = run(config, events.append, autosave_to=tmp_path)
    _remove_model(result)
    assert isinstance(result, RunFinished), getattr(result, "traceback", result)
    folder = _only_run(tmp_path)
    saved = saved_runs.read_run(folder)
    assert saved.status == saved_runs.FINISHED and saved.epochs_done == 2
    assert saved.config == config and saved.data_source
    assert not saved.is_interrupted()
    batches, epochs = saved.history()
    assert batches == [event for event in events if isinstance(event, BatchEnd)]
    assert epochs == [event for event in events if isinstance(event, EpochEnd)]
    model = keras.models.load_model(saved.model_path)
    assert model.count_params() == 412_778
    assert sorted(path.name for path in folder.iterdir()) == ["history.json", "model.keras", "run.json"]


def test_a_run_stopped_mid_epoch_keeps_the_last_whole_epoch(tmp_path):
    control = RunControl()

    def stop_in_epoch_two(event):
        if isinstance(event, BatchEnd) and event.epoch == 2 and event.batch == 1:
            control.request_stop()

    result = run(tiny_config(epochs=3), stop_in_epoch_two, control, autosave_to=tmp_path)
    _remove_model(result)
    saved = saved_runs.read_run(_only_run(tmp_path))
    assert result.stopped_early
    assert (saved.status, saved.epochs_done) == (saved_runs.STOPPED, 1)
    assert [epoch.epoch for epoch in saved.history()[1]] == [1]


def test_only_the_newest_runs_are_kept(tmp_path):
    for index in range(saved_runs.KEEP_RUNS + 1):
        folder = tmp_path / f"2020010{index}-000000-1-0"
        folder.mkdir()
        saved_runs.write_run(folder, tiny_config(), "", 1, saved_runs.FINISHED)
    result = run(tiny_config(), lambda event: None, autosave_to=tmp_path)
    _remove_model(result)
    names = [folder.name for folder in saved_runs.run_folders(tmp_path)]
    assert len(names) == saved_runs.KEEP_RUNS
    assert names[:-1] == [f"2020010{index}-000000-1-0" for index in (2, 3)]


def _interrupted_run(root: Path, epochs_done: int = 1, epochs: int = 2) -> saved_runs.SavedRun:
    """A run that trained ``epochs_done`` epochs, then was cut off (its status left running,
    its process gone) as a kill would leave it."""
    config = tiny_config(epochs=epochs_done)
    result = run(config, lambda event: None, autosave_to=root)
    _remove_model(result)
    folder = _only_run(root)
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    values = json.loads((folder / "run.json").read_text())
    values.update(status="running", pid=gone.pid, config={**values["config"], "epochs": epochs})
    (folder / "run.json").write_text(json.dumps(values))
    return saved_runs.read_run(folder)


def test_a_killed_run_is_found_and_resumes_from_its_last_epoch(tmp_path):
    saved = _interrupted_run(tmp_path)
    assert saved.is_interrupted()
    assert saved_runs.find_interrupted(tmp_path) == saved
    before_batches, before_epochs = saved.history()

    events = []
    config = replace(saved.config, resume_from=str(saved.folder))
    result = run(config, events.append, autosave_to=tmp_path)
    _remove_model(result)
    assert isinstance(result, RunFinished), getattr(result, "traceback", result)
    assert result.epochs_completed == 2
    assert [event.epoch for event in events if isinstance(event, EpochEnd)] == [2]
    assert {event.epoch for event in events if isinstance(event, BatchEnd)} == {2}
    resumed = saved_runs.read_run(_only_run(tmp_path))
    assert (resumed.status, resumed.epochs_done) == (saved_runs.FINISHED, 2)
    batches, epochs = resumed.history()
    assert batches[: len(before_batches)] == before_batches and epochs[:1] == before_epochs
    assert [epoch.epoch for epoch in epochs] == [1, 2]
    assert saved_runs.find_interrupted(tmp_path) is None


def test_a_live_or_finished_run_is_not_offered_and_discard_deletes(tmp_path):
    saved = _interrupted_run(tmp_path)
    live = replace(saved, pid=os.getpid())
    assert not live.is_interrupted()
    assert not replace(saved, status=saved_runs.FINISHED).is_interrupted()
    saved_runs.discard(saved)
    assert not saved.folder.exists() and saved_runs.find_interrupted(tmp_path) is None


def test_stale_temporaries_of_a_killed_save_are_removed(tmp_path):
    stale = tmp_path / ".model.abc123.part.keras"
    fresh = tmp_path / ".model.def456.part.keras"
    other = tmp_path / "notes.txt"
    for path in (stale, fresh, other):
        path.write_text("x")
    old = time.time() - saved_runs.STALE_TEMPORARY_S - 60
    os.utime(stale, (old, old))
    os.utime(other, (old, old))
    saved_runs.remove_stale_temporaries(tmp_path)
    assert not stale.exists() and fresh.exists() and other.exists()


def test_a_read_only_autosave_folder_says_so_once_and_training_goes_on(tmp_path):
    root = tmp_path / "autosave"
    root.mkdir()
    events = []
    with read_only(root):
        result = run(tiny_config(epochs=2), events.append, autosave_to=root)
    _remove_model(result)
    assert isinstance(result, RunFinished) and result.epochs_completed == 2
    notices = [event for event in events if isinstance(event, AutosaveOff)]
    assert len(notices) == 1 and "Autosave is off" in notices[0].message
    assert list(root.iterdir()) == []


def test_a_full_autosave_disk_says_so_once_and_training_goes_on(tmp_path):
    root = tmp_path / "autosave"
    events = []
    with full_disk(root):
        result = run(tiny_config(epochs=2), events.append, autosave_to=root)
        left = [path.name for path in root.rglob("*") if path.is_file()]
    _remove_model(result)
    assert isinstance(result, RunFinished) and result.epochs_completed == 2
    notices = [event for event in events if isinstance(event, AutosaveOff)]
    assert len(notices) == 1 and "No space left on device" in notices[0].message
    assert not [name for name in left if ".part" in name], f"half-written files left: {left}"


@pytest.mark.slow
def test_a_training_process_killed_hard_is_resumed_losing_at_most_one_epoch():
    from visualizer.training.process import TrainingProcess

    root = saved_runs.autosave_root()  # the test's own folder (tests/conftest.py)
    process = TrainingProcess(tiny_config(epochs=50, train_limit=512, batch_size=32))
    process.start()
    try:
        deadline = time.monotonic() + 120
        saved = None
        while time.monotonic() < deadline:
            process.poll()
            folders = saved_runs.run_folders(root)
            saved = saved_runs.read_run(folders[0]) if folders else None
            if saved is not None and saved.epochs_done >= 1:
                break
            time.sleep(0.05)
        assert saved is not None and saved.epochs_done >= 1, "no epoch was autosaved"
        os.kill(process.pid, signal.SIGKILL)
        process.join(5)
    finally:
        if process.is_alive():
            process.terminate()
            process.join(5)
    cut_off = saved_runs.find_interrupted(root)
    assert cut_off is not None and cut_off.epochs_done >= saved.epochs_done
    keras.models.load_model(cut_off.model_path)
    events = []
    resumed = run(replace(cut_off.config, epochs=cut_off.epochs_done + 1, resume_from=str(cut_off.folder)),
                  events.append, autosave_to=root)
    _remove_model(resumed)
    assert isinstance(resumed, RunFinished), getattr(resumed, "traceback", resumed)
    assert [event.epoch for event in events if isinstance(event, EpochEnd)] == [cut_off.epochs_done + 1]
    assert saved_runs.read_run(cut_off.folder).status == saved_runs.FINISHED
