"""The stream from a training script to the window: every event survives the wire; whatever is not
a well-formed message signed with the window's key is dropped and counted, in a flood too, with
memory bounded; the connection file is private and goes with its window; a sender with no window
queues nothing beyond its bounds and finds a window that opens later."""

from __future__ import annotations

import json
import math
import os
import stat
import subprocess
import sys
import time
import typing
from pathlib import Path

import numpy as np
import pytest
import zmq

from visualizer.training import events
from visualizer.training.stream import StreamReceiver, StreamSender, connection, decode, encode, find_connection, wire
from visualizer.training.stream.sender import LOOK_AGAIN_S, SEND_HIGH_WATER_MARK, SendingThread

KEY = b"k" * 64


def _snapshot(batch: int = 3, *, end_of_epoch: bool = False, image=None) -> events.ProbeSnapshot:
    rng = np.random.default_rng(batch)
    return events.ProbeSnapshot(
        epoch=1,
        batch=batch,
        probe_index=2,
        image=rng.random((8, 8, 3), dtype=np.float32) if image is None else image,
        label=-1,
        feature_maps=(events.LayerMaps("conv", rng.random((6, 6, 4), dtype=np.float32)),
                      events.LayerMaps("pool", np.zeros((3, 3, 4), np.float16))),
        kernels=(events.LayerKernels("conv", rng.random((3, 3, 3, 4)).astype(np.float64)),),
        probabilities=np.array([0.25, 0.75], np.float32),
        end_of_epoch=end_of_epoch,
    )


def _batch(batch: int) -> events.BatchEnd:
    return events.BatchEnd(epoch=1, batch=batch, steps_per_epoch=1000, loss=1.0 / batch, accuracy=0.5, images_per_second=900.0,
                           elapsed_s=batch / 10)


STARTED = events.RunStarted("jax", "CPU", "", "my_cnn", "conv2d ...", 1234, "the script's own data", 64, 16, 3, 8,
                            ("cat", "dog"), run_name="train.py")
EVERY_EVENT = [
    events.Status("Loading…"),
    STARTED,
    _batch(1),
    events.BatchEnd(1, 2, 8, math.nan, math.inf, 0.0, 0.0),
    events.EpochEnd(1, 0.5, 0.8, 0.6, 0.7, 12.5),
    _snapshot(),
    _snapshot(4, end_of_epoch=True, image=np.arange(64, dtype=np.uint8).reshape(8, 8)),
    events.ProbeSnapshot(0, 0, 0, np.zeros((0, 4), np.int32), 1, (), (), np.array(1.5), False),
    events.ConfusionSample(np.array([4, 9, 17]), np.array([0, 1, 1]), np.arange(3 * 8 * 8, dtype=np.uint8).reshape(3, 8, 8), 40),
    events.EpochConfusion(2, np.array([0, 1, 0], np.uint8)),
    events.AutosaveOff("The disk is full."),
    events.RunFinished(False, 3, 0.1, 0.9, 0.2, 0.85, 30.0, None),
    events.RunFinished(True, 1, 0.1, 0.9, 0.2, 0.85, 30.0, "/tmp/model.keras"),
    events.RunFailed("Out of memory: use smaller batches.", "Traceback ...\n"),
]


def _same(a, b) -> bool:
    if isinstance(a, np.ndarray):
        same_kind = isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape
        return same_kind and np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    if isinstance(a, tuple):
        return isinstance(b, tuple) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if hasattr(a, "__dataclass_fields__"):
        return type(a) is type(b) and all(_same(getattr(a, name), getattr(b, name)) for name in a.__dataclass_fields__)
    return type(a) is type(b) and a == b


def test_every_event_type_is_sampled():
    assert {type(event) for event in EVERY_EVENT} == set(typing.get_args(events.Event))


@pytest.mark.parametrize("event", EVERY_EVENT, ids=lambda event: type(event).__name__)
def test_every_event_survives_the_wire(event):
    message = decode(encode(event, KEY, run_id="run-1", seq=7, lost=2), KEY)
    assert (message.run_id, message.seq, message.lost) == ("run-1", 7, 2)
    assert _same(event, message.event)
    for array in _arrays(message.event):
        assert not array.flags.writeable


