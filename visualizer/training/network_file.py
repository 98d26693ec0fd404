""""Save network…" and "Open network…": an own layer list as a plain, uncompiled ``.keras`` file.

Opening reads only the file's ``config.json`` (a .keras file is a zip archive), as JSON: no Keras,
no Python code from the file, so the list fills at once. It becomes rows when every layer is one
the editor knows and the last is the Dense output layer; otherwise the words say which layer it
cannot show. Saving needs Keras (it builds the network to write its file), so the window runs
:func:`main` in a child process (``python -m visualizer.training.network_file``), which writes the
file atomically and says what went wrong on its error stream.
"""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path

from visualizer.training.layer_list import ACTIVATIONS, LayerSpec, specs_from_json

CONFIG_ENTRY = "config.json"
MAX_CONFIG_BYTES = 20_000_000  # far above any layer list's config; a larger entry is not read
POOLS = {"MaxPooling2D": "max", "AveragePooling2D": "average"}
GLOBAL_POOLS = {"GlobalMaxPooling2D": "max", "GlobalAveragePooling2D": "average"}
ERROR_MARK = "network file error: "  # starts the child's one line for the window, among any library noise
KNOWN_LAYERS = ("Conv2D", *POOLS, "BatchNormalization", "Dropout", "Flatten", *GLOBAL_POOLS, "Dense")


class NetworkFileError(ValueError):
    """The file cannot be shown as rows; the message says why, in words, and what to do."""


def _pair(value) -> tuple[int, int]:
    return (int(value), int(value)) if isinstance(value, (int, float)) else (int(value[0]), int(value[1]))


def _activation(config: dict, name: str) -> str:
    activation = config.get("activation", "linear")
    if activation not in ACTIVATIONS:
        raise NetworkFileError(
            f"Layer {name!r} uses the activation {activation!r}, which the layer list does not offer "
            f"({', '.join(ACTIVATIONS)})."
        )
    return activation


def spec_from_keras(class_name: str, config: dict) -> LayerSpec:
    """The row for one layer of a Keras config; NetworkFileError for a layer that is not a row."""
    name = config.get("name", class_name)
    if class_name == "Conv2D":
        if config.get("groups", 1) != 1 or config.get("data_format", "channels_last") != "channels_last":
            raise NetworkFileError(f"The Conv2D layer {name!r} uses groups or channels-first data, which rows cannot show.")
        return LayerSpec(
            "conv", filters=int(config["filters"]), kernel=_pair(config["kernel_size"]),
            stride=_pair(config.get("strides", 1)), padding=config.get("padding", "valid"),
            dilation=_pair(config.get("dilation_rate", 1)), activation=_activation(config, name),
        )
    if class_name in POOLS:
        size = _pair(config.get("pool_size", 2))
        strides = config.get("strides")
        stride = None if strides is None or _pair(strides) == size else _pair(strides)
        return LayerSpec("pool", mode=POOLS[class_name], size=size, stride=stride, padding=config.get("padding", "valid"))
    if class_name in GLOBAL_POOLS:
        return LayerSpec("global_pool", mode=GLOBAL_POOLS[class_name])
    if class_name == "BatchNormalization":
        return LayerSpec("batchnorm")
    if class_name == "Dropout":
        return LayerSpec("dropout", rate=float(config.get("rate", 0.0)))
    if class_name == "Flatten":
        return LayerSpec("flatten")
    if class_name == "Dense":
        return LayerSpec("dense", units=int(config["units"]), activation=_activation(config, name))
    raise NetworkFileError(
        f"Its layer {name!r} is a {class_name}, which the layer list cannot show as a row "
        f"(it shows {', '.join(KNOWN_LAYERS)})."
    )


