"""Writing the page's outputs without ever leaving a half-written file at the chosen path."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


def replace_atomically(destination: Path, write) -> None:
    """Call ``write(temporary_path)`` for a file beside ``destination``, then rename it into place.

    The temporary file lives in the destination's folder so the final os.replace is a rename on
    one file system, which is atomic: readers see the old file or the new one, never a mix.
    """
    destination = Path(destination)
    handle, temporary = tempfile.mkstemp(
        prefix=f".{destination.name}.", suffix=".part", dir=destination.parent
    )
    os.close(handle)
    try:
        write(Path(temporary))
        os.chmod(temporary, 0o644)  # mkstemp makes it private; a saved file should be ordinary
        os.replace(temporary, destination)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def copy_atomically(source: str | os.PathLike[str], destination: str | os.PathLike[str]) -> None:
    """Copy a file (the trained model) to ``destination``, replacing it in one step."""
    replace_atomically(Path(destination), lambda temporary: shutil.copyfile(source, temporary))


def write_text_atomically(destination: str | os.PathLike[str], text: str) -> None:
    replace_atomically(
        Path(destination), lambda temporary: temporary.write_text(text, encoding="utf-8")
    )


def save_png_atomically(widget, destination: str | os.PathLike[str]) -> None:
    """Save what ``widget`` shows now as a PNG file."""
    pixmap = widget.grab()

    def write(temporary: Path) -> None:
        if not pixmap.save(str(temporary), "PNG"):
            raise OSError(f"could not encode the image as PNG for {destination}")

    replace_atomically(Path(destination), write)