def _arrays(value):
    if isinstance(value, np.ndarray):
        yield value
    elif isinstance(value, tuple):
        for item in value:
            yield from _arrays(item)
    elif hasattr(value, "__dataclass_fields__"):
        for name in value.__dataclass_fields__:
            yield from _arrays(getattr(value, name))


def test_what_cannot_be_sent_is_refused_at_the_sender():
    with pytest.raises(TypeError):
        encode(events.LayerMaps("x", np.zeros(2, bool)), KEY, run_id="r", seq=1)
    with pytest.raises(TypeError):
        encode(object(), KEY, run_id="r", seq=1)


# Bad messages, one of each


def _resigned(frames, change_header=None, buffers=None, key=KEY):
    """``frames`` with its header changed by ``change_header`` and/or its buffers replaced, signed
    again with ``key``: what a sender holding the key (a buggy one) might send."""
    header = json.loads(bytes(frames[1]))
    if change_header:
        change_header(header)
    rest = [json.dumps(header).encode(), *(frames[2:] if buffers is None else buffers)]
    return [wire.sign(key, rest), *rest]


def _good(seq: int = 1, event=None):
    return encode(event or _snapshot(), KEY, run_id="run-1", seq=seq)


def _set(path: str, value):
    def change(header):
        target = header
        *parents, last = path.split(".")
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        target[int(last) if isinstance(target, list) else last] = value

    return change


BAD = {
    "random bytes": ([os.urandom(100)], "unsigned"),
    "random frames": ([os.urandom(64), os.urandom(300), os.urandom(30)], "bad_signature"),
    "no signature": (_good()[1:], "unsigned"),
    "wrong key": (_resigned(_good(), key=b"x" * 64), "bad_signature"),
    "truncated buffer": ([*_good()[:-1], bytes(_good()[-1])[:-4]], "bad_signature"),
    "truncated and signed": (_resigned(_good(), buffers=[*_good()[2:-1], bytes(_good()[-1])[:-4]]), "bad_buffers"),
    "absurd shape": (_resigned(_good(), _set("buffers.0.shape", [2**40, 2**40, 2**40])), "too_large"),
    "negative shape": (_resigned(_good(), _set("buffers.0.shape", [-8, -8, 3])), "bad_buffers"),
    "object dtype": (_resigned(_good(), _set("buffers.0.dtype", "object")), "bad_buffers"),
    "pickled dtype": (_resigned(_good(), _set("buffers.0.dtype", "O")), "bad_buffers"),
    "buffer missing": (_resigned(_good(), buffers=_good()[2:-1]), "bad_buffers"),
    "header not JSON": ([wire.sign(KEY, [b"{not json"]), b"{not json"], "malformed"),
    "deep JSON": ([wire.sign(KEY, [b"[" * 100000]), b"[" * 100000], "malformed"),
    "other version": (_resigned(_good(), _set("v", 99)), "malformed"),
    "bad run id": (_resigned(_good(), _set("run", "../../etc")), "malformed"),
    "unknown type": (_resigned(_good(), _set("type", "Popen")), "unknown_type"),
    "nested type alone": (_resigned(_good(), _set("type", "LayerMaps")), "unknown_type"),
    "extra field": (_resigned(_good(), _set("fields.command", "rm")), "malformed"),
    "field of the wrong type": (_resigned(_good(), _set("fields.epoch", "one")), "malformed"),
    "array where a number goes": (_resigned(_good(), _set("fields.label", {"$array": 0})), "malformed"),
    "array index out of range": (_resigned(_good(), _set("fields.image", {"$array": 99})), "malformed"),
    "unknown nested event": (_resigned(_good(), _set("fields.feature_maps.0.$event", "RunFailed")), "malformed"),
}


@pytest.mark.parametrize("name", BAD)
def test_a_bad_message_is_dropped_with_its_reason(name):
    frames, reason = BAD[name]
    with pytest.raises(wire.Dropped) as dropped:
        decode(frames, KEY)
    assert dropped.value.reason == reason


