"""The training page's Qt-free parts: mosaics, the run history and its CSV."""

import csv
import io

import numpy as np
import pytest

from visualizer.training.events import BatchEnd, EpochEnd
from visualizer.ui.kit.mosaic import (
    colourise,
    feature_map_mosaic,
    grid_shape,
    kernel_mosaic,
    normalise_each,
)
from visualizer.ui.training.history import SMOOTHING, RunHistory


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


def _batch(epoch, batch, loss, accuracy, steps=10):
    return BatchEnd(epoch, batch, steps, loss, accuracy, 100.0, float(batch))


def test_history_recovers_the_mean_between_reports_from_running_means():
    history = RunHistory()
    # batch losses 4, 2, 3, 1: running means 4, 3, 3, 2.5; reported after batches 1, 3 and 4
    for batch, running_mean in ((1, 4.0), (3, 3.0), (4, 2.5)):
        history.add_batch(_batch(1, batch, running_mean, 0.5))
    np.testing.assert_allclose(history.batch("loss"), [4.0, 2.5, 1.0])  # (3*3 - 1*4) / 2 = 2.5
    np.testing.assert_allclose(history.batch("x"), [0.1, 0.3, 0.4])
    smooth = history.batch("smooth_loss")
    assert smooth[0] == 4.0
    # the second report covers two batches, so the past weighs SMOOTHING squared
    assert smooth[1] == pytest.approx(SMOOTHING**2 * 4.0 + (1 - SMOOTHING**2) * 2.5)
    assert smooth[2] == pytest.approx(SMOOTHING * smooth[1] + (1 - SMOOTHING) * 1.0)
    history.add_batch(_batch(2, 1, 0.7, 0.9))  # a new epoch restarts the running mean
    assert history.batch("loss")[-1] == pytest.approx(0.7)
    assert history.batch("x")[-1] == pytest.approx(1.1)


def test_history_grows_beyond_its_first_buffer():
    history = RunHistory()
    for batch in range(1, 1001):
        history.add_batch(_batch(1, batch, 1.0, 0.5, steps=1000))
    assert history.batch_count == 1000
    np.testing.assert_allclose(history.batch("loss"), 1.0)


def test_csv_has_one_row_per_batch_report_and_per_epoch():
    history = RunHistory()
    history.add_batch(_batch(1, 5, 0.9, 0.6))
    history.add_batch(_batch(1, 10, 0.7, 0.7))
    history.add_epoch(EpochEnd(1, 0.7, 0.7, 0.65, 0.75, 12.5))
    rows = list(csv.DictReader(io.StringIO(history.to_csv())))
    assert [row["kind"] for row in rows] == ["batch", "batch", "epoch"]
    assert float(rows[1]["loss"]) == pytest.approx(0.5)  # (10*0.7 - 5*0.9) / 5
    assert float(rows[1]["x_epochs"]) == pytest.approx(1.0)
    assert rows[2]["epoch"] == "1" and float(rows[2]["val_accuracy"]) == pytest.approx(0.75)
    assert rows[2]["batch"] == "" and float(rows[2]["elapsed_s"]) == pytest.approx(12.5)
