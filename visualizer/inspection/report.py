"""What the loader found in a model and what it assumed, in a form the app can show beside it.

Everything here reads a FlatGraph (inspection/graph.py) and never imports Keras itself: layers
are recognised by their class names (and their base classes' names, so subclasses count).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from visualizer.training.data import CLASS_NAMES as FASHION_MNIST_CLASS_NAMES

if TYPE_CHECKING:
    from visualizer.training.config import TrainConfig

PROBABILITIES = "probabilities"
LOGITS = "logits"
# The input ranges the app offers when the model does not say which one it expects.
INPUT_RANGES = {"[0, 1]": (0.0, 1.0), "[0, 255]": (0.0, 255.0), "[-1, 1]": (-1.0, 1.0)}
# Names this app gives the models it trains (visualizer/training/models.py); it trains on [0, 1].
_APP_MODEL_NAMES = ("seed_cnn", "seed_fc")
LABELS_FILE = "labels.txt"

_CONV = {"Conv2D", "DepthwiseConv2D", "SeparableConv2D", "Conv2DTranspose"}
_POOLING = {"MaxPooling2D", "AveragePooling2D", "GlobalMaxPooling2D", "GlobalAveragePooling2D"}
_DENSE = {"Dense"}


@dataclass(frozen=True)
class RunData:
    """The data of the run this app recorded in the model file, as its settings name it: the
    inspector evaluates on that run's own test part first."""

    words: str  # what and where: "your pictures in /home/me/shapes", "Fashion-MNIST from /data"
    light_on_dark: bool  # grey pictures light on dark (Fashion-MNIST's, MNIST's): shown inverted


class NotAnImageClassifier(ValueError):
    """The model loads, but it does not take an image or does not output one vector of classes."""


@dataclass(frozen=True)
class LoaderReport:
    """What the loader found and assumed about a model, each field in words or plain values.

    ``input_range`` is None when the model does not say what pixel values it expects: the app
    must then ask, offering INPUT_RANGES. ``channel_axis`` is "last", "first" or "none" (a
    grayscale model that takes (height, width) images).
    """

    path: str
    file_format: str
    model_name: str
    input_shape: tuple[int, ...]
    image_size: tuple[int, int]
    channels: int
    channel_axis: str
    input_range: tuple[float, float] | None
    scaling: str
    output_kind: str
    softmax_layer: str | None
    class_names: tuple[str, ...]
    class_names_source: str
    conv_layers: tuple[str, ...]
    saliency_layer: str | None
    notes: tuple[str, ...] = ()
    # True when the names were stored with the model (a labels.txt beside it, or the run this app
    # recorded in it); False for a guess (Fashion-MNIST's for its shape) or plain numbers, which a
    # test folder's own names replace.
    class_names_stored: bool = False
    run_data: RunData | None = None  # None: no run recorded in the file names its data (a script's run)

    @property
    def class_count(self) -> int:
        return len(self.class_names)

    def fashion_mnist_misfit(self) -> str | None:
        """Why Fashion-MNIST's test set cannot evaluate the model, in words; None when it can (the
        model has its ten classes; any picture size is resized to the model's input)."""
        if self.class_count == len(FASHION_MNIST_CLASS_NAMES):
            return None
        return (
            f"Fashion-MNIST has {len(FASHION_MNIST_CLASS_NAMES)} classes and this model has {self.class_count}: "
            "open a folder of test images sorted into one sub-folder per class instead."
        )

    def lines(self) -> list[str]:
        """The report as short sentences, one per fact, for people to read."""
        height, width = self.image_size
        colour = "grayscale" if self.channels == 1 else f"{self.channels} channels"
        axis = {"last": "channels last", "first": "channels first", "none": "no channel axis"}[self.channel_axis]
        output = (
            f"outputs probabilities (softmax in {self.softmax_layer})"
            if self.output_kind == PROBABILITIES
            else "outputs logits (no softmax): the app applies the softmax to show probabilities"
        )
        return [
            f"{Path(self.path).name}: {self.model_name} ({self.file_format})",
            f"input: {height}x{width} {colour}, {axis}",
            f"input scaling: {self.scaling}",
            output,
            f"classes: {self.class_count}, names from {self.class_names_source}",
            _conv_layers_line(self.conv_layers),
            f"saliency (Grad-CAM) on: {self.saliency_layer or 'no conv layer with a spatial map'}",
            *self.notes,
        ]


