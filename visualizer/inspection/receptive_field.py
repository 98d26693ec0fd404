"""Which input pixels one position of a layer's map sees: its receptive field, read from the graph.

Along each axis a position ``i`` of a map sees the input pixels ``start + i * jump`` up to
``start + i * jump + size - 1``. The input itself sees one pixel (size 1, jump 1, start 0); each
conv or pooling layer with kernel ``k``, stride ``s``, dilation ``d`` and ``p`` pixels of padding
before the first row widens it to ``size + (d * (k - 1)) * jump``, multiplies the jump by ``s`` and
moves the start back by ``p * jump``. Keras's "same" padding puts the smaller half before: an even
kernel pads only after, so the seed CNN's conv 2x2 "same" - pool 2 - conv 2x2 "same" sees 5x5
pixels, from the position's own pixel down and right.

Layers known to work pixel by pixel (activations, batch normalisation, dropout, rescaling, adding
maps; a softmax, normalisation or concatenation along the channels) keep the field; any other
layer (resizing, up-sampling, a transposed conv, flattening, a Lambda) gives no field, even where
it keeps the map's size: this module cannot tell which pixels each output sees. Keras is not imported:
layers are read by their class names and attributes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

_KERNEL_LAYERS = {"Conv2D", "DepthwiseConv2D", "SeparableConv2D"}
_POOLING_LAYERS = {"MaxPooling2D", "AveragePooling2D"}
_PIXEL_BY_PIXEL_LAYERS = {
    "Activation",
    "ReLU",
    "LeakyReLU",
    "PReLU",
    "ELU",
    "BatchNormalization",
    "Dropout",
    "SpatialDropout2D",
    "GaussianNoise",
    "GaussianDropout",
    "AlphaDropout",
    "ActivityRegularization",
    "Identity",
    "Rescaling",
    "Add",
    "Subtract",
    "Multiply",
    "Average",
    "Maximum",
    "Minimum",
}
_CHANNEL_AXIS_LAYERS = {"Softmax", "Normalization", "Concatenate", "LayerNormalization"}


@dataclass(frozen=True)
class AxisField:
    """Position ``i`` sees input pixels ``start + i * jump`` .. ``start + i * jump + size - 1``."""

    size: int = 1
    jump: int = 1
    start: int = 0

    def through(self, kernel: int, stride: int = 1, dilation: int = 1, pad_before: int = 0) -> AxisField:
        """The field after a window of ``kernel`` taps (``dilation`` apart) every ``stride`` positions."""
        span = dilation * (kernel - 1) + 1
        return AxisField(self.size + (span - 1) * self.jump, self.jump * stride, self.start - pad_before * self.jump)

    def shifted(self, pixels_before: int) -> AxisField:
        """The field after ``pixels_before`` positions are added (padding) or taken (negative: cropping)."""
        return AxisField(self.size, self.jump, self.start - pixels_before * self.jump)

    def union(self, other: AxisField) -> AxisField:
        """What a position sees through either of two maps of the same size (an Add of two branches)."""
        start = min(self.start, other.start)
        end = max(self.start + self.size, other.start + other.size)
        return AxisField(end - start, max(self.jump, other.jump), start)

    def span(self, position: int, length: int) -> tuple[int, int]:
        """[first, end) of the input pixels ``position`` sees, clipped to an input of ``length``:
        always 0 <= first <= end <= length, and first == end (empty) when it sees only padding."""
        first = self.start + position * self.jump
        clipped = min(max(first, 0), length)
        return clipped, min(max(first + self.size, clipped), length)


@dataclass(frozen=True)
class ReceptiveField:
    rows: AxisField = AxisField()
    cols: AxisField = AxisField()

    @property
    def size(self) -> tuple[int, int]:
        return self.rows.size, self.cols.size

    def box(self, row: int, col: int, image_size: tuple[int, int]) -> tuple[int, int, int, int]:
        """(top, left, bottom, right), bottom and right exclusive, of the pixels that map position
        (``row``, ``col``) sees in an input of ``image_size``; clipped at the borders, and empty
        (top == bottom or left == right) where it sees only padding."""
        top, bottom = self.rows.span(row, image_size[0])
        left, right = self.cols.span(col, image_size[1])
        return top, left, bottom, right

    def union(self, other: ReceptiveField) -> ReceptiveField:
        return ReceptiveField(self.rows.union(other.rows), self.cols.union(other.cols))


def same_padding_before(length: int, kernel: int, stride: int = 1, dilation: int = 1) -> int:
    """The padding Keras's "same" puts before the first pixel: the smaller half of what it needs."""
    span = dilation * (kernel - 1) + 1
    needed = max((math.ceil(length / stride) - 1) * stride + span - length, 0)
    return needed // 2


