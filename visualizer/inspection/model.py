"""What a loaded classifier sees and says: preprocessing, batched predictions and activations.

``preprocess`` turns any picture into exactly the array the model is given (resized, channels
converted, scaled) and returns it with a displayable copy. ``ModelReader`` holds two compiled
models over the flat graph: one for logits (probabilities are their softmax) that runs many
images per call, and one with every conv, pooling and dense layer's output for one image.
``model.predict`` is never used: it builds a data pipeline on every call (tens of ms).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from visualizer.inspection.report import INPUT_RANGES, LoaderReport, layer_kind
from visualizer.ops import activations
from visualizer.training.tensors import compiled_call

# ITU-R BT.601 luma: how a colour picture becomes one grey channel.
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


@dataclass(frozen=True)
class Preprocessed:
    """One picture as the model sees it.

    ``model_input`` is exactly what the model is given (no batch axis; the model's layout and
    input range). ``shown`` is the same picture after resizing and channel conversion, before
    scaling: (height, width) or (height, width, 3), floats in [0, 1], for people to look at.
    """

    model_input: np.ndarray
    shown: np.ndarray


@dataclass(frozen=True)
class LayerActivation:
    """One layer call's output for one image (batch axis dropped), with what kind of layer it is."""

    label: str
    kind: str
    values: np.ndarray


@dataclass(frozen=True)
class Activations:
    """Every conv, pooling and dense layer's output for one image, and its class probabilities."""

    layers: tuple[LayerActivation, ...]
    logits: np.ndarray
    probabilities: np.ndarray


def softmax(logits: np.ndarray) -> np.ndarray:
    """Probabilities from logits along the last axis (ops' stable softmax), as float32."""
    return activations.softmax(logits).astype(np.float32)


def preprocess(image: np.ndarray, report: LoaderReport, input_range: tuple[float, float] | None = None) -> Preprocessed:
    """``image`` as the model sees it: resized to the model's size, converted to its channels and
    scaled to its input range.

    ``image`` is (height, width) or (height, width, channels) with 1 to 4 channels (grey, grey and
    alpha, RGB, RGBA; alpha is dropped), either uint8 in [0, 255] or floats in [0, 1] (values outside are
    clipped). ``input_range`` overrides the report's; one of them must be known.
    """
    model_input = to_model_input(np.asarray(image)[np.newaxis], report, input_range)[0]
    return Preprocessed(model_input=model_input, shown=_as_shown(model_input, report, _range(report, input_range)))


def to_model_input(
    images: np.ndarray, report: LoaderReport, input_range: tuple[float, float] | None = None
) -> np.ndarray:
    """A stack of pictures (N, height, width[, channels]) as the model's float32 input batch; the
    same rules as ``preprocess``, vectorised (pictures are only resized when their size differs)."""
    low, high = _range(report, input_range)
    pictures = _unit_float(np.asarray(images))
    if pictures.ndim == 3:
        pictures = pictures[..., np.newaxis]
    if pictures.ndim != 4 or pictures.shape[-1] not in (1, 2, 3, 4):
        raise ValueError(f"expected pictures of shape (N, height, width[, 1 to 4 channels]), not {images.shape}")
    colours = 1 if pictures.shape[-1] <= 2 else 3  # alpha (grey + alpha, RGBA) is dropped
    pictures = _convert_channels(pictures[..., :colours], report.channels)
    if tuple(pictures.shape[1:3]) != tuple(report.image_size):
        pictures = np.stack([resize(picture, report.image_size) for picture in pictures])
    batch = low + pictures * (high - low)
    if report.channel_axis == "first":
        batch = np.moveaxis(batch, -1, 1)
    elif report.channel_axis == "none":
        batch = batch[..., 0]
    return np.ascontiguousarray(batch, dtype=np.float32)


class ModelReader:
    """Compiled calls over a LoadedModel. Use it from one thread, the one that loaded the model."""

    def __init__(self, loaded, batch_size: int = 256) -> None:
        import keras

        self._backend = keras.backend.backend()
        self.batch_size = batch_size
        self.activation_calls = [call for call in loaded.calls if layer_kind(call.layer) is not None]
        self._logits_model = keras.Model(loaded.input, loaded.logits, name="logits")
        outputs = [call.output for call in self.activation_calls] + [loaded.logits]
        self._activations_model = keras.Model(loaded.input, outputs, name="activations")
        for model in (self._logits_model, self._activations_model):
            # XLA would cost seconds of compiling on a large model for a fraction of a ms per call.
            model.compile(jit_compile=False)

    def logits(self, batch: np.ndarray) -> np.ndarray:
        """Logits for a batch of model inputs (N, ...), ``batch_size`` images per compiled call."""
        batch = np.asarray(batch, dtype=np.float32)
        chunks = [
            self._run(self._logits_model, batch[start : start + self.batch_size])[0]
            for start in range(0, len(batch), self.batch_size)
        ]
        return np.concatenate(chunks) if chunks else np.zeros((0, self._logits_model.outputs[0].shape[-1]), np.float32)

    def probabilities(self, batch: np.ndarray) -> np.ndarray:
        """Class probabilities for a batch of model inputs: the softmax of ``logits``."""
        return softmax(self.logits(batch))

    def activations(self, model_input: np.ndarray) -> Activations:
        """Every conv, pooling and dense layer's output for one model input, from one call."""
        outputs = self._run(self._activations_model, np.asarray(model_input, dtype=np.float32)[np.newaxis])
        layers = tuple(
            LayerActivation(call.label, layer_kind(call.layer), output[0])
            for call, output in zip(self.activation_calls, outputs)
        )
        logits = outputs[-1][0]
        return Activations(layers=layers, logits=logits, probabilities=softmax(logits))

    def _run(self, model, batch: np.ndarray) -> list[np.ndarray]:
        return compiled_call(model, batch, self._backend)


def _range(report: LoaderReport, input_range: tuple[float, float] | None) -> tuple[float, float]:
    chosen = input_range or report.input_range
    if chosen is None:
        raise ValueError(f"the model does not say which input range it expects: choose one of {', '.join(INPUT_RANGES)}")
    return float(chosen[0]), float(chosen[1])


def _unit_float(images: np.ndarray) -> np.ndarray:
    if images.dtype == np.uint8:
        return images.astype(np.float32) / 255.0
    return np.clip(images.astype(np.float32), 0.0, 1.0)


def _convert_channels(pictures: np.ndarray, channels: int) -> np.ndarray:
    if pictures.shape[-1] == channels:
        return pictures
    if channels == 1:
        return (pictures @ _LUMA)[..., np.newaxis]
    return np.repeat(pictures, channels, axis=-1)


def resize(picture: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """A (height, width, channels) float picture in [0, 1] resized to ``size`` (bilinear, with
    Pillow's antialiasing when shrinking), still in [0, 1]."""
    height, width = size
    planes = [
        np.asarray(Image.fromarray(np.ascontiguousarray(picture[..., channel])).resize((width, height), Image.Resampling.BILINEAR))
        for channel in range(picture.shape[-1])
    ]
    return np.clip(np.stack(planes, axis=-1), 0.0, 1.0)


def _as_shown(model_input: np.ndarray, report: LoaderReport, input_range: tuple[float, float]) -> np.ndarray:
    low, high = input_range
    picture = (model_input - low) / (high - low)
    if report.channel_axis == "first":
        picture = np.moveaxis(picture, 0, -1)
    if picture.ndim == 3 and picture.shape[-1] == 1:
        picture = picture[..., 0]
    return picture.astype(np.float32)
