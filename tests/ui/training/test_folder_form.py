"""A folder of the user's own pictures chosen in the training form: looked at off the GUI thread,
its classes, counts, thumbnails and suggested size shown under the choice, the size reaching the
run's config and the layer list's shapes, and a folder the run could not use keeping Train off."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PIL import Image
from PyQt6.QtWidgets import QFileDialog, QLabel, QMessageBox

from visualizer.ui.training import folder_panel
from visualizer.ui.training.run_panel import RunPanel

LOOK_TIMEOUT_MS = 10_000


def make_pictures(folder: Path, counts: dict[str, int], size=(30, 40), mode="RGB") -> Path:
    """``counts`` pictures per class sub-folder, each (height, width) ``size``, a colour of its own."""
    for class_index, (name, count) in enumerate(counts.items()):
        (folder / name).mkdir(parents=True)
        for number in range(count):
            shade = (40 * class_index + 20 * number) % 256
            colour = (shade, 255 - shade, 90) if mode == "RGB" else shade
            Image.new(mode, (size[1], size[0]), colour).save(folder / name / f"{number}.png")
    return folder


@pytest.fixture
def panel(qtbot, keep, bundled_data_only):
    """The form in the page's left column, with only the bundled data and the folder entry offered."""
    widget = keep(RunPanel())
    widget.resize(440, 900)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def choose_folder(form, monkeypatch, folder: Path) -> None:
    """Pick "A folder of class sub-folders…" and ``folder`` in the dialog, as the user does."""
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args: str(folder))
    entry = form.data.findText("A folder of class sub-folders…")
    form.data.setCurrentIndex(entry)
    form.data.activated.emit(entry)


def rows(editor) -> list[tuple[str, str]]:
    return [(editor.table.item(row, 0).text(), editor.table.item(row, 1).text()) for row in range(editor.table.rowCount())]


def thumbnails(form) -> list[QLabel]:
    layout = form.folder_panel.thumbnails
    widgets = [layout.itemAt(index).widget() for index in range(layout.count())]
    return [widget for widget in widgets if isinstance(widget, QLabel)]


def test_a_chosen_folder_shows_its_classes_thumbnails_and_size_which_reach_the_run_and_the_layers(qtbot, panel, tmp_path, monkeypatch):
    form, shown = panel.settings, panel.settings.folder_panel
    pictures = make_pictures(tmp_path / "pets", {"cats": 3, "dogs": 4, "owls": 2})
    assert shown.isHidden()
    with qtbot.waitSignal(shown.looked, timeout=LOOK_TIMEOUT_MS):
        choose_folder(form, monkeypatch, pictures)
        # Until the look's answer comes back (through the event loop), the window says it is looking.
        assert "Looking at your pictures" in shown.summary.text() and shown.isVisible()
        assert not panel.train_button.isEnabled() and "still looking" in panel.train_button.toolTip()
    summary = shown.summary.text()
    assert "3 classes" in summary and "9 pictures (colour)" in summary
    assert "cats 3, dogs 4, owls 2" in summary and "20% of each class" in summary and "seed 0" in summary
    assert [label.toolTip() for label in thumbnails(form)] == [f"The first picture of {name}" for name in ("cats", "dogs", "owls")]
    assert all(not label.pixmap().isNull() for label in thumbnails(form))
    assert (shown.height_spin.value(), shown.width_spin.value()) == (30, 40) and "Suggested 30×40" in shown.size_note.text()
    assert shown.unreadable_label.isHidden() and shown.problem_label.isHidden()
    assert panel.train_button.isEnabled()
    config = form.config()
    assert (config.dataset, config.data_dir, config.image_size) == ("folder", str(pictures), (30, 40))
    assert rows(form.editor)[0] == ("Input (the picture)", "30×40×3")
    assert rows(form.editor)[1][1] == "30×40×64" and rows(form.editor)[-1] == ("Output: Dense 3, softmax", "3")
    assert "Total:" in form.editor.total_label.text() and "?" not in {shape for _title, shape in rows(form.editor)}

    shown.height_spin.setValue(24)
    shown.width_spin.stepUp()  # as the arrow key does
    assert form.config().image_size == (24, 41) and rows(form.editor)[0][1] == "24×41×3"
    bundled = next(row for row in range(form.data.count()) if "subset" in form.data.itemText(row))
    form.data.setCurrentIndex(bundled)
    form.data.activated.emit(bundled)
    assert shown.isHidden() and form.config().image_size is None
    assert rows(form.editor)[0][1] == "28×28×1"


