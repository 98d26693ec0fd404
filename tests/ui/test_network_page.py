"""The "Rest of the network" page: the seed model's shapes, the worked examples' numbers, clicks."""

import numpy as np
import pytest
from PyQt6.QtCore import QPoint, Qt

from visualizer.ui.demos import network
from visualizer.ui.demos.network import STAGES, NetworkPage


@pytest.fixture
def page(qtbot):
    widget = NetworkPage()
    qtbot.addWidget(widget)
    widget.resize(1040, 660)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _go_to(page, kind, occurrence=0):
    index = [i for i, stage in enumerate(STAGES) if stage.kind == kind][occurrence]
    page.set_step(index)
    return page.current_example()


def test_stages_follow_the_seed_notebook():
    shapes = [stage.shape for stage in STAGES]
    assert shapes == [
        (28, 28, 1), (28, 28, 64), (14, 14, 64), (14, 14, 32), (7, 7, 32), (7, 7, 32),
        (1568,), (256,), (256,), (10,), (10,),
    ]
    assert [s.rate for s in STAGES if s.kind == "dropout"] == [0.3, 0.5]


def test_learned_numbers_match_the_keras_model_summary():
    # Conv2D(64, 2): 2*2*1*64+64; Conv2D(32, 2): 2*2*64*32+32; Dense(256): 1568*256+256; Dense(10): 256*10+10
    assert [s.params for s in STAGES if s.params] == [320, 8224, 401_664, 2570]
    assert network.TOTAL_PARAMS == 412_778


def test_the_page_shows_1568_and_explains_the_notebooks_1567(page):
    example = _go_to(page, "flatten")
    text = page.explanation.text()
    assert "1568" in text and "1567" in text
    assert example is page.current_example()


def test_step_protocol_walks_the_stages(page):
    assert page.step_count() == len(STAGES) and page.current_step() == 0
    page.step(1)
    assert page.current_stage().kind == "conv"
    page.step(100)
    assert page.current_step() == len(STAGES) - 1
    page.reset()
    assert page.current_step() == 0


def test_clicking_a_block_in_the_diagram_selects_its_stage(qtbot, page):
    diagram = page.diagram
    softmax_index = len(STAGES) - 1
    centre = diagram.slot_rect(softmax_index).center().toPoint()
    qtbot.mouseClick(diagram, Qt.MouseButton.LeftButton, pos=centre)
    assert page.current_step() == softmax_index
    assert "Softmax" in page.explanation.text()


def test_every_stage_has_a_worked_example(page):
    for index in range(page.step_count()):
        page.set_step(index)
        assert page.current_example() is not None


def test_relu_example_zeroes_exactly_the_negatives(qtbot, page):
    example = _go_to(page, "conv")
    for _ in range(3):
        before, after = example.before.values(), example.after.values()
        assert (before < 0).any()
        assert np.array_equal(after, np.where(before < 0, 0, before))
        qtbot.mouseClick(example.resample_button, Qt.MouseButton.LeftButton)


def test_pool_example_keeps_the_max_of_each_window(page):
    example = _go_to(page, "pool")
    values = example.before.values()
    expected = values.reshape(2, 2, 2, 2).max(axis=(1, 3))
    assert np.array_equal(example.after.values(), expected)


def test_dropout_scales_kept_units_in_training_and_does_nothing_at_test_time(qtbot, page):
    example = _go_to(page, "dropout", 1)  # rate 0.5
    values = example.values
    out = example.output()
    assert np.allclose(out[example.kept], values[example.kept] * 2.0)
    assert np.all(out[~example.kept] == 0)
    masks = set()
    for _ in range(5):
        qtbot.mouseClick(example.resample_button, Qt.MouseButton.LeftButton)
        masks.add(example.kept.tobytes())
    assert len(masks) > 1, "resampling picks other units"
    example.testing.setChecked(True)
    assert np.array_equal(example.output(), example.values)
    assert np.array_equal(example.after.values(), example.values)


def test_dropout_function_statistics():
    rng = np.random.default_rng(0)
    values = np.ones(100_000)
    out, kept = network.dropout(values, 0.3, rng)
    assert kept.mean() == pytest.approx(0.7, abs=0.01)
    assert out.mean() == pytest.approx(1.0, abs=0.02)  # the scaling keeps the average
    same, _ = network.dropout(values, 0.3, rng, training=False)
    assert np.array_equal(same, values)


def test_flatten_order_is_channels_last_like_keras(qtbot, page):
    example = _go_to(page, "flatten")
    rows, cols, channels = example.BLOCK
    for row in range(rows):
        for col in range(cols):
            for channel in range(channels):
                position = network.flatten_index(row, col, channel, example.BLOCK)
                assert example.flat[position] == example.block[row, col, channel]
    assert network.flatten_index(6, 6, 31, (7, 7, 32)) == 1567  # the last of 1568
    cell = example.vector.cell_rect(0, 5).center().toPoint()
    qtbot.mouseClick(example.vector, Qt.MouseButton.LeftButton, pos=cell)
    assert example.selected == 5
    assert "row 0, column 1, channel 2" in example.where.text()


def test_dense_example_is_a_weighted_sum_plus_bias(page):
    example = _go_to(page, "dense", 0)
    assert example.z == pytest.approx(float(example.x @ example.w + example.b))
    assert "ReLU" in example.equation.text()


def test_softmax_gives_probabilities_summing_to_one(qtbot, page):
    example = _go_to(page, "softmax")
    for _ in range(3):
        probabilities = example.bars.values()
        assert probabilities.sum() == pytest.approx(1.0)
        assert np.all(probabilities > 0)
        assert np.argmax(probabilities) == np.argmax(example.logits)
        qtbot.mouseClick(example.resample_button, Qt.MouseButton.LeftButton)
    assert network.softmax(np.array([1000.0, 1000.0])) == pytest.approx([0.5, 0.5])


def test_set_input_image_shrinks_any_picture_to_28x28(page):
    page.set_step(4)
    picture = np.zeros((60, 90, 3))
    picture[20:40, 35:55] = 1.0
    page.set_input_image(picture, "my square")
    assert page.current_step() == 0
    example = page.current_example()
    assert example.pixels.shape == (28, 28)
    assert 0 <= example.pixels.min() and example.pixels.max() <= 1
    assert example.pixels[14, 14] > 0.9 and example.pixels[0, 0] < 0.1
    assert "my square" in example.grid.caption()
    with pytest.raises(ValueError):
        page.set_input_image(np.zeros((2, 2)), "too small")


def test_play_walks_through_the_stages_and_stops_at_the_end(qtbot, page, monkeypatch):
    page._play_timer.setInterval(5)
    page.toggle_play()
    assert page.is_playing()
    qtbot.waitUntil(lambda: not page.is_playing(), timeout=3000)
    assert page.current_step() == page.step_count() - 1
    page.toggle_play()  # from the end, play starts again at the beginning
    assert page.current_step() == 0 and page.is_playing()
    page.hide()
    assert not page.is_playing()


@pytest.mark.parametrize("width", [500, 1040, 1800])
def test_every_diagram_block_fits_above_its_labels(page, width):
    diagram = page.diagram
    diagram.resize(width, diagram.height())
    area = diagram._block_area_height()
    slot = width / len(STAGES)
    for stage in STAGES:
        height, depth = diagram._block_size(stage, area, slot)
        assert height + 0.6 * depth <= area * 0.95 + 4, stage.name
    # blocks of the same side are drawn the same height, whatever their channels
    assert diagram._block_size(STAGES[0], area, slot)[0] == diagram._block_size(STAGES[1], area, slot)[0]
