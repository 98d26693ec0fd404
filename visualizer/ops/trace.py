"""Step-by-step traces of the ops, one step per output cell (or per input cell for
the scatter view of transposed convolution), for the demos to draw and scrub.

A trace is built once and holds index maps and read-only views rather than a
list of steps, so building one is about as fast as the op itself and any step
can be read in constant time:

    trace = conv_trace(image, kernel, padding="same")
    len(trace)            # number of steps, row-major over the output
    step = trace[i]       # a frozen Step for step i (negative i counts from the end)
    trace.windows         # every window at once, a view: no copy
    format_sum(step)      # "0.2×1 + 0.5×0 + … = 1.7"

Coordinates in steps are on the PADDED input (``trace.padded_input``); the
unpadded input starts at ``trace.padding[0][0], trace.padding[1][0]``.
All arrays handed out are read-only.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np

from . import shapes
from .conv import as_conv_kernel, as_image, correlate_padded, pad_image, window_view
from .pooling import check_mode, padded_for_pool, pool2d, pool_geometry
from .transposed import (
    full_transpose_size,
    rotated_kernel,
    scatter_full,
    transpose_as_conv_padding,
    transpose_setup,
    zero_insert,
)

# Kinds of cell on the input of the convolution view of a transposed convolution.
REAL = 0  # a value of the original input
INSERTED = 1  # a zero inserted between input cells by the stride
BORDER = 2  # a zero of the border padding


def _frozen(a) -> np.ndarray:
    a = np.asarray(a)
    if a.flags.writeable:
        a = a.view()
        a.flags.writeable = False
    return a


# --- steps ------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class WindowStep:
    """What every step that reads one window of the input shares; see :class:`ConvStep`."""

    index: int
    out_row: int
    out_col: int
    rows: np.ndarray
    cols: np.ndarray
    window: np.ndarray
    is_padding: np.ndarray


@dataclass(frozen=True, eq=False)
class ConvStep(WindowStep):
    """One output cell of a convolution.

    index: step number, row-major over the output.
    out_row, out_col: the output cell this step computes.
    rows: (kh,) padded-input row under each kernel row (spaced by the dilation).
    cols: (kw,) padded-input column under each kernel column.
    window: input values under the kernel: (kh, kw) for an (H, W) input,
        (kh, kw, C_in) for an (H, W, C_in) one.
    is_padding: (kh, kw) bool, True where the window lies on padding zeros.
    weights: the kernel, same shape as ``window``.
    products: ``window * weights``, element by element.
    value: the output value, ``products.sum()`` up to float rounding.
    """

    weights: np.ndarray
    products: np.ndarray
    value: float


@dataclass(frozen=True, eq=False)
class TransposedConvStep(ConvStep):
    """One output cell of the convolution view of a transposed convolution.

    As :class:`ConvStep` (``weights`` is the rotated kernel; ``is_padding``
    marks the border padding), plus ``is_inserted``: (kh, kw) bool, True where
    the window lies on a zero inserted between input cells by the stride.
    """

    is_inserted: np.ndarray


@dataclass(frozen=True, eq=False)
class PoolStep(WindowStep):
    """One output cell of a pooling.

    index, out_row, out_col, rows, cols, is_padding: as in :class:`ConvStep`.
    window: (kh, kw) input values under the pool window (padding holds -inf
        for max pooling and 0 otherwise; it never counts).
    mode: "max", "avg" or "sum".
    count: number of real (unpadded) cells in the window.
    value: the output value.
    winner: for "max", the (row, col) on the padded input the maximum came
        from (first in row-major order on ties); None otherwise.
    """

    mode: str
    count: int
    value: float
    winner: tuple[int, int] | None


@dataclass(frozen=True, eq=False)
class ScatterStep:
    """One input cell of the scatter view of a transposed convolution.

    index: step number, row-major over the input.
    in_row, in_col: the input cell that stamps.
    input_value: its value.
    rows, cols: (kh,) and (kw,) rows/columns of the full (uncropped) result
        the stamp covers: ``in_row * stride + arange(kh)``.
    kernel: (kh, kw) kernel.
    stamp: ``input_value * kernel``, the values added at rows x cols.
    out_rows, out_cols: the same rows/columns in output coordinates (the
        full result minus the cropped border); they can fall outside the output.
    in_output: (kh, kw) bool, True where the stamp lands inside the output.
    """

    index: int
    in_row: int
    in_col: int
    input_value: float
    rows: np.ndarray
    cols: np.ndarray
    kernel: np.ndarray
    stamp: np.ndarray
    out_rows: np.ndarray
    out_cols: np.ndarray
    in_output: np.ndarray


# --- traces -----------------------------------------------------------------


class _GridTrace:
    """Steps indexed row-major over a (rows, cols) grid."""

    grid_shape: tuple[int, int]

    def __len__(self) -> int:
        return self.grid_shape[0] * self.grid_shape[1]

    def position(self, index: int) -> tuple[int, int]:
        """(row, col) of step ``index`` on its grid."""
        n = len(self)
        if not -n <= index < n:
            raise IndexError(f"Step {index} is out of range: this trace has {n} steps.")
        return divmod(index % n, self.grid_shape[1])

    def __getitem__(self, index: int):
        row, col = self.position(index)
        return self._step(index % len(self), row, col)

    def __iter__(self):
        return (self[i] for i in range(len(self)))


class _WindowTrace(_GridTrace):
    """Shared geometry of the sliding-window traces (convolution and pooling).

    Attributes:
        padded_input: the input with its padding, (Hp, Wp) or (Hp, Wp, C).
        padding_mask: (Hp, Wp) bool, True on padding.
        padding: ((top, bottom), (left, right)) padding cells.
        kernel_hw, stride, dilation: (rows, cols) pairs.
        output: the op's output, (H_out, W_out).
        row_index: (H_out, kh) padded-input row of kernel row a for output row i.
        col_index: (W_out, kw) likewise for columns.
        windows: every window at once, (H_out, W_out, kh, kw[, C]), a view.
    """

    def __init__(self, padded, mask, pads, kernel_hw, stride, dilation, output, squeeze):
        self.padding = pads
        self.kernel_hw, self.stride, self.dilation = tuple(kernel_hw), tuple(stride), tuple(dilation)
        self.output = _frozen(output)
        self.grid_shape = self.output.shape[:2]
        rows, cols = self.grid_shape
        windows = window_view(_frozen(padded), kernel_hw, stride, dilation)[:rows, :cols]
        self.padded_input = _frozen(padded[:, :, 0] if squeeze else padded)
        self.padding_mask = _frozen(mask)
        self.windows = windows[..., 0] if squeeze else windows
        self._mask_windows = window_view(_frozen(mask[:, :, None]), kernel_hw, stride, dilation)[:rows, :cols, ..., 0]
        self.row_index = _frozen(
            np.arange(self.grid_shape[0])[:, None] * stride[0] + np.arange(kernel_hw[0]) * dilation[0]
        )
        self.col_index = _frozen(
            np.arange(self.grid_shape[1])[:, None] * stride[1] + np.arange(kernel_hw[1]) * dilation[1]
        )

    @property
    def values(self) -> np.ndarray:
        """The output values in step order, (len,)."""
        return self.output.reshape(-1)

    def _geometry(self, row: int, col: int) -> dict:
        return dict(
            out_row=row,
            out_col=col,
            rows=self.row_index[row],
            cols=self.col_index[col],
            window=self.windows[row, col],
            is_padding=self._mask_windows[row, col],
        )


class ConvTrace(_WindowTrace):
    """Trace of a single-output-channel convolution; see :func:`conv_trace`.

    Besides the attributes of every window trace (``padded_input``,
    ``padding_mask``, ``padding``, ``output``, ``row_index``, ``col_index``,
    ``windows``): ``kernel``, the weights, (kh, kw) or (kh, kw, C_in).
    """

    step_type = ConvStep

    def __init__(self, padded, mask, pads, weights, stride, dilation, squeeze, correlate=correlate_padded):
        out_hw = _conv_out_hw(padded, weights, stride, dilation)
        output = correlate(padded, weights[..., None], out_hw, stride, dilation)
        super().__init__(padded, mask, pads, weights.shape[:2], stride, dilation, output[:, :, 0], squeeze)
        self.kernel = _frozen(weights[:, :, 0] if squeeze else weights)

    def products(self) -> np.ndarray:
        """Every step's element-wise products at once, (H_out, W_out, kh, kw[, C]) (allocates)."""
        return _frozen(self.windows * self.kernel)

    def _step(self, index, row, col):
        geometry = self._geometry(row, col)
        return self.step_type(
            index=index,
            weights=self.kernel,
            products=_frozen(geometry["window"] * self.kernel),
            value=float(self.output[row, col]),
            **geometry,
            **self._extra_fields(row, col),
        )

    def _extra_fields(self, row, col) -> dict:
        return {}