def _conv_layers_line(names: tuple[str, ...], shown: int = 4) -> str:
    """The conv layers by name; a long list as its count, its first few and its last."""
    if not names:
        return "conv layers: none"
    if len(names) <= shown + 1:
        return "conv layers: " + ", ".join(names)
    return f"conv layers: {len(names)}: " + ", ".join(names[:shown]) + f", …, {names[-1]}"


def layer_kind(layer) -> str | None:
    """"conv", "pooling" or "dense" for the layers whose activations the inspector shows."""
    names = {cls.__name__ for cls in type(layer).__mro__}
    for kind, kinds in (("conv", _CONV), ("pooling", _POOLING), ("dense", _DENSE)):
        if names & kinds:
            return kind
    return None


def image_layout(input_shape: tuple, calls) -> tuple[tuple[int, int], int, str]:
    """(height, width), channel count and channel axis of an image input, or NotAnImageClassifier.

    The axis comes from the image layers' ``data_format``; a model without any says it through
    its shape: a last (or else first) axis of 1 or 3 is the channels.
    """
    formats = {getattr(call.layer, "data_format", None) for call in calls if layer_kind(call.layer) in ("conv", "pooling")}
    if any(size is None for size in input_shape):
        raise NotAnImageClassifier(f"the input size is not fixed ({_shape(input_shape)}); the app needs a fixed image size")
    if len(input_shape) == 2:
        return (input_shape[0], input_shape[1]), 1, "none"
    if len(input_shape) != 3:
        raise NotAnImageClassifier(f"its input is not an image: it takes arrays of shape {_shape(input_shape)}")
    if "channels_first" in formats or (not formats and input_shape[-1] not in (1, 3) and input_shape[0] in (1, 3)):
        channels, size, axis = input_shape[0], input_shape[1:], "first"
    else:
        channels, size, axis = input_shape[-1], input_shape[:2], "last"
    if channels not in (1, 3):
        raise NotAnImageClassifier(
            f"its input is not an image: {_shape(input_shape)} has {channels} channels (1 or 3 expected)"
        )
    return (size[0], size[1]), channels, axis


def check_output(output_shape: tuple) -> int:
    """The number of classes of an output of shape (batch, classes), or NotAnImageClassifier."""
    if len(output_shape) != 2:
        raise NotAnImageClassifier(
            f"its output is not one vector of class scores: each image gives an array of shape {_shape(output_shape[1:])}"
        )
    if output_shape[1] is None or output_shape[1] < 2:
        raise NotAnImageClassifier(
            "it outputs a single number per image (a regression or a yes/no model), not a score per class"
        )
    return int(output_shape[1])


def find_softmax(calls, output) -> tuple[object, object | None]:
    """(logits tensor, name of the softmax layer or None): the tensor before a final softmax, or
    the output itself when the model ends without one (then it outputs logits)."""
    for call in reversed(calls):
        if call.output is output:
            if _is_softmax(call.layer):
                return call.inputs[0], call.label
            break
    return output, None


def input_scaling(
    model_name: str, image_shape: tuple, calls, recorded: bool = False
) -> tuple[tuple[float, float] | None, str]:
    """The pixel range the model expects and a sentence saying how that is known, or (None, ...)
    when it cannot tell: then the app asks. ``recorded``: the file holds a run this app trained,
    which gives every network its pictures in [0, 1], whatever layers the network begins with."""
    if recorded:
        return (0.0, 1.0), "[0, 1], as this app trained it (the run recorded in the file)"
    for call in calls:
        if layer_kind(call.layer) is not None:
            break
        if type(call.layer).__name__ == "Rescaling":
            scale, offset = float(call.layer.scale), float(call.layer.offset)
            low, high = sorted((offset, 255.0 * scale + offset))
            words = f"inside the model ({call.label}: x * {scale:.4g} + {offset:.4g})"
            if -1.01 <= low and high <= 1.01:
                return (0.0, 255.0), f"{words}, so it takes pixels in [0, 255]"
            return None, f"{words}; the range it expects is unknown: choose one"
        if type(call.layer).__name__ == "Normalization":
            return None, f"normalised inside the model ({call.label}); the range it expects is unknown: choose one"
    if model_name in _APP_MODEL_NAMES and image_shape == (28, 28, 1):
        return (0.0, 1.0), "[0, 1], as this app trains its models"
    return None, "not inside the model; the range it expects is unknown: choose one"


