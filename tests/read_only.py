"""A folder nothing can be written into, for the "read-only disk" faults.

chmod is enough for an ordinary user; root writes through it, so for root the folder is also
made immutable (``chattr +i``, on file systems that have it). Where neither works the test is
skipped: it could not fail."""

from __future__ import annotations

import contextlib
import subprocess
import tempfile
from pathlib import Path

import pytest


def _writable(folder: Path) -> bool:
    try:
        with tempfile.NamedTemporaryFile(dir=folder):
            return True
    except OSError:
        return False


@contextlib.contextmanager
def read_only(folder: Path):
    """Within the block nothing can be created, renamed or deleted in ``folder``."""
    folder.chmod(0o555)
    immutable = False
    try:
        if _writable(folder):
            immutable = subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode == 0
        if _writable(folder):
            pytest.skip("this user can write into any folder here, read-only or not")
        yield folder
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(folder)], capture_output=True)
        folder.chmod(0o755)
