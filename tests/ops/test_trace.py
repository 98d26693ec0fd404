"""Step traces: every step is consistent with the padded input, and the steps rebuild the op."""

import numpy as np
import pytest
from hypothesis import given, settings

from visualizer.ops import (
    conv2d,
    conv2d_transpose,
    conv_trace,
    format_sum,
    pool2d,
    pool_trace,
    transpose_conv_trace,
    transpose_scatter_trace,
)
from visualizer.ops.conv import correlate_padded
from visualizer.ops.trace import BORDER, INSERTED, REAL, format_number

from .configs import conv_settings, pool_settings, transpose_settings


def assert_rebuilt(rebuilt, output, magnitude):
    """Equal up to float64 rounding of sums taken in another order."""
    assert rebuilt.shape == output.shape
    assert (np.abs(rebuilt - output) <= 1e-12 * (1 + magnitude)).all()


def assert_unpadded_region_is(trace, x):
    (top, bottom), (left, right) = trace.padding
    rows, cols = trace.padding_mask.shape
    assert not trace.padding_mask[top : rows - bottom, left : cols - right].any()
    assert trace.padding_mask.sum() == rows * cols - x.shape[0] * x.shape[1]
    np.testing.assert_array_equal(trace.padded_input[top : rows - bottom, left : cols - right], x)


@settings(max_examples=120, deadline=None)
@given(conv_settings())
def test_conv_trace_steps_rebuild_conv2d(setting):
    x, kernel, stride, padding, dilation = setting
    if kernel.ndim == 4:
        kernel = kernel[..., 0]
    trace = conv_trace(x, kernel, stride, padding, dilation)
    expected = conv2d(x, kernel, stride, padding, dilation)
    np.testing.assert_array_equal(trace.output, expected)
    assert len(trace) == expected.size
    assert np.shares_memory(trace.windows, trace.padded_input)  # a view: building copies nothing
    assert_unpadded_region_is(trace, x)
    channel_axes = tuple(range(2, trace.windows.ndim))
    magnitude = conv2d(np.abs(x), np.abs(kernel), stride, padding, dilation)
    assert_rebuilt(trace.products().sum(axis=channel_axes), expected, magnitude)

    for i, step in enumerate(trace):
        assert step.index == i and (step.out_row, step.out_col) == divmod(i, expected.shape[1])
        ix = np.ix_(step.rows, step.cols)
        np.testing.assert_array_equal(step.window, trace.padded_input[ix])
        np.testing.assert_array_equal(step.is_padding, trace.padding_mask[ix])
        assert (step.window[step.is_padding] == 0).all()
        np.testing.assert_array_equal(step.weights, trace.kernel)
        np.testing.assert_array_equal(step.products, step.window * step.weights)
        assert step.value == expected[step.out_row, step.out_col]
        assert abs(step.products.sum() - step.value) <= 1e-12 * (1 + magnitude[step.out_row, step.out_col])
        assert format_sum(step).endswith(f" = {format_number(step.value)}")
    assert trace[-1].index == len(trace) - 1
    with pytest.raises(IndexError):
        trace[len(trace)]


@settings(max_examples=120, deadline=None)
@given(pool_settings())
def test_pool_trace_steps_rebuild_pool2d(setting):
    x, size, stride, padding = setting
    x = x if x.ndim == 2 else x[:, :, 0]
    for mode in ("max", "avg", "sum"):
        trace = pool_trace(x, size, stride, mode, padding)
        result = pool2d(x, size, stride, mode, padding)
        np.testing.assert_array_equal(trace.output, result.output)
        assert_unpadded_region_is(trace, x)
        (top, _), (left, _) = trace.padding
        for step in trace:
            ix = np.ix_(step.rows, step.cols)
            np.testing.assert_array_equal(step.window, trace.padded_input[ix])
            np.testing.assert_array_equal(step.is_padding, trace.padding_mask[ix])
            real = step.window[~step.is_padding]
            assert step.count == real.size > 0
            if mode == "max":
                assert trace.padded_input[step.winner] == step.value == real.max()
                winner = (step.winner[0] - top, step.winner[1] - left)
                assert winner == tuple(result.winners[step.out_row, step.out_col])
            else:
                assert step.winner is None
                total = real.sum() / (step.count if mode == "avg" else 1)
                assert abs(total - step.value) <= 1e-12 * (1 + np.abs(real).sum())
            assert format_sum(step).endswith(f" = {format_number(step.value)}")


@settings(max_examples=200, deadline=None)
@given(transpose_settings(channels=False))
def test_the_convolution_view_skips_only_exact_zeros_so_its_output_is_the_full_correlations(setting):
    x, kernel, stride, padding, output_padding = setting
    as_conv = transpose_conv_trace(x, kernel, stride, padding, output_padding)
    padded = as_conv.padded_input[:, :, None]
    full = correlate_padded(padded, as_conv.kernel[:, :, None, None], as_conv.output.shape, (1, 1), (1, 1))
    np.testing.assert_array_equal(as_conv.output, full[:, :, 0])  # bit for bit, not close