def _conv_out_hw(padded, weights, stride, dilation):
    return tuple(
        shapes.conv_output_size(n, k, s, (0, 0), d)
        for n, k, s, d in zip(padded.shape[:2], weights.shape[:2], stride, dilation)
    )


def conv_trace(x, kernel, stride=1, padding="valid", dilation=1) -> ConvTrace:
    """Trace of ``conv2d(x, kernel, ...)`` for one output channel.

    ``kernel`` is (kh, kw) or (kh, kw, C_in); for a (kh, kw, C_in, C_out) bank
    trace one filter at a time with ``kernel[..., j]``. Windows and weights are
    (kh, kw) for an (H, W) ``x`` and (kh, kw, C_in) for an (H, W, C_in) one.
    """
    image = as_image(x)
    if np.ndim(kernel) == 4:
        raise ValueError("conv_trace follows one output channel: pass kernel[..., j] for filter j.")
    weights, _ = as_conv_kernel(kernel, image.shape[2])
    weights = weights[..., 0]
    stride = shapes.as_pair(stride, "stride")
    dilation = shapes.as_pair(dilation, "dilation")
    shapes.conv_output_shape(image.shape[:2], weights.shape[:2], stride, padding, dilation)  # validates
    pads = shapes.conv_padding(image.shape[:2], weights.shape[:2], stride, padding, dilation)
    padded, mask = pad_image(image, pads)
    squeeze = np.ndim(x) == 2
    return ConvTrace(padded, mask, pads, weights, stride, dilation, squeeze)


