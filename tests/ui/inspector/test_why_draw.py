"""The inspector's Why and Draw tabs and its per-layer views: clicked and dragged like a user."""

import numpy as np
import pytest
from PyQt6.QtCore import QPoint, QPointF, Qt
from PyQt6.QtGui import QMouseEvent
from PyQt6.QtWidgets import QApplication

from visualizer.ops.trace import format_number
from visualizer.training.data import CLASS_NAMES
from visualizer.ui.inspector.layer_views import DenseBars, FeatureMapDetail, LayerHistogram
from visualizer.ui.inspector.tabs.draw import DrawTab, fit_to_canvas, top_classes_text
from visualizer.ui.inspector.tabs.why import PREDICTED, WhyTab, randomisation_text

PROBABILITIES = np.array([0.01, 0.0, 0.0, 0.0, 0.01, 0.02, 0.0, 0.93, 0.01, 0.02])


def smooth_heat(side: int = 28) -> np.ndarray:
    rows, cols = np.mgrid[0:side, 0:side]
    heat = np.exp(-((rows - side / 2) ** 2 + (cols - side / 3) ** 2) / 40.0)
    return heat / heat.max()


@pytest.fixture
def why(qtbot):
    tab = WhyTab()
    qtbot.addWidget(tab)
    tab.set_class_names(CLASS_NAMES)
    tab.set_gradcam_layer("conv2d_1")
    image = np.random.default_rng(0).random((28, 28))
    tab.show_maps(image, smooth_heat(), smooth_heat()[::-1], 7, PROBABILITIES)
    return tab


# -- Why -------------------------------------------------------------------------------------------
def test_opacity_slider_sets_the_heat_maps_opacity(why):
    assert why.opacity_slider.value() == 50 and why.opacity() == pytest.approx(0.5)
    why.opacity_slider.setValue(80)
    assert why.grad_cam_view.heat_item.opacity() == pytest.approx(0.8)
    assert why.gradient_view.heat_item.opacity() == pytest.approx(0.8)
    assert "80 %" in why.opacity_label.text()
    why.opacity_slider.setValue(0)
    assert why.opacity() == 0.0


def test_maps_are_shown_over_the_image(why):
    assert np.array_equal(why.grad_cam_view.heat(), smooth_heat().astype(np.float32))
    assert why.gradient_view.image_item.image.shape == (28, 28)
    assert "conv2d_1" in why.grad_cam_view.title.text()
    assert "Sneaker" in why.subject.text() and "93.0%" in why.subject.text()
    why.show_maps(np.zeros((28, 28, 3)), None, smooth_heat(), 0, PROBABILITIES)
    assert why.grad_cam_view.heat() is None and why.grad_cam_view.heat_item.image is None


def test_class_picker_emits_the_class_and_names_the_prediction(qtbot, why):
    assert why.class_picker.count() == 1 + len(CLASS_NAMES)
    assert why.class_picker.itemText(0) == "the predicted class (Sneaker)"
    with qtbot.waitSignal(why.classChosen) as chosen:
        why.class_picker.setCurrentIndex(1 + 3)
    assert chosen.args == [3]
    with qtbot.waitSignal(why.classChosen) as chosen:
        why.class_picker.setCurrentIndex(0)
    assert chosen.args == [PREDICTED]


def test_new_class_names_keep_the_choice_without_a_signal(qtbot, why):
    why.class_picker.setCurrentIndex(1 + 5)
    with qtbot.assertNotEmitted(why.classChosen):
        why.set_class_names(tuple(name.upper() for name in CLASS_NAMES))
    assert why.chosen_class() == 5 and why.class_picker.currentText() == "SANDAL"


def test_smoothgrad_box_emits(qtbot, why):
    with qtbot.waitSignal(why.smoothGradChanged) as changed:
        why.smooth_grad.setChecked(True)
    assert changed.args == [True]


