"""What the inspector's controller and its page say to each other: the signals the page emits when
the user asks for something, and the setters the controller calls to show what happened.

``InspectorView`` is a ``typing.Protocol``: the page implements it without inheriting it, so a
member it lacks is found by the conformance test (tests/ui/test_view_contracts.py) rather than
silently doing nothing, and the controller is tested against ``MagicMock(spec=InspectorView)``.
The signals are declared with their argument types, as the page declares them; the controller
connects every one of them (controller.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np
from PyQt6.QtCore import pyqtSignal

if TYPE_CHECKING:
    from visualizer.inspection.evaluation import Evaluation
    from visualizer.inspection.filters import FilterTops
    from visualizer.inspection.protocol import Explained, ModelOpened, PictureProgress
    from visualizer.ui.page_contract import LearnedKernel


@dataclass(frozen=True)
class Picture:
    """The picture the inspector explains: its pixels, a title, and its true class when known."""

    pixels: np.ndarray
    title: str
    true_label: int | None = None
    test_index: int | None = None  # its place in the evaluated test set, when it comes from there
    drawn: bool = False  # drawn on the Draw tab
    # Grey and light on dark by its data's convention (Fashion-MNIST's): shown inverted, as dark ink
    # on white, as the gallery shows the test set. Photographs and opened files are shown as they are.
    light_on_dark: bool = False


class InspectorView(Protocol):
    """The page as the controller sees it: what the user asks for, and plain setters."""

    # -- what the user asks for -------------------------------------------------------------------
    modelOpenRequested = pyqtSignal(str, bool, bool)  # path, unsafe (allow Python code), may_ask (about such code)
    inputRangeChosen = pyqtSignal(str)  # one of inspection.report.INPUT_RANGES
    imageOpened = pyqtSignal(object, str)  # pixels and title, from File > Open image or Draw image
    pictureDrawn = pyqtSignal(object)  # the Draw tab's canvas, (H, W) or (H, W, 3) floats in [0, 1]
    testImageChosen = pyqtSignal(int)  # an index into the evaluated test set
    randomTestImageRequested = pyqtSignal()
    classChosen = pyqtSignal(object)  # the class the saliency maps explain; None: the predicted one
    smoothGradChanged = pyqtSignal(bool)
    randomiseRequested = pyqtSignal()  # the next layer's trained weights made random
    restoreRequested = pyqtSignal()  # every trained weight put back
    evaluateRequested = pyqtSignal(object)  # a folder of class sub-folders; None: the model's default test set
    topImagesRequested = pyqtSignal(str)  # a conv layer whose filters' top images are wanted
    filterPictureRequested = pyqtSignal(str, int)  # layer, filter
    filterPictureStopRequested = pyqtSignal()
    kernelStepThroughRequested = pyqtSignal(str, int)  # layer, channel: step through it on the Convolution page
    prestartDue = pyqtSignal()  # the page has been in view a while: start the model process ahead
    classNamesTyped = pyqtSignal(object)  # the names the user typed or pasted (str); "" forgets them
    rangeCheckRequested = pyqtSignal()  # the test set evaluated under each input range

    # -- what the controller shows ----------------------------------------------------------------
    def show_status(self, text: str) -> None: ...
    def show_error(self, text: str, details: str = "") -> None: ...
    def confirm_unsafe(self, message: str) -> bool: ...  # True: the user agrees to run the model's code
    def show_model(self, opened: ModelOpened) -> None: ...
    def ask_input_range(self, choices: tuple[str, ...], chosen: str) -> None: ...
    def show_explanation(self, explained: Explained, picture: Picture, opened: ModelOpened) -> None: ...
    def show_progress(self, done: int, total: int) -> None: ...  # of an evaluation; done == total: none running
    # What Evaluate evaluates on ("Evaluate " + title), which images in words (or why none), and whether it can.
    def show_default_test_set(self, title: str, tip: str, available: bool) -> None: ...
    def show_evaluation(self, evaluation: Evaluation) -> None: ...
    def show_randomisation(self, done: tuple[str, ...], next_layer: str | None) -> None: ...
    def sample_picture(self, rgb: bool) -> Picture | None: ...  # None: the install has none
    def show_top_images_progress(self, layer: str, done: int, total: int) -> None: ...
    def show_top_images(self, tops: FilterTops) -> None: ...
    def show_top_images_outdated(self) -> None: ...
    def show_filters_unavailable(self, text: str) -> None: ...
    def show_filter_picture(self, progress: PictureProgress | None, running: bool) -> None: ...
    def offer_learned_kernel(self, learned: LearnedKernel) -> None: ...  # to be stepped through elsewhere
    def show_warning(self, text: str) -> None: ...
    # The names every tab uses for the model's classes, and where they came from, in words.
    def show_class_names(self, names: tuple[str, ...], source: str) -> None: ...
    def show_class_names_refused(self, text: str) -> None: ...  # typed names that cannot be used, and why
    # The model's input (height, width, channels) and its data's convention (light_on_dark: shown
    # inverted), for the drawing canvas.
    def set_canvas(self, height: int, width: int, channels: int, light_on_dark: bool) -> None: ...
    def set_range_check_available(self, available: bool, reason: str) -> None: ...
    def show_range_check_progress(self, done: int, total: int) -> None: ...  # done == total: none running
    def show_range_check(self, accuracies: tuple[tuple[str, float], ...], chosen: str, count: int) -> None: ...