@settings(max_examples=120, deadline=None)
@given(transpose_settings(channels=False))
def test_transposed_traces_rebuild_the_output_both_ways(setting):
    x, kernel, stride, padding, output_padding = setting
    expected = conv2d_transpose(x, kernel, stride, padding, output_padding)
    magnitude = conv2d_transpose(np.abs(x), np.abs(kernel), stride, padding, output_padding)

    scatter = transpose_scatter_trace(x, kernel, stride, padding, output_padding)
    assert len(scatter) == x.size
    full = np.zeros(scatter.full_shape)
    for step in scatter:
        assert step.input_value == x[step.in_row, step.in_col]
        np.testing.assert_array_equal(step.stamp, step.input_value * kernel)
        ix = np.ix_(step.rows, step.cols)
        np.testing.assert_array_equal(step.in_output, scatter.output_region[ix])
        np.testing.assert_array_equal(step.out_rows, step.rows - scatter.crop_origin[0])
        full[ix] += step.stamp
    rebuilt = full[scatter.output_region].reshape(expected.shape)
    assert_rebuilt(rebuilt, expected, magnitude)
    assert_rebuilt(scatter.output, expected, magnitude)
    np.testing.assert_array_equal(scatter.partial_full(-1), 0.0)
    assert_rebuilt(scatter.partial_full(len(scatter) - 1), full, np.abs(full))

    as_conv = transpose_conv_trace(x, kernel, stride, padding, output_padding)
    assert_rebuilt(as_conv.output, expected, magnitude)
    assert_rebuilt(as_conv.products().sum(axis=(2, 3)), expected, magnitude)
    np.testing.assert_array_equal(as_conv.kernel, kernel[::-1, ::-1])
    kind = as_conv.cell_kind
    np.testing.assert_array_equal(kind == BORDER, as_conv.padding_mask)
    np.testing.assert_array_equal(kind == INSERTED, as_conv.inserted_mask)
    assert (as_conv.padded_input[kind != REAL] == 0).all()
    real_rows, real_cols = np.flatnonzero(as_conv.source_row >= 0), np.flatnonzero(as_conv.source_col >= 0)
    np.testing.assert_array_equal(as_conv.padded_input[np.ix_(real_rows, real_cols)], x)
    assert (kind[np.ix_(real_rows, real_cols)] == REAL).all() and (kind == REAL).sum() == x.size
    for step in as_conv:
        ix = np.ix_(step.rows, step.cols)
        np.testing.assert_array_equal(step.is_inserted, as_conv.inserted_mask[ix])
        np.testing.assert_array_equal(step.is_padding, as_conv.padding_mask[ix])


def test_format_sum_examples():
    step = conv_trace(np.array([[0.2, 0.5, -1.0]]), np.array([[1.0, 0.0, -2.0]]))[0]
    assert format_sum(step) == "0.2×1 + 0.5×0 + (-1)×(-2) = 2.2"
    big = conv_trace(np.arange(25.0).reshape(5, 5), np.ones((5, 5)))[0]
    assert format_sum(big) == "0×1 + 1×1 + 2×1 + 3×1 + … + 21×1 + 22×1 + 23×1 + 24×1 = 300"
    assert format_sum(big, max_terms=3) == "0×1 + … + 24×1 = 300"
    assert "…" not in format_sum(big, max_terms=25)
    assert format_sum(conv_trace([[1 / 3]], [[1.0]])[0], digits=5) == "0.33333×1 = 0.33333"

    x = np.array([[1.0, -2.0], [4.0, 3.0]])
    assert format_sum(pool_trace(x, 2, mode="max")[0]) == "max(1, -2, 4, 3) = 4"
    assert format_sum(pool_trace(x, 2, mode="avg")[0]) == "(1 - 2 + 4 + 3) / 4 = 1.5"
    assert format_sum(pool_trace(x, 2, mode="sum")[0]) == "1 - 2 + 4 + 3 = 6"
    # Padding does not count: "same" pads one row and column after a 3x3 input.
    corner = pool_trace(np.arange(9.0).reshape(3, 3), 2, mode="avg", padding="same")[-1]
    assert format_sum(corner) == "(8) / 1 = 8"

    stamp = transpose_scatter_trace(np.array([[0.5]]), np.array([[1.0, 2.0], [3.0, -4.0]]))[0]
    assert format_sum(stamp) == "0.5 × (1, 2, 3, -4) = (0.5, 1, 1.5, -2)"


def test_traces_refuse_what_they_cannot_show():
    with pytest.raises(ValueError, match="one output channel"):
        conv_trace(np.ones((3, 3)), np.ones((2, 2, 1, 4)))
    with pytest.raises(ValueError, match="one channel"):
        pool_trace(np.ones((3, 3, 2)))
    with pytest.raises(ValueError, match="one channel"):
        transpose_scatter_trace(np.ones((3, 3, 1)), np.ones((2, 2, 1, 1)))
    with pytest.raises(ValueError, match="smaller than the stride"):
        transpose_conv_trace(np.ones((3, 3)), np.ones((2, 2)), 2, "valid", 2)
    with pytest.raises(ValueError, match="max_terms"):
        format_sum(conv_trace([[1.0]], [[1.0]])[0], max_terms=0)


def test_trace_arrays_are_read_only():
    trace = conv_trace(np.ones((4, 4)), np.ones((3, 3)), padding="same")
    for array in (trace.padded_input, trace.padding_mask, trace.output, trace.windows, trace[0].products):
        with pytest.raises(ValueError):
            array[0] = 1
