"""The model process's loop and session without a child or a model: which work a request closes,
and how a request made before any model is open is answered."""

from __future__ import annotations

from unittest.mock import MagicMock

import numpy as np
import pytest

from visualizer.inspection import protocol as s
from visualizer.inspection.server import _advance, _take
from visualizer.inspection.session import ModelSession


def _stepwise(closed: list, name: str):
    """Work done in steps that records when it is closed."""
    try:
        while True:
            yield
    finally:
        closed.append(name)


@pytest.mark.parametrize("request_", [s.Randomise(), s.Restore(), s.SetInputRange((0.0, 255.0))], ids=lambda r: type(r).__name__)
def test_new_weights_or_pixel_scale_close_a_search_and_an_evaluation_under_way(request_):
    closed, answered = [], []

    class Session:  # records the requests it answers
        def __getattr__(self, name):
            return answered.append

    jobs = {}
    for kind, name in ((s.TopImages, "search"), (s.Evaluate, "evaluation"), (s.MakePicture, "picture")):
        jobs[kind] = _stepwise(closed, name)
        next(jobs[kind])
    _take(MagicMock(), Session(), request_, jobs)
    # Neither may go on to mix two sets of weights (or two pixel scales) in one answer.
    assert sorted(closed) == ["evaluation", "search"] and set(jobs) == {s.MakePicture}
    assert answered == [request_]


NO_MODEL_REQUESTS = [
    s.Explain(1, np.zeros((28, 28))),
    s.Evaluate(2),
    s.TopImages(3, "conv1"),
    s.MakePicture(4, "conv1", 0),
    s.Randomise(),
    s.Restore(),
    s.CheckRanges(5, ((0.0, 1.0),)),
]


@pytest.mark.parametrize("request_", NO_MODEL_REQUESTS, ids=lambda r: type(r).__name__)
def test_a_request_before_any_model_is_opened_fails_under_its_type_name(request_):
    sent: list = []
    outbox = MagicMock()
    outbox.put.side_effect = sent.append
    session, jobs = ModelSession(sent.append), {}
    _take(outbox, session, request_, jobs)
    for kind, job in list(jobs.items()):
        while _advance(outbox, kind.__name__, job):
            pass
    [failed] = sent
    assert isinstance(failed, s.Failed) and failed.request == type(request_).__name__
    assert failed.message.startswith("Open a model first, to ")
