"""The Keras-free description of the networks equals the Keras models built from it, layer by layer."""

from __future__ import annotations

import pytest

from visualizer.training.architecture import INPUT_SHAPE, network_layers
from visualizer.training.config import ConvBlock, TrainConfig

CONFIGS = {
    "seed CNN": TrainConfig(),
    "three blocks, odd kernels": TrainConfig(
        conv_blocks=(ConvBlock(8, 3), ConvBlock(16, 3), ConvBlock(24, 5)),
        conv_dropout=0.1,
        dense_units=40,
        dense_dropout=0.2,
    ),
    "four blocks down to 1x1": TrainConfig(conv_blocks=tuple(ConvBlock(4, k) for k in (1, 2, 3, 4))),
    "fully connected": TrainConfig(model="fc", fc_units=50),
}


@pytest.mark.parametrize("config", CONFIGS.values(), ids=CONFIGS.keys())
def test_layers_equal_the_keras_model(config):
    from visualizer.training.models import build_model

    model = build_model(config)
    layers = network_layers(config)
    assert [layer.name for layer in layers] == [layer.name for layer in model.layers]
    for ours, theirs in zip(layers, model.layers):
        assert ours.shape == tuple(theirs.output.shape[1:]), ours.name
        assert ours.input_shape == tuple(theirs.input.shape[1:]), ours.name
        assert ours.params == theirs.count_params(), ours.name
        assert ours.kind == {
            "Conv2D": "conv", "MaxPooling2D": "pool", "Dropout": "dropout", "Flatten": "flatten", "Dense": "dense",
        }[type(theirs).__name__]
        if ours.kind == "dropout":
            assert ours.rate == pytest.approx(theirs.rate)
        if ours.activation:
            assert ours.activation == theirs.activation.__name__
    assert layers[0].input_shape == INPUT_SHAPE == tuple(model.inputs[0].shape[1:])
    assert sum(layer.params for layer in layers) == model.count_params()


def test_the_seed_cnn_in_numbers():
    layers = network_layers(TrainConfig())
    assert [(layer.name, layer.shape, layer.params) for layer in layers] == [
        ("conv1", (28, 28, 64), 320),
        ("pool1", (14, 14, 64), 0),
        ("conv2", (14, 14, 32), 8224),
        ("pool2", (7, 7, 32), 0),
        ("dropout1", (7, 7, 32), 0),
        ("flatten", (1568,), 0),
        ("dense1", (256,), 401_664),
        ("dropout2", (256,), 0),
        ("output", (10,), 2570),
    ]
    assert [layer.rate for layer in layers if layer.kind == "dropout"] == [0.3, 0.5]

