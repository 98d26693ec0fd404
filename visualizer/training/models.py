"""The seed notebook's networks, built from a TrainConfig: the CNN and the fully connected baseline.

Layers get fixed, readable names (conv1, pool1, ..., output) because the app shows them to people
and the probes look layers up by them.
"""

from __future__ import annotations

from visualizer.training.config import OPTIMIZER_TITLES, TrainConfig
from visualizer.training.data import CLASS_NAMES, IMAGE_SIDE

INPUT_SHAPE = (IMAGE_SIDE, IMAGE_SIDE, 1)
CLASS_COUNT = len(CLASS_NAMES)


def build_model(config: TrainConfig):
    """A compiled keras.Model for ``config``: sparse categorical cross-entropy, accuracy.

    The default config gives exactly the seed's CNN:
    Conv2D(64, 2, same, relu) - MaxPool(2) - Conv2D(32, 2, same, relu) - MaxPool(2) - Dropout(0.3)
    - Flatten - Dense(256, relu) - Dropout(0.5) - Dense(10, softmax).
    """
    import keras
    from keras import layers

    stack: list = [keras.Input(shape=INPUT_SHAPE, name="image")]
    if config.model == "cnn":
        for number, block in enumerate(config.conv_blocks, start=1):
            stack.append(
                layers.Conv2D(
                    block.filters,
                    block.kernel_size,
                    padding="same",
                    activation="relu",
                    name=f"conv{number}",
                )
            )
            stack.append(layers.MaxPooling2D(pool_size=2, name=f"pool{number}"))
        stack += [
            layers.Dropout(config.conv_dropout, name="dropout1"),
            layers.Flatten(name="flatten"),
            layers.Dense(config.dense_units, activation="relu", name="dense1"),
            layers.Dropout(config.dense_dropout, name="dropout2"),
        ]
        name = "seed_cnn"
    else:
        stack += [
            layers.Flatten(name="flatten"),
            layers.Dense(config.fc_units, activation="relu", name="dense1"),
        ]
        name = "seed_fc"
    stack.append(layers.Dense(CLASS_COUNT, activation="softmax", name="output"))

    model = keras.Sequential(stack, name=name)
    optimizer_class = getattr(keras.optimizers, OPTIMIZER_TITLES[config.optimizer])
    model.compile(
        optimizer=optimizer_class(learning_rate=config.learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


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
