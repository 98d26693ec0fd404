"""Closing the window at awkward moments: while a run trains and is paused, resumed and stopped
at random, while a drawing is being explained, while a GIF is exported and while an animation
plays. Nothing may be left running (the suite's leftovers check fails any test that leaves a
thread, a child process or a repeating timer) and nothing may be half-written.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import time

import numpy as np
import pytest
from PIL import Image
from PyQt6.QtCore import QTimer
from PyQt6.QtWidgets import QLabel, QProgressDialog

from tests.ui.training.training_script import FakeTrainingProcess, scripted_run
from visualizer.ui.main_window import MainWindow
from visualizer.ui.pages import PageSpec
from visualizer.ui.training.page import TrainingPage
from visualizer.ui.training.view import RunState

# -- the training page, a scripted run, random presses ---------------------------------------------
made_processes: list[FakeTrainingProcess] = []


def scripted_process(config):
    process = FakeTrainingProcess(config, scripted_run(epochs=4))
    made_processes.append(process)
    return process


class ScriptedTrainingPage(TrainingPage):
    """The training page whose Train button plays a scripted four-epoch run."""

    def __init__(self) -> None:
        super().__init__(process_factory=scripted_process)


SCRIPTED_TRAINING = PageSpec("training", "Training", "Training", f"{__name__}:ScriptedTrainingPage",
                             "A scripted training run")


def assert_consistent(page: TrainingPage) -> None:
    """The controls say what the run is doing."""
    state = page.controller.state
    panel = page.run_panel
    assert state in tuple(RunState)
    assert panel.train_button.isEnabled() == (state == RunState.IDLE)
    assert panel.stop_button.isEnabled() == (state in (RunState.RUNNING, RunState.PAUSED))
    assert panel.pause_button.text().endswith("Resume") == (state == RunState.PAUSED)
    if state == RunState.IDLE:
        assert not page.driver.running


def random_action(rng: random.Random, page: TrainingPage, qtbot) -> None:
    action = rng.choice(["pause or resume", "stop", "wait", "wait", "probe", "tab", "train"])
    if action == "pause or resume":
        page.toggle_play()  # what the window's Space shortcut calls
    elif action == "stop" and page.run_panel.stop_button.isEnabled():
        page.run_panel.stop_button.click()
    elif action == "wait":
        qtbot.wait(rng.randint(1, 40))
    elif action == "probe":
        spin = page.probe_bar.probe_spin
        spin.setValue(rng.randint(spin.minimum(), spin.maximum()))
    elif action == "tab":
        page.tabs.setCurrentIndex(rng.randrange(page.tabs.count()))
    elif action == "train" and page.run_panel.train_button.isEnabled():
        page.run_panel.train_button.click()


@pytest.mark.parametrize("closing", ["window", "page"])
@pytest.mark.parametrize("seed", range(4))
def test_random_pause_resume_stop_then_close_leaves_the_run_idle(qtbot, keep, register_pages, seed, closing):
    register_pages([SCRIPTED_TRAINING])
    made_processes.clear()
    window = keep(MainWindow(first_page="training"))
    window.resize(1280, 720)
    window.show()
    page = window.current_page()
    assert isinstance(page, ScriptedTrainingPage)
    rng = random.Random(seed)

    page.run_panel.train_button.click()
    for _ in range(30):
        random_action(rng, page, qtbot)
        assert_consistent(page)
    state_at_close = page.controller.state
    closed = window.close() if closing == "window" else page.close()

    assert closed
    assert page.controller.state == RunState.IDLE and not page.driver.running
    assert_consistent(page)
    assert made_processes and not any(process.is_alive() for process in made_processes)
    assert all(process.finished or "stop" in process.calls for process in made_processes)
    if state_at_close == RunState.PAUSED:  # a paused run is resumed so that it can stop
        calls = made_processes[-1].calls
        last_pause = len(calls) - 1 - calls[::-1].index("pause")
        assert calls[last_pause:].index("resume") < calls[last_pause:].index("stop")


def bundled_tiny_run(page: TrainingPage, train_images: int) -> None:
    form = page.settings
    bundled = next(i for i in range(form.data.count()) if getattr(form.data.itemData(i), "is_subset", False))
    form.data.setCurrentIndex(bundled)
    form.epochs.setValue(2)
    form.batch_size.setValue(16)
    form.train_limit.setValue(train_images)
    form.test_limit.setValue(32)


@pytest.mark.slow
@pytest.mark.parametrize("moment", ["right after Train", "mid-epoch"])
def test_closing_the_window_ends_a_real_training_process_within_two_seconds(qtbot, keep, moment):
    window = keep(MainWindow(first_page="training"))
    window.show()
    page = window.current_page()
    bundled_tiny_run(page, train_images=1600)  # 100 batches of 16: the run is mid-epoch for a while
    page.run_panel.train_button.click()
    assert page.controller.state == RunState.RUNNING
    if moment == "mid-epoch":
        qtbot.waitUntil(lambda: page.controller.history.batch_count >= 2, timeout=120_000)
        assert not page.controller.history.epochs
    children = multiprocessing.active_children()
    assert children

    started = time.monotonic()
    assert window.close()
    deadline = started + 2.0
    while any(child.is_alive() for child in children) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not any(child.is_alive() for child in children), f"still running {time.monotonic() - started:.1f} s after closing"
    assert page.controller.state == RunState.IDLE and not page.driver.running


# -- the inspector: closing while a drawing is being explained -------------------------------------
@pytest.mark.slow
def test_closing_the_window_while_a_stroke_is_explained_ends_the_model_process(qtbot, keep, tmp_path):
    from tests.inspection.tiny_models import conv_stack, save

    path = save(conv_stack(), tmp_path, "tiny.keras")
    window = keep(MainWindow(first_page="inspector"))
    window.resize(1280, 720)
    window.show()
    page = window.inspect_model(str(path), may_ask=False)
    qtbot.waitUntil(lambda: not page.is_busy(), timeout=120_000)
    assert page.failure() is None
    page.tabs.setCurrentWidget(page.draw_tab)
    server = page.client._server
    rng = np.random.default_rng(0)
    picture = np.zeros((28, 28), dtype=np.float32)
    for step in range(20):  # a stroke: the picture grows pixel by pixel, each change explained
        picture[rng.integers(28), rng.integers(28)] = 1.0
        page.draw_tab.pictureChanged.emit(picture.copy())
        qtbot.wait(step % 3)
    window.close()
    assert not page.client.is_running()
    qtbot.waitUntil(lambda: not server.is_alive(), timeout=2000)


@pytest.mark.slow
def test_closing_the_window_while_its_model_process_started_ahead_warms_up_ends_it(qtbot, keep):
    from visualizer.ui.inspector.page import PRESTART_DELAY_MS

    window = keep(MainWindow(first_page="inspector"))
    window.show()
    page = window.current_page()
    qtbot.waitUntil(page.client.is_running, timeout=PRESTART_DELAY_MS + 5000)
    server = page.client._server
    qtbot.waitUntil(server.is_alive, timeout=5000)
    assert not server.is_ready(), "still importing Keras"
    window.close()
    assert not page.client.is_running()
    qtbot.waitUntil(lambda: not server.is_alive(), timeout=2000)


# -- the GIF export --------------------------------------------------------------------------------
class CountingPage(QLabel):
    """A step-through of 30 steps, each in its own colour."""

    STEPS = 30

    def __init__(self) -> None:
        super().__init__()
        self._step = 0
        self.set_step(0)

    def step_count(self) -> int:
        return self.STEPS

    def current_step(self) -> int:
        return self._step

    def set_step(self, index: int) -> None:
        self._step = index
        self.setText(f"step {index}")
        shade = (index * 37) % 256
        self.setStyleSheet(f"background: rgb({shade}, 80, {255 - shade});")


@pytest.mark.parametrize("cancelled", [False, True], ids=["closed", "cancelled then closed"])
def test_closing_the_window_during_a_gif_export_leaves_the_whole_file_or_none(
    qtbot, keep, register_pages, tmp_path, monkeypatch, cancelled
):
    register_pages([PageSpec("counting", "Counting", "Concepts", f"{__name__}:CountingPage", "Steps")])
    window = keep(MainWindow(first_page="counting"))
    window.resize(640, 400)
    window.show()
    target = tmp_path / "steps.gif"
    monkeypatch.setattr(window, "_ask_save_path", lambda *args: str(target))
    closed = []

    def close_mid_export() -> None:
        if cancelled:
            dialog = window.findChild(QProgressDialog)
            assert dialog is not None, "the export had not started"
            dialog.cancel()
        closed.append(window.close())

    QTimer.singleShot(30, close_mid_export)
    window._on_export_gif()  # what File > Export step-through as GIF calls, once the path is chosen

    assert closed == [True], "the window did not close during the export"
    assert not window.isVisible()
    assert sorted(os.listdir(tmp_path)) == ([] if cancelled else ["steps.gif"])  # no temporary file left
    if not cancelled:
        with Image.open(target) as gif:
            assert gif.n_frames == CountingPage.STEPS
    assert window.current_page().current_step() == 0  # put back on the step it showed


# -- a concept page's animation --------------------------------------------------------------------
@pytest.mark.parametrize("name", ["convolution", "stride-padding", "pooling", "transposed", "network"])
def test_closing_the_window_while_an_animation_plays_stops_it(qtbot, keep, name):
    window = keep(MainWindow(first_page=name))
    window.show()
    page = window.current_page()
    page.toggle_play()  # what the window's Space shortcut calls
    assert page.controls.is_playing()
    qtbot.wait(50)
    assert window.close()
    assert not page.controls.is_playing()
    assert not page.controls.play_button.text().startswith("Pause")
