"""The form that sets up a run. Its ranges keep every choice valid; ``config()`` builds the run's
TrainConfig, whose defaults (the seed notebook's CNN and training) are the form's defaults."""

from __future__ import annotations

import os
from pathlib import Path

from PyQt6.QtCore import QSettings, Qt, pyqtSignal
from PyQt6.QtGui import QValidator
from PyQt6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from superqt.utils import signals_blocked

from visualizer.training.config import (
    MODEL_TITLES,
    OPTIMIZER_TITLES,
    OPTIMIZERS,
    ConvBlock,
    TrainConfig,
)
from visualizer.training.data import (
    DATA_DIR_ENV,
    FULL_TRAIN_COUNT,
    IMAGE_SIDE,
    DataChoice,
    data_choices,
)
from visualizer.training.datasets import FOLDER
from visualizer.ui.kit.stored_settings import read_number, read_text

MAX_BLOCKS = 4
_OTHER_FOLDER = "__other__"
_CLASS_FOLDER = "__class_folder__"  # the entry that asks for a folder of class sub-folders
_DOWNLOAD = "download"  # the remembered data choice when it is a Keras download, not a folder


def block_input_side(index: int) -> int:
    """Side of the maps entering conv block ``index`` (0-based): each 2x2 pooling halves it."""
    side = IMAGE_SIDE
    for _ in range(index):
        side //= 2
    return side


def _spin(low: int, high: int, value: int, tip: str) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(low, high)
    spin.setValue(value)
    spin.setToolTip(tip)
    return spin


class KernelSizeSpin(QSpinBox):
    """A square kernel size, shown as "3×3"."""

    def textFromValue(self, value: int) -> str:
        return f"{value}×{value}"

    def valueFromText(self, text: str) -> int:
        return int(text.split("×")[0].split("x")[0].strip() or 0)

    def validate(self, text, position):
        head = text.split("×")[0].split("x")[0].strip()
        if not head:
            return QValidator.State.Intermediate, text, position
        if head.isdigit() and self.minimum() <= int(head) <= self.maximum():
            return QValidator.State.Acceptable, text, position
        return QValidator.State.Invalid, text, position