def class_names(
    model_path: Path, count: int, image_size: tuple, channels: int
) -> tuple[tuple[str, ...], str, bool, list[str]]:
    """(names, where they came from, whether they were stored with the model, notes): from a
    labels.txt beside the model (one name a line, Teachable Machine's "0 name" lines too), from
    the run this app recorded in the file, Fashion-MNIST's for 10 classes on 28x28 grayscale, or
    "class 0" ... "class N-1"."""
    from visualizer.training.recording_file import recorded_class_names

    notes: list[str] = []
    labels = model_path.with_name(LABELS_FILE)
    if labels.is_file():
        names = _read_labels(labels)
        if len(names) == count:
            return tuple(names), LABELS_FILE, True, notes
        notes.append(f"{LABELS_FILE} beside the model has {len(names)} names for {count} classes: not used")
    recorded = recorded_class_names(model_path)
    if recorded is not None:
        if len(recorded) == count:
            return recorded, "the training run recorded in the file", True, notes
        notes.append(f"the recorded run names {len(recorded)} classes for {count} outputs: not used")
    if count == len(FASHION_MNIST_CLASS_NAMES) and tuple(image_size) == (28, 28) and channels == 1:
        return tuple(FASHION_MNIST_CLASS_NAMES), "Fashion-MNIST (10 classes, 28x28 grayscale)", False, notes
    return tuple(f"class {index}" for index in range(count)), "their numbers (no labels.txt)", False, notes


def recorded_config(model_path: str | Path) -> TrainConfig | None:
    """The settings of the run this app recorded in the .keras file, read from the recording's
    small description; None when there is none, when the run was a script's (it names no data),
    or when the description cannot be read."""
    import json
    import zipfile
    import zlib

    from visualizer.training.recording_file import DESCRIPTION_ENTRY
    from visualizer.training.saved_runs import config_from_dict

    try:
        with zipfile.ZipFile(model_path) as zipped:
            if DESCRIPTION_ENTRY not in zipped.namelist():
                return None
            values = json.loads(zipped.read(DESCRIPTION_ENTRY).decode("utf-8"))["config"]
        return None if values is None else config_from_dict(values)
    except (OSError, zipfile.BadZipFile, EOFError, zlib.error, ValueError, KeyError, TypeError, AttributeError):
        return None


def run_data(config: TrainConfig | None) -> RunData | None:
    """What the window is told of a recorded run's data (None without a run that names it)."""
    if config is None:
        return None
    from visualizer.training.datasets import DATASET_TITLES, FOLDER

    if config.dataset == FOLDER:
        words = f"your pictures in {config.data_dir}"
    else:
        words = DATASET_TITLES[config.dataset] + (f" from {config.data_dir}" if config.data_dir else "")
    return RunData(words, light_on_dark=config.dataset in ("fashion-mnist", "mnist"))


def _read_labels(path: Path) -> list[str]:
    try:
        lines = [line.strip() for line in path.read_text(encoding="utf-8", errors="replace").splitlines()]
    except OSError:
        return []
    names = [line for line in lines if line]
    prefixes = [name.split(" ", 1) for name in names]
    if names and all(len(parts) == 2 and parts[0] == str(index) for index, parts in enumerate(prefixes)):
        names = [parts[1].strip() for parts in prefixes]
    return names


def _is_softmax(layer) -> bool:
    kind = type(layer).__name__
    if kind == "Softmax":
        return True
    if kind == "Activation":
        return getattr(layer.activation, "__name__", "") == "softmax"
    return False


def _shape(shape) -> str:
    return "(" + ", ".join("any" if size is None else str(size) for size in shape) + ")"