class PoolTrace(_WindowTrace):
    """Trace of a pooling of one channel; see :func:`pool_trace`.

    ``padded_input`` holds -inf on padding for "max" (so padding never wins)
    and 0 otherwise; draw it with ``padding_mask``.
    Besides the attributes of every window trace: ``mode``; ``counts``
    (H_out, W_out), the real cells in each window; and for "max"
    ``winners`` (H_out, W_out, 2), the (row, col) on the padded input each
    maximum came from (None otherwise).
    """

    def __init__(self, image, size, stride, pads, mode, result):
        padded, mask = padded_for_pool(image, pads, mode)
        super().__init__(padded, mask, pads, size, stride, (1, 1), result.output[:, :, 0], squeeze=True)
        self.mode = mode
        self.counts = _frozen((~self._mask_windows).sum(axis=(2, 3)))
        self.winners = None
        if result.winners is not None:
            self.winners = _frozen(result.winners[:, :, 0, :] + np.array([pads[0][0], pads[1][0]]))

    def _step(self, index, row, col):
        winner = None if self.winners is None else tuple(int(v) for v in self.winners[row, col])
        return PoolStep(
            index=index,
            mode=self.mode,
            count=int(self.counts[row, col]),
            value=float(self.output[row, col]),
            winner=winner,
            **self._geometry(row, col),
        )


def pool_trace(x, size=2, stride=None, mode="max", padding="valid") -> PoolTrace:
    """Trace of ``pool2d(x, ...)`` for a single-channel (H, W) ``x``; trace a
    channel of a multi-channel input with ``x[..., c]``."""
    check_mode(mode)
    if np.ndim(x) != 2:
        raise ValueError(f"pool_trace follows one channel: pass an (H, W) image, got shape {np.shape(x)}.")
    image = as_image(x)
    size, stride, pads, _ = pool_geometry(image.shape[:2], size, stride, padding)
    result = pool2d(image, size, stride, mode, padding)
    return PoolTrace(image, size, stride, pads, mode, result)


class TransposedConvTrace(ConvTrace):
    """Trace of the convolution view of a transposed convolution; see
    :func:`transpose_conv_trace`.

    ``padded_input`` is the zero-inserted input with its border padding;
    ``padding_mask`` marks the border only. Also:
        cell_kind: (Hp, Wp) int8, :data:`REAL`, :data:`INSERTED` or :data:`BORDER`.
        inserted_mask: (Hp, Wp) bool, ``cell_kind == INSERTED``.
        source_row, source_col: (Hp,) and (Wp,) input row/column each padded
            row/column holds, -1 for inserted or border ones.
        kernel: the 180-degree rotated kernel that slides here.
    """

    step_type = TransposedConvStep

    def __init__(self, image, weights, stride, crops, out_hw):
        border = transpose_as_conv_padding(image.shape[:2], weights.shape[:2], stride, out_hw, crops)
        pads = ((border[0], border[1]), (border[2], border[3]))
        spread = zero_insert(image, stride)
        padded, mask = pad_image(spread, pads)
        self.source_row = _frozen(_source_index(image.shape[0], stride[0], pads[0], padded.shape[0]))
        self.source_col = _frozen(_source_index(image.shape[1], stride[1], pads[1], padded.shape[1]))
        real = (self.source_row[:, None] >= 0) & (self.source_col[None, :] >= 0)
        kind = np.full(padded.shape[:2], INSERTED, dtype=np.int8)
        kind[real] = REAL
        kind[mask] = BORDER
        self.cell_kind = _frozen(kind)
        self.inserted_mask = _frozen(kind == INSERTED)
        self._inserted_windows = window_view(self.inserted_mask[:, :, None], weights.shape[:2], (1, 1), (1, 1))[..., 0]
        rotated = rotated_kernel(weights)[:, :, 0, :]
        correlate = partial(_correlate_spread, first_real=(pads[0][0], pads[1][0]), spread=stride)
        super().__init__(padded, mask, pads, rotated, (1, 1), (1, 1), squeeze=True, correlate=correlate)

    def _extra_fields(self, row, col) -> dict:
        return dict(is_inserted=self._inserted_windows[row, col])


