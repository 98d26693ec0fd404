"""The training side of the stream: sends a run's events to the window without ever waiting, and
hears the window's requests to the run (pause, resume, stop) on the same connection.

A ZeroMQ DEALER socket with a small send queue (``SEND_HIGH_WATER_MARK`` messages) and the
IMMEDIATE option, so nothing is queued while no window is connected, and every send is NOBLOCK.
What cannot go at once is kept here, in two different ways:

- curve events (RunStarted, BatchEnd, EpochEnd, the end-of-epoch snapshot the replay keeps,
  RunFinished ...) wait in order in a bounded list and go first at the next chance; if the list
  is full, every other batch report in it is given up (the oldest event, when there is none) and
  counted in ``lost``, which every message carries, so the window knows its curves have gaps;
- pictures (the other probe snapshots) wait in one slot: a newer one replaces it (counted in
  ``pictures_replaced``), so a slow window gets the newest picture, never a backlog.

With no window, a send costs a check of the socket's state; the connection file is looked for
again at most every ``LOOK_AGAIN_S``, so a window opened later (or restarted, with a new address
and key) is found, and is sent the run's RunStarted before anything else.
"""

from __future__ import annotations

import math
import queue
import secrets
import threading
import time
from collections import deque
from pathlib import Path

import zmq

from visualizer.training.events import WINDOW_ACTIONS, BatchEnd, ProbeSnapshot, RunStarted, WindowRequest
from visualizer.training.stream.connection import ConnectionInfo, find_connection
from visualizer.training.stream.wire import MAX_MESSAGE_BYTES, Dropped, decode, encode, message_size

SEND_HIGH_WATER_MARK = 8
MAX_PENDING = 4096  # curve events kept while the window is away: a few minutes of BatchEnd at 20 a second
LOOK_AGAIN_S = 2.0
CONNECTED_RECENTLY_S = 5.0  # a window that took a message this recently is worth waiting for at close
OFFER_AGAIN_S = 0.05  # how often the sending thread offers what the window has not taken yet
HEAR_EVERY_S = 0.25  # how often a sending thread with a window listens for its requests while idle
MAX_REQUEST_BYTES = 4096  # a request is a few hundred bytes: anything larger is not one


def is_picture(event) -> bool:
    """Pictures may be replaced by newer ones; the snapshot kept for the per-epoch replay may not."""
    return isinstance(event, ProbeSnapshot) and not event.end_of_epoch


