"""Watching a run on another machine: the window listens on this machine's loopback only, so a
script on a GPU server reaches it through an SSH reverse tunnel, which carries a port on the server
back to the window's port here. ``cnn-visualizer connection`` prints the exact commands, with the
address and key of the window that is open now (from its connection file)."""

from __future__ import annotations

import argparse
import sys

from visualizer.training.stream.connection import ConnectionInfo, find_connection

DEFAULT_REMOTE_PORT = 5599  # the port the script connects to on the server; any free one will do
ADDRESS_VARIABLE = "CNN_VISUALIZER_ADDRESS"
KEY_VARIABLE = "CNN_VISUALIZER_KEY"


def local_port(address: str) -> int | None:
    """The port of a window listening on TCP ("tcp://127.0.0.1:40123" gives 40123), else None."""
    if not address.startswith("tcp://"):
        return None
    port = address.rsplit(":", 1)[-1]
    return int(port) if port.isdigit() else None


def tunnel_command(info: ConnectionInfo, server: str, remote_port: int = DEFAULT_REMOTE_PORT) -> str:
    """The ssh command, run on this machine, that lets scripts on ``server`` reach the window."""
    port = local_port(info.address)
    if port is None:
        raise ValueError(f"The window listens on {info.address}, not on a TCP port: an SSH tunnel needs one.")
    # Both ends on loopback: the server opens the port to its own processes only.
    return f"ssh -N -R 127.0.0.1:{remote_port}:127.0.0.1:{port} {server}"


def script_environment(info: ConnectionInfo, remote_port: int = DEFAULT_REMOTE_PORT) -> dict[str, str]:
    """The environment variables a script on the server needs for LiveView() to find the window."""
    return {ADDRESS_VARIABLE: f"tcp://127.0.0.1:{remote_port}", KEY_VARIABLE: info.key}


def instructions(info: ConnectionInfo, server: str, remote_port: int = DEFAULT_REMOTE_PORT) -> str:
    variables = " ".join(f"{name}={value}" for name, value in script_environment(info, remote_port).items())
    return "\n".join([
        f"The window listens on {info.address} (its connection file: {info.path}).",
        "",
        "1. On this machine, open the tunnel (leave it running):",
        f"   {tunnel_command(info, server, remote_port)}",
        f"2. On {server}, start the training script with the window's address and key:",
        f"   {variables} python your_script.py",
        "   (or pass them in the script: LiveView(address=..., key=...)).",
        "",
        "The key lets only you send to this window: keep it private. A restarted app has a new key.",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="cnn-visualizer connection",
        description="Print how a training script on another machine reaches the window open here (an SSH tunnel).",
    )
    parser.add_argument("server", nargs="?", default="you@gpu-server",
                        help="the machine the script runs on, as ssh names it (default: you@gpu-server)")
    parser.add_argument("--remote-port", type=int, default=DEFAULT_REMOTE_PORT,
                        help=f"the port the script connects to on that machine (default {DEFAULT_REMOTE_PORT})")
    args = parser.parse_args(argv)
    if not 1 <= args.remote_port <= 65535:
        parser.error("--remote-port must be between 1 and 65535")
    info = find_connection()
    if info is None:
        print("cnn-visualizer connection: no window is open on this machine: start the app (cnn-visualizer) first.",
              file=sys.stderr)
        return 1
    try:
        print(instructions(info, args.server, args.remote_port))
    except ValueError as error:
        print(f"cnn-visualizer connection: {error}", file=sys.stderr)
        return 1
    return 0
