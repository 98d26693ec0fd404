"""The inspector's model, served from a child process: the window sends requests, the child answers
(the messages are in inspection/protocol.py, the model's work in inspection/session.py).

The child reads every request that has arrived before it works, and of several pictures to
explain it explains only the newest (a drawing stroke sends one per mouse move: the last one wins).
Evaluating a whole test set runs one batch at a time, and between batches the child answers the
other requests, so drawing stays live while the test set is evaluated. A filter's top images and
its picture (inspection/filters.py) are made in steps the same way; the picture's steps end at once
when a StopPicture arrives.

The window may start the child before any model is opened (``ModelServer.prestart``): with no
request waiting it imports Keras and opens a small model of its own once (session.warm_up_keras),
then blocks on its pipe, using no CPU, until the first request comes; opening the user's model then
costs only that model's own work.

Neither Qt nor (at import) Keras is imported here.
"""

from __future__ import annotations

import logging
import traceback
from collections import deque
from collections.abc import Iterator

from visualizer.childprocess import ChildLink, Outbox, prepare_child, spawn_context
from visualizer.inspection.protocol import (
    CheckRanges,
    Evaluate,
    Explain,
    Failed,
    MakePicture,
    OpenModel,
    Randomise,
    Restore,
    SetInputRange,
    StopPicture,
    TopImages,
)
from visualizer.inspection.session import ModelSession, warm_up_keras

log = logging.getLogger(__name__)

ROLE = "model process"
DIED_ADVICE = "It may have run out of memory; open the model again to go on."


# -- the child's loop -------------------------------------------------------------------------------
_HANDLERS = {
    OpenModel: "open",
    SetInputRange: "set_input_range",
    Explain: "explain",
    Randomise: "randomise",
    Restore: "restore",
}
# Requests worked on in steps, between which the other requests are answered: one of each kind at
# a time, a newer one replacing the one in progress.
_STEPWISE = {Evaluate: "evaluate", TopImages: "top_images", MakePicture: "make_picture", CheckRanges: "check_ranges"}
# Requests that change the weights or how the pixels are scaled: a search for top images or an
# evaluation under way would go on with the new ones and mix the two, so it is closed. The window
# knows which requests these are: it forgets the top images and asks again, and asks again for an
# evaluation it was waiting for.
_OUTDATING = (Randomise, Restore, SetInputRange)
_OUTDATED_BY_THEM = (TopImages, Evaluate)  # a CheckRanges names its ranges, so only weights change it


def _newest_explain_only(requests: deque) -> deque:
    """The requests in order, with every Explain but the last dropped: its answer would be stale."""
    last_explain = max((i for i, request in enumerate(requests) if isinstance(request, Explain)), default=-1)
    return deque(r for i, r in enumerate(requests) if not isinstance(r, Explain) or i == last_explain)


def _serve(connection, backend: str | None, ready) -> None:
    prepare_child(backend)
    outbox = Outbox(connection)
    session = ModelSession(outbox.put)
    pending: deque = deque()
    jobs: dict[type, Iterator[None]] = {}  # the stepwise work in progress, taken in turns
    try:
        # Started ahead, nothing is asked yet: get Keras ready. Started by a request, the request
        # imports what it needs and the rest of the warm-up would only delay its answer.
        if not connection.poll():
            warm_up_keras()
        ready.set()
        while True:
            # Block for the next request only when nothing else is left to do.
            if not pending and not jobs:
                connection.poll(None)
            while connection.poll():
                pending.append(connection.recv())
            pending = _newest_explain_only(pending)
            if pending:
                _take(outbox, session, pending.popleft(), jobs)
            elif jobs:
                kind, job = next(iter(jobs.items()))
                del jobs[kind]  # put back at the end when it has more to do: the jobs take turns
                if _advance(outbox, kind.__name__, job):
                    jobs[kind] = job
    except (EOFError, OSError):
        pass  # the window has gone
    finally:
        outbox.close()


def _take(outbox: Outbox, session: ModelSession, request, jobs: dict) -> None:
    """Answer ``request`` now, or start (or stop) the stepwise work it asks for."""
    if type(request) in _STEPWISE:
        _close(jobs.pop(type(request), None))
        jobs[type(request)] = getattr(session, _STEPWISE[type(request)])(request)
    elif isinstance(request, StopPicture):
        _close(jobs.pop(MakePicture, None))
    elif isinstance(request, _OUTDATING):
        for kind in _OUTDATED_BY_THEM:
            _close(jobs.pop(kind, None))
        _answer(outbox, request, getattr(session, _HANDLERS[type(request)]))
    elif isinstance(request, OpenModel):
        for job in jobs.values():  # a new model: the old one's work is of no use
            _close(job)
        jobs.clear()
        _answer(outbox, request, session.open)
    else:
        _answer(outbox, request, getattr(session, _HANDLERS[type(request)]))


def _close(job: Iterator[None] | None) -> None:
    if job is not None:
        job.close()


def _answer(outbox: Outbox, request, handler) -> None:
    try:
        handler(request)
    except Exception as error:  # a request that fails must not end the model process
        log.exception("request %s failed", type(request).__name__)
        outbox.put(Failed(type(request).__name__, _in_words(error), traceback.format_exc()))


def _advance(outbox: Outbox, request: str, job: Iterator[None]) -> bool:
    """One step of ``job``; False when it has finished or failed (the failure is sent)."""
    try:
        next(job)
        return True
    except StopIteration:
        return False
    except Exception as error:
        log.exception("%s failed", request)
        outbox.put(Failed(request, _in_words(error), traceback.format_exc()))
        return False


def _in_words(error: Exception) -> str:
    if isinstance(error, MemoryError):
        return "The model process ran out of memory; close other programs or use a smaller test set."
    return str(error) or type(error).__name__


class ModelServer(ChildLink):
    """The window's end: a link to the model's child process, started ahead (``prestart``) or with
    the first request. Qt-free; the page's client reads it with a poller. ``backend`` is set as
    KERAS_BACKEND in the child."""

    def __init__(self, backend: str | None = None) -> None:
        self._ready = spawn_context().Event()  # set by the child once it waits for requests
        super().__init__(_serve, (backend, self._ready), "cnn-visualizer-model", role=ROLE, advice=DIED_ADVICE)

    def prestart(self) -> None:
        """Start the child now, before any request: it imports Keras and warms up meanwhile."""
        if not self.started:
            self.start()

    def is_ready(self) -> bool:
        """True once the child has Keras ready (when started ahead) and reads requests."""
        return self._ready.is_set()

    def send(self, request) -> bool:
        if not self.started:
            self.start()
        return super().send(request)

    def shutdown(self) -> None:
        """End the child now (the window closes or a new process replaces it)."""
        if self.started:
            self.terminate()
        else:
            self.close()
