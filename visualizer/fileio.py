"""Writing files without ever leaving a half-written one at the chosen path.

Every file the app writes (models, PNG and GIF exports, CSV tables) goes through
`replace_atomically`: the data is written to a temporary file in the destination's folder, then
renamed onto the destination. A rename on one file system is atomic, so a reader (or the next
start after a crash) sees the old file or the complete new one, never a mix. Qt-free, so the
training process and the command line use it too.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path


class WriteError(OSError):
    """The file could not be written; the message names it and says why, in words."""


def _default_mode() -> int:
    """rw-r--r-- as the user's umask allows: what an ordinary new file would get."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def replace_atomically(destination: str | os.PathLike[str], write: Callable[[Path], None], *, mode: int | None = None) -> Path:
    """Call ``write(temporary_path)``, then rename the temporary file onto ``destination``.

    ``mode`` is the file's permissions (0o600 for a secret only the user may read); by default
    those of an ordinary new file. The temporary file is private from its creation, so a secret
    is never readable by others, not even for a moment.

    Raises WriteError when the folder is missing or not writable; any error from ``write`` passes
    through. Either way the temporary file is gone and ``destination`` is as it was.
    """
    destination = Path(destination)
    folder = destination.parent
    if not folder.is_dir():
        raise WriteError(f"Cannot write {destination}: the folder {folder} does not exist.")
    try:
        # The temporary name keeps the destination's suffix: Keras refuses to save a model to a
        # file whose name does not end in .keras.
        handle, temporary = tempfile.mkstemp(
            prefix=f".{destination.stem}.", suffix=f".part{destination.suffix}", dir=folder
        )
    except OSError as error:
        raise WriteError(f"Cannot write {destination}: {error.strerror or error}.") from None
    os.close(handle)
    temporary = Path(temporary)
    try:
        write(temporary)
        os.chmod(temporary, _default_mode() if mode is None else mode)  # mkstemp makes the file private
        os.replace(temporary, destination)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return destination


def copy_atomically(source: str | os.PathLike[str], destination: str | os.PathLike[str]) -> Path:
    """Copy a file (a trained model) to ``destination``, replacing it in one step."""
    return replace_atomically(destination, lambda temporary: shutil.copyfile(source, temporary))


def write_text_atomically(destination: str | os.PathLike[str], text: str, *, mode: int | None = None) -> Path:
    return replace_atomically(destination, lambda temporary: temporary.write_text(text, encoding="utf-8"), mode=mode)
