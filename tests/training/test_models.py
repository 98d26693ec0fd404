"""The networks match the seed notebook's, layer for layer, and follow the config's settings."""

from __future__ import annotations

import keras
import pytest

from visualizer.training.config import OPTIMIZERS, ConvBlock, TrainConfig
from visualizer.training.models import build_model, describe_model

SEED_CNN = [
    # name, type, output shape, parameters (as in the seed notebook's model.summary())
    ("conv1", keras.layers.Conv2D, (28, 28, 64), 2 * 2 * 1 * 64 + 64),
    ("pool1", keras.layers.MaxPooling2D, (14, 14, 64), 0),
    ("conv2", keras.layers.Conv2D, (14, 14, 32), 2 * 2 * 64 * 32 + 32),
    ("pool2", keras.layers.MaxPooling2D, (7, 7, 32), 0),
    ("dropout1", keras.layers.Dropout, (7, 7, 32), 0),
    ("flatten", keras.layers.Flatten, (1568,), 0),
    ("dense1", keras.layers.Dense, (256,), 1568 * 256 + 256),
    ("dropout2", keras.layers.Dropout, (256,), 0),
    ("output", keras.layers.Dense, (10,), 256 * 10 + 10),
]


def test_default_config_builds_exactly_the_seed_cnn():
    model = build_model(TrainConfig())
    assert [layer.name for layer in model.layers] == [row[0] for row in SEED_CNN]
    for layer, (name, kind, shape, params) in zip(model.layers, SEED_CNN):
        assert type(layer) is kind, name
        assert tuple(layer.output.shape[1:]) == shape, name
        assert layer.count_params() == params, name
    assert model.count_params() == 412_778
    assert tuple(model.inputs[0].shape[1:]) == (28, 28, 1)

    conv1, conv2 = model.get_layer("conv1"), model.get_layer("conv2")
    for conv, filters in ((conv1, 64), (conv2, 32)):
        assert conv.filters == filters
        assert conv.kernel_size == (2, 2)
        assert conv.padding == "same"
        assert conv.activation.__name__ == "relu"
    assert model.get_layer("pool1").pool_size == (2, 2)
    assert model.get_layer("dropout1").rate == pytest.approx(0.3)
    assert model.get_layer("dropout2").rate == pytest.approx(0.5)
    assert model.get_layer("dense1").activation.__name__ == "relu"
    assert model.get_layer("output").activation.__name__ == "softmax"


def test_default_training_settings_are_the_seeds():
    model = build_model(TrainConfig())
    assert isinstance(model.optimizer, keras.optimizers.Adam)
    assert float(model.optimizer.learning_rate) == pytest.approx(0.001)
    assert model.loss == "sparse_categorical_crossentropy"
    assert TrainConfig().batch_size == 32 and TrainConfig().epochs == 5


def test_conv_blocks_dropout_and_dense_units_follow_the_config():
    config = TrainConfig(
        conv_blocks=(ConvBlock(8, 3), ConvBlock(16, 3), ConvBlock(24, 5)),
        conv_dropout=0.1,
        dense_units=40,
        dense_dropout=0.2,
    )
    model = build_model(config)
    names = [layer.name for layer in model.layers]
    assert names == [
        "conv1", "pool1", "conv2", "pool2", "conv3", "pool3",
        "dropout1", "flatten", "dense1", "dropout2", "output",
    ]
    shapes = {layer.name: tuple(layer.output.shape[1:]) for layer in model.layers}
    assert shapes["conv1"] == (28, 28, 8)
    assert shapes["pool2"] == (7, 7, 16)
    assert shapes["conv3"] == (7, 7, 24)
    assert shapes["pool3"] == (3, 3, 24)
    assert shapes["flatten"] == (3 * 3 * 24,)
    assert shapes["dense1"] == (40,)
    assert model.get_layer("conv3").kernel_size == (5, 5)
    assert model.get_layer("conv3").count_params() == 5 * 5 * 16 * 24 + 24
    assert model.get_layer("dropout1").rate == pytest.approx(0.1)
    assert model.get_layer("dropout2").rate == pytest.approx(0.2)


def test_four_blocks_still_fit_a_28_pixel_image():
    model = build_model(TrainConfig(conv_blocks=tuple(ConvBlock(4, 2) for _ in range(4))))
    assert tuple(model.get_layer("pool4").output.shape[1:]) == (1, 1, 4)


def test_fc_model_is_the_seeds_fully_connected_baseline():
    model = build_model(TrainConfig(model="fc"))
    assert [(layer.name, type(layer)) for layer in model.layers] == [
        ("flatten", keras.layers.Flatten),
        ("dense1", keras.layers.Dense),
        ("output", keras.layers.Dense),
    ]
    assert model.get_layer("dense1").units == 128
    assert model.count_params() == 784 * 128 + 128 + 128 * 10 + 10


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_optimizer_and_learning_rate_are_applied(name):
    model = build_model(TrainConfig(optimizer=name, learning_rate=0.0123))
    assert type(model.optimizer).__name__.lower() == name
    assert float(model.optimizer.learning_rate) == pytest.approx(0.0123)


def test_describe_model_has_one_line_per_layer_and_the_total():
    model = build_model(TrainConfig())
    lines = describe_model(model).splitlines()
    assert len(lines) == len(SEED_CNN) + 1
    for line, (name, kind, shape, params) in zip(lines, SEED_CNN):
        assert line.split()[:3] == [name, kind.__name__, "x".join(map(str, shape))]
        assert f"{params:,} params" in line
    assert lines[-1] == "total: 412,778 parameters"


def test_a_colour_data_set_of_another_size_gets_its_input_shape_and_class_count():
    model = build_model(TrainConfig(), (32, 32, 3), 7)
    assert tuple(model.input_shape[1:]) == (32, 32, 3) and model.output_shape[-1] == 7
    assert model.get_layer("conv1").count_params() == 2 * 2 * 3 * 64 + 64  # a colour kernel: three channels deep
    assert model.get_layer("flatten").output.shape[-1] == 8 * 8 * 32
