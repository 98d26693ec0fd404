"""The suite's leftovers check (tests/conftest.py) fails a test that leaves a thread, a child
process or a running timer behind, and passes one that cleans up."""

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

# The suite's conftest as it is, but with a grace of one second rather than three for what is left
# behind, which is all the three failing tests below wait for (the thread that ends soon needs 0.3 s).
GRACE = "LEFTOVER_GRACE_S = 3.0"
CONFTEST = (Path(__file__).parent / "conftest.py").read_text()
assert GRACE in CONFTEST, "the leftovers check's grace has changed: change it here too"
CONFTEST = CONFTEST.replace(GRACE, "LEFTOVER_GRACE_S = 1.0")

LEAKY_TESTS = '''
import subprocess
import sys
import threading
import time

stop = threading.Event()
keep = []


def test_a_thread_left_running():
    # a daemon, so that the interpreter does not wait for it on its way out
    threading.Thread(target=stop.wait, args=(30,), name="left-behind", daemon=True).start()


def test_a_child_process_left_running():
    keep.append(subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"]))


def test_a_timer_left_running_in_an_open_window(qtbot):
    from PyQt6.QtCore import QTimer
    from PyQt6.QtWidgets import QWidget

    window = QWidget()
    timer = QTimer(window)
    timer.start(1000)
    window.show()
    keep.append(window)


def test_a_thread_that_ends_soon_is_fine():
    threading.Thread(target=time.sleep, args=(0.3,)).start()


def test_a_reaped_child_is_fine():
    subprocess.run([sys.executable, "-c", "pass"], check=True)
'''


@pytest.mark.slow
def test_leftovers_fail_the_test_that_left_them(pytester):
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_leaky=LEAKY_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=5, errors=3)
    text = result.stdout.str()
    assert "threads still running: left-behind" in text
    assert "child processes still running" in text
    assert "timers still active in open windows: QWidget" in text