def _correlate_spread(padded, weights, out_hw, stride, dilation, *, first_real, spread) -> np.ndarray:
    """``correlate_padded`` (stride and dilation 1) over a zero-inserted single-channel input
    whose real cells sit at ``first_real`` plus multiples of ``spread``: each kernel tap adds only
    the products that can be non-zero, 1/(s_h*s_w) of them. Every skipped term is an exact zero,
    so each cell's sum is the same float as the full correlation's, in the same order."""
    (ho, wo), (sh, sw) = out_hw, spread
    kh, kw = weights.shape[:2]
    out = np.zeros((ho, wo, 1))
    for a in range(kh):
        r0 = (first_real[0] - a) % sh  # the first output row whose tap-a input row is real
        for b in range(kw):
            c0 = (first_real[1] - b) % sw
            patch = padded[a + r0 : a + ho : sh, b + c0 : b + wo : sw, 0]
            out[r0::sh, c0::sw, 0] += patch * weights[a, b, 0, 0]
    return out


def _source_index(n, stride, pads, padded_len):
    index = np.full(padded_len, -1)
    index[pads[0] : pads[0] + (n - 1) * stride + 1 : stride] = np.arange(n)
    return index


def _single_channel_transpose(x, kernel, stride, padding, output_padding):
    if np.ndim(x) != 2 or np.ndim(kernel) != 2:
        raise ValueError(
            "Transposed-convolution traces follow one channel: pass an (H, W) input and a (kh, kw) kernel, "
            f"got shapes {np.shape(x)} and {np.shape(kernel)}."
        )
    return transpose_setup(x, kernel, stride, padding, output_padding)


def transpose_conv_trace(x, kernel, stride=1, padding="valid", output_padding=None) -> TransposedConvTrace:
    """Trace of ``conv2d_transpose_as_conv`` for an (H, W) input and (kh, kw) kernel."""
    image, weights, _, stride, crops, out_hw = _single_channel_transpose(x, kernel, stride, padding, output_padding)
    return TransposedConvTrace(image, weights, stride, crops, out_hw)


class ScatterTrace(_GridTrace):
    """Trace of the scatter view of a transposed convolution; see
    :func:`transpose_scatter_trace`. One step per INPUT cell, row-major.

    Attributes:
        input: (H, W) the input.
        kernel: (kh, kw).
        stride: (rows, cols).
        crop_origin: (top, left), where the output starts on the full result.
        full_shape: (rows, cols) of the full (uncropped) result; it holds every
            stamp and every output cell.
        full: the full (uncropped) result, every stamp added.
        output_region: ``full_shape`` bool, True on cells that are in the output.
        output: (H_out, W_out) the transposed convolution.
        row_index: (H, kh) full-result row of kernel row a stamped by input row i.
        col_index: (W, kw) likewise for columns.
    """

    def __init__(self, image, weights, stride, crops, out_hw):
        self.input = _frozen(image[:, :, 0])
        self.kernel = _frozen(weights[:, :, 0, 0])
        self.stride = stride
        self.grid_shape = self.input.shape
        self.crop_origin = (crops[0][0], crops[1][0])
        self.full_shape = full_transpose_size(image.shape[:2], weights.shape[:2], stride, out_hw, crops)
        region = np.zeros(self.full_shape, dtype=bool)
        top, left = self.crop_origin
        region[top : top + out_hw[0], left : left + out_hw[1]] = True
        self.output_region = _frozen(region)
        self._weights = weights
        self.full = _frozen(scatter_full(image, weights, stride, self.full_shape)[:, :, 0])
        self.output = self.full[top : top + out_hw[0], left : left + out_hw[1]]
        kh, kw = self.kernel.shape
        self.row_index = _frozen(np.arange(self.input.shape[0])[:, None] * stride[0] + np.arange(kh))
        self.col_index = _frozen(np.arange(self.input.shape[1])[:, None] * stride[1] + np.arange(kw))

    def partial_full(self, index: int) -> np.ndarray:
        """The full result after steps 0..index (inclusive) have stamped; -1 gives nothing stamped yet."""
        if index < -1 or index >= len(self):
            raise IndexError(f"Step {index} is out of range: this trace has {len(self)} steps.")
        if index == len(self) - 1:
            return self.full
        upto = np.zeros(self.input.size)
        upto[: index + 1] = 1.0
        partial = self.input * upto.reshape(self.input.shape)
        return _frozen(scatter_full(partial[:, :, None], self._weights, self.stride, self.full_shape)[:, :, 0])

    def _step(self, index, row, col):
        rows, cols = self.row_index[row], self.col_index[col]
        value = float(self.input[row, col])
        return ScatterStep(
            index=index,
            in_row=row,
            in_col=col,
            input_value=value,
            rows=rows,
            cols=cols,
            kernel=self.kernel,
            stamp=_frozen(value * self.kernel),
            out_rows=_frozen(rows - self.crop_origin[0]),
            out_cols=_frozen(cols - self.crop_origin[1]),
            in_output=self.output_region[np.ix_(rows, cols)],
        )


