"""The form that sets up a run. Its ranges keep every choice valid; ``config()`` builds the run's
TrainConfig, whose defaults (the seed notebook's CNN and training) are the form's defaults."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from PyQt6.QtCore import QSettings, Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from superqt.utils import signals_blocked

from visualizer.training.config import (
    DATASET_INPUT_SHAPES,
    MODEL_TITLES,
    OPTIMIZER_TITLES,
    OPTIMIZERS,
    TrainConfig,
)
from visualizer.training.data import (
    DATA_DIR_ENV,
    FULL_TRAIN_COUNT,
    DataChoice,
    data_choices,
)
from visualizer.training.datasets import FOLDER
from visualizer.training.layer_list import specs_from_json, specs_to_json
from visualizer.ui.kit.stored_settings import read_number, read_text
from visualizer.ui.training.folder_panel import FolderPanel
from visualizer.ui.training.layer_editor import FILE, LayerEditor

log = logging.getLogger(__name__)

_OTHER_FOLDER = "__other__"
_CLASS_FOLDER = "__class_folder__"  # the entry that asks for a folder of class sub-folders
_DOWNLOAD = "download"  # the remembered data choice when it is a Keras download, not a folder
NAMED_CLASS_COUNT = 10  # Fashion-MNIST, MNIST and CIFAR-10 each have ten classes


def _spin(low: int, high: int, value: int, tip: str) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(low, high)
    spin.setValue(value)
    spin.setToolTip(tip)
    return spin


class SettingsForm(QWidget):
    """Every setting of a run. Emits ``changed`` whenever the resulting TrainConfig changes."""

    changed = pyqtSignal()
    pageRequested = pyqtSignal(str)  # a concept page that explains a problem with the layers

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        defaults = TrainConfig()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._build_model_box(defaults))
        layout.addWidget(self._build_training_box(defaults))
        layout.addWidget(self._build_data_box())
        layout.addStretch(1)

        for spin in (self.epochs, self.batch_size, self.train_limit, self.test_limit, self.learning_rate):
            spin.valueChanged.connect(self._on_any_changed)
        self.editor.changed.connect(self._on_any_changed)
        self.editor.pageRequested.connect(self.pageRequested)
        self.optimizer.currentIndexChanged.connect(self._on_any_changed)
        self.data.activated.connect(self._on_data_activated)
        self.folder_panel.changed.connect(self._on_folder_panel_changed)
        self._show_data_to_editor()

    def _build_model_box(self, defaults: TrainConfig) -> QGroupBox:
        model_box = QGroupBox("Network")
        column = QVBoxLayout(model_box)
        self.editor = LayerEditor()
        self.editor.set_network(defaults)
        self.model = self.editor.network  # the preset chosen: "cnn", "fc", "layers" or "file"
        column.addWidget(self.editor)
        return model_box

    def _build_training_box(self, defaults: TrainConfig) -> QGroupBox:
        train_box = QGroupBox("Training")
        train_form = QFormLayout(train_box)
        self.epochs = _spin(1, 200, defaults.epochs, "Passes over the training images")
        train_form.addRow("Epochs", self.epochs)
        self.batch_size = _spin(1, 4096, defaults.batch_size, "Images per gradient step")
        train_form.addRow("Batch size", self.batch_size)
        self.learning_rate = QDoubleSpinBox()
        self.learning_rate.setDecimals(5)
        self.learning_rate.setRange(0.00001, 1.0)
        self.learning_rate.setSingleStep(0.0005)
        self.learning_rate.setValue(defaults.learning_rate)
        self.learning_rate.setToolTip("Step size of the optimizer (the seed uses Adam's default, 0.001)")
        train_form.addRow("Learning rate", self.learning_rate)
        self.optimizer = QComboBox()
        for name in OPTIMIZERS:
            self.optimizer.addItem(OPTIMIZER_TITLES[name], name)
        self.optimizer.setCurrentIndex(OPTIMIZERS.index(defaults.optimizer))
        self.optimizer.setToolTip("How each step uses the gradient (the seed uses Adam)")
        train_form.addRow("Optimizer", self.optimizer)
        return train_box

    def _build_data_box(self) -> QGroupBox:
        data_box = QGroupBox("Data")
        data_form = QFormLayout(data_box)
        self.data = QComboBox()
        self.data.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.data.setMinimumContentsLength(16)
        for choice in data_choices():
            asks_for_folder = choice.dataset == FOLDER and choice.data_dir is None
            self.data.addItem(choice.title, _CLASS_FOLDER if asks_for_folder else choice)
            row = self.data.count() - 1
            self.data.setItemData(row, choice.tooltip or choice.title, Qt.ItemDataRole.ToolTipRole)
            if not choice.enabled:  # its data is not on this machine: the tooltip says where it was looked for
                self.data.model().item(row).setEnabled(False)
        self.data.addItem("Another folder…", _OTHER_FOLDER)
        self.data.setToolTip("Where the images come from ($CNN_VISUALIZER_DATA names a folder)")
        data_form.addRow("Images", self.data)
        self.folder_panel = FolderPanel()  # shown while the data is a folder of the user's pictures
        data_form.addRow(self.folder_panel)
        self.train_limit = self._limit("Use only this many training images (balanced across classes)")
        data_form.addRow("Train images", self.train_limit)
        self.test_limit = self._limit("Use only this many test images (balanced across classes)")
        data_form.addRow("Test images", self.test_limit)
        self.backend = QLabel(os.environ.get("KERAS_BACKEND", "tensorflow"))
        self.backend.setToolTip("Keras backend, chosen by the KERAS_BACKEND environment variable")
        data_form.addRow("Backend", self.backend)
        return data_box

    @staticmethod
    def _limit(tip: str) -> QSpinBox:
        spin = QSpinBox()
        spin.setRange(0, FULL_TRAIN_COUNT)
        spin.setSingleStep(1000)
        spin.setSpecialValueText("all")
        spin.setToolTip(tip + "; 'all' uses every image")
        return spin

    # -- reading -----------------------------------------------------------------------------
    def data_choice(self) -> DataChoice:
        choice = self.data.currentData()
        if not isinstance(choice, DataChoice):  # "Another folder…" left selected without a folder
            choice = self.data.itemData(0)
        return choice

    def config(self) -> TrainConfig:
        """The run these settings describe. Raises ValueError, in words, if they do not make one."""
        choice = self.data_choice()
        return TrainConfig(
            **self.editor.config_fields(),
            image_size=self.folder_panel.image_size() if choice.dataset == FOLDER else None,
            epochs=self.epochs.value(),
            batch_size=self.batch_size.value(),
            learning_rate=self.learning_rate.value(),
            optimizer=self.optimizer.currentData(),
            dataset=choice.dataset,
            data_dir=choice.data_dir,
            allow_download=choice.allow_download,
            train_limit=self.train_limit.value() or None,
            test_limit=self.test_limit.value() or None,
        )

    def describe(self) -> str:
        """A short name for a run with these settings, for the results table."""
        if self.editor.kind() == FILE:
            return Path(self.editor.network_file() or "").name
        _title, short = MODEL_TITLES[self.model.currentData()]
        return short

    def problem(self) -> str:
        """Why these settings cannot train now, in words ("" when they can): a folder of pictures the
        run could not use (or one still being looked at), or a layer that does not fit."""
        return self.folder_panel.problem() or self.editor.problem_text()

    # -- reacting ----------------------------------------------------------------------------
    def _on_any_changed(self, *_args) -> None:
        self.changed.emit()

    def _show_data_to_editor(self) -> None:
        """The layer list's shapes follow the data: its picture size and its classes (a folder's
        once the panel has looked at it: its size as shown there, its sub-folders)."""
        choice = self.data_choice()
        is_folder = choice.dataset == FOLDER and choice.data_dir is not None
        self.folder_panel.show_folder(choice.data_dir if is_folder else None)
        if is_folder:
            self.editor.set_data(self.folder_panel.input_shape(), self.folder_panel.class_count())
        else:
            shape = DATASET_INPUT_SHAPES.get(choice.dataset)
            self.editor.set_data(shape, NAMED_CLASS_COUNT if shape is not None else None)

    def _on_folder_panel_changed(self) -> None:
        self._show_data_to_editor()
        self.changed.emit()

    def _on_data_activated(self, index: int) -> None:
        picked = self.data.itemData(index)
        if picked not in (_OTHER_FOLDER, _CLASS_FOLDER):
            self._show_data_to_editor()
            self.changed.emit()
            return
        if picked == _CLASS_FOLDER:
            folder = QFileDialog.getExistingDirectory(self, "Folder with one sub-folder of pictures per class")
        else:
            folder = QFileDialog.getExistingDirectory(self, "Folder holding the four Fashion-MNIST files")
        if folder:
            self.add_data_folder(folder, dataset=FOLDER if picked == _CLASS_FOLDER else "fashion-mnist")
        else:
            self.data.setCurrentIndex(0)
        self._show_data_to_editor()
        self.changed.emit()

    def add_data_folder(self, folder: str, dataset: str = "fashion-mnist") -> None:
        """Offer (and select) a folder the user chose: Fashion-MNIST's files, or (``dataset`` "folder")
        class sub-folders of pictures; the run says so if it lacks them."""
        title = f"Your pictures: {folder}" if dataset == FOLDER else f"Your folder: {folder}"
        choice = DataChoice(title, folder, False, False, dataset=dataset)
        self.data.insertItem(0, choice.title, choice)
        self.data.setCurrentIndex(0)
        self._show_data_to_editor()

    def show_config(self, config: TrainConfig) -> list[str]:
        """Show a run's network, training settings and image counts (an opened recorded run's);
        the data choice stays, since the run's folder may not exist here. Emits ``changed`` once.
        Returns the settings the form cannot show as they were (outside its ranges), by name."""
        spins = [self.epochs, self.batch_size, self.learning_rate, self.train_limit, self.test_limit]
        with signals_blocked(self.optimizer, *spins):
            self.editor.set_network(config)
            self.optimizer.setCurrentIndex(max(self.optimizer.findData(config.optimizer), 0))
            for spin, value in ((self.epochs, config.epochs), (self.batch_size, config.batch_size),
                                (self.learning_rate, config.learning_rate),
                                (self.train_limit, config.train_limit or 0), (self.test_limit, config.test_limit or 0)):
                spin.setValue(value)
        self.changed.emit()
        shown = self.config()
        names = ["model", "optimizer", "epochs", "batch_size", "learning_rate", "train_limit", "test_limit"]
        names += list(self.editor.config_fields())
        return [name.replace("_", " ") for name in dict.fromkeys(names) if getattr(shown, name) != getattr(config, name)]

    # -- remembering (RemembersSettings, through the training page) --------------------------
    def _remembered_spins(self) -> dict[str, QSpinBox | QDoubleSpinBox]:
        return {
            "epochs": self.epochs, "batch_size": self.batch_size, "learning_rate": self.learning_rate,
            "train_images": self.train_limit, "test_images": self.test_limit,
        }

    def save_settings(self, settings: QSettings) -> None:
        for key, spin in self._remembered_spins().items():
            settings.setValue(key, spin.value())
        settings.setValue("network", self.model.currentData())
        settings.setValue("layers", json.dumps(specs_to_json(self.editor.layers())))
        settings.setValue("network_file", self.editor.network_file() or "")
        settings.setValue("optimizer", self.optimizer.currentData())
        choice = self.data_choice()
        settings.setValue("data", choice.data_dir if choice.data_dir is not None else _DOWNLOAD)
        settings.setValue("data_set", choice.dataset)
        size = self.folder_panel.image_size() if choice.dataset == FOLDER else None
        settings.setValue("image_size", f"{size[0]}x{size[1]}" if size else "")

    def restore_settings(self, settings: QSettings) -> None:
        """Take back saved values; each is held to its control's range, and anything unreadable
        or no longer offered keeps its default. Emits ``changed`` once."""
        spins = self._remembered_spins()
        with signals_blocked(self.optimizer, self.data, *spins.values()):
            for key, spin in spins.items():
                number = read_number(settings, key)
                if number is not None:
                    spin.setValue(number if isinstance(spin, QDoubleSpinBox) else round(number))
            index = self.optimizer.findData(read_text(settings, "optimizer"))
            if index >= 0:
                self.optimizer.setCurrentIndex(index)
            self._restore_data_choice(read_text(settings, "data"), read_text(settings, "data_set") or "fashion-mnist")
            self._restore_image_size(read_text(settings, "image_size"))
            self._restore_network(read_text(settings, "network"), read_text(settings, "layers"),
                                  read_text(settings, "network_file"))
        self._show_data_to_editor()
        self.changed.emit()

    def _restore_network(self, kind: str | None, layers: str | None, network_file: str | None) -> None:
        """The preset chosen last time, the own list (when it still reads as one), or the network
        from a file (when the file is still there)."""
        if kind == FILE and network_file and Path(network_file).is_file():
            self.editor.show_network_file(network_file)
        elif kind in ("cnn", "fc"):
            self.editor.set_network(TrainConfig(model=kind))
        elif kind == "layers" and layers:
            try:
                self.editor.show_layers(specs_from_json(json.loads(layers)))
            except (ValueError, TypeError, KeyError, AttributeError):  # unreadable: keep the default network
                log.warning("the remembered layer list could not be read: %r", layers)

    def _restore_image_size(self, remembered: str | None) -> None:
        """The picture size chosen for the remembered folder ("HxW"), once the folder is looked at again."""
        try:
            height, width = (int(side) for side in (remembered or "").split("x"))
        except ValueError:  # none remembered, or unreadable: the suggested size
            return
        self.folder_panel.prefer_size((height, width))

    def _restore_data_choice(self, remembered: str | None, dataset: str = "fashion-mnist") -> None:
        """Select the data used last time if it is still offered, or a folder of the user's that is
        still there. A folder named for this start (--data, $CNN_VISUALIZER_DATA) wins."""
        if not remembered or os.environ.get(DATA_DIR_ENV):
            return
        for index in range(self.data.count()):
            choice = self.data.itemData(index)
            if isinstance(choice, DataChoice) and ((choice.data_dir or _DOWNLOAD), choice.dataset) == (remembered, dataset):
                self.data.setCurrentIndex(index)
                return
        if remembered != _DOWNLOAD and Path(remembered).is_dir() and dataset in ("fashion-mnist", FOLDER):
            self.add_data_folder(remembered, dataset)
