"""The mosaics the training and inspector pages draw feature maps and kernels with (no Qt)."""


import numpy as np
import pytest

from visualizer.ui.kit.mosaic import (
    colourise,
    feature_map_mosaic,
    grid_shape,
    kernel_mosaic,
    normalise_each,
)


def test_feature_map_mosaic_tiles_channels_with_one_pixel_gaps():
    maps = np.random.default_rng(0).random((28, 28, 64)).astype(np.float32)
    mosaic = feature_map_mosaic(maps)
    assert mosaic.shape == (8 * 29 - 1, 8 * 29 - 1)
    assert np.isnan(mosaic[28, :]).all() and np.isnan(mosaic[:, 28]).all()  # the gaps
    # channel 9 is row 1, column 1, scaled by its own range
    tile = mosaic[29:57, 29:57]
    expected = (maps[..., 9] - maps[..., 9].min()) / np.ptp(maps[..., 9])
    np.testing.assert_allclose(tile, expected, atol=1e-6)


def test_weak_and_dead_maps_stay_visible_or_black():
    tiles = np.stack([np.full((3, 3), 5.0), np.arange(9.0).reshape(3, 3) * 1e-6])
    scaled = normalise_each(tiles)
    assert (scaled[0] == 0).all()  # a constant map (switched off by ReLU) does not divide by zero
    assert scaled[1].min() == 0 and scaled[1].max() == pytest.approx(1)  # a weak map uses the full scale


@pytest.mark.parametrize(
    "count, shape",
    [(1, (1, 1)), (64, (8, 8)), (32, (4, 8)), (8, (2, 4)), (10, (3, 4)), (7, (3, 3)), (31, (6, 6))],
)
def test_grids_are_near_square_and_full_when_possible(count, shape):
    assert grid_shape(count) == shape


def test_grid_leaves_unused_cells_blank():
    mosaic = feature_map_mosaic(np.ones((7, 7, 5), dtype=np.float32))
    rows, columns = grid_shape(5)
    assert mosaic.shape == (rows * 8 - 1, columns * 8 - 1)
    assert np.isnan(mosaic[-7:, -7:]).all()


def test_kernel_mosaic_rows_are_filters_and_columns_input_channels():
    kernels = np.random.default_rng(1).normal(size=(2, 3, 4, 5)).astype(np.float32)
    image, limit = kernel_mosaic(kernels)
    assert image.shape == (5 * 3 - 1, 4 * 4 - 1)
    assert limit == pytest.approx(np.abs(kernels).max())
    filter_index, channel = 3, 2
    np.testing.assert_array_equal(
        image[filter_index * 3 : filter_index * 3 + 2, channel * 4 : channel * 4 + 3],
        kernels[:, :, channel, filter_index],
    )


def test_first_layer_kernels_are_one_tile_per_filter():
    kernels = np.random.default_rng(2).normal(size=(2, 2, 1, 64)).astype(np.float32)
    image, _ = kernel_mosaic(kernels)
    assert image.shape == (8 * 3 - 1, 8 * 3 - 1)
    np.testing.assert_array_equal(image[3:5, 6:8], kernels[:, :, 0, 10])  # filter 10: row 1, col 2


def test_kernel_zoom_magnifies_each_weight_and_keeps_the_limit():
    kernels = np.arange(2 * 2 * 3 * 2, dtype=np.float32).reshape(2, 2, 3, 2) - 5
    image, limit = kernel_mosaic(kernels, zoom=4)
    assert image.shape == (2 * 9 - 1, 3 * 9 - 1) and limit == 18.0
    np.testing.assert_array_equal(image[9:17, 18:26], kernels[:, :, 2, 1].repeat(4, 0).repeat(4, 1))


def test_colourise_paints_gaps_in_the_background_colour():
    lut = np.zeros((256, 4), dtype=np.uint8)
    lut[:, 0] = np.arange(256)
    rgba = colourise(np.array([[0.0, np.nan, 1.0]]), lut, background=(1, 2, 3, 255))
    assert rgba.shape == (1, 3, 4)
    assert rgba[0, 0, 0] == 0 and rgba[0, 2, 0] == 255
    assert tuple(rgba[0, 1]) == (1, 2, 3, 255)


def test_a_colour_first_layer_is_one_colour_tile_per_filter_with_grey_at_zero():
    from visualizer.ui.kit.mosaic import colour_kernel_mosaic

    kernels = np.zeros((2, 2, 3, 4), np.float32)
    kernels[:, :, 0, 0] = 1.0  # filter 0 looks for red
    kernels[:, :, 0, 1] = -1.0  # filter 1 looks away from red: cyan
    rgba, limit = colour_kernel_mosaic(kernels, background=(1, 2, 3, 255))
    assert limit == 1.0 and rgba.shape == (2 * 2 + 1, 2 * 2 + 1, 4)  # a 2 x 2 grid of 2 x 2 tiles
    assert tuple(rgba[0, 0]) == (255, 128, 128, 255)
    assert tuple(rgba[0, 3]) == (0, 128, 128, 255)
    assert tuple(rgba[3, 0]) == (128, 128, 128, 255)  # filter 2: all zero, grey
    assert tuple(rgba[2, 0]) == (1, 2, 3, 255)  # the gap between rows
    with pytest.raises(ValueError, match="3, out"):
        colour_kernel_mosaic(np.zeros((2, 2, 1, 4)))



def test_coloured_feature_maps_equal_the_mosaic_coloured_after_tiling():
    from visualizer.ui.kit import colormaps
    from visualizer.ui.kit.mosaic import coloured_feature_maps

    lut = colormaps.rgba_lookup_table(colormaps.SEQUENTIAL)
    rng = np.random.default_rng(5)
    for shape in [(28, 28, 64), (7, 7, 32), (5, 9, 7), (1, 1, 1), (3, 3, 10)]:
        maps = rng.normal(size=shape).astype(np.float32) * rng.uniform(0.01, 100)
        maps[..., 0] = 2.5  # a constant map, drawn as the lowest colour
        expected = colourise(feature_map_mosaic(maps), lut, background=(9, 8, 7, 255))
        np.testing.assert_array_equal(coloured_feature_maps(maps, lut, background=(9, 8, 7, 255)), expected)
    diverged = rng.normal(size=(4, 4, 3)).astype(np.float32)
    diverged[0, 0, 1] = np.nan
    with np.errstate(invalid="ignore"):
        np.testing.assert_array_equal(coloured_feature_maps(diverged, lut), colourise(feature_map_mosaic(diverged), lut))
