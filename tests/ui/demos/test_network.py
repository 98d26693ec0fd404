"""The "Rest of the network" page: the seed model's shapes, the worked examples' numbers, clicks."""

import subprocess
import sys

import numpy as np
import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QLabel

from visualizer.ops import activations
from visualizer.training.config import ConvBlock, TrainConfig
from visualizer.ui.demos import network
from visualizer.ui.demos.network import NetworkPage, build_stages, total_params

PAGE_CLASS = NetworkPage
STAGES = build_stages()  # the seed notebook's network


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
    assert total_params(STAGES) == 412_778


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


def test_flatten_order_is_channels_last_like_keras(qtbot, page):
    example = _go_to(page, "flatten")
    rows, cols, channels = example.BLOCK
    for row in range(rows):
        for col in range(cols):
            for channel in range(channels):
                position = activations.flatten_index(row, col, channel, example.BLOCK)
                assert example.flat[position] == example.block[row, col, channel]
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
        # Random scores beside a real sample picture must not read as the network's prediction.
        assert "made-up examples, not the network's answer" in example.summary.text()
        qtbot.mouseClick(example.resample_button, Qt.MouseButton.LeftButton)


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


def test_play_walks_through_the_stages_and_stops_at_the_end(qtbot, page):
    assert page.controls.play_interval_ms() == network.PLAY_INTERVAL_MS  # slow enough to talk over
    page.controls.set_fixed_play_interval(5)
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
        height, depth = diagram._block_size(stage.block(), area, slot)
        assert height + 0.6 * depth <= area * 0.95 + 4, stage.name
    # blocks of the same side are drawn the same height, whatever their channels
    blocks = diagram.blocks()
    assert diagram._block_size(blocks[0], area, slot)[0] == diagram._block_size(blocks[1], area, slot)[0]


OTHER_CONFIG = TrainConfig(
    conv_blocks=(ConvBlock(8, 3), ConvBlock(16, 3), ConvBlock(24, 5)),
    conv_dropout=0.1,
    dense_units=40,
    dense_dropout=0.2,
)


@pytest.mark.parametrize("config", [TrainConfig(), OTHER_CONFIG, TrainConfig(model="fc")], ids=["seed", "other", "fc"])
def test_stage_shapes_and_learned_numbers_equal_the_keras_model(config):
    from visualizer.training.models import build_model

    model = build_model(config)
    stages = build_stages(config)
    assert stages[0].kind == "input" and stages[0].shape == tuple(model.inputs[0].shape[1:])
    assert stages[-1].kind == "softmax" and stages[-1].shape == tuple(model.outputs[0].shape[1:])
    layer_stages = stages[1:-1]  # one stage per Keras layer between the input and the softmax
    assert len(layer_stages) == len(model.layers)
    for stage, layer in zip(layer_stages, model.layers):
        assert stage.shape == tuple(layer.output.shape[1:]), layer.name
        assert stage.params == layer.count_params(), layer.name
        if stage.kind == "dropout":
            assert stage.rate == pytest.approx(layer.rate)
    assert total_params(stages) == model.count_params()


def test_a_changed_config_changes_the_stages():
    stages = build_stages(OTHER_CONFIG)
    assert [stage.kind for stage in stages] == [
        "input", "conv", "pool", "conv", "pool", "conv", "pool", "dropout", "flatten", "dense", "dropout", "dense",
        "softmax",
    ]
    assert [stage.shape for stage in stages if stage.kind in ("conv", "pool")] == [
        (28, 28, 8), (14, 14, 8), (14, 14, 16), (7, 7, 16), (7, 7, 24), (3, 3, 24),
    ]
    assert [stage.rate for stage in stages if stage.kind == "dropout"] == [0.1, 0.2]
    flatten, dense = stages[8], stages[9]
    assert flatten.shape == (3 * 3 * 24,) and "216" in flatten.text and "1567" not in flatten.text
    assert dense.shape == (40,) and dense.params == 216 * 40 + 40
    assert "Conv2D(filters=24, kernel_size=5" in stages[5].keras
    assert "third convolution" in stages[5].text and "5 × 5 × 16" in stages[5].heading
    assert stages[7].name == "Dropout 10%" and "0.1" in stages[7].text
    assert stages[10].name == "Dropout 20%" and "1 / (1 − 0.2) = 1.25" in stages[10].text
    dropout_only = build_stages(TrainConfig(dense_dropout=0.25))
    assert [s.rate for s in dropout_only if s.kind == "dropout"] == [0.3, 0.25]


def test_the_page_follows_its_config(qtbot, page):
    picture = np.ones((28, 28))
    page.set_input_image(picture, "all white")
    page.set_step(3)
    page.set_config(OTHER_CONFIG)
    assert page.step_count() == len(build_stages(OTHER_CONFIG)) == 13
    assert page.current_step() == 3 and page.current_stage().shape == (14, 14, 16)
    assert "16 filters of 3 × 3 × 8" in page.explanation.text()
    assert page.total.text() == f"{total_params(build_stages(OTHER_CONFIG)):,} learned numbers"
    assert [block.shape for block in page.diagram.blocks()] == [s.shape for s in build_stages(OTHER_CONFIG)]
    page.set_step(8)
    flatten = page.current_example()
    assert "(row × 3 + column) × 24 + channel" in " ".join(label.text() for label in flatten.findChildren(QLabel))
    page.set_step(0)
    assert "all white" in page.current_example().grid.caption(), "the input picture stays"
    page.set_config(TrainConfig(model="fc"))
    assert [s.kind for s in page.stages] == ["input", "flatten", "dense", "dense", "softmax"]
    page.step(100)
    assert page.current_step() == 4 and page.current_stage().kind == "softmax"


def test_the_page_opens_without_keras():
    code = (
        "import sys; from PyQt6.QtWidgets import QApplication; app = QApplication([]);"
        "from visualizer.ui.demos.network import NetworkPage; NetworkPage().set_step(6);"
        "print(sorted({'keras', 'tensorflow'} & set(sys.modules)))"
    )
    run = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert run.stdout.strip() == "[]", run.stdout