def test_a_grey_folder_gives_the_layers_one_channel_and_a_big_picture_a_smaller_suggested_size(qtbot, panel, tmp_path, monkeypatch):
    form, shown = panel.settings, panel.settings.folder_panel
    pictures = make_pictures(tmp_path / "scans", {"healthy": 2, "ill": 2}, size=(200, 100), mode="L")
    with qtbot.waitSignal(shown.looked, timeout=LOOK_TIMEOUT_MS):
        choose_folder(form, monkeypatch, pictures)
    assert "(grey)" in shown.summary.text() and (shown.height_spin.value(), shown.width_spin.value()) == (64, 32)
    assert rows(form.editor)[0][1] == "64×32×1" and form.config().image_size == (64, 32)


def test_a_folder_of_one_class_says_so_and_train_is_off_until_another_is_chosen(qtbot, panel, tmp_path, monkeypatch):
    form, shown = panel.settings, panel.settings.folder_panel
    lonely = make_pictures(tmp_path / "lonely", {"cats": 5})
    with qtbot.waitSignal(shown.looked, timeout=LOOK_TIMEOUT_MS):
        choose_folder(form, monkeypatch, lonely)
    assert "only one class sub-folder (cats)" in shown.problem_label.text() and shown.problem_label.isVisible()
    assert not panel.train_button.isEnabled() and "only one class sub-folder" in panel.train_button.toolTip()
    assert shown.size_row.isHidden() and {shape for _title, shape in rows(form.editor)} == {"?"}

    pairs = make_pictures(tmp_path / "pairs", {"cats": 2, "dogs": 2})
    with qtbot.waitSignal(shown.looked, timeout=LOOK_TIMEOUT_MS):
        choose_folder(form, monkeypatch, pairs)
    assert panel.train_button.isEnabled() and shown.problem_label.isHidden()


def test_unreadable_files_are_counted_and_listed_and_train_stays_on(qtbot, panel, tmp_path, monkeypatch):
    form, shown = panel.settings, panel.settings.folder_panel
    pictures = make_pictures(tmp_path / "pets", {"cats": 3, "dogs": 3})
    (pictures / "cats" / "broken.png").write_bytes(b"not a png at all")
    (pictures / "dogs" / "empty.jpg").write_bytes(b"")
    with qtbot.waitSignal(shown.looked, timeout=LOOK_TIMEOUT_MS):
        choose_folder(form, monkeypatch, pictures)
    assert shown.unreadable_label.text() == "2 files cannot be read and are skipped."
    assert shown.unreadable_label.isVisible() and "cats 3, dogs 3" in shown.summary.text()
    assert panel.train_button.isEnabled()
    shown.show_unreadable_button.click()
    listed = shown.unreadable_box.detailedText().splitlines()
    assert len(listed) == 2 and any("broken.png" in line for line in listed) and any("empty.jpg" in line for line in listed)
    shown.unreadable_box.done(QMessageBox.StandardButton.Close.value)


def test_a_class_with_one_picture_is_named_and_a_folder_without_any_pair_keeps_train_off(qtbot, panel, tmp_path, monkeypatch):
    form, shown = panel.settings, panel.settings.folder_panel
    pictures = make_pictures(tmp_path / "pets", {"cats": 3, "dogs": 1})
    with qtbot.waitSignal(shown.looked, timeout=LOOK_TIMEOUT_MS):
        choose_folder(form, monkeypatch, pictures)
    assert "Only one picture in dogs: it is used for training only and never tested" in shown.summary.text()
    assert panel.train_button.isEnabled()  # the run trains on it (stratified_split keeps it for training)

    singles = make_pictures(tmp_path / "singles", {"cats": 1, "dogs": 1})
    with qtbot.waitSignal(shown.looked, timeout=LOOK_TIMEOUT_MS):
        choose_folder(form, monkeypatch, singles)
    assert "No class of" in shown.problem_label.text() and "two or more pictures" in shown.problem_label.text()
    assert not panel.train_button.isEnabled()


