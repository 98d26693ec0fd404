"""The child-process plumbing: requests go down and messages come up one link, a dead child is
said in words once, and a child never outlives its parent, even when the parent is killed with
SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from visualizer.childprocess import ChildLink, Outbox, prepare_child
from visualizer.training.saved_runs import process_alive  # an unreaped (zombie) child counts as gone

ROOT = Path(__file__).resolve().parents[1]


def echo_child(connection, count: int) -> None:
    """Sends ``count`` numbers, then answers each request with it doubled until told "done"."""
    prepare_child(None)
    outbox = Outbox(connection)
    for number in range(count):
        outbox.put(number)
    while (request := connection.recv()) != "done":
        outbox.put(request * 2)
    outbox.put("done")
    outbox.close()


def waiting_child(connection) -> None:
    """Waits for a request that never comes; the end of the link is its cue to go."""
    prepare_child(None)
    try:
        connection.recv()
    except EOFError:
        os._exit(0)
    os._exit(1)


def dying_child(connection) -> None:
    os._exit(3)


def busy_child(connection) -> None:
    """Burns the CPU as a training run does, forever, unless something ends it."""
    prepare_child(None)
    while True:
        sum(range(10_000))


def _link(target, args=()) -> ChildLink:
    link = ChildLink(target, args, "test-" + target.__name__, role="test process", advice="Try again.")
    link.start()
    return link


def _poll_until(link: ChildLink, done, timeout_s: float = 60):
    """(every message until ``done(messages)`` or the child died, whether it died)."""
    messages: list = []
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        more, died = link.poll()
        messages += more
        if died or done(messages):
            return messages, died
        time.sleep(0.01)
    raise AssertionError(f"gave up waiting; got {messages}")


def test_requests_go_down_and_messages_come_up_in_order_on_one_link():
    link = _link(echo_child, (50,))
    try:
        for request in (1, 2, 3):
            assert link.send(request)
        link.send("done")
        messages, died = _poll_until(link, lambda _got: False)  # until the child has gone
    finally:
        link.terminate()
    assert messages == [*range(50), 2, 4, 6, "done"]
    assert died, "a child that has gone after its last message is said to have gone"


def test_a_child_that_dies_is_said_once_in_words_with_its_exit_code():
    link = _link(dying_child)
    messages, died = _poll_until(link, lambda _got: False)
    assert messages == [] and died
    assert link.died_message() == "The test process ended without warning (exited with code 3). Try again."
    assert link.poll() == ([], False), "a death is said once"
    assert not link.send("anything"), "nothing is sent to a child that has gone"


def test_closing_the_link_lets_a_waiting_child_go():
    link = _link(waiting_child)
    link.close()
    link.join(30)
    assert not link.is_alive() and link.exit_description() == "exited with code 0"
    assert link.poll() == ([], False) and not link.send("late")


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
        "from visualizer.childprocess import ChildLink\n"
        "from tests.test_childprocess import busy_child\n"
        "child = ChildLink(busy_child, (), 'test-busy', role='test process', advice='')\n"
        "child.start()\n"
        "print(child.pid, flush=True)\n"
        "time.sleep(120)\n"
    )
    assert_child_ends_when_its_parent_is_killed(parent_script, settle_s=1.0)


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads process states from /proc")
def test_a_model_process_started_ahead_ends_when_its_parent_is_killed_while_it_warms_up():
    parent_script = (
        "import time\n"
        "from visualizer.inspection.server import ModelServer\n"
        "server = ModelServer()\n"
        "server.prestart()\n"
        "print(server.pid, flush=True)\n"
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
