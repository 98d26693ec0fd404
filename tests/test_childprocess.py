"""The child-process plumbing: messages arrive, a dead child is noticed, and a child never
outlives its parent, even when the parent is killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from visualizer.childprocess import ChildProcess, Outbox, prepare_child
from visualizer.training.saved_runs import process_alive  # an unreaped (zombie) child counts as gone

ROOT = Path(__file__).resolve().parents[1]


def counting_child(connection, count: int) -> None:
    prepare_child(None)
    outbox = Outbox(connection)
    for number in range(count):
        outbox.put(number)
    outbox.put("done")
    outbox.close()


def dying_child(connection) -> None:
    os._exit(3)


def busy_child(connection) -> None:
    """Burns the CPU as a training run does, forever, unless something ends it."""
    prepare_child(None)
    while True:
        sum(range(10_000))


def _receive_all(child: ChildProcess, timeout_s: float = 60):
    messages, died = [], False
    deadline = time.monotonic() + timeout_s
    while not child.closed and time.monotonic() < deadline:
        more, died = child.receive(is_last=lambda message: message == "done")
        messages += more
        time.sleep(0.01)
    return messages, died


def test_messages_arrive_in_order_and_the_last_closes_the_pipe():
    child = ChildProcess(counting_child, (50,), "test-counting")
    child.start()
    messages, died = _receive_all(child)
    child.join(10)
    assert messages == [*range(50), "done"] and not died
    assert child.closed


def test_a_child_that_dies_is_reported_with_its_exit_code():
    child = ChildProcess(dying_child, (), "test-dying")
    child.start()
    messages, died = _receive_all(child)
    assert messages == [] and died
    assert child.exit_description() == "exited with code 3"


def test_droppable_messages_are_dropped_while_too_many_wait():
    class SlowConnection:
        def __init__(self):
            self.sent = []

        def send(self, message):
            time.sleep(0.01)
            self.sent.append(message)

        def close(self):
            pass

    connection = SlowConnection()
    outbox = Outbox(connection, droppable=lambda message: message != "keep", max_droppable=2)
    for _ in range(100):
        outbox.put("frame")
    outbox.put("keep")
    outbox.close()
    assert connection.sent[-1] == "keep"
    assert connection.sent.count("frame") <= 3  # two waiting, and perhaps one already being sent


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads process states from /proc")
def test_a_child_ends_within_two_seconds_of_its_parent_being_killed_hard():
    parent_script = (
        "import sys, time\n"
        "from visualizer.childprocess import ChildProcess\n"
        "from tests.test_childprocess import busy_child\n"
        "child = ChildProcess(busy_child, (), 'test-busy')\n"
        "child.start()\n"
        "print(child.pid, flush=True)\n"
        "time.sleep(120)\n"
    )
    assert_child_ends_when_its_parent_is_killed(parent_script, settle_s=1.0)


def assert_child_ends_when_its_parent_is_killed(parent_script: str, settle_s: float = 0.0) -> None:
    """Run ``parent_script`` (which starts a child and prints its pid), kill it with SIGKILL once
    the child is up, and check that the child ends within 2 s."""
    parent = subprocess.Popen(
        [sys.executable, "-c", parent_script], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    child_pid = None
    try:
        child_pid = int(parent.stdout.readline())
        time.sleep(settle_s)  # the child is up, busy, and watching
        assert process_alive(child_pid)
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        killed_at = time.monotonic()
        while process_alive(child_pid) and time.monotonic() - killed_at < 5:
            time.sleep(0.05)
        gone_after = time.monotonic() - killed_at
        assert not process_alive(child_pid), "the child outlived its parent by 5 s"
        assert gone_after < 2.0, f"the child took {gone_after:.1f} s to notice its parent had died"
    finally:
        parent.kill()
        parent.wait(10)
        parent.stdout.close()
        if child_pid is not None and process_alive(child_pid):
            os.kill(child_pid, signal.SIGKILL)
