"""shapes.py: formulas as text, and parameter ranges that only offer valid settings."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from visualizer.ops import conv2d, conv2d_transpose, pool2d, shapes


def test_formulas_show_the_current_numbers():
    assert shapes.conv_formula(28, 2, 1, "same") == ("out = floor((28 + 0 + 1 - 2) / 1) + 1 = 28",) * 2
    assert shapes.conv_formula((28, 10), 3, 1, "valid", (2, 1)) == (
        "out = floor((28 + 0 + 0 - (2*(3-1)+1)) / 1) + 1 = 24",
        "out = floor((10 + 0 + 0 - 3) / 1) + 1 = 8",
    )
    assert shapes.conv_formula(7, 3, 2, (1, 0, 2, 3)) == (
        "out = floor((7 + 1 + 0 - 3) / 2) + 1 = 3",
        "out = floor((7 + 2 + 3 - 3) / 2) + 1 = 5",
    )
    assert shapes.pool_formula(5, 2, padding="same")[0] == "out = floor((5 + 0 + 1 - 2) / 2) + 1 = 3"
    assert shapes.conv_transpose_formula(3, 3, 2, "same", 1)[0] == "out = (3 - 1) * 2 - (0 + 2) + 3 + 1 = 6"
    # "valid" with a stride above the kernel: Keras fills the gap after the last stamp.
    assert shapes.conv_transpose_formula(3, 2, 3, "valid")[0] == "out = (3 - 1) * 3 - (0 + 0) + 2 + 1 = 9"


def test_paddings_each_op_uses():
    assert shapes.conv_padding((5, 6), (3, 4), 1, "same") == ((1, 1), (1, 2))
    assert shapes.conv_padding(5, 3, 1, 2) == ((2, 2), (2, 2))
    assert shapes.pool_padding(5, 2, None, "same") == ((0, 1), (0, 1))
    assert shapes.pool_padding(5, 2, None, "valid") == ((0, 0), (0, 0))
    assert shapes.conv_transpose_padding(3, 3, 2, "same") == (((0, 2), (0, 2)), (1, 1))


@st.composite
def conv_geometry(draw):
    input_hw = (draw(st.integers(1, 12)), draw(st.integers(1, 12)))
    padding = draw(st.sampled_from(["valid", "same", "explicit"]))
    if padding == "explicit":
        padding = tuple(draw(st.integers(0, 3)) for _ in range(4))
    dilation = (1, 1)
    if draw(st.booleans()):
        dilation = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (1, 1) if max(dilation) > 1 else (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    pads = shapes.conv_padding(input_hw, 1, stride, padding, dilation)
    padded = [n + sum(p) for n, p in zip(input_hw, pads)]
    limit = [2 * n - 1 if padding == "same" else p for n, p in zip(input_hw, padded)]
    kernel_hw = tuple(draw(st.integers(1, (m - 1) // d + 1)) for m, d in zip(limit, dilation))
    return input_hw, kernel_hw, stride, padding, dilation


def with_value(setting, key, value):
    """``setting`` with the parameter named by a range key (e.g. "stride_w") set to ``value``."""
    input_hw, kernel_hw, stride, padding, dilation = setting
    name, axis = key.rsplit("_", 1)
    if name == "pad":
        sides = dict(zip(("top", "bottom", "left", "right"), padding))
        sides[axis] = value
        return input_hw, kernel_hw, stride, tuple(sides.values()), dilation
    index = "hw".index(axis)
    params = {"kernel": list(kernel_hw), "stride": list(stride), "dilation": list(dilation)}
    params[name][index] = value
    return input_hw, tuple(params["kernel"]), tuple(params["stride"]), padding, tuple(params["dilation"])


def output_shape(setting):
    input_hw, kernel_hw, stride, padding, dilation = setting
    return shapes.conv_output_shape(input_hw, kernel_hw, stride, padding, dilation)


@settings(max_examples=150, deadline=None)
@given(conv_geometry())
def test_every_conv_value_in_range_is_valid(setting):
    input_hw, kernel_hw, stride, padding, dilation = setting
    ranges = shapes.conv_param_ranges(input_hw, kernel_hw, stride, padding, dilation)
    expected = {f"{n}_{a}" for n in ("kernel", "stride", "dilation") for a in "hw"}
    if not isinstance(padding, str):
        expected |= {f"pad_{side}" for side in ("top", "bottom", "left", "right")}
    assert set(ranges) == expected
    for key, (low, high) in ranges.items():
        assert 0 <= low <= high
        for value in range(low, high + 1):
            x_hw, k_hw, s, p, d = with_value(setting, key, value)
            out = conv2d(np.ones(x_hw), np.ones(k_hw), s, p, d)
            assert out.shape == shapes.conv_output_shape(x_hw, k_hw, s, p, d)
        if key.startswith("pad"):
            continue
        axis = "hw".index(key[-1])
        if key.startswith("stride") and max(dilation) == 1:
            # The largest stride is the first that leaves a single output cell.
            assert output_shape(with_value(setting, key, high))[axis] == 1
            assert high == 1 or output_shape(with_value(setting, key, high - 1))[axis] == 2
        grows_kernel = key.startswith("kernel") or (
            key.startswith("dilation") and kernel_hw[axis] > 1 and max(stride) == 1
        )
        if grows_kernel and padding != "same":
            with pytest.raises(ValueError, match="does not fit"):
                output_shape(with_value(setting, key, high + 1))


@settings(max_examples=100, deadline=None)
@given(
    st.tuples(st.integers(1, 10), st.integers(1, 10)),
    st.tuples(st.integers(1, 4), st.integers(1, 4)),
    st.sampled_from(["valid", "same"]),
)
def test_every_pool_value_in_range_is_valid(input_hw, size, padding):
    size = tuple(min(k, n) for k, n in zip(size, input_hw))
    ranges = shapes.pool_param_ranges(input_hw, size, None, padding)
    assert set(ranges) == {"size_h", "size_w", "stride_h", "stride_w"}
    for key, (low, high) in ranges.items():
        for value in range(low, high + 1):
            name, axis = key.split("_")
            pair = list(size)
            pair[" hw".index(axis) - 1] = value
            k, s = (tuple(pair), size) if name == "size" else (size, tuple(pair))
            result = pool2d(np.ones(input_hw), k, s, "max", padding)
            assert result.output.shape == shapes.pool_output_shape(input_hw, k, s, padding)


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("kernel", [1, 2, 3, 4])
@pytest.mark.parametrize("stride", [1, 2, 3])
def test_output_padding_range_is_exactly_what_works(padding, kernel, stride):
    low, high = shapes.conv_transpose_param_ranges(4, kernel, stride, padding)["output_padding_h"]
    for op in range(0, stride + 1):
        if low <= op <= high:
            conv2d_transpose(np.ones((4, 4)), np.ones((kernel, kernel)), stride, padding, op)
        else:
            with pytest.raises(ValueError):
                conv2d_transpose(np.ones((4, 4)), np.ones((kernel, kernel)), stride, padding, op)
    # Leaving it to Keras always works.
    conv2d_transpose(np.ones((4, 4)), np.ones((kernel, kernel)), stride, padding, None)


def test_bad_shape_arguments_say_why():
    with pytest.raises(ValueError, match="at least 1"):
        shapes.conv_output_shape((0, 4), 1)
    with pytest.raises(ValueError, match="pair"):
        shapes.conv_output_shape(4, "3")
    with pytest.raises(ValueError, match="valid"):
        shapes.conv_transpose_param_ranges(4, 3, 1, 2)
