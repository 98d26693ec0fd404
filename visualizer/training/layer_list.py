"""A network as a list of layers the user edits, with every row's output shape and parameter count
worked out by the app's own size rules (:mod:`visualizer.ops.shapes`), without Keras.

The list is plain data, so a form can show each row's shape and count as the user types, and a
layer that would make the picture vanish is explained in words (with the formula) before any
Keras is loaded. :func:`build_keras_layers` turns the same list into Keras layers, and a test
checks on hundreds of random lists that Keras's own shapes and counts equal the ones here.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

from visualizer.ops import shapes

KINDS = ("conv", "pool", "batchnorm", "dropout", "flatten", "global_pool", "dense")
ACTIVATIONS = ("relu", "linear", "sigmoid", "tanh", "softmax", "elu", "gelu")
POOL_MODES = ("max", "average")
WHY_SIZES_PAGE = "stride-padding"  # the concept page that shows how a window's size shrinks a picture


@dataclass(frozen=True)
class LayerSpec:
    """One row of the list. Only the fields of its ``kind`` matter:
    conv: filters, kernel, stride, padding, dilation, activation; pool: mode, size, stride (None:
    the size), padding; dropout: rate; global_pool: mode; dense: units, activation."""

    kind: str
    filters: int = 32
    kernel: tuple[int, int] = (3, 3)
    stride: tuple[int, int] | None = (1, 1)
    padding: str = "valid"
    dilation: tuple[int, int] = (1, 1)
    activation: str = "relu"
    mode: str = "max"
    size: tuple[int, int] = (2, 2)
    rate: float = 0.25
    units: int = 64


@dataclass(frozen=True)
class Row:
    """What one layer makes of one image: its output shape (no batch axis) and learned numbers."""

    spec: LayerSpec
    shape: tuple[int, ...]
    params: int


@dataclass(frozen=True)
class LayerProblem:
    """Why a row cannot be built, in words, with the formula where sizes are the cause."""

    index: int  # 0-based row
    message: str
    formula: str = ""
    page: str = ""  # a concept page that shows why, when there is one


@dataclass(frozen=True)
class Worked:
    """The rows worked out, up to the first problem (if any)."""

    rows: tuple[Row, ...]
    problem: LayerProblem | None = None
    total_params: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "total_params", sum(row.params for row in self.rows))


def specs_to_json(specs) -> list[dict]:
    """Rows as plain JSON values (pairs become lists)."""
    return [dataclasses.asdict(spec) for spec in specs]


def specs_from_json(values: list[dict]) -> tuple[LayerSpec, ...]:
    """Rows from their JSON form; unknown fields are ignored, lists become the pairs they were."""
    known = {name.name for name in dataclasses.fields(LayerSpec)}
    specs = []
    for value in values:
        fields = {name: item for name, item in value.items() if name in known}
        for name in ("kernel", "stride", "dilation", "size"):
            if fields.get(name) is not None:
                fields[name] = tuple(int(size) for size in fields[name])
        specs.append(LayerSpec(**fields))
    return tuple(specs)


def _pair(pair) -> str:
    return f"{pair[0]}×{pair[1]}"


def row_title(spec: LayerSpec) -> str:
    """One row as it reads in the list, e.g. "Conv2D 32, 3×3, same, relu"."""
    if spec.kind == "conv":
        parts = [f"Conv2D {spec.filters}", _pair(spec.kernel)]
        if spec.stride and spec.stride != (1, 1):
            parts.append(f"stride {_pair(spec.stride)}")
        if spec.dilation != (1, 1):
            parts.append(f"dilation {_pair(spec.dilation)}")
        return ", ".join([*parts, spec.padding, spec.activation])
    if spec.kind == "pool":
        parts = [f"{'Max' if spec.mode == 'max' else 'Average'}Pool {_pair(spec.size)}"]
        if spec.stride is not None and spec.stride != spec.size:
            parts.append(f"stride {_pair(spec.stride)}")
        return ", ".join([*parts, spec.padding])
    if spec.kind == "global_pool":
        return f"Global{'Max' if spec.mode == 'max' else 'Average'}Pool"
    if spec.kind == "dropout":
        return f"Dropout {spec.rate:g}"
    if spec.kind == "dense":
        return f"Dense {spec.units}, {spec.activation}"
    return {"batchnorm": "BatchNormalization", "flatten": "Flatten"}.get(spec.kind, spec.kind)


def _is_picture(shape: tuple[int, ...]) -> bool:
    return len(shape) == 3


def _conv_row(spec: LayerSpec, shape: tuple[int, ...]) -> Row:
    rows, cols, channels = shape
    stride = spec.stride or (1, 1)
    out = shapes.conv_output_shape((rows, cols), spec.kernel, stride, spec.padding, spec.dilation)
    params = spec.kernel[0] * spec.kernel[1] * channels * spec.filters + spec.filters
    return Row(spec, (*out, spec.filters), params)


def _pool_row(spec: LayerSpec, shape: tuple[int, ...]) -> Row:
    out = shapes.pool_output_shape(shape[:2], spec.size, spec.stride, spec.padding)
    return Row(spec, (*out, shape[2]), 0)


def _row(spec: LayerSpec, shape: tuple[int, ...]) -> Row:
    """The row ``spec`` makes of ``shape``; ValueError, in words, when it cannot."""
    if spec.kind not in KINDS:
        raise ValueError(f"Unknown layer kind {spec.kind!r}: choose one of {', '.join(KINDS)}.")
    if spec.kind in ("conv", "pool", "global_pool") and not _is_picture(shape):
        now = f"a flat list of {shape[0]} numbers" if len(shape) == 1 else f"of shape {shape}"
        raise ValueError(
            f"A {spec.kind.replace('_', ' ')} layer needs a picture (height x width x channels), "
            f"but here the data is {now}: move it above Flatten or global pooling."
        )
    if spec.kind == "conv":
        return _conv_row(spec, shape)
    if spec.kind == "pool":
        return _pool_row(spec, shape)
    if spec.kind == "batchnorm":
        return Row(spec, shape, 4 * shape[-1])  # scale, offset, and the moving mean and variance
    if spec.kind == "dropout":
        if not 0 <= spec.rate < 1:
            raise ValueError(f"A dropout rate must be at least 0 and below 1, not {spec.rate}.")
        return Row(spec, shape, 0)
    if spec.kind == "flatten":
        return Row(spec, (math.prod(shape),), 0)
    if spec.kind == "global_pool":
        return Row(spec, (shape[2],), 0)
    # dense: Keras applies it to the last axis of whatever comes in
    return Row(spec, (*shape[:-1], spec.units), shape[-1] * spec.units + spec.units)


def _size_formula(spec: LayerSpec, shape: tuple[int, ...]) -> str:
    """The output-size formula with this layer's numbers, worked through even where it gives a size
    of 0 or less (that is what it shows), for the rows and the columns."""
    if spec.kind == "conv":
        kernel, stride, dilation = spec.kernel, spec.stride or (1, 1), spec.dilation
    else:
        kernel, stride, dilation = spec.size, spec.stride or spec.size, (1, 1)
    if max(stride) > 1 and max(dilation) > 1:
        return ""  # refused for that reason alone; the message says so
    pads = shapes.conv_padding(shape[:2], kernel, stride, spec.padding, dilation)
    axes = []
    for name, size, k, s, (before, after), d in zip(("rows", "columns"), shape[:2], kernel, stride, pads, dilation):
        span = shapes.effective_kernel(k, d)
        out = (size + before + after - span) // s + 1
        axes.append(f"{name}: out = floor(({size} + {before} + {after} - {span}) / {s}) + 1 = {out}")
    return "; ".join(axes)


def work_out(specs: list[LayerSpec] | tuple[LayerSpec, ...], input_shape: tuple[int, int, int]) -> Worked:
    """Every row's shape and count, from the input down, stopping at the first layer that cannot be
    built (a kernel larger than the padded picture, a conv after Flatten, …)."""
    rows: list[Row] = []
    shape: tuple[int, ...] = tuple(input_shape)
    for index, spec in enumerate(specs):
        try:
            row = _row(spec, shape)
        except ValueError as error:
            sized = spec.kind in ("conv", "pool") and _is_picture(shape)
            formula = _size_formula(spec, shape) if sized else ""
            return Worked(tuple(rows), LayerProblem(index, str(error), formula, WHY_SIZES_PAGE if sized else ""))
        rows.append(row)
        shape = row.shape
    return Worked(tuple(rows))


def _shape_text(shape: tuple[int, ...]) -> str:
    return "x".join(str(size) for size in shape)


def work_out_network(specs, input_shape: tuple[int, int, int]) -> Worked:
    """:func:`work_out`, and then whether the output layer the app adds (Dense, one unit per class)
    can follow: it needs a flat list of numbers, not a picture."""
    worked = work_out(specs, input_shape)
    if worked.problem is not None:
        return worked
    last = worked.rows[-1].shape if worked.rows else tuple(input_shape)
    if len(last) == 1:
        return worked
    where = f"the last layer gives a picture of {_shape_text(last)}" if worked.rows else (
        f"with no layers it gets the {_shape_text(last)} picture itself")
    problem = LayerProblem(
        max(len(worked.rows) - 1, 0),
        f"The output layer needs a flat list of numbers, but {where}: "
        "add Flatten or global pooling at the end.",
    )
    return Worked(worked.rows, problem)


def build_keras_layers(specs, names: list[str] | None = None) -> list:
    """The Keras layers for ``specs``, in order (import Keras only here)."""
    from keras import layers

    built = []
    for index, spec in enumerate(specs):
        name = names[index] if names else None
        if spec.kind == "conv":
            layer = layers.Conv2D(
                spec.filters, spec.kernel, strides=spec.stride or (1, 1), padding=spec.padding,
                dilation_rate=spec.dilation, activation=spec.activation, name=name,
            )
        elif spec.kind == "pool":
            pool = layers.MaxPooling2D if spec.mode == "max" else layers.AveragePooling2D
            layer = pool(spec.size, strides=spec.stride, padding=spec.padding, name=name)
        elif spec.kind == "batchnorm":
            layer = layers.BatchNormalization(name=name)
        elif spec.kind == "dropout":
            layer = layers.Dropout(spec.rate, name=name)
        elif spec.kind == "flatten":
            layer = layers.Flatten(name=name)
        elif spec.kind == "global_pool":
            pool = layers.GlobalMaxPooling2D if spec.mode == "max" else layers.GlobalAveragePooling2D
            layer = pool(name=name)
        elif spec.kind == "dense":
            layer = layers.Dense(spec.units, activation=spec.activation, name=name)
        else:
            raise ValueError(f"Unknown layer kind {spec.kind!r}.")
        built.append(layer)
    return built
