"""The training run in a spawned child process: events arrive, control works across the process
boundary, and a child that dies is reported rather than waited for."""

from __future__ import annotations

import os
import shutil
import signal
import textwrap
import time
from pathlib import Path

import pytest

from tests.test_childprocess import assert_child_ends_when_its_parent_is_killed
from tests.training.tiny import DATA_DIR, tiny_config
from visualizer.training.events import (
    BatchEnd,
    EpochEnd,
    ProbeSnapshot,
    RunFailed,
    RunFinished,
    RunStarted,
    Status,
)
from visualizer.training.process import Prestart, TrainingProcess

pytestmark = pytest.mark.slow  # each test starts a Python that imports the Keras backend

TIMEOUT_S = 180


def poll_until(process: TrainingProcess, done, events: list, timeout: float = TIMEOUT_S) -> None:
    """Poll like the GUI's timer does until ``done(events)`` or the process has finished."""
    deadline = time.monotonic() + timeout
    while not done(events) and not process.finished:
        assert time.monotonic() < deadline, f"gave up waiting; events so far: {[type(e).__name__ for e in events]}"
        events.extend(process.poll())
        time.sleep(0.02)


def poll_until_quiet(process: TrainingProcess, events: list, quiet_s: float = 0.5, timeout: float = 10.0) -> None:
    """Poll until nothing has arrived for ``quiet_s``: what the child sent has all been read. One
    poll reads only what is in the pipe at that instant, and a big probe snapshot fills the pipe,
    so an event sent just after one may still be on its way."""
    deadline = time.monotonic() + timeout
    last_arrival = time.monotonic()
    while time.monotonic() - last_arrival < quiet_s:
        assert time.monotonic() < deadline, "the child kept sending"
        arrived = process.poll()
        if arrived:
            events.extend(arrived)
            last_arrival = time.monotonic()
        time.sleep(0.02)


def finished(events) -> bool:
    return bool(events) and isinstance(events[-1], (RunFinished, RunFailed))


def _remove_saved(result) -> None:
    if isinstance(result, RunFinished) and result.model_path:
        shutil.rmtree(Path(result.model_path).parent, ignore_errors=True)


def test_child_delivers_every_kind_of_event_and_exits():
    process = TrainingProcess(tiny_config(epochs=2), backend="tensorflow")
    process.start()
    events: list = []
    poll_until(process, finished, events)
    result = events[-1]
    assert isinstance(result, RunFinished), getattr(result, "message", result)
    assert Path(result.model_path).is_file()
    _remove_saved(result)
    assert process.finished
    kinds = {type(event) for event in events}
    assert {Status, RunStarted, BatchEnd, ProbeSnapshot, EpochEnd, RunFinished} <= kinds
    assert [e.epoch for e in events if isinstance(e, EpochEnd)] == [1, 2]
    snapshot = next(e for e in events if isinstance(e, ProbeSnapshot))
    assert snapshot.feature_maps[0].maps.shape == (28, 28, 64)
    process.join(30)
    assert not process.is_alive()
    assert process.poll() == []


def test_pause_probe_resume_and_stop_reach_the_child():
    # Enough batches that the run is still going when each command arrives.
    process = TrainingProcess(tiny_config(epochs=20, train_limit=2000, batch_size=8, test_limit=50))
    process.start()
    try:
        events: list = []
        poll_until(process, lambda ev: any(isinstance(e, BatchEnd) for e in ev), events)

        process.pause()
        # The batch under way finishes, the child reports where it holds, then waits.
        poll_until_quiet(process, events)
        held_at = len(events)
        time.sleep(1.0)
        events.extend(process.poll())
        assert not any(isinstance(e, (BatchEnd, EpochEnd)) for e in events[held_at:]), "training paused"

        process.set_probe(6)
        poll_until(process, lambda ev: any(isinstance(e, ProbeSnapshot) and e.probe_index == 6 for e in ev[held_at:]), events, 10)
        batches_while_paused = [e.batch for e in events if isinstance(e, BatchEnd)]

        process.resume()
        poll_until(process, lambda ev: len([e for e in ev if isinstance(e, BatchEnd)]) > len(batches_while_paused), events, 30)
        process.stop()
        poll_until(process, finished, events, 60)
        result = events[-1]
        assert isinstance(result, RunFinished), getattr(result, "message", result)
        assert result.stopped_early and result.epochs_completed < 20
        assert Path(result.model_path).is_file(), "a stopped run still saves its model"
        _remove_saved(result)
        process.join(30)
        assert not process.is_alive()
    finally:  # a failed check must not leave the child running into the next tests
        process.terminate()