class SettingsForm(QWidget):
    """Every setting of a run. Emits ``changed`` whenever the resulting TrainConfig changes."""

    changed = pyqtSignal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        defaults = TrainConfig()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._build_model_box(defaults))
        layout.addWidget(self._build_training_box(defaults))
        layout.addWidget(self._build_data_box())
        layout.addStretch(1)

        for spin in (self.block_count, self.epochs, self.batch_size, self.dense_units, self.fc_units,
                     self.train_limit, self.test_limit, *self.filters, *self.kernel_sizes):
            spin.valueChanged.connect(self._on_any_changed)
        for spin in (self.learning_rate, self.conv_dropout, self.dense_dropout):
            spin.valueChanged.connect(self._on_any_changed)
        self.model.currentIndexChanged.connect(self._on_any_changed)
        self.optimizer.currentIndexChanged.connect(self._on_any_changed)
        self.data.activated.connect(self._on_data_activated)
        self._update_enabled()

    def _build_model_box(self, defaults: TrainConfig) -> QGroupBox:
        model_box = QGroupBox("Model")
        model_form = QFormLayout(model_box)
        self._model_form = model_form
        self.model = QComboBox()
        for kind, (title, _short) in MODEL_TITLES.items():
            self.model.addItem(title, kind)
        self.model.setToolTip("The seed notebook's CNN, or its fully connected network for comparison")
        model_form.addRow("Network", self.model)
        self.block_count = _spin(
            1, MAX_BLOCKS, len(defaults.conv_blocks),
            "Conv + 2x2 max-pooling blocks; each halves the image (28 → 14 → 7 → 3 → 1), so at most 4",
        )
        model_form.addRow("Conv blocks", self.block_count)
        self._add_block_rows(defaults)
        self.conv_dropout = self._rate(defaults.conv_dropout, "Dropout after the last pooling layer")
        model_form.addRow("Conv dropout", self.conv_dropout)
        self.dense_units = _spin(1, 4096, defaults.dense_units, "Units of the dense layer after Flatten")
        model_form.addRow("Dense units", self.dense_units)
        self.dense_dropout = self._rate(defaults.dense_dropout, "Dropout after the dense layer")
        model_form.addRow("Dense dropout", self.dense_dropout)
        self.fc_units = _spin(
            1, 4096, defaults.fc_units,
            "Hidden units of the fully connected baseline (Flatten → Dense → Dense(10))",
        )
        model_form.addRow("Hidden units", self.fc_units)
        return model_box

    def _add_block_rows(self, defaults: TrainConfig) -> None:
        """One row per possible conv block: its filters and its kernel size."""
        self.filters: list[QSpinBox] = []
        self.kernel_sizes: list[QSpinBox] = []
        self._block_rows: list[QWidget] = []
        for index in range(MAX_BLOCKS):
            block = defaults.conv_blocks[index] if index < len(defaults.conv_blocks) else ConvBlock(32, 3)
            filters = _spin(1, 256, block.filters, f"Filters (output channels) of conv layer {index + 1}")
            kernel = KernelSizeSpin()
            kernel.setRange(1, min(7, block_input_side(index)))
            kernel.setValue(block.kernel_size)
            kernel.setToolTip(
                f"Kernel size of conv layer {index + 1} (square; its input is "
                f"{block_input_side(index)} x {block_input_side(index)}, padding 'same')"
            )
            row = QWidget()
            row_layout = QHBoxLayout(row)
            row_layout.setContentsMargins(0, 0, 0, 0)
            row_layout.addWidget(filters, 1)
            row_layout.addWidget(QLabel("filters"))
            row_layout.addWidget(kernel, 1)
            self.filters.append(filters)
            self.kernel_sizes.append(kernel)
            self._block_rows.append(row)
            self._model_form.addRow(f"Block {index + 1}", row)

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
        self.train_limit = self._limit("Use only this many training images (balanced across classes)")
        data_form.addRow("Train images", self.train_limit)
        self.test_limit = self._limit("Use only this many test images (balanced across classes)")
        data_form.addRow("Test images", self.test_limit)
        self.backend = QLabel(os.environ.get("KERAS_BACKEND", "tensorflow"))
        self.backend.setToolTip("Keras backend, chosen by the KERAS_BACKEND environment variable")
        data_form.addRow("Backend", self.backend)
        return data_box

    @staticmethod
    def _rate(value: float, tip: str) -> QDoubleSpinBox:
        spin = QDoubleSpinBox()
        spin.setDecimals(2)
        spin.setRange(0.0, 0.9)  # TrainConfig accepts [0, 1); 0.9 already drops nine units in ten
        spin.setSingleStep(0.05)
        spin.setValue(value)
        spin.setToolTip(tip)
        return spin

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
        kind = self.model.currentData()
        blocks = tuple(
            ConvBlock(self.filters[i].value(), self.kernel_sizes[i].value())
            for i in range(self.block_count.value())
        )
        choice = self.data_choice()
        return TrainConfig(
            model=kind,
            epochs=self.epochs.value(),
            batch_size=self.batch_size.value(),
            learning_rate=self.learning_rate.value(),
            optimizer=self.optimizer.currentData(),
            conv_blocks=blocks,
            conv_dropout=self.conv_dropout.value(),
            dense_units=self.dense_units.value(),
            dense_dropout=self.dense_dropout.value(),
            fc_units=self.fc_units.value(),
            dataset=choice.dataset,
            data_dir=choice.data_dir,
            allow_download=choice.allow_download,
            train_limit=self.train_limit.value() or None,
            test_limit=self.test_limit.value() or None,
        )

    def describe(self) -> str:
        """A short name for a run with these settings, for the results table."""
        _title, short = MODEL_TITLES[self.model.currentData()]
        return short

    # -- reacting ----------------------------------------------------------------------------
    def _on_any_changed(self, *_args) -> None:
        self._update_enabled()
        self.changed.emit()

    def _update_enabled(self) -> None:
        is_cnn = self.model.currentData() == "cnn"
        count = self.block_count.value()
        for index, row in enumerate(self._block_rows):
            self._model_form.setRowVisible(row, is_cnn and index < count)
        for widget in (self.block_count, self.conv_dropout, self.dense_units, self.dense_dropout):
            self._model_form.setRowVisible(widget, is_cnn)
        self._model_form.setRowVisible(self.fc_units, not is_cnn)

    def _on_data_activated(self, index: int) -> None:
        picked = self.data.itemData(index)
        if picked not in (_OTHER_FOLDER, _CLASS_FOLDER):
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
        self.changed.emit()

    def add_data_folder(self, folder: str, dataset: str = "fashion-mnist") -> None:
        """Offer (and select) a folder the user chose: Fashion-MNIST's files, or (``dataset`` "folder")
        class sub-folders of pictures; the run says so if it lacks them."""
        title = f"Your pictures: {folder}" if dataset == FOLDER else f"Your folder: {folder}"
        choice = DataChoice(title, folder, False, False, dataset=dataset)
        self.data.insertItem(0, choice.title, choice)
        self.data.setCurrentIndex(0)

    def show_config(self, config: TrainConfig) -> list[str]:
        """Show a run's network, training settings and image counts (an opened recorded run's);
        the data choice stays, since the run's folder may not exist here. Emits ``changed`` once.
        Returns the settings the form cannot show as they were (outside its ranges), by name."""
        spins = [self.block_count, self.conv_dropout, self.dense_units, self.dense_dropout, self.fc_units,
                 self.epochs, self.batch_size, self.learning_rate, self.train_limit, self.test_limit,
                 *self.filters, *self.kernel_sizes]
        with signals_blocked(self.model, self.optimizer, *spins):
            self.model.setCurrentIndex(max(self.model.findData(config.model), 0))
            self.optimizer.setCurrentIndex(max(self.optimizer.findData(config.optimizer), 0))
            if config.conv_blocks:
                self.block_count.setValue(len(config.conv_blocks))
            for index, block in enumerate(config.conv_blocks[:MAX_BLOCKS]):
                self.filters[index].setValue(block.filters)
                self.kernel_sizes[index].setValue(block.kernel_size)
            for spin, value in ((self.conv_dropout, config.conv_dropout), (self.dense_units, config.dense_units),
                                (self.dense_dropout, config.dense_dropout), (self.fc_units, config.fc_units),
                                (self.epochs, config.epochs), (self.batch_size, config.batch_size),
                                (self.learning_rate, config.learning_rate),
                                (self.train_limit, config.train_limit or 0), (self.test_limit, config.test_limit or 0)):
                spin.setValue(value)
        self._update_enabled()
        self.changed.emit()
        shown = self.config()
        names = ["model", "optimizer", "epochs", "batch_size", "learning_rate", "train_limit", "test_limit"]
        names += ["conv_blocks", "conv_dropout", "dense_units", "dense_dropout"] if config.model == "cnn" else ["fc_units"]
        return [name.replace("_", " ") for name in names if getattr(shown, name) != getattr(config, name)]

    # -- remembering (RemembersSettings, through the training page) --------------------------
    def _remembered_spins(self) -> dict[str, QSpinBox | QDoubleSpinBox]:
        spins = {
            "conv_blocks": self.block_count, "conv_dropout": self.conv_dropout,
            "dense_units": self.dense_units, "dense_dropout": self.dense_dropout, "hidden_units": self.fc_units,
            "epochs": self.epochs, "batch_size": self.batch_size, "learning_rate": self.learning_rate,
            "train_images": self.train_limit, "test_images": self.test_limit,
        }
        for index in range(MAX_BLOCKS):
            spins[f"block{index + 1}_filters"] = self.filters[index]
            spins[f"block{index + 1}_kernel"] = self.kernel_sizes[index]
        return spins

    def save_settings(self, settings: QSettings) -> None:
        for key, spin in self._remembered_spins().items():
            settings.setValue(key, spin.value())
        settings.setValue("network", self.model.currentData())
        settings.setValue("optimizer", self.optimizer.currentData())
        choice = self.data_choice()
        settings.setValue("data", choice.data_dir if choice.data_dir is not None else _DOWNLOAD)
        settings.setValue("data_set", choice.dataset)

    def restore_settings(self, settings: QSettings) -> None:
        """Take back saved values; each is held to its control's range, and anything unreadable
        or no longer offered keeps its default. Emits ``changed`` once."""
        spins = self._remembered_spins()
        with signals_blocked(self.model, self.optimizer, self.data, *spins.values()):
            for key, spin in spins.items():
                number = read_number(settings, key)
                if number is not None:
                    spin.setValue(number if isinstance(spin, QDoubleSpinBox) else round(number))
            for key, combo in (("network", self.model), ("optimizer", self.optimizer)):
                index = combo.findData(read_text(settings, key))
                if index >= 0:
                    combo.setCurrentIndex(index)
            self._restore_data_choice(read_text(settings, "data"), read_text(settings, "data_set") or "fashion-mnist")
        self._update_enabled()
        self.changed.emit()

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
