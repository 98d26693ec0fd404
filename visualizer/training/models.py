"""The seed notebook's networks, built from a TrainConfig: the CNN and the fully connected baseline.

Layers get fixed, readable names (conv1, pool1, ..., output) because the app shows them to people
and the probes look layers up by them.
"""

from __future__ import annotations

from visualizer.training.architecture import CLASS_COUNT, INPUT_SHAPE, Layer, network_layers
from visualizer.training.config import OPTIMIZER_TITLES, TrainConfig


def _keras_layer(layer: Layer):
    """The keras.layers object that ``layer`` describes."""
    from keras import layers

    if layer.kind == "conv":
        return layers.Conv2D(
            layer.units, layer.window, padding=layer.padding, activation=layer.activation, name=layer.name
        )
    if layer.kind == "pool":
        return layers.MaxPooling2D(pool_size=layer.window, padding=layer.padding, name=layer.name)
    if layer.kind == "dropout":
        return layers.Dropout(layer.rate, name=layer.name)
    if layer.kind == "flatten":
        return layers.Flatten(name=layer.name)
    if layer.kind == "dense":
        return layers.Dense(layer.units, activation=layer.activation, name=layer.name)
    raise ValueError(f"no Keras layer for a layer of kind {layer.kind!r}")


def build_model(config: TrainConfig, input_shape: tuple[int, int, int] = INPUT_SHAPE, class_count: int = CLASS_COUNT):
    """A compiled keras.Model for ``config``, taking images of ``input_shape`` (height, width,
    channels; Fashion-MNIST's by default) into ``class_count`` classes: sparse categorical
    cross-entropy, accuracy.

    The layers are those of :func:`visualizer.training.architecture.network_layers`; the default
    config gives exactly the seed's CNN:
    Conv2D(64, 2, same, relu) - MaxPool(2) - Conv2D(32, 2, same, relu) - MaxPool(2) - Dropout(0.3)
    - Flatten - Dense(256, relu) - Dropout(0.5) - Dense(10, softmax).
    """
    import keras

    stack = [keras.Input(shape=tuple(input_shape), name="image")]
    stack += [_keras_layer(layer) for layer in network_layers(config, input_shape, class_count)]
    name = "seed_cnn" if config.model == "cnn" else "seed_fc"
    model = keras.Sequential(stack, name=name)
    model.compile(
        optimizer=make_optimizer(config),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def make_optimizer(config: TrainConfig):
    """A new Keras optimizer of the config's kind and learning rate."""
    import keras

    optimizer_class = getattr(keras.optimizers, OPTIMIZER_TITLES[config.optimizer])
    return optimizer_class(learning_rate=config.learning_rate)


def format_shape(shape) -> str:
    """(None, 14, 14, 64) -> "14x14x64": the per-image shape, batch axis left out."""
    return "x".join(str(size) for size in tuple(shape)[1:])


def describe_model(model) -> str:
    """One line per layer: name, type, output shape and parameter count; then the total."""
    rows = [
        (layer.name, type(layer).__name__, format_shape(layer.output.shape), layer.count_params())
        for layer in model.layers
    ]
    name_width = max(len(row[0]) for row in rows)
    type_width = max(len(row[1]) for row in rows)
    shape_width = max(len(row[2]) for row in rows)
    lines = [
        f"{name:<{name_width}}  {kind:<{type_width}}  {shape:>{shape_width}}  {params:>9,} params"
        for name, kind, shape, params in rows
    ]
    lines.append(f"total: {model.count_params():,} parameters")
    return "\n".join(lines)