class StreamSender:
    """Sends the events of one run (``run_id``) to the window found through its connection file
    (in ``folder``, by default the user's runtime folder), or to ``address`` with ``key`` when both
    are given (a window on another machine, through an SSH tunnel). Use it from one thread."""

    def __init__(
        self,
        *,
        address: str | None = None,
        key: str | None = None,
        folder: Path | None = None,
        run_id: str | None = None,
        max_pending: int = MAX_PENDING,
        max_bytes: int = MAX_MESSAGE_BYTES,
    ) -> None:
        if (address is None) != (key is None):
            raise ValueError("Give both the address and the key of the window (from its connection file), or neither.")
        self.run_id = run_id or secrets.token_hex(8)
        self._given = ConnectionInfo(address, key) if address is not None else None
        self._folder = folder
        self._max_bytes = max_bytes
        self._context = zmq.Context()
        self._socket = None
        self._connection: ConnectionInfo | None = None
        self._pending: deque = deque()
        self._max_pending = max_pending
        self._batches_seen = 0
        self._batch_stride = 1  # one batch report in this many joins the list (see _keeps)
        self._picture: ProbeSnapshot | None = None
        self._run_started: RunStarted | None = None
        self._seq = 0
        self._last_request_seq = 0
        self._next_look = -math.inf
        self._last_delivered = -math.inf
        self.lost = 0  # curve events given up: the pending list was full, or no window took them by the end
        self.pictures_replaced = 0
        self.too_large = 0  # events over the window's size limit, not sent

    @property
    def connection(self) -> ConnectionInfo | None:
        return self._connection

    @property
    def window_listening(self) -> bool:
        """Whether a window has taken a message lately: pictures are worth making only then."""
        return time.monotonic() - self._last_delivered < CONNECTED_RECENTLY_S

    @property
    def waiting(self) -> int:
        """Events kept here, not yet handed to the socket."""
        return len(self._pending) + (self._picture is not None)

    def send(self, event) -> None:
        """Send ``event`` (a dataclass from events.py) now if the socket takes it, else keep it as
        described above. Never waits."""
        if isinstance(event, RunStarted):
            self._run_started = event
        if is_picture(event):
            self.pictures_replaced += self._picture is not None
            self._picture = event
        elif self._keeps(event):
            if len(self._pending) >= self._max_pending:
                self._make_room()
            self._pending.append(event)
        self.flush()

    def _keeps(self, event) -> bool:
        """Whether a curve event joins the waiting list: every one, but of the batch reports only
        one in ``_batch_stride`` while a backlog has had to be thinned."""
        if not isinstance(event, BatchEnd):
            return True
        if not self._pending:
            self._batch_stride = 1  # the window has caught up: every batch again
        self._batches_seen += 1
        if (self._batches_seen - 1) % self._batch_stride == 0:
            return True
        self.lost += 1
        return False

    def _make_room(self) -> None:
        """Give up every other batch report waiting, and keep one in twice as many from now on:
        the curves keep the whole run's shape at even, lower detail, so a window opened late still
        sees the run from its start. With no batch report to give up, the oldest event goes."""
        batches = [index for index, event in enumerate(self._pending) if isinstance(event, BatchEnd)]
        given_up = set(batches[1::2])  # the first, of the run's start, stays
        if not given_up:
            self._pending.popleft()
            self.lost += 1
            return
        self._pending = deque(event for index, event in enumerate(self._pending) if index not in given_up)
        self.lost += len(given_up)
        self._batch_stride *= 2

    def flush(self) -> bool:
        """Hand the socket what it takes now, curve events first; True when nothing is left here."""
        self._connect_if_due()
        if self._socket is None:
            return False
        while self._pending:
            if not self._send_now(self._pending[0]):
                return False
            self._pending.popleft()
        if self._picture is not None and self._send_now(self._picture):
            self._picture = None
        return self._picture is None

    def _send_now(self, event) -> bool:
        if not self._socket.getsockopt(zmq.EVENTS) & zmq.POLLOUT:
            return False  # no window, or its queue is full: checked before the cost of encoding
        frames = encode(event, self._key, run_id=self.run_id, seq=self._seq + 1, lost=self.lost)
        if message_size(frames) > self._max_bytes:
            self.too_large += 1
            return True  # given up: it would be refused at the window
        try:
            self._socket.send_multipart(frames, flags=zmq.NOBLOCK, copy=False)
        except zmq.Again:
            return False
        self._seq += 1
        self._last_delivered = time.monotonic()
        return True

    def requests(self) -> list[str]:
        """The window's requests to this run that have arrived ("pause", "resume", "stop"), in
        order; what is not a request signed with the window's key for this run is ignored."""
        heard: list[str] = []
        while self._socket is not None:
            try:
                frames = self._socket.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                break
            try:
                message = decode(frames, self._key, max_bytes=MAX_REQUEST_BYTES)
            except Dropped:
                continue
            request = message.event
            if (isinstance(request, WindowRequest) and request.action in WINDOW_ACTIONS
                    and message.run_id == self.run_id and message.seq > self._last_request_seq):
                self._last_request_seq = message.seq
                heard.append(request.action)
        return heard

    def _connect_if_due(self) -> None:
        if self._socket is not None and (self._given is not None or self._pending_for_long()):
            return
        now = time.monotonic()
        if now < self._next_look:
            return
        self._next_look = now + LOOK_AGAIN_S
        found = self._given or find_connection(self._folder)
        if found is None or (self._connection and (found.address, found.key) == (self._connection.address, self._connection.key)):
            return
        self._connect(found)

    def _pending_for_long(self) -> bool:
        """Whether the window has taken nothing for a while with events waiting: it may have
        closed and another opened (a restart), so the connection file is read again."""
        return self.waiting > 0 and time.monotonic() - self._last_delivered > LOOK_AGAIN_S

    def _connect(self, connection: ConnectionInfo) -> None:
        if self._socket is not None:
            self._socket.close(linger=0)
            if self._run_started is not None and (not self._pending or self._pending[0] is not self._run_started):
                self._pending.appendleft(self._run_started)  # a new window learns what this run is first
        socket = self._context.socket(zmq.DEALER)
        socket.setsockopt(zmq.SNDHWM, SEND_HIGH_WATER_MARK)
        socket.setsockopt(zmq.RCVHWM, 16)
        socket.setsockopt(zmq.MAXMSGSIZE, MAX_REQUEST_BYTES)  # ZeroMQ cuts off a peer sending more
        socket.setsockopt(zmq.IMMEDIATE, 1)  # queue nothing while no window is connected
        socket.setsockopt(zmq.LINGER, 0)
        socket.connect(connection.address)
        self._socket = socket
        self._connection = connection
        self._key = connection.key.encode("ascii")
        self._last_request_seq = 0  # a new window counts its requests from 1

    def close(self, grace_s: float = 1.0) -> None:
        """Send what is still waiting to a window that has been taking messages, or to the
        address given (a window is expected there: the app's own, or the far end of a tunnel,
        perhaps not connected yet), for at most ``grace_s`` seconds (not at all when no window
        was found), then hang up."""
        deadline = time.monotonic() + grace_s
        expected = self.window_listening or self._given is not None
        while self._socket is not None and expected and not self.flush():
            remaining_ms = int((deadline - time.monotonic()) * 1000)
            if remaining_ms <= 0 or not self._socket.poll(remaining_ms, zmq.POLLOUT):
                break
        self.lost += len(self._pending)
        self._pending.clear()
        if self._socket is not None:
            # Give ZeroMQ the rest of the grace time to pass on what it already holds.
            self._socket.close(linger=max(0, int((deadline - time.monotonic()) * 1000)))
            self._socket = None
        self._context.term()


