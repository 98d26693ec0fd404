"""The training page after a crash: a run cut off by a kill is offered in the banner, to resume
from its last saved epoch (its curves kept) or to discard; autosave failing says so once; a
read-only folder refuses Save model with a message and keeps the old file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from unittest.mock import MagicMock

import pytest
from PyQt6.QtCore import Qt

from tests.full_disk import full_disk
from tests.read_only import read_only
from tests.ui.training.training_script import STEPS, FakeTrainingProcess, scripted_run
from visualizer.training import saved_runs
from visualizer.training.config import TrainConfig
from visualizer.training.events import AutosaveOff, BatchEnd, EpochEnd
from visualizer.ui.training.controller import TrainingController
from visualizer.ui.training.link import Frame, RunDriver
from visualizer.ui.training.page import TrainingPage
from visualizer.ui.training.view import TrainingView

CONFIG = TrainConfig(epochs=3, batch_size=16, train_limit=64)


def _dead_pid() -> int:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    return gone.pid


def cut_off_run(root, epochs_done=1, config=CONFIG):
    """An autosaved run as a kill leaves it: status running, its process gone."""
    root.mkdir(parents=True, exist_ok=True)
    folder = saved_runs.new_run_folder(root)
    (folder / "model.keras").write_bytes(b"PK model")
    batches = [BatchEnd(epoch, batch, STEPS, 1.0 / batch, 0.5, 100.0, 1.0)
               for epoch in range(1, epochs_done + 1) for batch in range(1, STEPS + 1)]
    epochs = [EpochEnd(epoch, 0.5, 0.8, 0.6, 0.7, 2.0 * epoch) for epoch in range(1, epochs_done + 1)]
    saved_runs.write_history(folder, batches, epochs)
    saved_runs.write_run(folder, config, "bundled subset", epochs_done, saved_runs.RUNNING)
    values = json.loads((folder / "run.json").read_text())
    values["pid"] = _dead_pid()
    (folder / "run.json").write_text(json.dumps(values))
    return folder


@pytest.fixture
def mocks(tmp_path):
    """A controller autosaving under tmp_path, with its mock view and its idle mock driver."""
    view, driver = MagicMock(spec=TrainingView), MagicMock(spec=RunDriver)
    driver.running = False
    return TrainingController(view, driver, tmp_path), view, driver


def test_a_cut_off_run_is_offered_and_resumes_with_its_settings_and_curves(mocks, tmp_path):
    folder = cut_off_run(tmp_path)
    controller, view, driver = mocks
    controller.interrupted_runs.offer()
    kind, text = view.show_banner.call_args.args[:2]
    assert kind == "info" and "after epoch 1" in text and "remaining 2 epoch(s)" in text
    assert view.show_banner.call_args.kwargs == {"action": "Resume", "second_action": "Discard"}

    controller.interrupted_runs.resume()
    config = driver.start.call_args.args[0]
    assert config.resume_from == str(folder)
    assert (config.epochs, config.batch_size, config.train_limit) == (3, 16, 64)
    assert [epoch.epoch for epoch in controller.history.epochs] == [1]
    assert controller.history.batch_count == STEPS
    assert controller.state == "running" and controller.interrupted_runs.offered is None
    assert "resumed" in controller.run_title


def test_discard_deletes_the_cut_off_run(mocks, tmp_path):
    folder = cut_off_run(tmp_path)
    controller, view, driver = mocks
    controller.interrupted_runs.offer()
    controller.interrupted_runs.discard()
    assert not folder.exists()
    view.hide_banner.assert_called()
    driver.start.assert_not_called()


def test_nothing_is_offered_for_finished_or_still_running_runs(mocks, tmp_path):
    finished = cut_off_run(tmp_path)
    saved_runs.write_run(finished, CONFIG, "", 3, saved_runs.FINISHED)
    running = cut_off_run(tmp_path)
    saved_runs.write_run(running, CONFIG, "", 1, saved_runs.RUNNING)  # this process: alive
    controller, view, _ = mocks
    controller.interrupted_runs.offer()
    view.show_banner.assert_not_called()
    assert controller.interrupted_runs.offered is None


def test_unreadable_autosave_files_are_refused_in_words(mocks, tmp_path):
    folder = cut_off_run(tmp_path)
    controller, view, driver = mocks
    controller.interrupted_runs.offer()
    (folder / "history.json").write_text("{broken")
    controller.interrupted_runs.resume()
    driver.start.assert_not_called()
    kind, text = view.show_banner.call_args.args[:2]
    assert kind == "error" and "cannot be resumed" in text


def test_autosave_turning_off_is_said_once_in_the_banner(mocks):
    controller, view, driver = mocks
    controller.train(CONFIG, "CNN", probe_index=0)
    driver.running = True
    made = Frame()
    made.add(AutosaveOff("Autosave is off for this run: read-only."))
    controller.on_frame(made)
    view.show_banner.assert_called_once_with("error", "Autosave is off for this run: read-only.")


@pytest.fixture
def page(qtbot, keep):
    made = []

    def build(model_path=None):
        def factory(config):
            made.append(FakeTrainingProcess(config, scripted_run(model_path=model_path)))
            return made[-1]

        page = keep(TrainingPage(process_factory=factory), before_close=TrainingPage.shutdown)
        page.show()
        return page, made

    return build


def test_the_page_offers_a_cut_off_run_and_resumes_it(page, qtbot):
    folder = cut_off_run(saved_runs.autosave_root())  # the test's own folder (tests/conftest.py)
    shown, made = page()
    banner = shown.banner
    assert banner.isVisible() and banner.action.text() == "Resume"
    assert banner.second_action.isVisible() and banner.second_action.text() == "Discard"
    qtbot.mouseClick(banner.action, Qt.MouseButton.LeftButton)
    assert made and made[0].config.resume_from == str(folder)
    qtbot.waitUntil(lambda: shown.controller.state == "idle", timeout=5000)
    assert "Finished after" in shown.banner.message.text() and not shown.banner.second_action.isVisible()


def test_the_page_discards_a_cut_off_run(page, qtbot):
    folder = cut_off_run(saved_runs.autosave_root())
    shown, made = page()
    qtbot.mouseClick(shown.banner.second_action, Qt.MouseButton.LeftButton)
    assert not folder.exists() and not shown.banner.isVisible() and not made


def test_save_model_into_a_read_only_folder_says_so_and_keeps_the_old_file(page, qtbot, tmp_path, monkeypatch):
    run_model = tmp_path / "run" / "model.keras"
    run_model.parent.mkdir()
    run_model.write_bytes(b"PK the new model")
    shown, _ = page(model_path=str(run_model))
    qtbot.mouseClick(shown.run_panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: shown.controller.state == "idle", timeout=5000)
    folder = tmp_path / "models"
    folder.mkdir()
    old = folder / "fashion.keras"
    old.write_bytes(b"PK the old model")
    monkeypatch.setattr(shown, "ask_save_path", lambda *args: str(old))
    with read_only(folder):
        shown.saveModelRequested.emit()
    assert shown.banner.kind == "error" and "Could not save the model" in shown.banner.message.text()
    assert old.read_bytes() == b"PK the old model" and os.listdir(folder) == ["fashion.keras"]


def test_save_model_onto_a_full_disk_says_so_and_keeps_the_old_file(page, qtbot, tmp_path, monkeypatch):
    run_model = tmp_path / "run" / "model.keras"
    run_model.parent.mkdir()
    run_model.write_bytes(b"PK the new model " * 100_000)  # 1.7 MB: more than the disk holds
    shown, _ = page(model_path=str(run_model))
    qtbot.mouseClick(shown.run_panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: shown.controller.state == "idle", timeout=5000)
    disk = tmp_path / "usb-stick"
    with full_disk(disk, {"fashion.keras": b"PK the old model"}):
        monkeypatch.setattr(shown, "ask_save_path", lambda *args: str(disk / "fashion.keras"))
        shown.saveModelRequested.emit()
        message = shown.banner.message.text()
        assert shown.banner.kind == "error" and "Could not save the model" in message
        assert "No space left on device" in message and "Choose another folder" in message
        assert (disk / "fashion.keras").read_bytes() == b"PK the old model"
        assert sorted(os.listdir(disk)) == [".filler", "fashion.keras"]