def test_randomise_and_restore_buttons_emit_and_follow_the_state(qtbot, why):
    why.set_randomisation([], "dense_2")
    assert why.randomise_button.isEnabled() and not why.restore_button.isEnabled()
    with qtbot.waitSignal(why.randomiseRequested):
        qtbot.mouseClick(why.randomise_button, Qt.MouseButton.LeftButton)

    why.set_randomisation(["dense_2", "dense_1"], "conv2d_1")
    assert why.randomise_button.isEnabled() and why.restore_button.isEnabled()
    assert why.randomisation_status.text() == "Random: dense_2, dense_1 \u2014 next: conv2d_1"
    with qtbot.waitSignal(why.restoreRequested):
        qtbot.mouseClick(why.restore_button, Qt.MouseButton.LeftButton)

    why.set_randomisation(["dense_2", "dense_1", "conv2d_1", "conv2d"], None)
    assert not why.randomise_button.isEnabled() and why.restore_button.isEnabled()
    assert "every layer is random" in why.randomisation_status.text()


def test_randomisation_text_for_a_model_without_weights():
    assert "no layer" in randomisation_text([], None)


def test_save_as_png_writes_the_maps(qtbot, why, tmp_path, monkeypatch):
    from PyQt6.QtWidgets import QFileDialog

    target = tmp_path / "maps"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args: (str(target), ""))
    why.resize(900, 600)
    qtbot.mouseClick(why.save_button, Qt.MouseButton.LeftButton)
    assert (tmp_path / "maps.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# -- Draw ------------------------------------------------------------------------------------------
@pytest.fixture
def draw(qtbot):
    tab = DrawTab()
    qtbot.addWidget(tab)
    tab.set_class_names(CLASS_NAMES)
    tab.resize(1000, 650)
    tab.show()
    qtbot.waitExposed(tab)
    return tab


def _send(widget, kind, point: QPoint, buttons) -> None:
    button = Qt.MouseButton.LeftButton if kind != QMouseEvent.Type.MouseMove else Qt.MouseButton.NoButton
    position = QPointF(point)
    event = QMouseEvent(kind, position, widget.mapToGlobal(position), button, buttons, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


def test_a_stroke_reports_the_picture_while_the_pen_moves(draw):
    canvas = draw.canvas
    pictures = []
    draw.pictureChanged.connect(pictures.append)
    left, right = canvas.width() * 0.25, canvas.width() * 0.75
    row = canvas.height() // 2
    held = Qt.MouseButton.LeftButton
    _send(canvas, QMouseEvent.Type.MouseButtonPress, QPoint(int(left), row), held)
    for x in np.linspace(left, right, 6)[1:]:
        _send(canvas, QMouseEvent.Type.MouseMove, QPoint(int(x), row), held)
    during_drag = len(pictures)
    _send(canvas, QMouseEvent.Type.MouseButtonRelease, QPoint(int(right), row), Qt.MouseButton.NoButton)

    assert during_drag > 1, "the bars must follow the pen, not wait for the release"
    last = pictures[-1]
    assert last.shape == (28, 28) and last.min() >= 0 and last.max() <= 1
    assert last[13:15, 8:20].min() > 0.5, "drawn where the pen went"
    assert last[:5].max() == 0 and last[-5:].max() == 0, "and nowhere else"
    assert pictures[1].sum() < last.sum(), "each report holds the stroke so far"


def test_clear_reports_a_black_picture(qtbot, draw):
    draw.canvas.stroke(QPointF(4, 4), QPointF(20, 20))
    with qtbot.waitSignal(draw.pictureChanged) as changed:
        qtbot.mouseClick(draw.clear_button, Qt.MouseButton.LeftButton)
    assert changed.args[0].max() == 0


def test_show_prediction_updates_bars_words_and_grad_cam(draw):
    draw.canvas.stroke(QPointF(4, 4), QPointF(20, 20))
    model_input = np.random.default_rng(1).random((28, 28))
    draw.show_prediction(model_input, PROBABILITIES, smooth_heat())
    assert np.array_equal(draw.bars.values(), PROBABILITIES)
    assert draw.top_classes.text().splitlines() == ["1. Sneaker 93.0%", "2. Sandal 2.0%", "3. Ankle boot 2.0%"]
    assert np.array_equal(draw.model_input_view.image_item.image, model_input.astype(np.float32))
    assert "28x28" in draw.model_input_view.title.text()
    assert draw.grad_cam_view.heat() is not None
    draw.show_prediction(np.zeros((32, 32, 3)), PROBABILITIES[::-1], None)
    assert np.array_equal(draw.bars.values(), PROBABILITIES[::-1])
    assert draw.grad_cam_view.heat() is None and "32x32x3" in draw.model_input_view.title.text()


def test_with_nothing_drawn_the_tab_says_so_and_shows_no_choice(draw):
    from visualizer.ui.inspector.tabs.draw import NOTHING_DRAWN

    assert draw.top_classes.text() == NOTHING_DRAWN
    assert draw.bars.chosen() is None  # no class in bold while every bar is empty
    draw.show_prediction(np.zeros((28, 28)), PROBABILITIES, smooth_heat())  # the model's guess for a blank
    assert draw.top_classes.text() == NOTHING_DRAWN and draw.bars.chosen() is None
    draw.canvas.stroke(QPointF(4, 4), QPointF(20, 20))
    draw.show_prediction(np.zeros((28, 28)), PROBABILITIES, smooth_heat())
    assert draw.top_classes.text().startswith("1. Sneaker") and CLASS_NAMES[draw.bars.chosen()] == "Sneaker"
    draw.canvas.clear()
    draw.show_prediction(np.zeros((28, 28)), PROBABILITIES, smooth_heat())
    assert draw.top_classes.text() == NOTHING_DRAWN


def test_the_canvas_takes_the_models_input_size_and_colour_and_says_so(draw):
    draw.set_canvas(64, 48, colour=False, shown_inverted=False)
    assert draw.canvas.image().shape == (64, 48)
    assert "64x48 grey" in draw.caption.text() and "Fashion-MNIST" not in draw.caption.text()
    assert "red, green and blue" not in draw.mode_note.text()
    draw.set_canvas(32, 32, colour=True, shown_inverted=False)
    assert draw.canvas.image().shape == (32, 32, 3)
    assert "red, green and blue" in draw.mode_note.text() and "32x32 colour" in draw.caption.text()
    draw.canvas.stroke(QPointF(4, 16), QPointF(28, 16))
    drawn = draw.canvas.image()
    assert drawn[16, 10].min() > 0.9 and np.ptp(drawn[16, 10]) == 0.0, "a stroke is grey: the same in R, G and B"
    draw.set_canvas(32, 32, colour=True, shown_inverted=False)  # the same model's test set evaluated
    assert np.array_equal(draw.canvas.image(), drawn), "the drawing is kept"


def test_a_light_on_dark_canvas_is_shown_as_dark_ink_on_white_and_gives_the_model_bright_strokes(qtbot, draw):
    draw.set_canvas(28, 28, colour=False, shown_inverted=True)
    assert "dark on white" in draw.caption.text()
    draw.canvas.stroke(QPointF(4, 14), QPointF(24, 14))
    assert draw.canvas.image()[14, 10] > 0.9, "the model is given a bright stroke"
    shot = draw.canvas.grab().toImage()
    area = draw.canvas._cell_rect()
    paper = shot.pixelColor(int(area.left() + area.width() * 0.5), int(area.top() + area.height() * 0.1))
    ink = shot.pixelColor(int(area.left() + area.width() * 10.5 / 28), int(area.top() + area.height() * 14.5 / 28))
    assert paper.value() > 200 and ink.value() < 50


def test_an_opened_image_is_fitted_to_the_canvas(qtbot, draw, monkeypatch):
    from visualizer.ui.inspector.tabs import draw as draw_tab
    from visualizer.ui.kit.images import UserImage

    wide = np.ones((10, 40))
    wide[:, 10:30] = 0.0
    monkeypatch.setattr(draw_tab, "ask_for_image_file", lambda parent, mode: UserImage(wide, "wide.png"))
    with qtbot.waitSignal(draw.pictureChanged) as changed:
        qtbot.mouseClick(draw.open_button, Qt.MouseButton.LeftButton)
    picture = changed.args[0]
    assert picture.shape == (28, 28)
    assert picture[0].min() == 1.0, "the margins take the white of the picture's border"
    assert picture[14, 14] == 0.0


def test_an_opened_colour_photo_keeps_its_colours_and_the_models_full_size(qtbot, draw, monkeypatch):
    from visualizer.ui.inspector.tabs import draw as draw_tab
    from visualizer.ui.kit.images import UserImage

    photo = np.zeros((64, 64, 3))
    photo[..., 0] = 1.0  # red
    photo[16:48, 16:48] = (0.0, 0.0, 1.0)  # a blue square
    asked = []
    monkeypatch.setattr(draw_tab, "ask_for_image_file", lambda parent, mode: asked.append(mode) or UserImage(photo, "p.png"))
    draw.set_canvas(64, 64, colour=True, shown_inverted=False)
    with qtbot.waitSignal(draw.pictureChanged) as changed:
        qtbot.mouseClick(draw.open_button, Qt.MouseButton.LeftButton)
    picture = changed.args[0]
    assert asked == ["rgb"] and picture.shape == (64, 64, 3)
    np.testing.assert_allclose(picture[2, 2], (1.0, 0.0, 0.0), atol=0.01)
    np.testing.assert_allclose(picture[32, 32], (0.0, 0.0, 1.0), atol=0.01)
    assert np.abs(picture[20:44, 20:44] - (0.0, 0.0, 1.0)).max() < 0.01, "not blurred through a smaller canvas"


def test_fit_to_canvas_and_top_classes():
    assert fit_to_canvas(np.full((5, 9), 0.5), 28, 28).shape == (28, 28)
    assert fit_to_canvas(np.full((5, 9, 3), 0.5), 64, 32).shape == (64, 32, 3)
    assert top_classes_text((), np.array([0.2, 0.7, 0.1]), 2) == "1. class 1 70.0%\n2. class 0 20.0%"


# -- layer views -------------------------------------------------------------------------------------
def test_dense_bars_show_the_values(qtbot):
    bars = DenseBars()
    qtbot.addWidget(bars)
    values = np.random.default_rng(2).normal(size=128)
    bars.set_activations("dense_1", values)
    assert np.array_equal(bars.bars.opts["height"], values)
    assert np.array_equal(bars.values(), values)
    strongest = int(np.argmax(values))
    assert "128 units" in bars.title.text() and f"unit {strongest}" in bars.title.text()


def test_histogram_writes_numpys_mean_and_standard_deviation(qtbot):
    histogram = LayerHistogram()
    qtbot.addWidget(histogram)
    values = np.maximum(np.random.default_rng(3).normal(0.2, 0.7, (26, 26, 32)), 0)
    histogram.set_activations("conv2d", values)
    text = histogram.summary_text()
    assert f"mean {format_number(np.mean(values), 4)}" in text
    assert f"standard deviation {format_number(np.std(values), 4)}" in text
    assert f"{values.size:,} values" in text
    assert f"{np.mean(values == 0):.0%} exactly 0" in text
    assert histogram.bars.opts["height"].sum() == values.size
    assert histogram.mean_line.value() == pytest.approx(np.mean(values))


def test_feature_map_detail_shows_map_kernel_and_asks_to_step_through(qtbot):
    detail = FeatureMapDetail()
    qtbot.addWidget(detail)
    feature_map = np.random.default_rng(4).random((26, 26))
    kernel = np.arange(9.0).reshape(3, 3, 1) / 10 - 0.4
    detail.show_map(feature_map, kernel, 0.25, "conv2d", 4)
    assert np.array_equal(detail.map_view.values(), feature_map)
    assert len(detail.kernel_views) == 1
    assert np.array_equal(detail.kernel_views[0].values(), kernel[..., 0])
    assert "bias 0.25" in detail.kernel_note.text() and "conv2d" in detail.title.text()
    with qtbot.waitSignal(detail.stepThroughRequested):
        qtbot.mouseClick(detail.step_button, Qt.MouseButton.LeftButton)

    detail.show_map(feature_map[:11, :11], np.zeros((3, 3, 32)), None, "conv2d_1", 0)
    assert len(detail.kernel_views) == 1 and "32 input channels" in detail.kernel_note.text()
    detail.show_map(feature_map[:13, :13], None, None, "max_pooling2d", 2)
    assert detail.kernel_views == [] and not detail.step_button.isEnabled()


def test_a_coarse_heat_map_is_stretched_over_the_whole_image(why):
    why.show_maps(np.zeros((32, 32, 3)), smooth_heat(7), None, 7, PROBABILITIES)
    rect = why.grad_cam_view.heat_item.mapRectToParent(why.grad_cam_view.heat_item.boundingRect())
    assert (rect.width(), rect.height()) == (32, 32)
    assert why.gradient_view.heat() is None
