"""The form's data choices: MNIST and CIFAR-10 greyed out until found, and a folder of pictures."""

from __future__ import annotations

from PyQt6.QtWidgets import QFileDialog

from visualizer.training import data, datasets
from visualizer.ui.training.settings import SettingsForm


def test_missing_data_sets_are_disabled_and_a_picture_folder_makes_a_folder_run(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(datasets, "KERAS_DATASETS_DIR", tmp_path / "empty-cache")
    monkeypatch.delenv(data.DATA_DIR_ENV, raising=False)
    form = SettingsForm()
    qtbot.addWidget(form)
    titles = [form.data.itemText(row) for row in range(form.data.count())]
    mnist = titles.index("MNIST (not found)")
    assert not form.data.model().item(mnist).isEnabled()
    assert "mnist.npz" in form.data.itemData(mnist, 3)  # 3: Qt's ToolTipRole
    pictures = tmp_path / "pictures"
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args: str(pictures))
    form.data.setCurrentIndex(titles.index("A folder of class sub-folders…"))
    form.data.activated.emit(form.data.currentIndex())
    config = form.config()
    assert config.dataset == "folder" and config.data_dir == str(pictures)
