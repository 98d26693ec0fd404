"""The model process: open, explain (newest picture wins), evaluate in steps, randomise and
restore, and a bad file that leaves the open model open. One child serves the whole module."""

from __future__ import annotations

import time

import numpy as np
import pytest

from tests.inspection.tiny_models import conv_stack, save
from visualizer.inspection import protocol as s
from visualizer.inspection.server import ModelServer

pytestmark = pytest.mark.slow  # a child process that imports Keras

TIMEOUT_S = 120


class Conversation:
    def __init__(self) -> None:
        self.server = ModelServer(backend="tensorflow")
        self.replies: list = []  # every reply, in order
        self._unread: list = []  # replies that arrived but no wait() has returned yet

    def ask(self, request, want, timeout=TIMEOUT_S):
        """Send ``request`` and wait for a reply of type ``want``; returns it."""
        self.server.send(request)
        return self.wait(want, timeout)

    def wait(self, want, timeout=TIMEOUT_S):
        """The next reply of type ``want``; those before it are skipped, those after it kept."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            replies, died = self.server.poll()
            assert not died, self.server.died_message()
            self.replies += replies
            self._unread += replies
            while self._unread:
                reply = self._unread.pop(0)
                assert not isinstance(reply, s.Failed), reply
                if isinstance(reply, want):
                    return reply
            time.sleep(0.01)
        raise AssertionError(f"no {want} within {timeout} s; got {[type(r).__name__ for r in self.replies]}")


def open_model(talk, path):
    """Open the tiny model, which does not say its input range, and answer [0, 1] as a user would."""
    opened = talk.ask(s.OpenModel(str(path)), s.ModelOpened)
    talk.server.send(s.SetInputRange((0.0, 1.0)))
    return opened


@pytest.fixture(scope="module")
def talk(tmp_path_factory):
    conversation = Conversation()
    conversation.server.start()  # now, so each test's leftovers check counts it as already there
    yield conversation
    conversation.server.shutdown()


@pytest.fixture(scope="module")
def model_path(tmp_path_factory):
    return save(conv_stack(), tmp_path_factory.mktemp("models"), "tiny.keras")


def test_open_reports_the_model_and_its_layers(talk, model_path):
    opened = open_model(talk, model_path)
    assert opened.report.input_range is None
    assert opened.report.image_size == (28, 28) and opened.report.class_count == 10
    assert [layer.label for layer in opened.layers][:2] == ["conv1", "pool1"]
    assert opened.layers[0].parameters == 3 * 3 * 1 * 3 + 3
    first, second = opened.conv_kernels
    assert first.layer == "conv1" and first.kernel.shape == (3, 3, 1, 3) and first.activation == "relu"
    assert second.kernel.shape == (3, 3, 3, 4) and second.bias.shape == (4,)
    assert opened.randomisable[0] == "conv1"


def test_the_newest_picture_is_explained_and_older_ones_are_dropped(talk, model_path):
    open_model(talk, model_path)
    pictures = np.random.default_rng(0).uniform(0, 1, (5, 28, 28))
    for generation, picture in enumerate(pictures, start=100):
        talk.server.send(s.Explain(generation, picture))
    answered = []
    while not answered or answered[-1].generation != 104:
        answered.append(talk.wait(s.Explained))
    assert len(answered) < 5  # the child coalesced at least one
    last = answered[-1]
    assert last.probabilities.shape == (10,) and last.probabilities.sum() == pytest.approx(1, abs=1e-5)
    assert last.class_index == int(np.argmax(last.probabilities))
    assert last.grad_cam.shape == (28, 28) and last.gradient.shape == (28, 28)
    assert [layer.label for layer in last.layers][:2] == ["conv1", "pool1"]


def test_a_bad_file_is_refused_in_words_and_the_model_stays_open(talk, model_path, tmp_path):
    open_model(talk, model_path)
    bad = tmp_path / "notes.keras"
    bad.write_text("not a model")
    failed = talk.ask(s.OpenModel(str(bad)), s.OpenFailed)
    assert "notes.keras" in failed.message and not failed.unsafe
    explained = talk.ask(s.Explain(7, np.zeros((28, 28))), s.Explained)
    assert explained.generation == 7


def test_evaluation_reports_progress_then_every_probability(talk, model_path):
    open_model(talk, model_path)
    talk.server.send(s.Evaluate(3, limit=1000))
    progress = talk.wait(s.EvaluationProgress)
    evaluated = talk.wait(s.Evaluated)
    assert progress.total == 1000 and progress.generation == 3
    assert evaluated.images.shape == (1000, 28, 28) and evaluated.probabilities.shape == (1000, 10)
    assert evaluated.labels.min() >= 0 and len(evaluated.class_names) == 10


def test_randomise_goes_top_down_and_restore_brings_the_same_answers_back(talk, model_path):
    open_model(talk, model_path)
    picture = np.random.default_rng(1).uniform(0, 1, (28, 28))
    before = talk.ask(s.Explain(1, picture), s.Explained)
    randomised = talk.ask(s.Randomise(), s.Randomised)
    assert randomised.done == ("output",) and randomised.next_layer == "conv2"
    changed = talk.ask(s.Explain(2, picture), s.Explained)
    assert not np.allclose(changed.probabilities, before.probabilities)
    restored = talk.ask(s.Restore(), s.Randomised)
    assert restored.done == () and restored.next_layer == "output"
    after = talk.ask(s.Explain(3, picture), s.Explained)
    np.testing.assert_allclose(after.probabilities, before.probabilities, rtol=1e-6)


def test_top_images_come_in_steps_and_other_requests_are_answered_between_them(talk, model_path):
    open_model(talk, model_path)
    talk.server.send(s.TopImages(8, "conv2", limit=900))
    progress = talk.wait(s.TopImagesProgress)
    explained = talk.ask(s.Explain(9, np.zeros((28, 28))), s.Explained)
    found = talk.wait(s.TopImagesFound)
    assert progress.generation == 8 and progress.total == 900
    assert explained.generation == 9
    assert talk.replies.index(explained) < talk.replies.index(found)  # answered while the search went on
    tops = found.tops
    assert found.generation == 8 and tops.layer == "conv2" and tops.values.shape == (4, 9)
    assert tops.images.shape[1:] == (28, 28) and len(tops.images) == len(np.unique(tops.indices)) <= 36
    assert tops.rows.shape == (4, 9) and tops.field.size == (8, 8)
    assert np.all(np.diff(tops.values, axis=1) <= 0) and tops.indices.max() < 900
    assert len(tops.class_names) == 10 and tops.labels.min() >= 0


def test_a_picture_reports_its_steps_and_a_stop_ends_it(talk, model_path):
    open_model(talk, model_path)
    talk.server.send(s.MakePicture(11, "conv1", 2, steps=100_000))
    first = talk.wait(s.PictureProgress)
    assert first.generation == 11 and first.filter_index == 2 and not first.finished
    assert first.step.picture.shape == (28, 28) and first.step.steps == 100_000
    explained = talk.ask(s.Explain(12, np.zeros((28, 28))), s.Explained)  # answered between steps
    assert explained.generation == 12
    talk.server.send(s.StopPicture())
    stopped = talk.wait(s.PictureProgress)
    while not stopped.stopped:
        stopped = talk.wait(s.PictureProgress)
    assert not stopped.finished and stopped.step.step < 100_000
    assert stopped.step.activation > stopped.step.start_activation
    done = talk.ask(s.MakePicture(13, "conv2", 0, steps=5), s.PictureProgress)
    while not done.finished:
        done = talk.wait(s.PictureProgress)
    assert done.generation == 13 and done.step.step == 5 and not done.stopped
    time.sleep(0.3)
    late, _ = talk.server.poll()
    assert not [reply for reply in late if isinstance(reply, s.PictureProgress) and reply.generation == 11]


def test_a_request_before_any_model_is_opened_fails_under_its_type_name():
    server = ModelServer(backend="tensorflow")
    try:
        server.send(s.Explain(1, np.zeros((28, 28))))
        deadline, replies = time.monotonic() + TIMEOUT_S, []
        while not replies and time.monotonic() < deadline:
            replies, died = server.poll()
            assert not died, server.died_message()
            time.sleep(0.01)
    finally:
        server.shutdown()
    [failed] = replies
    assert isinstance(failed, s.Failed) and failed.request == "Explain", failed
    assert failed.message == "Open a model first, to explain a picture."


def test_a_process_started_ahead_gets_keras_ready_with_nothing_asked_then_opens_a_model(model_path):
    talk = Conversation()
    try:
        talk.server.prestart()
        deadline = time.monotonic() + TIMEOUT_S
        while not talk.server.is_ready() and time.monotonic() < deadline:
            assert talk.server.is_alive()
            time.sleep(0.05)
        assert talk.server.is_ready(), "no request came, yet it should have got Keras ready"
        assert talk.server.poll() == ([], False), "its warm-up model is its own: nothing is said of it"
        opened = open_model(talk, model_path)
    finally:
        talk.server.shutdown()
    assert opened.report.model_name == "tiny_cnn" and opened.report.conv_layers == ("conv1", "conv2")
