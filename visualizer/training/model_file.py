"""A network the user wrote in Keras and saved as a .keras file, opened to be trained by the app.

The file is checked before Keras reads it: it must exist, be a .keras zip archive holding the
model's config.json, and use only layers built into Keras. A Lambda layer (Python code stored in
the file) and custom layer classes are refused in words: Keras reads the file in safe mode only,
and the app runs no code from a file. Then the network must fit the data: one input taking
pictures of the data's (height, width, channels), None sides taking any, and one output with a
number per class.

The app feeds every network float32 pictures in [0, 1] (data.to_model_input), whatever range the
network was written for. It compiles the network afresh with the run's optimizer and learning
rate, so the form's settings mean what they say, and sparse categorical cross-entropy that takes
the output as probabilities when the last layer is a softmax and as logits otherwise. Training
starts from the weights saved in the file.

Keras is imported only by the functions that load a model: call those off the GUI thread.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

KERAS_CONFIG = "config.json"  # the model's layers, in every .keras archive (with metadata.json and the weights)
MAX_CONFIG_BYTES = 64 * 1024 * 1024  # far above any real network's config; keeps a forged archive from filling memory
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
# Layers that pass their input's values on unchanged when a trained network predicts: what comes
# before them decides whether the output is probabilities.
PASS_THROUGH = frozenset(
    {"Dropout", "GaussianDropout", "GaussianNoise", "AlphaDropout", "ActivityRegularization", "Identity", "Flatten", "Reshape"}
)


class ModelFileError(ValueError):
    """A network file the app cannot train, with what is wrong and what to do, in words."""


def check_model_file(
    path: str | os.PathLike[str],
    input_shape: tuple[int, int, int],
    class_count: int,
    *,
    data_title: str = "the data",
    resizable: bool = False,
) -> str | None:
    """What keeps the network in ``path`` from training on pictures of ``input_shape`` (height,
    width, channels) in ``class_count`` classes, in words, or None when it can. ``data_title``
    names the data in the message; ``resizable`` says that the pictures' size can be chosen (a
    folder of pictures), so the message may suggest that. Loads Keras: call it off the GUI thread."""
    try:
        model = load_model_file(path)
    except ModelFileError as error:
        return str(error)
    return fit_problem(model, Path(path).name, input_shape, class_count, data_title=data_title, resizable=resizable)


def file_problem(path: str | os.PathLike[str]) -> str | None:
    """What keeps ``path`` from being read as a .keras network, found without Keras, or None."""
    path = Path(path).expanduser()
    name = path.name
    if not path.exists():
        return f"There is no file {path}: check its name and folder."
    if path.is_dir():
        return (
            f"{path} is a folder, not a .keras file. A TensorFlow SavedModel folder cannot be trained here: "
            "load it in Keras and save it with model.save('network.keras')."
        )
    try:
        with path.open("rb") as file:
            start = file.read(len(HDF5_SIGNATURE))
    except OSError as error:
        return f"{name} cannot be read: {error.strerror or error}."
    if start == HDF5_SIGNATURE or path.suffix.lower() in (".h5", ".hdf5"):
        return (
            f"{name} is in the older HDF5 format (.h5), which the app does not open. Load it in Keras "
            "and save it again in Keras's own format: model.save('network.keras')."
        )
    if path.suffix.lower() != ".keras":
        return f"{name} is not a .keras file. Save the network in Keras's own format: model.save('network.keras')."
    try:
        config = _read_config(path)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        return (
            f"{name} is not a Keras network file that can be read: a .keras file is a zip archive holding "
            f"{KERAS_CONFIG}. It may be damaged, or another kind of file named .keras; save the network again."
        )
    return _unsafe_or_unknown_layers(name, config)


def _read_config(path: Path) -> dict:
    """The model's config.json from the archive (raises when it is missing, too big or not JSON)."""
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(KERAS_CONFIG)
        if info.file_size > MAX_CONFIG_BYTES:
            raise ValueError(f"{KERAS_CONFIG} is {info.file_size:,} bytes")
        config = json.loads(archive.read(info))
    if not isinstance(config, dict):
        raise ValueError(f"{KERAS_CONFIG} holds no model")
    return config


