"""The one "save to a file the user picks" flow: ask, write atomically, say how it went in a banner."""

from pathlib import Path

import pytest
from PyQt6.QtWidgets import QFileDialog

from visualizer.ui.kit.banner import Banner
from visualizer.ui.kit.save_file import save_to_chosen_file


@pytest.fixture
def banner(qtbot):
    banner = Banner()
    qtbot.addWidget(banner)
    return banner


def _answer(monkeypatch, path) -> None:
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(path), ""))


def test_a_failing_write_shows_the_error_in_the_banner_and_leaves_no_partial_file(banner, tmp_path, monkeypatch):
    _answer(monkeypatch, tmp_path / "table")

    def write_half_then_fail(temporary: Path) -> None:
        temporary.write_text("half a ta")
        raise OSError(28, "No space left on device")

    saved = save_to_chosen_file(None, banner.show_message, title="Save", name="table.csv", file_filter="CSV (*.csv)",
                                what="the table", write=write_half_then_fail, suffix=".csv")
    assert saved is None
    assert banner.kind == "error" and "No space left on device" in banner.message.text()
    assert "the table" in banner.message.text() and str(tmp_path / "table.csv") in banner.message.text()
    assert list(tmp_path.iterdir()) == []  # neither the chosen file nor the temporary one


def test_a_missing_folder_is_explained_in_the_banner(banner, tmp_path, monkeypatch):
    _answer(monkeypatch, tmp_path / "gone" / "table.csv")
    assert save_to_chosen_file(None, banner.show_message, title="Save", name="t.csv", file_filter="CSV (*.csv)",
                               what="the table", write=lambda temporary: temporary.write_text("x")) is None
    assert banner.kind == "error" and "does not exist" in banner.message.text()


def test_a_write_replaces_the_file_in_one_step_and_says_so(banner, tmp_path, monkeypatch):
    target = tmp_path / "table.csv"
    target.write_text("old")
    _answer(monkeypatch, target)
    saved = save_to_chosen_file(None, banner.show_message, title="Save", name="t.csv", file_filter="CSV (*.csv)",
                                what="the table", write=lambda temporary: temporary.write_text("a,b\n"), suffix=".csv")
    assert saved == str(target) and target.read_text() == "a,b\n"
    assert banner.kind == "info" and f"Saved the table to {target}" in banner.message.text()
    assert [path.name for path in tmp_path.iterdir()] == ["table.csv"]


def test_cancelling_writes_nothing_and_says_nothing(banner, tmp_path, monkeypatch):
    _answer(monkeypatch, "")
    written = []
    assert save_to_chosen_file(None, banner.show_message, title="Save", name="t.csv", file_filter="CSV (*.csv)",
                               what="the table", write=written.append) is None
    assert written == [] and banner.kind == ""