def _read_config(path: Path) -> dict:
    try:
        with zipfile.ZipFile(path) as archive:
            if CONFIG_ENTRY not in archive.namelist():
                raise NetworkFileError(f"{path.name} holds no {CONFIG_ENTRY}: it is not a Keras 3 .keras file.")
            if archive.getinfo(CONFIG_ENTRY).file_size > MAX_CONFIG_BYTES:
                raise NetworkFileError(f"The network described in {path.name} is far too large for a layer list.")
            return json.loads(archive.read(CONFIG_ENTRY).decode("utf-8"))
    except (OSError, zipfile.BadZipFile, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise NetworkFileError(f"{path.name} cannot be read as a .keras file: {error}.") from None


def _in_a_chain(layers: list[dict]) -> bool:
    """A functional model's layers each take the one before (else they are no list of rows)."""
    previous = None
    for layer in layers:
        nodes = layer.get("inbound_nodes") or []
        if previous is not None:
            try:
                sources = [argument["config"]["keras_history"][0] for argument in nodes[0]["args"]]
            except (IndexError, KeyError, TypeError):
                return False
            if len(nodes) != 1 or sources != [previous]:
                return False
        previous = layer.get("config", {}).get("name")
    return True


def read_network_file(path: str | Path) -> tuple[LayerSpec, ...]:
    """The rows of the network in the .keras file at ``path``, its output layer left out (the app
    adds its own, one unit per class). NetworkFileError, in words, when it is not a list of rows."""
    path = Path(path)
    model = _read_config(path)
    class_name = model.get("class_name") if isinstance(model, dict) else None
    layers = model.get("config", {}).get("layers") if class_name in ("Sequential", "Functional") else None
    if not isinstance(layers, list):
        raise NetworkFileError(f"{path.name} does not hold a Sequential or Functional Keras model.")
    if class_name == "Functional" and not _in_a_chain(layers):
        raise NetworkFileError(f"The network in {path.name} branches or merges, so it is not one list of rows.")
    layers = [layer for layer in layers if layer.get("class_name") != "InputLayer"]
    if not layers or layers[-1].get("class_name") != "Dense":
        raise NetworkFileError(
            f"The network in {path.name} does not end in a Dense output layer, which the layer list "
            "replaces with its own (one unit per class)."
        )
    try:
        return tuple(spec_from_keras(layer.get("class_name", "?"), layer.get("config", {})) for layer in layers[:-1])
    except (KeyError, TypeError, ValueError, IndexError) as error:
        if isinstance(error, NetworkFileError):
            raise
        raise NetworkFileError(f"A layer of {path.name} has settings the layer list cannot read ({error}).") from None


def layer_count(path: str | Path) -> int | None:
    """How many layers (inputs left out) the network in the .keras file at ``path`` has, from its
    config.json, for a network trained from its file as it is; None when that cannot be read."""
    try:
        model = _read_config(Path(path))
    except NetworkFileError:
        return None
    layers = model.get("config", {}).get("layers") if isinstance(model, dict) else None
    if not isinstance(layers, list):
        return None
    return sum(1 for layer in layers if isinstance(layer, dict) and layer.get("class_name") != "InputLayer")


def save_network_file(specs, input_shape: tuple[int, int, int], class_count: int, path: str | Path) -> None:
    """Write the list (with its output layer) as an uncompiled .keras file, atomically."""
    import keras

    from visualizer.fileio import replace_atomically
    from visualizer.training.models import own_layers

    model = keras.Sequential(
        [keras.Input(shape=tuple(input_shape), name="image"), *own_layers(tuple(specs), input_shape, class_count)],
        name="own_layers",
    )
    replace_atomically(path, lambda temporary: model.save(temporary))


def main(argv: list[str] | None = None) -> int:
    """The child's entry: one argument, JSON {"layers", "input_shape", "class_count", "path"}."""
    from visualizer.childprocess import prepare_child

    prepare_child(None)
    try:
        request = json.loads((argv if argv is not None else sys.argv[1:])[0])
        save_network_file(
            specs_from_json(request["layers"]), tuple(request["input_shape"]), int(request["class_count"]), request["path"]
        )
    except Exception as error:  # noqa: BLE001 - every failure goes back to the window in words
        print(f"{ERROR_MARK}{error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