def _serialized_classes(node) -> list[tuple[str, str | None, str]]:
    """Every (class name, module, layer name) in a Keras config tree, compile settings left out
    (the app compiles the network itself). A function (a custom activation, say) is named by its
    own name, "my_activation()"."""
    found = []
    if isinstance(node, dict):
        if isinstance(node.get("class_name"), str):
            inner = node.get("config")
            layer_name = inner.get("name", "") if isinstance(inner, dict) else ""
            class_name = node["class_name"]
            if class_name == "function" and isinstance(inner, str):
                class_name = f"{inner}()"
            found.append((class_name, node.get("module"), str(layer_name)))
        for key, value in node.items():
            if key != "compile_config":
                found += _serialized_classes(value)
    elif isinstance(node, list):
        for value in node:
            found += _serialized_classes(value)
    return found


def _unsafe_or_unknown_layers(name: str, config: dict) -> str | None:
    classes = _serialized_classes(config)
    lambdas = [layer for class_name, _module, layer in classes if class_name == "Lambda"]
    if lambdas:
        return (
            f"{name} holds a Lambda layer ({lambdas[0]!r}): Python code stored in the file, which the app "
            "never runs, since a file could hide anything in it. Write that step with Keras's built-in layers "
            "(Rescaling, Activation, Reshape, ...) and save the network again."
        )
    # Keras's own classes name a keras module; "__keras_tensor__" and the like are its markers.
    unknown = sorted({
        class_name
        for class_name, module, _layer in classes
        if not class_name.startswith("__") and not (isinstance(module, str) and module.split(".")[0] == "keras")
    })
    if unknown:
        listed = ", ".join(unknown)
        return (
            f"{name} uses {'a class or function' if len(unknown) == 1 else 'classes or functions'} that Keras does "
            f"not know: {listed}. The app cannot run custom layers (or activations) it does not know, as their code "
            "is not in the file; build the network from Keras's built-in layers and save it again."
        )
    return None


def load_model_file(path: str | os.PathLike[str]):
    """The keras.Model saved in ``path``, uncompiled, read in Keras's safe mode; raises
    ModelFileError, in words, for a file the app cannot read."""
    problem = file_problem(path)
    if problem is not None:
        raise ModelFileError(problem)
    import keras

    path = Path(path).expanduser()
    try:
        model = keras.saving.load_model(path, compile=False, safe_mode=True)
    except Exception as error:  # Keras reports bad files with many error types
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        if "safe_mode" in str(error):
            raise ModelFileError(
                f"Keras refused to read {path.name}: it holds Python code ({first_line}) and the app never runs "
                "code from a file. Write the network with Keras's built-in layers and save it again."
            ) from None
        raise ModelFileError(
            f"Keras could not read the network in {path.name}: {first_line}. Save it again with model.save() "
            f"in Keras {keras.__version__} or near it, the version this app uses."
        ) from None
    if not isinstance(model, keras.Model):
        raise ModelFileError(f"{path.name} holds a {type(model).__name__}, not a Keras network.")
    return model


def _describe_pictures(height, width, channels) -> str:
    """(28, 28, 1) -> "28x28 pictures with 1 channel"; None sides are "any"."""
    if height is None and width is None:
        size = "pictures of any size"
    else:
        size = f"{height or 'any'}x{width or 'any'} pictures"
    if channels is None:
        return f"{size} with any number of channels"
    return f"{size} with {channels} channel{'s' if channels != 1 else ''}"


def fit_problem(
    model, name: str, input_shape: tuple[int, int, int], class_count: int, *, data_title: str = "the data",
    resizable: bool = False,
) -> str | None:
    """What keeps ``model`` (from the file ``name``) from training on pictures of ``input_shape``
    (height, width, channels) in ``class_count`` classes, in words, or None."""
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        return (
            f"The network in {name} has {len(model.inputs)} input(s) and {len(model.outputs)} output(s); the app "
            "trains networks with one input (the picture) and one output (a number per class)."
        )
    return _input_problem(model, name, input_shape, data_title, resizable) or _output_problem(
        model, name, class_count, data_title
    )


