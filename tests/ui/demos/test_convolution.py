"""The Convolution page driven like a student would: presets, edited weights, steps, clicks."""

import numpy as np
import pytest
from PyQt6.QtCore import Qt

from tests.ui.helpers import choose_preset, click_cell, hover_cell, keras_conv, written_terms_total
from visualizer.ui.demos.convolution import DEPTH, ONE_CHANNEL, ConvolutionPage
from visualizer.ui.kit import kernel_presets

PAGE_CLASS = ConvolutionPage


def test_steps_walk_the_output_row_by_row(page):
    out_h, out_w = page.view.output.values().shape
    assert page.step_count() == out_h * out_w == 25
    page.step(1)
    page.step(1)
    assert page.current_step() == 2
    assert page.view.output.window() == [(0, 2)]
    page.step(-1)
    assert page.current_step() == 1
    pending = page.view.output.pending()
    assert not pending[0, :2].any() and pending[0, 2:].all()
    page.set_step(10**6)
    assert page.current_step() == 24
    page.reset()
    assert page.current_step() == 0


def test_window_and_arithmetic_match_the_output_cell(page):
    page.set_step(7)  # output (1, 2)
    assert page.view.input.window() == [(r, c) for r in (1, 2, 3) for c in (2, 3, 4)]
    total, written_value = written_terms_total(page.view.arithmetic.text())
    shown = page.view.output.values()[1, 2]
    assert total == pytest.approx(shown)
    assert written_value == pytest.approx(shown)


def test_preset_and_edited_weight_update_the_output_like_keras(page):
    choose_preset(page.kernel_editor, kernel_presets.SOBEL_X)
    x = page.source.image()
    np.testing.assert_allclose(page.view.output.values(), keras_conv(x, page.kernel_editor.kernel()), atol=1e-4)
    page.kernel_editor.table.item(0, 1).setText("3")
    kernel = page.kernel_editor.kernel()
    assert kernel[0, 1] == 3
    assert page.kernel_editor.preset() == kernel_presets.CUSTOM
    np.testing.assert_allclose(page.view.output.values(), keras_conv(x, kernel), atol=1e-4)


def test_a_word_in_a_weight_cell_is_refused_in_words(page):
    before = page.kernel_editor.kernel()
    page.kernel_editor.table.item(1, 1).setText("abc")
    np.testing.assert_array_equal(page.kernel_editor.kernel(), before)
    # The message quotes what was typed, not the old weight put back in the cell.
    assert "“abc” is not a usable weight" in page.kernel_editor.message.text()
    page.kernel_editor.table.item(1, 1).setText("1e300")  # would overflow every sum to infinity
    np.testing.assert_array_equal(page.kernel_editor.kernel(), before)
    assert "“1e300”" in page.kernel_editor.message.text()


def test_kernel_size_changes_output_shape_and_formula(page):
    page.kernel_cols.setValue(5)
    assert page.kernel_editor.kernel().shape == (3, 5)
    assert page.view.output.values().shape == (5, 3)
    assert "= 3" in page.view.formula.text() and "= 5" in page.view.formula.text()


def test_clicking_an_output_cell_jumps_to_its_step(page, qtbot):
    click_cell(qtbot, page.view.output, 3, 4)
    assert page.current_step() == 3 * 5 + 4


def test_hovering_an_output_cell_outlines_its_window(page, qtbot):
    hover_cell(qtbot, page.view.output, 2, 0)
    assert page.view.input.hover_window()[0] == (2, 0)
    assert "output row 2, col 0" in page.view.output.readout()


def test_play_advances_and_pause_stops(page, qtbot):
    page.controls.speed.setValue(60)
    qtbot.mouseClick(page.controls.play_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.current_step() >= 3, timeout=3000)
    page.toggle_play()
    stopped_at = page.current_step()
    qtbot.wait(100)
    assert page.current_step() == stopped_at


def test_a_picture_shows_its_whole_output(page):
    page.source.select("fashion-sneaker")
    assert page.source.image().shape == (28, 28)
    assert page.current_step() == page.step_count() - 1 == 26 * 26 - 1


def keras_conv_bank(x, bank):
    import keras

    out = keras.ops.conv(x[None].astype("float32"), bank.astype("float32"), strides=1, padding="valid")
    return np.asarray(out)[0]


