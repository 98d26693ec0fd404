"""A folder on a file system that is full, for the "full disk" faults.

A small tmpfs is mounted and filled until the kernel refuses another byte, so writes fail with a
real ENOSPC, as on a full laptop disk. Mounting needs root (or a user namespace); where it is
refused the test is skipped: it could not fail."""

from __future__ import annotations

import contextlib
import errno
import subprocess
from pathlib import Path

import pytest

DISK_SIZE = "1m"


@contextlib.contextmanager
def full_disk(folder: Path, files: dict[str, bytes] | None = None):
    """Mount a small empty disk on ``folder``, write ``files`` into it, then fill what is left.
    Within the block nothing more fits on it."""
    folder.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK_SIZE}", "tmpfs", str(folder)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small disk here: {mounted.stderr.decode(errors='replace').strip()}")
    try:
        for name, data in (files or {}).items():
            (folder / name).write_bytes(data)
        _fill(folder / ".filler")
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def _fill(path: Path) -> None:
    block = b"\0" * 4096
    with open(path, "wb", buffering=0) as handle:
        while True:
            try:
                handle.write(block)
            except OSError as error:
                if error.errno != errno.ENOSPC:
                    raise
                break
    while True:  # the last partial block, byte by byte
        try:
            with open(path, "ab", buffering=0) as handle:
                handle.write(b"\0")
        except OSError as error:
            if error.errno != errno.ENOSPC:
                raise
            return