def _input_problem(model, name: str, input_shape: tuple[int, int, int], data_title: str, resizable: bool):
    height, width, channels = (int(size) for size in input_shape)
    wanted = f"({height}, {width}, {channels})"
    image = model.inputs[0]
    takes = tuple(image.shape)[1:]
    if len(takes) != 3:
        return (
            f"The network in {name} takes inputs shaped {takes}, not pictures (height, width, channels): "
            f"start it with Input(shape={wanted}), then Flatten() if its first layer is Dense."
        )
    if image.shape[0] is not None:
        return (
            f"The network in {name} takes batches of exactly {image.shape[0]} pictures; the last batch of an epoch "
            f"may be smaller: leave the batch size out of its Input, Input(shape={wanted})."
        )
    if not str(image.dtype).startswith(("float", "bfloat")):
        return (
            f"The network in {name} takes {image.dtype} pictures, but the app gives it float32 pictures in [0, 1]: "
            "give its Input dtype='float32' (with a Rescaling(255) layer after it if it was written for 0-255)."
        )
    if all(size is None or size == have for size, have in zip(takes, (height, width, channels))):
        return None
    problem = (
        f"The network in {name} takes {_describe_pictures(*takes)}, but the pictures of {data_title} are "
        f"{_describe_pictures(height, width, channels)}: change its Input to shape {wanted}"
    )
    if takes[2] not in (None, channels):
        kinds = {1: "grey", 3: "colour"}
        other = f", or train it on {kinds[takes[2]]} pictures" if takes[2] in kinds else ""
        return problem + other + "."
    if resizable and takes[0] and takes[1]:
        return problem + f" or resize the pictures to {takes[0]}x{takes[1]} (--image-size {takes[0]}x{takes[1]})."
    return problem + "."


def _output_problem(model, name: str, class_count: int, data_title: str):
    gives = tuple(model.outputs[0].shape)[1:]
    ending = f"Dense({class_count}, activation='softmax')" if gives_probabilities(model) else f"Dense({class_count})"
    if len(gives) != 1:
        return (
            f"The output of the network in {name} is shaped {gives}, but a classifier gives one number per class: "
            f"end it with Flatten() or GlobalAveragePooling2D() and {ending}."
        )
    if gives[0] != class_count:
        return (
            f"The last layer of the network in {name} gives {gives[0]} numbers, but {data_title} has "
            f"{class_count} classes: end it with {ending}."
        )
    return None


def _output_operation(model):
    """The layer (or Keras operation) that makes the model's output, looking inside nested models
    and past layers that pass values on unchanged."""
    history = model.outputs[0]._keras_history
    while True:
        operation = history.operation
        if hasattr(operation, "outputs") and hasattr(operation, "layers"):  # a nested model: its own last layer
            history = operation.outputs[0]._keras_history
            continue
        if type(operation).__name__ in PASS_THROUGH:
            node = operation._inbound_nodes[history.node_index]
            history = node.input_tensors[0]._keras_history
            continue
        return operation


def gives_probabilities(model) -> bool:
    """Whether the model's output is class probabilities (its last layer is a softmax), not logits."""
    operation = _output_operation(model)
    if type(operation).__name__ == "Softmax":  # layers.Softmax or keras.ops.softmax in a functional model
        return True
    activation = getattr(operation, "activation", None)  # Dense(..., activation="softmax"), Activation("softmax")
    return getattr(activation, "__name__", "") == "softmax"


def compile_for_run(model, config) -> None:
    """Compile ``model`` with the run's optimizer and learning rate (``config``, a TrainConfig) and
    the loss that suits its output; the metric is named "accuracy", as the run's progress reads it."""
    import keras

    from visualizer.training.models import make_optimizer

    model.compile(
        optimizer=make_optimizer(config),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=not gives_probabilities(model)),
        metrics=["accuracy"],
    )


def _data_terms(config, data) -> dict:
    """How the messages name ``data`` (a data.Dataset) and whether its pictures' size may be chosen."""
    if config.dataset == "folder":
        return {"data_title": f"the folder {data.title}", "resizable": True}
    return {"data_title": data.title, "resizable": False}


def check_against_data(config, data) -> str | None:
    """What keeps the network of ``config.model_file`` from training on ``data`` (the config's
    data.Dataset, as loaded), in words, or None."""
    return check_model_file(config.model_file, data.image_shape, len(data.class_names), **_data_terms(config, data))


def load_for_training(config, data):
    """The network of ``config.model_file``, checked against ``data`` (the config's data.Dataset)
    and compiled for the run; raises ModelFileError, in words, when it cannot be trained on it."""
    model = load_model_file(config.model_file)
    problem = fit_problem(
        model, Path(config.model_file).name, data.image_shape, len(data.class_names), **_data_terms(config, data)
    )
    if problem is not None:
        raise ModelFileError(problem)
    compile_for_run(model, config)
    return model
