"""The inspector as a teacher sees it at 1280x720: its choice boxes wide enough for their longest
item, and a Fashion-MNIST picture drawn the same way in the One image tab as in the test set's
gallery (dark ink on white), which the tab says."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtGui import QFontMetrics
from PyQt6.QtWidgets import QApplication, QComboBox, QStyle, QStyleOptionComboBox

from tests.ui.inspector.test_controller import opened
from tests.ui.inspector.test_link import FakeServer
from visualizer.inspection import protocol as s
from visualizer.ui.inspector.link import ModelClient
from visualizer.ui.inspector.page import InspectorPage
from visualizer.ui.main_window import MainWindow

# A teacher's own model, with class names of its own: the longest is the one predicted below.
CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
           "Ankle boot with a heel")
LAYERS = ("conv2d_12", "max_pooling2d_12", "separable_conv2d_3", "global_average_pooling2d_1", "dense_7")


class OfflineInspectorPage(InspectorPage):
    """The inspector with a model process that is never started: the test hands it the replies."""

    def __init__(self) -> None:
        super().__init__(client=ModelClient(server_factory=FakeServer))


@pytest.fixture
def page(qtbot, keep, register_pages):
    from visualizer.ui import pages

    register_pages([
        dataclasses.replace(spec, factory=f"{__name__}:OfflineInspectorPage") if spec.name == "inspector" else spec
        for spec in pages.PAGES
    ])
    window = keep(MainWindow(first_page="inspector"))
    window.resize(1280, 720)
    window.show()
    page = window.current_page()
    assert isinstance(page, OfflineInspectorPage)
    return page


def open_third_party_model(page) -> None:
    """A model with Keras's own long layer names and class names of its own, opened after one with
    short names whose every tab was looked at: each box was first shown with the short items."""
    page.client.replied.emit(opened(input_range=(0.0, 1.0)))
    page.set_input_image(np.zeros((28, 28), np.uint8), "a picture")
    page.client.replied.emit(explained(np.zeros((28, 28), np.float32), layers=("conv1",)))
    for index in range(page.tabs.count()):
        page.tabs.setCurrentIndex(index)
        QApplication.processEvents()
    model = opened(input_range=(0.0, 1.0))
    report = dataclasses.replace(model.report, class_names=CLASSES, conv_layers=LAYERS[:3:2], saliency_layer=LAYERS[2])
    page.client.replied.emit(dataclasses.replace(model, report=report))
    page.set_input_image(np.zeros((28, 28), np.uint8), "a picture")  # the replies below explain it


def explained(shown: np.ndarray, layers=LAYERS) -> s.Explained:
    outputs = tuple(
        s.LayerOutput(name, "dense" if name.startswith(("dense", "global")) else "conv",
                      np.zeros(8) if name.startswith(("dense", "global")) else np.zeros((4, 4, 2)))
        for name in layers
    )
    probabilities = np.eye(10)[9]
    return s.Explained(1, shown, shown[..., np.newaxis].astype(np.float32), probabilities, 9, outputs, None,
                       np.zeros(shown.shape), 0.01)


def assert_wide_enough(box: QComboBox) -> None:
    """Its longest item fits in the box, and in the part of it that shows the text (beside the arrow)."""
    items = [box.itemText(i) for i in range(box.count())]
    assert items, "the box has its items"
    longest = max(items, key=QFontMetrics(box.font()).horizontalAdvance)
    needed = QFontMetrics(box.font()).horizontalAdvance(longest)
    option = QStyleOptionComboBox()
    box.initStyleOption(option)
    field = box.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, option, QStyle.SubControl.SC_ComboBoxEditField, box)
    assert box.isVisible() and box.width() >= needed, f"{longest!r} needs {needed} px, the box is {box.width()} px"
    assert field.width() >= needed, f"{longest!r} needs {needed} px, the box shows {field.width()} px of text"


def test_the_layer_and_explain_boxes_show_their_longest_item_whole(page, qtbot):
    open_third_party_model(page)
    page.client.replied.emit(explained(np.zeros((28, 28), np.float32)))
    for tab, box in (
        (page.why_tab, page.why_tab.class_picker),
        (page.filters_tab, page.filters_tab.layer_box),
        (page.image_tab, page.image_tab.layer_detail.layer_choice),
    ):
        page.tabs.setCurrentWidget(tab)
        if tab is page.image_tab:
            page.image_tab.views.setCurrentWidget(page.image_tab.layer_detail)
        qtbot.wait(50)  # the layout requests that the new items posted are handled
        assert_wide_enough(box)


def rendered_grey(view, x: float, y: float) -> int:
    """The grey level drawn at (x, y), as fractions of the image view's width and height."""
    image = view.grab().toImage()
    return image.pixelColor(int(x * (image.width() - 1)), int(y * (image.height() - 1))).value()


