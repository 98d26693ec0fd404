"""Open any saved Keras image classifier: ``load_classifier(path, unsafe=False) -> LoadedModel``.

The file is checked first (inspection/files.py), loaded by Keras without compiling, replayed into
a flat graph (inspection/graph.py), checked to be an image classifier and described in a
LoaderReport (inspection/report.py). Every failure is a ModelFileError whose message names the
file and says what is wrong; a model holding Python code raises UnsafeModelError unless the
caller passes ``unsafe=True``. The traceback, when there is one, goes to the log.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from visualizer.inspection.files import (
    ModelFileError,
    UnsafeModelError,
    check_model_file,
    lambda_layer_names,
)
from visualizer.inspection.graph import FlatGraph, GraphError, LayerCall, flatten
from visualizer.inspection.report import (
    LOGITS,
    PROBABILITIES,
    LoaderReport,
    NotAnImageClassifier,
    check_output,
    class_names,
    find_softmax,
    image_layout,
    input_scaling,
    layer_kind,
    recorded_config,
    run_data,
)

if TYPE_CHECKING:
    from visualizer.training.config import TrainConfig

__all__ = ["LoadedModel", "ModelFileError", "UnsafeModelError", "load_classifier"]

_log = logging.getLogger(__name__)


@dataclass
class LoadedModel:
    """A loaded classifier as a flat graph, the tensor of its logits, and the loader's report.

    ``model`` outputs what the saved model outputs (probabilities or logits); ``logits`` is the
    tensor before the final softmax (the output itself for a logits model). Saliency is computed
    from ``logits``, never through the softmax.
    """

    flat: FlatGraph
    logits: object
    report: LoaderReport
    run_config: TrainConfig | None = None  # the settings of the run this app recorded in the file

    @property
    def model(self):
        return self.flat.model

    @property
    def input(self):
        return self.flat.input

    @property
    def calls(self) -> list[LayerCall]:
        return self.flat.calls


def load_classifier(path: str | Path, unsafe: bool = False) -> LoadedModel:
    """Load the image classifier saved at ``path`` (``.keras`` or legacy ``.h5``).

    Raises UnsafeModelError for a model holding a Lambda layer unless ``unsafe`` is True, and
    ModelFileError for anything else that makes the file unusable, never another exception.
    """
    path = Path(path)
    file_format, config = check_model_file(path)
    lambdas = lambda_layer_names(config)
    if lambdas and not unsafe:
        raise UnsafeModelError(path, lambdas)
    model = _keras_load(path, unsafe)
    notes: list[str] = []
    run_config = recorded_config(path)
    try:
        flat = flatten(model)
        _check_same_output(model, flat)
        report = _describe(path, file_format, model, flat, notes, run_config)
    except NotAnImageClassifier as error:
        raise ModelFileError(path, f"not an image classifier: {error}") from None
    except GraphError as error:
        raise ModelFileError(path, f"the model cannot be inspected: {error}") from None
    except ModelFileError:
        raise
    except Exception as error:  # noqa: BLE001 - any Keras failure becomes a message for people
        _log.info("could not rebuild %s", path, exc_info=True)
        raise ModelFileError(path, f"the model loads but could not be rebuilt for inspection: {_first_line(error)}") from None
    logits, _ = find_softmax(flat.calls, flat.output)
    return LoadedModel(flat, logits, report, run_config)


def _keras_load(path: Path, unsafe: bool):
    import keras

    try:
        return keras.saving.load_model(path, compile=False, safe_mode=not unsafe)
    except Exception as error:  # noqa: BLE001 - every Keras failure becomes a message for people
        _log.info("Keras could not load %s", path, exc_info=True)
        message = _first_line(error)
        if "arbitrary code execution" in message:
            raise UnsafeModelError(path, []) from None
        if any(words in message for words in ("Could not locate", "Could not deserialize", "Unknown layer")):
            raise ModelFileError(
                path,
                f"the model uses a layer type this app does not know ({message}); custom layers must be "
                "registered with keras.saving.register_keras_serializable before the model is opened",
            ) from None
        raise ModelFileError(path, f"Keras could not load the model: {message}") from None


def _check_same_output(model, flat: FlatGraph) -> None:
    """The flat graph must compute exactly what the saved model computes; one small batch shows it."""
    shape = (2, *tuple(flat.input.shape[1:]))
    if any(size is None for size in shape):
        return  # image_layout reports the unfixed size in words
    batch = np.random.default_rng(0).uniform(0.0, 1.0, shape).astype("float32")
    expected = np.asarray(_numpy(model(batch, training=False)))
    actual = np.asarray(_numpy(flat.model(batch, training=False)))
    if expected.shape != actual.shape or not np.allclose(expected, actual, rtol=1e-4, atol=1e-5 * max(1.0, float(np.abs(expected).max()))):
        raise GraphError("the rebuilt graph does not compute the same output as the saved model")


def _numpy(value):
    from visualizer.training.tensors import to_numpy

    if isinstance(value, (list, tuple)):
        value = value[0]
    return to_numpy(value)


def _describe(
    path: Path, file_format: str, model, flat: FlatGraph, notes: list[str], run_config: TrainConfig | None = None
) -> LoaderReport:
    input_shape = tuple(flat.input.shape[1:])
    size, channels, axis = image_layout(input_shape, flat.calls)
    count = check_output(tuple(flat.output.shape))
    names, names_source, names_stored, name_notes = class_names(path, count, size, channels)
    input_range, scaling = input_scaling(model.name, input_shape, flat.calls, recorded=run_config is not None)
    _, softmax_layer = find_softmax(flat.calls, flat.output)
    conv_calls = [call for call in flat.calls if layer_kind(call.layer) == "conv"]
    spatial = [call for call in conv_calls if _has_spatial_map(call)]
    nested = [layer.name for layer in model.layers if hasattr(layer, "layers")]
    if nested:
        notes.append("nested models opened into their layers: " + ", ".join(nested))
    if flat.split_softmax:
        notes.append("softmax read as its own step after: " + ", ".join(flat.split_softmax))
    shared = [call.label for call in flat.calls if "(call " in call.label]
    if shared:
        notes.append("layers used more than once: " + ", ".join(shared))
    return LoaderReport(
        path=str(path),
        file_format=file_format,
        model_name=model.name,
        input_shape=input_shape,
        image_size=size,
        channels=channels,
        channel_axis=axis,
        input_range=input_range,
        scaling=scaling,
        output_kind=PROBABILITIES if softmax_layer else LOGITS,
        softmax_layer=softmax_layer,
        class_names=names,
        class_names_source=names_source,
        class_names_stored=names_stored,
        conv_layers=tuple(call.label for call in conv_calls),
        saliency_layer=spatial[-1].label if spatial else None,
        notes=tuple(notes + name_notes),
        run_data=run_data(run_config),
    )


def _has_spatial_map(call: LayerCall) -> bool:
    shape = tuple(call.output.shape)
    if len(shape) != 4:
        return False
    first = getattr(call.layer, "data_format", "channels_last") == "channels_first"
    height, width = shape[2:] if first else shape[1:3]
    return (height or 0) > 1 and (width or 0) > 1


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0][:300]
