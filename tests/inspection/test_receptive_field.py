"""Receptive fields: the arithmetic on known stacks, and the field read from a Keras graph against
the pixels an impulse actually reaches (all-positive weights, average pooling: nothing cancels)."""

from __future__ import annotations

import numpy as np
import pytest

from visualizer.inspection.receptive_field import AxisField, ReceptiveField, receptive_field, same_padding_before


def test_two_3x3_valid_convs_see_5_pixels_and_a_stride_doubles_the_jump():
    field = AxisField().through(3).through(3)
    assert (field.size, field.jump, field.start) == (5, 1, 0)
    strided = AxisField().through(3, stride=2).through(3)
    assert (strided.size, strided.jump) == (7, 2)
    dilated = AxisField().through(3, dilation=2)
    assert dilated.size == 5


def test_keras_same_padding_puts_the_smaller_half_first():
    assert same_padding_before(28, 2) == 0  # an even kernel pads after only
    assert same_padding_before(28, 3) == 1
    assert same_padding_before(28, 5) == 2
    assert same_padding_before(28, 3, stride=2) == 0  # 28 -> 14 needs only one pixel, after
    assert same_padding_before(27, 3, stride=2) == 1


def test_the_seed_cnns_second_conv_sees_5x5_pixels_from_its_own_down_and_right():
    # conv 2x2 "same" -> pool 2 -> conv 2x2 "same", along one axis.
    field = AxisField().through(2, pad_before=0).through(2, stride=2).through(2, pad_before=0)
    assert (field.size, field.jump, field.start) == (5, 2, 0)
    square = ReceptiveField(field, field)
    assert square.box(3, 4, (28, 28)) == (6, 8, 11, 13)
    assert square.box(13, 13, (28, 28)) == (26, 26, 28, 28)  # clipped at the bottom right


def test_a_padded_field_is_clipped_at_the_top_left():
    field = AxisField().through(5, pad_before=2)
    assert ReceptiveField(field, field).box(0, 1, (10, 10)) == (0, 0, 3, 4)


def seed_like(layers, kinds):
    import keras

    stack = [keras.Input((12, 12, 1))]
    for kind, options in kinds:
        if kind == "conv":
            stack.append(layers.Conv2D(2, kernel_initializer="ones", use_bias=False, **options))
        elif kind == "pool":
            stack.append(layers.AveragePooling2D(**options))
        elif kind == "pad":
            stack.append(layers.ZeroPadding2D(**options))
        else:
            stack.append(layers.Activation("linear"))
    return keras.Sequential(stack)


STACKS = {
    "seed": [("conv", dict(kernel_size=2, padding="same")), ("pool", dict(pool_size=2)), ("conv", dict(kernel_size=2, padding="same"))],
    "valid and strided": [
        ("conv", dict(kernel_size=3)),
        ("conv", dict(kernel_size=3, strides=2)),
        ("act", {}),
        ("conv", dict(kernel_size=2)),
    ],
    "same, odd, strided": [
        ("conv", dict(kernel_size=3, padding="same", strides=2)),
        ("pool", dict(pool_size=3, strides=1, padding="same")),
        ("conv", dict(kernel_size=3, padding="same")),
    ],
    "dilated and padded": [("pad", dict(padding=(2, 1))), ("conv", dict(kernel_size=3, dilation_rate=2)), ("pool", dict(pool_size=2))],
    "padding seen alone": [("pad", dict(padding=3)), ("conv", dict(kernel_size=1))],
}


@pytest.mark.parametrize("name", list(STACKS))
def test_the_field_read_from_the_graph_is_exactly_what_an_impulse_reaches(name):
    import keras

    from visualizer.inspection.graph import flatten

    model = seed_like(keras.layers, STACKS[name])
    flat = flatten(model)
    field = receptive_field(flat, flat.calls[-1].label)
    impulses = np.eye(144, dtype="float32").reshape(144, 12, 12, 1)
    reached = np.asarray(flat.model(impulses))[..., 0] != 0  # (pixel, row, col)
    rows, cols = reached.shape[1:]
    for row in range(rows):
        for col in range(cols):
            seen = reached[:, row, col].reshape(12, 12)
            top, left, bottom, right = field.box(row, col, (12, 12))
            expected = np.zeros((12, 12), bool)
            expected[top:bottom, left:right] = True
            assert np.array_equal(seen, expected), (name, row, col, field)


def test_the_seed_field_from_the_graph_is_5x5():
    import keras

    from visualizer.inspection.graph import flatten

    flat = flatten(seed_like(keras.layers, STACKS["seed"]))
    assert receptive_field(flat, flat.calls[-1].label).size == (5, 5)
    assert receptive_field(flat, flat.calls[0].label).size == (2, 2)
    with pytest.raises(ValueError, match="no layer call"):
        receptive_field(flat, "nowhere")


def test_a_layer_after_flatten_has_no_field():
    import keras

    from visualizer.inspection.graph import flatten

    model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3), keras.layers.Flatten(), keras.layers.Dense(3)])
    flat = flatten(model)
    assert receptive_field(flat, flat.calls[0].label).size == (3, 3)
    assert receptive_field(flat, flat.calls[-1].label) is None


@pytest.mark.parametrize("position", [0, 1, 2, 31, 40])
def test_a_position_that_sees_only_padding_has_an_empty_box_inside_the_picture(position):
    field = AxisField().shifted(3)  # ZeroPadding2D(3) then a 1x1 conv on 28 pixels: positions 0-2 and 31-33 see padding only
    first, end = field.span(position, 28)
    assert 0 <= first <= end <= 28
    assert first == end
    top, left, bottom, right = ReceptiveField(field, field).box(position, position, (28, 28))
    assert 0 <= top == bottom <= 28 and 0 <= left == right <= 28


def test_a_field_running_past_the_bottom_right_is_clipped_to_an_empty_box_there():
    field = AxisField(3, 1, -1)
    assert field.span(29, 28) == (28, 28) and field.span(27, 28) == (26, 28)


def field_after(*layers):
    import keras

    from visualizer.inspection.graph import flatten

    flat = flatten(keras.Sequential([keras.Input((12, 12, 1)), keras.layers.Conv2D(2, 3, name="conv"), *layers]))
    return receptive_field(flat, flat.calls[-1].label)


def test_a_layer_that_keeps_the_maps_size_but_moves_pixels_has_no_field():
    import keras

    layers = keras.layers
    assert field_after(layers.Conv2DTranspose(2, 3, padding="same")) is None  # sees a 3x3 neighbourhood, not one pixel
    assert field_after(layers.UpSampling2D(2), layers.Resizing(10, 10)) is None
    assert field_after(layers.Lambda(lambda x: x[:, ::-1])) is None  # a flip: unknown, so no field


def test_layers_that_work_pixel_by_pixel_keep_the_field():
    import keras

    layers = keras.layers
    kept = [layers.Activation("relu"), layers.BatchNormalization(), layers.Dropout(0.5), layers.Rescaling(0.5), layers.Softmax()]
    for layer in kept:
        assert field_after(layer).size == (3, 3), type(layer).__name__
    assert field_after(layers.Softmax(axis=1)) is None  # along the rows: every pixel of a column