def evaluated(images: np.ndarray, light_on_dark: bool, names=CLASSES) -> s.Evaluated:
    count = len(images)
    return s.Evaluated(2, images, np.zeros(count, np.int64), np.tile(np.eye(len(names))[0], (count, 1)), names,
                       "the test set", 0.1, light_on_dark=light_on_dark)


def test_a_fashion_mnist_picture_is_dark_ink_on_white_as_in_the_gallery_and_the_tab_says_so(page):
    from visualizer.ui.kit.thumbnails import thumbnail

    picture = np.zeros((28, 28), np.float32)
    picture[8:20, 8:20] = 1.0  # a bright garment on Fashion-MNIST's black ground, as the model sees it
    open_third_party_model(page)
    page.client.replied.emit(evaluated((picture[np.newaxis] * 255).astype(np.uint8), light_on_dark=True))
    page.testImageChosen.emit(0)
    assert page.controller.picture.light_on_dark
    page.tabs.setCurrentWidget(page.image_tab)
    page.client.replied.emit(explained(picture))
    QApplication.processEvents()
    view = page.image_tab.image_view
    garment, ground = rendered_grey(view, 0.5, 0.5), rendered_grey(view, 0.5, 0.03)
    gallery = thumbnail((picture * 255).astype(np.uint8), 56, light_on_dark=True).toImage()
    assert gallery.pixelColor(28, 28).value() < 50 and gallery.pixelColor(28, 1).value() > 200
    assert garment < 50, "the garment is dark ink, as in the gallery"
    assert ground > 200, "the ground is white paper, as in the gallery"
    said = view.toolTip().lower()
    assert "dark" in said and "white" in said, "the tab says how it draws the picture"
    page.tabs.setCurrentWidget(page.why_tab)
    QApplication.processEvents()
    assert page.why_tab.grad_cam_view.image_item.image[14, 14] == 0.0, "the Why tab draws it the same way"


def test_a_grey_photograph_is_shown_as_it_is_everywhere(page):
    from visualizer.ui.kit.thumbnails import thumbnail

    photo = np.full((28, 28), 1.0, np.float32)
    photo[8:20, 8:20] = 0.0  # a black helmet on white
    open_third_party_model(page)
    page.client.replied.emit(evaluated((photo[np.newaxis] * 255).astype(np.uint8), light_on_dark=False))
    page.testImageChosen.emit(0)
    page.tabs.setCurrentWidget(page.image_tab)
    page.client.replied.emit(explained(photo))
    QApplication.processEvents()
    view = page.image_tab.image_view
    assert rendered_grey(view, 0.5, 0.5) < 50 and rendered_grey(view, 0.5, 0.03) > 200
    assert thumbnail((photo * 255).astype(np.uint8), 56).toImage().pixelColor(28, 28).value() < 50
    gallery = page.test_set_tab.gallery
    shown = gallery.model.data(gallery.model.index(0, 0), Qt.ItemDataRole.DecorationRole).toImage()
    assert shown.pixelColor(shown.width() // 2, shown.height() // 2).value() < 50, "the black helmet stays black"
    assert shown.pixelColor(shown.width() // 2, 1).value() > 200
    assert not page.draw_tab.canvas.shown_inverted, "a drawing for this model is shown as it is, too"


def test_a_colour_picture_is_drawn_in_its_own_colours(page):
    picture = np.zeros((28, 28, 3), np.float32)
    picture[..., 0] = 1.0  # red
    open_third_party_model(page)
    page.tabs.setCurrentWidget(page.image_tab)
    reply = explained(np.zeros((28, 28), np.float32))
    page.client.replied.emit(dataclasses.replace(reply, shown=picture))
    QApplication.processEvents()
    image = page.image_tab.image_view.grab().toImage()
    centre = image.pixelColor(image.width() // 2, image.height() // 2)
    assert (centre.red(), centre.green(), centre.blue()) == (255, 0, 0)
