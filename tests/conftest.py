"""Test-wide settings and the leftovers check.

Qt renders offscreen, so the suite runs without a display. Every test is checked afterwards for
what it left running: a Python thread, a child process, or an active Qt timer owned by a widget
that is still open. Any of those fails the test, since in the app it would be a window that never
quite closes or a process burning the CPU after the window is gone.
"""

import gc
import os
import sys
import threading
import time
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

SHARED_FASHION_MNIST = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "fashion-mnist"



@pytest.fixture(autouse=True)
def autosave_in_a_temporary_folder(tmp_path_factory, monkeypatch):
    """Runs the tests start (training processes, the training page) autosave into a folder of
    each test's own, never into the user's data folder; so a training page offers to resume only
    what its own test left there."""
    monkeypatch.setenv("CNN_VISUALIZER_AUTOSAVE", str(tmp_path_factory.mktemp("autosave")))


@pytest.fixture(autouse=True)
def stream_files_in_a_temporary_folder(tmp_path_factory, monkeypatch):
    """A training page listens for scripts once shown, writing its connection file into the runtime
    folder: each test gets one of its own, so no script of the user's finds a test's page."""
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path_factory.mktemp("runtime")))


@pytest.fixture(autouse=True)
def no_recorded_run_unless_asked(monkeypatch):
    """The training page opens blank, not on the recorded run shipped with the app; the tests of
    that run name the file they want with the same variable."""
    monkeypatch.setenv("CNN_VISUALIZER_RECORDED_RUN", "")


def pytest_collection_finish(session):
    """Everything alive once the tests are collected (the modules, Keras and Qt among them) lives
    until the run ends: moved out of the garbage collector's sight, the full collections the UI
    tests run as they close their windows look only at what the tests made (a few milliseconds
    instead of a quarter of a second each)."""
    gc.collect()
    gc.freeze()


# Things that finish on their own a moment after the test that started them gets this long.
LEFTOVER_GRACE_S = 3.0


def _threads() -> set[threading.Thread]:
    return {thread for thread in threading.enumerate() if thread.is_alive()}


def _candidate_children(proc: Path) -> list[Path]:
    """The /proc entries that may be our children: those each of our threads lists (read twice per
    test, so not every process's entry), or every process where the kernel keeps no such list."""
    try:
        listed = [name for task in (proc / "self" / "task").iterdir()
                  for name in (task / "children").read_text().split()]
    except OSError:
        return [entry for entry in proc.iterdir() if entry.name.isdigit()]
    return [proc / name for name in listed]


def _child_processes() -> set[int]:
    """Our process's live children (Linux /proc), without multiprocessing's own helpers, which
    it starts once and keeps for the whole interpreter."""
    children = set()
    own = str(os.getpid())
    proc = Path("/proc")
    if not proc.is_dir():
        return children
    for entry in _candidate_children(proc):
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        state, parent = fields[0], fields[1]
        if parent != own or state == "Z":  # a zombie no longer runs; its reaper is the test's job
            continue
        if b"resource_tracker" in command or b"forkserver" in command:
            continue
        children.add(int(entry.name))
    return children


def _active_widget_timers() -> list:
    """Active repeating QTimers inside widgets that are still open (not closed, not deleted)."""
    if "PyQt6.QtWidgets" not in sys.modules:
        return []
    from PyQt6.QtCore import QTimer
    from PyQt6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        return []
    found = []
    for widget in app.topLevelWidgets():
        if not widget.isVisible():
            continue
        for timer in widget.findChildren(QTimer):
            if timer.isActive() and not timer.isSingleShot():
                found.append(timer)
    return found


def _describe_timer(timer) -> str:
    owner, window = timer.parent(), timer.parent().window()
    return type(owner).__name__ + ("" if owner is window else f" in {type(window).__name__}")


@pytest.fixture(autouse=True)
def no_leftovers():
    threads_before = _threads()
    children_before = _child_processes()
    timers_before = _active_widget_timers()
    yield
    deadline = time.monotonic() + LEFTOVER_GRACE_S
    while True:
        # pyzmq's garbage-collector thread serves zero-copy sends for the rest of the process.
        threads = [t for t in _threads() - threads_before
                   if not t.name.startswith("pydevd") and type(t).__name__ != "GarbageCollectorThread"]
        children = _child_processes() - children_before
        timers = [timer for timer in _active_widget_timers() if timer not in timers_before]
        if not (threads or children or timers) or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    problems = []
    if threads:
        problems.append("threads still running: " + ", ".join(sorted(t.name for t in threads)))
    if children:
        problems.append(f"child processes still running: {sorted(children)}")
    if timers:
        problems.append("timers still active in open windows: " + ", ".join(map(_describe_timer, timers)))
    if problems:
        pytest.fail("The test left things running: " + "; ".join(problems), pytrace=False)
