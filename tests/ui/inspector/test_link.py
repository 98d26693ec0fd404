"""The inspector's ModelClient over its link: faster reading while a picture is explained, stale
replies dropped, a dead process said once, and a picture waiting behind one the model could not
explain is still sent."""

from __future__ import annotations

import numpy as np
import pytest

from visualizer.inspection import protocol as s
from visualizer.inspection.server import ModelServer
from visualizer.ui.inspector.link import EXPLAINING_POLL_INTERVAL_MS, POLL_INTERVAL_MS, ModelClient


class FakeServer:
    """ModelServer's API: what is sent is kept, ``answer`` queues replies, ``die`` ends it."""

    def __init__(self) -> None:
        self.sent: list = []
        self.replies: list = []
        self.dead = False
        self.prestarted = False
        self.ended = False  # its process has gone (is_alive() is False)

    def prestart(self) -> None:
        self.prestarted = True

    def is_alive(self) -> bool:
        return not self.ended

    def is_ready(self) -> bool:
        return self.prestarted and not self.ended

    def send(self, request) -> bool:
        self.sent.append(request)
        return not self.dead

    def poll(self, max_messages=None):
        replies, self.replies = self.replies, []
        died, self.dead = self.dead, False
        return replies, died

    def died_message(self) -> str:
        return "The model process ended without warning (was killed)."

    def shutdown(self) -> None:
        pass


@pytest.fixture
def client(qtbot):
    server = FakeServer()
    model_client = ModelClient(server_factory=lambda: server)
    model_client.server = server
    yield model_client
    model_client.shutdown()


def test_a_picture_is_read_for_sooner_and_the_newest_waiting_one_follows_its_answer(client, qtbot):
    picture = np.zeros((28, 28))
    first = client.explain(picture)
    client.explain(picture)
    newest = client.explain(picture)
    assert [request.generation for request in client.server.sent] == [first]
    assert client._poller.interval() == EXPLAINING_POLL_INTERVAL_MS
    client.server.replies.append(s.Failed("Explain", "Open a model first, to explain a picture."))
    with qtbot.waitSignal(client.replied, timeout=2000):
        pass
    assert [request.generation for request in client.server.sent] == [first, newest]
    client.server.replies.append(s.Failed("Explain", "Open a model first, to explain a picture."))
    with qtbot.waitSignal(client.replied, timeout=2000):
        pass
    assert client._poller.interval() == POLL_INTERVAL_MS, "back to the usual pace once nothing is explained"


def test_replies_about_a_model_no_longer_open_are_dropped(client, qtbot):
    old = client.evaluate()
    client.open_model("/models/new.keras")
    client.server.replies += [s.EvaluationProgress(old, 1, 2), s.Randomised((), "output")]
    with qtbot.waitSignal(client.replied, timeout=2000) as blocker:
        pass
    assert isinstance(blocker.args[0], s.Randomised)


def test_a_dead_process_is_said_once_and_the_client_lets_it_go(client, qtbot):
    client.randomise()
    client.server.dead = True
    with qtbot.waitSignal(client.died, timeout=2000) as blocker:
        pass
    assert "ended without warning" in blocker.args[0]
    assert not client.is_running()


def test_a_process_started_ahead_takes_the_first_request_and_one_that_ended_unused_is_replaced(qtbot):
    made: list[FakeServer] = []

    def make() -> FakeServer:
        made.append(FakeServer())
        return made[-1]

    client = ModelClient(server_factory=make)
    try:
        assert not client.is_ready()
        client.prestart()
        client.prestart()  # one process ahead, however often the page asks
        assert len(made) == 1 and made[0].prestarted and client.is_ready()
        client.open_model("/models/a.keras")
        assert len(made) == 1 and [type(r) for r in made[0].sent] == [s.OpenModel]

        client.shutdown()
        client.prestart()
        made[-1].ended = True  # it ran out of memory while it waited, before anything was asked
        client.open_model("/models/b.keras")
        assert len(made) == 3, "a fresh process takes the request of one that ended unused"
        assert made[1].sent == [] and [r.path for r in made[2].sent] == ["/models/b.keras"]
        assert client.is_running()
    finally:
        client.shutdown()


@pytest.mark.slow  # a child process (it imports no Keras: no model is opened)
def test_pictures_sent_before_any_model_is_open_are_each_answered_and_none_waits_forever(qtbot):
    client = ModelClient(server_factory=lambda: ModelServer(backend="tensorflow"))
    failed: list = []
    client.replied.connect(failed.append)
    try:
        client.explain(np.zeros((28, 28)))
        client.explain(np.ones((28, 28)))  # waits for the first one's answer
        qtbot.waitUntil(lambda: len(failed) == 2, timeout=60_000)
    finally:
        client.shutdown()
    assert [(type(reply), reply.request) for reply in failed] == [(s.Failed, "Explain")] * 2