def transpose_scatter_trace(x, kernel, stride=1, padding="valid", output_padding=None) -> ScatterTrace:
    """Trace of ``conv2d_transpose_scatter`` for an (H, W) input and (kh, kw) kernel."""
    image, weights, _, stride, crops, out_hw = _single_channel_transpose(x, kernel, stride, padding, output_padding)
    return ScatterTrace(image, weights, stride, crops, out_hw)


# --- arithmetic as text -----------------------------------------------------


def format_number(value: float, digits: int = 3) -> str:
    """``value`` with ``digits`` significant digits, as the demos display it."""
    text = f"{value:.{digits}g}"
    return "0" if text == "-0" else text


def _factor(value: float, digits: int) -> str:
    text = format_number(value, digits)
    return f"({text})" if text.startswith("-") else text


def _join_sum(values, max_terms: int, digits: int) -> str:
    """``a + b - c`` with the middle elided; a negative term after the first shows as a subtraction."""
    parts = _elide([format_number(v, digits) for v in values], max_terms)
    text = parts[0] if parts else "0"
    for part in parts[1:]:
        text += f" - {part[1:]}" if part.startswith("-") else f" + {part}"
    return text


def _elide(terms: list[str], max_terms: int) -> list[str]:
    if len(terms) <= max_terms:
        return terms
    head = max_terms // 2
    tail = max_terms - 1 - head
    return terms[:head] + ["…"] + (terms[-tail:] if tail else [])


def format_sum(step, max_terms: int = 9, digits: int = 3) -> str:
    """The arithmetic of one step as text, ending with the value as displayed.

    Convolution steps: ``0.2×1 + 0.5×0 + … = 1.7`` (input × weight, row-major,
    channels innermost; padding cells are shown, they are zeros).
    Pooling steps (real cells only): ``max(1, 4, 2) = 4``,
    ``(1 + 4 + 2) / 3 = 2.33``, ``1 + 4 + 2 = 7``.
    Scatter steps: ``0.5 × (1, 2, …) = (0.5, 1, …)``.
    With more than ``max_terms`` terms the middle ones become "…".
    """
    if max_terms < 1:
        raise ValueError(f"max_terms must be at least 1, got {max_terms}.")
    if isinstance(step, ConvStep):
        pairs = zip(np.ravel(step.window), np.ravel(step.weights))
        terms = [f"{_factor(a, digits)}×{_factor(b, digits)}" for a, b in pairs]
        return " + ".join(_elide(terms, max_terms)) + f" = {format_number(step.value, digits)}"
    if isinstance(step, PoolStep):
        real = step.window[~step.is_padding]
        value = format_number(step.value, digits)
        if step.mode == "max":
            shown = _elide([format_number(v, digits) for v in real], max_terms)
            return f"max({', '.join(shown)}) = {value}"
        if step.mode == "avg":
            return f"({_join_sum(real, max_terms, digits)}) / {step.count} = {value}"
        return f"{_join_sum(real, max_terms, digits)} = {value}"
    if isinstance(step, ScatterStep):
        kernel = _elide([format_number(v, digits) for v in np.ravel(step.kernel)], max_terms)
        stamp = _elide([format_number(v, digits) for v in np.ravel(step.stamp)], max_terms)
        return f"{_factor(step.input_value, digits)} × ({', '.join(kernel)}) = ({', '.join(stamp)})"
    raise TypeError(f"format_sum does not know steps of type {type(step).__name__}.")
