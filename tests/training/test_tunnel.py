"""A run on another machine reaches the window through an SSH reverse tunnel: the command that
`cnn-visualizer connection` prints, run by the system's ssh client (or asyncssh's where there is
none) against an SSH server on this machine's loopback, and a real LiveView run that finds the
window through the environment variables it prints."""

from __future__ import annotations

import asyncio
import shlex
import shutil
import socket
import subprocess
import threading
import time
import warnings

import numpy as np
import pytest

from visualizer.training.events import BatchEnd, EpochEnd, ProbeSnapshot, RunFinished, RunStarted
from visualizer.training.stream import StreamReceiver
from visualizer.training.stream.connection import ConnectionInfo
from visualizer.training.stream.remote import instructions, script_environment, tunnel_command

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # asyncssh imports DSA support, which cryptography deprecates
    import asyncssh

pytestmark = pytest.mark.slow
USER = "student"


class _LoopbackOnly(asyncssh.SSHServer):
    """An SSH server that lets a client forward ports on loopback only, as the README asks."""

    def server_requested(self, listen_host, listen_port):
        return listen_host == "127.0.0.1"


class SSHServer:
    """An asyncssh server on 127.0.0.1 (a free port), accepting one client key, on a thread of its own."""

    def __init__(self, client_public_key) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()
        self._server = self.run(asyncssh.create_server(
            _LoopbackOnly, "127.0.0.1", 0,
            server_host_keys=[asyncssh.generate_private_key("ssh-ed25519")],
            authorized_client_keys=asyncssh.import_authorized_keys(client_public_key.export_public_key().decode()),
        ))
        self.port = self._server.sockets[0].getsockname()[1]

    def run(self, awaitable, timeout_s: float = 30):
        """Await ``awaitable`` on the server's loop and return its result."""

        async def wait():
            return await awaitable

        return asyncio.run_coroutine_threadsafe(wait(), self.loop).result(timeout_s)

    def close(self) -> None:
        self._server.close()
        self.run(self._server.wait_closed())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_port(port: int, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with socket.socket() as attempt:
            if attempt.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"the tunnel's port {port} never opened")


@pytest.fixture
def tunnel(tmp_path):
    """(window, the server side's port): a receiver here, reached from a forwarded port, through
    the ssh command the app prints."""
    client_key = asyncssh.generate_private_key("ssh-ed25519")
    key_file = tmp_path / "id_ed25519"
    client_key.write_private_key(str(key_file))
    key_file.chmod(0o600)
    server = SSHServer(client_key)
    window = client = forward = None
    try:
        window = StreamReceiver(folder=tmp_path)
        remote_port = _free_port()
        info = ConnectionInfo(address=window.address, key=window.key)
        command = shlex.split(tunnel_command(info, f"{USER}@127.0.0.1", remote_port))
        if shutil.which("ssh"):
            options = ["-p", str(server.port), "-i", str(key_file), "-F", "/dev/null", "-o", "BatchMode=yes",
                       "-o", "IdentitiesOnly=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                       "-o", "ExitOnForwardFailure=yes", "-o", "LogLevel=ERROR"]
            client = subprocess.Popen([command[0], *options, *command[1:]], stderr=subprocess.PIPE, text=True)
        else:  # no ssh client on this machine: the same forward, asked for by asyncssh's client
            forward = server.run(asyncssh.connect("127.0.0.1", server.port, username=USER, client_keys=[client_key],
                                                  known_hosts=None))
            server.run(forward.forward_remote_port("127.0.0.1", remote_port, "127.0.0.1", int(window.address.rsplit(":", 1)[1])))
        _wait_for_port(remote_port)
        yield window, remote_port
    finally:
        if client is not None:
            client.terminate()
            client.communicate(timeout=10)
        if forward is not None:
            forward.close()
        if window is not None:
            window.close()
        server.close()


def test_the_printed_commands_name_the_window_and_keep_both_ends_on_loopback():
    info = ConnectionInfo(address="tcp://127.0.0.1:40123", key="abc123")
    assert tunnel_command(info, "me@gpu", 5599) == "ssh -N -R 127.0.0.1:5599:127.0.0.1:40123 me@gpu"
    assert script_environment(info, 5599) == {"CNN_VISUALIZER_ADDRESS": "tcp://127.0.0.1:5599", "CNN_VISUALIZER_KEY": "abc123"}
    text = instructions(info, "me@gpu", 5599)
    assert "ssh -N -R 127.0.0.1:5599:127.0.0.1:40123 me@gpu" in text
    assert "CNN_VISUALIZER_ADDRESS=tcp://127.0.0.1:5599 CNN_VISUALIZER_KEY=abc123 python" in text
    with pytest.raises(ValueError, match="TCP port"):
        tunnel_command(ConnectionInfo(address="ipc:///tmp/x.sock", key="k"), "me@gpu")


def test_a_liveview_run_reaches_the_window_through_the_tunnel(tunnel, monkeypatch):
    import keras

    from visualizer.live import LiveView

    window, remote_port = tunnel
    for name, value in script_environment(ConnectionInfo(window.address, window.key), remote_port).items():
        monkeypatch.setenv(name, value)
    rng = np.random.default_rng(4)
    x, y = rng.random((40, 10, 10, 1), dtype=np.float32), rng.integers(0, 3, 40)
    model = keras.Sequential([keras.Input((10, 10, 1)), keras.layers.Conv2D(2, 3, activation="relu"),
                              keras.layers.Flatten(), keras.layers.Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    messages = []
    done = threading.Event()

    def collect() -> None:  # the window reads while the script trains
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not (done.is_set() and any(isinstance(m.event, RunFinished) for m in messages)):
            messages.extend(window.poll()[0])
            time.sleep(0.02)

    reader = threading.Thread(target=collect, daemon=True)
    reader.start()
    callback = LiveView(name="on the server", max_rate_hz=1000)
    model.fit(x, y, batch_size=8, epochs=1, validation_data=(x[:8], y[:8]), verbose=0, callbacks=[callback])
    done.set()
    reader.join(130)
    kinds = [type(message.event) for message in messages]
    assert kinds[0] is RunStarted and kinds[-1] is RunFinished, kinds
    assert messages[0].event.run_name == "on the server"
    assert BatchEnd in kinds and EpochEnd in kinds and ProbeSnapshot in kinds
    assert window.dropped == {}  # every message arrived signed with the window's key
