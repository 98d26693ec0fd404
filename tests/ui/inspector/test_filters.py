"""The inspector's Filters tab with real widgets and hand-built top images: the layer asked for,
nine tiles showing exactly the filter's top images with the patch outlined, the patches enlarged,
the keys stepping through filters, the picture's buttons and the empty states; the controller's
part with mocks; and the whole page over a real model process."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from PyQt6.QtCore import QPoint, Qt

from tests.ui.inspector import test_controller as test_inspector_controller
from tests.ui.inspector.test_controller import emit, opened
from visualizer.inspection import protocol as s
from visualizer.inspection.filters import FilterTops, PictureStep
from visualizer.inspection.receptive_field import AxisField, ReceptiveField
from visualizer.ui.inspector.tabs.filters import NO_CONV_LAYER, OPEN_A_MODEL, OUTLINE_COLOUR, FiltersTab, crop
from visualizer.ui.kit.thumbnails import thumbnail

NAMES = tuple(f"class {i}" for i in range(10))
parts = test_inspector_controller.parts  # the controller over mocks of the view and the client


def hand_built_tops(layer="conv2", filters=5, seed=0) -> FilterTops:
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (filters * 9, 28, 28), dtype=np.uint8)
    values = np.sort(rng.uniform(0, 5, (filters, 9)), axis=1)[:, ::-1]
    positions = rng.integers(0, 14, (filters, 9, 2))
    field = ReceptiveField(AxisField(5, 2, 0), AxisField(5, 2, 0))
    boxes = np.array([[field.box(r, c, (28, 28)) for r, c in row] for row in positions])
    return FilterTops(
        layer=layer,
        values=values,
        indices=rng.integers(0, 10000, (filters, 9)),
        positions=positions,
        boxes=boxes,
        images=images,
        rows=np.arange(filters * 9).reshape(filters, 9)[:, ::-1],  # any order: the tab must follow rows
        labels=rng.integers(0, 10, (filters, 9)),
        class_names=NAMES,
        image_size=(28, 28),
        field=field,
        map_size=(14, 14),
        source="hand-built",
    )


@pytest.fixture
def tab(qtbot):
    tab = FiltersTab()
    qtbot.addWidget(tab)
    tab.resize(960, 600)
    tab.show()
    qtbot.waitExposed(tab)
    return tab


def same_pixels(first, second) -> bool:
    return first.toImage().convertToFormat(second.toImage().format()) == second.toImage()


def test_a_shown_tab_asks_for_its_layer_and_shows_nine_tiles_with_the_patch_outlined(tab, qtbot):
    with qtbot.waitSignal(tab.layerChosen) as asked:
        tab.set_layers(("conv1", "conv2"), "conv2")
    assert asked.args == ["conv2"] and tab.layer() == "conv2"
    tops = hand_built_tops()
    tab.set_top_images(tops)
    assert tab.filter_grid.count() == 5 and tab.stack.currentIndex() == 1
    tab.choose_filter(2)
    assert tab.current_filter() == 2 and "Filter 2" in tab.filter_title.text()
    assert [tile.image_index for tile in tab.image_tiles] == tops.indices[2].tolist()
    for rank, (image_tile, patch_tile) in enumerate(zip(tab.image_tiles, tab.patch_tiles)):
        image, box = tops.image(2, rank), tops.boxes[2, rank]
        pixmap = image_tile.picture.pixmap()
        scale = pixmap.width() // 28
        top, left, bottom, right = (int(v) * scale for v in box)
        outline = image_tile.outline
        assert (outline.top(), outline.left(), outline.bottom() + 1, outline.right() + 1) == (top, left, bottom, right)
        edge = pixmap.toImage().pixelColor(left + 1, (top + bottom) // 2)
        assert edge.name() == OUTLINE_COLOUR.name()
        corner = QPoint(0 if left > 4 else 27 * scale, 0)  # away from the outline: the image itself, untouched
        assert pixmap.toImage().pixelColor(corner) == thumbnail(image, pixmap.width()).toImage().pixelColor(corner)
        assert same_pixels(patch_tile.picture.pixmap(), thumbnail(crop(image, box), pixmap.width()))
        caption = image_tile.caption.text()
        assert f"{tops.values[2, rank]:.3g}" in caption and NAMES[tops.labels[2, rank]] in caption
        assert patch_tile.caption.text() == caption


def test_arrow_keys_and_buttons_step_through_the_filters(tab, qtbot):
    tab.set_layers(("conv2",))
    tab.set_top_images(hand_built_tops())
    assert tab.current_filter() == 0
    qtbot.keyClick(tab, Qt.Key.Key_Right)
    assert tab.current_filter() == 1
    tab.next_button.click()
    assert tab.current_filter() == 2
    qtbot.keyClick(tab, Qt.Key.Key_Left)
    tab.previous_button.click()
    tab.previous_button.click()
    assert tab.current_filter() == 4  # round from the first to the last
    assert [tile.image_index for tile in tab.image_tiles] == tab._tops.indices[4].tolist()


def test_top_images_of_another_layer_are_not_shown(tab):
    tab.set_layers(("conv1", "conv2"))
    tab.set_top_images(hand_built_tops(layer="conv2"))
    assert tab.stack.currentIndex() == 0 and tab.filter_grid.count() == 0


def test_empty_states_say_what_is_missing(tab):
    tab.set_layers(None)
    assert tab.empty_label.text() == OPEN_A_MODEL and tab.stack.currentIndex() == 0
    tab.set_layers(())
    assert tab.empty_label.text() == NO_CONV_LAYER and not tab.layer_box.isEnabled()
    tab.set_layers(("conv1",))
    tab.set_unavailable("Needs the test set: Fashion-MNIST has 10 classes and this model has 3")
    assert "Needs the test set" in tab.empty_label.text() and tab.stack.currentIndex() == 0


def test_the_picture_is_asked_for_shown_step_by_step_and_stopped(tab, qtbot):
    tab.set_layers(("conv2",))
    tab.set_top_images(hand_built_tops())
    tab.choose_filter(3)
    with qtbot.waitSignal(tab.pictureRequested) as asked:
        tab.picture_button.click()
    assert asked.args == ["conv2", 3] and tab.stop_button.isEnabled() and not tab.picture_button.isEnabled()
    step = PictureStep(10, 96, np.full((28, 28), 0.5, np.float32), 2.5, 0.1)
    tab.set_picture(s.PictureProgress(1, "conv2", 3, step), running=True)
    assert tab.picture_progress.isVisible() and tab.picture_progress.value() == 10
    assert "0.1 → 2.5" in tab.picture_tile.caption.text() and not tab.picture_tile.picture.pixmap().isNull()
    with qtbot.waitSignal(tab.stopRequested):
        tab.stop_button.click()
    tab.set_picture(None, running=False)
    assert tab.picture_button.isEnabled() and not tab.stop_button.isEnabled()
    assert not tab.picture_progress.isVisible()


def test_a_filter_that_never_fires_says_so_instead_of_showing_top_images(tab):
    tab.set_layers(("conv2",))
    tops = hand_built_tops()
    values = tops.values.copy()
    values[1] = 0.0  # zero everywhere on every image: its "top images" would be the first nine, at (0, 0)
    tab.set_top_images(dataclasses.replace(tops, values=values, lowest=np.zeros(5)))
    assert tab.top_grids.isVisible() and not tab.silent_label.isVisible()
    tab.choose_filter(1)
    assert tab.silent_label.isVisible() and not tab.top_grids.isVisible()
    assert "never fires on the test set" in tab.silent_label.text()
    assert all(tile.image_index is None for tile in (*tab.image_tiles, *tab.patch_tiles))
    tab.choose_filter(2)
    assert tab.top_grids.isVisible() and not tab.silent_label.isVisible()
    assert [tile.image_index for tile in tab.image_tiles] == tops.indices[2].tolist()


# -- the controller ------------------------------------------------------------------------------
def test_top_images_are_searched_once_per_layer_and_kept(parts):
    controller, view, client = parts
    emit(client.replied, opened())
    client.top_images.side_effect = [5, 6, 7]  # each request's generation, as the client numbers them
    emit(view.topImagesRequested, "conv2")
    client.top_images.assert_called_once_with("conv2", folder=None)
    assert not controller.settled()
    emit(view.topImagesRequested, "conv2")  # still on its way: not asked twice
    assert client.top_images.call_count == 1
    tops = hand_built_tops()
    emit(client.replied, s.TopImagesFound(5, tops, 0.5))
    view.show_top_images.assert_called_with(tops)
    emit(view.topImagesRequested, "conv2")
    assert client.top_images.call_count == 1 and view.show_top_images.call_count == 2
    emit(client.replied, s.Randomised(("output",), "conv2"))  # new weights: found again when asked
    view.show_top_images_outdated.assert_called()
    emit(view.topImagesRequested, "conv2")
    assert client.top_images.call_count == 2
    emit(client.replied, s.TopImagesFound(6, tops, 0.5))
    emit(view.inputRangeChosen, "[0, 255]")  # the pixels scaled the other way: found again too
    emit(view.topImagesRequested, "conv2")
    assert client.top_images.call_count == 3


def test_a_model_that_does_not_fit_fashion_mnist_needs_a_folder_first(parts):
    controller, view, client = parts
    emit(client.replied, opened(classes=3))
    emit(view.topImagesRequested, "conv1")
    client.top_images.assert_not_called()
    assert view.show_filters_unavailable.call_args.args[0].startswith("Needs the test set: ")
    emit(view.evaluateRequested, "/data/three-classes")
    emit(view.topImagesRequested, "conv1")
    client.top_images.assert_called_once_with("conv1", folder="/data/three-classes")


def test_only_the_newest_pictures_steps_are_shown_and_stop_is_sent(parts):
    controller, view, client = parts
    emit(client.replied, opened())
    client.make_picture.return_value = 7
    emit(view.filterPictureRequested, "conv1", 1)
    step = PictureStep(3, 96, np.zeros((28, 28)), 1.0, 0.0)
    emit(client.replied, s.PictureProgress(6, "conv1", 0, step))  # an older picture's step
    view.show_filter_picture.assert_not_called()
    emit(client.replied, s.PictureProgress(7, "conv1", 1, step))
    view.show_filter_picture.assert_called_once()
    assert view.show_filter_picture.call_args.args[1] is True
    emit(view.filterPictureStopRequested)
    client.stop_picture.assert_called_once()
    assert view.show_filter_picture.call_args.args == (None, False)
    emit(client.replied, s.PictureProgress(7, "conv1", 1, step, stopped=True))  # its last step is still shown
    assert view.show_filter_picture.call_args.args[1] is False


def test_top_images_found_before_the_weights_changed_are_dropped_and_asked_for_again(parts):
    controller, view, client = parts
    emit(client.replied, opened())
    client.top_images.side_effect = [5, 6]
    emit(view.topImagesRequested, "conv2")
    emit(client.replied, s.TopImagesProgress(5, 100, 1000))
    view.show_top_images_progress.assert_called_with("conv2", 100, 1000)
    emit(client.replied, s.Randomised(("output",), "conv2"))  # new weights: the search's answer is outdated
    old = hand_built_tops()
    emit(client.replied, s.TopImagesProgress(5, 200, 1000))  # the old search's replies were already on their way
    emit(client.replied, s.TopImagesFound(5, old, 0.5))
    assert view.show_top_images_progress.call_args.args != ("conv2", 200, 1000)
    view.show_top_images.assert_not_called()
    assert "conv2" not in controller.top_images
    emit(view.topImagesRequested, "conv2")
    assert client.top_images.call_count == 2 and controller.finding_layer == "conv2"
    new = hand_built_tops(seed=1)
    emit(client.replied, s.TopImagesFound(6, new, 0.5))
    view.show_top_images.assert_called_once_with(new)
    assert controller.top_images["conv2"] is new and controller.finding_layer is None


# -- the page, with its model process --------------------------------------------------------------
@pytest.mark.slow
def test_the_filters_tab_shows_a_real_models_top_images_and_makes_a_picture(qtbot, keep, tmp_path):
    from tests.inspection.tiny_models import save
    from tests.ui.inspector.test_page import TIMEOUT_MS, open_and_wait, small_cnn
    from visualizer.ui.main_window import MainWindow

    window = keep(MainWindow(first_page="inspector"))
    window.resize(1280, 720)
    window.show()
    page = open_and_wait(qtbot, window, save(small_cnn(), tmp_path, "small.keras"))
    tab = page.filters_tab
    page.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab._tops is not None, timeout=TIMEOUT_MS)
    tops = tab._tops
    assert tops.layer == "conv1" and tops.filter_count == 4 and tops.field.size == (3, 3)
    assert len(tops.indices[0]) == 9 and np.all(np.diff(tops.values, axis=1) <= 0)
    evaluation = page.controller.evaluation
    tab.choose_filter(1)
    for rank, tile in enumerate(tab.image_tiles):
        assert np.array_equal(evaluation.images[tile.image_index], tops.image(1, rank))
    tab.picture_button.click()
    qtbot.waitUntil(lambda: not page.controller.picture_running, timeout=TIMEOUT_MS)
    assert "after 96 of 96" in tab.picture_tile.caption.text()


def test_a_test_set_of_fewer_than_nine_images_fills_only_that_many_tiles(tab):
    tab.set_layers(("conv2",))
    tops = hand_built_tops()
    kept = ("values", "indices", "positions", "boxes", "rows", "labels")
    few = dataclasses.replace(tops, **{name: getattr(tops, name)[:, :5] for name in kept})
    tab.set_top_images(tops)
    tab.set_top_images(few)
    tab.choose_filter(1)
    assert [tile.image_index for tile in tab.image_tiles[:5]] == few.indices[1].tolist()
    assert all(tile.image_index is None and tile.picture.pixmap().isNull() for tile in (*tab.image_tiles[5:], *tab.patch_tiles[5:]))


def test_pictures_larger_than_the_models_input_show_the_patch_scaled_in_the_grid_and_the_tiles(tab):
    tab.set_layers(("conv2",))
    tops = hand_built_tops()
    large = dataclasses.replace(tops, images=np.repeat(np.repeat(tops.images, 2, axis=1), 2, axis=2))  # 56x56, model 28x28
    tab.set_top_images(large)
    for index in range(large.filter_count):
        top, left, bottom, right = (2 * int(v) for v in large.boxes[index, 0])
        patch = large.image(index, 0)[top:bottom, left:right]
        icon = tab.filter_grid.item(index).icon().pixmap(tab.filter_grid.iconSize())
        assert same_pixels(icon, thumbnail(patch, tab.filter_grid.iconSize().width()))
    patch_tile = tab.patch_tiles[0]
    top, left, bottom, right = (2 * int(v) for v in large.boxes[0, 0])
    expected = thumbnail(large.image(0, 0)[top:bottom, left:right], patch_tile.picture.pixmap().width())
    assert same_pixels(patch_tile.picture.pixmap(), expected)


def test_a_patch_that_sees_only_padding_is_shown_as_an_empty_tile(tab):
    tab.set_layers(("conv2",))
    tops = hand_built_tops()
    boxes = tops.boxes.copy()
    boxes[0, 0] = boxes[0, 1] = (0, 0, 0, 0)  # ZeroPadding2D(3) then a 1x1 conv: position (0, 0) sees no pixel
    tab.set_top_images(dataclasses.replace(tops, boxes=boxes))
    assert tab.filter_grid.count() == 5 and tab.current_filter() == 0
    assert tab.image_tiles[0].image_index == tops.indices[0, 0] and tab.patch_tiles[0].outline.isEmpty()
    assert "sees only padding" in tab.image_tiles[0].toolTip()
    assert not thumbnail(np.zeros((0, 0), np.uint8), 40).isNull()


def test_a_picture_given_up_says_why_under_it(tab):
    tab.set_layers(("conv2",))
    tab.set_top_images(hand_built_tops())
    step = PictureStep(24, 96, np.full((28, 28), 0.5, np.float32), 0.0, 0.0, gave_up="Stopped: no gradient")
    tab.set_picture(s.PictureProgress(1, "conv2", 0, step, finished=True), running=False)
    assert "Stopped: no gradient" in tab.picture_tile.caption.text() and "after 24 of 96" in tab.picture_tile.caption.text()
