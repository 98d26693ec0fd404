"""The model inspector: open any trained Keras image classifier and see why it predicts what it
predicts. The page composes its parts and implements InspectorView; the decisions are the
controller's (controller.py), and the model runs in a child process (client.py)."""

from __future__ import annotations

import logging

import numpy as np
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QApplication, QMessageBox, QSplitter, QTabWidget, QVBoxLayout, QWidget

from visualizer.inspection.server import Explained, ModelOpened
from visualizer.ui.inspector.architecture_tab import ArchitectureTab
from visualizer.ui.inspector.client import ModelClient
from visualizer.ui.inspector.controller import InspectorController, InspectorView, Picture
from visualizer.ui.inspector.image_tab import ImageTab
from visualizer.ui.inspector.model_panel import ModelPanel
from visualizer.ui.model_files import ask_for_model_file
from visualizer.ui.widgets.banner import Banner

log = logging.getLogger(__name__)

SAMPLE_PHOTO = "chelsea"  # a cat: something an ImageNet-style colour model has an opinion about
SAMPLE_GRAY = "camera"


class InspectorPage(QWidget, InspectorView):
    """``client`` talks to the model process (tests pass one over a fake server)."""

    title = "Model inspector"

    def __init__(self, client: ModelClient | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.client = client or ModelClient(parent=self)
        self.banner = Banner()
        self.model_panel = ModelPanel()
        self.model_panel.setMinimumWidth(280)
        self.architecture_tab = ArchitectureTab()
        self.image_tab = ImageTab()
        self.tabs = QTabWidget()
        self.tabs.addTab(self.architecture_tab, "Architecture")
        self.tabs.addTab(self.image_tab, "One image")
        for index, tip in enumerate((
            "The model's layers: type, output shape and learned numbers",
            "One picture through the model: its belief and every layer's feature maps",
        )):
            self.tabs.setTabToolTip(index, tip)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.model_panel)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([300, 980])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.banner)
        layout.addWidget(splitter, 1)

        self.controller = InspectorController(self, self.client)
        self.model_panel.openRequested.connect(self.ask_for_model)
        self.model_panel.inputRangeChosen.connect(self.controller.choose_input_range)
        self.model_panel.testImageChosen.connect(self.controller.show_test_image)
        self.model_panel.randomImageRequested.connect(self._on_model_panel_random_image_requested)
        self.architecture_tab.layerChosen.connect(self._on_architecture_layer_chosen)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    # -- commands ----------------------------------------------------------------------------------
    def open_model(self, path: str, unsafe: bool = False, may_ask: bool = True) -> None:
        self.controller.open_model(str(path), unsafe=unsafe, may_ask=may_ask)

    def ask_for_model(self) -> None:
        path = ask_for_model_file(self)
        if path:
            self.open_model(path)

    def is_busy(self) -> bool:
        """True while the model process still works on what was asked (screenshots wait)."""
        return not self.controller.settled()

    def failure(self) -> str | None:
        """Why the last model could not be opened, in words; None when it opened."""
        return self.controller.failure

    # -- the input picture from the window's Open image / Draw menu (TakesInputImage) ---------------
    @property
    def input_image_mode(self) -> str:
        opened = self.controller.opened
        return "rgb" if opened is not None and opened.report.channels == 3 else "gray"

    def set_input_image(self, pixels, title: str) -> None:
        self.controller.show_picture(Picture(np.asarray(pixels), title))
        self.tabs.setCurrentWidget(self.image_tab)

    # -- InspectorView -----------------------------------------------------------------------------
    def show_status(self, text: str) -> None:
        self.banner.show_message("info", text)

    def show_error(self, text: str, details: str = "") -> None:
        self.banner.show_message("error", text, details=details)

    def confirm_unsafe(self, message: str) -> bool:
        answer = QMessageBox.warning(
            self, "This model holds Python code",
            f"{message}\n\nOpen it only if you trust where it came from. Open it anyway?",
            QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Open

    def show_model(self, opened: ModelOpened) -> None:
        self.model_panel.show_model(opened)
        self.architecture_tab.show_layers(opened.layers, opened.report.input_shape)

    def ask_input_range(self, choices: tuple[str, ...], chosen: str) -> None:
        self.model_panel.ask_input_range(choices, chosen)

    def show_explanation(self, explained: Explained, picture: Picture, class_names: tuple[str, ...]) -> None:
        channels_first = self.controller.opened.report.channel_axis == "first"
        self.image_tab.show_explanation(explained, picture.title, picture.true_label, class_names, channels_first)
        self.model_panel.show_picture_title(picture.title, picture.test_index)

    def show_progress(self, done: int, total: int) -> None:
        if total:
            self.banner.show_message("info", f"Evaluating the test set: {done:,} of {total:,} images…")

    def show_evaluation(self, evaluation) -> None:
        self.model_panel.set_test_count(len(evaluation.labels))

    def show_randomisation(self, done: tuple[str, ...], next_layer: str | None) -> None:
        """Shown by the Why tab."""

    def sample_picture(self, rgb: bool) -> Picture | None:
        from visualizer.ui import images

        name = SAMPLE_PHOTO if rgb else SAMPLE_GRAY
        try:
            sample = images.find_sample(name)
            return Picture(sample.load("rgb" if rgb else "gray"), sample.title)
        except (KeyError, OSError, images.ImageError):  # a broken install: the user opens a picture
            log.exception("could not load the sample picture %s", name)
            return None

    # -- slots -------------------------------------------------------------------------------------
    def _on_model_panel_random_image_requested(self) -> None:
        evaluation = self.controller.evaluation
        if evaluation is not None and len(evaluation.labels):
            self.controller.show_test_image(int(np.random.default_rng().integers(len(evaluation.labels))))

    def _on_architecture_layer_chosen(self, _label: str) -> None:
        self.tabs.setCurrentWidget(self.image_tab)

    def closeEvent(self, event) -> None:
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """End the model process (the window closes)."""
        self.client.shutdown()