_PICTURE = object()  # the sending thread's wake-up call: a picture waits in its slot


class SendingThread:
    """A StreamSender driven from a thread of its own, the way every run reaches the window (a
    script's LiveView and the app's own runs alike): the training thread only hands events over,
    while encoding and the socket's work happen here, and what the window could not take yet is
    offered again every OFFER_AGAIN_S even while the run sends nothing (paused, validating,
    saving), and then only. Pictures wait in one slot (the newest wins), curve events in order.
    ``on_request(action)`` is called on this thread with each request the window makes ("pause",
    "resume", "stop"); with it, the thread listens every HEAR_EVERY_S while a window is connected
    and the run sends nothing (paused). The other options are StreamSender's."""

    def __init__(self, on_request=None, **sender_options) -> None:
        self._sender = StreamSender(**sender_options)
        self._on_request = on_request
        self.run_id = self._sender.run_id
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._picture = None
        self._replaced_here = 0
        self._grace_s = 1.0
        self._thread = threading.Thread(target=self._work, name="cnn-visualizer-sender", daemon=True)
        self._thread.start()

    @property
    def window_listening(self) -> bool:
        return self._sender.window_listening

    @property
    def lost(self) -> int:
        return self._sender.lost

    @property
    def pictures_replaced(self) -> int:
        return self._sender.pictures_replaced + self._replaced_here

    @property
    def connection(self) -> ConnectionInfo | None:
        return self._sender.connection

    def send(self, event) -> None:
        """Hand ``event`` to the sending thread; never waits."""
        if not is_picture(event):
            self._queue.put(event)
            return
        with self._lock:
            waiting, self._picture = self._picture, event
        if waiting is None:
            self._queue.put(_PICTURE)
        else:
            self._replaced_here += 1

    def close(self, grace_s: float = 1.0) -> None:
        """Send what waits (see StreamSender.close), then end the thread."""
        if not self._thread.is_alive():
            return
        self._grace_s = grace_s
        self._queue.put(None)
        self._thread.join()

    def _wait_s(self) -> float | None:
        """How long the thread sleeps for want of new events: for good while nothing waits (a
        thread that wakes the training process for nothing slows it: on 2 cores each wake-up can
        stall one of TensorFlow's threads, and the other with it) unless it listens for the
        window's requests (then every HEAR_EVERY_S), a moment while the window has yet to take
        what waits, and as long as the connection file is looked for while there is no window."""
        if not self._sender.waiting:
            return HEAR_EVERY_S if self._on_request is not None and self._sender.connection is not None else None
        return OFFER_AGAIN_S if self._sender.connection is not None else LOOK_AGAIN_S

    def _work(self) -> None:
        sender = self._sender
        while True:
            try:
                event = self._queue.get(timeout=self._wait_s())
            except queue.Empty:
                sender.flush()
                self._hear_window()
                continue
            if event is None:
                break
            if event is _PICTURE:
                if not self._queue.empty():  # curve events handed over earlier go first
                    self._queue.put(_PICTURE)
                    continue
                with self._lock:
                    event, self._picture = self._picture, None
            if event is not None:
                sender.send(event)
            self._hear_window()
        sender.close(self._grace_s)

    def _hear_window(self) -> None:
        if self._on_request is not None:
            for action in self._sender.requests():
                self._on_request(action)
