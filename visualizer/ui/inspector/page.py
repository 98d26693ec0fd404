"""The model inspector: open any trained Keras image classifier and see why it predicts what it
predicts. The page composes its parts, turns what the user does into the signals of InspectorView
(view.py) and shows what the controller hands it; the decisions are the controller's
(controller.py), which connects those signals itself, and the model runs in a child process
(link.py)."""

from __future__ import annotations

import logging

import numpy as np
from PyQt6.QtCore import Qt, QTimer, pyqtSignal
from PyQt6.QtWidgets import QApplication, QMessageBox, QSplitter, QTabWidget, QVBoxLayout, QWidget

from visualizer.inspection.protocol import Explained, ModelOpened
from visualizer.ui.inspector.controller import InspectorController
from visualizer.ui.inspector.link import ModelClient
from visualizer.ui.inspector.model_panel import ModelPanel
from visualizer.ui.inspector.tabs.architecture import ArchitectureTab
from visualizer.ui.inspector.tabs.draw import DrawTab
from visualizer.ui.inspector.tabs.filters import FiltersTab
from visualizer.ui.inspector.tabs.image import ImageTab
from visualizer.ui.inspector.tabs.test_set import TestSetTab
from visualizer.ui.inspector.tabs.why import PREDICTED, WhyTab
from visualizer.ui.inspector.view import Picture
from visualizer.ui.kit.banner import Banner
from visualizer.ui.kit.lazy_tabs import LazyTabs
from visualizer.ui.kit.model_files import ask_for_model_file
from visualizer.ui.kit.poller import PRESTART_DELAY_MS
from visualizer.ui.kit.thumbnails import as_displayed

log = logging.getLogger(__name__)

SAMPLE_PHOTO = "chelsea"  # a cat: something an ImageNet-style colour model has an opinion about
SAMPLE_GRAY = "camera"