def test_a_message_over_the_size_limit_is_dropped_before_its_signature_is_checked():
    frames = _good()
    with pytest.raises(wire.Dropped) as dropped:
        decode(frames, KEY, max_bytes=wire.message_size(frames) - 1)
    assert dropped.value.reason == "too_large"
    decode(frames, KEY, max_bytes=wire.message_size(frames))


# A real receiver


class RawPush:
    """A plain DEALER socket to ``address`` (the kind a script sends on): what anything on this
    machine may send."""

    def __init__(self, address: str) -> None:
        self.context = zmq.Context()
        self.socket = self.context.socket(zmq.DEALER)
        self.socket.setsockopt(zmq.LINGER, 0)
        self.socket.setsockopt(zmq.SNDHWM, 4)
        self.socket.connect(address)

    def send(self, frames, receiver: StreamReceiver, received: list, deadline: float) -> None:
        """Send without blocking, reading the receiver while its queue is full."""
        while True:
            try:
                self.socket.send_multipart(frames, flags=zmq.NOBLOCK)
                return
            except zmq.Again:
                received.extend(receiver.poll()[0])
                assert time.monotonic() < deadline, "the receiver stopped taking messages"
                time.sleep(0.001)

    def close(self) -> None:
        self.socket.close(linger=0)
        self.context.term()


