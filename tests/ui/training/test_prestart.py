"""The training process started ahead of Train: the page asks for one a moment after it is shown,
Train hands it the settings, a data-folder or backend change replaces it, and closing ends it.
Fake processes play scripted runs (tests/training/test_process.py starts real ones)."""

from __future__ import annotations

import time

import pytest

from tests.ui.training.training_script import FakeTrainingProcess, scripted_run
from visualizer.training.config import TrainConfig
from visualizer.training.process import Prestart
from visualizer.ui.main_window import MainWindow
from visualizer.ui.training import page as panel
from visualizer.ui.training.link import RunDriver
from visualizer.ui.training.page import TrainingPage


class FakePrestarted(FakeTrainingProcess):
    """A process started ahead: it plays its script once ``begin(config)`` has sent the settings."""

    def __init__(self, prestart: Prestart, chunks: list[list]) -> None:
        super().__init__(None, chunks)
        self.prestart = prestart

    def begin(self, config: TrainConfig) -> None:
        self.calls.append("begin")
        self.config = config


@pytest.fixture
def factories():
    """(process factory, prestart factory, the processes each has made)."""
    made = {"fresh": [], "ahead": []}

    def fresh(config):
        made["fresh"].append(FakeTrainingProcess(config, scripted_run()))
        return made["fresh"][-1]

    def ahead(prestart):
        made["ahead"].append(FakePrestarted(prestart, scripted_run()))
        return made["ahead"][-1]

    return fresh, ahead, made


def test_the_page_starts_a_process_ahead_and_train_hands_it_the_settings(qtbot, keep, factories, monkeypatch):
    monkeypatch.setattr(panel, "PRESTART_DELAY_MS", 50)
    fresh, ahead, made = factories
    page = keep(TrainingPage(process_factory=fresh, prestart_factory=ahead), before_close=TrainingPage.shutdown)
    assert made["ahead"] == [], "nothing is started before the page is shown"
    page.show()
    qtbot.waitUntil(lambda: len(made["ahead"]) == 1, timeout=3000)
    waiting = made["ahead"][0]
    choice = page.settings.data_choice()
    assert waiting.prestart == Prestart.for_settings(choice.data_dir, choice.allow_download)
    assert waiting.calls == ["start"] and page.driver.prestarted is waiting

    page.run_panel.train_button.click()
    assert waiting.calls == ["start", "begin"] and made["fresh"] == []
    assert waiting.config.data_dir == choice.data_dir
    qtbot.waitUntil(lambda: page.controller.state == "idle" and page.controller.result is not None, timeout=5000)
    # Once the run's process has exited, the next one is started ahead.
    qtbot.waitUntil(lambda: len(made["ahead"]) == 2, timeout=3000)
    assert page.driver.prestarted is made["ahead"][1] and made["fresh"] == []


def test_a_page_only_passed_through_starts_nothing(qtbot, keep, factories):
    fresh, ahead, made = factories
    page = keep(TrainingPage(process_factory=fresh, prestart_factory=ahead), before_close=TrainingPage.shutdown)
    page.show()
    page.hide()
    qtbot.wait(panel.PRESTART_DELAY_MS + 200)
    assert made["ahead"] == []


def test_another_data_folder_replaces_the_process_started_ahead(qtbot, factories):
    fresh, ahead, made = factories
    driver = RunDriver(fresh, prestart_factory=ahead)
    driver.prestart("/data/one", False)
    driver.prestart("/data/one", False)
    assert len(made["ahead"]) == 1, "the same settings keep the process"
    first = made["ahead"][0]
    driver.prestart("/data/two", False)
    assert "terminate" in first.calls and not first.is_alive()
    second = made["ahead"][1]
    assert second.prestart.data_dir == "/data/two" and second.is_alive()
    driver.shutdown()
    assert "terminate" in second.calls and not second.is_alive(), "closing ends the process started ahead"
    assert driver.prestarted is None


def test_a_process_started_for_another_backend_is_replaced_on_train(qtbot, factories, monkeypatch):
    fresh, ahead, made = factories
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    driver = RunDriver(fresh, prestart_factory=ahead)
    driver.prestart(None, True)
    monkeypatch.setenv("KERAS_BACKEND", "torch")
    driver.start(TrainConfig(data_dir=None, allow_download=True))
    stale = made["ahead"][0]
    assert "terminate" in stale.calls and "begin" not in stale.calls
    assert made["fresh"] and made["fresh"][0].calls == ["start"] and driver.process is made["fresh"][0]
    driver.shutdown(grace_s=0.2)


def test_a_driver_with_only_a_process_factory_starts_nothing_ahead(factories):
    fresh, _, made = factories
    driver = RunDriver(fresh)
    driver.prestart(None, True)
    assert driver.prestarted is None and made["fresh"] == [] and made["ahead"] == []


@pytest.mark.slow
def test_closing_the_window_ends_a_real_process_started_ahead_within_two_seconds(qtbot, keep, monkeypatch):
    monkeypatch.setattr(panel, "PRESTART_DELAY_MS", 50)
    window = keep(MainWindow(first_page="training"))
    window.show()
    page = window.current_page()
    qtbot.waitUntil(lambda: page.driver.prestarted is not None and page.driver.prestarted.is_ready(), timeout=180_000)
    waiting = page.driver.prestarted
    assert waiting.is_alive() and not page.driver.running

    started = time.monotonic()
    assert window.close()
    while waiting.is_alive() and time.monotonic() - started < 2.0:
        time.sleep(0.02)
    assert not waiting.is_alive(), f"still running {time.monotonic() - started:.1f} s after closing"
    assert page.driver.prestarted is None