def test_a_killed_child_is_reported_as_a_failure():
    process = TrainingProcess(tiny_config(epochs=50, train_limit=2000))
    process.start()
    events: list = []
    poll_until(process, lambda ev: any(isinstance(e, RunStarted) for e in ev), events)
    os.kill(process.pid, signal.SIGKILL)
    poll_until(process, finished, events, 30)
    failure = events[-1]
    assert isinstance(failure, RunFailed)
    assert "ended without warning" in failure.message and "killed" in failure.message
    assert "Train again" in failure.message
    assert process.finished and not process.is_alive()


def test_terminate_ends_the_child_at_once():
    process = TrainingProcess(tiny_config(epochs=50))
    process.start()
    assert process.is_alive()
    started = time.monotonic()
    process.terminate()
    assert time.monotonic() - started < 10
    assert not process.is_alive() and process.finished
    assert process.poll() == []


def _wait_ready(process: TrainingProcess, timeout: float = TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout
    while not process.is_ready():
        assert process.is_alive(), "the process started ahead died while getting ready"
        assert time.monotonic() < deadline, "the process started ahead never got ready"
        time.sleep(0.05)


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the child's CPU time from /proc")
def test_a_prestarted_process_waits_idle_then_trains_with_the_settings_it_is_sent():
    process = TrainingProcess.prestarted(Prestart(DATA_DIR, False))
    process.start()
    try:
        _wait_ready(process)
        time.sleep(0.5)  # the warm-up's last threads settle
        cpu_before = _cpu_seconds(process.pid)
        time.sleep(1.5)
        assert _cpu_seconds(process.pid) - cpu_before < 0.1, "a waiting process must not burn the CPU"
        assert process.poll() == [], "nothing is reported before Train"
        process.begin(tiny_config(epochs=1))
        events: list = []
        poll_until(process, finished, events)
    finally:
        process.terminate()
    result = events[-1]
    assert isinstance(result, RunFinished), getattr(result, "message", result)
    _remove_saved(result)
    first_snapshot = next(i for i, e in enumerate(events) if isinstance(e, ProbeSnapshot))
    first_batch = next(i for i, e in enumerate(events) if isinstance(e, BatchEnd))
    assert first_snapshot < first_batch, "the untrained network is shown before the first batch"
    assert (events[first_snapshot].epoch, events[first_snapshot].batch) == (0, 0)
    started = next(e for e in events if isinstance(e, RunStarted))
    assert started.train_count == 64 and "conv1" in started.model_summary, "layer names start afresh after the warm-up"


def test_a_prestarted_process_that_died_is_reported_in_words_when_train_is_pressed():
    process = TrainingProcess.prestarted(Prestart(DATA_DIR, False))
    process.start()
    _wait_ready(process)
    os.kill(process.pid, signal.SIGKILL)
    process.join(10)
    process.begin(tiny_config())
    events: list = []
    poll_until(process, finished, events, 30)
    failure = events[-1]
    assert isinstance(failure, RunFailed)
    assert "started in advance had ended before Train" in failure.message and "killed" in failure.message
    assert "Train again" in failure.message


def test_a_prestarted_process_reads_the_data_folder_it_is_sent(tmp_path):
    # Started for the bundled subset, then sent a folder with no images: the run reads the
    # folder it is sent and says what is wrong with it.
    process = TrainingProcess.prestarted(Prestart(DATA_DIR, False))
    process.start()
    try:
        process.begin(tiny_config(data_dir=str(tmp_path)))
        events: list = []
        poll_until(process, finished, events)
    finally:
        process.terminate()
    failure = events[-1]
    assert isinstance(failure, RunFailed)
    assert failure.message.startswith("The training data could not be loaded"), failure.message


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads process states from /proc")
def test_a_prestarted_process_ends_within_two_seconds_of_its_parent_being_killed():
    # The parent waits until the process started ahead is ready and idle, then says its pid.
    parent_script = textwrap.dedent("""
        import time
        from tests.training.tiny import DATA_DIR
        from visualizer.training.process import Prestart, TrainingProcess
        process = TrainingProcess.prestarted(Prestart(DATA_DIR, False))
        process.start()
        while not process.is_ready():
            time.sleep(0.05)
        print(process.pid, flush=True)
        time.sleep(300)
    """)
    assert_child_ends_when_its_parent_is_killed(parent_script)
