"""A filter's top images against a brute-force search over Keras's own maps, and activation
maximisation that truly raises the filter's activation (measured by Keras, not by the code under
test)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from tests.inspection.tiny_models import conv_stack, save
from visualizer.inspection.filters import FilterStudy, TopTracker, map_maxima, patch_boxes


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    from visualizer.inspection.loader import load_classifier
    from visualizer.inspection.model import ModelReader

    model = conv_stack()
    path = save(model, tmp_path_factory.mktemp("models"), "tiny.keras")
    loaded = load_classifier(path)
    return model, loaded, FilterStudy(loaded, ModelReader(loaded)._run)


def test_map_maxima_finds_the_first_largest_value_and_where_it_is():
    maps = np.zeros((2, 3, 4, 2))
    maps[0, 1, 2, 0] = 5
    maps[0, 2, 3, 0] = 5  # as large, later: not chosen
    maps[1, 0, 1, 1] = -1
    maps[1, :, :, 1] -= 2
    maps[1, 0, 1, 1] = -1
    maxima, positions = map_maxima(maps)
    assert maxima.tolist() == [[5, 0], [0, -1]]
    assert positions[0, 0].tolist() == [1, 2] and positions[1, 1].tolist() == [0, 1]
    first, where = map_maxima(np.moveaxis(maps, -1, 1), channels_first=True)
    assert np.array_equal(first, maxima) and np.array_equal(where, positions)


def test_the_tracker_keeps_the_largest_over_batches_the_earlier_image_first_on_ties():
    rng = np.random.default_rng(0)
    maxima = rng.integers(0, 6, (50, 3)).astype(np.float32)  # many ties
    positions = rng.integers(0, 9, (50, 3, 2))
    tracker = TopTracker(3, count=9)
    for start in range(0, 50, 7):
        tracker.add(maxima[start : start + 7], positions[start : start + 7], start)
    for channel in range(3):
        expected = np.argsort(-maxima[:, channel], kind="stable")[:9]
        assert tracker.indices[channel].tolist() == expected.tolist()
        assert tracker.values[channel].tolist() == maxima[expected, channel].tolist()
        assert tracker.positions[channel].tolist() == positions[expected, channel].tolist()


def brute_force_tops(model, layer, inputs, count=9):
    """For each filter: the images with the largest maxima, each found by a loop over the map."""
    import keras

    maps = np.asarray(keras.Model(model.inputs[0], model.get_layer(layer).output)(inputs))
    found = []
    for channel in range(maps.shape[-1]):
        rows = []
        for index, image_map in enumerate(maps[..., channel]):
            row, col = np.unravel_index(np.argmax(image_map), image_map.shape)
            rows.append((-float(image_map[row, col]), index, int(row), int(col)))
        rows.sort()
        found.append(rows[:count])
    return found


@pytest.mark.parametrize("layer", ["conv1", "conv2"])
def test_top_images_are_those_a_brute_force_search_finds(study, layer):
    import keras

    model, loaded, filters = study
    rng = np.random.default_rng(5)
    images = rng.integers(0, 256, (45, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, 45)
    progress = []
    search = filters.top_images(
        layer,
        (images, labels, tuple("abcdefghij"), "random", False),
        lambda batch: batch[..., np.newaxis].astype("float32") / 255.0,
        lambda done, total: progress.append((done, total)),
        key=("random",),
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("visualizer.inspection.filters.SEARCH_BATCH", 20)
        steps = 0
        try:
            while True:
                next(search)
                steps += 1
        except StopIteration as finished:
            tops = finished.value
    assert steps == 3 and progress == [(20, 45), (40, 45), (45, 45)]
    expected = brute_force_tops(model, layer, images[..., np.newaxis].astype("float32") / 255.0)
    assert tops.filter_count == len(expected) == model.get_layer(layer).filters
    for channel, rows in enumerate(expected):
        assert tops.indices[channel].tolist() == [index for _, index, _, _ in rows]
        np.testing.assert_allclose(tops.values[channel], [-value for value, _, _, _ in rows], rtol=1e-5, atol=1e-6)
        assert tops.positions[channel].tolist() == [[row, col] for _, _, row, col in rows]
        shown = np.stack([tops.image(channel, rank) for rank in range(9)])
        assert np.array_equal(shown, images[tops.indices[channel]])
        assert tops.labels[channel].tolist() == labels[tops.indices[channel]].tolist()
    maps = np.asarray(keras.Model(model.inputs[0], model.get_layer(layer).output)(images[..., np.newaxis].astype("float32") / 255.0))
    np.testing.assert_allclose(tops.lowest, maps.min(axis=(0, 1, 2)), rtol=1e-5, atol=1e-6)
    side = 3 if layer == "conv1" else 8  # conv 3 -> pool 2 -> conv 3
    assert tops.field.size == (side, side)
    row, col = tops.positions[0, 0]
    jump = 1 if layer == "conv1" else 2
    assert tops.boxes[0, 0].tolist() == [row * jump, col * jump, row * jump + side, col * jump + side]
    again = filters.top_images(layer, (images, labels, (), "random", False), None, None, key=("random",))
    with pytest.raises(StopIteration) as cached:
        next(again)
    assert cached.value.value is tops  # kept per layer and test set: no second pass


def test_without_a_field_a_patch_is_the_whole_image():
    boxes = patch_boxes(None, np.zeros((2, 3, 2), int), (28, 20))
    assert boxes.shape == (2, 3, 4) and boxes[1, 2].tolist() == [0, 0, 28, 20]


def filter_means(model, layer, pictures):
    import keras

    maps = np.asarray(keras.Model(model.inputs[0], model.get_layer(layer).output)(pictures))
    return maps.mean(axis=(1, 2))


@pytest.mark.parametrize(("layer", "channels"), [("conv1", 3), ("conv2", 4)])
def test_the_picture_raises_the_filters_mean_activation_over_the_grey_start(study, layer, channels):
    model, loaded, filters = study
    for channel in range(channels):
        steps = list(filters.picture_steps(layer, channel, (0.0, 1.0), steps=40))
        assert [step.step for step in steps] == list(range(1, 41))
        last = steps[-1]
        assert last.picture.shape == (28, 28) and 0.0 <= last.picture.min() and last.picture.max() <= 1.0
        measured = filter_means(model, layer, last.picture[np.newaxis, :, :, np.newaxis])[0, channel]
        assert measured == pytest.approx(last.activation, rel=1e-4, abs=1e-5)  # the reported value is Keras's
        assert measured > 1.5 * last.start_activation + 0.002, (layer, channel, last.start_activation, measured)


def test_a_filter_fires_only_when_its_largest_value_is_above_zero_and_above_its_smallest():
    from tests.ui.inspector.test_filters import hand_built_tops

    tops = hand_built_tops(filters=4)
    values = tops.values.copy()
    values[1] = 0.0  # a ReLU that is zero everywhere
    values[2] = -0.5  # a linear filter below zero everywhere
    values[3] = 0.7  # the same value everywhere: its bias alone
    lowest = np.array([-1.0, 0.0, -0.5, 0.7])
    tops = dataclasses.replace(tops, values=values, lowest=lowest)
    assert [tops.fires(index) for index in range(4)] == [True, False, False, False]
    assert dataclasses.replace(tops, lowest=None).fires(3)  # not known to be constant


def test_the_picture_of_a_filter_that_never_fires_stops_and_says_why(tmp_path):
    from visualizer.inspection.filters import NO_GRADIENT, SILENT_STEPS
    from visualizer.inspection.loader import load_classifier
    from visualizer.inspection.model import ModelReader

    model = conv_stack()
    kernel, bias = model.get_layer("conv2").get_weights()
    kernel[..., 0], bias[0] = 0.0, -1.0  # below zero on every picture: the ReLU never lets a gradient through
    model.get_layer("conv2").set_weights([kernel, bias])
    loaded = load_classifier(save(model, tmp_path, "dead.keras"))
    filters = FilterStudy(loaded, ModelReader(loaded)._run)
    steps = list(filters.picture_steps("conv2", 0, (0.0, 1.0), steps=96))
    assert len(steps) == SILENT_STEPS and steps[-1].gave_up == NO_GRADIENT
    assert not any(step.gave_up for step in steps[:-1]) and steps[-1].activation == 0.0
    alive = list(filters.picture_steps("conv2", 1, (0.0, 1.0), steps=30))
    assert len(alive) == 30 and not any(step.gave_up for step in alive)
