"""The connection file: how a training script finds the window and proves it is the user's own.

As in Jupyter, the receiving app writes a JSON file with its address and a random key into the
user's runtime folder, readable by the user alone (0600, in a 0700 folder); a sender on the same
machine reads it, and only someone who can read it can sign messages the app accepts. Each app
writes its own file (``stream-<pid>.json``), so two copies of the app never share one; a sender
picks the newest file whose app is still running, so a file left behind by a crashed app is never
chosen (and the next app to start removes it).
"""

from __future__ import annotations

import getpass
import json
import os
import sys
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

from visualizer.fileio import write_text_atomically

APP_NAME = "cnn-visualizer"
FILE_PREFIX = "stream-"
PRIVATE = 0o600


@dataclass(frozen=True)
class ConnectionInfo:
    address: str  # a ZeroMQ endpoint: "tcp://127.0.0.1:PORT" or "ipc:///run/user/1000/cnn-visualizer/stream-PID.sock"
    key: str  # hex; the HMAC-SHA256 key
    pid: int | None = None  # the receiving app's process, when read from its file
    path: Path | None = None


def connection_folder() -> Path:
    """The user's runtime folder for the app (made private), or a private folder in the temporary
    directory where there is none (no XDG_RUNTIME_DIR, as under some SSH sessions and containers)."""
    try:
        import platformdirs

        with warnings.catch_warnings():  # platformdirs warns when it falls back to /tmp itself
            warnings.simplefilter("ignore")
            folder = Path(platformdirs.user_runtime_dir(APP_NAME))
        return _private_folder(folder)
    except (ImportError, OSError):
        uid = os.getuid() if hasattr(os, "getuid") else getpass.getuser()
        return _private_folder(Path(tempfile.gettempdir()) / f"{APP_NAME}-{uid}")


def _private_folder(folder: Path) -> Path:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if hasattr(os, "getuid") and folder.stat().st_uid != os.getuid():
        raise OSError(f"{folder} belongs to another user")
    return folder


def write_connection_file(address: str, key: str, folder: Path | None = None) -> Path:
    """Write this process's connection file (atomically, 0600) and return its path."""
    folder = connection_folder() if folder is None else folder
    content = {"address": address, "key": key, "signature_scheme": "hmac-sha256", "pid": os.getpid()}
    return write_text_atomically(folder / f"{FILE_PREFIX}{os.getpid()}.json", json.dumps(content, indent=1), mode=PRIVATE)


def read_connection_file(path: str | os.PathLike[str]) -> ConnectionInfo:
    """The address and key in ``path``; ValueError when it is not a connection file."""
    path = Path(path)
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
        address, key = content["address"], content["key"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ValueError(f"{path} is not a connection file of the app ({error})") from None
    pid = content.get("pid")
    if not (isinstance(address, str) and isinstance(key, str) and key):
        raise ValueError(f"{path} is not a connection file of the app")
    return ConnectionInfo(address=address, key=key, pid=pid if isinstance(pid, int) else None, path=path)


def find_connection(folder: Path | None = None) -> ConnectionInfo | None:
    """The newest connection file of a running app, or None when no app is listening."""
    try:
        folder = connection_folder() if folder is None else folder
        paths = sorted(folder.glob(f"{FILE_PREFIX}*.json"), key=_modified, reverse=True)
    except OSError:
        return None
    for path in paths:
        try:
            info = read_connection_file(path)
        except ValueError:
            continue
        if info.pid is None or process_running(info.pid):
            return info
    return None


def remove_stale_files(folder: Path) -> None:
    """Remove the connection files (and Unix sockets) of apps that are no longer running."""
    for path in folder.glob(f"{FILE_PREFIX}*"):
        pid = path.name[len(FILE_PREFIX) :].split(".", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not process_running(int(pid)):
            path.unlink(missing_ok=True)


def process_running(pid: int) -> bool:
    if sys.platform == "win32":
        return True  # os.kill(pid, 0) would end the process there; Windows apps remove their file on close
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: running
    return True


def _modified(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
