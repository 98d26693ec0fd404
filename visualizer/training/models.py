"""The networks a TrainConfig asks for: the seed notebook's CNN and fully connected baseline, or
the user's own layer list (``model="layers"``) topped by the output layer the app always adds.

Layers get fixed, readable names (conv1, pool1, ..., output) because the app shows them to people
and the probes look layers up by them.
"""

from __future__ import annotations

from visualizer.training.architecture import CLASS_COUNT, INPUT_SHAPE, Layer, network_layers
from visualizer.training.config import OPTIMIZER_TITLES, TrainConfig
from visualizer.training.layer_list import LayerSpec, build_keras_layers, work_out_network


class NetworkDoesNotFit(ValueError):
    """An own layer list cannot take the data's pictures; the message says which layer and why."""


OUTPUT_LAYER = "output"  # the name of the Dense(classes, softmax) layer that ends every network


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
    if config.model == "layers":
        stack += own_layers(config.layers, input_shape, class_count)
        name = "own_layers"
    else:
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


def layer_names(specs) -> list[str]:
    """Readable names for an own list's layers, as the seed's networks have: conv1, pool1, conv2, …
    (each kind numbered in its own order)."""
    counts: dict[str, int] = {}
    names = []
    for spec in specs:
        counts[spec.kind] = counts.get(spec.kind, 0) + 1
        names.append(f"{spec.kind}{counts[spec.kind]}")
    return names


def own_layers(specs: tuple[LayerSpec, ...], input_shape: tuple[int, int, int], class_count: int) -> list:
    """The Keras layers of an own list for pictures of ``input_shape``, then the output layer.
    NetworkDoesNotFit, in words, when the list does not fit these pictures (a folder's size is known only
    now) or ends in a picture, where the output layer needs a flat list."""
    from keras import layers

    worked = work_out_network(specs, input_shape)
    if worked.problem is not None:
        problem = worked.problem
        formula = f" ({problem.formula})" if problem.formula else ""
        raise NetworkDoesNotFit(
            f"Layer {problem.index + 1} of your network does not fit pictures of "
            f"{'x'.join(map(str, input_shape))}: {problem.message}{formula}. Change that layer in the "
            "list, or train on pictures of another size."
        )
    return [*build_keras_layers(specs, layer_names(specs)), layers.Dense(class_count, activation="softmax", name=OUTPUT_LAYER)]


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
