"""The shared views a classifier page draws with: the probe image, the prediction bars, the
mosaic of layers and the banner."""

import numpy as np
import pytest
from PyQt6.QtCore import Qt

from visualizer.ui.kit import colormaps
from visualizer.ui.kit.banner import Banner
from visualizer.ui.kit.mosaic_view import MosaicView
from visualizer.ui.kit.probability_bars import (
    CHOSEN_COLOUR,
    OTHER_COLOUR,
    TRUE_COLOUR,
    ProbabilityBars,
    prediction_caption,
)
from visualizer.ui.kit.probe_view import ProbeImageView

NAMES = ("cat", "dog", "bird")


def test_probe_image_is_dark_ink_on_white(qtbot):
    view = ProbeImageView()
    qtbot.addWidget(view)
    view.set_image(np.array([[0.0, 1.0], [0.25, 0.5]]))
    np.testing.assert_allclose(view.image.image, [[1.0, 0.0], [0.75, 0.5]])


def test_prediction_bars_colour_the_true_class_blue_and_a_wrong_choice_red(qtbot):
    """The seed notebook's plot_value_array colours: grey, the choice red, the true class blue."""
    view = ProbabilityBars()
    qtbot.addWidget(view)
    view.set_class_names(NAMES)
    view.set_values(np.array([0.1, 0.7, 0.2]), true_label=2)
    assert list(view.values()) == pytest.approx([0.1, 0.7, 0.2])
    assert view.bar_colours() == [OTHER_COLOUR, CHOSEN_COLOUR, TRUE_COLOUR]
    view.set_values(np.array([0.1, 0.2, 0.7]), true_label=2)
    assert view.bar_colours() == [OTHER_COLOUR, OTHER_COLOUR, TRUE_COLOUR]  # a right choice is blue
    view.set_values(np.array([0.1, 0.2, 0.7]))
    assert view.bar_colours() == [OTHER_COLOUR, OTHER_COLOUR, CHOSEN_COLOUR]  # no true class known
    assert view.class_names(3) == NAMES


def test_prediction_bars_number_the_classes_until_they_are_named(qtbot):
    view = ProbabilityBars()
    qtbot.addWidget(view)
    assert view.class_names(3) == ("0", "1", "2")
    view.set_values(np.array([0.5, 0.25, 0.25]))
    view.grab()  # paints without names
    assert view.class_names(3) == ("0", "1", "2")


def test_prediction_caption_says_right_or_wrong_and_the_top_three():
    wrong = prediction_caption(NAMES, 0, np.array([0.2, 0.5, 0.3]), "Image #4")
    assert "<b>Image #4</b>" in wrong and "True: <b>cat</b>" in wrong
    assert "<b>dog</b> (wrong)" in wrong and "dog 50%, bird 30%, cat 20%" in wrong
    assert "(right)" in prediction_caption(NAMES, 1, np.array([0.2, 0.5, 0.3]), "")
    own = prediction_caption(NAMES, None, np.array([0.2, 0.5, 0.3]), "Your drawing")
    assert "True:" not in own and "<b>dog</b>" in own and "dog 50%, bird 30%, cat 20%" in own


def test_mosaic_view_rebuilds_only_for_other_layers(qtbot):
    view = MosaicView(columns=2)
    qtbot.addWidget(view)
    image = np.zeros((10, 20, 4), dtype=np.uint8)
    assert view.show_layers([("a", "A", image), ("b", "B", image)])
    assert not view.show_layers([("a", "A 2", image), ("b", "B", image)])
    assert view.layer_titles() == ["A 2", "B"]
    assert view.show_layers([("a", "A", image)])
    assert view.natural_height() == MosaicView.MIN_ROW_HEIGHT + MosaicView.TITLE_HEIGHT


