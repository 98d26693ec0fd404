"""The layers of the seed notebook's networks as plain data, worked out from a TrainConfig.

Each layer's output shape and parameter count follow from the config by the size rules in
:mod:`visualizer.ops.shapes`, without Keras, so the concept pages can describe the network
without loading TensorFlow. :mod:`visualizer.training.models` builds its Keras layers from this
same list, so the description and the trained model cannot drift apart.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from visualizer.ops import shapes
from visualizer.training.config import TrainConfig
from visualizer.training.data import CLASS_NAMES, IMAGE_SIDE
from visualizer.training.layer_list import LayerSpec

INPUT_SHAPE = (IMAGE_SIDE, IMAGE_SIDE, 1)  # one grayscale Fashion-MNIST picture, channels last
CLASS_COUNT = len(CLASS_NAMES)
CONV_PADDING = "same"
POOL_SIZE = 2  # every conv block ends in MaxPooling2D(2): its stride is its size, no padding
POOL_PADDING = "valid"


@dataclass(frozen=True)
class Layer:
    """One layer of the network, with the shapes of one image (no batch axis)."""

    name: str  # the Keras layer's name: conv1, pool1, dropout1, flatten, dense1, output
    kind: str  # conv, pool, dropout, flatten or dense
    input_shape: tuple[int, ...]
    shape: tuple[int, ...]  # output shape
    params: int = 0  # learned numbers: weights and biases
    units: int = 0  # filters of a conv, units of a dense layer
    window: int = 0  # kernel side of a conv, window side of a pool
    padding: str = ""  # of a conv or pool
    activation: str = ""  # of a conv or dense layer
    rate: float = 0.0  # of a dropout layer


def _conv(number: int, filters: int, kernel: int, before: tuple[int, ...]) -> Layer:
    rows, cols, channels = before
    side = shapes.conv_output_shape((rows, cols), kernel, 1, CONV_PADDING)
    params = kernel * kernel * channels * filters + filters
    return Layer(f"conv{number}", "conv", before, (*side, filters), params, filters, kernel, CONV_PADDING, "relu")


def _pool(number: int, before: tuple[int, ...]) -> Layer:
    side = shapes.pool_output_shape(before[:2], POOL_SIZE, None, POOL_PADDING)
    return Layer(f"pool{number}", "pool", before, (*side, before[2]), window=POOL_SIZE, padding=POOL_PADDING)


def _dropout(number: int, rate: float, before: tuple[int, ...]) -> Layer:
    return Layer(f"dropout{number}", "dropout", before, before, rate=rate)


def _flatten(before: tuple[int, ...]) -> Layer:
    return Layer("flatten", "flatten", before, (math.prod(before),))


def _dense(name: str, units: int, activation: str, before: tuple[int, ...]) -> Layer:
    return Layer(name, "dense", before, (units,), before[0] * units + units, units, activation=activation)


def network_layers(
    config: TrainConfig, input_shape: tuple[int, int, int] = INPUT_SHAPE, class_count: int = CLASS_COUNT
) -> tuple[Layer, ...]:
    """The layers ``config`` asks for, input first, for images of ``input_shape`` (height, width,
    channels) in ``class_count`` classes; Fashion-MNIST's by default. The default config gives the
    seed's CNN: conv1 - pool1 - conv2 - pool2 - dropout1 - flatten - dense1 - dropout2 - output."""
    if config.model not in ("cnn", "fc"):
        raise ValueError(f"network_layers describes the seed's networks, not model {config.model!r}")
    layers: list[Layer] = []

    def add(layer: Layer) -> tuple[int, ...]:
        layers.append(layer)
        return layer.shape

    shape = tuple(input_shape)
    if config.model == "cnn":
        for number, block in enumerate(config.conv_blocks, start=1):
            shape = add(_conv(number, block.filters, block.kernel_size, shape))
            shape = add(_pool(number, shape))
        shape = add(_dropout(1, config.conv_dropout, shape))
        shape = add(_flatten(shape))
        shape = add(_dense("dense1", config.dense_units, "relu", shape))
        shape = add(_dropout(2, config.dense_dropout, shape))
    else:
        shape = add(_flatten(shape))
        shape = add(_dense("dense1", config.fc_units, "relu", shape))
    add(_dense("output", class_count, "softmax", shape))
    return tuple(layers)


def as_layer_list(config: TrainConfig) -> tuple[LayerSpec, ...]:
    """The config's network as an editable layer list, the output layer left out (the app always
    adds it): the seed's CNN or its fully connected baseline as rows, or the own list as it is."""
    if config.model == "layers":
        return tuple(config.layers)
    specs = []
    for layer in network_layers(config)[:-1]:
        if layer.kind == "conv":
            specs.append(LayerSpec("conv", filters=layer.units, kernel=(layer.window,) * 2, stride=(1, 1),
                                   padding=layer.padding, activation=layer.activation))
        elif layer.kind == "pool":
            specs.append(LayerSpec("pool", mode="max", size=(layer.window,) * 2, stride=None, padding=layer.padding))
        elif layer.kind == "dropout":
            specs.append(LayerSpec("dropout", rate=layer.rate))
        elif layer.kind == "dense":
            specs.append(LayerSpec("dense", units=layer.units, activation=layer.activation))
        else:
            specs.append(LayerSpec(layer.kind))
    return tuple(specs)
