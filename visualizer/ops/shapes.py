"""Output sizes, paddings, parameter ranges and size formulas of the concept ops.

Everything here works per spatial axis and follows Keras 3 on the TensorFlow
backend exactly, so the demos can bound their controls and explain the sizes
without importing Keras. The ops in this package call these functions, so the
shapes they produce and the shapes reported here cannot drift apart.

Conventions:
    * ``input_hw``, ``kernel_hw``, ``stride``, ``dilation`` and pooling ``size``
      accept an int (same for both axes) or a (rows, cols) pair.
    * A convolution ``padding`` is ``"valid"``, ``"same"`` (case-insensitive),
      an int (zeros on all four sides) or explicit ``(top, bottom, left, right)``.
      Pooling and transposed convolution accept only ``"valid"`` and ``"same"``,
      as in Keras.
    * ``"same"`` uses TensorFlow's rule: the total padding is split with the
      smaller half before, so an odd total puts the extra row/column at the
      bottom/right.
    * Impossible settings raise ``ValueError`` with the reason in words.
"""

from __future__ import annotations

from numbers import Integral
from typing import NamedTuple

Pair = tuple[int, int]
AxisPadding = tuple[int, int]

# Bounds offered to the UI where the maths itself sets no upper limit (a
# transposed convolution accepts any kernel and stride); larger values only
# make the pictures unreadable.
MAX_TRANSPOSE_KERNEL = 7
MAX_TRANSPOSE_STRIDE = 4


def as_pair(value, name: str) -> Pair:
    """Return ``value`` as a (rows, cols) pair of positive ints."""
    if isinstance(value, Integral):
        pair = (int(value), int(value))
    else:
        try:
            pair = tuple(value)
        except TypeError:
            raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}.") from None
        if len(pair) != 2 or not all(isinstance(v, Integral) for v in pair):
            raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}.")
        pair = (int(pair[0]), int(pair[1]))
    if min(pair) < 1:
        raise ValueError(f"{name} must be at least 1, got {value!r}.")
    return pair


def effective_kernel(kernel: int, dilation: int = 1) -> int:
    """Span of a dilated kernel: ``dilation * (kernel - 1) + 1`` cells."""
    return dilation * (kernel - 1) + 1