def _resident_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _fuzz_message(rng: np.random.Generator, good: list, limit: int) -> tuple[list, str]:
    """A bad message and the reason it must be dropped for: the fixed kinds above, random bytes,
    a byte of a good message changed, a good message replayed, or one over the size limit."""
    kind = rng.integers(0, 6)
    if kind == 0:
        frames, reason = list(BAD.values())[rng.integers(0, len(BAD))]
        return frames, reason
    if kind == 1:
        return [rng.bytes(int(rng.integers(1, 200))) for _ in range(rng.integers(1, 5))], "unsigned"
    if kind == 2:
        frames = [bytearray(bytes(frame)) for frame in _good(1)]
        part = int(rng.integers(1, len(frames)))
        frames[part][int(rng.integers(0, len(frames[part])))] ^= 1 + int(rng.integers(0, 255))
        return [bytes(frame) for frame in frames], "bad_signature"
    if kind == 3 and good:
        return good[int(rng.integers(0, len(good)))], "replayed"
    if kind == 4:
        return [b"0" * 64, b"{}", *[b"x" * (limit // 4)] * 5], "too_large"  # over the limit in all, each frame under it
    return [b"0" * 64, b"{}", *[b""] * (wire.MAX_BUFFERS + 1)], "too_large"


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="reads the resident memory from /proc")
def test_a_flood_of_bad_messages_is_counted_and_the_good_ones_between_all_arrive(tmp_path):
    limit = 1024 * 1024
    receiver = StreamReceiver(folder=tmp_path, key=KEY.decode(), max_bytes=limit)
    push = RawPush(receiver.address)
    rng = np.random.default_rng(15)
    received, sent_good, expected = [], [], {}
    deadline = time.monotonic() + 120
    memory = {}
    try:
        for index in range(2400):
            if index in (1200, 2399):  # the first half fills the allocator's pools; the second must not need more
                memory[index] = _resident_bytes()
            if index % 10 == 0:
                frames = encode(_snapshot(index), KEY, run_id="fuzz", seq=len(sent_good) + 1)
                sent_good.append(frames)
            else:
                frames, reason = _fuzz_message(rng, sent_good, limit)
                expected[reason] = expected.get(reason, 0) + 1
            push.send(frames, receiver, received, deadline)
        while sum(receiver.dropped.values()) + len(received) < 2400 and time.monotonic() < deadline:
            received.extend(receiver.poll()[0])
            time.sleep(0.005)
        memory_growth = memory[2399] - memory[1200]
    finally:
        push.close()
        receiver.close()
    assert [message.event.batch for message in received] == [index for index in range(0, 2400, 10)]
    assert dict(receiver.dropped) == expected
    assert sum(expected.values()) == 2160
    # About 120 MB of oversized messages went through in the second half; none of it may be kept.
    assert memory_growth < 40 * 1024 * 1024, memory_growth


def test_the_receiver_is_a_link_that_reads_without_waiting(tmp_path):
    receiver = StreamReceiver(folder=tmp_path)
    try:
        assert receiver.poll() == ([], False)
        assert receiver.send("pause") is False
        assert receiver.is_alive()
        assert "stream" in receiver.died_message()
    finally:
        receiver.close()
    assert not receiver.is_alive()
    assert receiver.poll() == ([], False)


# The connection file


def test_the_connection_file_is_private_and_goes_with_its_window(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    receiver = StreamReceiver()
    path = receiver.connection_file
    try:
        assert path.parent == connection.connection_folder() == tmp_path / "cnn-visualizer"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        content = json.loads(path.read_text())
        assert content["address"] == receiver.address and content["address"].startswith("tcp://127.0.0.1:")
        assert content["key"] == receiver.key and len(receiver.key) == 64
        assert find_connection().address == receiver.address
    finally:
        receiver.close()
    assert not path.exists()
    assert find_connection() is None


def test_a_crashed_windows_file_is_never_chosen_and_the_next_window_removes_it(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / f"stream-{int(dead.stdout)}.json"
    stale.write_text(json.dumps({"address": "tcp://127.0.0.1:9", "key": "aa", "pid": int(dead.stdout)}))
    assert find_connection(tmp_path) is None
    receiver = StreamReceiver(folder=tmp_path)
    try:
        assert not stale.exists()
        assert find_connection(tmp_path).address == receiver.address
    finally:
        receiver.close()


def test_a_unix_socket_works_the_same(tmp_path):
    from visualizer.training.stream import default_ipc_address

    receiver = StreamReceiver(default_ipc_address(tmp_path), folder=tmp_path)
    sender = StreamSender(folder=tmp_path)
    try:
        assert receiver.address.startswith("ipc://")
        sender.send(STARTED)
        messages = _receive_until(receiver, sender, 1)
    finally:
        sender.close()
        receiver.close()
    assert _same(messages[0].event, STARTED)
    assert not Path(receiver.address[len("ipc://") :]).exists()


# The sender


@pytest.fixture
def look_again_soon(monkeypatch):
    """A sender with no window looks for one every 0.2 s rather than every 2 s: the same search,
    sooner."""
    from visualizer.training.stream import sender

    monkeypatch.setattr(sender, "LOOK_AGAIN_S", 0.2)


def _receive_until(receiver: StreamReceiver, sender: StreamSender, count: int, timeout_s: float = 15,
                   done: typing.Callable[[list], bool] = lambda messages: False) -> list:
    """What arrives until ``count`` messages have, ``done(messages)`` holds, or time runs out."""
    messages: list = []
    deadline = time.monotonic() + timeout_s
    while len(messages) < count and not done(messages) and time.monotonic() < deadline:
        sender.flush()
        messages.extend(receiver.poll()[0])
        time.sleep(0.005)
    return messages


def test_a_sender_with_no_window_keeps_only_what_its_bounds_allow(tmp_path):
    sender = StreamSender(folder=tmp_path, max_pending=100)  # no connection file: no window
    try:
        for batch in range(1, 301):
            sender.send(_batch(batch))
            sender.send(_snapshot(batch))
        assert sender.connection is None
        kept = [event.batch for event in sender._pending]
        assert 50 < len(kept) <= 100 and sender.waiting == len(kept) + 1  # and the newest picture
        assert sender.lost == 300 - len(kept) and sender.pictures_replaced == 299
        assert not sender.window_listening
        # The whole run, at even and lower detail: one batch in 4 of the 300.
        assert kept[0] == 1 and kept[-1] > 300 - 4
        assert {b - a for a, b in zip(kept, kept[1:])} == {4}
    finally:
        sender.close()
    assert sender.lost == 300


def test_a_sender_to_an_address_nobody_listens_on_queues_nothing_in_zeromq(tmp_path):
    receiver = StreamReceiver(folder=tmp_path)
    address = receiver.address
    receiver.close()  # the port is free again: nobody listens there
    sender = StreamSender(address=address, key="ab" * 32, max_pending=50)
    try:
        for batch in range(1, 301):
            sender.send(_batch(batch))
            sender.send(_snapshot(batch))
        assert sender.connection.address == address
        assert 25 < sender.waiting <= 51 and sender.lost == 300 - (sender.waiting - 1)
        assert not sender._socket.getsockopt(zmq.EVENTS) & zmq.POLLOUT  # ZeroMQ would take nothing more
    finally:
        sender.close()


def _has_picture_200(messages: list) -> bool:
    """The last message sent in the test below has arrived."""
    return any(isinstance(message.event, events.ProbeSnapshot) and message.event.batch == 200 for message in messages)


def test_a_slow_window_gets_every_curve_event_and_the_newest_picture(tmp_path):
    receiver = StreamReceiver(folder=tmp_path)
    sender = StreamSender(folder=tmp_path)
    try:
        sender.send(STARTED)
        assert _receive_until(receiver, sender, 1)
        for batch in range(1, 201):  # the window reads nothing meanwhile
            sender.send(_batch(batch))
            sender.send(_snapshot(batch))
        messages = _receive_until(receiver, sender, 10_000, timeout_s=15, done=_has_picture_200)
        messages += _receive_until(receiver, sender, 10_000, timeout_s=0.3)  # anything more is wrong
    finally:
        sender.close()
        receiver.close()
    batches = [message.event.batch for message in messages if isinstance(message.event, events.BatchEnd)]
    pictures = [message.event.batch for message in messages if isinstance(message.event, events.ProbeSnapshot)]
    assert batches == list(range(1, 201))
    # How many pictures were replaced depends on how fast ZeroMQ's own threads move them (on a fast
    # machine the receiving queue takes them all); what holds always is that the newest arrives
    # and every picture is either delivered or counted as replaced. Replacing is shown for certain
    # with no window at all (test_a_sender_with_no_window_keeps_only_what_its_bounds_allow).
    assert pictures[-1] == 200 and pictures == sorted(set(pictures))
    assert sender.pictures_replaced == 200 - len(pictures)
    assert [message.seq for message in messages] == list(range(2, len(messages) + 2))
    assert SEND_HIGH_WATER_MARK < 200


def test_a_run_that_began_before_the_window_opened_arrives_from_its_start(tmp_path, look_again_soon):
    sender = StreamSender(folder=tmp_path)
    receiver = None
    try:
        sender.send(STARTED)
        for batch in range(1, 21):
            sender.send(_batch(batch))
        receiver = StreamReceiver(folder=tmp_path)
        messages = _receive_until(receiver, sender, 21)
    finally:
        sender.close()
        if receiver is not None:
            receiver.close()
    assert _same(messages[0].event, STARTED)
    assert [message.event.batch for message in messages[1:]] == list(range(1, 21))


def test_a_restarted_window_is_found_and_told_the_run_first(tmp_path, look_again_soon):
    first = StreamReceiver(folder=tmp_path)
    sender = StreamSender(folder=tmp_path)
    second = None
    try:
        sender.send(STARTED)
        assert len(_receive_until(first, sender, 1)) == 1
        first.close()
        second = StreamReceiver(folder=tmp_path)
        messages: list = []
        deadline = time.monotonic() + 15
        batch = 0
        while len(messages) < 2 and time.monotonic() < deadline:
            # The run goes on sending, as runs do: a batch sent before the sender has noticed that
            # the first window closed goes to it and is lost, and leaves nothing waiting.
            batch += 1
            sender.send(_batch(batch))
            messages += _receive_until(second, sender, 2 - len(messages), timeout_s=0.25)
    finally:
        sender.close()
        if second is not None:
            second.close()
    assert [type(message.event) for message in messages[:2]] == [events.RunStarted, events.BatchEnd]


def test_the_sending_thread_delivers_in_order_and_offers_again_while_the_run_is_quiet(tmp_path):
    receiver = StreamReceiver(folder=tmp_path)
    sender = SendingThread(address=receiver.address, key=receiver.key)
    messages: list = []
    try:
        sender.send(STARTED)
        for batch in range(1, 101):  # far faster than the window reads: nothing is read meanwhile
            sender.send(_batch(batch))
            sender.send(_snapshot(batch))
        deadline = time.monotonic() + 15  # the run sends nothing more: the thread offers the rest
        while time.monotonic() < deadline and not all(
            any(isinstance(m.event, kind) and m.event.batch == 100 for m in messages)
            for kind in (events.BatchEnd, events.ProbeSnapshot)
        ):
            messages.extend(receiver.poll()[0])
            time.sleep(0.01)
    finally:
        sender.close()
        receiver.close()
    assert _same(messages[0].event, STARTED)
    batches = [m.event.batch for m in messages if isinstance(m.event, events.BatchEnd)]
    pictures = [m.event.batch for m in messages if isinstance(m.event, events.ProbeSnapshot)]
    assert batches == list(range(1, 101)), "every curve event, in order"
    assert pictures[-1] == 100 and pictures == sorted(set(pictures)), "the newest picture, never an older one after it"
    assert len(pictures) + sender.pictures_replaced == 100
    assert sender.lost == 0


def _heard_by_the_sending_thread(heard: list, wanted: list, timeout_s: float = 10) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and heard != wanted:
        time.sleep(0.01)
    assert heard == wanted


def test_the_window_asks_a_run_to_pause_resume_and_stop_over_the_connection_it_sends_on(tmp_path):
    receiver = StreamReceiver(folder=tmp_path)
    heard: list[str] = []
    sender = SendingThread(address=receiver.address, key=receiver.key, on_request=heard.append)
    try:
        assert not receiver.tell(sender.run_id, "pause"), "a run not heard from yet cannot be reached"
        sender.send(STARTED)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not receiver.poll()[0]:
            time.sleep(0.01)
        for action in ("pause", "resume", "stop"):
            assert receiver.tell(sender.run_id, action)
        _heard_by_the_sending_thread(heard, ["pause", "resume", "stop"])  # heard while the run sends nothing
        with pytest.raises(ValueError, match="unknown request"):
            receiver.tell(sender.run_id, "explode")
    finally:
        sender.close()
        receiver.close()


def test_only_a_fresh_request_for_this_run_signed_with_the_windows_key_is_heard(tmp_path):
    """A fake window (a bare ROUTER socket) answers the script's connection with garbage, a request
    signed with another key, one for another run, a replay, and one good request."""
    context = zmq.Context()
    window = context.socket(zmq.ROUTER)
    window.setsockopt(zmq.LINGER, 0)
    address = window.bind_to_random_port("tcp://127.0.0.1")
    heard: list[str] = []
    sender = SendingThread(address=f"tcp://127.0.0.1:{address}", key=KEY.decode(), on_request=heard.append)
    try:
        sender.send(STARTED)
        assert window.poll(10_000), "the script connects and sends"
        peer = window.recv_multipart()[0]

        def request(action: str, *, key: bytes = KEY, run_id: str = sender.run_id, seq: int) -> list:
            return encode(events.WindowRequest(action), key, run_id=run_id, seq=seq)

        for frames in ([b"garbage"], [b"x" * 64, b"{}"], request("stop", key=b"another key", seq=1),
                       request("stop", run_id="another-run", seq=2), request("pause", seq=3),
                       request("stop", seq=3), [b"0" * 5000]):
            window.send_multipart([peer, *frames])
        _heard_by_the_sending_thread(heard, ["pause"])
        time.sleep(0.6)  # two more chances to hear anything else
        assert heard == ["pause"], "only the signed, fresh request for this run"
    finally:
        sender.close(grace_s=0)
        window.close(linger=0)
        context.term()


def test_the_sending_thread_sleeps_while_nothing_waits(tmp_path):
    """A thread that woke the training process for nothing would slow it (on 2 cores each wake-up
    can stall TensorFlow's threads): with nothing waiting it sleeps until the next event."""
    receiver = StreamReceiver(folder=tmp_path)
    sender = SendingThread(address=receiver.address, key=receiver.key)
    try:
        sender.send(STARTED)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not receiver.poll()[0]:
            time.sleep(0.01)
        time.sleep(0.2)
        assert sender._wait_s() is None
    finally:
        sender.close()
        receiver.close()
    lonely = SendingThread(folder=tmp_path / "nobody")  # no window: looked for every LOOK_AGAIN_S
    try:
        lonely.send(STARTED)
        time.sleep(0.1)
        assert lonely._wait_s() == LOOK_AGAIN_S
    finally:
        lonely.close(grace_s=0)