def test_depth_mode_makes_one_map_per_filter_like_keras(page, qtbot):
    page.mode_box.setCurrentText(DEPTH)
    x = page.rgb_source.image()
    assert x.ndim == 3 and x.shape[2] == 3
    page.filter_count.setValue(4)
    bank = page.kernel()
    assert bank.shape == (3, 3, 3, 4)
    expected = keras_conv_bank(x, bank)
    shown = np.stack([grid.values() for grid in page.depth_view.outputs[:4]], axis=2)
    np.testing.assert_allclose(shown, expected, atol=1e-3)

    # editing the green slice of filter 2 changes only map 2, as Keras would
    page.filter_index.setValue(2)
    choose_preset(page.slice_editors[1], kernel_presets.LAPLACIAN)
    bank = page.kernel()
    assert np.array_equal(bank[:, :, 1, 1], kernel_presets.make_kernel(kernel_presets.LAPLACIAN, 3, 3))
    shown = np.stack([grid.values() for grid in page.depth_view.outputs[:4]], axis=2)
    np.testing.assert_allclose(shown, keras_conv_bank(x, bank), atol=1e-3)

    page.set_step(4)
    total, value = written_terms_total(page.depth_view.arithmetic.text())
    assert total == pytest.approx(page.depth_view.outputs[1].values()[1, 1])
    assert len(page.depth_view.inputs[0].window()) == 9

    click_cell(qtbot, page.depth_view.outputs[2], 2, 1)
    assert page.filter_index.value() == 3
    assert page.current_step() == 2 * 3 + 1


def test_a_smaller_input_shrinks_a_kernel_that_no_longer_fits(page):
    page.source.select("fashion-sneaker")
    page.kernel_rows.setValue(7)
    assert page.kernel_editor.kernel().shape == (7, 3)
    page.source.select("numbers")
    page.source.grid_size.setValue(5)
    assert page.kernel_editor.kernel().shape == (5, 3)
    np.testing.assert_allclose(
        page.view.output.values(), keras_conv(page.source.image(), page.kernel_editor.kernel()), atol=1e-4
    )


def test_depth_mode_with_the_largest_kernel_fits_a_1280_pixel_screen(page, qtbot, presentation_type):
    page.mode_box.setCurrentText(DEPTH)
    page.rgb_source.select(page.rgb_source.source_box.itemData(1))  # a photo: room for a 7x7 kernel
    page.kernel_rows.setValue(7)
    page.kernel_cols.setValue(7)
    qtbot.wait(50)  # let the layouts take in the new sizes
    presentation_type()
    qtbot.wait(50)
    # Three 7x7 slices side by side once made the page 1955 pixels wide in large type.
    assert page.minimumSizeHint().width() <= 1280
    page.resize(1280, 720)
    qtbot.wait(50)
    for editor in page.slice_editors:
        columns = sum(editor.table.columnWidth(c) for c in range(7))
        assert columns <= editor.table.width() <= editor.width(), "every column is on screen"


def test_depth_maps_not_yet_reached_stay_empty_until_stepped(page):
    page.mode_box.setCurrentText(DEPTH)
    page.filter_count.setValue(3)
    page.set_step(0)
    first, second, third = page.depth_view.outputs[:3]
    assert first.pending()[0, 0] == 0 and first.pending().ravel()[1:].all()  # map 1 is being stepped
    assert second.pending().all() and third.pending().all(), "maps 2 and 3 were filled in at step 1 of map 1"
    page.filter_index.setValue(2)  # map 1 is done, map 2 is stepped
    page.set_step(0)
    assert page.depth_view.outputs[0].pending() is None or not page.depth_view.outputs[0].pending().any()
    assert page.depth_view.outputs[2].pending().all()


def test_switching_to_colour_keeps_the_picture_chosen(page):
    photo = page.source.source_box.itemData(1)  # a bundled picture, in grey here
    page.source.select(photo)
    page.mode_box.setCurrentText(DEPTH)
    assert not page.rgb_source.is_numbers() and page.rgb_source.source_box.currentData() == photo
    assert page.image().ndim == 3 and page.image().shape[0] > 20  # the picture in colour, not a 5x5 grid of numbers

    page.mode_box.setCurrentText(ONE_CHANNEL)
    grey = np.linspace(0, 1, 12 * 10).reshape(12, 10)
    page.set_input_image(grey, "gradient.png")
    page.mode_box.setCurrentText(DEPTH)
    assert page.rgb_source.source_title() == "gradient.png"
    np.testing.assert_allclose(page.image(), np.dstack([grey] * 3))  # grey, repeated over the three channels

    colour = np.random.default_rng(0).random((12, 10, 3))
    page.set_input_image(colour, "colour.png")  # opened in colour mode...
    page.mode_box.setCurrentText(ONE_CHANNEL)
    page.mode_box.setCurrentText(DEPTH)  # ...and back: the colours the user opened, not a grey copy
    assert page.rgb_source.source_title() == "colour.png"
    np.testing.assert_allclose(page.image(), colour)