def test_mosaic_view_draws_each_layer_in_its_own_colours_and_a_new_image_over_the_old(qtbot):
    view = MosaicView(columns=2)
    qtbot.addWidget(view)
    view.resize(400, 260)
    view.show()
    qtbot.waitExposed(view)

    def colours_drawn() -> set[tuple[int, int, int]]:
        pixels = view.grab().toImage()
        return {pixels.pixelColor(x, y).getRgb()[:3] for x in range(0, 400, 4) for y in range(0, 260, 4)}

    red = np.zeros((8, 8, 4), np.uint8)
    red[..., 0], red[..., 3] = 200, 255
    green = np.zeros((6, 6, 4), np.uint8)
    green[..., 1], green[..., 3] = 180, 255
    view.show_layers([("a", "A", red), ("b", "B", green)])
    assert {(200, 0, 0), (0, 180, 0)} <= colours_drawn()
    blue = red.copy()
    blue[..., 0], blue[..., 2] = 0, 150
    view.show_layers([("a", "A", blue), ("b", "B", green)])
    drawn = colours_drawn()
    assert (0, 0, 150) in drawn and (200, 0, 0) not in drawn


def test_rgba_lookup_table_is_the_rgb_table_made_opaque():
    rgba = colormaps.rgba_lookup_table(colormaps.DIVERGING)
    assert rgba.shape == (256, 4) and (rgba[:, 3] == 255).all()
    np.testing.assert_array_equal(rgba[:, :3], colormaps.lookup_table(colormaps.DIVERGING))


def test_banner_shows_details_and_an_action_only_when_given(qtbot):
    banner = Banner()
    qtbot.addWidget(banner)
    banner.show()
    banner.show_message("info", "Saved.")
    assert banner.isVisible() and banner.kind == "info"
    assert not banner.details_button.isVisible() and not banner.action.isVisible()
    banner.show_message("error", "Failed.", details="Traceback", action="Retry")
    assert banner.details_button.isVisible() and banner.action.text() == "Retry"
    with qtbot.waitSignal(banner.actionClicked, timeout=1000):
        qtbot.mouseClick(banner.action, Qt.MouseButton.LeftButton)


def test_tile_at_finds_the_tile_under_a_pixel_and_none_on_gaps():
    from visualizer.ui.kit.mosaic import GAP, grid_shape, tile_at

    count, height, width = 6, 4, 5  # a 2 x 3 grid
    assert grid_shape(count) == (2, 3)
    assert tile_at(0, 0, count, height, width) == 0
    assert tile_at(width + GAP + 1, 1, count, height, width) == 1
    assert tile_at(2 * (width + GAP) + 2, height + GAP + 3, count, height, width) == 5
    assert tile_at(width + 0.5, 1, count, height, width) is None  # on the gap between two tiles
    assert tile_at(-1, 0, count, height, width) is None
    assert tile_at(0, 2 * (height + GAP), count, height, width) is None  # below the last row
    assert tile_at(2 * (width + GAP) + 1, 1, 5, height, width) == 2
    assert tile_at(2 * (width + GAP) + 1, height + GAP + 1, 5, height, width) is None  # the empty cell


def test_clicking_a_tile_of_the_mosaic_names_its_layer_and_channel(qtbot):
    from PyQt6.QtCore import QPoint, QPointF

    from visualizer.ui.kit.mosaic import feature_map_mosaic

    view = MosaicView(columns=1)
    qtbot.addWidget(view)
    view.resize(400, 400)
    view.show()
    qtbot.waitExposed(view)
    maps = np.random.default_rng(0).uniform(0, 1, (8, 8, 6))
    rgba = colormaps.rgba_lookup_table(colormaps.SEQUENTIAL)[(feature_map_mosaic(maps) * 255).astype(int).clip(0, 255)]
    view.show_layers([("conv", "conv", rgba.astype(np.uint8))], [(6, 8, 8)])
    qtbot.wait(50)
    image = view._images[0]
    scene_point = image.mapToScene(QPointF(9 + 4, 9 + 4))  # the middle of tile 4: row 1, column 1
    widget_point = view.mapFromScene(scene_point)
    with qtbot.waitSignal(view.tileClicked, timeout=1000) as clicked:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(widget_point.x(), widget_point.y()))
    assert clicked.args == ["conv", 4]