def test_a_newer_folder_choice_wins_over_an_older_look_that_answers_later(qtbot, panel, tmp_path, monkeypatch):
    form, shown = panel.settings, panel.settings.folder_panel
    slow = make_pictures(tmp_path / "slow", {"ants": 2, "bees": 2, "wasps": 2})
    quick = make_pictures(tmp_path / "quick", {"cats": 2, "dogs": 2})
    release, slow_answered = threading.Event(), threading.Event()
    real_look = folder_panel.look_at_folder

    def look(folder: str, on_progress=None):
        if folder == str(slow):
            release.wait(LOOK_TIMEOUT_MS / 1000)
            found = real_look(folder)
            slow_answered.set()
            return found
        return real_look(folder, on_progress)

    monkeypatch.setattr(folder_panel, "look_at_folder", look)
    choose_folder(form, monkeypatch, slow)
    with qtbot.waitSignal(shown.looked, timeout=LOOK_TIMEOUT_MS):
        choose_folder(form, monkeypatch, quick)
    assert "cats 2, dogs 2" in shown.summary.text()
    release.set()
    qtbot.waitUntil(slow_answered.is_set, timeout=LOOK_TIMEOUT_MS)
    qtbot.wait(100)  # the old answer reaches the GUI thread, and is dropped there
    assert "cats 2, dogs 2" in shown.summary.text() and "ants" not in shown.summary.text()
    assert form.config().data_dir == str(quick) and rows(form.editor)[-1][1] == "2"


def test_the_folder_and_its_chosen_size_are_remembered(qtbot, panel, keep, tmp_path, monkeypatch):
    from PyQt6.QtCore import QSettings

    from visualizer.ui.training.settings import SettingsForm

    form, shown = panel.settings, panel.settings.folder_panel
    pictures = make_pictures(tmp_path / "pets", {"cats": 2, "dogs": 2})
    with qtbot.waitSignal(shown.looked, timeout=LOOK_TIMEOUT_MS):
        choose_folder(form, monkeypatch, pictures)
    shown.width_spin.setValue(20)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    form.save_settings(settings)

    again = keep(SettingsForm())
    with qtbot.waitSignal(again.folder_panel.looked, timeout=LOOK_TIMEOUT_MS):
        again.restore_settings(settings)
    assert again.config().data_dir == str(pictures) and again.config().image_size == (30, 20)
    assert again.folder_panel.size_note.text().startswith("Suggested 30×40")


def test_a_long_look_says_how_far_it_has_got(qtbot, panel, tmp_path, monkeypatch):
    form, shown = panel.settings, panel.settings.folder_panel
    folder = make_pictures(tmp_path / "many", {"ants": 2, "bees": 2})
    release = threading.Event()
    real_look = folder_panel.look_at_folder

    def look(folder: str, on_progress=None):
        on_progress("Looking at your pictures: 40,000 of 100,000 files…")
        release.wait(LOOK_TIMEOUT_MS / 1000)
        return real_look(folder, on_progress)

    monkeypatch.setattr(folder_panel, "look_at_folder", look)
    choose_folder(form, monkeypatch, folder)
    qtbot.waitUntil(lambda: "40,000 of 100,000" in shown.summary.text(), timeout=LOOK_TIMEOUT_MS)
    assert str(folder) in shown.summary.text().replace("\u200b", "")
    with qtbot.waitSignal(shown.looked, timeout=LOOK_TIMEOUT_MS):
        release.set()
    assert "ants 2, bees 2" in shown.summary.text() and "40,000" not in shown.summary.text()
