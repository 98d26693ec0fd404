"""The window's side of the inspector's model process: sends requests, reads replies with the
pages' poller (ui/kit/poller.py).

Every picture and evaluation request gets a generation number; opening a model raises the floor,
so answers about the previous model are dropped. At most one picture is being explained at a time
and only the newest waiting one is sent next (last value wins), so a drawing stroke that sends a
picture per mouse move never queues up work: the bars show the newest stroke as soon as the model
has answered the previous one.

The page may start the process before any model is opened (``prestart``), so that Keras is
ready by the time the user picks a file.
"""

from __future__ import annotations

import logging

from PyQt6.QtCore import QObject, pyqtSignal

from visualizer.inspection import protocol as requests
from visualizer.inspection.server import ModelServer
from visualizer.ui.kit.poller import LinkPoller

log = logging.getLogger(__name__)

POLL_INTERVAL_MS = 15
# While a picture is being explained the answer is read sooner: a stroke's bars should follow the
# pen within a frame, and waiting half a poll interval on average was a third of that.
EXPLAINING_POLL_INTERVAL_MS = 3


class ModelClient(QObject):
    """``server_factory()`` makes the process end (tests pass a fake with ModelServer's API)."""

    replied = pyqtSignal(object)  # a reply of inspection.protocol, stale ones already dropped
    died = pyqtSignal(str)  # the model process ended by itself; the message says so in words

    def __init__(self, server_factory=None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._server_factory = server_factory or ModelServer
        self._server = None
        self._unused = False  # the process was started ahead and has been asked nothing yet
        self._generation = 0
        self._floor = 0  # replies of an older generation are about a model no longer open
        self._explaining: int | None = None  # the generation being explained now
        self._waiting_picture: requests.Explain | None = None
        self._poller = LinkPoller(self._read, POLL_INTERVAL_MS, self)
        self._poller.polled.connect(self._on_poller_polled)

    def prestart(self) -> None:
        """Start the model process now, before any model is opened: it gets Keras ready, then
        waits for the first request using no CPU. Nothing happens when it runs already."""
        if self._server is not None:
            return
        self._server = self._server_factory()
        self._unused = True
        try:
            self._server.prestart()
        except Exception:  # the first request starts one of its own, and says why if that fails too
            log.exception("could not start the model process ahead")
            self._server.shutdown()
            self._server = None

    def is_ready(self) -> bool:
        """True once the model process runs and has Keras ready (or is already at work)."""
        return self._server is not None and self._server.is_ready()

    # -- requests ---------------------------------------------------------------------------------
    def open_model(self, path: str, unsafe: bool = False) -> None:
        self._floor = self._next_generation()
        self._waiting_picture = None
        self._explaining = None
        self._send(requests.OpenModel(str(path), unsafe))

    def set_input_range(self, input_range: tuple[float, float] | None) -> None:
        self._send(requests.SetInputRange(input_range))

    def explain(self, image, class_index: int | None = None, smooth: bool = False) -> int:
        request = requests.Explain(self._next_generation(), image, class_index, smooth)
        if self._explaining is None:
            self._explaining = request.generation
            self._send(request)
        else:
            self._waiting_picture = request  # replaces any older waiting one
        return request.generation

    def evaluate(
        self, data_dir: str | None = None, folder: str | None = None, limit: int | None = None, run_test: bool = False
    ) -> int:
        generation = self._next_generation()
        self._send(requests.Evaluate(generation, data_dir=data_dir, folder=folder, limit=limit, run_test=run_test))
        return generation

    def check_ranges(self, ranges: tuple[tuple[float, float], ...], folder: str | None = None, run_test: bool = False) -> int:
        generation = self._next_generation()
        self._send(requests.CheckRanges(generation, tuple(ranges), folder=folder, run_test=run_test))
        return generation

    def top_images(self, layer: str, folder: str | None = None, limit: int | None = None, run_test: bool = False) -> int:
        generation = self._next_generation()
        self._send(requests.TopImages(generation, layer, folder=folder, limit=limit, run_test=run_test))
        return generation

    def make_picture(self, layer: str, filter_index: int, steps: int = requests.PICTURE_STEPS) -> int:
        generation = self._next_generation()
        self._send(requests.MakePicture(generation, layer, filter_index, steps))
        return generation

    def stop_picture(self) -> None:
        self._send(requests.StopPicture())

    def randomise(self) -> None:
        self._send(requests.Randomise())

    def restore(self) -> None:
        self._send(requests.Restore())

    def shutdown(self) -> None:
        """End the model process (the window closes); nothing more arrives."""
        self._poller.stop()
        if self._server is not None:
            self._server.shutdown()
            self._server = None
        self._unused = False

    def is_running(self) -> bool:
        return self._server is not None

    # -- plumbing ---------------------------------------------------------------------------------
    def _next_generation(self) -> int:
        self._generation += 1
        return self._generation

    def _send(self, request) -> None:
        if self._server is not None and self._unused and not self._server.is_alive():
            # Started ahead and ended before it was used (it may have run out of memory while
            # it waited): nobody waited on it, so a fresh one takes its place unsaid.
            self._server.shutdown()
            self._server = None
        if self._server is None:
            self._server = self._server_factory()
        self._unused = False
        self._server.send(request)
        self._poller.start(EXPLAINING_POLL_INTERVAL_MS if self._explaining is not None else POLL_INTERVAL_MS)

    def _read(self) -> tuple[list, bool]:
        return self._server.poll() if self._server is not None else ([], False)

    def _on_poller_polled(self, replies: list, died: bool) -> None:
        for reply in replies:
            self._deliver(reply)
        if died and self._server is not None:
            message = self._server.died_message()
            self.shutdown()
            self._explaining, self._waiting_picture = None, None
            self.died.emit(message)

    def _deliver(self, reply) -> None:
        if isinstance(reply, requests.Explained) or (
            isinstance(reply, requests.Failed) and reply.request == "Explain"
        ):
            self._send_waiting_picture()
        generation = getattr(reply, "generation", None)
        if generation is not None and generation < self._floor:
            return  # about a model that is no longer open
        self.replied.emit(reply)

    def _send_waiting_picture(self) -> None:
        self._explaining = None
        if self._waiting_picture is not None:
            request, self._waiting_picture = self._waiting_picture, None
            self._explaining = request.generation
            self._send(request)
        else:
            self._poller.set_interval(POLL_INTERVAL_MS)
