"""The training page's ear for scripts: runs that any Keras script streams with
``LiveView()`` (visualizer/live.py) arrive here, on this machine, through one StreamReceiver.

The page starts listening when it is first shown (the connection file appears then, so a script
started earlier finds the window within LOOK_AGAIN_S and re-sends its run from the start) and
stops when it shuts down (the file goes, and the scripts train on without a window). Messages are
read on the GUI thread's timer like the app's own run (LinkPoller) and handed on once per tick as
one Frame per run that sent something, the same Frames the page draws for its own runs.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable

from PyQt6.QtCore import QObject, pyqtSignal

from visualizer.ui.kit.poller import LinkPoller
from visualizer.ui.training.link import POLL_INTERVAL_MS, Frame

log = logging.getLogger(__name__)

QUIET_AFTER_S = 2.0  # no script has sent for this long: the page reads the stream slowly
QUIET_INTERVAL_MS = 250  # a script that starts sending is then heard within a quarter of a second


def default_receiver():
    # Imported here: ZeroMQ is needed only once the training page is shown.
    from visualizer.training.stream import StreamReceiver

    return StreamReceiver()


def frames_by_run(messages) -> dict[str, Frame]:
    """The messages of one tick (StreamMessage envelopes) as one Frame per run id, in arrival order."""
    frames: dict[str, Frame] = {}
    for message in messages:
        frames.setdefault(message.run_id, Frame()).add(message.event)
    return frames


class ScriptRuns(QObject):
    """Owns the page's StreamReceiver. ``framesReady`` carries, on every tick while listening, a
    dict of run id -> Frame (empty when nothing arrived: the tick is how silence is noticed)."""

    framesReady = pyqtSignal(object)  # dict[str, Frame]

    def __init__(
        self,
        receiver_factory: Callable[[], object] | None = None,
        interval_ms: int = POLL_INTERVAL_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._factory = receiver_factory or default_receiver
        self._interval_ms = interval_ms
        self._last_heard = -math.inf
        self.receiver = None
        self.problem = ""  # why the page could not listen, in words; "" when it listens or has not tried
        self._poller = LinkPoller(self._read, interval_ms, self)
        self._poller.polled.connect(self._on_poller_polled)

    @property
    def listening(self) -> bool:
        return self.receiver is not None and self.receiver.is_alive()

    def listen(self) -> None:
        """Start listening for scripts, once; a page that cannot (no free port, a folder it cannot
        write) works on for its own runs, and says why in ``problem``."""
        if self.receiver is not None or self.problem:
            return
        try:
            self.receiver = self._factory()
        except Exception as error:  # ZeroMQ or the runtime folder: the page is still useful without it
            log.exception("could not listen for training scripts")
            self.problem = f"The page cannot listen for training scripts: {error}"
            return
        self._poller.start()

    def close(self) -> None:
        """Stop listening and remove the connection file; the scripts themselves train on."""
        self._poller.stop()
        if self.receiver is not None:
            self.receiver.close()

    def tell(self, run_id: str, action: str) -> bool:
        """Ask a script's run to "pause", "resume" or "stop"; False when it cannot be reached."""
        return self.listening and self.receiver.tell(run_id, action)

    def _read(self) -> tuple[list, bool]:
        return self.receiver.poll() if self.listening else ([], False)

    def _on_poller_polled(self, messages: list, died: bool) -> None:
        if died:
            log.warning("%s", self.receiver.died_message())
            self.problem = self.receiver.died_message()
            self._poller.stop()
        self._pace(bool(messages))
        self.framesReady.emit(frames_by_run(messages))

    def _pace(self, heard: bool) -> None:
        """Read at the drawing rate while scripts send, and slowly once none has sent for a
        while: every tick wakes the window's process, and on 2 cores each wake-up can stall a
        training process's threads (the app's own run among them)."""
        now = time.monotonic()
        if heard:
            self._last_heard = now
        fast = now - self._last_heard < QUIET_AFTER_S
        wanted = self._interval_ms if fast else QUIET_INTERVAL_MS
        if self._poller.interval() != wanted:
            self._poller.set_interval(wanted)