def same_padding(in_size: int, kernel: int, stride: int = 1, dilation: int = 1) -> AxisPadding:
    """(before, after) zeros that ``padding="same"`` adds on one axis.

    TensorFlow makes the output ``ceil(in / stride)`` long and pads just enough
    for the last window to fit, putting the odd cell after.
    """
    out = -(-in_size // stride)
    total = max((out - 1) * stride + effective_kernel(kernel, dilation) - in_size, 0)
    return total // 2, total - total // 2


def _padding_name(padding) -> str | None:
    if isinstance(padding, str):
        name = padding.lower()
        if name not in ("valid", "same"):
            raise ValueError(f'Unknown padding {padding!r}: use "valid" or "same".')
        return name
    return None


def _check_no_strided_dilation(stride: Pair, dilation: Pair) -> None:
    # Keras refuses this combination; refusing it too keeps every result here
    # reproducible in Keras.
    if max(stride) > 1 and max(dilation) > 1:
        raise ValueError(
            f"A stride above 1 cannot be combined with a dilation above 1 "
            f"(Keras does not support it); got stride {stride} and dilation {dilation}."
        )


def conv_padding(input_hw, kernel_hw, stride=1, padding="valid", dilation=1) -> tuple[AxisPadding, AxisPadding]:
    """((top, bottom), (left, right)) zeros a convolution adds to its input."""
    input_hw = as_pair(input_hw, "input size")
    kernel_hw = as_pair(kernel_hw, "kernel size")
    stride = as_pair(stride, "stride")
    dilation = as_pair(dilation, "dilation")
    name = _padding_name(padding)
    if name == "valid":
        return (0, 0), (0, 0)
    if name == "same":
        return tuple(same_padding(*args) for args in zip(input_hw, kernel_hw, stride, dilation))
    if isinstance(padding, Integral):
        sides = (int(padding),) * 4
    else:
        try:
            sides = tuple(padding)
        except TypeError:
            raise ValueError(
                f'Padding must be "valid", "same", an int or (top, bottom, left, right); got {padding!r}.'
            ) from None
        if len(sides) != 4 or not all(isinstance(v, Integral) for v in sides):
            raise ValueError(
                f'Padding must be "valid", "same", an int or (top, bottom, left, right); got {padding!r}.'
            )
    if min(sides) < 0:
        raise ValueError(f"Padding cannot be negative, got {padding!r}.")
    top, bottom, left, right = (int(v) for v in sides)
    return (top, bottom), (left, right)


def conv_output_size(in_size: int, kernel: int, stride: int = 1, pad: AxisPadding = (0, 0), dilation: int = 1) -> int:
    """Output length on one axis: ``floor((in + p_before + p_after - k_eff) / s) + 1``."""
    padded = in_size + pad[0] + pad[1]
    span = effective_kernel(kernel, dilation)
    if span > padded:
        what = f"kernel of {kernel}" if dilation == 1 else f"dilated kernel spanning {span} cells"
        raise ValueError(
            f"The {what} does not fit in the padded input of {padded} cells "
            f"({in_size} + {pad[0]} + {pad[1]} padding); use a smaller kernel or more padding."
        )
    return (padded - span) // stride + 1


def conv_output_shape(input_hw, kernel_hw, stride=1, padding="valid", dilation=1) -> Pair:
    """(rows, cols) of a convolution's output."""
    return tuple(conv_output_size(*axis) for axis in _conv_axes(input_hw, kernel_hw, stride, padding, dilation))


def _conv_axes(input_hw, kernel_hw, stride, padding, dilation) -> list[tuple]:
    """Per axis (rows, then columns): (input, kernel, stride, (pad before, pad after), dilation)."""
    input_hw = as_pair(input_hw, "input size")
    kernel_hw = as_pair(kernel_hw, "kernel size")
    stride = as_pair(stride, "stride")
    dilation = as_pair(dilation, "dilation")
    _check_no_strided_dilation(stride, dilation)
    pads = conv_padding(input_hw, kernel_hw, stride, padding, dilation)
    return list(zip(input_hw, kernel_hw, stride, pads, dilation))


def _pool_args(input_hw, size, stride, padding):
    input_hw = as_pair(input_hw, "input size")
    size = as_pair(size, "pool size")
    stride = size if stride is None else as_pair(stride, "stride")
    if _padding_name(padding) is None:
        raise ValueError(f'Pooling padding must be "valid" or "same", got {padding!r}.')
    return input_hw, size, stride


def pool_padding(input_hw, size=2, stride=None, padding="valid") -> tuple[AxisPadding, AxisPadding]:
    """((top, bottom), (left, right)) cells pooling adds around its input (stride defaults to size)."""
    input_hw, size, stride = _pool_args(input_hw, size, stride, padding)
    return conv_padding(input_hw, size, stride, padding.lower())


def pool_output_shape(input_hw, size=2, stride=None, padding="valid") -> Pair:
    """(rows, cols) of a pooling output (stride defaults to size)."""
    input_hw, size, stride = _pool_args(input_hw, size, stride, padding)
    return conv_output_shape(input_hw, size, stride, padding.lower())


class TransposeAxis(NamedTuple):
    """One axis of a transposed convolution.

    The full result of stamping every input cell is ``(in - 1) * stride + kernel``
    long. ``pad_before`` cells are cropped from its start and ``pad_after`` from
    its end, then ``output_padding`` cells are given back at the end (zeros where
    they lie past the full result), so
    ``out = (in - 1) * stride - (pad_before + pad_after) + kernel + output_padding``.
    ``output_padding`` is the value actually used, also when Keras chose it.
    """

    out: int
    pad_before: int
    pad_after: int
    output_padding: int


def conv_transpose_axis(
    in_size: int, kernel: int, stride: int = 1, padding="valid", output_padding=None
) -> TransposeAxis:
    """Size and cropping of one axis of a transposed convolution, as Keras on TensorFlow."""
    name = _padding_name(padding)
    if name is None:
        raise ValueError(f'Transposed convolution padding must be "valid" or "same", got {padding!r}.')
    for value, label in ((in_size, "input size"), (kernel, "kernel size"), (stride, "stride")):
        if value < 1:
            raise ValueError(f"The {label} must be at least 1, got {value}.")
    if output_padding is not None:
        if output_padding < 0:
            raise ValueError(f"output_padding cannot be negative, got {output_padding}.")
        if output_padding >= stride:
            raise ValueError(
                f"output_padding must be smaller than the stride (it only fills the gap a stride leaves); "
                f"got output_padding {output_padding} with stride {stride}."
            )
    full = (in_size - 1) * stride + kernel
    if name == "valid":
        op = max(kernel, stride) - kernel if output_padding is None else output_padding
        return TransposeAxis(full + op, 0, 0, op)
    if output_padding is None:
        op = stride - kernel % 2
    else:
        op = output_padding
        if kernel % 2 == 0 and op == 0:
            # TensorFlow cannot produce (in - 1) * stride cells with "same": its
            # forward convolution of that size would have one output too few.
            raise ValueError(
                'An even kernel with padding "same" needs output_padding of at least 1 '
                "(TensorFlow rejects 0); leave output_padding unset to get in * stride."
            )
    out = (in_size - 1) * stride + kernel % 2 + op
    cropped = max(full - out, 0)
    before = cropped // 2
    return TransposeAxis(out, before, full + op - out - before, op)


def _transpose_axes(input_hw, kernel_hw, stride, padding, output_padding):
    input_hw = as_pair(input_hw, "input size")
    kernel_hw = as_pair(kernel_hw, "kernel size")
    stride = as_pair(stride, "stride")
    if output_padding is None or isinstance(output_padding, Integral):
        ops = (output_padding, output_padding)
    else:
        ops = tuple(output_padding)
        if len(ops) != 2:
            raise ValueError(f"output_padding must be None, an int or a pair, got {output_padding!r}.")
    return tuple(conv_transpose_axis(*args, padding, op) for *args, op in zip(input_hw, kernel_hw, stride, ops))


def conv_transpose_output_shape(input_hw, kernel_hw, stride=1, padding="valid", output_padding=None) -> Pair:
    """(rows, cols) of a transposed convolution's output."""
    return tuple(axis.out for axis in _transpose_axes(input_hw, kernel_hw, stride, padding, output_padding))


def conv_transpose_padding(input_hw, kernel_hw, stride=1, padding="valid", output_padding=None):
    """((top, bottom), (left, right)) cropped from the full stamped result, and the
    (rows, cols) output_padding actually used; see :class:`TransposeAxis`."""
    axes = _transpose_axes(input_hw, kernel_hw, stride, padding, output_padding)
    return tuple((a.pad_before, a.pad_after) for a in axes), tuple(a.output_padding for a in axes)


# --- formulas as text -------------------------------------------------------


def _kernel_term(kernel: int, dilation: int) -> str:
    return str(kernel) if dilation == 1 else f"({dilation}*({kernel}-1)+1)"


def _window_formula(in_size, kernel, stride, pad, dilation=1) -> str:
    out = conv_output_size(in_size, kernel, stride, pad, dilation)
    return (
        f"out = floor(({in_size} + {pad[0]} + {pad[1]} - {_kernel_term(kernel, dilation)}) / {stride}) + 1 = {out}"
    )


def conv_formula(input_hw, kernel_hw, stride=1, padding="valid", dilation=1) -> tuple[str, str]:
    """The output-size formula with the current numbers, for rows and for columns,
    e.g. ``out = floor((28 + 0 + 1 - 2) / 1) + 1 = 28``."""
    return tuple(_window_formula(*axis) for axis in _conv_axes(input_hw, kernel_hw, stride, padding, dilation))


def pool_formula(input_hw, size=2, stride=None, padding="valid") -> tuple[str, str]:
    """The pooling output-size formula with the current numbers, for rows and columns."""
    input_hw, size, stride = _pool_args(input_hw, size, stride, padding)
    pads = conv_padding(input_hw, size, stride, padding.lower())
    return tuple(_window_formula(*args) for args in zip(input_hw, size, stride, pads))


def conv_transpose_formula(input_hw, kernel_hw, stride=1, padding="valid", output_padding=None) -> tuple[str, str]:
    """The transposed-convolution size formula with the current numbers, e.g.
    ``out = (3 - 1) * 2 - (0 + 2) + 3 + 1 = 6``, for rows and columns."""
    input_hw = as_pair(input_hw, "input size")
    kernel_hw = as_pair(kernel_hw, "kernel size")
    stride = as_pair(stride, "stride")
    axes = _transpose_axes(input_hw, kernel_hw, stride, padding, output_padding)
    return tuple(
        f"out = ({n} - 1) * {s} - ({a.pad_before} + {a.pad_after}) + {k} + {a.output_padding} = {a.out}"
        for n, k, s, a in zip(input_hw, kernel_hw, stride, axes)
    )


# --- parameter ranges for the controls --------------------------------------


def _max_kernel(padded: int, dilation: int) -> int:
    """Largest kernel whose dilated span fits in ``padded`` cells."""
    return (padded - 1) // dilation + 1


def conv_param_ranges(input_hw, kernel_hw, stride=1, padding="valid", dilation=1) -> dict[str, Pair]:
    """Inclusive (min, max) of each convolution parameter, holding the others at
    their given values, so every value in range gives a valid convolution.

    Keys: ``kernel_h``, ``kernel_w``, ``stride_h``, ``stride_w``, ``dilation_h``,
    ``dilation_w`` and, for explicit padding, ``pad_top``, ``pad_bottom``,
    ``pad_left``, ``pad_right``.

    The upper bounds where the maths allows anything are chosen so each step
    still changes something: a stride stops at the value that leaves a single
    output cell; explicit padding stops at ``k_eff - 1`` (more would add windows
    of nothing but zeros); with ``"same"`` the kernel span stops at
    ``2 * in - 1``, past which the extra taps only ever see padding. Stride and
    dilation above 1 exclude each other, as in Keras.
    """
    input_hw = as_pair(input_hw, "input size")
    kernel_hw = as_pair(kernel_hw, "kernel size")
    stride = as_pair(stride, "stride")
    dilation = as_pair(dilation, "dilation")
    pads = conv_padding(input_hw, kernel_hw, stride, padding, dilation)
    same = _padding_name(padding) == "same"
    ranges: dict[str, Pair] = {}
    for axis, n, k, _s, d, (pb, pa) in zip("hw", input_hw, kernel_hw, stride, dilation, pads):
        if same:
            # Padding grows with the kernel, so only the sensible span cap applies.
            kernel_max = _max_kernel(2 * n - 1, d)
            stride_max = n
            dilation_max = 1 if k == 1 else max(1, (2 * n - 2) // (k - 1))
        else:
            padded = n + pb + pa
            kernel_max = _max_kernel(padded, d)
            stride_max = max(1, padded - effective_kernel(k, d) + 1)
            dilation_max = 1 if k == 1 else max(1, (padded - 1) // (k - 1))
        if max(dilation) > 1:
            stride_max = 1
        if max(stride) > 1:
            dilation_max = 1
        ranges[f"kernel_{axis}"] = (1, kernel_max)
        ranges[f"stride_{axis}"] = (1, stride_max)
        ranges[f"dilation_{axis}"] = (1, dilation_max)
    if _padding_name(padding) is None:
        for side, axis in zip(("top", "bottom", "left", "right"), (0, 0, 1, 1)):
            k_eff = effective_kernel(kernel_hw[axis], dilation[axis])
            pads_axis = pads[axis]
            other = pads_axis[1] if side in ("top", "left") else pads_axis[0]
            # The kernel must still fit when the other side's padding stays put.
            low = max(0, k_eff - input_hw[axis] - other)
            ranges[f"pad_{side}"] = (low, max(low, k_eff - 1))
    return ranges


def pool_param_ranges(input_hw, size=2, stride=None, padding="valid") -> dict[str, Pair]:
    """Inclusive (min, max) of ``size_h``, ``size_w``, ``stride_h``, ``stride_w``
    for pooling, holding the others at their given values.

    The window stops at the input size (with ``"same"`` a larger one is allowed
    but only adds padding); the stride stops where a single output cell is left.
    """
    input_hw, size, stride = _pool_args(input_hw, size, stride, padding)
    same = padding.lower() == "same"
    ranges: dict[str, Pair] = {}
    for axis, n, k in zip("hw", input_hw, size):
        ranges[f"size_{axis}"] = (1, n)
        ranges[f"stride_{axis}"] = (1, n if same else max(1, n - min(k, n) + 1))
    return ranges


def conv_transpose_param_ranges(input_hw, kernel_hw, stride=1, padding="valid") -> dict[str, Pair]:
    """Inclusive (min, max) of ``kernel_h``, ``kernel_w``, ``stride_h``,
    ``stride_w``, ``output_padding_h`` and ``output_padding_w``.

    Any kernel and stride are valid; they stop at :data:`MAX_TRANSPOSE_KERNEL`
    and :data:`MAX_TRANSPOSE_STRIDE`. An explicit output_padding must be below
    the stride, and with ``"same"`` an even kernel needs at least 1. When the
    output_padding range is empty (min > max: an even kernel, ``"same"`` and
    stride 1), only the automatic choice (``None``) is valid.
    """
    input_hw = as_pair(input_hw, "input size")
    kernel_hw = as_pair(kernel_hw, "kernel size")
    stride = as_pair(stride, "stride")
    if _padding_name(padding) is None:
        raise ValueError(f'Transposed convolution padding must be "valid" or "same", got {padding!r}.')
    same = padding.lower() == "same"
    ranges: dict[str, Pair] = {}
    for axis, k, s in zip("hw", kernel_hw, stride):
        ranges[f"kernel_{axis}"] = (1, MAX_TRANSPOSE_KERNEL)
        ranges[f"stride_{axis}"] = (1, MAX_TRANSPOSE_STRIDE)
        ranges[f"output_padding_{axis}"] = (1 if same and k % 2 == 0 else 0, s - 1)
    return ranges