def _pair(value) -> tuple[int, int]:
    if isinstance(value, int):
        return value, value
    values = tuple(int(v) for v in value)
    return (values[0], values[0]) if len(values) == 1 else (values[0], values[1])


def _spatial(shape, channels_first: bool) -> tuple:
    shape = tuple(shape)
    return shape[2:4] if channels_first else shape[1:3]


def layer_field(field: ReceptiveField, layer, input_shape, output_shape) -> ReceptiveField | None:
    """``field`` (of the layer's input) carried through ``layer``; None when the layer mixes pixels
    from anywhere or cannot be placed."""
    kind = type(layer).__name__
    channels_first = getattr(layer, "data_format", "channels_last") == "channels_first"
    if kind in _KERNEL_LAYERS or kind in _POOLING_LAYERS:
        pooling = kind in _POOLING_LAYERS
        kernel = _pair(layer.pool_size if pooling else layer.kernel_size)
        strides = _pair(layer.strides if layer.strides is not None else kernel)
        dilation = (1, 1) if pooling else _pair(getattr(layer, "dilation_rate", 1))
        lengths = _spatial(input_shape, channels_first)
        pads = [
            same_padding_before(lengths[axis], kernel[axis], strides[axis], dilation[axis]) if str(layer.padding).lower() == "same" else 0
            for axis in (0, 1)
        ]
        return ReceptiveField(
            field.rows.through(kernel[0], strides[0], dilation[0], pads[0]),
            field.cols.through(kernel[1], strides[1], dilation[1], pads[1]),
        )
    if kind in ("ZeroPadding2D", "Cropping2D"):
        amounts = layer.padding if kind == "ZeroPadding2D" else layer.cropping
        (top, _), (left, _) = amounts
        sign = 1 if kind == "ZeroPadding2D" else -1
        return ReceptiveField(field.rows.shifted(sign * top), field.cols.shifted(sign * left))
    if _works_pixel_by_pixel(layer, kind, channels_first) and _spatial(input_shape, channels_first) == _spatial(
        output_shape, channels_first
    ):
        return field
    return None


def _works_pixel_by_pixel(layer, kind: str, channels_first: bool) -> bool:
    """Whether each output pixel depends only on the same pixel of the input(s). A layer that keeps
    the map's size may still move pixels about (a transposed conv, resizing), so only layers known
    to work pixel by pixel keep the field."""
    if kind in _PIXEL_BY_PIXEL_LAYERS:
        return True
    if kind in _CHANNEL_AXIS_LAYERS:  # pixel by pixel only along the channels
        axis = getattr(layer, "axis", -1)
        axes = tuple(axis) if isinstance(axis, (list, tuple)) else (axis,)
        return all(a in ((1, -3) if channels_first else (3, -1)) for a in axes)
    return False


def _tensors(values) -> list:
    """The tensors among a layer call's arguments (an Add is called with a list of them)."""
    found = []
    for value in values:
        if isinstance(value, (list, tuple)):
            found += _tensors(value)
        elif hasattr(value, "shape"):
            found.append(value)
    return found


def receptive_field(flat, label: str) -> ReceptiveField | None:
    """The receptive field of layer call ``label``'s map in ``flat``'s input (a FlatGraph), or None
    when some layer between them mixes pixels from anywhere."""
    fields: dict[int, ReceptiveField | None] = {id(flat.input): ReceptiveField()}
    for call in flat.calls:
        inputs = [tensor for tensor in _tensors(call.inputs) if id(tensor) in fields]
        known = [fields[id(tensor)] for tensor in inputs]
        field = None
        if known and all(value is not None for value in known):
            field = known[0]
            for other in known[1:]:
                field = field.union(other)
            field = layer_field(field, call.layer, inputs[0].shape, call.output.shape)
        fields[id(call.output)] = field
        if call.label == label:
            return field
    raise ValueError(f"the model has no layer call named {label!r}")
