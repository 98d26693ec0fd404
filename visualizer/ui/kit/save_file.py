"""Saving to a file the user picks: ask for the path, write it atomically, say how it went.

The one flow for the pages' Save and Export buttons. The writing goes through
`visualizer.fileio.replace_atomically`, so a failed write leaves no partial file under the chosen
name; the outcome is reported through ``report(kind, text, details=...)``, the signature of
`Banner.show_message`, so a page passes its banner's.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from pathlib import Path

from PyQt6.QtWidgets import QFileDialog, QWidget

from visualizer.fileio import WriteError, replace_atomically

log = logging.getLogger(__name__)

Report = Callable[..., None]  # report(kind, text, details="") as Banner.show_message takes it


def ask_save_path(parent: QWidget | None, title: str, name: str, file_filter: str, suffix: str = "") -> str | None:
    """The path the user chose in a save dialog starting at ``name``, with ``suffix`` added when
    missing; None when they cancel."""
    path, _ = QFileDialog.getSaveFileName(parent, title, name, file_filter)
    if not path:
        return None
    if suffix and not path.lower().endswith(suffix.lower()):
        path += suffix
    return path


def save_to_file(report: Report, what: str, path: str, write: Callable[[Path], object], *, announce: bool = True) -> bool:
    """``write(temporary)``, then the temporary file becomes ``path``; True when it did.

    A failure is reported as an error naming ``what`` and the path, with the traceback as details;
    success is reported as news when ``announce``.
    """
    try:
        replace_atomically(path, write)
    except OSError as error:  # WriteError included
        log.exception("could not save %s to %s", what, path)
        if isinstance(error, WriteError):  # it names the path and the problem itself
            reason = f"Could not save {what}: {str(error).rstrip('.')}."
        else:
            reason = f"Could not save {what} to {path}: {error.strerror or error}."
        report("error", f"{reason} Choose another folder and try again.", details=traceback.format_exc())
        return False
    if announce:
        report("info", f"Saved {what} to {path}.")
    return True


def save_to_chosen_file(
    parent: QWidget | None,
    report: Report,
    *,
    title: str,
    name: str,
    file_filter: str,
    what: str,
    write: Callable[[Path], object],
    suffix: str = "",
    announce: bool = True,
) -> str | None:
    """Ask for a path, then `save_to_file`; the path saved to, or None when cancelled or failed."""
    path = ask_save_path(parent, title, name, file_filter, suffix)
    if path is None:
        return None
    return path if save_to_file(report, what, path, write, announce=announce) else None