class InspectorPage(QWidget):
    """Implements InspectorView. ``client`` talks to the model process (tests pass one over a fake server)."""

    title = "Model inspector"
    modelOpened = pyqtSignal(str)  # the path of a model once it has opened (OpensModels)
    stepThroughRequested = pyqtSignal(object)  # a LearnedKernel for the Convolution page (OffersLearnedKernels)
    # InspectorView's signals, for the controller
    modelOpenRequested = pyqtSignal(str, bool, bool)
    inputRangeChosen = pyqtSignal(str)
    imageOpened = pyqtSignal(object, str)
    pictureDrawn = pyqtSignal(object)
    testImageChosen = pyqtSignal(int)
    randomTestImageRequested = pyqtSignal()
    classChosen = pyqtSignal(object)
    smoothGradChanged = pyqtSignal(bool)
    randomiseRequested = pyqtSignal()
    restoreRequested = pyqtSignal()
    evaluateRequested = pyqtSignal(object)
    topImagesRequested = pyqtSignal(str)
    filterPictureRequested = pyqtSignal(str, int)
    filterPictureStopRequested = pyqtSignal()
    kernelStepThroughRequested = pyqtSignal(str, int)
    prestartDue = pyqtSignal()
    classNamesTyped = pyqtSignal(object)
    rangeCheckRequested = pyqtSignal()

    def __init__(self, client: ModelClient | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.client = client or ModelClient(parent=self)
        self.banner = Banner()
        self.model_panel = ModelPanel()
        self.model_panel.setMinimumWidth(280)
        self.architecture_tab = ArchitectureTab()
        self.image_tab = ImageTab()
        self.why_tab = WhyTab()
        self.draw_tab = DrawTab()
        self.test_set_tab = TestSetTab()
        self.filters_tab = FiltersTab()
        self.tabs = QTabWidget()
        for tab, title, tip in (
            (self.architecture_tab, "Architecture", "The model's layers: type, output shape and learned numbers"),
            (self.image_tab, "One image", "One picture through the model: its belief and every layer's output"),
            (self.why_tab, "Why", "Which pixels made the model say what it says (Grad-CAM and gradients)"),
            (self.draw_tab, "Draw", "Draw your own picture and watch the model's answer follow the pen"),
            (self.test_set_tab, "Test set", "Accuracy, the confusion matrix and every test image the model got wrong"),
            (self.filters_tab, "Filters", "What each conv filter looks for: the test images that excite it most, and a picture for it"),
        ):
            self.tabs.addTab(tab, title)
            self.tabs.setTabToolTip(self.tabs.indexOf(tab), tip)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.model_panel)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([300, 980])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.banner)
        layout.addWidget(splitter, 1)

        # Only the tab in view keeps up with a stroke's pictures; the others are drawn when opened.
        self.lazy_tabs = LazyTabs(self.tabs, self._draw_tab)
        for tab in (self.image_tab, self.why_tab, self.draw_tab):
            self.lazy_tabs.add(tab)
        self._shown: tuple[Explained, Picture, ModelOpened] | None = None  # what the lazy tabs draw
        self._class_names: tuple[str, ...] = ()  # the names every tab gives the model's classes
        self._class_names_source = ""
        self._forward_part_signals()
        self._prestart_asked = False  # True once the page has asked for its model process ahead
        self._prestart_timer = QTimer(self)
        self._prestart_timer.setSingleShot(True)
        self._prestart_timer.setInterval(PRESTART_DELAY_MS)
        self._prestart_timer.timeout.connect(self._on_prestart_timer_timeout)
        self.controller = InspectorController(self, self.client)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    def _forward_part_signals(self) -> None:
        """The parts' signals as the page's own (InspectorView), and what stays within the page."""
        self.model_panel.openRequested.connect(self.ask_for_model)
        self.model_panel.classNamesRequested.connect(self.ask_for_class_names)
        self.model_panel.rangeCheckRequested.connect(self.rangeCheckRequested)
        self.model_panel.inputRangeChosen.connect(self.inputRangeChosen)
        self.model_panel.testImageChosen.connect(self.testImageChosen)
        self.model_panel.randomImageRequested.connect(self.randomTestImageRequested)
        self.architecture_tab.layerChosen.connect(self._on_architecture_layer_chosen)
        self.why_tab.classChosen.connect(self._on_why_tab_class_chosen)
        self.why_tab.smoothGradChanged.connect(self.smoothGradChanged)
        self.why_tab.randomiseRequested.connect(self.randomiseRequested)
        self.why_tab.restoreRequested.connect(self.restoreRequested)
        self.why_tab.saveReported.connect(self._on_tab_save_reported)
        self.draw_tab.pictureChanged.connect(self.pictureDrawn)
        self.test_set_tab.evaluateRequested.connect(self._on_test_set_evaluate_requested)
        self.test_set_tab.folderChosen.connect(self._on_test_set_folder_chosen)
        self.test_set_tab.imageChosen.connect(self._on_test_set_image_chosen)
        self.image_tab.layer_detail.stepThroughRequested.connect(self.kernelStepThroughRequested)
        self.filters_tab.layerChosen.connect(self.topImagesRequested)
        self.filters_tab.pictureRequested.connect(self.filterPictureRequested)
        self.filters_tab.stopRequested.connect(self.filterPictureStopRequested)

    # -- commands ----------------------------------------------------------------------------------
    def open_model(self, path: str, unsafe: bool = False, may_ask: bool = True) -> None:
        self.modelOpenRequested.emit(str(path), unsafe, may_ask)

    def ask_for_model(self) -> None:
        path = ask_for_model_file(self)
        if path:
            self.open_model(path)

    def ask_for_class_names(self) -> None:
        from visualizer.ui.inspector.class_names_dialog import ClassNamesDialog

        opened = self.controller.opened
        if opened is None:
            return
        dialog = ClassNamesDialog(opened.report.class_count, self._class_names, self._class_names_source, self)
        if dialog.exec() == ClassNamesDialog.DialogCode.Accepted:
            self.classNamesTyped.emit(dialog.names())

    # -- settings (RemembersSettings): the class names typed for each model file ---------------------
    def restore_settings(self, settings) -> None:
        from visualizer.ui.inspector.class_names import TYPED_NAMES_KEY, read_typed_names

        self.controller.typed_names = read_typed_names(settings.value(TYPED_NAMES_KEY))

    def save_settings(self, settings) -> None:
        from visualizer.ui.inspector.class_names import TYPED_NAMES_KEY, write_typed_names

        settings.setValue(TYPED_NAMES_KEY, write_typed_names(self.controller.typed_names))

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
        self.imageOpened.emit(np.asarray(pixels), title)
        self.tabs.setCurrentWidget(self.image_tab)

    def show_drawing_canvas(self) -> None:
        """File > Draw image… draws here: on the Draw tab, whose canvas is the open network's input
        (its size and colour), with the model's answer beside it as the pen moves."""
        self.tabs.setCurrentWidget(self.draw_tab)
        self.draw_tab.canvas.setFocus()

    # -- InspectorView -----------------------------------------------------------------------------
    def show_status(self, text: str) -> None:
        self.banner.show_message("info", text)

    def _on_tab_save_reported(self, kind: str, text: str, details: str) -> None:
        self.banner.show_message(kind, text, details=details)

    def show_error(self, text: str, details: str = "") -> None:
        self.banner.show_message("error", text, details=details)

    def show_warning(self, text: str) -> None:
        self.banner.show_message("warning", text)

    def show_class_names(self, names: tuple[str, ...], source: str) -> None:
        self._class_names, self._class_names_source = tuple(names), source
        self.why_tab.set_class_names(names)
        self.draw_tab.set_class_names(names)
        self.model_panel.show_class_names_source(source)
        self.model_panel.names_button.setToolTip(
            f"The class names now come from {source}. Type or paste the model's own, in the order of its outputs"
        )
        self.lazy_tabs.mark_stale()

    def show_class_names_refused(self, text: str) -> None:
        self.show_error(text)

    def set_canvas(self, height: int, width: int, channels: int, light_on_dark: bool) -> None:
        self.draw_tab.set_canvas(height, width, colour=channels == 3, shown_inverted=light_on_dark)

    def set_range_check_available(self, available: bool, reason: str) -> None:
        self.model_panel.set_range_check_available(available, reason)

    def show_range_check_progress(self, done: int, total: int) -> None:
        self.model_panel.show_range_check_progress(done, total)

    def show_range_check(self, accuracies: tuple[tuple[str, float], ...], chosen: str, count: int) -> None:
        self.model_panel.show_range_check(accuracies, chosen, count)

    def confirm_unsafe(self, message: str) -> bool:
        answer = QMessageBox.warning(
            self, "This model holds Python code",
            f"{message}\n\nOpen it only if you trust where it came from. Open it anyway?",
            QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Open

    def show_model(self, opened: ModelOpened) -> None:
        report = opened.report
        self.modelOpened.emit(report.path)
        self._shown = None  # the tabs not drawn yet wait for the new model's first answer
        self.lazy_tabs.forget()
        self.model_panel.show_model(opened)
        self.architecture_tab.show_layers(opened.layers, report.input_shape)
        self.why_tab.set_gradcam_layer(report.saliency_layer)
        self.why_tab.set_randomisation((), opened.randomisable[-1] if opened.randomisable else None)
        self.test_set_tab.set_evaluation(None)
        # The deepest conv layer with a map first: its filters see the most of the picture.
        self.filters_tab.set_layers(report.conv_layers, report.saliency_layer)

    def ask_input_range(self, choices: tuple[str, ...], chosen: str) -> None:
        self.model_panel.ask_input_range(choices, chosen)

    def show_explanation(self, explained: Explained, picture: Picture, opened: ModelOpened) -> None:
        """Draw the visible tab now; the others when they are opened (a stroke sends a picture per
        mouse move, and only the tab in view has to keep up with the pen)."""
        self._shown = (explained, picture, opened)
        self.lazy_tabs.mark_stale()
        self.model_panel.show_picture_title(picture.title, picture.test_index)

    def _draw_tab(self, tab: QWidget) -> None:
        if self._shown is None:
            return
        explained, picture, opened = self._shown
        report = opened.report
        names = self._class_names or report.class_names
        if tab is self.image_tab:
            self.image_tab.show_explanation(
                explained, picture.title, picture.true_label, names,
                opened.conv_kernels, report.channel_axis == "first", picture.light_on_dark,
            )
        elif tab is self.why_tab:
            self.why_tab.show_maps(
                as_displayed(explained.shown, picture.light_on_dark), explained.grad_cam, explained.gradient,
                explained.class_index, explained.probabilities,
            )
        elif tab is self.draw_tab and picture.drawn:
            self.draw_tab.show_prediction(explained.shown, explained.probabilities, explained.grad_cam)

    def show_progress(self, done: int, total: int) -> None:
        self.test_set_tab.set_progress(done, total)

    def show_default_test_set(self, title: str, tip: str, available: bool) -> None:
        self.test_set_tab.set_default_test_set(title, tip, available)

    def show_evaluation(self, evaluation) -> None:
        self.model_panel.set_test_count(len(evaluation.labels))
        self.test_set_tab.set_evaluation(evaluation)

    def show_randomisation(self, done: tuple[str, ...], next_layer: str | None) -> None:
        self.why_tab.set_randomisation(done, next_layer)

    def show_top_images_progress(self, layer: str, done: int, total: int) -> None:
        self.filters_tab.set_progress(layer, done, total)

    def show_top_images(self, tops) -> None:
        self.filters_tab.set_top_images(tops)

    def show_top_images_outdated(self) -> None:
        self.filters_tab.forget()

    def show_filters_unavailable(self, text: str) -> None:
        self.filters_tab.set_unavailable(text)

    def show_filter_picture(self, progress, running: bool) -> None:
        self.filters_tab.set_picture(progress, running)

    def sample_picture(self, rgb: bool) -> Picture | None:
        from visualizer.imagefile import ImageError
        from visualizer.ui.kit.samples import find_sample

        name = SAMPLE_PHOTO if rgb else SAMPLE_GRAY
        try:
            sample = find_sample(name)
            return Picture(sample.load("rgb" if rgb else "gray"), sample.title)
        except (KeyError, OSError, ImageError):  # a broken install: the user opens a picture
            log.exception("could not load the sample picture %s", name)
            return None

    def offer_learned_kernel(self, learned) -> None:
        self.stepThroughRequested.emit(learned)

    # -- slots -------------------------------------------------------------------------------------
    def _on_architecture_layer_chosen(self, label: str) -> None:
        self.tabs.setCurrentWidget(self.image_tab)
        self.image_tab.show_map(label, None)

    def _on_why_tab_class_chosen(self, index: int) -> None:
        self.classChosen.emit(None if index == PREDICTED else index)

    def _on_test_set_evaluate_requested(self) -> None:
        self.evaluateRequested.emit(None)

    def _on_test_set_folder_chosen(self, folder: str) -> None:
        self.evaluateRequested.emit(folder)

    def _on_test_set_image_chosen(self, index: int) -> None:
        self.testImageChosen.emit(index)
        self.tabs.setCurrentWidget(self.image_tab)

    def _on_prestart_timer_timeout(self) -> None:
        if self.isVisible():
            self._prestart_asked = True
            self.prestartDue.emit()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._prestart_asked:
            self._prestart_timer.start()

    def closeEvent(self, event) -> None:
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """End the model process (the window closes)."""
        self._prestart_timer.stop()
        self._prestart_asked = True  # a page closed for good starts no process
        self.client.shutdown()

