"""A script's run reaching the real training page: a StreamSender on loopback, found through the
connection file the page writes when shown, appears under Runs by its name; chosen, it shows its
curves, its probe image (sent on a 0-255 scale) and its device, with Train not acting on it and
Pause and Stop asking the script; a script that goes quiet is shown as having stopped sending; the page's shutdown
stops listening and removes the connection file, and the script sends on regardless."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from tests.ui.training.training_script import CLASS_NAMES, snapshot
from visualizer.training.events import BatchEnd, EpochEnd, RunStarted
from visualizer.training.recording_file import read_recording
from visualizer.training.stream import StreamSender
from visualizer.ui.training import connected_runs
from visualizer.ui.training.page import TrainingPage

STEPS = 50
STARTED = RunStarted("tensorflow", "CPU", "", "my_cnn", "conv2d ...", 1234, "the script's own data", 400, 80, 2, STEPS,
                     CLASS_NAMES, run_name="my_script.py")


def batches(epoch: int, first: int, last: int) -> list[BatchEnd]:
    return [BatchEnd(epoch, number, STEPS, 2.0 / number, 0.1 + number / 100, 800.0, number / 10) for number in range(first, last + 1)]


def small_probe(**changes):
    """An end-of-epoch snapshot with a few channels per layer: every buffer stays under ZeroMQ's
    zero-copy threshold, over which pyzmq starts a helper thread in the sending process (the
    script's, in use; this test's, here)."""
    made = snapshot(1, STEPS, end_of_epoch=True)
    maps = tuple(replace(layer, maps=layer.maps[..., :4]) for layer in made.feature_maps)
    return replace(made, feature_maps=maps, **changes)


@pytest.fixture
def page(qtbot, keep):
    made = keep(TrainingPage(process_factory=lambda config: pytest.fail("nothing is trained here")),
                before_close=TrainingPage.shutdown)
    made.resize(1180, 720)
    made.show()
    qtbot.waitUntil(lambda: made.scripts.listening, timeout=5000)
    return made


@pytest.fixture
def sender():
    made = StreamSender(run_id="script-run-1")
    yield made
    made.close(grace_s=0)


def send_all(qtbot, sender, events, until) -> None:
    for event in events:
        sender.send(event)
    qtbot.waitUntil(lambda: sender.flush() and until(), timeout=10_000)


def combo_texts(page) -> list[str]:
    combo = page.run_panel.runs_combo
    return [combo.itemText(index) for index in range(combo.count())]


def test_a_scripts_run_appears_under_runs_and_is_drawn_like_the_apps_own(page, sender, qtbot, tmp_path, monkeypatch):
    connection_file = page.scripts.receiver.connection_file
    assert connection_file.exists()
    probe = small_probe(image=np.linspace(0, 255, 28 * 28, dtype=np.float32).reshape(28, 28))
    events = [STARTED, *batches(1, 1, STEPS), EpochEnd(1, 0.9, 0.6, 0.8, 0.65, 5.0), probe, *batches(2, 1, 20)]
    send_all(qtbot, sender, events, lambda: combo_texts(page) == ["This app's run", "my_script.py · live"])
    assert page.controller.history.batch_count == 0  # listed, not shown until chosen

    page.run_panel.runs_combo.setCurrentIndex(1)
    page.run_panel.runs_combo.activated.emit(1)
    qtbot.waitUntil(lambda: len(page.curves_tab.loss_plot.batch_curve.getData()[0]) == STEPS + 20, timeout=3000)
    assert "CPU" in page.run_panel.device_label.text() and "my_cnn" in page.results_tab.summary_text.toPlainText()
    assert "Watching my_script.py" in page.recording_note.text()
    assert page.probe_bar.replay_slider.maximum() == 1  # epoch 1 kept for the replay, then live
    page.tabs.setCurrentWidget(page.maps_tab)  # drawn once in view
    qtbot.waitUntil(lambda: page.maps_tab.probe_view.image_view.image.image is not None, timeout=3000)
    drawn = page.maps_tab.probe_view.image_view.image.image
    assert drawn.min() == pytest.approx(0) and drawn.max() == pytest.approx(1)  # 0-255 stretched to [0, 1]
    panel = page.run_panel
    assert not panel.train_button.isEnabled() and "this app's own run" in panel.train_button.toolTip()
    for button in (panel.pause_button, panel.stop_button):
        assert button.isEnabled() and "act on the script's run" in button.toolTip()
    page.grab().save(str(tmp_path / "live-external.png"))
    assert page.results_tab.save_run_button.isHidden(), "saved once it has ended or gone quiet"

    panel.pause_button.click()  # reaches the script over the connection it sends on
    assert panel.pause_button.text() == "▶ Resume" and "Asked my_script.py to pause" in panel.status_label.text()
    heard: list[str] = []
    qtbot.waitUntil(lambda: heard.extend(sender.requests()) or heard == ["pause"], timeout=3000)
    panel.pause_button.click()
    qtbot.waitUntil(lambda: heard.extend(sender.requests()) or heard == ["pause", "resume"], timeout=3000)

    monkeypatch.setattr(connected_runs, "SILENT_AFTER_S", 0.5)
    qtbot.waitUntil(lambda: combo_texts(page)[1] == "my_script.py · stopped sending", timeout=5000)
    assert page.run_panel.status_label.text() == "The run stopped sending at epoch 2, batch 20; its curves are kept."
    assert not panel.pause_button.isEnabled() and not panel.stop_button.isEnabled()
    assert len(page.curves_tab.loss_plot.batch_curve.getData()[0]) == STEPS + 20
    assert not page.results_tab.save_run_button.isHidden() and page.results_tab.save_run_button.isEnabled()
    monkeypatch.setattr(page, "ask_save_path", lambda *_: str(tmp_path / "kept.keras"))
    page.results_tab.save_run_button.click()
    saved = read_recording(tmp_path / "kept.keras")
    assert saved.started.run_name == "my_script.py" and len(saved.batches) == STEPS + 20 and saved.finished.stopped_early
    assert [len(s.feature_maps) for s in saved.snapshots] == [len(probe.feature_maps)]
    assert len(page.controller.recordings) == 1  # and in Compare runs

    page.run_panel.runs_combo.setCurrentIndex(0)
    page.run_panel.runs_combo.activated.emit(0)
    assert page.controller.history.batch_count == 0 and page.run_panel.train_button.isEnabled()

    page.shutdown()
    assert not page.scripts.listening and not connection_file.exists()
    sender.send(batches(2, 21, 21)[0])  # the script trains on with no window: nothing waits, nothing fails


def test_the_page_reads_the_stream_slowly_while_no_script_sends(qtbot, page, sender, monkeypatch):
    """Every tick wakes the window's process, which on 2 cores slows a training process: while
    no script sends, the page reads four times a second, and at the drawing rate once one does."""
    from visualizer.ui.training import external
    from visualizer.ui.training.link import POLL_INTERVAL_MS

    poller = page.scripts._poller
    qtbot.waitUntil(lambda: poller.interval() == external.QUIET_INTERVAL_MS, timeout=5000)
    send_all(qtbot, sender, [STARTED, *batches(1, 1, 3)], lambda: poller.interval() == POLL_INTERVAL_MS)
    monkeypatch.setattr(external, "QUIET_AFTER_S", 0.3)
    qtbot.waitUntil(lambda: poller.interval() == external.QUIET_INTERVAL_MS, timeout=5000)
