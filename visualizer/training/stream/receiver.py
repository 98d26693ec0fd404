"""The window's end of the stream: a ZeroMQ ROUTER socket on this machine, read without waiting.
It also carries the window's requests back to a script's run (``tell``: pause, resume, stop),
over the connection the script opened, so a run through an SSH tunnel is steered the same way.

It implements the Link protocol of childprocess.py, so the training page polls it as it polls
its own training process; its messages are StreamMessage envelopes (run id, sequence number, the
event), since several scripts may be sending at once. Whatever arrives that is not a well-formed
message signed with this window's key is dropped and counted in ``dropped`` by reason.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import zmq

from visualizer.childprocess import died_message
from visualizer.training.events import WINDOW_ACTIONS, RunFailed, RunFinished, WindowRequest
from visualizer.training.stream.connection import connection_folder, remove_stale_files, write_connection_file
from visualizer.training.stream.wire import MAX_BUFFERS, MAX_MESSAGE_BYTES, Dropped, StreamMessage, decode, encode, new_key

RECEIVE_HIGH_WATER_MARK = 32  # messages ZeroMQ holds per connected script while the window is busy
POLL_BUDGET = 1000  # messages read (good or bad) per poll() at most, so a flood cannot hold the window
MAX_RUNS = 64  # runs remembered; the one heard from least recently is forgotten first


@dataclass
class RunState:
    """What the receiver knows of one connected run, beyond its events."""

    run_id: str
    first_seen: float  # time.monotonic()
    last_seen: float
    last_seq: int = 0
    received: int = 0
    lost: int = 0  # curve events the script had to give up, as it last said
    ended: bool = False  # its RunFinished or RunFailed has arrived
    peer: bytes = b""  # ZeroMQ's name for the connection it sends on: where requests to it go


class StreamReceiver:
    """Listens on ``address`` (a ZeroMQ endpoint to bind; by default a free port on 127.0.0.1,
    or give "ipc:///path.sock" for a Unix socket) and, unless ``write_file`` is False, writes the
    connection file that scripts on this machine find it by, in ``folder`` (the user's runtime
    folder by default). ``key`` is a new random one unless given (a window at the far end of an
    SSH tunnel, told the key of the script's side)."""

    role = "stream of training events"

    def __init__(
        self,
        address: str | None = None,
        *,
        key: str | None = None,
        folder: Path | None = None,
        write_file: bool = True,
        max_bytes: int = MAX_MESSAGE_BYTES,
    ) -> None:
        self.key = key or new_key()
        self._key = self.key.encode("ascii")
        self._max_bytes = max_bytes
        self.dropped: Counter = Counter()
        self.runs: dict[str, RunState] = {}
        self.closed = False
        self.connection_file: Path | None = None
        self.address = ""
        self._context = zmq.Context()
        self._socket = self._context.socket(zmq.ROUTER)
        self._requests_sent = 0
        try:
            self._socket.setsockopt(zmq.LINGER, 0)
            self._socket.setsockopt(zmq.RCVHWM, RECEIVE_HIGH_WATER_MARK)
            # ZeroMQ cuts off a script that sends a frame far over the limit before it is all in
            # memory; one a little over it arrives and is counted as too large here.
            self._socket.setsockopt(zmq.MAXMSGSIZE, 2 * max_bytes)
            if address is None:
                self._socket.bind_to_random_port("tcp://127.0.0.1")
            else:
                self._socket.bind(address)
            self.address = self._socket.getsockopt_string(zmq.LAST_ENDPOINT)
            if write_file:
                folder = connection_folder() if folder is None else folder
                remove_stale_files(folder)
                self.connection_file = write_connection_file(self.address, self.key, folder)
        except BaseException:
            self._hang_up()
            raise

    def send(self, message) -> bool:
        """Events come from the scripts; what goes back is a request to one run: see tell()."""
        return False

    def tell(self, run_id: str, action: str) -> bool:
        """Ask ``run_id``'s run to "pause", "resume" or "stop" (signed as the scripts sign their
        events); False when the run is not connected or has ended. Never waits."""
        if action not in WINDOW_ACTIONS:
            raise ValueError(f"unknown request {action!r}")
        run = self.runs.get(run_id)
        if self.closed or run is None or run.ended or not run.peer:
            return False
        self._requests_sent += 1
        frames = encode(WindowRequest(action), self._key, run_id=run_id, seq=self._requests_sent)
        try:
            self._socket.send_multipart([run.peer, *frames], flags=zmq.NOBLOCK)
        except zmq.ZMQError:
            return False
        return True

    def poll(self, max_messages: int | None = None) -> tuple[list, bool]:
        messages: list[StreamMessage] = []
        if self.closed:
            return messages, False
        limit = POLL_BUDGET if max_messages is None else min(max_messages, POLL_BUDGET)
        for _ in range(limit):
            try:
                received = self._receive()
                if received is None:
                    break
                peer, frames = received
                messages.append(self._accept(decode(frames, self._key, max_bytes=self._max_bytes), peer))
            except Dropped as dropped:
                self.dropped[dropped.reason] += 1
            except zmq.ZMQError:
                self.close()
                return messages, True
        return messages, False

    def _receive(self) -> tuple[bytes, list] | None:
        """(the sender's connection, the frames of its next message), or None when none is waiting.
        A message with more frames or bytes than a message may have is read to its end (ZeroMQ
        has it whole) and refused."""
        try:
            peer = self._socket.recv(zmq.NOBLOCK)  # a ROUTER puts the connection's name first
        except zmq.Again:
            return None
        frames: list = []
        size = 0
        too_large = False
        while self._socket.getsockopt(zmq.RCVMORE):
            frame = self._socket.recv(zmq.NOBLOCK, copy=False)
            size += len(frame)
            too_large = too_large or len(frames) > MAX_BUFFERS + 1 or size > self._max_bytes
            if not too_large:
                frames.append(frame)
        if too_large:
            raise Dropped("too_large")
        return peer, frames

    def _accept(self, message: StreamMessage, peer: bytes) -> StreamMessage:
        if isinstance(message.event, WindowRequest):
            raise Dropped("unknown_type", "a request, which only the window sends")
        now = time.monotonic()
        run = self.runs.get(message.run_id)
        if run is None:
            if len(self.runs) >= MAX_RUNS:
                del self.runs[min(self.runs.values(), key=lambda state: state.last_seen).run_id]
            run = self.runs[message.run_id] = RunState(message.run_id, first_seen=now, last_seen=now)
        elif message.seq <= run.last_seq:
            raise Dropped("replayed")
        run.last_seq = message.seq
        run.last_seen = now
        run.peer = peer
        run.received += 1
        run.lost = message.lost
        run.ended = run.ended or isinstance(message.event, (RunFinished, RunFailed))
        return message

    def wait(self, timeout_ms: int) -> bool:
        """Wait up to ``timeout_ms`` for a message to arrive; whether one is waiting."""
        if self.closed:
            return False
        return bool(self._socket.poll(timeout_ms, zmq.POLLIN))

    def died_message(self) -> str:
        return died_message(self.role, "Close the training page and open it again to listen for scripts anew.")

    def is_alive(self) -> bool:
        return not self.closed

    def close(self) -> None:
        """Stop listening and remove the connection file, so no script finds this window again."""
        if self.closed:
            return
        self.closed = True
        self._hang_up()

    def _hang_up(self) -> None:
        if self.connection_file is not None:
            self.connection_file.unlink(missing_ok=True)
        self._socket.close(linger=0)
        self._context.term()
        if self.address.startswith("ipc://"):
            Path(self.address[len("ipc://") :]).unlink(missing_ok=True)


def default_ipc_address(folder: Path | None = None) -> str:
    """A Unix-socket endpoint for this process in the user's private runtime folder."""
    folder = connection_folder() if folder is None else folder
    return f"ipc://{folder / f'stream-{os.getpid()}.sock'}"
