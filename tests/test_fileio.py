"""The one atomic writer: a file is the old one or the complete new one, with ordinary permissions."""

import errno
import os
import stat

import pytest

from tests.full_disk import full_disk
from visualizer import fileio


def test_copy_atomically_replaces_the_file_and_leaves_nothing_behind(tmp_path):
    source = tmp_path / "trained.keras"
    source.write_bytes(b"new model")
    destination_dir = tmp_path / "out"
    destination_dir.mkdir()
    destination = destination_dir / "model.keras"
    destination.write_bytes(b"old model")
    fileio.copy_atomically(source, destination)
    assert destination.read_bytes() == b"new model"
    assert os.listdir(destination_dir) == ["model.keras"]


def test_a_failed_copy_keeps_the_old_file_and_removes_the_temporary(tmp_path, monkeypatch):
    source = tmp_path / "trained.keras"
    source.write_bytes(b"new model")
    destination = tmp_path / "out" / "model.keras"
    destination.parent.mkdir()
    destination.write_bytes(b"old model")

    def fail(*_args):
        raise OSError("disk full")

    monkeypatch.setattr(fileio.os, "replace", fail)
    with pytest.raises(OSError):
        fileio.copy_atomically(source, destination)
    assert destination.read_bytes() == b"old model"
    assert os.listdir(destination.parent) == ["model.keras"]


def test_a_missing_folder_is_named_in_the_error(tmp_path):
    with pytest.raises(fileio.WriteError, match="does not exist"):
        fileio.write_text_atomically(tmp_path / "missing" / "curves.csv", "x")


def test_written_files_get_the_umask_mode_not_mkstemps_private_one(tmp_path):
    old = os.umask(0o022)
    try:
        path = fileio.write_text_atomically(tmp_path / "curves.csv", "a,b\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert path.read_text() == "a,b\n"


def test_the_temporary_name_keeps_the_suffix(tmp_path):
    seen = []
    fileio.replace_atomically(tmp_path / "model.keras", lambda temporary: (seen.append(temporary), temporary.write_bytes(b"m")))
    assert seen[0].suffix == ".keras" and seen[0].parent == tmp_path
    assert os.listdir(tmp_path) == ["model.keras"]


def test_a_full_disk_fails_the_copy_and_keeps_the_old_file(tmp_path):
    source = tmp_path / "trained.keras"
    source.write_bytes(b"new model " * 50_000)
    disk = tmp_path / "disk"
    with full_disk(disk, {"model.keras": b"old model"}):
        with pytest.raises(OSError) as raised:
            fileio.copy_atomically(source, disk / "model.keras")
        assert raised.value.errno == errno.ENOSPC or isinstance(raised.value, fileio.WriteError)
        assert (disk / "model.keras").read_bytes() == b"old model"
        assert sorted(os.listdir(disk)) == [".filler", "model.keras"]
